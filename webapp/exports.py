"""导出 CSV / 导出 Excel responses of the lists (engine.exports writes them).

A list's view answers ``?export=csv`` or ``?export=xlsx`` with its current filters by calling
``export_response`` instead of rendering its page: the CSV is streamed as it is written, the
Excel file written to a temporary file first (constant memory) and then sent.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, request, stream_with_context

from engine import exports
from webapp import security

FORMATS = ("csv", "xlsx")


def wanted_format() -> str | None:
    """``csv`` or ``xlsx`` when the request asks for an export of the list, else None."""
    value = request.args.get("export")
    return value if value in FORMATS else None


def _disposition(name: str) -> str:
    """An attachment named ``name`` (UTF-8, RFC 6266), with an ASCII fallback."""
    fallback = "export" + name[name.rfind("."):]
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def export_response(kind: str, stem: str, columns: exports.Columns, rows) -> Response:
    """The list's rows (an iterator, read lazily) as a CSV or an Excel download named ``stem``-date."""
    name = exports.filename(stem, kind)
    if kind == "csv":
        response = Response(stream_with_context(exports.csv_chunks(columns, rows)),
                            mimetype="text/csv", headers={"Content-Disposition": _disposition(name)})
    else:
        handle = exports.xlsx_file(columns, rows, stem)
        response = security.send_spreadsheet(handle, name)
    response.headers["Cache-Control"] = "no-store"
    return response
