"""忘记密码: asking for a reset (e-mail and the image captcha) and setting the new password (the rules and
messages of 修改密码)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField

from forms.account import ChangePasswordForm
from forms.fields import max_length, required


class ForgotPasswordForm(Form):
    email = StringField(_l("邮箱"), validators=[required(_l("请输入注册时填写的邮箱")), max_length(254)])
    captcha = StringField(_l("验证码"), validators=[required(_l("请输入验证码")), max_length(10)])


class ResetPasswordForm(ChangePasswordForm):
    """新密码 twice, checked as 修改密码 checks them; no 旧密码 (it was forgotten)."""

    old_password = None


class SmsResetPasswordForm(ResetPasswordForm):
    email = StringField(_l("邮箱"), validators=[required(_l("请输入注册时填写的邮箱")), max_length(254)])
    sms_code = StringField(_l("手机验证码"), validators=[required(_l("请输入手机验证码")), max_length(10)])

