"""Validators and fields shared by the forms; every message is Chinese, shown at the field."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import FileField, MultipleFileField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from engine.domain.auth import email_problem
from storage.files import looks_like_pdf, pdf_display_name, safe_display_name
from storage.pdf_check import Problem, pdf_problem

MAX_PDF_BYTES = 20 * 1024 * 1024
PHONE = re.compile(r"^1[3-9]\d{9}$")
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Why an upload that looks like a PDF is still refused (storage.pdf_check parses it).
PDF_PROBLEMS = {
    Problem.MALFORMED: _l("文件不是完整有效的 PDF，无法解析，请重新导出为 PDF 后上传"),
    Problem.ENCRYPTED: _l("PDF 文件设置了打开密码，请上传未加密的文件"),
    Problem.JAVASCRIPT: _l("PDF 文件含有 JavaScript 脚本，请去除脚本（或重新导出为普通 PDF）后上传"),
    Problem.LAUNCH: _l("PDF 文件含有启动外部程序的动作，请去除后上传"),
    Problem.EMBEDDED_FILE: _l("PDF 文件内嵌了其他文件（附件），请去除内嵌文件后上传"),
    Problem.RICH_MEDIA: _l("PDF 文件含有多媒体（Flash 等）内容，请去除后上传"),
    Problem.XFA: _l("PDF 文件是 XFA 动态表单，请另存为普通 PDF 后上传"),
    Problem.TOO_COMPLEX: _l("PDF 文件结构过于复杂（对象过多），请压缩或拆分后上传"),
}


def required(message: str = _l("此项为必填项")):
    return DataRequired(message=message)


def optional():
    return Optional()


def max_length(limit: int):
    return Length(max=limit, message=_l("不能超过 %(limit)s 个字", limit=limit))


def email_address():
    """The rule of ``engine.domain.auth.email_problem`` (注册 and ``duibiao users create`` share it)."""

    def check(form, field):
        problem = email_problem(field.data)
        if problem:
            raise ValidationError(problem)

    return check


def phone_number(form, field):
    if field.data and not PHONE.match(field.data.strip()):
        raise ValidationError(_l("请输入 11 位手机号码"))


def credit_code(form, field):
    """统一社会信用代码 (GB 32100-2015): 18 characters with a check character."""
    value = (field.data or "").strip().upper()
    if not value:
        return
    if not CREDIT_CODE.match(value):
        raise ValidationError(_l("统一社会信用代码应为 18 位数字或大写字母"))
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(value[:17], _CREDIT_WEIGHTS, strict=True))
    if _CREDIT_CHARS[(31 - total % 31) % 31] != value[17]:
        raise ValidationError(_l("统一社会信用代码校验位不正确"))
    field.data = value


def id_card_number(form, field):
    """Resident ID number (GB 11643-1999): 18 characters, date of birth and check digit."""
    value = (field.data or "").strip().upper()
    if not value:
        return
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(_l("身份证号码应为 18 位"))
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationError(_l("身份证号码中的出生日期不正确")) from exc
    total = sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if "10X98765432"[total % 11] != value[17]:
        raise ValidationError(_l("身份证号码校验位不正确"))
    field.data = value


class PdfField(FileField):
    """An uploaded PDF, checked by content (not by name or declared type) and size, and parsed:
    refused unless well-formed and free of JavaScript, launch actions and embedded files.

    After validation ``field.upload`` holds ``(bytes, display_name)`` or None.
    """

    def __init__(self, label=None, validators=None, required: bool = True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.upload = None

    def pre_validate(self, form):
        storage = self.data
        if storage is None or not getattr(storage, "filename", None):
            if self.required:
                raise ValidationError(_l("请上传 PDF 文件"))
            return
        raw_name = storage.filename
        if "/" in raw_name or "\\" in raw_name or raw_name.startswith(".."):
            raise ValidationError(_l("文件名不能包含路径"))
        data = storage.read(MAX_PDF_BYTES + 1)
        if len(data) > MAX_PDF_BYTES:
            raise ValidationError(_l("文件不能超过 20 MB"))
        if not looks_like_pdf(data):
            raise ValidationError(_l("请上传 PDF 格式的文件"))
        problem = pdf_problem(data)
        if problem is not None:
            raise ValidationError(PDF_PROBLEMS[problem])
        self.upload = (data, pdf_display_name(raw_name))


class PdfListField(MultipleFileField):
    """Several uploaded PDFs; after validation ``field.uploads`` is a list of (bytes, name)."""

    def __init__(self, label=None, validators=None, required: bool = True, max_files: int = 10,
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required, self.max_files, self.uploads = required, max_files, []

    def pre_validate(self, form):
        chosen = [s for s in (self.data or []) if getattr(s, "filename", None)]
        if not chosen:
            if self.required:
                raise ValidationError(_l("请上传 PDF 文件"))
            return
        if len(chosen) > self.max_files:
            raise ValidationError(_l("最多上传 %(n)s 个文件", n=self.max_files))
        uploads = []
        for storage in chosen:
            single = PdfField(_form=form, name=self.name, _translations=None)
            single.data = storage
            try:
                single.pre_validate(form)
            except ValidationError as exc:
                name = safe_display_name(storage.filename)
                raise ValidationError(f"{name}：{exc.args[0]}") from exc
            uploads.append(single.upload)
        self.uploads = uploads
