"""机构服务 → 服务信息: the form an institution fills in for its public profile in 机构名录."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, StringField, TextAreaField, ValidationError

from engine.domain.directory import MAX_FIELDS, MAX_TEXT, ProfileDraft
from forms import industries
from forms.account import contact_phone
from forms.fields import PdfField, email_address, max_length, optional, required

_SEPARATORS = re.compile(r"[\s,，、;；]+")


def field_codes(text: str | None) -> list[str]:
    """The codes typed into 服务领域 (separated by spaces, commas or 、), upper case, each once, in order."""
    codes = [code.upper() for code in _SEPARATORS.split(text or "") if code]
    return list(dict.fromkeys(codes))


def _unix_newlines(value):
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class ServiceProfileForm(Form):
    fields = StringField(_l("服务领域"), validators=[required(_l("请填写至少一个服务领域"))])
    summary = TextAreaField(_l("服务简介"), filters=[_unix_newlines],
                            validators=[required(_l("请填写服务简介")), max_length(MAX_TEXT)])
    qualifications = TextAreaField(_l("资质"), filters=[_unix_newlines], validators=[optional(), max_length(MAX_TEXT)])
    qualification = PdfField(_l("资质证明（PDF，可选）"), required=False)
    remove_qualification = BooleanField(_l("删除现有资质证明"))
    contact = StringField(_l("联系人"), validators=[required(_l("请填写联系人")), max_length(50)])
    phone = StringField(_l("联系电话"), validators=[required(_l("请填写联系电话")), contact_phone])
    email = StringField(_l("邮箱"), validators=[optional(), email_address(), max_length(254)])
    address = StringField(_l("地址"), validators=[optional(), max_length(200)])
    published = BooleanField(_l("公开（在机构名录中展示）"))

    def validate_fields(self, field):
        codes = field_codes(field.data)
        if len(codes) > MAX_FIELDS:
            raise ValidationError(_l("服务领域最多 %(limit)s 个", limit=MAX_FIELDS))
        unknown = [code for code in codes if not industries.is_valid_code(code)]
        if unknown:
            raise ValidationError(_l("不是国民经济行业分类（GB/T 4754）的小类代码：%(codes)s",
                                     codes="、".join(unknown[:5])))

    def draft(self, qualification_file=None) -> ProfileDraft:
        """The validated input for engine.domain.directory.save."""
        return ProfileDraft(field_codes(self.fields.data), self.summary.data, self.qualifications.data,
                            self.contact.data, self.phone.data, self.email.data, self.address.data,
                            bool(self.published.data), qualification_file, bool(self.remove_qualification.data))
