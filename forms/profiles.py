"""企业信息填报 and 服务机构信息填报 forms, with the Chinese labels of the domain's choice keys."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    Form,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.validators import InputRequired, NumberRange

from engine.domain import profiles
from engine.text import listing, localized
from forms import code_names, industries
from forms.account import contact_phone
from forms.dictionary_lists import Labels, choices
from forms.fields import (
    PdfListField,
    email_address,
    max_length,
    optional,
    required,
)

# The labels of the choice keys: the 数据字典 lists (系统管理 → 数据字典), read when asked.
SCALE_LABELS = Labels("enterprise_scale")
OWNERSHIP_LABELS = Labels("enterprise_ownership")
SECTOR_LABELS = Labels("sector")
BODY_LABELS = Labels("standardization_body")
NEED_LABELS = Labels("standardization_need")
INSTITUTION_TYPE_LABELS = Labels("institution_type")
ACCREDITATION_LABELS = Labels("accreditation")

_CHOOSE = _l("请在列出的选项中选择")


def _radio(label, labels: Labels, message):
    return RadioField(label, choices=choices(labels.key), validators=[required(message)],
                      invalid_choice_message=_CHOOSE)


def _checkboxes(label, labels: Labels):
    return SelectMultipleField(label, choices=choices(labels.key), validate_choice=True,
                               widget=widgets.ListWidget(prefix_label=False),
                               option_widget=widgets.CheckboxInput(), invalid_choice_message=_CHOOSE)


def _count(label, required_message=None):
    """A number of people or standards: a whole number from 0, blank counted as 0 unless required."""
    checks = [InputRequired(required_message)] if required_message else [optional()]
    return IntegerField(label, invalid_value_message=_l("请填写整数"), validators=[*checks, NumberRange(
        min=0, max=1_000_000, message=_l("请填写 0 到 1000000 之间的整数"))])


def _text(label, limit: int, required_message=None):
    checks = [required(required_message)] if required_message else [optional()]
    field = TextAreaField if limit > 200 else StringField
    return field(label, validators=[*checks, max_length(limit)])


def _industry_code(label):
    """A GB/T 4754 class code typed or picked from the search (industries.js); optional."""
    return StringField(label, validators=[optional(), max_length(10)],
                       filters=[lambda value: value.strip().upper() if isinstance(value, str) else value])


def _clean(value):
    return value.strip() or None if isinstance(value, str) else value


class _SharedParticulars(Form):
    """Fields kept on the organisation (the same as in 用户信息)."""

    contact = StringField(_l("联系人"), validators=[required(_l("请填写联系人")), max_length(30)])
    phone = StringField(_l("联系电话"), validators=[required(_l("请填写联系电话")), contact_phone])
    email = StringField(_l("电子邮箱"), validators=[optional(), email_address(), max_length(254)])

    def integer_fields(self) -> list[str]:
        return [name for name, f in self._fields.items() if isinstance(f, IntegerField)]

    def values(self, names) -> dict:
        values = {name: _clean(self[name].data) for name in names}
        for name in self.integer_fields():
            if name in values and values[name] is None:
                values[name] = 0
        return values


class EnterpriseInfoForm(_SharedParticulars):
    # 企业基本信息
    founded_on = DateField(_l("成立日期"), validators=[required(_l("请填写成立日期，格式如 2023-02-01"))],
                           format="%Y-%m-%d")
    legal_rep = StringField(_l("法定代表人"), validators=[required(_l("请填写法定代表人")), max_length(30)])
    address = StringField(_l("地址"), validators=[required(_l("请填写地址")), max_length(200)])
    business_info = _text(_l("企业经营信息"), 2000)
    scale = _radio(_l("企业规模"), SCALE_LABELS, _l("请选择企业规模"))
    ownership = _radio(_l("企业类型"), OWNERSHIP_LABELS, _l("请选择企业类型"))
    industry = _text(_l("具体行业领域"), 200, _l("请填写具体行业领域"))
    industry_code = _industry_code(_l("所属行业（国民经济行业分类）"))
    sector = _radio(_l("行业分类"), SECTOR_LABELS, _l("请选择行业分类"))
    main_products = _text(_l("主营(核心)产品或服务"), 1000, _l("请填写主营(核心)产品或服务"))
    # 企业标准化管理情况信息
    standardization_body = _radio(_l("标准化管理机构"), BODY_LABELS, _l("请选择标准化管理机构的设置情况"))
    full_time_staff = _count(_l("标准化专职人员（人）"))
    part_time_staff = _count(_l("标准化兼职人员（人）"))
    international_standards = _count(_l("国际标准（项）"))
    national_standards = _count(_l("国家标准（项）"))
    industry_standards = _count(_l("行业标准（项）"))
    local_standards = _count(_l("地方标准（项）"))
    group_standards = _count(_l("团体标准（项）"))
    enterprise_standards = _count(_l("企业标准（项）"))
    management_notes = _text(_l("标准化工作情况"), 2000)
    # 企业标准化需求
    needs = _checkboxes(_l("需求类型"), NEED_LABELS)
    needs_detail = _text(_l("需求描述"), 2000)

    TABS = (
        ("basic", _l("企业基本信息"), ("contact", "phone", "email", "founded_on", "legal_rep", "address",
                                    "business_info", "scale", "ownership", "industry", "industry_code", "sector",
                                    "main_products")),
        ("management", _l("企业标准化管理情况信息"), (
            "standardization_body", "full_time_staff", "part_time_staff", "international_standards",
            "national_standards", "industry_standards", "local_standards", "group_standards",
            "enterprise_standards", "management_notes")),
        ("needs", _l("企业标准化需求"), ("needs", "needs_detail")),
    )

    def validate_industry_code(self, field):
        if field.data and not industries.is_valid_code(field.data):
            raise ValidationError(_l("请选择国民经济行业分类（GB/T 4754）中的小类，如 C3761 自行车制造"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Also checked by the domain; here so that it is shown together with the other errors
        # (an inline validator would never run: the field is optional, and blank stops its chain).
        if "other" in (self.needs.data or []) and not (self.needs_detail.data or "").strip():
            self.needs_detail.errors = [*self.needs_detail.errors, _l("选择“其它”需求时请填写需求描述")]
            return False
        return valid

    def shared(self) -> dict:
        return self.values(profiles.SHARED_FIELDS["enterprise"])

    def profile_fields(self) -> dict:
        return {**self.values(profiles.ENTERPRISE_FIELDS), "needs": list(self.needs.data or [])}


class InstitutionInfoForm(_SharedParticulars):
    institution_type = _radio(_l("机构类型"), INSTITUTION_TYPE_LABELS, _l("请选择机构类型"))
    accreditations = _checkboxes(_l("资质情况"), ACCREDITATION_LABELS)
    staff = _count(_l("技术人员数（人）"), _l("请填写技术人员数"))
    senior_staff = _count(_l("其中高级职称（人）"))
    capabilities = _text(_l("服务能力简介"), 2000, _l("请填写服务能力简介"))
    cases = _text(_l("典型服务案例"), 2000)
    attachments = PdfListField(_l("相关附件"), required=False, max_files=profiles.MAX_ATTACHMENTS)

    def validate_senior_staff(self, field):
        if isinstance(field.data, int) and isinstance(self.staff.data, int) and field.data > self.staff.data:
            raise ValidationError(_l("高级职称人数不能多于技术人员数"))

    def shared(self) -> dict:
        return self.values(profiles.SHARED_FIELDS["institution"])

    def profile_fields(self) -> dict:
        return {**self.values(profiles.INSTITUTION_FIELDS),
                "accreditations": list(self.accreditations.data or [])}


_CHOICE_LABELS = {"scale": SCALE_LABELS, "ownership": OWNERSHIP_LABELS, "sector": SECTOR_LABELS,
                  "standardization_body": BODY_LABELS, "needs": NEED_LABELS,
                  "institution_type": INSTITUTION_TYPE_LABELS, "accreditations": ACCREDITATION_LABELS}


def _shown(name: str, value) -> str:
    if name == "industry_code":
        return industries.label(value or "", english=code_names.english()) or str(_l("未填写"))
    labels = _CHOICE_LABELS.get(name)
    if isinstance(value, list):
        return listing(localized(labels.get(v, v)) if labels else str(v) for v in value).localized()
    if labels:
        return str(localized(labels.get(value, value or "")))
    return "" if value is None else str(value)


def describe(kind: str, profile) -> list[tuple[str, list[tuple[str, str]]]]:
    """The saved 信息填报 as (section title, [(label, text)]) for reading (专项办's 单位管理).

    The particulars kept on the organisation are left out: the page shows them with 用户信息.
    """
    if kind == "enterprise":
        form, sections = EnterpriseInfoForm(), EnterpriseInfoForm.TABS
    else:
        form = InstitutionInfoForm()
        sections = (("info", _l("服务机构信息"), profiles.INSTITUTION_FIELDS),)
    shared = set(profiles.SHARED_FIELDS[kind])
    return [(str(title), [(str(form[name].label.text), _shown(name, getattr(profile, name)))
                          for name in names if name not in shared])
            for _key, title, names in sections]
