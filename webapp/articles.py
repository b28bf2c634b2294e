"""The portal's content columns (工作动态, 升级试点, 帮助中心, 关于我们) and the office's 内容管理."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from engine.domain import articles, operations
from engine.domain.errors import InputError
from forms.articles import COLUMN_LABELS, GROUP_LABELS, STATUS_LABELS, ArticleForm
from storage.models import Article
from webapp import db, office_lists, records
from webapp.auth import roles_required
from webapp.i18n import localized
from webapp.views_util import Pager, show_at_fields

bp = Blueprint("articles", __name__)
PER_PAGE = 20

# The manual's 升级试点 also lists pages built elsewhere; they appear among its columns as plain links.
OTHER_PAGES = {"pilots.recruiting": _l("试点招募"), "catalog.index": _l("对标方案"), "results.index": _l("达标结果")}
TAB_ORDER = {"pilot": ("fields", "procedures", "pilots.recruiting", "pilot_news", "catalog.index", "results.index")}
# 关于我们 columns are pages rather than feeds: while one has a single article, it is shown in full.
FULL_TEXT_COLUMNS = ("intro", "structure", "contact")


@dataclass
class Tab:
    label: str
    url: str
    active: bool


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # 试点招募 shows the 升级试点 tabs to the public as the group's columns do.
    app.jinja_env.globals["pilot_tabs"] = lambda active: tabs("pilot", active)
    app.jinja_env.globals.update(article_column_label=COLUMN_LABELS.get, article_group_label=GROUP_LABELS.get,
                                 article_status_label=STATUS_LABELS.get, article_group_of=articles.group_of)


def column_url(column: str, **kwargs) -> str:
    return url_for(f"articles.{articles.group_of(column)}", column=column, **kwargs)


def tabs(group: str, active: str | None) -> list[Tab]:
    """The group's sub-columns, in the manual's order, for the tabs above a column or an article."""
    result = []
    for key in TAB_ORDER.get(group, articles.GROUPS[group]):
        if key in OTHER_PAGES:
            result.append(Tab(OTHER_PAGES[key], url_for(key), key == active))
        else:
            result.append(Tab(COLUMN_LABELS[key], column_url(key), key == active))
    return result


# --- public pages ----------------------------------------------------------------------------


@bp.route("/news/", endpoint="news", defaults={"group": "news"})
@bp.route("/pilot-info/", endpoint="pilot", defaults={"group": "pilot"})
@bp.route("/help/", endpoint="help", defaults={"group": "help"})
@bp.route("/about/", endpoint="about", defaults={"group": "about"})
def column_page(group: str):
    """One column of a group (``?column=``, the group's first by default): published articles, newest first."""
    column = request.args.get("column") or articles.GROUPS[group][0]
    if column not in articles.GROUPS[group]:
        abort(404)
    pager = Pager(lambda page, per_page: articles.public_list(db.session(), column, page, per_page), PER_PAGE)
    return render_template("articles/column.html", group=group, column=column, rows=pager.items,
                           tabs=tabs(group, column), pager=pager, diagrams=procedure_diagrams(column),
                           in_full=column in FULL_TEXT_COLUMNS and pager.total == 1)


# 制度流程 "以流程图的形式": the processes a pilot goes through, drawn from the BPMN the platform runs.
PROCEDURES = ("pilot_enrollment", "comparison_report", "formal_plan", "publicity", "compliance_review",
              "certificate_issuance")


def procedure_diagrams(column: str) -> list[tuple[str, str]]:
    """(key, name) of the diagrams a column shows: 制度流程's, in the order a pilot meets them."""
    if column != "procedures":
        return []
    names = operations.process_names(db.session())
    return [(key, names[key]) for key in PROCEDURES if key in names]


@bp.route("/pilot-info/procedures/<key>.bpmn")
def procedure_xml(key: str):
    """The BPMN of one 制度流程 diagram (its newest version), for the public viewer."""
    found = operations.newest_definition(db.session(), key) if key in PROCEDURES else None
    if found is None:
        abort(404)
    labelled = operations.with_lane_labels(found.bpmn_xml, lambda role: localized(operations.role_label(role)))
    response = Response(labelled, mimetype="application/xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/articles/<int:article_id>")
def detail(article_id: int):
    """One published article; a draft or withdrawn one does not exist for the public."""
    article = articles.public_article(db.session(), article_id)
    if article is None:
        abort(404)
    return _render_article(article, preview=False)


def _render_article(article: Article, preview: bool):
    group = articles.group_of(article.column_key)
    return render_template("articles/detail.html", article=article, group=group, preview=preview,
                           tabs=tabs(group, article.column_key))


# --- 内容管理 (the office) ---------------------------------------------------------------------


def _filters(args) -> dict:
    """The list's 栏目 / 状态 filters, unknown values dropped."""
    column = args.get("column") if args.get("column") in articles.COLUMNS else None
    status = args.get("status") if args.get("status") in articles.STATUSES else None
    return {key: value for key, value in (("column", column), ("status", status)) if value}


def _article(article_id: int) -> Article:
    article = db.session().get(Article, article_id)
    if article is None:
        abort(404)
    return article


@bp.route("/office/articles")
@roles_required("office")
def manage():
    """内容管理: every article in any status, searched, filtered by 栏目 and 状态, sorted, exportable."""
    return records.render_list(office_lists.ARTICLES, "articles.manage", "articles/manage.html",
                               office_lists.article_options(), link_args={})


@bp.route("/office/articles/new", methods=["GET", "POST"])
@roles_required("office")
def create():
    """新增: saved as a draft, or 保存并发布 at once."""
    return _edit(None)


@bp.route("/office/articles/<int:article_id>/edit", methods=["GET", "POST"])
@roles_required("office")
def edit(article_id: int):
    return _edit(_article(article_id))


def _edit(article: Article | None):
    posted = request.method == "POST"
    if posted:
        form = ArticleForm(CombinedMultiDict((request.files, request.form)))
    elif article is not None:
        form = ArticleForm(data={"column": article.column_key, "title": article.title, "body": article.body})
    else:
        form = ArticleForm(data={"column": _filters(request.args).get("column", "")})
    if posted and form.validate() and _save(form, article):
        return redirect(url_for("articles.manage"))
    return render_template("articles/edit.html", form=form, article=article), (422 if posted else 200)


def _save(form: ArticleForm, article: Article | None) -> bool:
    """Store the upload and the article (and 发布 when asked) in one transaction; False: errors at the fields."""
    session, user = db.session(), current_user.row
    upload = form.attachment.upload
    attachment = db.file_store().save(session, upload[0], upload[1], "application/pdf", user.id) if upload else None
    try:
        if article is None:
            article = articles.create(session, user, form.draft(attachment))
        else:
            articles.update(session, user, article, form.draft(attachment))
        if request.form.get("action") == "publish" and article.status != "published":
            articles.publish(session, user, article)
    except InputError as exc:
        db.rollback()
        show_at_fields(form, exc)
        return False
    except articles.ArticleRefused:
        db.rollback()
        abort(403)
    db.commit()
    flash(_published(article) if article.status == "published" else _("“%(title)s”已保存", title=article.title),
          "success")
    return True


@bp.route("/office/articles/<int:article_id>")
@roles_required("office")
def preview(article_id: int):
    """预览: the article as the public page shows it, whatever its status."""
    return _render_article(_article(article_id), preview=True)


@bp.route("/office/articles/<int:article_id>/publish", methods=["POST"])
@roles_required("office")
def publish(article_id: int):
    return _change(article_id, articles.publish, _published)


@bp.route("/office/articles/<int:article_id>/withdraw", methods=["POST"])
@roles_required("office")
def withdraw(article_id: int):
    return _change(article_id, articles.withdraw, _withdrawn)


def _published(article: Article) -> str:
    return _("“%(title)s”已发布", title=article.title)


def _withdrawn(article: Article) -> str:
    return _("“%(title)s”已撤下", title=article.title)


def _change(article_id: int, step, done):
    """发布 / 撤下 from the list (``done`` words the success); back to the list as it was filtered."""
    article = _article(article_id)
    try:
        step(db.session(), current_user.row, article)
    except articles.ArticleRefused as exc:
        db.rollback()
        flash(localized(exc.message), "warning")
    else:
        db.commit()
        flash(done(article), "success")
    return redirect(url_for("articles.manage", **_list_args(request.args)))


def _list_args(args) -> dict:
    """The list's own arguments (its filters, sort and page) carried back after 发布 / 撤下."""
    return {key: value for key, value in args.items() if key != "export" and value}
