"""What completing the vetting task through the API costs, next to the bare SpiffWorkflow cycle.

Run with ``make bench`` (``.venv/bin/python bench/vetting_cost.py [--n 200]``).

Both figures are measured in the same run, on the same BPMN document
(workflows/registration_vetting.bpmn), for the same step: the office's
``vet_registration`` task completed with decision "return", which keeps the
instance alive (it loops to the applicant's ``correct_registration``).

- Bare cycle: SpiffWorkflow alone. The state is SpiffWorkflow's default
  serialization (``BpmnWorkflowSerializer`` configured with ``SPIFF_CONFIG``,
  specs embedded); each cycle is deserialize_json → set the decision on the
  READY task → ``task.run()`` → ``do_engine_steps()`` → serialize_json. The
  service task after the gateway calls a ``call_service`` that returns ``'{}'``
  and conditions run on SpiffWorkflow's own ``PythonScriptEngine`` (eval).
- API cycle: ``POST /api/v1/tasks/<id>`` through Flask's test client (the full
  WSGI stack without a socket): bearer-token lookup, form validation, the
  domain rows (submission decision, 我的消息, outbox e-mail), the engine step
  on by-reference state, inbox projection, audit events, commit and outbox
  drain — one instance per request, each at its first vetting.

The two are timed in alternating blocks (``--block`` cycles of one, then of
the other), so a machine that gets busier or quieter mid-run moves both.

Targets (issue 15): API median at most 2.5× the bare median on SQLite, 3× on
PostgreSQL; one PASS / FAIL line each at the end (exit status 1 when one is
missed; bench/run_all.py collects the lines).

Set DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://… to also time the API on
PostgreSQL; the run uses a fresh schema of its own (dropped afterwards) and
leaves the rest of that database alone.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.factories lives beside the installed packages

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment  # noqa: E402
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

BPMN_FILE = ROOT / "workflows" / "registration_vetting.bpmn"
PROCESS_KEY = "registration_vetting"
TASK_NAME = "vet_registration"
NEXT_TASK = "correct_registration"
DECISION = {"decision": "return", "reason": "补充材料"}
# Issue 15's targets: the API median over the bare median, per database.
TARGET_RATIOS = {"SQLite": 2.5, "PostgreSQL": 3.0}
OFFICE_EMAIL, OFFICE_PASSWORD = "office@bench.test", "Office#Bench1"


class BenchError(Exception):
    """The measured step did not do what it should; the figures would mean nothing."""


@dataclass
class Measured:
    label: str
    step: Callable[[], object]  # one timed cycle
    state_before: int  # bytes of the state the step loads
    state_after: int  # bytes of the state the step saves
    samples: list[float] = field(default_factory=list)  # seconds

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p90_ms(self) -> float:
        return statistics.quantiles(self.samples, n=10)[8] * 1000

    @property
    def min_ms(self) -> float:
        return min(self.samples) * 1000


# --- bare SpiffWorkflow -------------------------------------------------------------------------

class BareScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's own engine; service tasks do nothing and answer an empty JSON object."""

    def __init__(self):
        # Its own eval environment, named: `import engine` makes the safe one every engine's default.
        super().__init__(environment=TaskDataEnvironment())

    def call_service(self, task, **kwargs):
        return "{}"


def bare_setup() -> Measured:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(BPMN_FILE))
    spec = parser.get_spec(PROCESS_KEY)
    subprocess_specs = parser.get_subprocess_specs(PROCESS_KEY)
    script_engine = BareScriptEngine()
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
    # The same start data the platform gives a registration (ids only).
    workflow.task_tree.data.update({"organization_id": 1, "submission_id": 1})
    workflow.do_engine_steps()
    ready = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
             if t.task_spec.name == TASK_NAME]
    if len(ready) != 1:
        raise BenchError(f"bare workflow did not stop at {TASK_NAME}")
    task_id = ready[0].id  # the platform keeps it in human_task.engine_task_id
    state = serializer.serialize_json(workflow)

    def cycle() -> str:
        wf = serializer.deserialize_json(state)
        wf.script_engine = script_engine
        task = wf.get_task_from_id(task_id)
        task.data.update({"decision": DECISION["decision"]})
        task.run()
        wf.do_engine_steps()
        return serializer.serialize_json(wf)

    after = cycle()
    check = serializer.deserialize_json(after)
    names = [t.task_spec.name for t in check.get_tasks(state=TaskState.READY, manual=True)]
    if names != [NEXT_TASK]:
        raise BenchError(f"bare cycle ended at {names}, expected [{NEXT_TASK!r}]")
    return Measured("bare SpiffWorkflow cycle", cycle, len(state.encode()), len(after.encode()))


# --- the platform, through the API --------------------------------------------------------------

@contextlib.contextmanager
def fast_password_hashes() -> Iterator[None]:
    """Setup only: hash the applicants' passwords once (scrypt takes ~0.15 s each).

    Nobody logs in as an applicant here; the timed requests use a bearer token,
    whose lookup is a SHA-256 digest and is not affected.
    """
    from engine.domain import registration

    original = registration.hash_password
    hashed = original("Secret#123")
    registration.hash_password = lambda _password: hashed
    try:
        yield
    finally:
        registration.hash_password = original


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema for this run, put first on search_path through the URL; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"duibiao_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    parsed = make_url(url)
    # public stays on the path: extensions such as pg_trgm (migration 0005) live there.
    options = " ".join(filter(None, [parsed.query.get("options"), f"-csearch_path={schema},public"]))
    try:
        yield parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Platform:
    app: object
    client: object
    headers: dict
    task_ids: list[int]  # open vet_registration tasks, one per instance

    def complete(self, task_id: int):
        response = self.client.post(f"/api/v1/tasks/{task_id}", json=DECISION, headers=self.headers)
        if response.status_code != 200:
            raise BenchError(f"POST /api/v1/tasks/{task_id}: {response.status_code} "
                             f"{response.get_data(as_text=True)[:500]}")
        return response

    def state_size(self, task_id: int) -> int:
        from storage.models import HumanTask
        from webapp import db

        with self.app.app_context():
            return len(db.session().get(HumanTask, task_id).instance.state.encode())


@contextlib.contextmanager
def platform(database_url: str | None, instances: int) -> Iterator[Platform]:
    """An app with deployed workflows, an office user and ``instances`` registrations at vetting.

    ``database_url`` None: a SQLite file in the run's temporary data directory.
    """
    from sqlalchemy import select, text

    from demodata.accounts import ensure_user
    from storage import migrate
    from storage.models import HumanTask
    from tests import factories
    from webapp import create_app, db
    from webapp.cli import deploy_workflows

    with tempfile.TemporaryDirectory(prefix="duibiao-bench-", ignore_cleanup_errors=True) as tmp:
        data_dir = Path(tmp)
        # config.from_environment() runs before the overrides and creates the data directory.
        os.environ["DUIBIAO_DATA_DIR"] = str(data_dir)
        app = create_app({
            "DATA_DIR": str(data_dir), "DATABASE_URL": database_url or f"sqlite:///{data_dir}/bench.db",
            "TESTING": True, "SCHEDULER_ENABLED": False, "CAPTCHA_TEST_MODE": True,
            # As deployed under load: the outbox is sent by `duibiao outbox`, a process of its own
            # (DUIBIAO_OUTBOX_WORKER=0), not inside the request nor by a thread of the request worker.
            "OUTBOX_SYNC": False, "OUTBOX_WORKER": False,
            # The rate limit is counted (its cost is measured) but never reached by the timed loop.
            "API_RATE_LIMIT": 10**9,
        })
        try:
            migrate.upgrade(app.extensions["duibiao.engine"])
            with app.app_context():
                session = db.session()
                deploy_workflows(session)
                ensure_user(session, OFFICE_EMAIL, OFFICE_PASSWORD, "office", "对标达标提升专项行动办公室")
                with fast_password_hashes():
                    for i in range(instances):
                        factories.registered(session, data_dir / "files", email=f"applicant{i}@bench.test",
                                             name=f"基准测试企业{i:04d}有限公司")
                db.commit()
                if database_url:  # the statistics autovacuum would have gathered (this machine runs without it)
                    session.execute(text("ANALYZE"))
                    db.commit()
                task_ids = list(session.scalars(
                    select(HumanTask.id).where(HumanTask.task_name == TASK_NAME, HumanTask.state == "ready")
                    .order_by(HumanTask.id)))
            if len(task_ids) != instances:
                raise BenchError(f"expected {instances} open {TASK_NAME} tasks, found {len(task_ids)}")
            client = app.test_client()
            response = client.post("/api/v1/tokens", json={"email": OFFICE_EMAIL, "password": OFFICE_PASSWORD})
            if response.status_code != 201:
                raise BenchError(f"token request failed: {response.status_code} "
                                 f"{response.get_data(as_text=True)[:500]}")
            headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
            yield Platform(app, client, headers, task_ids)
        finally:
            db.dispose(app)


def api_measured(label: str, target: Platform) -> Measured:
    """Complete the first task as a check (and to read both state sizes); the rest are timed."""
    first = target.task_ids[0]
    before = target.state_size(first)
    body = target.complete(first).get_json()
    if [t["name"] for t in body["tasks"]] != [NEXT_TASK] or body["instance"]["status"] != "running":
        raise BenchError(f"API step did not go on to {NEXT_TASK}: {body}")
    after = target.state_size(first)
    pending = iter(target.task_ids[1:])
    return Measured(label, lambda: target.complete(next(pending)), before, after)


# --- timing and profiling -----------------------------------------------------------------------

def run(measured: list[Measured], n: int, warmup: int, block: int) -> None:
    """Warm up each, then time ``n`` cycles of each in alternating blocks of ``block``."""
    for item in measured:
        for _ in range(warmup):
            item.step()
    gc.collect()
    done = 0
    while done < n:
        size = min(block, n - done)
        for item in measured:
            for _ in range(size):
                started = time.perf_counter()
                item.step()
                item.samples.append(time.perf_counter() - started)
        done += size


def profile_report(step: Callable[[], object], calls: int, top: int = 30) -> str:
    """cProfile over ``calls`` steps: cumulative time per request of this repository's functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        step()
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, name), (_cc, ncalls, _tt, cumulative, _callers) in stats.stats.items():
        path = Path(filename)
        if not path.is_absolute() or ROOT not in path.parents or ".venv" in path.parts \
                or path.parent.name == "bench":
            continue
        rows.append((cumulative, ncalls, f"{path.relative_to(ROOT)}:{line}({name})"))
    rows.sort(reverse=True)
    out = io.StringIO()
    out.write(f"  {'ms/req':>8}  {'calls/req':>9}  function (cumulative, {calls} requests profiled)\n")
    for cumulative, ncalls, where in rows[:top]:
        out.write(f"  {cumulative / calls * 1000:8.3f}  {ncalls / calls:9.1f}  {where}\n")
    return out.getvalue()


# --- report -------------------------------------------------------------------------------------

def kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def print_table(bare: Measured, platforms: list[Measured], n: int, block: int) -> None:
    print(f"\n{TASK_NAME}, decision 'return' ({BPMN_FILE.relative_to(ROOT)}): "
          f"{n} timed cycles each, in alternating blocks of {block}\n")
    header = (f"{'':36} {'median':>9} {'p90':>9} {'min':>9} {'× bare':>7}  {'target':<10} "
              f"{'state in → out':>17}")
    print(header)
    print("-" * len(header))
    rows = [(bare, "1.00", "")]
    for result in platforms:
        ratio = result.median_ms / bare.median_ms
        rows.append((result, f"{ratio:.2f}", f"≤{target_of(result):g}× " + ("met" if met(result, bare) else "MISSED")))
    for result, ratio, verdict in rows:
        sizes = f"{kb(result.state_before)} → {kb(result.state_after)}"
        print(f"{result.label:36} {result.median_ms:7.2f}ms {result.p90_ms:7.2f}ms {result.min_ms:7.2f}ms {ratio:>7}  "
              f"{verdict:<10} {sizes:>17}")
    print()
    print("state: bare = SpiffWorkflow's default serialization (specs embedded); "
          "API = process_instance.state (specs by reference)")
    if platforms:
        print(f"       at vetting the default state is {bare.state_before / platforms[0].state_before:.1f}× "
              f"the platform's ({kb(bare.state_before)} vs {kb(platforms[0].state_before)})")
    print("× bare: ratio of the medians (the issue's figure); min: the fastest cycle, least disturbed by load")
    print("note:  the bare cycle does no domain work (its service task returns '{}'); the API step also")
    print("       checks the bearer token, validates the form, writes the decision, 我的消息, an outbox")
    print("       e-mail, the inbox rows and the audit events, and commits (the outbox worker sends after).")


def target_of(result: Measured) -> float:
    return next(ratio for name, ratio in TARGET_RATIOS.items() if name in result.label)


def met(result: Measured, bare: Measured) -> bool:
    return result.median_ms / bare.median_ms <= target_of(result)


def verdicts(bare: Measured, platforms: list[Measured]) -> list[str]:
    """One line per target: PASS or FAIL, the ratio and the medians (bench/run_all.py collects them)."""
    lines = []
    for result in platforms:
        database = next(name for name in TARGET_RATIOS if name in result.label)
        lines.append(f"{'PASS' if met(result, bare) else 'FAIL'} vetting completion, {database}: "
                     f"{result.median_ms / bare.median_ms:.2f}× the bare SpiffWorkflow cycle "
                     f"({result.median_ms:.2f} vs {bare.median_ms:.2f} ms median; target ≤ {target_of(result):g}×)")
    if len(platforms) == 1:
        lines.append("SKIP vetting completion, PostgreSQL: set DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://…")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="timed cycles per measurement (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed cycles of each first (default 20)")
    parser.add_argument("--block", type=int, default=10, help="cycles per alternating block (default 10)")
    parser.add_argument("--profile", type=int, default=0, metavar="K",
                        help="then profile K more API requests (SQLite) and print the top 30 functions")
    args = parser.parse_args(argv)
    n, warmup, block = max(args.n, 2), max(args.warmup, 0), max(args.block, 1)
    logging.getLogger("duibiao").setLevel(logging.ERROR)  # the captcha test-mode warning
    started = time.perf_counter()
    # One instance per API request: the check, the warm-up, the timed ones, the profiled ones.
    instances = 1 + warmup + n

    pg_url = os.environ.get("DUIBIAO_BENCH_DATABASE_URL")
    with contextlib.ExitStack() as stack:
        bare = bare_setup()
        sqlite = stack.enter_context(platform(None, instances + args.profile))
        platforms = [api_measured("API POST /api/v1/tasks (SQLite)", sqlite)]
        if pg_url:
            url = stack.enter_context(postgres_schema(pg_url))
            platforms.append(api_measured("API POST /api/v1/tasks (PostgreSQL)",
                                          stack.enter_context(platform(url, instances))))
        run([bare, *platforms], n, warmup, block)
        report = profile_report(platforms[0].step, args.profile) if args.profile else None

    print_table(bare, platforms, n, block)
    if not pg_url:
        print("\nPostgreSQL: skipped (set DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://… to include it)")
    if report:
        print(f"\nprofile of the API path (SQLite), functions in this repository:\n{report}")
    print(f"\n(run took {time.perf_counter() - started:.1f} s)")
    lines = verdicts(bare, platforms)
    print("\n".join(lines))
    return 1 if any(line.startswith("FAIL") for line in lines) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # noqa: BLE001 - the figures would mean nothing: say so
        print(f"FAIL vetting completion: the benchmark failed: {type(exc).__name__}: {exc}")
        sys.exit(1)
