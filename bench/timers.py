"""The timer sweep at scale: how long firing 1,000 due timers takes among 11,000 waiting instances.

Run with ``.venv/bin/python bench/timers.py [--waiting 11000] [--due 1000] [--profile]``.

Builds ``--waiting`` instances of the timer demo process (``tests/engine/data/timer_demo.bpmn``: a
7-day timer, then a user task) in bulk: two instances are started through the engine (one 8 days
ago, whose timer is due, one now, whose timer is not), and every other instance is a copy of one of
them (its workflow state, its audit rows) inserted with Core. ``--due`` of them are due. Then times
one ``engine.timers.fire_due`` and counts the statements it sends (a SQLAlchemy
``before_cursor_execute`` listener, so BEGIN/COMMIT/SAVEPOINT sent by the driver itself are not
counted), and checks every due timer fired once and none of the others did.

Set DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://… to run on PostgreSQL (a new database beside
that one, dropped afterwards); SQLite in a temporary file otherwise. Prints figures, exits 0 when
every due timer fired once and the target (< 5 s per 1,000) is met, 1 otherwise.
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

from bench.scratch_db import drop_database, scratch_database  # noqa: E402
from engine import clock, definitions, runtime, timers  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.models import HumanTask, ProcessEvent, ProcessInstance  # noqa: E402

TIMER_BPMN = ROOT / "tests" / "engine" / "data" / "timer_demo.bpmn"
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TARGET_SECONDS = 5.0  # for 1,000 due timers (the target); scaled with --due
CHUNK = 2000


def template(factory, started: datetime) -> tuple[dict, list[dict]]:
    """One instance started through the engine at ``started``: its row and its audit rows."""
    clock.set_now(started)
    try:
        with factory() as session:
            instance = runtime.start_instance(session, "timer_demo", subject="公示")
            session.commit()
            row = dict(session.execute(select(ProcessInstance.__table__).where(
                ProcessInstance.id == instance.id)).mappings().one())
            events = [dict(event) for event in session.execute(select(ProcessEvent.__table__).where(
                ProcessEvent.instance_id == instance.id)).mappings()]
            return row, events
    finally:
        clock.set_now(None)


def fill(factory, waiting: int, due: int) -> None:
    with factory() as session:
        definitions.deploy_documents(session, [("timer_demo.bpmn", TIMER_BPMN.read_bytes())])
        session.commit()
    due_row, due_events = template(factory, NOW - timedelta(days=8))
    later_row, later_events = template(factory, NOW)
    next_id = later_row["id"] + 1
    copies = [(due_row, due_events)] * (due - 1) + [(later_row, later_events)] * (waiting - due - 1)
    for start in range(0, len(copies), CHUNK):
        rows, events = [], []
        for offset, (row, audit) in enumerate(copies[start:start + CHUNK]):
            number = next_id + start + offset
            rows.append({**row, "id": number, "subject": f"公示 {number}"})
            events += [{**item, "id": None, "instance_id": number} for item in audit]
        for item in events:
            item.pop("id")
        with factory() as session:
            session.execute(insert(ProcessInstance.__table__), rows)
            session.execute(insert(ProcessEvent.__table__), events)
            session.commit()
    with factory.kw["bind"].begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT setval(pg_get_serial_sequence('process_instance', 'id'), "
                                    "(SELECT max(id) FROM process_instance))"))
            connection.execute(text("ANALYZE"))


def shape(sql: str) -> str:
    """A statement without its parameter list: what kind of statement it is."""
    words = re.sub(r"\s+", " ", sql).strip().split(" ")
    verb = words[0].upper()
    table = next((word for word in words[1:8] if word.strip('"').startswith(
        ("process_", "human_", "organization", "plan", "message", "outbox"))), "")
    return f"{verb} {table.strip(chr(34))}".strip()


def sweep(factory, profile: bool) -> tuple[int, float, list[str], collections.Counter]:
    """One ``fire_due``: timers fired, seconds, the statements sent, and the other round trips
    (transactions begun and ended, and on PostgreSQL a ping per pool checkout)."""
    engine = factory.kw["bind"]
    statements: list[str] = []
    others: collections.Counter = collections.Counter()

    def count(_conn, _cursor, statement, parameters, _context, executemany):
        statements.append(statement)

    def counter(kind: str):
        return lambda *_args: others.update([kind])

    listeners = [(engine, "before_cursor_execute", count), (engine, "commit", counter("COMMIT")),
                 (engine, "rollback", counter("ROLLBACK")), (engine.pool, "checkout", counter("checkout"))]
    if engine.dialect.name == "postgresql":
        listeners.append((engine, "begin", counter("BEGIN")))  # SQLite's BEGIN IMMEDIATE is a statement
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    profiler = cProfile.Profile() if profile else None
    try:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        fired = timers.fire_due(factory, NOW)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"(engine|storage)/", 25)
    if engine.dialect.name == "postgresql" and engine.pool._pre_ping:
        others["ping"] = others["checkout"]
    del others["checkout"]
    return fired, seconds, statements, others


def check(factory, due: int) -> list[str]:
    """What is wrong: every due instance has one timer event and one open task, the rest none."""
    with factory() as session:
        timer_events = session.execute(select(ProcessEvent.instance_id, func.count()).where(
            ProcessEvent.kind == "timer").group_by(ProcessEvent.instance_id)).all()
        open_tasks = session.scalar(select(func.count(HumanTask.id)).where(HumanTask.state == "ready"))
        still_due = timers.overdue(session, NOW)[0]
    problems = []
    if len(timer_events) != due or any(n != 1 for _, n in timer_events):
        problems.append(f"{len(timer_events)} instances have timer events (expected {due}, one each)")
    if open_tasks != due:
        problems.append(f"{open_tasks} open tasks (expected {due})")
    if still_due:
        problems.append(f"{still_due} timers still due after the sweep")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=11_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--profile", action="store_true", help="also print the top functions (cProfile)")
    options = parser.parse_args()
    url = os.environ.get("DUIBIAO_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        bench_url = scratch_database(url, "bench_timers") if url else f"sqlite:///{folder}/bench.db"
        engine = make_engine(bench_url)
        try:
            migrate.upgrade(engine)
            factory = make_session_factory(engine)
            started = time.perf_counter()
            fill(factory, options.waiting, options.due)
            print(f"{engine.dialect.name}: {options.waiting} waiting instances, {options.due} due, "
                  f"filled in {time.perf_counter() - started:.1f} s; load {os.getloadavg()[0]:.2f}")
            fired, seconds, statements, others = sweep(factory, options.profile)
            problems = check(factory, options.due)
        finally:
            engine.dispose()
            if url:
                drop_database(url, bench_url)
    per = max(fired, 1)
    print(f"fired {fired} in {seconds:.2f} s: {seconds / per * 1000:.1f} ms and "
          f"{len(statements) / per:.1f} statements per timer ({len(statements)} in all)")
    trips = len(statements) + sum(others.values())
    print(f"round trips: {trips / per:.2f} per timer (statements, and {dict(others)})")
    longest = max(statements, key=len, default="")
    print(f"longest statement: {len(longest)} characters")
    for kind, number in collections.Counter(map(shape, statements)).most_common(12):
        print(f"  {number / per:6.2f} per timer  {kind}")
    for problem in problems:
        print(f"WRONG: {problem}")
    target = TARGET_SECONDS * options.due / 1000
    met = not problems and seconds < target
    print(f"{'PASS' if met else 'FAIL'} timers: {options.due} due among {options.waiting} waiting fired in "
          f"{seconds:.2f} s (target < {target:.1f} s)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
