"""组织架构: the office edits the programme's structure in 内容管理; the public sees it under 关于我们."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from engine.domain import org_chart
from engine.domain.errors import InputError
from forms.org_chart import ChartImageForm, NodeForm
from storage.models import OrgChartNode
from webapp import db, security
from webapp.auth import roles_required
from webapp.i18n import localized
from webapp.views_util import show_at_fields

bp = Blueprint("org_chart", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # 关于我们 → 组织架构 (the articles' column page) draws the published chart above the column's articles.
    app.jinja_env.globals["published_org_chart"] = published_chart


# --- 关于我们 → 组织架构 (public) ----------------------------------------------------------------


def published_chart() -> org_chart.PublicChart | None:
    """The chart as the public sees it (None until the office publishes it)."""
    return org_chart.public_chart(db.session())


@bp.route("/about/structure/image")
def image():
    """The chart's picture: public once published; the office sees it before (its 预览)."""
    session = db.session()
    found = org_chart.public_image(session)
    if found is None and current_user.is_authenticated and org_chart.refusal(current_user.row) is None:
        chart = org_chart.chart(session)
        found = chart.image if chart else None
    if found is None:
        abort(404)
    return security.send_image(db.file_store().path_for(found.sha256), found.content_type)


# --- 内容管理 → 组织架构 (the office) -------------------------------------------------------------


def _manage_page(node_form: NodeForm | None = None, image_form: ChartImageForm | None = None, status=200):
    session = db.session()
    tree = org_chart.tree(session)
    nodes = org_chart.flatten(tree)
    if node_form is None:
        node_form = NodeForm()
    node_form.set_parents(nodes)
    return render_template("directory/org_chart_manage.html", nodes=nodes, chart=org_chart.chart(session),
                           tree=tree, node_form=node_form,
                           image_form=image_form or ChartImageForm()), status


@bp.route("/office/org-chart")
@roles_required("office")
def manage():
    """组织架构: the tree with 编辑 / 上移 / 下移 / 删除, 新增节点, the picture, 发布 / 撤下, 预览."""
    return _manage_page()


def _node(node_id: int) -> OrgChartNode:
    node = db.session().get(OrgChartNode, node_id)
    if node is None:
        abort(404)
    return node


def _run(step) -> bool:
    """Run one domain step and commit; False (rolled back) when refused. Input errors propagate."""
    try:
        step()
    except org_chart.ChartRefused as exc:
        db.rollback()
        flash(localized(exc.message), "warning")
        return False
    db.commit()
    return True


@bp.route("/office/org-chart/nodes", methods=["POST"])
@roles_required("office")
def add_node():
    form = NodeForm(request.form)
    form.set_parents(org_chart.flatten(org_chart.tree(db.session())))
    if form.validate():
        try:
            if _run(lambda: org_chart.add(db.session(), current_user.row, form.parent_id.data, form.name.data,
                                          form.duty.data)):
                flash(_("已添加“%(name)s”", name=form.name.data.strip()), "success")
                return redirect(url_for("org_chart.manage"))
        except InputError as exc:
            db.rollback()
            show_at_fields(form, exc)
    return _manage_page(node_form=form, status=422)


@bp.route("/office/org-chart/nodes/<int:node_id>/edit", methods=["GET", "POST"])
@roles_required("office")
def edit_node(node_id: int):
    """编辑: 名称, 职责 and 上级 (moving the box with its children)."""
    session, node = db.session(), _node(node_id)
    nodes = org_chart.flatten(org_chart.tree(session))
    posted = request.method == "POST"
    form = NodeForm(request.form) if posted else NodeForm(data={
        "parent_id": node.parent_id, "name": node.name, "duty": node.duty})
    form.set_parents(nodes, excluded=_self_and_below(nodes, node.id))
    if posted and form.validate():
        try:
            org_chart.edit(session, current_user.row, node, form.parent_id.data, form.name.data, form.duty.data)
        except InputError as exc:
            db.rollback()
            show_at_fields(form, exc)
        else:
            db.commit()
            flash(_("已保存“%(name)s”", name=node.name), "success")
            return redirect(url_for("org_chart.manage"))
    return render_template("directory/org_chart_node.html", form=form, node=node), (422 if posted else 200)


def _self_and_below(nodes: list[org_chart.Node], node_id: int) -> set[int]:
    """The box and its descendants: no move may put it under any of them."""
    found = next((node for node in nodes if node.id == node_id), None)
    return {n.id for n in org_chart.flatten([found])} if found else {node_id}


@bp.route("/office/org-chart/nodes/<int:node_id>/move", methods=["POST"])
@roles_required("office")
def move_node(node_id: int):
    """上移 (``step=up``) / 下移 (``step=down``) among its siblings."""
    node = _node(node_id)
    step = request.form.get("step")
    if step not in ("up", "down"):
        abort(400)
    _run(lambda: org_chart.shift(db.session(), current_user.row, node, -1 if step == "up" else 1))
    return redirect(url_for("org_chart.manage"))


@bp.route("/office/org-chart/nodes/<int:node_id>/delete", methods=["POST"])
@roles_required("office")
def delete_node(node_id: int):
    node = _node(node_id)
    name = node.name
    if _run(lambda: org_chart.remove(db.session(), current_user.row, node)):
        flash(_("已删除“%(name)s”", name=name), "success")
    return redirect(url_for("org_chart.manage"))


@bp.route("/office/org-chart/image", methods=["POST"])
@roles_required("office")
def upload_image():
    """上传组织架构图 (PNG / JPEG, checked by content); replaces the current picture."""
    form = ChartImageForm(CombinedMultiDict((request.files, request.form)))
    if not form.validate():
        return _manage_page(image_form=form, status=422)
    session, user = db.session(), current_user.row
    data, name, content_type = form.image.upload
    stored = db.file_store().save(session, data, name, content_type, user.id)
    if _run(lambda: org_chart.set_image(session, user, stored)):
        flash(_("组织架构图已上传"), "success")
    return redirect(url_for("org_chart.manage"))


@bp.route("/office/org-chart/image/delete", methods=["POST"])
@roles_required("office")
def delete_image():
    if _run(lambda: org_chart.set_image(db.session(), current_user.row, None)):
        flash(_("组织架构图已删除"), "success")
    return redirect(url_for("org_chart.manage"))


@bp.route("/office/org-chart/publish", methods=["POST"])
@roles_required("office")
def publish():
    if _run(lambda: org_chart.set_published(db.session(), current_user.row, True)):
        flash(_("组织架构已发布"), "success")
    return redirect(url_for("org_chart.manage"))


@bp.route("/office/org-chart/withdraw", methods=["POST"])
@roles_required("office")
def withdraw():
    if _run(lambda: org_chart.set_published(db.session(), current_user.row, False)):
        flash(_("组织架构已撤下"), "success")
    return redirect(url_for("org_chart.manage"))
