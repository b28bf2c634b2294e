"""What changed between two BPMN documents, element by element: added, removed, changed.

Only what the engine reads counts (types, names, properties, conditions, timers, references, the lane
an element sits in); the drawing (positions, sizes) does not, so moving a shape is no change. The
browser draws the same comparison with bpmn-js-differ; this one is for lists, the CLI and the audit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from engine import bpmn
from engine.text import N_, Text

_B = f"{{{bpmn.BPMN_NS}}}"
_S = f"{{{bpmn.SPIFF_NS}}}"
# Children that only repeat what sequence flows say, or hold properties read separately below.
_DERIVED = {"incoming", "outgoing", "flowNodeRef", "extensionElements", "laneSet", "lane"}
TYPE_LABELS = {
    "process": N_("流程"), "lane": N_("泳道"), "message": N_("消息"), "startEvent": N_("开始事件"),
    "endEvent": N_("结束事件"), "userTask": N_("用户任务"), "serviceTask": N_("服务任务"),
    "scriptTask": N_("脚本任务"), "manualTask": N_("手工任务"), "task": N_("任务"),
    "callActivity": N_("调用活动"), "subProcess": N_("子流程"), "exclusiveGateway": N_("排他网关"),
    "parallelGateway": N_("并行网关"), "inclusiveGateway": N_("包容网关"),
    "eventBasedGateway": N_("事件网关"), "boundaryEvent": N_("边界事件"),
    "intermediateCatchEvent": N_("中间捕获事件"), "intermediateThrowEvent": N_("中间抛出事件"),
    "sequenceFlow": N_("顺序流"), "receiveTask": N_("接收任务"), "sendTask": N_("发送任务"),
}


@dataclass(frozen=True)
class Element:
    id: str
    type: str
    name: str
    facts: tuple[tuple[str, str], ...]  # (what, value): the engine-relevant content

    @property
    def type_label(self):
        return TYPE_LABELS.get(self.type, self.type)


@dataclass(frozen=True)
class Change:
    element: Element
    changes: tuple[tuple[str, str | None, str | None], ...]  # (what, before, after)

    @property
    def id(self) -> str:
        return self.element.id


@dataclass
class Diff:
    added: list[Element] = field(default_factory=list)
    removed: list[Element] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self) -> dict:
        """Ids by kind of change, for the audit trail and the API."""
        return {"added": [e.id for e in self.added], "removed": [e.id for e in self.removed],
                "changed": [c.id for c in self.changed]}

    def lines(self) -> list[Text]:
        """One line per change, in the source language (translate with engine.text)."""
        out = [Text(N_("+ 新增 %(type)s %(id)s %(name)s"), type=e.type_label, id=e.id, name=e.name)
               for e in self.added]
        out += [Text(N_("- 删除 %(type)s %(id)s %(name)s"), type=e.type_label, id=e.id, name=e.name)
                for e in self.removed]
        for change in self.changed:
            for what, before, after in change.changes:
                out.append(Text(N_("~ 修改 %(type)s %(id)s：%(what)s “%(before)s” → “%(after)s”"),
                                type=change.element.type_label, id=change.id, what=what,
                                before=before or "", after=after or ""))
        return out


def diff(old: bytes | str, new: bytes | str) -> Diff:
    """Compare two documents (parsed with the hardened parser)."""
    before, after = elements(old), elements(new)
    result = Diff()
    result.added = [after[i] for i in after if i not in before]
    result.removed = [before[i] for i in before if i not in after]
    for element_id, element in after.items():
        previous = before.get(element_id)
        if previous is not None and previous != element:
            result.changed.append(Change(element, _changes(previous, element)))
    return result


def _changes(before: Element, after: Element) -> tuple:
    old, new = dict(before.facts), dict(after.facts)
    old.update(type=before.type, name=before.name)
    new.update(type=after.type, name=after.name)
    return tuple((what, old.get(what), new.get(what)) for what in sorted(set(old) | set(new))
                 if old.get(what) != new.get(what))


def elements(source: bytes | str) -> dict[str, Element]:
    """Every element with an id in the document's processes and messages, by id."""
    root = bpmn.parse_xml(source).getroot()
    lanes = _lane_of(root)
    found: dict[str, Element] = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(_B) or not node.get("id"):
            continue
        kind = etree.QName(node).localname
        if kind in {"definitions", "collaboration", "participant", "laneSet"} or kind.endswith("EventDefinition"):
            continue
        if _inside_diagram(node):
            continue
        facts = dict(_facts(node))
        if node.get("id") in lanes:
            facts["lane"] = lanes[node.get("id")]
        found[node.get("id")] = Element(node.get("id"), kind, node.get("name") or "", tuple(sorted(facts.items())))
    return found


def _inside_diagram(node) -> bool:
    return any(etree.QName(parent).namespace != bpmn.BPMN_NS for parent in node.iterancestors()
               if isinstance(parent.tag, str))


def _lane_of(root) -> dict[str, str]:
    return {ref.text.strip(): lane.get("name") or lane.get("id")
            for lane in root.iter(f"{_B}lane") for ref in lane.iterfind(f"{_B}flowNodeRef") if ref.text}


def _facts(node):
    """(what, value) pairs of what the engine reads on ``node``."""
    for name, value in sorted(node.attrib.items()):
        if name not in {"id", "name"}:
            yield etree.QName(name).localname, value
    if etree.QName(node).localname == "process":
        return  # its children are elements of their own
    for prop in node.iter(f"{_S}property"):
        yield prop.get("name") or "", prop.get("value") or ""
    for operator in node.iter(f"{_S}serviceTaskOperator"):
        yield "serviceTaskOperator", operator.get("id") or ""
        if operator.get("resultVariable"):
            yield "resultVariable", operator.get("resultVariable")
    for child in node:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if local in _DERIVED:
            continue
        yield from _child_facts(local, child)


def _child_facts(local: str, child):
    if local.endswith("EventDefinition"):
        yield "event", local.removesuffix("EventDefinition")
        for attribute in ("messageRef", "signalRef", "errorRef"):
            if child.get(attribute):
                yield attribute, child.get(attribute)
        for timing in child:
            if isinstance(timing.tag, str):
                yield etree.QName(timing).localname, (timing.text or "").strip()
    elif local in {"conditionExpression", "script", "documentation"}:
        yield local, (child.text or "").strip()
