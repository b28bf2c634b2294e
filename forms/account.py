"""登录, 修改密码 and 用户信息 forms."""
from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, PasswordField, StringField, ValidationError
from wtforms.validators import EqualTo

from engine import clock
from engine.domain.auth import password_problem
from forms.fields import (
    PdfField,
    credit_code,
    id_card_number,
    max_length,
    optional,
    required,
)
from forms.registration import OrganizationDetailsMixin


class LoginForm(Form):
    email = StringField(_l("用户名"), validators=[required(_l("请输入用户名")), max_length(254)])
    password = PasswordField(_l("密码"), validators=[required(_l("请输入密码")), max_length(128)])
    captcha = StringField(_l("验证码"), validators=[required(_l("请输入验证码")), max_length(10)])


class ChangePasswordForm(Form):
    old_password = PasswordField(_l("旧密码"), validators=[required(_l("请输入旧密码"))])
    new_password = PasswordField(_l("新密码"), validators=[required(_l("请输入新密码"))])
    confirm_password = PasswordField(_l("确认新密码"), validators=[
        required(_l("请再次输入新密码")), EqualTo("new_password", message=_l("两次输入的新密码不一致"))])

    def validate_new_password(self, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


MOBILE = re.compile(r"^1[3-9]\d{9}$")
# 固定电话: area code (010, 0755 …), a hyphen or not, a 7- or 8-digit number, an optional extension.
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TOP_LEVEL = re.compile(r"^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def contact_phone(form, field):
    """联系电话: an 11-digit mobile number or a landline such as 010-12345678 (not for SMS)."""
    value = (field.data or "").strip().replace(" ", "")
    if not value:
        return
    if not (MOBILE.match(value) or LANDLINE.match(value)):
        raise ValidationError(_l("请输入 11 位手机号码或固定电话（如 010-12345678）"))
    field.data = value


def _valid_host(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return (len(labels) >= 2 and len(ascii_host) <= 253 and all(_HOST_LABEL.match(x) for x in labels)
            and bool(_TOP_LEVEL.match(labels[-1])))


def web_address(value: str) -> str | None:
    """``value`` as an http(s) address (http:// added to a bare host), or None when it is not one."""
    value = (value or "").strip()
    if not value or any(c.isspace() or ord(c) < 32 for c in value):
        return None
    if not re.match(r"^https?://", value, re.IGNORECASE):
        if "://" in value:
            return None
        value = "http://" + value
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if "@" in parts.netloc or not parts.hostname or (port is not None and not 0 < port < 65536):
        return None
    return value if _valid_host(parts.hostname) else None


def _website(form, field):
    if not (field.data or "").strip():
        return
    address = web_address(field.data)
    if address is None:
        raise ValidationError(_l("请输入有效的网址，如 https://www.example.com"))
    field.data = address


def _not_in_future(form, field):
    if field.data and field.data > clock.to_china(clock.now()).date():
        raise ValidationError(_l("成立时间不能晚于今天"))


class ProfileForm(OrganizationDetailsMixin, Form):
    """用户信息: the registration fields plus the organisation's particulars."""

    phone = StringField(_l("联系电话"), validators=[required(_l("请填写联系电话")), contact_phone])
    business_license = PdfField(_l("营业执照（PDF，更换需专项办审核）"), required=False)

    credit_code = StringField(_l("统一社会信用代码"), validators=[
        required(_l("请填写统一社会信用代码")), credit_code])
    founded_on = DateField(_l("成立时间"), validators=[required(_l("请填写成立时间，格式如 2023-02-01")),
                                                   _not_in_future], format="%Y-%m-%d")
    address = StringField(_l("注册地址"), validators=[required(_l("请填写注册地址")), max_length(200)])
    website = StringField(_l("网址"), validators=[optional(), max_length(200), _website])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fill_region_choices()

    def documents(self) -> dict:
        uploads = {"business_license": self.business_license.upload}
        if hasattr(self, "qualification"):
            uploads["qualification"] = self.qualification.upload
        return {k: v for k, v in uploads.items() if v}

    def profile_fields(self) -> dict:
        return {
            **self.organization_fields(),
            "credit_code": self.credit_code.data, "founded_on": self.founded_on.data,
            "address": self.address.data.strip(), "website": (self.website.data or "").strip() or None,
        }


class InstitutionProfileForm(ProfileForm):
    qualification = PdfField(_l("资质文件（PDF，更换需专项办审核）"), required=False)
    service_field = StringField(_l("开展服务的领域"), validators=[
        required(_l("请填写开展服务的领域（国民经济行业分类代码）")), max_length(10)])

    def validate_service_field(self, field):
        from forms.industries import is_valid_code

        if field.data and not is_valid_code(field.data.strip().upper()):
            raise ValidationError(_l("请选择国民经济行业分类（GB/T 4754）中的代码"))
        field.data = (field.data or "").strip().upper()

    def profile_fields(self) -> dict:
        return {**super().profile_fields(), "service_field": self.service_field.data}


class EnterpriseProfileForm(ProfileForm):
    legal_rep = StringField(_l("法人代表"), validators=[optional(), max_length(30)])
    legal_rep_id_number = StringField(_l("法人代表身份证号码"), validators=[optional(), id_card_number])

    def profile_fields(self) -> dict:
        return {**super().profile_fields(), "legal_rep": (self.legal_rep.data or "").strip() or None,
                "legal_rep_id_number": self.legal_rep_id_number.data or None}
