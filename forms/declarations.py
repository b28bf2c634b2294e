"""我要对标: the self-declaration form (对比标准 rows, 指标 rows, 声明内容, the pledge)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, FormField, StringField, TextAreaField, ValidationError

from engine.domain.declarations import MAX_STATEMENT, DeclarationDraft
from forms import standards
from forms.fields import PdfField, max_length, required

MAX_STANDARDS = 20
MAX_INDICATORS = 100
PLEDGE = _l("本企业对以上自我声明内容的真实性负责")


class StandardRowForm(Form):
    """One 对比标准: 标准号 (normalised) and 标准名称."""

    number = StringField(_l("标准号"), validators=[required(_l("请填写标准号")), max_length(60)])
    name = StringField(_l("标准名称"), validators=[required(_l("请填写标准名称")), max_length(200)])

    def validate_number(self, field):
        try:
            field.data = standards.normalize(field.data or "")
        except standards.StandardNumberError as exc:
            raise ValidationError(exc.message) from exc


class IndicatorRowForm(Form):
    """One 指标: the enterprise's own value beside the benchmark value and its source."""

    name = StringField(_l("指标名称"), validators=[required(_l("请填写指标名称")), max_length(100)])
    own_value = StringField(_l("企业指标值"), validators=[required(_l("请填写企业指标值")), max_length(100)])
    benchmark_value = StringField(_l("对标值"), validators=[required(_l("请填写对标值")), max_length(100)])
    benchmark_standard = StringField(_l("对标标准"), validators=[required(_l("请填写对标值所依据的标准")),
                                                             max_length(200)])


class DeclarationForm(Form):
    product_name = StringField(_l("产品名称"), validators=[required(_l("请填写产品名称")), max_length(100)])
    product_model = StringField(_l("产品型号"), validators=[required(_l("请填写产品型号")), max_length(100)])
    standards = FieldList(FormField(StandardRowForm), label=_l("对比标准"), min_entries=1,
                          max_entries=MAX_STANDARDS)
    indicators = FieldList(FormField(IndicatorRowForm), label=_l("指标"), min_entries=1,
                           max_entries=MAX_INDICATORS)
    statement = TextAreaField(_l("声明内容"), validators=[required(_l("请填写声明内容")),
                                                      max_length(MAX_STATEMENT)])
    attachment = PdfField(_l("附件（PDF，可选）"), required=False)
    pledge = BooleanField(PLEDGE, validators=[required(_l("请确认本企业对自我声明内容的真实性负责"))])

    def validate_standards(self, field):
        numbers = [entry.form.number.data for entry in field.entries if entry.form.number.data]
        if len(numbers) != len(set(numbers)):
            raise ValidationError(_l("对比标准中有重复的标准号"))

    def draft(self, attachment=None) -> DeclarationDraft:
        """The validated input for engine.domain.declarations.declare."""
        rows = [{k: (entry.form[k].data or "").strip() for k in
                 ("name", "own_value", "benchmark_value", "benchmark_standard")}
                for entry in self.indicators.entries]
        compared = [{"number": entry.form.number.data, "name": (entry.form.name.data or "").strip()}
                    for entry in self.standards.entries]
        return DeclarationDraft(self.product_name.data.strip(), self.product_model.data.strip(),
                                compared, rows, self.statement.data.strip(), attachment)
