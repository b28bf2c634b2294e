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


def extract_form(fileobj, keywords, comment_tags, options):
    """The words of a shipped form-js form (workflows/forms/*.form): its title, and each field's label,
    description and option labels (forms.designed shows them through the catalogue)."""
    import json
    schema = json.loads(fileobj.read())
    if schema.get("title"):
        yield 1, "gettext", schema["title"], [f"form {schema.get('id')}"]
    for component in _components(schema):
        for name in ("label", "description", "text"):
            if isinstance(component.get(name), str) and component[name].strip():
                yield 1, "gettext", component[name], [f"form field {component.get('key') or component.get('id')}"]
        for value in component.get("values") or []:
            if isinstance(value, dict) and value.get("label"):
                yield 1, "gettext", value["label"], [f"form option {value.get('value')}"]


def _components(schema: dict):
    for component in schema.get("components") or []:
        yield component
        yield from _components(component)
