"""组织架构: the programme's structure, which the office edits and publishes under 关于我们.

It is a tree of boxes (名称, 职责, ordered children: 新增 / 编辑 and 移动 to another parent / 上移 /
下移 / 删除) and, or instead, an uploaded picture (PNG / JPEG, checked by storage.image_check before it
gets here). The office 发布 / 撤下 the whole chart; edits to a published chart show at once, as a
published article's do. The tree is bounded (MAX_NODES boxes, MAX_DEPTH levels) so the public page
stays a page; a move never puts a box under itself, and a box with children is not deleted (its
children would be lost without a word). Only the office writes, checked here as in the web layer.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.domain.articles import refusal
from engine.domain.errors import InputError
from engine.text import N_
from storage.models import OrgChart, OrgChartNode, StoredFile, User

CHART_ID = 1
MAX_NODES = 200
MAX_DEPTH = 6
MAX_NAME = 50
MAX_DUTY = 500


class ChartRefused(Exception):
    """Not the office, or a step the chart's state does not allow; ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Node:
    """A box as the pages draw it, with its children in order."""

    id: int
    name: str
    duty: str
    parent_id: int | None
    depth: int
    children: list[Node] = field(default_factory=list)


def _require_office(user: User | None) -> None:
    problem = refusal(user)
    if problem:
        raise ChartRefused(problem)


def chart(session: Session) -> OrgChart | None:
    return session.get(OrgChart, CHART_ID)


def _chart_for_writing(session: Session, user: User) -> OrgChart:
    found = chart(session) or OrgChart(id=CHART_ID, published=False)
    found.updated_at, found.updated_by_id = clock.now(), user.id
    session.add(found)
    return found


def tree(session: Session) -> list[Node]:
    """Every box, as roots with their descendants, each level in its order."""
    rows = session.scalars(select(OrgChartNode).order_by(OrgChartNode.position, OrgChartNode.id)).all()
    children: dict[int | None, list[OrgChartNode]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)

    def build(parent_id: int | None, depth: int) -> list[Node]:
        return [Node(row.id, row.name, row.duty or "", row.parent_id, depth, build(row.id, depth + 1))
                for row in children.get(parent_id, [])]

    return build(None, 1)


def flatten(nodes: list[Node]) -> list[Node]:
    """The boxes in reading order (a parent before its children): the editor's table and its choices."""
    return [found for node in nodes for found in (node, *flatten(node.children))]


def _check(session: Session, name: str, duty: str | None, parent: OrgChartNode | None) -> None:
    problems = []
    if not (name or "").strip() or len(name.strip()) > MAX_NAME:
        problems.append(("name", N_("请填写名称（不超过 %(limit)s 个字）", limit=MAX_NAME)))
    if len((duty or "").strip()) > MAX_DUTY:
        problems.append(("duty", N_("职责不能超过 %(limit)s 个字", limit=MAX_DUTY)))
    if parent is not None and _depth(session, parent) >= MAX_DEPTH:
        problems.append(("parent_id", N_("组织架构最多 %(limit)s 层", limit=MAX_DEPTH)))
    if problems:
        (name_, message), *more = problems
        raise InputError(name_, message, more)


def _depth(session: Session, node: OrgChartNode) -> int:
    depth = 1
    while node.parent_id is not None and depth <= MAX_NODES:
        node = session.get(OrgChartNode, node.parent_id)
        depth += 1
    return depth


def _subtree_height(session: Session, node_id: int) -> int:
    """Levels from this box down to its deepest descendant (1: no children)."""
    by_parent = {row.id: row.parent_id for row in session.execute(select(OrgChartNode.id, OrgChartNode.parent_id))}
    height = 1
    for start in by_parent:
        steps, current = 1, start
        while current is not None and current != node_id and steps <= MAX_NODES:
            current, steps = by_parent.get(current), steps + 1
        if current == node_id:
            height = max(height, steps)
    return height


def _parent(session: Session, parent_id: int | None) -> OrgChartNode | None:
    if parent_id is None:
        return None
    parent = session.get(OrgChartNode, parent_id)
    if parent is None:
        raise InputError("parent_id", N_("请选择上级"))
    return parent


def _under(parent_id: int | None):
    """The condition "a child of ``parent_id``" (None: a root)."""
    return OrgChartNode.parent_id.is_(None) if parent_id is None else OrgChartNode.parent_id == parent_id


def _next_position(session: Session, parent_id: int | None) -> int:
    last = session.scalar(select(func.max(OrgChartNode.position)).where(_under(parent_id)))
    return 0 if last is None else last + 1


# --- writing (the caller commits) ------------------------------------------------------------


def add(session: Session, user: User, parent_id: int | None, name: str, duty: str | None) -> OrgChartNode:
    """新增: a box at the end of its parent's children (or of the roots)."""
    _require_office(user)
    parent = _parent(session, parent_id)
    _check(session, name, duty, parent)
    if (session.scalar(select(func.count(OrgChartNode.id))) or 0) >= MAX_NODES:
        raise InputError("name", N_("组织架构最多 %(limit)s 个节点", limit=MAX_NODES))
    node = OrgChartNode(parent_id=parent_id, position=_next_position(session, parent_id), name=name.strip(),
                        duty=(duty or "").strip() or None)
    session.add(node)
    _chart_for_writing(session, user)
    session.flush()
    return node


def edit(session: Session, user: User, node: OrgChartNode, parent_id: int | None, name: str,
         duty: str | None) -> OrgChartNode:
    """编辑: rename, rewrite its 职责, and move it (with its children) under another parent."""
    _require_office(user)
    parent = _parent(session, parent_id)
    if parent is not None and _is_within(session, parent, node.id):
        raise InputError("parent_id", N_("不能移动到自身或其下级之下"))
    _check(session, name, duty, None)
    if parent_id != node.parent_id:
        if parent is not None and _depth(session, parent) + _subtree_height(session, node.id) > MAX_DEPTH:
            raise InputError("parent_id", N_("组织架构最多 %(limit)s 层", limit=MAX_DEPTH))
        node.parent_id, node.position = parent_id, _next_position(session, parent_id)
    node.name, node.duty = name.strip(), (duty or "").strip() or None
    _chart_for_writing(session, user)
    session.flush()
    return node


def _is_within(session: Session, candidate: OrgChartNode, node_id: int) -> bool:
    """Whether ``candidate`` is the box ``node_id`` or one of its descendants."""
    steps, current = 0, candidate
    while current is not None and steps <= MAX_NODES:
        if current.id == node_id:
            return True
        current = session.get(OrgChartNode, current.parent_id) if current.parent_id is not None else None
        steps += 1
    return False


def shift(session: Session, user: User, node: OrgChartNode, step: int) -> None:
    """上移 (-1) / 下移 (+1) among its siblings; at either end nothing changes."""
    _require_office(user)
    siblings = list(session.scalars(select(OrgChartNode).where(_under(node.parent_id))
                                    .order_by(OrgChartNode.position, OrgChartNode.id)))
    index = siblings.index(node)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    _chart_for_writing(session, user)
    session.flush()


def remove(session: Session, user: User, node: OrgChartNode) -> None:
    """删除 a box without children (its children are moved or deleted first)."""
    _require_office(user)
    if session.scalar(select(func.count(OrgChartNode.id)).where(OrgChartNode.parent_id == node.id)):
        raise ChartRefused(N_("请先移动或删除“%(name)s”的下级", name=node.name))
    session.delete(node)
    _chart_for_writing(session, user)
    session.flush()


def set_image(session: Session, user: User, image: StoredFile | None) -> OrgChart | None:
    """The chart's picture (a checked PNG / JPEG), or None to remove it (without one, nothing changes)."""
    _require_office(user)
    current = chart(session)
    if image is None and (current is None or current.image_file_id is None):
        return current  # nothing to remove: nothing written
    found = _chart_for_writing(session, user)
    found.image = image
    session.flush()
    return found


def set_published(session: Session, user: User, published: bool) -> OrgChart:
    """发布 (shown under 关于我们 → 组织架构) or 撤下; publishing an empty chart, or asking for the state it
    is already in, is refused."""
    _require_office(user)
    current = chart(session)
    if bool(current and current.published) == published:
        raise ChartRefused(N_("组织架构已发布") if published else N_("组织架构未发布，无需撤下"))
    found = _chart_for_writing(session, user)
    if published and found.image is None and not session.scalar(select(func.count(OrgChartNode.id))):
        raise ChartRefused(N_("组织架构还没有内容：请先添加节点或上传图片"))
    found.published = published
    session.flush()
    return found


# --- reading ---------------------------------------------------------------------------------


@dataclass
class PublicChart:
    tree: list[Node]
    image: StoredFile | None


def public_chart(session: Session) -> PublicChart | None:
    """The tree and picture as the public sees them; None while the chart is not published."""
    found = chart(session)
    if found is None or not found.published:
        return None
    return PublicChart(tree(session), found.image)


def public_image(session: Session) -> StoredFile | None:
    """The published chart's picture (None: none, or not published)."""
    shown = public_chart(session)
    return shown.image if shown else None
