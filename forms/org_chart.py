"""组织架构 in 内容管理: a box of the tree, and the chart's picture (PNG / JPEG, checked by content)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FileField, Form, SelectField, StringField, TextAreaField, ValidationError

from engine.domain.org_chart import MAX_DUTY, MAX_NAME
from forms.fields import max_length, optional, required
from storage.files import safe_display_name
from storage.image_check import MAX_IMAGE_BYTES, ImageProblem, image_type

ROOT = ""  # the parent choice "（顶层）"
IMAGE_PROBLEMS = {
    ImageProblem.TOO_LARGE: _l("图片不能超过 5 MB"),
    ImageProblem.NOT_AN_IMAGE: _l("请上传 PNG 或 JPEG 格式的图片"),
    ImageProblem.MALFORMED: _l("图片文件已损坏或不完整，请重新导出后上传"),
    ImageProblem.TOO_MANY_PIXELS: _l("图片尺寸过大，请缩小后上传（不超过 4000 万像素）"),
}


def _parent_id(value):
    """The posted parent: None for the top level, an id, or the text as posted (refused by the choices)."""
    if value in (None, ROOT):
        return None
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 else value


class NodeForm(Form):
    parent_id = SelectField(_l("上级"), coerce=_parent_id, validate_choice=True,
                            invalid_choice_message=_l("请选择上级"))
    name = StringField(_l("名称"), validators=[required(_l("请填写名称")), max_length(MAX_NAME)])
    duty = TextAreaField(_l("职责"), validators=[optional(), max_length(MAX_DUTY)])

    def set_parents(self, nodes, excluded: set[int] = frozenset()) -> None:
        """The parent choices: the top level, then every box (indented by level) but ``excluded``."""
        self.parent_id.choices = [(ROOT, _l("（顶层）"))] + [
            (node.id, "　" * (node.depth - 1) + node.name) for node in nodes if node.id not in excluded]


class ImageField(FileField):
    """An uploaded PNG or JPEG; after validation ``upload`` is (bytes, display name, content type)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.upload = None

    def pre_validate(self, form):
        storage = self.data
        if storage is None or not getattr(storage, "filename", None):
            raise ValidationError(_l("请选择要上传的图片"))
        data = storage.read(MAX_IMAGE_BYTES + 1)
        found = image_type(data)
        if isinstance(found, ImageProblem):
            raise ValidationError(IMAGE_PROBLEMS[found])
        extension = ".png" if found == "image/png" else ".jpg"
        self.upload = (data, safe_display_name(storage.filename, "chart" + extension), found)


class ChartImageForm(Form):
    image = ImageField(_l("组织架构图（PNG / JPEG，不超过 5 MB）"))
