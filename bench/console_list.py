"""The operator console's instance list at 100k instances: how long one page takes with typical filters.

Run with ``.venv/bin/python bench/console_list.py [--instances 100000] [--repeat 5]``.

Fills a temporary SQLite database built by the migrations (the indexes of 0015 included) with
``--instances`` process instances over the shipped processes (bulk Core INSERTs, a few seconds), one
organisation per 50 instances, an open inbox row for each instance waiting on a person and a completed
one for every other, then times ``engine.domain.console.instances`` (the count and one page of 20, as
the page runs them) for each filter set below, best and median of ``--repeat`` runs. The workflow
state column is filled with a short placeholder: the list never reads it (it is deferred).

Set DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://… to run it on PostgreSQL instead (a fresh schema
database of its own beside that one, dropped afterwards). Prints figures, always exits 0; it is not a test.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

import workflows  # noqa: E402
from bench.scratch_db import drop_database, scratch_database  # noqa: E402
from engine import definitions  # noqa: E402
from engine.domain import console  # noqa: E402
from storage import migrate  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.models import HumanTask, Organization, ProcessDefinition, ProcessInstance  # noqa: E402

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
STATUSES = ["running"] * 40 + ["waiting"] * 15 + ["completed"] * 38 + ["cancelled"] * 3 + ["error"] * 2 + \
    ["suspended"] * 2
STAGES = ["vetting", "returned", "publicity", "drafting", "review", "published", "approved"]
FILTERS = {
    "no filter (newest first)": {},
    "one process": {"process": "compliance_review"},
    "on a person": {"status": "on_person"},
    "on a timer": {"status": "on_timer"},
    "process + status + stage": {"process": "formal_plan", "status": "running", "stage": "review"},
    "started in one week": {"started_from": "2026-10-01", "started_to": "2026-10-07"},
    "organisation name": {"org": "单位0042"},
    "subject text": {"q": "样例 777"},
    "sorted by updated, ascending": {"sort": "updated", "dir": "asc"},
    "page 200 of the list": {"page": 200},
}


def fill(session_factory, count: int, seed: int = 7) -> None:
    randomly = random.Random(seed)
    with session_factory() as session:
        definitions.deploy_documents(session, workflows.bpmn_files())
        session.commit()
        defined = session.execute(select(ProcessDefinition.id, ProcessDefinition.key)).all()
        orgs = [{"kind": "enterprise", "name": f"样例单位{n:04d}", "status": "active", "created_at": NOW,
                 "updated_at": NOW} for n in range(max(1, count // 50))]
        session.execute(insert(Organization.__table__), orgs)
        org_ids = session.scalars(select(Organization.id)).all()
        for start in range(0, count, 10_000):
            rows, tasks = [], []
            for n in range(start, min(count, start + 10_000)):
                definition_id, key = defined[n % len(defined)]
                status = randomly.choice(STATUSES)
                created = NOW - timedelta(minutes=randomly.randrange(365 * 24 * 60))
                updated = created + timedelta(minutes=randomly.randrange(60 * 24 * 30))
                rows.append({"id": n + 1, "definition_id": definition_id, "process_key": key,
                             "business_key": f"bench:{n}", "subject": f"样例 {n}", "status": status,
                             "stage": randomly.choice(STAGES),
                             "stage_label": "阶段", "state": "{}", "version": 1, "last_event_sequence": 1,
                             "next_timer_at": NOW + timedelta(days=3) if status == "waiting" and n % 2 else None,
                             "started_by_org_id": randomly.choice(org_ids), "created_at": created,
                             "updated_at": updated, "completed_at": updated if status == "completed" else None})
            session.execute(insert(ProcessInstance.__table__), rows)  # Core executemany: no RETURNING
            for row in rows:
                tasks.append({"instance_id": row["id"], "engine_task_id": str(uuid.UUID(int=row["id"])),
                              "process_key": row["process_key"], "task_name": "review", "title": "审核",
                              "form_key": "generic_review", "role": "office", "organization_id": None,
                              "state": "ready" if row["status"] == "running" else "completed",
                              "created_at": row["created_at"]})
            session.execute(insert(HumanTask.__table__), tasks)
            session.commit()


class Args(dict):
    def get(self, key, default=None):  # werkzeug's MultiDict.get, as the view reads it
        return super().get(key, default)


def time_filters(session_factory, repeat: int) -> None:
    with session_factory() as session:
        names = {key: key for key in session.scalars(select(ProcessDefinition.key)).all()}
        print(f"{'filter':34} {'found':>8} {'best ms':>9} {'median ms':>10}")
        for label, values in FILTERS.items():
            wanted = console.InstanceFilter.from_args(Args(values), names)
            page = int(values.get("page", 1))
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                rows, total = console.instances(session, wanted, page)
                times.append((time.perf_counter() - started) * 1000)
                session.expunge_all()
            print(f"{label:34} {total:>8} {min(times):>9.1f} {statistics.median(times):>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    url = os.environ.get("DUIBIAO_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        bench_url = scratch_database(url, "bench_console") if url else f"sqlite:///{folder}/bench.db"
        engine = make_engine(bench_url)
        try:
            migrate.upgrade(engine)
            factory = make_session_factory(engine)
            started = time.perf_counter()
            fill(factory, options.instances)
            print(f"{engine.dialect.name}: {options.instances} instances filled in "
                  f"{time.perf_counter() - started:.1f} s ({date.today().isoformat()})")
            if engine.dialect.name == "postgresql":
                with engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
            time_filters(factory, options.repeat)
        finally:
            engine.dispose()
            if url:
                drop_database(url, bench_url)


if __name__ == "__main__":
    main()
