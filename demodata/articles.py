"""Demo articles of the portal's content columns, published by the demo office (idempotent).

Each is published some days before the load, so the lists read newest first; the last
one stays a draft that the public must not see. ``{year}`` in a title or text is the year of
the load (``{next_year}`` the one after), so the notices do not go stale.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from demodata import timeline
from demodata.accounts import OFFICE
from demodata.files import demo_pdf
from engine import clock
from engine.domain import articles
from engine.domain.auth import find_user
from storage.files import FileStore
from storage.models import Article

FAQ = (
    "问：哪些单位可以在平台注册？\n"
    "答：目前平台支持企业用户和第三方技术机构用户注册。注册时以邮箱为用户名，"
    "并上传营业执照等证明文件（PDF 格式），专项办审核通过后即可使用全部功能。\n\n"
    "问：注册申请被退回怎么办？\n"
    "答：登录后在“用户中心 → 注册状态”中查看退回原因，按要求修改注册信息或补充材料后重新提交即可。\n\n"
    "问：企业如何参与达标？\n"
    "答：在“对标方案”中找到已发布的对标方案，点击“参与达标”，填写产品型号、选择第三方技术机构并上传产品检测报告。"
    "机构评价、专项办形式审核通过后，平台颁发带二维码的达标证书。\n\n"
    "问：如何查验达标证书的真伪？\n"
    "答：使用手机扫描证书上的二维码，或在“证书查验”页面输入证书上的查验码，即可看到证书的公开信息及其当前状态。\n\n"
    "问：自我声明（我要对标）发布后还能修改吗？\n"
    "答：自我声明提交后即公开发布，不能直接修改。如内容有误，请联系专项办处理，或发布新的自我声明。")

INTRO = (
    "对标达标提升专项行动是推动我国产品和服务质量整体提升、以先进标准引领高质量发展的一项重要工作。\n\n"
    "专项行动自 2018 年启动以来，围绕消费品、装备制造、新兴产业等重点领域，组织企业对标国际国外先进标准，"
    "开展指标比对分析，持续提升产品和服务质量水平。\n\n"
    "全国对标达标信息服务平台是专项行动面向社会进行信息发布、在线编制与审核对标方案、发布达标结果及公众互动的网络平台。"
    "第三方技术机构在平台上编制对标方案，企业对照已发布的对标方案参与达标或发布自我声明，专项办对各环节进行审核与核查。")

CONTACT = """对标达标提升专项行动办公室

服务咨询电话：010-68001234（工作日 9:00-17:00）
电子邮箱：duibiao@demo.duibiao.cn
通信地址：北京市昌平区科技园永安路36号
邮政编码：102200"""

PROCEDURES = """升级试点工作按以下阶段开展：

一、试点招募：专项办发布试点招募信息，第三方技术机构和企业在线报名并上传资质文件。
二、报名审核：专项办对报名材料进行审核，审核通过的机构进入方案编制阶段。
三、编制方案：第三方技术机构提交比对分析报告，经平台备案及形式审核后编制正式版对标方案。
四、方案公示：正式版对标方案审核通过后公示 7 天，公示期间社会各方可提交修订意见。
五、方案发布：公示期满且无需修订的方案正式发布，企业可据此参与达标。
六、达标评价：企业提交达标申请，第三方技术机构开展达标产品评价，专项办形式审核及备案后颁发达标证书。"""

# (column, title, body, attachment file name or None, days before the load it was published; None: a draft)
DEMO_ARTICLES = [
    ("notice", "关于开展 {year} 年度对标达标提升专项行动升级试点工作的通知",
     "各有关单位：\n\n为深入推进对标达标提升专项行动，专项办决定开展 {year} 年度升级试点工作。"
     "请有意承担试点任务的第三方技术机构和企业登录平台，在“升级试点 → 试点招募”中报名。\n\n"
     "具体要求详见附件。\n\n对标达标提升专项行动办公室", "升级试点工作通知.pdf", 20),
    ("notice", "关于全国对标达标信息服务平台系统维护的公告",
     "因系统升级维护，平台将于本周六 22:00 至次日 6:00 暂停服务。维护期间无法登录和提交材料，"
     "已提交的材料不受影响。由此带来的不便，敬请谅解。", None, 3),
    ("highlights", "对标达标提升专项行动 {year} 年工作推进会在京召开",
     "会议总结了专项行动开展以来的工作成效，部署了下一阶段重点任务。"
     "会议强调，要以升级试点为抓手，推动更多企业对标国际先进标准，提升产品和服务质量。", None, 12),
    ("highlights", "电动汽车交流充电桩等对标方案完成公示并正式发布",
     "经第三方技术机构编制、专项办审核及 7 天公示，电动汽车交流充电桩、房间空气调节器两项对标方案正式发布，"
     "相关企业可在“对标方案”中查看并参与达标。", None, 5),
    ("faq", "平台使用常见问题解答", FAQ, None, 30),
    ("intro", "对标达标提升专项行动工作介绍", INTRO, None, 60),
    ("contact", "联系我们", CONTACT, None, 60),
    ("procedures", "升级试点工作制度与流程", PROCEDURES, None, 25),
    ("fields", "产品领域：电动自行车、电动汽车充电设施、家用电器",
     "产品层面的升级试点围绕消费者关注度高、质量提升空间大的产品开展。{year} 年度试点产品包括两轮电动自行车、"
     "电动汽车交流充电桩和房间空气调节器，由第三方技术机构编制对标方案，企业对照方案参与达标。", None, 40),
    ("fields", "组织与区域领域：标准化良好行为企业与区域质量提升",
     "组织层面的试点引导企业建立对标达标管理体系；区域层面的试点以产业集聚区为单元，"
     "推动区域内企业整体对标先进标准。", None, 38),
    ("pilot_news", "电动自行车产品试点完成第三方技术机构招募",
     "电动自行车产品试点第三方技术机构招募已完成报名审核，华标检测认证有限公司承担对标方案编制任务，"
     "比对分析报告已提交平台备案。", None, 8),
    ("notice", "关于征集 {next_year} 年度升级试点领域建议的通知（草稿）",
     "本通知尚在起草中，征集范围和时间安排待定。", None, None),
]


def _dated(text: str, year: int) -> str:
    return text.replace("{year}", str(year)).replace("{next_year}", str(year + 1))


def _exists(session: Session, column: str, title: str) -> bool:
    """By column and title, whatever year the title was loaded with (``_`` matches any character)."""
    pattern = title.replace("{year}", "____").replace("{next_year}", "____")
    return session.scalars(select(Article.id).where(Article.column_key == column,
                                                    Article.title.like(pattern))).first() is not None


def load_articles(session: Session, store: FileStore, base: datetime | None = None) -> None:
    """The demo articles, each once (by column and title)."""
    base = base or clock.now()
    year = clock.to_china(base).year
    office = find_user(session, OFFICE)
    for column, title, body, attachment_name, days_ago in DEMO_ARTICLES:
        if _exists(session, column, title):
            continue
        attachment = store.save(session, demo_pdf("notice"), attachment_name, "application/pdf", office.id) \
            if attachment_name else None
        draft = articles.ArticleDraft(column, _dated(title, year), _dated(body, year), attachment)
        with timeline.at(timeline.before(base, days=days_ago or 0)):
            article = articles.create(session, office, draft)
            if days_ago is not None:
                articles.publish(session, office, article)
