"""JSON schema of a WTForms form, for the API (DESIGN.md's conventions)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FileField,
    FloatField,
    Form,
    IntegerField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from engine.text import localized


def _is_required(field) -> bool:
    if getattr(field, "required", None) is True:
        return True
    return any(isinstance(v, DataRequired | InputRequired) for v in field.validators)


def field_schema(field) -> dict:
    schema: dict = {"title": str(localized(field.label.text))}
    if isinstance(field, FieldList):
        return _list_schema(field, schema)
    if isinstance(field, RadioField | SelectField) and not isinstance(field, SelectMultipleField):
        schema["oneOf"] = [{"const": choice.value, "title": str(localized(choice.label))}
                           for choice in field.iter_choices() if choice.value != ""]
    schema.update(field_shape(field))
    if isinstance(field, SelectMultipleField):
        schema["items"]["oneOf"] = [{"const": c.value, "title": str(localized(c.label))} for c in field.iter_choices()]
        if field.data:
            schema["default"] = list(field.data)
        return schema
    if schema["type"] == "string" and not isinstance(field, FileField | DateField | SelectField):
        if isinstance(field, PasswordField):
            schema["writeOnly"] = True
        if isinstance(field, TextAreaField):
            schema["x-multiline"] = True
    for validator in field.validators:
        if isinstance(validator, Length) and validator.max and validator.max > 0:
            schema["maxLength"] = validator.max
    if field.data not in (None, "") and not isinstance(field, FileField | PasswordField):
        schema["default"] = field.data.isoformat() if hasattr(field.data, "isoformat") else field.data
    return schema


def field_shape(field) -> dict:
    """The part of a (non-list) field's schema a JSON value is checked against: its type, format and
    items' type — no titles, choices or defaults, which cost translations and are not needed to check."""
    if isinstance(field, SelectMultipleField):
        return {"type": "array", "items": {"type": "integer" if _integer_choices(field, blank=True) else "string"}}
    if isinstance(field, MultipleFileField):
        return {"type": "array", "items": {"type": "string", "format": "binary",
                                           "contentMediaType": "application/pdf"}}
    if isinstance(field, FileField):
        return {"type": "string", "format": "binary", "contentMediaType": "application/pdf"}
    if isinstance(field, RadioField | SelectField):
        # Ids chosen from the database (coerce=int) are integers: the type must admit its own consts.
        return {"type": "integer" if _integer_choices(field, blank=False) else "string"}
    if isinstance(field, BooleanField):
        return {"type": "boolean"}
    if isinstance(field, IntegerField):
        return {"type": "integer"}
    if isinstance(field, DecimalField | FloatField):
        return {"type": "number"}
    if isinstance(field, DateField):
        return {"type": "string", "format": "date"}
    return {"type": "string"}


def _integer_choices(field, blank: bool) -> bool:
    """Whether every choice's value is an integer (``blank``: the empty choice counts too)."""
    values = [choice.value for choice in field.iter_choices() if blank or choice.value != ""]
    return bool(values) and all(type(value) is int for value in values)


def _list_schema(field, schema: dict) -> dict:
    """A list field: an array of objects whose ``default`` holds the current rows."""
    template = field.unbound_field.args[0] if field.unbound_field.args else None
    item_schema = form_schema(template()) if template is not None else {"type": "object"}
    schema.update(type="array", items=item_schema,
                  default=[{k: v for k, v in entry.data.items()} for entry in field.entries])
    return schema


def form_schema(form: Form) -> dict:
    properties = {field.name: field_schema(field) for field in form if field.name != "csrf_token"}
    required = [field.name for field in form if _is_required(field)]
    return {"type": "object", "properties": properties, "required": required}


# --- a JSON body against the schema ------------------------------------------------------------

BODY = "body"  # where problems of the body as a whole are reported (it is no form field)
_INT64 = 2 ** 63
_KINDS = {"string": _l("文本"), "integer": _l("整数"), "number": _l("数字"), "boolean": _l("true 或 false"),
          "array": _l("数组"), "object": _l("对象")}


def body_problems(form: Form, body) -> dict[str, list[str]]:
    """What in a JSON body does not fit the form's schema, by field: wrong types, objects where a
    row's cells should be, unknown fields, integers out of range, control characters. WTForms
    checks the values (required, choices, lengths) afterwards; this checks what it cannot see once
    the body is flattened into form data. An empty dict when the body fits."""
    if not isinstance(body, dict):
        return {BODY: [_l("请求正文应为 JSON 对象")]}
    fields = {field.name: field for field in form if field.name != "csrf_token"}
    problems: dict[str, list[str]] = {}
    for name, value in body.items():  # the schema of the fields sent only (form_schema's, field by field)
        found = list(_value_problems(value, _check_schema(fields[name]))) if name in fields else [_l("未知字段")]
        if found:
            problems[name] = found
    return problems


def _check_schema(field) -> dict:
    """What a value sent for ``field`` is checked against: the shape alone, but for a list field, whose
    problems name its cells by their titles."""
    return field_schema(field) if isinstance(field, FieldList) else field_shape(field)


def _fits(value, schema: dict) -> bool:
    kind = schema.get("type")
    if kind == "string":
        return isinstance(value, str) and schema.get("format") != "binary"
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value < _INT64
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < _INT64
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True


def _value_problems(value, schema: dict):
    if value is None:  # no value: the form's own checks say whether one is required
        return
    if schema.get("format") == "binary" or schema.get("items", {}).get("format") == "binary":
        yield _l("文件请以 multipart/form-data 上传")
    elif not _fits(value, schema):
        yield _l("应为%(kind)s", kind=_KINDS.get(schema.get("type"), schema.get("type")))
    elif isinstance(value, str) and has_control_characters(value):
        yield _l("不能包含控制字符")
    elif isinstance(value, list):
        yield from _item_problems(value, schema.get("items", {}))


def _item_problems(items: list, schema: dict):
    for row, item in enumerate(items, start=1):
        if schema.get("type") != "object":
            for problem in _value_problems(item, schema):
                yield _l("第 %(row)s 项：%(problem)s", row=row, problem=problem)
            continue
        if not isinstance(item, dict):
            yield _l("第 %(row)s 行应为对象", row=row)
            continue
        for name, cell in item.items():
            cell_schema = schema["properties"].get(name)
            label = cell_schema["title"] if cell_schema else name
            found = _value_problems(cell, cell_schema) if cell_schema else [_l("未知字段")]
            for problem in found:
                yield _l("第 %(row)s 行 %(field)s：%(problem)s", row=row, field=label, problem=problem)


def has_control_characters(text: str) -> bool:
    """Characters no text field keeps (NUL, which PostgreSQL refuses, and the other controls but
    tab and line breaks)."""
    return any(ord(c) < 32 and c not in "\t\n\r" or ord(c) == 127 for c in text)
