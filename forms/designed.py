"""Designer-made forms: a form-js schema (workflows/forms/*.form, or a designer's draft) read as a form.

One definition gives the task page's HTML, the server-side validation and the API's JSON schema: it is
turned into a WTForms class here (the same fields, messages and file checks as the hand-written forms).
``problems`` says what in a definition the platform would refuse, by component, in the designer's words;
it runs in the editor, at the designer's deploy and at ``db upgrade``.

Conventions on top of form-js (docs/designer-forms.md): ``properties.outcome`` puts a value into the
workflow data (gateway conditions read it), ``properties.maxSizeMb`` limits a file field (required),
``properties.requiredUnless`` (``decision=approve``) makes a field required unless another has a value,
``valuesKey`` names a 数据字典 list, and a ``readonly`` text field shows the subject's context.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from engine import form_definitions, form_designs
from engine.domain import dictionaries as editable
from engine.text import Text

SUPPORTED_TYPES = ("textfield", "textarea", "number", "datetime", "select", "radio", "checkbox", "checklist",
                   "filepicker", "dynamiclist", "text", "group")
INPUT_TYPES = frozenset(SUPPORTED_TYPES) - {"text", "group", "dynamiclist"}
ROW_TYPES = ("textfield", "textarea", "number", "datetime", "select", "radio", "checkbox")  # a table's cells
OUTCOME_TYPES = ("select", "radio", "checkbox", "number", "textfield")
# 数据字典 lists a field may offer: the shipped national standards and the office's lists (系统管理 → 数据字典).
DICTIONARIES = {"industries": _l("国民经济行业分类"), "provinces": _l("省级行政区"), **editable.DICTIONARIES}
# What a read-only context field may show of the subject (its key), and under which words by default.
CONTEXT_KEYS = {"subject": _l("办理事项"), "stage_label": _l("当前状态"), "business_key": _l("业务编号"),
                "started_by": _l("发起单位"), "started_at": _l("发起时间")}
MAX_SCHEMA_BYTES = form_designs.MAX_SCHEMA_BYTES  # the limit a draft is kept under
MAX_COMPONENTS = 100
RESERVED_KEYS = {"csrf_token", "action", "submit"}


@dataclass(frozen=True)
class FormProblem:
    component_id: str
    key: str
    message: str


@dataclass(frozen=True)
class Item:
    """One thing the page shows, in order: a field, a table, a context value, a text or a group."""

    kind: str  # field | list | context | text | group
    component: dict
    children: tuple = ()


def parse(text: str | bytes) -> dict:
    """A .form file's text as a schema; ValueError (in Chinese) when it is not one."""
    if len(text) > MAX_SCHEMA_BYTES:
        raise ValueError(_l("表单定义不能超过 256 KB"))
    try:
        schema = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(_l("表单定义不是有效的 JSON：%(error)s", error=str(exc))) from exc
    if not isinstance(schema, dict) or not isinstance(schema.get("components"), list):
        raise ValueError(_l("表单定义应为 JSON 对象，且含 components 列表"))
    return schema


def dump(schema: dict) -> str:
    """The canonical text of a schema (what its version's hash is taken of)."""
    return form_definitions.canonical(schema)


def layout(schema: dict) -> list[Item]:
    return [_item(component) for component in schema.get("components", []) if isinstance(component, dict)]


def _item(component: dict) -> Item:
    kind = component.get("type")
    if kind == "group":
        return Item("group", component, tuple(_item(c) for c in component.get("components", [])))
    if kind == "dynamiclist":
        return Item("list", component, tuple(Item("field", c) for c in component.get("components", [])))
    if kind == "text":
        return Item("text", component)
    if kind in ("textfield", "textarea") and component.get("readonly"):
        return Item("context", component)
    return Item("field", component)


def input_components(schema: dict) -> Iterator[dict]:
    """Every component that takes an answer (tables count as one), groups flattened, in page order."""
    for item in _walk(layout(schema)):
        if item.kind in ("field", "list"):
            yield item.component


def _walk(items) -> Iterator[Item]:
    for item in items:
        if item.kind == "group":
            yield from _walk(item.children)
        else:
            yield item


def field_key(component: dict) -> str:
    return str(component.get("path") if component.get("type") == "dynamiclist" else component.get("key") or "")


def prop(component: dict, name: str) -> str:
    value = (component.get("properties") or {}).get(name)
    return "" if value is None else str(value).strip()


def is_outcome(component: dict) -> bool:
    return prop(component, "outcome").lower() in ("true", "1", "yes", "是")


def outcomes(schema: dict) -> set[str]:
    """The keys whose values go into the workflow data (what gateway conditions may read)."""
    return {field_key(c) for c in input_components(schema) if is_outcome(c)}


def title(schema: dict, fallback: str = "") -> str:
    # A shipped form's words are in the catalogue (engine.bpmn_messages.extract_form): Text shows them
    # in the reader's language; a designer's own words are not and show as written.
    return Text(str(schema.get("title") or (schema.get("properties") or {}).get("title") or fallback))


def dictionary_choices(name: str) -> list[tuple[str, str]]:
    from forms import code_names, industries, regions
    if name == "industries":
        return industries.entries(english=code_names.english())
    if name == "provinces":
        return [(row["code"], row["name"]) for row in regions.provinces(english=code_names.english())]
    if name in editable.DICTIONARIES:  # every entry, 停用 ones too: what an answer shows
        from forms.dictionary_lists import Labels
        return list(Labels(name).items())
    return []


def choices(component: dict) -> list[tuple[str, str]]:
    """(value, label) of a select, radio or checklist: inline, or a 数据字典 list."""
    if component.get("valuesKey"):
        return dictionary_choices(str(component["valuesKey"]))
    return [(str(v.get("value")), Text(str(v.get("label") or v.get("value")))) for v in component.get("values") or []
            if isinstance(v, dict)]


def form_class(schema: dict) -> type:
    """The WTForms class of a definition (validated by ``problems`` first: it assumes a sound one)."""
    return _form_class(dump(schema))


@lru_cache(maxsize=256)
def _form_class(text: str) -> type:
    from forms.designed_fields import build
    return build(layout(json.loads(text)))


def problems(schema) -> list[FormProblem]:
    """What the platform would refuse in a definition, each at its component; [] when sound."""
    from forms.designed_checks import schema_problems
    return schema_problems(schema)


def shipped_forms() -> dict[str, dict]:
    """Form key (the file's name) → schema of every form shipped in workflows/forms/."""
    import workflows
    return {name.removesuffix(".form"): parse(source) for name, source in workflows.form_files()}


def preview_html(schema: dict):
    """The form as a task page shows it (same template and fields), for the editor's 预览."""
    from flask import render_template
    form = form_class(schema)()
    sample = {key: f"（{label}）" for key, label in CONTEXT_KEYS.items()}
    return render_template("tasks/_designed_form.html", form=form, preview=True,
                           context={"values": sample, "context_labels": CONTEXT_KEYS})
