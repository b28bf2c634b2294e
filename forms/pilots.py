"""试点招募 (office), 报名参与 and the review of an enrolment."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, RadioField, SelectMultipleField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from engine.domain import pilots
from forms.dictionary_lists import PickOne, choices
from forms.fields import PdfListField, max_length, required
from forms.registration import DecisionForm

RECRUIT_TYPE_CHOICES = [SelectChoice("institution", _l("第三方技术机构")),
                        SelectChoice("enterprise", _l("企业"))]
FIELD_CHOICES = choices("pilot_field")  # 数据字典 → 试点领域


class PilotForm(Form):
    title = StringField(_l("标题"), validators=[required(_l("请填写标题")), max_length(200)])
    product_name = StringField(_l("产品名称"), validators=[required(_l("请填写产品名称")), max_length(100)])
    recruit_type = RadioField(_l("招募类型"), choices=RECRUIT_TYPE_CHOICES,
                              validators=[required(_l("请选择招募类型"))],
                              invalid_choice_message=_l("请选择第三方技术机构或企业"))
    field = RadioField(_l("试点领域"), choices=FIELD_CHOICES, validators=[required(_l("请选择试点领域"))],
                       invalid_choice_message=PickOne("pilot_field"))
    description = TextAreaField(_l("试点说明"), validators=[required(_l("请填写试点说明")),
                                                        max_length(5000)])
    deadline = DateField(_l("报名截止"), validators=[required(_l("请填写报名截止日期，格式如 2026-12-31"))])
    attachments = PdfListField(_l("附件（PDF，可多个）"), required=False)

    def validate_deadline(self, field):
        if field.data and field.data < pilots.today():
            raise ValidationError(_l("报名截止日期不能早于今天"))

    def pilot_fields(self) -> dict:
        return {"title": self.title.data.strip(), "product_name": self.product_name.data.strip(),
                "recruit_type": self.recruit_type.data, "field": self.field.data,
                "description": self.description.data.strip(), "deadline": self.deadline.data}


class AttachmentChoicesField(SelectMultipleField):
    """Checkboxes of the pilot's current attachments (their file ids) to remove."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        try:
            self.data = [int(value) for value in valuelist]
        except ValueError as exc:
            self.data = []
            raise ValueError(_l("请选择要删除的附件")) from exc

    def pre_validate(self, form):
        known = {choice[0] for choice in self.choices or []}
        if any(value not in known for value in self.data or []):
            raise ValidationError(_l("请选择要删除的附件"))


class PilotEditForm(PilotForm):
    """编辑 a published recruitment: the fields of 发布 (pre-filled), attachments to add and to remove.

    An unchanged 报名截止 is accepted even when it has passed (a typo elsewhere can be fixed);
    a changed one may not lie in the past."""

    attachments = PdfListField(_l("新增附件（PDF，可多个）"), required=False)
    remove_files = AttachmentChoicesField(_l("删除附件"), coerce=int, choices=[])

    def __init__(self, formdata=None, pilot=None, **kwargs):
        super().__init__(formdata, obj=None if formdata else pilot, **kwargs)
        self.current_deadline = pilot.deadline if pilot is not None else None
        self.remove_files.choices = [(f.file_id, f.file.original_name) for f in (pilot.files if pilot else [])]

    def validate_deadline(self, field):
        if field.data and field.data != self.current_deadline:
            super().validate_deadline(field)


class EnrollForm(Form):
    qualification = PdfListField(_l("资质文件（PDF，可多个）"))
    note = TextAreaField(_l("说明"), validators=[max_length(1000)])


class CorrectEnrollmentForm(Form):
    qualification = PdfListField(_l("资质文件（PDF，不上传则沿用原文件）"), required=False)
    note = TextAreaField(_l("说明"), validators=[max_length(1000)])


class ReviewEnrollmentForm(DecisionForm):
    pass
