"""申请达标 (the enterprise's two steps), 达标产品评价 (the institution), 撤销 (the office)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, RadioField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice

from engine.domain.compliance import ApplicationInput, EvaluationInput, is_required
from forms.fields import PdfField, PdfListField, max_length, required
from forms.registration import DecisionForm


def optional_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class InstitutionField(SelectField):
    """第三方技术机构: an id among the choices; anything else gets a Chinese message."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=optional_id, **kwargs)

    def pre_validate(self, form):
        if self.data is None or self.data not in {optional_id(c.value) for c in self.choices or []}:
            raise ValidationError(_l("请选择参与该试点的第三方技术机构"))


class MeasuredForm(Form):
    measured = StringField(_l("检测值"), validators=[max_length(100)])


class CorrectApplicationForm(Form):
    """修改达标申请 (after 退回 or 撤回): 产品型号, reports (none keeps the earlier), 检测值, 备注."""

    product_model = StringField(_l("产品型号"), validators=[required(_l("请填写产品型号")), max_length(100)])
    reports = PdfListField(_l("产品检测报告"), required=False, max_files=10)
    measurements = FieldList(FormField(MeasuredForm), label=_l("指标项"), min_entries=0, max_entries=100)
    note = TextAreaField(_l("备注"), validators=[max_length(1000)])
    rows: list[dict] = []

    def set_rows(self, rows: list[dict]) -> None:
        """The plan's indicators: 检测值 is required for 安全, 性能 and 低碳 (必填), optional for 智能化."""
        self.rows = rows
        for entry, row in zip(self.measurements.entries, rows, strict=False):
            if is_required(row.get("level1", "")):
                measured = entry.form.measured
                measured.validators = [required(_l("必填指标请填写检测值")), *measured.validators]
                measured.flags.required = True

    def validate_measurements(self, field):
        if len(field.entries) != len(self.rows):
            raise ValidationError(_l("指标项与对标方案不一致，请刷新页面后重新填写"))

    def measured(self) -> list[str]:
        return [(entry.form.measured.data or "").strip() for entry in self.measurements.entries]

    def given(self, reports) -> ApplicationInput:
        return ApplicationInput(self.product_model.data.strip(), None, self.measured(),
                                (self.note.data or "").strip(), reports)


class ApplicationForm(CorrectApplicationForm):
    """申请达标: step one (型号, 第三方技术机构, 产品检测报告) and step two (检测值, 备注)."""

    institution_id = InstitutionField(_l("第三方技术机构"))
    reports = PdfListField(_l("产品检测报告"), required=True, max_files=10)

    def set_institutions(self, organizations) -> None:
        self.institution_id.choices = [SelectChoice("", _l("请选择")),
                                       *(SelectChoice(o.id, o.name) for o in organizations)]

    def given(self, reports) -> ApplicationInput:
        given = super().given(reports)
        given.institution_id = self.institution_id.data
        return given


class VerdictForm(Form):
    verdict = SelectField(_l("指标评价"), choices=[SelectChoice("", _l("请选择")), SelectChoice("pass", _l("达标")),
                                                SelectChoice("fail", _l("未达标"))], validate_choice=False)
    remark = StringField(_l("备注"), validators=[max_length(200)])


class EvaluateApplicationForm(Form):
    """达标产品评价: 审核 (a 指标评价 per indicator, 评价结论) or 退回 (审核意见) to the enterprise."""

    decision = RadioField(_l("操作"), default="evaluate", invalid_choice_message=_l("请选择审核或退回"),
                          choices=[SelectChoice("evaluate", _l("审核")), SelectChoice("return", _l("退回"))])
    items = FieldList(FormField(VerdictForm), label=_l("指标评价"), min_entries=0, max_entries=100)
    conclusion = RadioField(_l("评价结论"), validate_choice=False, choices=[
        SelectChoice("pass", _l("达标，该型号产品各项指标达到对标方案要求")),
        SelectChoice("fail", _l("未达标，请说明未达标情况"))])
    explanation = TextAreaField(_l("未达标情况说明"), validators=[max_length(1000)])
    opinion = TextAreaField(_l("审核意见"), validators=[max_length(1000)])

    def validate_opinion(self, field):
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError(_l("请填写审核意见"))

    def given(self) -> EvaluationInput:
        return EvaluationInput(
            self.decision.data, (self.opinion.data or "").strip(), self.conclusion.data or None,
            (self.explanation.data or "").strip(),
            [{"verdict": e.form.verdict.data or "", "remark": e.form.remark.data or ""} for e in self.items.entries])


class FileEvaluationForm(DecisionForm):
    """达标结果形式审核及备案 (office): 通过, 退回修改 (to the institution) or 不予通过."""


class CertificateUploadForm(Form):
    certificate_file = PdfField(_l("证书（PDF）"))


class RevokeForm(Form):
    reason = TextAreaField(_l("撤销原因"), validators=[required(_l("请填写撤销原因")), max_length(1000)])
