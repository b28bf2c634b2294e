"""engine.domain.articles without Flask: who may write, what is refused, what the public sees."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import list_filters, office_lists
from engine.domain import articles, files
from engine.domain.articles import ArticleDraft, ArticleRefused
from engine.domain.errors import InputError
from storage.files import FileStore
from storage.models import Article
from tests.factories import PDF_BYTES, active_member, office_user


@pytest.fixture
def office(session):
    return office_user(session)


@pytest.fixture
def enterprise(session):
    return active_member(session, "ent@test.cn", "enterprise", "绿源电动车股份有限公司")


def draft(**overrides) -> ArticleDraft:
    values = {"column": "notice", "title": "  关于开展升级试点工作的通知  ", "body": "正文\n第二行  "}
    values.update(overrides)
    return ArticleDraft(**values)


def stored(session) -> int:
    return session.scalar(select(func.count()).select_from(Article))


def test_every_column_belongs_to_one_group():
    assert len(articles.COLUMNS) == len(set(articles.COLUMNS)) == 13
    assert [articles.group_of(c) for c in ("notice", "procedures", "bluebook", "contact")] == [
        "news", "pilot", "help", "about"]
    assert articles.group_of("blog") is None


def test_the_domain_refuses_anyone_but_the_office(session, office, enterprise):
    article = articles.create(session, office, draft())
    for step in (lambda: articles.create(session, enterprise, draft()),
                 lambda: articles.update(session, enterprise, article, draft(title="改过的")),
                 lambda: articles.publish(session, enterprise, article),
                 lambda: articles.withdraw(session, enterprise, article),
                 lambda: articles.create(session, None, draft())):
        with pytest.raises(ArticleRefused, match="只有专项办可以管理栏目文章"):
            step()
    assert (stored(session), article.title, article.status) == (1, "关于开展升级试点工作的通知", "draft")


def test_an_office_user_of_a_suspended_organisation_is_refused(session, office):
    office.organization.status = "disabled"
    with pytest.raises(ArticleRefused):
        articles.create(session, office, draft())


def test_every_problem_is_reported_at_its_field_and_nothing_is_stored(session, office):
    with pytest.raises(InputError) as refused:
        articles.create(session, office, draft(column="blog", title=" ", body="字" * (articles.MAX_BODY + 1)))
    assert [field for field, _message in refused.value.problems] == ["column", "title", "body"]
    assert stored(session) == 0

    article = articles.create(session, office, draft())
    with pytest.raises(InputError):
        articles.update(session, office, article, draft(title="通" * (articles.MAX_TITLE + 1)))
    assert article.title == "关于开展升级试点工作的通知"  # trimmed, and unchanged by the refused edit
    assert article.body == "正文\n第二行"


def test_only_published_articles_and_their_attachments_are_public(session, office, tmp_path):
    attachment = FileStore(tmp_path).save(session, PDF_BYTES, "通知.pdf", "application/pdf")
    article = articles.create(session, office, draft(attachment=attachment))
    session.flush()
    assert articles.public_article(session, article.id) is None
    assert not files.is_public(session, attachment.id)
    assert articles.public_list(session, "notice") == ([], 0)

    articles.publish(session, office, article)
    assert articles.public_article(session, article.id) is article
    assert files.is_public(session, attachment.id)
    assert articles.public_list(session, "notice") == ([article], 1)

    articles.withdraw(session, office, article)
    assert articles.public_article(session, article.id) is None
    assert not files.is_public(session, attachment.id)
    assert files.may_download(session, office, attachment.id)  # the office sees every file


def test_steps_out_of_order_are_refused(session, office):
    article = articles.create(session, office, draft())
    with pytest.raises(ArticleRefused, match="只能撤下已发布的文章"):
        articles.withdraw(session, office, article)
    articles.publish(session, office, article)
    with pytest.raises(ArticleRefused, match="该文章已发布"):
        articles.publish(session, office, article)


def test_the_office_list_narrows_by_column_status_and_title(session, office):
    notice = articles.create(session, office, draft())
    faq = articles.publish(session, office, articles.create(session, office, draft(column="faq")))
    session.flush()

    def listed(**args):
        options = {"column": dict.fromkeys(articles.COLUMNS, ""), "status": dict.fromkeys(articles.STATUSES, "")}
        wanted = list_filters.parse(office_lists.ARTICLES.spec, args, options)
        statement = office_lists.ARTICLES.statement.where(*wanted.conditions("sqlite"))
        return session.scalars(statement.order_by(*wanted.order(Article.id))).all()

    assert listed() == [faq, notice]  # last changed first
    assert listed(column="faq") == [faq]
    assert listed(status="draft") == [notice]
    assert listed(column="notice", status="published") == []
    assert listed(q=notice.title[:4], status="draft") == [notice]
    assert listed(column="nonsense") == [faq, notice]  # a bad value: unfiltered
