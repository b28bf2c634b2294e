"""单位成员 and 系统管理 → 账号管理 forms: 邀请成员, 修改权限, 接受邀请."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, PasswordField, SelectMultipleField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo
from wtforms.widgets import CheckboxInput, ListWidget

from engine.domain.auth import password_problem
from forms.fields import email_address, max_length, required

RIGHT_CHOICES = [SelectChoice("submit", _l("提交和修改")), SelectChoice("review", _l("办理评审")),
                 SelectChoice("admin", _l("管理"))]
ROLE_CHOICES = [SelectChoice("office", _l("办公室工作人员")), SelectChoice("designer", _l("流程设计人员")),
                SelectChoice("operator", _l("运维人员"))]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        known = {choice.value for choice in self.choices or []}
        if any(value not in known for value in self.data or []):
            raise ValidationError(_l("选项无效"))


class RightsForm(Form):
    rights = CheckboxesField(_l("权限"), choices=RIGHT_CHOICES,
                             description=_l("所有成员都可查看本单位的业务；勾选的权限另可办理相应事项"))


class StaffRightsForm(Form):
    """The office's people act as their roles say; the one right to grant is 管理 (系统管理)."""

    rights = CheckboxesField(_l("权限"), choices=[SelectChoice("admin", _l("管理"))],
                             description=_l("管理：可进入“系统管理”邀请、停用账号和修改角色"))
    roles = CheckboxesField(_l("角色"), choices=ROLE_CHOICES)

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("请至少选择一个角色"))


class InviteForm(RightsForm):
    email = StringField(_l("邮箱"), validators=[required(_l("请输入邮箱")), max_length(254), email_address()])


class StaffInviteForm(StaffRightsForm):
    email = StringField(_l("邮箱"), validators=[required(_l("请输入邮箱")), max_length(254), email_address()])


class AcceptInvitationForm(Form):
    full_name = StringField(_l("姓名"), validators=[required(_l("请填写姓名")), max_length(50)])
    password = PasswordField(_l("密码"), validators=[required(_l("请输入密码"))])
    password_confirm = PasswordField(_l("确认密码"), validators=[
        required(_l("请再次输入密码")), EqualTo("password", message=_l("两次输入的密码不一致"))])

    def validate_password(self, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)
