"""Articles (文章) of the portal's content columns, written and published by the programme office.

An article is created as a ``draft``; 发布 makes it ``published`` (public), 撤下 makes
it ``withdrawn`` (hidden again; it may be published once more). The office may edit
an article in any status; a published one stays published. Only users with the
``office`` role of an approved organisation may write, checked here as well as in
the web layer. Column and group keys are English; their Chinese labels live in
forms.articles.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.domain.errors import InputError
from engine.text import N_
from storage.models import Article, StoredFile, User

# Group → its columns, in the order the portal shows them (用户手册 “（一）平台首页”).
GROUPS: dict[str, tuple[str, ...]] = {
    "news": ("highlights", "notice", "showcase"),  # 工作动态: 要点动态, 通知公告, 风采展示
    "pilot": ("fields", "procedures", "pilot_news"),  # 升级试点: 试点领域, 制度流程, 试点动态
    "help": ("faq", "manuals", "standards", "bluebook"),  # 帮助中心: 常见问题, 操作手册, 标准资料, 蓝皮书
    "about": ("intro", "structure", "contact"),  # 关于我们: 工作介绍, 组织架构, 联系我们
}
COLUMNS: tuple[str, ...] = tuple(column for columns in GROUPS.values() for column in columns)
STATUSES = ("draft", "published", "withdrawn")
MAX_TITLE = 100
MAX_BODY = 20000


class ArticleRefused(Exception):
    """This user may not manage articles, or the article is not in a state that allows the step."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ArticleDraft:
    """What the 内容管理 form collects. ``attachment`` None keeps the current one unless removed."""

    column: str
    title: str
    body: str
    attachment: StoredFile | None = None
    remove_attachment: bool = False


def group_of(column: str) -> str | None:
    return next((group for group, columns in GROUPS.items() if column in columns), None)


def refusal(user: User | None) -> str | None:
    """Why this user may not manage articles (None: they may)."""
    if user is None or not user.has_role("office") or not user.organization.is_active:
        return N_("只有专项办可以管理栏目文章")
    return None


def _require_office(user: User | None) -> None:
    problem = refusal(user)
    if problem:
        raise ArticleRefused(problem)


def _check(draft: ArticleDraft) -> None:
    """Every problem at once, so the page can show each at its field; nothing is written."""
    problems = []
    if draft.column not in COLUMNS:
        problems.append(("column", N_("请选择栏目")))
    title = (draft.title or "").strip()
    if not title or len(title) > MAX_TITLE:
        problems.append(("title", N_("请填写标题（不超过 %(limit)s 个字）", limit=MAX_TITLE)))
    body = (draft.body or "").strip()
    if not body or len(body) > MAX_BODY:
        problems.append(("body", N_("请填写正文（不超过 %(limit)s 个字）", limit=MAX_BODY)))
    if problems:
        (field, message), *more = problems
        raise InputError(field, message, more)


def _apply(article: Article, draft: ArticleDraft) -> None:
    article.column_key, article.title, article.body = draft.column, draft.title.strip(), draft.body.strip()
    if draft.attachment is not None:
        article.attachment = draft.attachment
    elif draft.remove_attachment:
        article.attachment = None
    article.updated_at = clock.now()


# --- writing (the caller commits) ------------------------------------------------------------


def create(session: Session, user: User, draft: ArticleDraft) -> Article:
    """A new article, saved as a draft (not public yet)."""
    _require_office(user)
    _check(draft)
    article = Article(status="draft", created_by_id=user.id, created_at=clock.now())
    _apply(article, draft)
    session.add(article)
    session.flush()
    return article


def update(session: Session, user: User, article: Article, draft: ArticleDraft) -> Article:
    """Edit in any status; a published article stays published with the new text."""
    _require_office(user)
    _check(draft)
    _apply(article, draft)
    session.flush()
    return article


def publish(session: Session, user: User, article: Article) -> Article:
    """发布: public from now; a withdrawn article published again keeps its first 发布时间."""
    _require_office(user)
    if article.status == "published":
        raise ArticleRefused(N_("该文章已发布"))
    article.status = "published"
    article.published_at = article.published_at or clock.now()
    article.updated_at = clock.now()
    session.flush()
    return article


def withdraw(session: Session, user: User, article: Article) -> Article:
    """撤下: hidden from the public (and its attachment with it)."""
    _require_office(user)
    if article.status != "published":
        raise ArticleRefused(N_("只能撤下已发布的文章"))
    article.status = "withdrawn"
    article.updated_at = clock.now()
    session.flush()
    return article


# --- reading ---------------------------------------------------------------------------------


def _page(session: Session, query, order, page: int, per_page: int) -> tuple[list[Article], int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(*order).offset((max(1, page) - 1) * per_page).limit(per_page))
    return list(rows), total


def public_list(session: Session, column: str, page: int = 1, per_page: int = 20) -> tuple[list[Article], int]:
    """A column as the public sees it: published articles, newest first; (page rows, total)."""
    query = select(Article).where(Article.column_key == column, Article.status == "published")
    return _page(session, query, (Article.published_at.desc(), Article.id.desc()), page, per_page)


def public_article(session: Session, article_id: int) -> Article | None:
    """One article for the public: None unless it is published."""
    article = session.get(Article, article_id)
    return article if article is not None and article.status == "published" else None


# --- who may download an attachment (wired into engine.domain.files) --------------------------


def is_public_article_file(session: Session, file_id: int) -> bool:
    """The attachment of a published article: anyone may download it."""
    return bool(session.scalar(select(exists().where(
        Article.attachment_file_id == file_id, Article.status == "published"))))
