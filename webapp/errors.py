"""Error pages in Chinese."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request

MESSAGES = {
    400: "请求有误", 401: "请先登录", 403: "您无权访问该页面", 404: "页面不存在",
    405: "不支持该操作", 413: "上传的文件过大（每个文件不超过 20 MB）", 422: "提交的内容有误",
    429: "操作过于频繁，请稍后再试", 500: "服务器出错，请稍后再试",
}


def init_app(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, _handler)


def _handler(error):
    code = getattr(error, "code", 500) or 500
    if request.path.startswith("/api/"):
        description = getattr(error, "description", "")
        # abort(code, "中文说明") in the API carries its own message.
        custom = description if description and not description.isascii() else None
        return jsonify({"error": custom or MESSAGES.get(code, "错误")}), code
    return render_template("errors/error.html", code=code, message=MESSAGES.get(code, "错误")), code
