"""Error pages in Chinese."""
from __future__ import annotations

import logging
import threading

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.domain.certificate_pdf import CertificateFontMissing
from webapp.i18n import localized

log = logging.getLogger(__name__)

MESSAGES = {
    400: _l("请求有误"), 401: _l("请先登录"), 403: _l("您无权访问该页面"), 404: _l("页面不存在"),
    405: _l("不支持该操作"), 413: _l("上传的文件过大（每个文件不超过 20 MB）"), 422: _l("提交的内容有误"),
    429: _l("操作过于频繁，请稍后再试"), 500: _l("服务器出错，请稍后再试"),
}
UNKNOWN = _l("错误")


def init_app(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, _handler)
    app.register_error_handler(CertificateFontMissing, _font_missing)


def message_for(code: int) -> str:
    """The page's message in the request's language (a str, ready for JSON)."""
    return str(MESSAGES.get(code, UNKNOWN))


def _handler(error):
    code = getattr(error, "code", 500) or 500
    if request.path.startswith("/api/"):
        description = getattr(error, "description", None)
        # abort(code, _("…")) in the API carries its own (already translated) message; Werkzeug's
        # English default (the class attribute) does not. Not "non-ASCII": a translation may be ASCII.
        custom = description if description and description != getattr(type(error), "description", None) else None
        return jsonify({"error": localized(custom) if custom else message_for(code)}), code
    return render_template("errors/error.html", code=code, message=message_for(code)), code


_fonts_reported: set[str] = set()
_report_lock = threading.Lock()


def _font_missing(error: CertificateFontMissing):
    """A certificate needs the CJK font and it is not installed: say what to install (503), log it once."""
    with _report_lock:
        first = error.path not in _fonts_reported
        _fonts_reported.add(error.path)
    if first:
        log.error("%s (reported once per process; `duibiao doctor` checks the installation)", error)
    # The page is public: it names the package, not the server's file path (the log has that).
    message = _("证书字体未安装：请管理员安装 fonts-wqy-zenhei 或设置 DUIBIAO_CERTIFICATE_FONT 指向 TrueType 中文字体")
    return render_template("errors/error.html", code=503, message=message), 503
