"""编制方案 (比对分析报告), 提交正式版 (the formal plan with its 指标项), and their reviews."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from engine.domain.formal_plans import LEVEL1_LABELS, REQUIRED_LEVEL1, Draft, level1_label
from forms import standards
from forms.fields import PdfField, max_length, required
from forms.registration import DecisionForm

LEVEL1_CHOICES = [SelectChoice(k, level1_label(k)) for k in LEVEL1_LABELS]


class DraftReportForm(Form):
    name = StringField(_l("对标方案名称"), validators=[required(_l("请填写对标方案名称")), max_length(200)])
    comparison_report = PdfField(_l("比对分析报告（PDF）"), required=False)


def _check_lengths(form: Form) -> None:
    """Run only the length limits of a form's text fields (保存 skips 'required')."""
    for field in form:
        if not isinstance(field, StringField):
            continue
        for validator in field.validators:
            if isinstance(validator, Length) and field.data:
                try:
                    validator(form, field)
                except ValidationError as exc:
                    field.errors = [*field.errors, exc.args[0]]


class IdListField(SelectMultipleField):
    """Several database ids; a value that is not one gets a Chinese message."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("请选择有效的单位"))) from exc


class IndicatorForm(Form):
    level1 = SelectField(_l("一级指标"), choices=LEVEL1_CHOICES, validators=[required(_l("请选择一级指标"))],
                         invalid_choice_message=_l("一级指标应为安全、性能、低碳或智能化"))
    level2 = StringField(_l("二级指标"), validators=[required(_l("请填写二级指标")), max_length(100)])
    value = StringField(_l("指标值"), validators=[required(_l("请填写指标值")), max_length(100)])
    basis = StringField(_l("对标依据"), validators=[required(_l("请填写对标依据")), max_length(200)])
    method = StringField(_l("试验/评价方法标准"), validators=[required(_l("请填写试验/评价方法标准")),
                                                        max_length(200)])


class DraftPlanForm(Form):
    standard_number = StringField(_l("标准号"), validators=[required(_l("请填写标准号")), max_length(60)])
    standard_name = StringField(_l("标准名称"), validators=[required(_l("请填写标准名称")), max_length(200)])
    co_drafters = IdListField(_l("参编单位"), coerce=int, validate_choice=False)
    standard_text = PdfField(_l("标准文本（PDF）"), required=False)
    scheme = PdfField(_l("对标方案（PDF）"), required=False)
    explanation = PdfField(_l("编制说明（PDF）"), required=False)
    indicators = FieldList(FormField(IndicatorForm), label=_l("指标项"), min_entries=0, max_entries=100)

    def validate_standard_number(self, field):
        try:
            field.data = standards.normalize(field.data or "")
        except standards.StandardNumberError as exc:
            raise ValidationError(exc.message) from exc

    def validate_indicators(self, field):
        levels = {entry.form.level1.data for entry in field.entries}
        missing = [LEVEL1_LABELS[k] for k in REQUIRED_LEVEL1 if k not in levels]
        if missing:
            raise ValidationError(str(_l("一级指标“%(m)s”至少各需一项", m="、".join(missing))))

    def set_enterprise_choices(self, organizations) -> None:
        self.co_drafters.choices = [SelectChoice(o.id, o.name) for o in organizations]

    def validate_co_drafters(self, field):
        known = {choice.value for choice in field.choices or []}
        if any(value not in known for value in field.data or []):
            raise ValidationError(_l("参编单位须为平台已注册的企业"))

    def validate_draft(self) -> bool:
        """保存 checks only what is filled in: formats and files, not completeness."""
        for upload in (self.standard_text, self.scheme, self.explanation):
            try:
                upload.pre_validate(self)
            except ValidationError as exc:
                upload.errors = [exc.args[0]]
        if self.standard_number.data:
            try:
                self.validate_standard_number(self.standard_number)
            except ValidationError as exc:
                self.standard_number.errors = [exc.args[0]]
        try:
            self.validate_co_drafters(self.co_drafters)
        except ValidationError as exc:
            self.co_drafters.errors = [*self.co_drafters.errors, exc.args[0]]
        known = {choice.value for choice in LEVEL1_CHOICES}
        for entry in self.indicators.entries:
            if entry.form.level1.data and entry.form.level1.data not in known:
                entry.form.level1.errors = [_l("一级指标应为安全、性能、低碳或智能化")]
            _check_lengths(entry.form)
        _check_lengths(self)
        return not any(f.errors for f in self if f.name != "indicators") and not any(
            sub.errors for e in self.indicators.entries for sub in e.form)

    def draft(self) -> Draft:
        rows = [{k: (entry.form[k].data or "").strip() for k in ("level1", "level2", "value", "basis", "method")}
                for entry in self.indicators.entries]
        uploads = {kind: getattr(self, kind).upload for kind in ("standard_text", "scheme", "explanation")}
        return Draft(self.standard_number.data, (self.standard_name.data or "").strip(), rows,
                     list(self.co_drafters.data or []), uploads)


class ReviewReportForm(DecisionForm):
    pass


class ReviewPlanForm(DecisionForm):
    pass
