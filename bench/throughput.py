"""API completions per second through `duibiao serve` (gunicorn) on PostgreSQL, as deployed.

Run with ``make bench`` or
``DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/throughput.py [--seconds 60]
[--workers 4] [--clients 8]``.

What it does:

- a scratch database beside the one DUIBIAO_BENCH_DATABASE_URL names (bench/scratch_db.py, dropped
  afterwards), migrated, with the shipped workflows, an office user, one API token per client and
  enough registrations waiting at 审核 (``vet_registration``) for the whole run: ``--templates`` are
  registered through the domain service, the rest are copies of them (instance row with its
  workflow state, its open inbox row) inserted in bulk;
- ``duibiao serve --workers N`` on a free port, as production runs it (scheduler and outbox out of
  the web workers: ``DUIBIAO_SCHEDULER=0``, ``DUIBIAO_OUTBOX_WORKER=0``), and ``duibiao outbox``
  beside it, which sends the e-mails the completions queue;
- ``--clients`` threads, each with its own keep-alive connection and token, complete tasks
  (``POST /api/v1/tasks/<id>``, decision 退回) for ``--seconds`` after a short warm-up;
- prints completions per second (overall and the median second), the latency p50 / p99, the
  workers' resident memory at the end, and one PASS / FAIL line per target of issue 15
  (≥ 150 completions/s sustained, p99 < 100 ms, every worker's RSS < 150 MB).

Without DUIBIAO_BENCH_DATABASE_URL it prints SKIP lines (the target is on PostgreSQL).
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scratch_db import drop_database, scratch_database  # noqa: E402

TARGET_RATE, TARGET_P99_MS, TARGET_RSS_MB = 150.0, 100.0, 150.0
BODY = json.dumps({"decision": "return", "reason": "补充材料"}).encode()
TASK_NAME = "vet_registration"
DUIBIAO = str(Path(sys.executable).with_name("duibiao"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- data -----------------------------------------------------------------------------------------

def build(url: str, data_dir: Path, templates: int, total: int, clients: int) -> tuple[list[int], list[str]]:
    """The scratch database's rows: open vet_registration task ids (templates and copies, interleaved so
    that parallel clients decide different submissions) and one raw API token per client."""
    from sqlalchemy import insert, select, text

    import workflows
    from bench.vetting_cost import OFFICE_EMAIL, OFFICE_PASSWORD, fast_password_hashes
    from demodata.accounts import ensure_user
    from engine import definitions
    from engine.domain import auth
    from storage import migrate
    from storage.db import make_engine, make_session_factory
    from storage.models import HumanTask, ProcessInstance
    from tests import factories

    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with make_session_factory(engine)() as session:
            definitions.deploy_documents(session, workflows.bpmn_files())
            office = ensure_user(session, OFFICE_EMAIL, OFFICE_PASSWORD, "office", "对标达标提升专项行动办公室")
            with fast_password_hashes():
                for i in range(templates):
                    factories.registered(session, data_dir / "files", email=f"applicant{i}@bench.test",
                                         name=f"基准测试企业{i:04d}有限公司")
            tokens = [auth.issue_token(session, office, name=f"bench {n}") for n in range(clients)]
            session.commit()
            template_ids = sorted({task.instance_id for task in session.scalars(
                select(HumanTask).where(HumanTask.task_name == TASK_NAME, HumanTask.state == "ready"))})
            tasks = {task.instance_id: task for task in session.scalars(
                select(HumanTask).where(HumanTask.instance_id.in_(template_ids)))}
            columns = [c for c in ProcessInstance.__table__.columns if c.key != "id"]
            task_columns = [c.key for c in HumanTask.__table__.columns if c.key not in ("id", "instance_id")]
            copy = (insert(ProcessInstance.__table__)
                    .from_select([c.key for c in columns], select(*columns)
                                 .where(ProcessInstance.id.in_(template_ids)).order_by(ProcessInstance.id))
                    .returning(ProcessInstance.id))
            for _round in range(max(0, -(-(total - len(template_ids)) // len(template_ids)))):
                new_ids = sorted(session.scalars(copy))  # in the order of the templates they copy
                session.execute(insert(HumanTask.__table__), [
                    {**{c: getattr(tasks[template], c) for c in task_columns}, "instance_id": new_id}
                    for template, new_id in zip(template_ids, new_ids, strict=True)])
                session.commit()
            session.execute(text("ANALYZE"))  # the statistics autovacuum keeps (this machine runs without it)
            session.commit()
            # In id order, consecutive tasks copy different templates (parallel clients decide
            # different submissions).
            order = list(session.scalars(select(HumanTask.id).where(
                HumanTask.task_name == TASK_NAME, HumanTask.state == "ready").order_by(HumanTask.id)))
        return order, tokens
    finally:
        engine.dispose()


# --- the servers ----------------------------------------------------------------------------------

@contextlib.contextmanager
def servers(url: str, data_dir: Path, port: int, workers: int) -> Iterator[subprocess.Popen]:
    """`duibiao serve` and `duibiao outbox`, as production runs them; stopped (TERM) at the end."""
    env = {**os.environ, "DUIBIAO_DATABASE_URL": url, "DUIBIAO_DATA_DIR": str(data_dir),
           "DUIBIAO_SCHEDULER": "0", "DUIBIAO_OUTBOX_WORKER": "0", "DUIBIAO_API_RATE_LIMIT": str(10**9),
           "DUIBIAO_LOG_LEVEL": "WARNING", "DUIBIAO_SECRET_KEY": "bench-secret-key-0123456789abcdef"}
    log = open(data_dir / "serve.log", "wb")  # noqa: SIM115 (closed below)
    serve = subprocess.Popen([DUIBIAO, "serve", "--port", str(port), "--workers", str(workers)],
                             env=env, stdout=subprocess.DEVNULL, stderr=log)
    outbox = subprocess.Popen([DUIBIAO, "outbox"], env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_healthy(port, serve, data_dir / "serve.log")
        yield serve
    finally:
        for process in (outbox, serve):
            process.terminate()
        for process in (outbox, serve):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def wait_healthy(port: int, serve: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            raise RuntimeError(f"duibiao serve exited ({serve.returncode}):\n{log.read_text()[-2000:]}")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("duibiao serve did not answer /healthz in time")


def worker_rss_mb(master_pid: int) -> dict[int, float]:
    """Resident memory of the gunicorn master's children (its workers), MB, by process id."""
    sizes = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if int(fields.get("PPid", "0").strip()) == master_pid:
                sizes[int(status.parent.name)] = int(fields["VmRSS"].split()[0]) / 1024
    return sizes


# --- the clients ----------------------------------------------------------------------------------

class Client(threading.Thread):
    def __init__(self, port: int, token: str, task_ids: list[int], start_at: float, stop_at: float):
        super().__init__(daemon=True)
        self.port, self.task_ids, self.start_at, self.stop_at = port, task_ids, start_at, stop_at
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.samples: list[tuple[float, float]] = []  # (finished at, seconds) of timed completions
        self.errors: list[str] = []

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        for task_id in self.task_ids:
            started = time.perf_counter()
            if started >= self.stop_at:
                return
            try:
                connection.request("POST", f"/api/v1/tasks/{task_id}", BODY, self.headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            finished = time.perf_counter()
            if response.status != 200:
                self.errors.append(f"{response.status} {body[:200]!r}")
            elif started >= self.start_at:
                self.samples.append((finished, finished - started))
        self.errors.append("ran out of tasks")


def drive(port: int, tokens: list[str], task_ids: list[int], warmup: float, seconds: float):
    now = time.perf_counter()
    start_at, stop_at = now + warmup, now + warmup + seconds
    clients = [Client(port, token, task_ids[n::len(tokens)], start_at, stop_at) for n, token in enumerate(tokens)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    samples = sorted(s for client in clients for s in client.samples)
    errors = [e for client in clients for e in client.errors]
    return samples, errors, start_at


# --- report ---------------------------------------------------------------------------------------

def report(samples, errors, start_at: float, seconds: float, rss: list[float], workers: int) -> bool:
    if not samples:
        print(f"FAIL throughput: no completion succeeded ({errors[:3]})")
        return False
    latencies = sorted(s[1] * 1000 for s in samples)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    per_second = [0] * int(seconds)
    for finished, _latency in samples:
        index = int(finished - start_at)
        if 0 <= index < len(per_second):
            per_second[index] += 1
    rate = len(samples) / seconds
    print(f"gunicorn, {workers} workers, PostgreSQL: {len(samples)} completions in {seconds:.0f} s")
    print(f"  completions/s: {rate:.1f} overall, median second {statistics.median(per_second):.0f}, "
          f"slowest second {min(per_second)}")
    print(f"  latency: p50 {p50:.1f} ms, p90 {latencies[int(len(latencies) * 0.9)]:.1f} ms, p99 {p99:.1f} ms, "
          f"max {latencies[-1]:.1f} ms")
    print(f"  worker RSS at the end: {', '.join(f'{m:.0f}' for m in sorted(rss))} MB")
    real_errors = [e for e in errors if e != "ran out of tasks"]
    if real_errors:
        print(f"  {len(real_errors)} failed requests, e.g. {real_errors[:3]}")
    verdicts = [
        (rate >= TARGET_RATE and not real_errors,
         f"throughput: {rate:.1f} API completions/s over {seconds:.0f} s, {workers} workers "
         f"(target ≥ {TARGET_RATE:.0f}/s, no failed request)"),
        (p99 < TARGET_P99_MS, f"throughput p99: {p99:.1f} ms (target < {TARGET_P99_MS:.0f} ms)"),
        (bool(rss) and max(rss) < TARGET_RSS_MB,
         f"worker RSS: {max(rss, default=0):.0f} MB at most (target < {TARGET_RSS_MB:.0f} MB)"),
    ]
    for met, line in verdicts:
        print(f"{'PASS' if met else 'FAIL'} {line}")
    return all(met for met, _line in verdicts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="timed seconds (default 60)")
    # Long enough for every worker to have booted (healthz answers once the first one is up) and warmed
    # its caches: the target is the sustained rate.
    parser.add_argument("--warmup", type=float, default=10, help="untimed seconds first (default 10)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--templates", type=int, default=100, help="registrations made through the service")
    parser.add_argument("--rate", type=float, default=400, help="completions/s to prepare tasks for")
    options = parser.parse_args(argv)
    url = os.environ.get("DUIBIAO_BENCH_DATABASE_URL")
    if not url:
        for line in ("throughput", "throughput p99", "worker RSS"):
            print(f"SKIP {line}: set DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://… (PostgreSQL target)")
        return 0
    started = time.perf_counter()
    bench_url = scratch_database(url, "throughput")
    try:
        with tempfile.TemporaryDirectory(prefix="duibiao-throughput-", ignore_cleanup_errors=True) as tmp:
            data_dir = Path(tmp)
            total = int(options.rate * (options.seconds + options.warmup)) + options.templates
            task_ids, tokens = build(bench_url, data_dir, options.templates, total, options.clients)
            print(f"prepared {len(task_ids)} open tasks in {time.perf_counter() - started:.1f} s")
            port = free_port()
            with servers(bench_url, data_dir, port, options.workers) as serve:
                before = worker_rss_mb(serve.pid)
                samples, errors, start_at = drive(port, tokens, task_ids, options.warmup, options.seconds)
                after = worker_rss_mb(serve.pid)
                rss = list(after.values())
            replaced = len(set(before) - set(after))
            print(f"  workers replaced during the run: {replaced}; RSS of those that ran throughout: "
                  + ", ".join(f"{before[pid]:.0f} → {after[pid]:.0f} MB" for pid in sorted(set(before) & set(after))))
            met = report(samples, errors, start_at, options.seconds, rss, options.workers)
    finally:
        drop_database(url, bench_url)
    print(f"(run took {time.perf_counter() - started:.1f} s)")
    return 0 if met else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # noqa: BLE001 - no figures: say so in the verdict line
        print(f"FAIL throughput: the benchmark failed: {type(exc).__name__}: {exc}")
        sys.exit(1)
