"""The audit chain's cost: hashing one event on the write path, ``duibiao audit verify`` and
``duibiao backup`` / ``restore`` over a large trail.

`.venv/bin/python bench/audit_chain.py [--instances 10000] [--events 10]` fills a temporary SQLite
database (built by the migrations) with instances and their chained ``process_event`` rows (like a
registration's: started, decisions with summaries and reasons, completed), then times
``storage.event_chain.link`` per event (what each engine step adds), ``engine.audit_chain.verify`` over
everything, and a backup plus a restore into a second database. ``DUIBIAO_BENCH_DATABASE_URL=
postgresql+psycopg://…`` runs it on scratch PostgreSQL databases beside the given one (dropped afterwards).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch_db import drop_database, scratch_database  # noqa: E402
from engine import audit_chain  # noqa: E402
from storage import backup, event_chain, migrate  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.models import ProcessDefinition, ProcessEvent, ProcessInstance  # noqa: E402

START = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)


def _events(instance_id: int, count: int) -> list[dict]:
    moment = START + timedelta(minutes=instance_id)
    rows = [{"kind": "started", "task_name": None, "summary": {"key": "registration_vetting", "version": 1},
             "human_task_id": None, "title": None, "decision": None, "reason": None}]
    decision = {"decision": "return", "reason": "营业执照不清晰，请重新上传", "name": "深圳测试科技有限公司"}
    for _ in range(2, count):
        rows.append({"kind": "task_completed", "task_name": "vet_registration", "summary": dict(decision),
                     "human_task_id": None, "title": "注册审核", "decision": "return", "reason": "营业执照不清晰"})
    rows.append({"kind": "completed", "task_name": None, "summary": {"stage": "approved"},
                 "human_task_id": None, "title": None, "decision": None, "reason": None})
    return [{**row, "instance_id": instance_id, "sequence": sequence, "actor_id": None,
             "created_at": moment + timedelta(seconds=sequence)} for sequence, row in enumerate(rows, start=1)]


def fill(engine, instances: int, events: int) -> float:
    """Insert the rows; returns the seconds spent hashing (link), apart from building and inserting."""
    hashing = 0.0
    with engine.begin() as connection:
        connection.execute(insert(ProcessDefinition), [{
            "id": 1, "key": "registration_vetting", "version": 1, "sha256": "0" * 64, "bpmn_xml": "<x/>",
            "dependencies": [], "deployed_at": START, "is_current": True}])
        for first in range(1, instances + 1, 1000):
            ids = range(first, min(first + 1000, instances + 1))
            batch, heads = [], []
            for instance_id in ids:
                rows = _events(instance_id, events)
                started = time.process_time()
                newest = event_chain.link(rows, None)
                hashing += time.process_time() - started
                batch.extend(rows)
                heads.append({"id": instance_id, "definition_id": 1, "process_key": "registration_vetting",
                              "subject": f"实例 {instance_id}", "status": "completed", "state": "{}", "version": 1,
                              "last_event_sequence": len(rows), "last_event_hash": newest,
                              "created_at": START, "updated_at": START})
            connection.execute(insert(ProcessInstance), heads)
            connection.execute(insert(ProcessEvent), batch)
    return hashing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=10)
    options = parser.parse_args()
    url = os.environ.get("DUIBIAO_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        urls = ([scratch_database(url, "bench_audit") for _ in range(2)] if url
                else [f"sqlite:///{folder}/bench.db", f"sqlite:///{folder}/restored.db"])
        engines = [make_engine(each) for each in urls]
        try:
            _run(engines, options, Path(folder))
        finally:
            for engine in engines:
                engine.dispose()
            for each in urls if url else ():
                drop_database(url, each)


def _run(engines, options, folder: Path) -> None:
    source, target = engines
    migrate.upgrade(source)
    total = options.instances * options.events
    started = time.perf_counter()
    hashing = fill(source, options.instances, options.events)
    print(f"{source.dialect.name} ({date.today().isoformat()}): {options.instances} instances, {total} events "
          f"filled in {time.perf_counter() - started:.1f} s")
    print(f"hashing on the write path: {hashing / total * 1e6:.1f} µs (CPU) per event")
    with make_session_factory(source)() as session:
        started, cpu = time.perf_counter(), time.process_time()
        report = audit_chain.verify(session)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.events == total and not report.broken, report.broken[:3]
    print(f"audit verify: {seconds:.2f} s ({total / seconds:,.0f} events/s; this process's CPU {cpu:.2f} s)")
    archive = folder / "backup.tar.gz"
    started = time.perf_counter()
    backup.backup(source, folder / "files", archive)
    print(f"backup: {time.perf_counter() - started:.2f} s, {archive.stat().st_size / 1e6:.1f} MB")
    started = time.perf_counter()
    backup.restore(target, folder / "restored-files", archive)
    print(f"restore (load, re-export and compare): {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
