"""JSON schema of a WTForms form, for the API (DESIGN.md's conventions)."""
from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FileField,
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
    if isinstance(field, SelectMultipleField):
        schema.update(type="array", items={"oneOf": [
            {"const": c.value, "title": str(localized(c.label))} for c in field.iter_choices()]})
        if field.data:
            schema["default"] = list(field.data)
        return schema
    if isinstance(field, MultipleFileField):
        schema.update(type="array", items={"type": "string", "format": "binary",
                                           "contentMediaType": "application/pdf"})
    elif isinstance(field, FileField):
        schema.update(type="string", format="binary", contentMediaType="application/pdf")
    elif isinstance(field, RadioField | SelectField):
        schema["oneOf"] = [{"const": choice.value, "title": str(localized(choice.label))}
                           for choice in field.iter_choices() if choice.value != ""]
        # Ids chosen from the database (coerce=int) are integers: the type must admit its own consts.
        integers = schema["oneOf"] and all(type(one["const"]) is int for one in schema["oneOf"])
        schema["type"] = "integer" if integers else "string"
    elif isinstance(field, BooleanField):
        schema["type"] = "boolean"
    elif isinstance(field, IntegerField):
        schema["type"] = "integer"
    elif isinstance(field, DateField):
        schema.update(type="string", format="date")
    else:
        schema["type"] = "string"
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
