"""编制方案 (比对分析报告), 提交正式版 (the formal plan with its 指标项), and their reviews."""
from __future__ import annotations

from collections.abc import Callable, Collection

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from engine.domain.formal_plans import LEVEL1_LABELS, REQUIRED_LEVEL1, Draft, level1_label
from engine.text import localized
from forms import standards
from forms.fields import MAX_PDF_BYTES, PdfField, max_length, required
from forms.registration import DecisionForm
from storage.files import safe_display_name

LEVEL1_CHOICES = [SelectChoice(k, level1_label(k)) for k in LEVEL1_LABELS]


PLAN_DOCUMENTS = ("standard_text", "scheme", "explanation")
MISSING_DOCUMENT = {"standard_text": _l("请上传标准文本（PDF）"), "scheme": _l("请上传对标方案（PDF）"),
                    "explanation": _l("请上传编制说明（PDF）")}


class DraftReportForm(Form):
    name = StringField(_l("对标方案名称"), validators=[required(_l("请填写对标方案名称")), max_length(200)])
    # Required (the label shows *); the domain checks it, as a resubmission may keep the report filed before.
    comparison_report = PdfField(_l("比对分析报告（PDF）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.comparison_report.flags.required = True
        # Whether a report was filed before (set by forms.plan_tasks.prepare_report_form).
        self.report_on_file: Callable[[], bool] = lambda: False

    def validate(self, extra_validators=None) -> bool:
        """Every problem at once: a missing report is named with the others (the domain still checks)."""
        if super().validate(extra_validators):
            return True
        report = self.comparison_report
        if not report.errors and report.upload is None and not self.report_on_file():
            report.errors = [*report.errors, _l("请上传比对分析报告（PDF）")]
        return False


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


# 提交正式版: the messages of its required fields, shared with the page's checks before posting.
REQUIRED = {"standard_number": _l("请填写标准号"), "standard_name": _l("请填写标准名称"),
            "level1": _l("请选择一级指标"), "level2": _l("请填写二级指标"), "value": _l("请填写指标值"),
            "basis": _l("请填写对标依据"), "method": _l("请填写试验/评价方法标准")}


TEXT_CELLS = ("level2", "value", "basis", "method")  # an 指标项's cells besides its 一级指标


class IndicatorForm(Form):
    level1 = SelectField(_l("一级指标"), choices=LEVEL1_CHOICES, validators=[required(REQUIRED["level1"])],
                         invalid_choice_message=_l("一级指标应为安全、性能、低碳或智能化"))
    level2 = StringField(_l("二级指标"), validators=[required(REQUIRED["level2"]), max_length(100)])
    value = StringField(_l("指标值"), validators=[required(REQUIRED["value"]), max_length(100)])
    basis = StringField(_l("对标依据"), validators=[required(REQUIRED["basis"]), max_length(200)])
    method = StringField(_l("试验/评价方法标准"), validators=[required(REQUIRED["method"]), max_length(200)])


def _missing_levels(missing: str, several: bool):
    return _l("一级指标“%(m)s”至少各需一项", m=missing) if several else _l("一级指标“%(m)s”至少需一项", m=missing)


class DraftPlanForm(Form):
    standard_number = StringField(_l("标准号"), validators=[required(REQUIRED["standard_number"]),
                                                         max_length(60)])
    standard_name = StringField(_l("标准名称"), validators=[required(REQUIRED["standard_name"]), max_length(200)])
    co_drafters = IdListField(_l("参编单位"), coerce=int, validate_choice=False)
    standard_text = PdfField(_l("标准文本（PDF）"), required=False)
    scheme = PdfField(_l("对标方案（PDF）"), required=False)
    explanation = PdfField(_l("编制说明（PDF）"), required=False)
    indicators = FieldList(FormField(IndicatorForm), label=_l("指标项"), min_entries=0, max_entries=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The kinds of PDF the saved draft holds already (set by forms.plan_tasks.prepare_plan_form).
        self.saved_documents: Callable[[], Collection[str]] = tuple
        # The drafting organisation, which cannot be its own 参编单位 (an enterprise drafting; set by prepare).
        self.drafter_id: int | None = None

    def validate(self, extra_validators=None) -> bool:
        """提交: every problem at once, the required PDFs included (unless the saved draft holds them).

        When all else is right the submission goes on, and the domain names every missing PDF itself
        (reading the saved draft once); otherwise they are named here with the other problems.
        """
        if super().validate(extra_validators):
            return True
        missing = [kind for kind in PLAN_DOCUMENTS if not self[kind].errors and self[kind].upload is None]
        saved = self.saved_documents() if missing else ()
        for kind in missing:
            if kind not in saved:
                self[kind].errors = [*self[kind].errors, MISSING_DOCUMENT[kind]]
        return False

    def chosen_files(self) -> dict[str, str]:
        """The PDFs chosen in this post (kind -> name): a refused post keeps none of them."""
        chosen = {}
        for kind in PLAN_DOCUMENTS:
            storage = self[kind].data
            name = getattr(storage, "filename", None)
            if name:
                chosen[kind] = safe_display_name(name)
        return chosen

    def validate_standard_number(self, field):
        try:
            field.data = standards.normalize(field.data or "")
        except standards.StandardNumberError as exc:
            raise ValidationError(exc.message) from exc

    def validate_indicators(self, field):
        levels = {entry.form.level1.data for entry in field.entries}
        missing = [LEVEL1_LABELS[k] for k in REQUIRED_LEVEL1 if k not in levels]
        if missing:
            raise ValidationError(str(_missing_levels("、".join(missing), len(missing) > 1)))

    def client_checks(self) -> dict:
        """What the page checks before it posts 提交 (the server checks all again), in the reader's language."""
        return {
            "required": {name: str(message) for name, message in REQUIRED.items()},
            "documents": {kind: str(MISSING_DOCUMENT[kind]) for kind in PLAN_DOCUMENTS},
            "levels": {kind: str(localized(LEVEL1_LABELS[kind])) for kind in REQUIRED_LEVEL1},
            "missing_levels": str(_missing_levels("%(m)s", True)),
            "missing_level": str(_missing_levels("%(m)s", False)),
            "too_big": str(_l("文件不能超过 20 MB")),
            "max_bytes": MAX_PDF_BYTES,
        }

    def set_enterprise_choices(self, organizations) -> None:
        self.co_drafters.choices = [SelectChoice(o.id, o.name) for o in organizations]

    def validate_co_drafters(self, field):
        known = {choice.value for choice in field.choices or []}
        if any(value not in known for value in field.data or []):
            raise ValidationError(_l("参编单位须为平台已注册的企业"))
        if self.drafter_id is not None and self.drafter_id in (field.data or []):
            raise ValidationError(_l("编制单位本身不能作为参编单位"))

    def validate_draft(self) -> bool:
        """保存 checks only what is filled in: formats and files, not completeness."""
        for upload in (self[kind] for kind in PLAN_DOCUMENTS):
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
        """What 保存 keeps (and 提交 files): a row whose text cells are all empty is dropped (新增 then
        保存 must not keep a row with only its preselected 一级指标)."""
        rows = [{k: (entry.form[k].data or "").strip() for k in ("level1", *TEXT_CELLS)}
                for entry in self.indicators.entries]
        rows = [row for row in rows if any(row[k] for k in TEXT_CELLS)]
        uploads = {kind: getattr(self, kind).upload for kind in PLAN_DOCUMENTS}
        return Draft(self.standard_number.data, (self.standard_name.data or "").strip(), rows,
                     list(self.co_drafters.data or []), uploads)


def _pilot_id(value):
    """The chosen 试点 (an id), or None for nothing or garbage: the domain then says why."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class EnterprisePlanForm(DraftReportForm):
    """方案编制 (an enterprise): the pilot it takes part in, then 编制方案's own fields."""

    pilot = SelectField(_l("试点"), coerce=_pilot_id, validate_choice=False,
                        validators=[required(_l("请选择试点"))])

    def set_pilots(self, pilots) -> None:
        self.pilot.choices = [SelectChoice("", _l("请选择试点"))] + [
            SelectChoice(p.id, _l("%(title)s（%(product)s）", title=p.title, product=p.product_name)) for p in pilots]


class ReviewReportForm(DecisionForm):
    pass


class ReviewPlanForm(DecisionForm):
    pass
