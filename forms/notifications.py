"""消息设置: which e-mails a user receives."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form


class NotificationSettingsForm(Form):
    new_task = BooleanField(_l("新待办"), description=_l("有工作等待本单位办理时发送邮件"))
    daily_digest = BooleanField(_l("每日汇总"), description=_l("每天汇总等待较久的待办，发送一封邮件"))
    outcomes = BooleanField(_l("办理结果"), description=_l("本单位的申请、方案等有办理结果时发送邮件"))
