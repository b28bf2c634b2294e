"""The portal's content columns (工作动态, 升级试点, 帮助中心, 关于我们) and the office's 内容管理."""
from __future__ import annotations

from contextlib import nullcontext
from datetime import timedelta

import pytest
from sqlalchemy import select

import demodata
from demodata import articles as demo_articles
from engine import clock
from engine.domain import articles
from engine.domain.articles import ArticleDraft
from storage.models import Article, StoredFile, User
from tests.conftest import START
from tests.webapp.helpers import (
    count,
    csrf_token,
    field_errors,
    first,
    flashes,
    input_value,
    multipart,
    page,
    pdf,
    remembered_password_hashes,
    text_of,
)
from tests.webapp.pilot_flow import NOT_PDF
from webapp import db
from webapp.articles import PER_PAGE

BODY = "各有关单位：\n请于 11 月 30 日前完成报名。\n\n对标达标提升专项行动办公室"


def article_form(**overrides) -> dict:
    """A complete 新增文章 form (保存草稿); ``None`` drops a field."""
    form = {"column": "notice", "title": "关于开展升级试点工作的通知", "body": BODY, "action": "save"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def post_article(client, url: str = "/office/articles/new", **overrides):
    return client.post(url, **multipart(article_form(**overrides)))


def newest(session_factory) -> Article:
    return first(session_factory, select(Article).order_by(Article.id.desc()))


def make_article(session_factory, office_id: int, column: str = "notice", title: str = "通知",
                 status: str = "published", at=None, body: str = "正文") -> int:
    """An article through the domain service, published (and withdrawn) as asked, at ``at``."""
    with session_factory() as session, (clock.frozen_at(at) if at else nullcontext()):
        office = session.get(User, office_id)
        article = articles.create(session, office, ArticleDraft(column, title, body))
        if status in ("published", "withdrawn"):
            articles.publish(session, office, article)
        if status == "withdrawn":
            articles.withdraw(session, office, article)
        session.commit()
        return article.id


def listed_titles(response) -> list[str]:
    """The titles of the listed articles (each row's first link), in order."""
    return [" ".join(row.xpath("(.//a)[1]")[0].text_content().split())
            for row in page(response).xpath("//*[@data-article-id]")]


def nav_links(response) -> dict[str, str]:
    return {a.text_content().strip(): a.get("href") for a in page(response).xpath("//nav[@class='portal-nav']//a")}


# --- 新增, 编辑, 发布, 撤下 (the office) -------------------------------------------------------------


def test_office_saves_a_draft_then_publishes_it(office_client, client, session_factory):
    assert office_client.get("/office/articles/new").status_code == 200
    response = post_article(office_client, attachment=pdf("报名通知.pdf"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/office/articles")
    listed = office_client.get("/office/articles")
    assert flashes(listed) == ["“关于开展升级试点工作的通知”已保存"]
    article = newest(session_factory)
    assert (article.column_key, article.status, article.published_at) == ("notice", "draft", None)
    assert article.body == BODY and article.attachment_file_id is not None
    assert page(listed).xpath("string(//tr[@data-article-id]//*[@data-status])").strip() == "草稿"
    assert client.get(f"/articles/{article.id}").status_code == 404
    assert listed_titles(client.get("/news/?column=notice")) == []

    published = office_client.post(f"/office/articles/{article.id}/publish")
    assert published.status_code == 302
    assert newest(session_factory).status == "published"
    detail = client.get(f"/articles/{article.id}")
    assert detail.status_code == 200
    root = page(detail)
    assert root.xpath("string(//*[@data-article-title])") == "关于开展升级试点工作的通知"
    assert root.xpath("string(//*[@data-published-at])") == "2026-11-02 09:30"  # China time
    assert root.xpath("string(//*[@data-article-body])") == BODY  # line breaks kept as they were
    assert root.xpath("//a[@data-file-link]/@href") == [f"/files/{article.attachment_file_id}"]
    assert listed_titles(client.get("/news/?column=notice")) == ["关于开展升级试点工作的通知"]


def test_save_and_publish_at_once(office_client, client, session_factory):
    response = post_article(office_client, action="publish", column="faq", title="常见问题解答")
    assert response.status_code == 302
    article = newest(session_factory)
    assert (article.status, article.column_key) == ("published", "faq")
    assert article.published_at == START
    assert flashes(office_client.get("/office/articles")) == ["“常见问题解答”已发布"]
    assert listed_titles(client.get("/help/")) == listed_titles(client.get("/help/?column=faq")) == ["常见问题解答"]


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": None}, "title", "请填写标题"),
    ({"title": "   "}, "title", "请填写标题"),
    ({"title": "通" * 101}, "title", "不能超过 100 个字"),
    ({"body": None}, "body", "请填写正文"),
    ({"body": "字" * 20001}, "body", "不能超过 20000 个字"),
    ({"column": ""}, "column", "请选择栏目"),
    ({"column": "blog"}, "column", "请选择栏目"),
    ({"attachment": pdf("通知.docx", NOT_PDF, "application/msword")}, "attachment", "请上传 PDF 格式的文件"),
])
def test_bad_input_is_refused_at_its_field(office_client, session_factory, overrides, field, message):
    response = post_article(office_client, action="publish", **{"attachment": pdf(), **overrides})
    assert response.status_code == 422
    assert field_errors(response) == {field: [message]}
    assert count(session_factory, Article) == 0 and count(session_factory, StoredFile) == 0


def test_a_body_of_20000_characters_counts_a_crlf_line_break_as_one(office_client, session_factory):
    body = "第一行\n" + "字" * (articles.MAX_BODY - 4)
    assert post_article(office_client, body=body.replace("\n", "\r\n")).status_code == 302
    assert newest(session_factory).body == body


def test_office_edits_an_article_and_a_published_one_stays_published(
        office, office_client, client, session_factory):
    assert post_article(office_client, action="publish", attachment=pdf("旧附件.pdf")).status_code == 302
    article = newest(session_factory)
    form = office_client.get(f"/office/articles/{article.id}/edit")
    assert form.status_code == 200
    assert input_value(form, "title") == "关于开展升级试点工作的通知"
    # (A browser drops the newline right after <textarea>; lxml keeps it.)
    assert page(form).xpath("string(//textarea[@name='body'])") == "\n" + BODY
    assert page(form).xpath("//select[@name='column']/optgroup/option[@selected]/@value") == ["notice"]

    edited = post_article(office_client, f"/office/articles/{article.id}/edit", column="highlights",
                          title="升级试点工作推进会召开", attachment=pdf("新附件.pdf"))
    assert edited.status_code == 302
    after = newest(session_factory)
    assert (after.title, after.column_key, after.status) == ("升级试点工作推进会召开", "highlights", "published")
    assert after.published_at == article.published_at
    assert after.attachment_file_id != article.attachment_file_id
    assert listed_titles(client.get("/news/?column=notice")) == []
    assert "升级试点工作推进会召开" in text_of(client.get("/news/"))

    removed = post_article(office_client, f"/office/articles/{article.id}/edit", remove_attachment="y")
    assert removed.status_code == 302 and newest(session_factory).attachment_file_id is None

    refused = post_article(office_client, f"/office/articles/{article.id}/edit", title="")
    assert refused.status_code == 422 and field_errors(refused) == {"title": ["请填写标题"]}
    assert newest(session_factory).title == "关于开展升级试点工作的通知"  # the earlier save, unchanged


def test_withdrawn_articles_disappear_and_may_be_published_again(office, office_client, client, session_factory):
    article_id = make_article(session_factory, office, title="平台维护公告")
    assert client.get(f"/articles/{article_id}").status_code == 200

    response = office_client.post(f"/office/articles/{article_id}/withdraw?status=published")
    assert response.status_code == 302 and response.headers["Location"].endswith("/office/articles?status=published")
    assert flashes(office_client.get("/office/articles")) == ["“平台维护公告”已撤下"]
    assert newest(session_factory).status == "withdrawn"
    assert client.get(f"/articles/{article_id}").status_code == 404
    assert listed_titles(client.get("/news/?column=notice")) == []

    again = office_client.post(f"/office/articles/{article_id}/withdraw")
    assert again.status_code == 302
    assert flashes(office_client.get("/office/articles")) == ["只能撤下已发布的文章"]

    with clock.frozen_at(START + timedelta(days=3)):
        assert office_client.post(f"/office/articles/{article_id}/publish").status_code == 302
    republished = newest(session_factory)
    assert (republished.status, republished.published_at) == ("published", START)  # its first 发布时间
    assert flashes(office_client.get("/office/articles")) == ["“平台维护公告”已发布"]
    assert office_client.post(f"/office/articles/{article_id}/publish").status_code == 302
    assert flashes(office_client.get("/office/articles")) == ["该文章已发布"]


def test_the_office_list_filters_by_column_and_status(office, office_client, session_factory):
    make_article(session_factory, office, title="已发布的通知")
    make_article(session_factory, office, title="通知草稿", status="draft")
    make_article(session_factory, office, column="faq", title="常见问题", status="withdrawn")

    def titles(query=""):
        return listed_titles(office_client.get(f"/office/articles{query}"))

    assert sorted(titles()) == ["已发布的通知", "常见问题", "通知草稿"]
    assert sorted(titles("?column=notice")) == ["已发布的通知", "通知草稿"]
    assert titles("?status=draft") == ["通知草稿"]
    assert titles("?column=faq&status=withdrawn") == ["常见问题"]
    assert titles("?column=faq&status=published") == []
    assert sorted(titles("?column=nonsense&status=nonsense")) == ["已发布的通知", "常见问题", "通知草稿"]
    preview = office_client.get(f"/office/articles/{newest(session_factory).id}")
    assert preview.status_code == 200 and "公众尚不可见" in text_of(preview)


# --- the public columns ------------------------------------------------------------------------


def test_a_column_lists_published_articles_newest_first_in_pages(office, client, session_factory):
    for minute in range(PER_PAGE + 1):
        make_article(session_factory, office, title=f"通知{minute:02d}", at=START + timedelta(minutes=minute))
    make_article(session_factory, office, title="草稿", status="draft", at=START + timedelta(hours=2))
    make_article(session_factory, office, title="撤下的", status="withdrawn", at=START + timedelta(hours=3))
    make_article(session_factory, office, column="highlights", title="要点", at=START + timedelta(hours=4))

    first_page = client.get("/news/?column=notice")
    assert first_page.status_code == 200
    assert listed_titles(first_page) == [f"通知{m:02d}" for m in range(PER_PAGE, 0, -1)]
    assert f"当前 1 / {PER_PAGE} 条, 共 {PER_PAGE + 1} 条" in text_of(first_page)
    assert page(first_page).xpath("//nav[contains(@class,'pager')]//a[contains(.,'下一页')]/@href") == [
        "/news/?page=2&column=notice"]
    assert listed_titles(client.get("/news/?column=notice&page=2")) == ["通知00"]
    assert listed_titles(client.get("/news/")) == ["要点"]  # 要点动态, the group's first column


@pytest.mark.parametrize(("url", "active"), [
    ("/news/", "要点动态"), ("/news/?column=showcase", "风采展示"), ("/pilot-info/", "试点领域"),
    ("/pilot-info/?column=procedures", "制度流程"), ("/help/?column=bluebook", "对标达标蓝皮书"),
    ("/about/?column=structure", "组织架构"),
])
def test_every_column_page_has_its_tabs(client, url, active):
    response = client.get(url)
    assert response.status_code == 200
    tabs = page(response).xpath("//*[@data-column-tabs]//a")
    assert [a.text_content().strip() for a in tabs if "active" in a.get("class")] == [active]
    assert "该栏目暂无内容" in text_of(response)


def test_the_pilot_group_links_the_pages_built_elsewhere(client):
    tabs = {a.text_content().strip(): a.get("href")
            for a in page(client.get("/pilot-info/")).xpath("//*[@data-column-tabs]//a")}
    assert list(tabs) == ["试点领域", "制度流程", "试点招募", "试点动态", "对标方案", "达标结果"]
    assert (tabs["试点招募"], tabs["对标方案"], tabs["达标结果"]) == ("/pilots/", "/plans/", "/results/")

    # …and 试点招募 keeps the group's tabs for the public, itself marked.
    recruiting = page(client.get("/pilots/")).xpath("//*[@data-column-tabs]//a")
    assert [a.text_content().strip() for a in recruiting] == list(tabs)
    assert [a.text_content().strip() for a in recruiting if "active" in a.get("class")] == ["试点招募"]


@pytest.mark.parametrize("url", ["/news/?column=faq", "/help/?column=intro", "/about/?column=x", "/articles/999"])
def test_unknown_columns_and_articles_are_not_found(client, url):
    assert client.get(url).status_code == 404


def test_drafts_and_withdrawn_articles_are_not_found(office, client, other_client, session_factory):
    for status in ("draft", "withdrawn"):
        article_id = make_article(session_factory, office, status=status)
        assert client.get(f"/articles/{article_id}").status_code == 404
        assert other_client.get(f"/articles/{article_id}").status_code == 404


def test_markup_in_an_article_is_shown_as_text(office, client, session_factory):
    body = "<script>alert('x')</script>\n<b>第二行</b>"
    article_id = make_article(session_factory, office, title="<i>标题</i>", body=body)
    response = client.get(f"/articles/{article_id}")
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<b>第二行" not in html and "<i>标题" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert page(response).xpath("string(//*[@data-article-body])") == body
    assert "&lt;i&gt;标题&lt;/i&gt;" in client.get("/news/?column=notice").get_data(as_text=True)


def test_the_attachment_is_public_once_published_and_not_before(office_client, client, other_client,
                                                               session_factory):
    assert post_article(office_client, attachment=pdf("通知附件.pdf")).status_code == 302
    article = newest(session_factory)
    url = f"/files/{article.attachment_file_id}"
    assert client.get(url).status_code == 401
    assert other_client.get(url).status_code == 403
    with office_client.get(url) as own:
        assert own.status_code == 200 and own.data.startswith(b"%PDF-")

    office_client.post(f"/office/articles/{article.id}/publish")
    for browser in (client, other_client):
        with browser.get(url) as download:
            assert download.status_code == 200 and download.data.startswith(b"%PDF-")

    office_client.post(f"/office/articles/{article.id}/withdraw")
    assert client.get(url).status_code == 401


# --- who may manage articles --------------------------------------------------------------------


def test_only_the_office_manages_articles(office, other_client, client, session_factory):
    article_id = make_article(session_factory, office, title="原标题")
    draft_id = make_article(session_factory, office, title="草稿", status="draft")
    pages = ["/office/articles", "/office/articles/new", f"/office/articles/{article_id}/edit",
             f"/office/articles/{draft_id}"]
    posts = ["/office/articles/new", f"/office/articles/{article_id}/edit", f"/office/articles/{article_id}/withdraw",
             f"/office/articles/{draft_id}/publish"]
    for url in pages:
        assert other_client.get(url).status_code == 403, url
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for url in posts:
        assert other_client.post(url, **multipart(article_form(title="改过的"))).status_code == 403, url
        assert client.post(url, **multipart(article_form(title="改过的"))).status_code == 302, url
    statuses = {a.title: a.status for a in
                (first(session_factory, select(Article).where(Article.id == i)) for i in (article_id, draft_id))}
    assert statuses == {"原标题": "published", "草稿": "draft"}
    assert count(session_factory, Article) == 2


def test_csrf_token_is_required_for_every_post(office, office_client, csrf_on, session_factory):
    """(csrf_on after office_client: the fixture logs in without a token.)"""
    article_id = make_article(session_factory, office, status="draft")
    assert post_article(office_client).status_code == 400
    assert office_client.post(f"/office/articles/{article_id}/publish").status_code == 400
    assert post_article(office_client, f"/office/articles/{article_id}/edit", title="改过的").status_code == 400
    assert count(session_factory, Article) == 1
    assert (newest(session_factory).status, newest(session_factory).title) == ("draft", "通知")

    token = csrf_token(office_client.get("/office/articles"))
    assert office_client.post(f"/office/articles/{article_id}/publish", data={"csrf_token": token}).status_code == 302
    form_token = csrf_token(office_client.get("/office/articles/new"))
    assert post_article(office_client, csrf_token=form_token).status_code == 302
    assert count(session_factory, Article) == 2 and newest(session_factory).status == "draft"


# --- the header, the side menu, the home page -------------------------------------------------


def test_the_header_offers_the_new_columns_beside_the_old_items(client):
    links = nav_links(client.get("/"))
    assert list(links) == ["首页", "工作动态", "升级试点", "对标方案", "达标结果", "机构名录", "对标结果", "证书查验",
                           "帮助中心", "关于我们"]
    assert (links["工作动态"], links["帮助中心"], links["关于我们"]) == ("/news/", "/help/", "/about/")
    assert links["升级试点"] == "/pilot-info/"  # its tabs lead on to 试点招募, 对标方案 and 达标结果


def test_the_side_menu_offers_content_management_to_the_office_only(office_client, other_client):
    def menu(browser):
        return [a.text_content().strip() for a in page(browser.get("/account/password")).xpath(
            "//nav[@class='side-menu']/a")]

    office_menu = menu(office_client)
    assert office_menu.index("内容管理") == office_menu.index("证书管理") + 1
    assert "内容管理" not in menu(other_client)


def test_the_home_page_shows_the_latest_notices_and_highlights(office, client, session_factory):
    for minute in range(6):
        make_article(session_factory, office, title=f"通知{minute}", at=START + timedelta(minutes=minute))
    make_article(session_factory, office, column="highlights", title="推进会召开")
    make_article(session_factory, office, title="未发布的通知", status="draft", at=START + timedelta(hours=1))
    home = page(client.get("/"))

    def latest(key):
        return [a.text_content().strip() for a in home.xpath(f"//*[@data-latest-articles='{key}']//a")]

    assert latest("notice") == ["通知5", "通知4", "通知3", "通知2", "通知1"]
    assert latest("highlights") == ["推进会召开"]
    assert home.xpath("//*[@data-latest-plans]") and home.xpath("//*[@data-latest-results]")  # still there


def test_empty_home_page_says_so(client):
    assert "暂无通知公告" in text_of(client.get("/")) and "暂无要点动态" in text_of(client.get("/"))


# --- demo data ---------------------------------------------------------------------------------------


def test_the_demo_articles_load_once_and_keep_the_draft_private(app, client, session_factory):
    with session_factory() as session, remembered_password_hashes():
        demodata.ensure_user(session, demo_articles.OFFICE, "Office#2026", "office", "对标达标提升专项行动办公室")
        session.commit()
    for _ in range(2):
        with app.app_context():
            demo_articles.load_articles(db.session(), db.file_store())
            db.commit()
    assert count(session_factory, Article) == len(demo_articles.DEMO_ARTICLES)
    notices = listed_titles(client.get("/news/?column=notice"))
    assert len(notices) == 2 and not any("草稿" in title for title in notices)
    assert notices[0] == "关于全国对标达标信息服务平台系统维护的公告"  # the newer one first
    contact = text_of(client.get("/about/?column=contact"))
    assert "010-68001234" in contact and "duibiao@demo.duibiao.cn" in contact
    attached = first(session_factory, select(Article).where(Article.attachment_file_id.is_not(None)))
    with client.get(f"/files/{attached.attachment_file_id}") as download:
        assert download.status_code == 200 and download.data.startswith(b"%PDF-")


def test_an_about_column_with_one_article_shows_it_in_full(office, client, session_factory):
    make_article(session_factory, office, column="contact", title="联系我们", body="电话：010-68001234\n邮箱：a@b.cn")
    response = client.get("/about/?column=contact")
    assert listed_titles(response) == []
    assert page(response).xpath("string(//*[@data-article-body])") == "电话：010-68001234\n邮箱：a@b.cn"
    make_article(session_factory, office, column="contact", title="服务热线调整")
    assert listed_titles(client.get("/about/?column=contact")) == ["服务热线调整", "联系我们"]


def test_withdraw_and_publish_ask_for_confirmation(office, office_client, session_factory):
    make_article(session_factory, office, title="已发布的通知")
    make_article(session_factory, office, title="通知草稿", status="draft")
    response = office_client.get("/office/articles")
    forms = page(response).xpath("//table[@data-manage-articles]//form[@method='post']")
    confirms = {form.xpath("string(.//button)").strip(): form.get("data-confirm") for form in forms}
    assert set(confirms) == {"撤下", "发布"}
    assert "已发布的通知" in confirms["撤下"] and confirms["撤下"].startswith("确定撤下")
    assert "通知草稿" in confirms["发布"] and confirms["发布"].startswith("确定发布")
    assert not page(response).xpath("//*[@onsubmit or @onclick]")
    assert "/static/confirm.js" in page(response).xpath("//script/@src")
    script = office_client.get("/static/confirm.js")
    try:
        assert script.status_code == 200 and b"data-confirm" in script.data
    finally:
        script.close()


def test_the_new_link_carries_the_column_only_when_one_is_chosen(office, office_client):
    def new_link(query=""):
        response = office_client.get(f"/office/articles{query}")
        return page(response).xpath("//a[normalize-space()='新增']/@href")

    assert new_link() == ["/office/articles/new"]
    assert new_link("?status=draft") == ["/office/articles/new"]
    assert new_link("?column=faq") == ["/office/articles/new?column=faq"]


def current_sections(response) -> list[str]:
    """The header items marked as the current section (Bootstrap's active class and aria-current)."""
    links = page(response).xpath("//nav[@class='portal-nav']//a")
    marked = [a.text_content().strip() for a in links if a.get("aria-current") == "page"]
    assert marked == [a.text_content().strip() for a in links if "active" in (a.get("class") or "").split()]
    return marked


@pytest.mark.parametrize(("url", "section"), [
    ("/", "首页"), ("/news/", "工作动态"), ("/news/?column=showcase", "工作动态"), ("/pilot-info/", "升级试点"),
    ("/pilots/", "升级试点"), ("/plans/", "对标方案"), ("/plans/?q=abc", "对标方案"), ("/results/", "达标结果"),
    ("/declarations/", "对标结果"), ("/verify/", "证书查验"), ("/help/?column=faq", "帮助中心"),
    ("/about/", "关于我们"),
])
def test_the_header_marks_the_current_section(client, url, section):
    assert current_sections(client.get(url)) == [section]


def test_an_article_marks_its_group_and_other_pages_mark_nothing(office, client, office_client, session_factory):
    notice = make_article(session_factory, office, title="平台维护公告")
    faq = make_article(session_factory, office, column="faq", title="如何注册")
    assert current_sections(client.get(f"/articles/{notice}")) == ["工作动态"]
    assert current_sections(client.get(f"/articles/{faq}")) == ["帮助中心"]
    assert current_sections(client.get("/login")) == []
    assert current_sections(office_client.get("/tasks/")) == []
    assert current_sections(office_client.get(f"/office/articles/{notice}")) == []  # the office's preview


def test_procedures_show_the_pilot_processes_as_diagrams(client):
    """制度流程 "以流程图的形式": the BPMN the platform runs, drawn for the public."""
    response = client.get("/pilot-info/?column=procedures")
    sections = page(response).xpath("//section[@data-procedure]")
    assert [s.get("data-procedure") for s in sections] == [
        "pilot_enrollment", "comparison_report", "formal_plan", "publicity", "compliance_review",
        "certificate_issuance"]
    assert all(s.xpath(".//h2") and s.xpath(".//*[@data-bpmn-diagram]") for s in sections)
    url = sections[0].xpath(".//*[@data-bpmn-diagram]/@data-bpmn-url")[0]
    xml = client.get(url)
    assert xml.status_code == 200 and xml.mimetype == "application/xml" and b"pilot_enrollment" in xml.data
    lanes = xml.data.decode().split("<bpmn:lane ")[1:]
    assert lanes and all('name="office"' not in lane for lane in lanes) and 'name="专项办"' in xml.data.decode()
    assert "sandbox" in xml.headers["Content-Security-Policy"]
    assert "bpmn-navigated-viewer" in response.get_data(as_text=True)
    assert client.get("/pilot-info/procedures/registration_vetting.bpmn").status_code == 404  # not a pilot's
    assert not page(client.get("/pilot-info/")).xpath("//section[@data-procedure]")  # other columns: none
