"""`make messages` extracts the words users see from workflows/*.bpmn like any template string:
stage labels (stageLabel), and the names of processes and user tasks (titles in 待办 and 历史).

A Babel extraction method (babel.cfg names it ``engine.bpmn_messages.extract``)."""
from __future__ import annotations

from engine import bpmn

_B = f"{{{bpmn.BPMN_NS}}}"
_S = f"{{{bpmn.SPIFF_NS}}}"
_NAMED = (f"{_B}process", f"{_B}participant", f"{_B}userTask", f"{_B}manualTask")


def extract(fileobj, keywords, comment_tags, options):
    """Yield (line number, function name, message, comments) for each translatable word."""
    tree = bpmn.parse_xml(fileobj.read())
    for element in tree.getroot().iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in _NAMED and element.get("name"):
            yield element.sourceline, "gettext", element.get("name"), [f"BPMN {element.get('id')}"]
        elif element.tag == f"{_S}property" and element.get("name") == "stageLabel" and element.get("value"):
            owner = element.getparent().getparent().getparent()
            yield element.sourceline, "gettext", element.get("value"), [f"BPMN stage of {owner.get('id')}"]
