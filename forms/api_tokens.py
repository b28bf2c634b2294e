"""用户中心 → API 令牌: the form that creates a token (a name and how long it is valid)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from engine.domain.api_tokens import LIFETIME_DAYS
from forms.fields import max_length


class NewApiTokenForm(Form):
    name = StringField(_l("令牌名称"), validators=[DataRequired(_l("请填写令牌名称")), max_length(100)],
                       description=_l("用于区分不同的系统或用途，例如“ERP 对接”"))
    days = SelectField(_l("有效期"), coerce=int, default=90,
                       choices=[SelectChoice(days, _l("%(days)s 天", days=days)) for days in LIFETIME_DAYS])
