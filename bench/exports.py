"""导出 CSV / 导出 Excel of 100k rows: time and peak memory, PASS/FAIL against issue 17's target.

Run with ``DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/exports.py`` (a scratch
database beside it, bench/scratch_db.py; without it, a SQLite file). The scratch database is filled by
bench/console_list.py's ``fill`` (instances with one task each); then every task with its instance (the
待办 export's columns: number, title, subject, process, stage, arrival) is written as CSV and as Excel by
engine.exports, as the views do (rows fetched 500 at a time through a server-side cursor). Memory is the
growth of the process's peak RSS, and with ``--trace`` the peak of Python's allocations (tracemalloc).
Target: growth < 100 MB for 100k rows, each format. Prints figures, always exits 0; it is not a test.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from bench.console_list import fill  # noqa: E402
from bench.scratch_db import drop_database, scratch_database  # noqa: E402
from engine import exports, list_filters  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.models import HumanTask  # noqa: E402

TARGET_MB = 100
COLUMNS = [("任务编号", lambda t: t.id), ("事项", lambda t: t.title), ("申请单位 / 主题", lambda t: t.subject),
           ("流程", lambda t: t.process_key), ("当前状态", lambda t: t.stage_label),
           ("到达时间", lambda t: t.created_at)]


def statement():
    """Every task, as 待办's export reads its rows (engine.list_filters.task_rows), newest first."""
    return list_filters.task_rows(select(HumanTask)).order_by(HumanTask.created_at.desc(), HumanTask.id.desc())


def _status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def reset_peak_rss() -> float:
    """Start the peak RSS afresh (Linux: 5 → /proc/self/clear_refs resets VmHWM); the RSS now, MB. Filling
    the database raised the peak far above what an export needs: without the reset it would hide it."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    return _status_mb("VmHWM")


def measure(label: str, write, trace: bool) -> tuple[float, float]:
    """(seconds, peak memory growth MB) of ``write()``: the process's peak RSS over its peak before, and
    with ``trace`` Python's own allocations too (tracemalloc: several times slower)."""
    rss_before = reset_peak_rss()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    size = write()
    seconds = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024 if trace else 0.0
    tracemalloc.stop()
    rss = peak_rss_mb() - rss_before
    shown = f"{traced:10.1f} MB" if trace else f"{'-':>13}"
    print(f"{label:6} {seconds:8.1f} s {rss:10.1f} MB {shown} {size / 1024 / 1024:9.1f} MB")
    return seconds, max(rss, traced)


def write_csv(factory) -> int:
    with factory() as session:
        return sum(len(chunk.encode()) for chunk in exports.csv_chunks(COLUMNS, exports.streamed(session, statement())))


def write_xlsx(factory) -> int:
    with factory() as session:
        handle = exports.xlsx_file(COLUMNS, exports.streamed(session, statement()), "待办")
        with handle:
            return handle.seek(0, os.SEEK_END)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--trace", action="store_true", help="also trace Python's allocations (slower)")
    options = parser.parse_args()
    url = os.environ.get("DUIBIAO_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        bench_url = scratch_database(url, "bench_exports") if url else f"sqlite:///{folder}/bench.db"
        engine = make_engine(bench_url)
        try:
            migrate.upgrade(engine)
            factory = make_session_factory(engine)
            fill(factory, options.rows)
            if engine.dialect.name == "postgresql":
                with engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
            print(f"{engine.dialect.name}: {options.rows} rows ({date.today().isoformat()})")
            print(f"{'format':6} {'time':>10} {'rss growth':>13} {'py peak':>13} {'file':>12}")
            results = [measure("csv", lambda: write_csv(factory), options.trace),
                       measure("xlsx", lambda: write_xlsx(factory), options.trace)]
        finally:
            engine.dispose()
            if url:
                drop_database(url, bench_url)
    worst = max(growth for _, growth in results)
    verdict = "PASS" if worst < TARGET_MB else "FAIL"
    print(f"{verdict}: peak memory growth {worst:.1f} MB for {options.rows} rows (target < {TARGET_MB} MB)")


if __name__ == "__main__":
    main()
