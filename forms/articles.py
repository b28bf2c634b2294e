"""内容管理: the article form, and the Chinese names of the portal's content columns."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from engine.domain.articles import GROUPS, MAX_BODY, MAX_TITLE, ArticleDraft
from forms.fields import PdfField, max_length, required

GROUP_LABELS = {"news": _l("工作动态"), "pilot": _l("升级试点"), "help": _l("帮助中心"), "about": _l("关于我们")}
COLUMN_LABELS = {
    "highlights": _l("要点动态"), "notice": _l("通知公告"), "showcase": _l("风采展示"),
    "fields": _l("试点领域"), "procedures": _l("制度流程"), "pilot_news": _l("试点动态"),
    "faq": _l("常见问题"), "manuals": _l("操作手册"), "standards": _l("标准资料"), "bluebook": _l("对标达标蓝皮书"),
    "intro": _l("工作介绍"), "structure": _l("组织架构"), "contact": _l("联系我们"),
}
STATUS_LABELS = {"draft": _l("草稿"), "published": _l("已发布"), "withdrawn": _l("已撤下")}
PICK_COLUMN = _l("请选择栏目")


def column_choices() -> list[SelectChoice]:
    """Every column, grouped under its 工作动态 / 升级试点 / … heading (an <optgroup>)."""
    choices = [SelectChoice("", PICK_COLUMN)]
    for group, columns in GROUPS.items():
        choices += [SelectChoice(column, COLUMN_LABELS[column], optgroup=GROUP_LABELS[group]) for column in columns]
    return choices


def _unix_newlines(value):
    """A textarea posts CRLF; count and store one character per line break."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class ArticleForm(Form):
    column = SelectField(_l("栏目"), choices=column_choices(), validators=[required(PICK_COLUMN)],
                         invalid_choice_message=PICK_COLUMN)
    title = StringField(_l("标题"), validators=[required(_l("请填写标题")), max_length(MAX_TITLE)])
    body = TextAreaField(_l("正文"), filters=[_unix_newlines],
                         validators=[required(_l("请填写正文")), max_length(MAX_BODY)])
    attachment = PdfField(_l("附件（PDF，可选）"), required=False)
    remove_attachment = BooleanField(_l("删除现有附件"))

    def draft(self, attachment=None) -> ArticleDraft:
        """The validated input for engine.domain.articles.create / update."""
        return ArticleDraft(self.column.data, self.title.data.strip(), self.body.data.strip(), attachment,
                            bool(self.remove_attachment.data))
