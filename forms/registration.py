"""注册 and 注册审核 forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import (
    Form,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo
from wtforms.widgets import TextInput

from engine.domain.auth import password_problem
from forms import code_names, regions
from forms.fields import (
    PdfField,
    credit_code,
    email_address,
    max_length,
    optional,
    phone_number,
    required,
)

USER_TYPE_CHOICES = [SelectChoice("institution", _l("机构用户（第三方技术机构）")),
                     SelectChoice("enterprise", _l("企业用户"))]
DECISION_CHOICES = [SelectChoice("approve", _l("通过")), SelectChoice("return", _l("退回修改")),
                    SelectChoice("reject", _l("不予通过"))]


class RegionMixin:
    province_code = SelectField(_l("所在地（省）"), validators=[required(_l("请选择所在省份"))],
                                validate_choice=False)
    city_code = SelectField(_l("所在地（市）"), validators=[required(_l("请选择所在城市"))],
                            validate_choice=False)

    def fill_region_choices(self):
        english = code_names.english()
        self.province_code.choices = [SelectChoice("", _l("请选择省份"))] + [
            SelectChoice(p["code"], p["name"]) for p in regions.provinces(english=english)
        ]
        self.city_code.choices = [SelectChoice("", _l("请选择城市"))] + [
            SelectChoice(c["code"], c["name"]) for c in regions.cities(self.province_code.data or "", english=english)
        ]

    def validate_city_code(self, field):
        if field.data and not regions.is_valid(self.province_code.data or "", field.data):
            raise ValidationError(_l("所选城市不属于所选省份"))


class OrganizationDetailsMixin(RegionMixin):
    name = StringField(_l("单位名称"), validators=[required(_l("请填写单位名称")), max_length(100)])
    contact = StringField(_l("联系人"), validators=[required(_l("请填写联系人")), max_length(30)])
    phone = StringField(_l("手机号"), validators=[required(_l("请填写手机号")), phone_number])

    def organization_fields(self) -> dict:
        return {
            "province_code": self.province_code.data, "city_code": self.city_code.data,
            "name": self.name.data.strip(), "contact": self.contact.data.strip(),
            "phone": self.phone.data.strip(),
        }


class RegisterForm(OrganizationDetailsMixin, Form):
    user_type = RadioField(_l("用户类型"), choices=USER_TYPE_CHOICES,
                           validators=[required(_l("请选择用户类型"))],
                           invalid_choice_message=_l("请选择机构用户或企业用户"))
    email = StringField(_l("用户名（邮箱）"), validators=[required(_l("请填写邮箱作为用户名")),
                                                 email_address(), max_length(254)])
    password = PasswordField(_l("登录密码"), validators=[required(_l("请设置登录密码"))])
    password_confirm = PasswordField(_l("确认密码"), validators=[
        required(_l("请再次输入密码")), EqualTo("password", message=_l("两次输入的密码不一致"))])
    business_license = PdfField(_l("营业执照（PDF）"))
    qualification = PdfField(_l("资质文件（PDF）"), required=False)
    sms_code = StringField(_l("手机验证码"), validators=[required(_l("请填写手机验证码")), max_length(6)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fill_region_choices()

    def validate_password(self, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_qualification(self, field):
        if self.user_type.data == "institution" and field.upload is None:
            raise ValidationError(_l("机构用户须上传资质文件"))

    def documents(self) -> dict:
        uploads = {"business_license": self.business_license.upload}
        if self.user_type.data == "institution":
            uploads["qualification"] = self.qualification.upload
        return {k: v for k, v in uploads.items() if v}


SMS_CODE_URL = "/register/sms-code"  # webapp.register.sms_code: the one SMS interface
_SMS_SCRIPT = Markup("""<script>(function () {
  document.querySelectorAll('[data-sms-button]').forEach(function (button) {
    if (button.dataset.bound) return;
    button.dataset.bound = '1';
    var form = button.closest('form'), status = button.nextElementSibling, label = button.textContent;
    function countdown(left) {
      button.disabled = true;
      button.textContent = left + ' ' + button.dataset.wait;
      var timer = setInterval(function () {
        left -= 1;
        if (left <= 0) { clearInterval(timer); button.disabled = false; button.textContent = label; return; }
        button.textContent = left + ' ' + button.dataset.wait;
      }, 1000);
    }
    button.addEventListener('click', function () {
      var body = new FormData();
      body.append('phone', form.querySelector('input[name="phone"]').value);
      var token = form.querySelector('input[name="csrf_token"]');
      if (token) body.append('csrf_token', token.value);
      button.disabled = true;
      fetch(button.dataset.url, {method: 'POST', body: body, credentials: 'same-origin'})
        .then(function (response) { return response.json(); })
        .then(function (result) {
          status.textContent = result.message;
          status.className = 'form-text ' + (result.ok ? 'text-success' : 'text-danger');
          if (result.retry_after) countdown(result.retry_after); else button.disabled = false;
        })
        .catch(function () { status.textContent = button.dataset.failed; button.disabled = false; });
    });
  });
})();</script>""")


class SmsCodeInput(TextInput):
    """The 手机验证码 box with 获取验证码 beside it, for forms the generic task page shows: the
    button sends the form's 手机号 to the same SMS interface as 注册."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("autocomplete", "one-time-code")
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("maxlength", 6)
        button = Markup(
            '<button type="button" class="btn btn-outline-primary btn-sm mt-2" data-sms-button '
            'data-url="{}" data-wait="{}" data-failed="{}">{}</button>'
            '<div class="form-text" data-sms-status role="status"></div>'
        ).format(SMS_CODE_URL, _l("秒后重新获取"), _l("发送失败，请稍后重试"), _l("获取验证码"))
        return super().__call__(field, **kwargs) + button + _SMS_SCRIPT


class CorrectRegistrationForm(OrganizationDetailsMixin, Form):
    """The applicant's correction after a return; files left empty keep the earlier ones. A new
    手机号 is verified with a 手机验证码 as at registration (checked by registration.resubmit)."""

    business_license = PdfField(_l("营业执照（PDF，不上传则沿用原文件）"), required=False)
    qualification = PdfField(_l("资质文件（PDF，不上传则沿用原文件）"), required=False)
    sms_code = StringField(_l("手机验证码（更换手机号时必填）"), validators=[optional(), max_length(6)],
                           widget=SmsCodeInput())
    credit_code = StringField(_l("统一社会信用代码"), validators=[
        required(_l("请填写统一社会信用代码")), credit_code])

    # A returned 信息变更 is corrected in what was vetted; 所在地, 联系人 and 手机号 are kept in 用户信息.
    NOT_IN_A_CHANGE = ("province_code", "city_code", "contact", "phone", "sms_code")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fill_region_choices()

    def shape_for(self, kind: str, organization_kind: str) -> None:
        """Keep the fields of this correction: a registration's or a change's, and 资质文件 for institutions."""
        dropped = self.NOT_IN_A_CHANGE if kind == "change" else ("credit_code",)
        if organization_kind != "institution":
            dropped = (*dropped, "qualification")
        for name in dropped:
            del self[name]

    def organization_fields(self) -> dict:
        if "phone" in self:
            return super().organization_fields()
        return {"name": self.name.data.strip(), "credit_code": self.credit_code.data}

    def documents(self) -> dict:
        uploads = {kind: self[kind].upload for kind in ("business_license", "qualification") if kind in self}
        return {k: v for k, v in uploads.items() if v}


class DecisionForm(Form):
    """Every review: 通过, 退回修改 or 不予通过; a reason is required unless approving."""

    decision = RadioField(_l("审核结论"), choices=DECISION_CHOICES,
                          validators=[required(_l("请选择审核结论"))],
                          invalid_choice_message=_l("请选择通过、退回修改或不予通过"))
    reason = TextAreaField(_l("审核意见"), validators=[max_length(1000)])

    def validate_reason(self, field):
        if self.decision.data in ("return", "reject") and not (field.data or "").strip():
            raise ValidationError(_l("退回修改或不予通过时须填写原因"))


class VetRegistrationForm(DecisionForm):
    pass
