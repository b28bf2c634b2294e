"""导出 CSV / 导出 Excel of a list: rows read in batches (a server-side cursor on PostgreSQL) and
written as they come, so that 100k rows take no more memory than a few hundred.

A list's export is its ``columns``: (header, getter) pairs, the getter turning one row into a cell.
CSV starts with a UTF-8 byte order mark (Excel opens it as UTF-8 then); a cell that a spreadsheet
would read as a formula (starting with ``= + - @``, or a tab / carriage return) is written with a
leading ``'`` (CSV injection). Excel files are written by XlsxWriter in ``constant_memory`` mode
(each row flushed to disk when the next starts) into a temporary file, which is then sent.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime

import xlsxwriter
from sqlalchemy.orm import Session

from engine import clock

BATCH = 500  # rows fetched from the database at a time
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

Columns = Sequence[tuple[str, Callable[[object], object]]]


def streamed(session: Session, statement, batch: int = BATCH) -> Iterator:
    """The rows of ``statement`` (ORM entities, or tuples for a multi-column SELECT), fetched ``batch``
    at a time through a server-side cursor (``yield_per``), never all at once.

    A streamed response reads them after its view has returned (and its request's session was ended):
    the read-only transaction is ended here once the rows are read, or the download broken off."""
    try:
        result = session.execute(statement.execution_options(yield_per=batch))
        single = len(result.keys()) == 1
        for row in result:
            yield row[0] if single else row
    finally:
        session.rollback()


def cell(value) -> object:
    """A value as a cell: times in China time, numbers as numbers, anything else as text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return clock.to_china(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return str(value)


def guarded(value) -> object:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a leading ``'``.
    (The Excel file writes every text as a string, never a formula.)"""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def csv_chunks(columns: Columns, rows: Iterable) -> Iterator[str]:
    """The CSV text, a BOM and the header first, then about ``BATCH`` rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([header for header, _ in columns])
    for count, row in enumerate(rows, 1):
        writer.writerow([guarded(cell(getter(row))) for _, getter in columns])
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(columns: Columns, rows: Iterable, sheet: str = "Sheet1"):
    """A temporary file (open, at its start; deleted when closed) holding the rows as an Excel workbook."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    for number, (header, _) in enumerate(columns):
        worksheet.write_string(0, number, header, bold)
        worksheet.set_column(number, number, max(10, min(40, len(header) * 3)))
    for row_number, row in enumerate(rows, 1):
        for number, (_, getter) in enumerate(columns):
            value = cell(getter(row))
            if isinstance(value, int | float):
                worksheet.write_number(row_number, number, value)
            else:
                worksheet.write_string(row_number, number, value)
    workbook.close()
    handle.seek(0)
    return handle


def filename(stem: str, extension: str) -> str:
    """``<stem>-<China date>.<extension>``, e.g. 待办-2026-12-06.xlsx."""
    return f"{stem}-{clock.to_china(clock.now()).date().isoformat()}.{extension}"
