"""Completing a user task the way a user does: the task's page shows its form filled in as the
platform fills it (``prefill``), the user changes some fields, posts, and the form validates and
submits. A scenario's ``with`` is what the user changes; a bad value gets the form's own message.

``with`` values: text and numbers as typed; ``pdf`` for a file field (a generated sample PDF; a
list of them for a several-file field); for a table (指标项, 修订意见处理 …) a list of rows, each
laid over the row the page shows at that position (so hidden ids stay), or one mapping laid over
every row.
"""
from __future__ import annotations

from io import BytesIO

from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import BooleanField, FieldList, FileField, Form, FormField, MultipleFileField, SelectMultipleField
from wtforms.fields.choices import SelectFieldBase

from engine.domain.errors import InputError
from engine.text import N_, Text, listing, localized
from forms import tasks
from forms.scenarios.sandbox import sample_pdf
from storage.files import FileStore
from storage.models import HumanTask, User

SAMPLE_FILE = "pdf"


class StepFailed(Exception):
    """A step did not do what the scenario says; ``message`` tells the designer why (Chinese)."""

    def __init__(self, message: Text | str):
        super().__init__(message)
        self.message = message


def complete(session: Session, task: HumanTask, user: User, values: dict, store: FileStore) -> None:
    """Fill in the task's form with ``values`` over what the page shows, validate, submit."""
    if not tasks.has_form(task):
        raise StepFailed(N_("「%(task)s」的表单 %(key)s 平台没有实现", task=task.title, key=task.form_key))
    shown = tasks.build_form(session, task)
    formdata = posted(shown, values)
    form = tasks.build_form(session, task, formdata)
    if not form.validate():
        raise StepFailed(N_("「%(task)s」的表单未通过校验：%(errors)s", task=task.title,
                            errors=joined(form_errors(form))))
    try:
        tasks.complete(session, task, user.id, form, store)
    except InputError as exc:
        problems = joined([N_("%(label)s：%(message)s", label=_label(form, name), message=message)
                           for name, message in exc.problems])
        raise StepFailed(N_("「%(task)s」提交被拒绝：%(errors)s", task=task.title, errors=problems)) from exc


def posted(shown: Form, values: dict) -> MultiDict:
    """What the browser posts: the fields as shown, with the scenario's values laid over them."""
    unknown = [name for name in values if name not in shown]
    if unknown:
        known = listing(field.name for field in shown)
        raise StepFailed(N_("表单中没有字段 %(names)s（可填：%(known)s）", names=listing(map(str, unknown)),
                            known=known))
    pairs: list[tuple[str, object]] = []
    for field in shown:
        if field.name in values:
            pairs.extend(_given(field, values[field.name]))
        else:
            pairs.extend(_shown(field))
    return MultiDict(pairs)


def _shown(field) -> list[tuple[str, object]]:
    """The pairs a rendered field posts back untouched (files are never pre-filled)."""
    if isinstance(field, FieldList):
        return [pair for entry in field.entries for pair in _shown(entry)]
    if isinstance(field, FormField):
        return [pair for sub in field for pair in _shown(sub)]
    if isinstance(field, FileField):
        return []
    if isinstance(field, SelectMultipleField):
        return [(field.name, str(value)) for value in field.data or []]
    if isinstance(field, BooleanField):
        return [(field.name, "y")] if field.data else []
    if field.data is None or field.data == "":
        return []
    if isinstance(field, SelectFieldBase):
        return [(field.name, str(field.data))]
    return [(field.name, field._value())]


def _given(field, value) -> list[tuple[str, object]]:
    if isinstance(field, FieldList):
        return _rows(field, value)
    if isinstance(field, FileField):
        return _files(field, value)
    if isinstance(field, BooleanField):
        return [(field.name, "y")] if value else []
    if isinstance(value, list):
        return [(field.name, _text(item)) for item in value]
    return [(field.name, _text(value))]


def _text(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "y" if value else ""
    return str(value)


def _files(field, value) -> list[tuple[str, object]]:
    chosen = value if isinstance(value, list) else [value]
    if any(item not in (SAMPLE_FILE, None, "") for item in chosen):
        raise StepFailed(N_("文件字段 %(name)s 只能填 pdf（生成的示例 PDF）", name=field.name))
    if not isinstance(field, MultipleFileField) and len(chosen) > 1:
        raise StepFailed(N_("文件字段 %(name)s 只能上传一个文件", name=field.name))
    return [(field.name, FileStorage(BytesIO(sample_pdf(field.name)), filename=f"{field.name}-{n}.pdf",
                                     content_type="application/pdf"))
            for n, item in enumerate(chosen, start=1) if item == SAMPLE_FILE]


def _rows(field: FieldList, value) -> list[tuple[str, object]]:
    """A table: the rows shown, each overlaid by the scenario's row (a list) or by one mapping."""
    shown = [{sub.short_name: _shown(sub) for sub in entry} for entry in field.entries]
    if isinstance(value, dict):
        rows = [(row, value) for row in shown]
    elif isinstance(value, list) and all(isinstance(row, dict) for row in value):
        rows = [(shown[n] if n < len(shown) else {}, row) for n, row in enumerate(value)]
    else:
        raise StepFailed(N_("表格字段 %(name)s 应为行的列表，或对每一行都适用的一个映射", name=field.name))
    template = field.unbound_field.args[0]() if field.unbound_field.args else None
    columns = [sub.name for sub in template] if template is not None else []
    pairs = []
    for n, (row, given) in enumerate(rows):
        unknown = [name for name in given if name not in columns]
        if unknown:
            raise StepFailed(N_("表格 %(name)s 没有列 %(columns)s（可填：%(known)s）", name=field.name,
                                columns=listing(map(str, unknown)), known=listing(columns)))
        for column in columns:
            key = f"{field.name}-{n}-{column}"
            if column in given:
                pairs.extend((key, _text(item)) for item in
                             (given[column] if isinstance(given[column], list) else [given[column]]))
            else:
                pairs.extend((key, item) for _name, item in row.get(column, []))
    return pairs


def joined(messages: list) -> Text | str:
    """Several messages as one, each still translatable (Text.localized() translates its parameters)."""
    if not messages:
        return ""
    text = messages[0]
    for message in messages[1:]:
        text = N_("%(first)s；%(next)s", first=text, next=message)
    return text


def form_errors(form: Form) -> list[str]:
    """Every message of a refused form, named by its field's label (and row, in a table)."""
    found = []
    for name, errors in form.errors.items():
        label = _label(form, name)
        for number, item in enumerate(errors if isinstance(errors, list) else [errors], start=1):
            if isinstance(item, dict):
                row = form[name].entries[number - 1].form
                for column, messages in item.items():
                    found.extend(N_("%(label)s 第 %(row)s 行 %(column)s：%(message)s", label=label, row=number,
                                    column=str(localized(row[column].label.text)), message=str(m))
                                 for m in messages)
            else:
                found.append(N_("%(label)s：%(message)s", label=label, message=str(item)))
    return found


def _label(form: Form, name: str) -> str:
    return str(localized(form[name].label.text)) if name in form else name
