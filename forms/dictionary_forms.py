"""系统管理 → 数据字典: 新增 an entry, 编辑 its name and order."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange

from forms.fields import max_length, required


class EntryEditForm(Form):
    label = StringField(_l("名称"), validators=[required(_l("请填写名称")), max_length(100)])
    position = IntegerField(_l("排序"), invalid_value_message=_l("请填写整数"), validators=[
        InputRequired(_l("请填写排序")), NumberRange(min=1, max=999, message=_l("排序须为 1 到 999 之间的整数"))])


class EntryAddForm(Form):
    code = StringField(_l("编码"), validators=[required(_l("请填写编码")), max_length(40)],
                       description=_l("小写字母、数字和下划线，保存后不能修改"))
    label = StringField(_l("名称"), validators=[required(_l("请填写名称")), max_length(100)])
