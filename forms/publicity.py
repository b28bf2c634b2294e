"""修订意见: filing a comment during 公示, and the office's 修订意见处理."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput

from forms.fields import PdfField, max_length, required

RESOLUTION_CHOICES = [SelectChoice("adopt", _l("采纳")), SelectChoice("dismiss", _l("不采纳"))]


COMMENT_MAX = 2000  # characters of one 修订意见


class CommentForm(Form):
    text = TextAreaField(_l("修订意见"), validators=[required(_l("请填写修订意见")), max_length(COMMENT_MAX)])
    attachment = PdfField(_l("附件（PDF，可选）"), required=False)
    text_limit = COMMENT_MAX


class CommentResolutionForm(Form):
    # An integer, as the rows it is prefilled with (and as the API's schema says).
    comment_id = IntegerField(_l("意见编号"), widget=HiddenInput(),
                              validators=[InputRequired(_l("缺少意见编号"))],
                              invalid_value_message=_l("意见编号应为整数"))
    text = StringField(_l("修订意见"), render_kw={"readonly": True})  # shown, never stored
    resolution = RadioField(_l("处理结果"), choices=RESOLUTION_CHOICES,
                            validators=[required(_l("请选择采纳或不采纳"))],
                            invalid_choice_message=_l("请选择采纳或不采纳"))
    reply = TextAreaField(_l("答复"), validators=[required(_l("请填写答复")), max_length(1000)])


class ResolveCommentsForm(Form):
    resolutions = FieldList(FormField(CommentResolutionForm), label=_l("修订意见"), min_entries=0,
                            max_entries=500)

    def rows(self) -> list[dict]:
        return [{"comment_id": entry.form.comment_id.data, "resolution": entry.form.resolution.data,
                 "reply": entry.form.reply.data.strip()} for entry in self.resolutions.entries]
