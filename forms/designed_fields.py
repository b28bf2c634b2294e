"""A designer-made form's WTForms class, built from its definition (forms.designed): the same fields,
Chinese messages and file checks as the hand-written forms."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

from engine.domain import dictionaries as editable
from engine.text import Text
from forms import designed, dictionary_lists
from forms.fields import PdfField, PdfListField, email_address, phone_number, required
from forms.schema import has_control_characters

DEFAULT_TEXT_LIMIT = {"textfield": 200, "textarea": 4000}
MAX_ROWS = 100


class MultiCheckboxField(SelectMultipleField):
    """A checklist: one checkbox per option."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SizedPdfField(PdfField):
    """A PDF no larger than the form allows (``maxSizeMb``), beside the platform's own checks."""

    def __init__(self, label=None, validators=None, max_mb: float = 20, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_mb = max_mb
        self.type = "PdfField"  # shown as the platform's PDF fields are (templates read the type)

    def pre_validate(self, form):
        super().pre_validate(form)
        if self.upload is not None and len(self.upload[0]) > self.max_mb * 1024 * 1024:
            self.upload = None
            raise ValidationError(_l("文件不能超过 %(mb)s MB", mb=_number_text(self.max_mb)))


class SizedPdfListField(PdfListField):
    def __init__(self, label=None, validators=None, max_mb: float = 20, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_mb = max_mb
        self.type = "PdfListField"

    def pre_validate(self, form):
        super().pre_validate(form)
        if any(len(data) > self.max_mb * 1024 * 1024 for data, _name in self.uploads):
            self.uploads = []
            raise ValidationError(_l("每个文件不能超过 %(mb)s MB", mb=_number_text(self.max_mb)))


def _number_text(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class DesignedForm(Form):
    """The base of every built class: blank table rows are dropped before validation."""

    layout: list = []

    def validate(self, extra_validators=None) -> bool:
        for field in self:
            if isinstance(field, FieldList):
                kept = [entry for entry in field.entries if not _blank(entry)]
                field.entries[:] = kept
        return super().validate(extra_validators)


def _blank(entry) -> bool:
    return all(sub.data in (None, "", False, []) for sub in entry.form)


def build(layout: list) -> type[DesignedForm]:
    attributes: dict = {"layout": layout}
    for item in designed._walk(layout):
        if item.kind == "field":
            attributes[designed.field_key(item.component)] = unbound(item.component)
        elif item.kind == "list":
            attributes[designed.field_key(item.component)] = _table(item)
    return type("DesignedTaskForm", (DesignedForm,), attributes)


def _table(item) -> FieldList:
    row_attributes = {designed.field_key(cell.component): unbound(cell.component) for cell in item.children}
    row_class = type("DesignedRowForm", (Form,), row_attributes)
    component = item.component
    least = int(component.get("defaultRepetitions") or 1)
    return FieldList(FormField(row_class), label=_label(component), min_entries=min(least, MAX_ROWS),
                     max_entries=MAX_ROWS, validators=[_row_count(component)])


def _row_count(component: dict):
    least = int(designed.prop(component, "minRows") or 0)

    def check(form, field):
        if least and len(field.entries) < least:
            raise ValidationError(_l("请至少填写 %(n)s 行", n=least))

    return check


def _label(component: dict) -> str:
    return Text(str(component.get("label") or designed.field_key(component)))


def unbound(component: dict):
    """The unbound WTForms field of one input component."""
    kind, label = component["type"], _label(component)
    description = str(component.get("description") or "")
    checks = _presence(component) + _rules(component)
    if kind in ("textfield", "textarea"):
        field_class = TextAreaField if kind == "textarea" else StringField
        return field_class(label, validators=checks + [_no_controls], description=description,
                           filters=[_strip])
    if kind == "number":
        return _number_field(component, label, checks, description)
    if kind == "datetime":
        return DateField(label, validators=checks, description=description, format="%Y-%m-%d",
                         invalid_value_message=_l("请填写日期，格式如 2026-12-31"))
    if kind in ("select", "radio"):
        field_class = RadioField if kind == "radio" else SelectField
        first = SelectChoice("", _l("请选择")) if kind == "select" else None
        options = _options(component, first)
        return field_class(label, validators=checks, choices=options, description=description,
                           invalid_choice_message=_choice_message(component))
    if kind == "checklist":
        return MultiCheckboxField(label, validators=checks, choices=_options(component),
                                  description=description, invalid_choice_message=_choice_message(component))
    if kind == "checkbox":
        return BooleanField(label, validators=checks, description=description)
    if kind == "filepicker":
        return _file_field(component, label, description)
    raise ValueError(f"unsupported component type {kind!r}")


def _choice_message(component: dict):
    return designed.prop(component, "invalidChoiceMessage") or _l("请选择列表中的选项")


def _options(component: dict, first: SelectChoice | None = None):
    """The field's choices: an office's 数据字典 list is read when a form is built (it changes), the
    others once with the class."""
    key = str(component.get("valuesKey") or "")
    if key in editable.DICTIONARIES:
        return dictionary_lists.choices(key, first)
    head = [first] if first is not None else []
    return head + [SelectChoice(value, label) for value, label in designed.choices(component)]


def _number_field(component: dict, label: str, checks: list, description: str):
    digits = component.get("decimalDigits")
    if digits in (0, "0"):
        return IntegerField(label, validators=checks, description=description,
                            invalid_value_message=_l("请填写整数"))
    return DecimalField(label, validators=checks, description=description, places=None,
                        invalid_value_message=_l("请填写数字"))


def _file_field(component: dict, label: str, description: str):
    is_required = bool((component.get("validate") or {}).get("required"))
    max_mb = float(designed.prop(component, "maxSizeMb") or 20)
    field_class = SizedPdfListField if component.get("multiple") else SizedPdfField
    return field_class(label, required=is_required, max_mb=max_mb,
                       description=description or _l("PDF 格式，不超过 %(mb)s MB", mb=_number_text(max_mb)))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _no_controls(form, field):
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError(_l("不能包含控制字符"))


def _presence(component: dict) -> list:
    """Required, required unless another field has a value, or optional."""
    if component["type"] == "filepicker":
        return []  # the file field checks presence itself
    custom = designed.prop(component, "requiredMessage")
    if (component.get("validate") or {}).get("required"):
        message = custom or _l("请勾选此项") if component["type"] == "checkbox" else \
            _l("请选择%(label)s", label=_label(component)) if component["type"] in ("select", "radio", "checklist") \
            else _l("请填写%(label)s", label=_label(component))
        # A number or a date that does not parse has no data: only the input tells it was given.
        return [InputRequired(message) if component["type"] in ("number", "datetime") else required(message)]
    unless = designed.prop(component, "requiredUnless")
    if unless:
        return [_required_unless(component, unless, custom)]
    return [Optional()]


def _required_unless(component: dict, rule: str, message: str):
    other, _sep, values = rule.partition("=")
    exempt = {value.strip() for value in values.split(",")}

    def check(form, field):
        if field.raw_data and any(str(value).strip() for value in field.raw_data):
            return  # given: the other rules check it
        chosen = form[other.strip()].data if other.strip() in form else None
        if str(chosen) not in exempt:
            raise StopValidation(message or _l("请填写%(label)s", label=_label(component)))
        raise StopValidation()  # not needed, and blank: nothing more to check

    return check


def _rules(component: dict) -> list:
    rules = component.get("validate") or {}
    kind = component["type"]
    checks = []
    if kind in ("textfield", "textarea"):
        limit = int(rules.get("maxLength") or DEFAULT_TEXT_LIMIT[kind])
        least = int(rules.get("minLength") or 0)
        checks.append(Length(min=least or -1, max=limit, message=_length_message(least, limit)))
        if rules.get("pattern"):
            checks.append(_pattern(str(rules["pattern"]), component))
        if rules.get("validationType") == "email":
            checks.append(email_address())
        elif rules.get("validationType") == "phone":
            checks.append(phone_number)
    elif kind == "number" and (rules.get("min") is not None or rules.get("max") is not None):
        checks.append(_range(rules.get("min"), rules.get("max")))
    elif kind == "datetime" and component.get("disallowPassedDates"):
        checks.append(_not_past)
    return checks


def _length_message(least: int, limit: int):
    if least:
        return _l("应为 %(min)s 至 %(max)s 个字", min=least, max=limit)
    return _l("不能超过 %(limit)s 个字", limit=limit)


def _pattern(pattern: str, component: dict):
    compiled = re.compile(pattern)
    hint = designed.prop(component, "patternMessage")

    def check(form, field):
        if field.data and not compiled.fullmatch(field.data):
            raise ValidationError(hint or _l("%(label)s格式不正确", label=_label(component)))

    return check


def _range(least, most):
    low = Decimal(str(least)) if least is not None else None
    high = Decimal(str(most)) if most is not None else None
    if low is not None and high is not None:
        message = _l("应在 %(min)s 至 %(max)s 之间", min=least, max=most)
    elif low is not None:
        message = _l("不能小于 %(min)s", min=least)
    else:
        message = _l("不能大于 %(max)s", max=most)
    return NumberRange(min=low, max=high, message=message)


def _not_past(form, field):
    from engine import clock
    if field.data and field.data < clock.to_china(clock.now()).date():
        raise ValidationError(_l("不能早于今天"))


def answer(value):
    """A field's value as JSON keeps it: dates as ISO text, numbers as int or float."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
