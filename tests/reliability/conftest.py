"""The platform as deployed: `duibiao serve --workers 3` on a PostgreSQL database of its own, driven over
HTTP by threads, killed with SIGKILL and started again. Runs only with DUIBIAO_TEST_DATABASE_URL.

Test data is made in-process through the domain services (500 registrations take seconds that way,
minutes through HTTP); the server, the scheduler and `duibiao engine check` are separate processes.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker, undefer

import demodata
import workflows
from engine import consistency, definitions, runtime
from engine.domain import auth, compliance
from engine.domain.auth import find_user
from engine.domain.compliance import ApplicationInput, EvaluationInput
from storage import migrate
from storage.db import make_engine, make_session_factory
from storage.files import FileStore
from storage.models import (
    HumanTask,
    Message,
    OutboxItem,
    Plan,
    ProcessEvent,
    ProcessInstance,
    RegistrationSubmission,
)
from tests.conftest import PG_URL
from tests.factories import PDF_BYTES, office_user, registered
from tests.webapp.helpers import remembered_password_hashes

DUIBIAO = str(Path(sys.executable).parent / "duibiao")
OFFICE_EMAIL = "office@test.cn"  # tests.factories.office_user
RETURN_REASON = "请补充营业执照"
SEEDERS = 4
DEMO_PLAN, DEMO_ENTERPRISE = "房间空气调节器对标方案", "ent2@demo.duibiao.cn"  # demodata: published, active


@dataclass
class Platform:
    """One database with the workflows deployed, an office account with a token, the environment
    every `duibiao` process of the module runs with."""

    database_url: str
    data_dir: Path
    factory: sessionmaker
    office_token: str
    operator_token: str
    env: dict = field(default_factory=dict)
    made: int = 0  # registrations so far (their e-mail addresses are numbered)

    def vetting_tasks(self, count: int) -> list[int]:
        """``count`` new registrations waiting for 注册审核; the ids of their open vet tasks. Made by
        four threads: each registration is a dozen statements, and the time goes in their round trips."""
        numbers = range(self.made, self.made + count)
        self.made += count
        instance_ids: list[int] = []

        def register(part: range) -> None:
            with self.factory() as session:
                made = [registered(session, self.data_dir / "files", email=f"r{n}@reliab.cn",
                                   name=f"可靠性测试{n}号有限公司")[1].id for n in part]
                session.commit()
                instance_ids.extend(made)

        with remembered_password_hashes():
            run_threads([lambda part=numbers[i::SEEDERS]: register(part) for i in range(SEEDERS)])
        assert len(instance_ids) == count
        with self.factory() as session:
            return list(session.scalars(select(HumanTask.id).where(
                HumanTask.instance_id.in_(instance_ids), HumanTask.state == "ready").order_by(HumanTask.id)))

    def filing_tasks(self, count: int) -> list[int]:
        """``count`` applications (参与达标) against a published demo plan, each evaluated 达标 by the
        plan's institution: the ids of their open 达标结果形式审核及备案 tasks (the office's filing, which
        issues the certificate)."""
        with self.factory() as session, remembered_password_hashes():
            store = FileStore(self.data_dir / "files")
            if not session.scalar(select(Plan.id).where(Plan.name == DEMO_PLAN)):
                demodata.load_all(session, self.factory, store)
            plan = session.scalars(select(Plan).where(Plan.name == DEMO_PLAN)).one()
            measured = [row["value"] for row in compliance.indicators(compliance.published_version(session, plan))]
            enterprise, institution = find_user(session, DEMO_ENTERPRISE), plan.organization.users[0]
            evaluation = EvaluationInput("evaluate", conclusion="pass",
                                         items=[{"verdict": "pass", "remark": "达到指标值"}] * len(measured))
            instance_ids = []
            for _ in range(count):
                self.made += 1
                report = store.save(session, PDF_BYTES, "检测报告.pdf", "application/pdf")
                application = compliance.apply(session, enterprise, plan.id, ApplicationInput(
                    f"RACE-{self.made}", plan.organization_id, measured, "", [report]))
                evaluate = session.scalars(select(HumanTask).where(
                    HumanTask.instance_id == application.instance_id, HumanTask.state == "ready")).one()
                runtime.complete_task(session, evaluate, institution.id,
                                      lambda ctx: compliance.evaluate(ctx, evaluation))
                instance_ids.append(application.instance_id)
            session.commit()
            return list(session.scalars(select(HumanTask.id).where(
                HumanTask.instance_id.in_(instance_ids), HumanTask.state == "ready",
                HumanTask.form_key == "file_evaluation").order_by(HumanTask.id)))

    def duibiao(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([DUIBIAO, *args], env=self.env, capture_output=True, text=True, timeout=120)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result


def _empty_database(name: str) -> str:
    """``name`` beside the test database, created when missing, its schema emptied (kept afterwards like
    the test database itself: dropping a database makes PostgreSQL checkpoint, seconds on a busy box)."""
    url = make_url(PG_URL)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    found = url.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(found)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return found


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    """One database for the suite (``<test db>_reliability``), migrated, workflows deployed; each test
    makes its own tasks and looks at those (the consistency check covers them all)."""
    if not PG_URL:
        pytest.skip("needs DUIBIAO_TEST_DATABASE_URL (PostgreSQL)")
    url = _empty_database(f"{make_url(PG_URL).database}_reliability"[:63])
    data_dir = tmp_path_factory.mktemp("reliab-data")
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session, remembered_password_hashes():
        definitions.deploy_documents(session, workflows.bpmn_files())
        token = auth.issue_token(session, office_user(session, OFFICE_EMAIL))
        operator_token = auth.issue_token(session, demodata.ensure_user(
            session, "operator@test.cn", "Operator#123", "operator", "平台运维"))
        session.commit()
    env = {key: value for key, value in os.environ.items() if not key.startswith("DUIBIAO_")}
    env.update({
        "DUIBIAO_DATABASE_URL": url, "DUIBIAO_DATA_DIR": str(data_dir), "DUIBIAO_SCHEDULER": "0",
        "DUIBIAO_SECRET_KEY": "reliability-tests", "DUIBIAO_LOG_LEVEL": "WARNING",
        # Hundreds of requests a second from one token and one address are the point here.
        "DUIBIAO_API_RATE_LIMIT": "100000", "DUIBIAO_API_TOKEN_RATE_LIMIT": "1000",
    })
    yield Platform(url, data_dir, factory, token, operator_token, env)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`duibiao serve` (gunicorn: a master and its workers), its output in a log file."""

    def __init__(self, platform: Platform, log_path: Path, workers: int = 3):
        self.platform, self.log_path, self.workers = platform, log_path, workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [DUIBIAO, "serve", "--workers", str(self.workers), "--port", str(self.port)],
            env=self.platform.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.wait_until(lambda: len(self.worker_pids()) == self.workers and health(self.port), "the workers")
        return self

    def worker_pids(self) -> list[int]:
        """The master's children (read from /proc: no process is looked up by name)."""
        pid = self.process.pid
        try:
            return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except FileNotFoundError:
            return []

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"duibiao serve exited with {self.process.returncode}:\n{self.log()}")
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"waiting for {what} timed out:\n{self.log()}")

    def kill_worker(self) -> int:
        """SIGKILL one worker (gunicorn's master starts another); its pid."""
        victim = self.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def crash(self) -> None:
        """SIGKILL the master and every worker at once: the whole server dies as in a power cut."""
        pids = [self.process.pid, *self.worker_pids()]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(10)
        for pid in pids[1:]:  # the workers were the master's children, now orphans: wait until gone
            deadline = time.monotonic() + 10
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(40)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def health(port: int) -> bool:
    try:
        return request(port, "GET", "/healthz")[0] == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(platform, tmp_path_factory):
    running = Server(platform, tmp_path_factory.mktemp("serve") / "serve.log").start()
    yield running
    running.stop()
    assert "Traceback" not in running.log_path.read_text(), running.log()  # no request failed inside


@dataclass
class Answer:
    status: int
    body: dict | None
    headers: dict
    timing: tuple[float, float] = (0.0, 0.0)  # sent, answered (time.monotonic)
    side: str = ""  # which of two racing clients sent it


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None,
            timeout: float = 60) -> tuple[int, dict | None, dict]:
    """One HTTP request on a connection of its own (gunicorn's sync workers close each after the answer).
    A connection the server drops (a killed worker) raises OSError: the request is not acknowledged — also
    when it dies after the answer's headers, in its body (the answer was never whole)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json"} if payload is not None else {}
        connection.request(method, path, body=payload, headers={**sent, **(headers or {})})
        response = connection.getresponse()
        try:
            data = response.read()
        except http.client.IncompleteRead as exc:
            raise ConnectionResetError(f"the answer was cut after {len(exc.partial)} bytes") from exc
        parsed = json.loads(data) if data and response.getheader("Content-Type", "").startswith(
            "application/json") else None
        return response.status, parsed, dict(response.getheaders())
    finally:
        connection.close()


def complete(port: int, token: str, task_id: int, reason: str = RETURN_REASON, key: str | None = None,
             body: dict | None = None) -> Answer:
    """POST /api/v1/tasks/<id> with ``body``, by default the office returning a registration (退回修改)."""
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    status, answer, answer_headers = request(port, "POST", f"/api/v1/tasks/{task_id}",
                                             body or {"decision": "return", "reason": reason}, headers)
    return Answer(status, answer, answer_headers)


def run_threads(targets: Iterable[Callable[[], None]], timeout: float = 120) -> None:
    threads = [threading.Thread(target=target, daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a client thread hung"


def single_effects(factory: sessionmaker, task_ids: list[int], compare_states: bool = True) -> list[str]:
    """What is wrong with the 退回修改 of each vet task: it must be completed exactly once — one
    ``task_completed`` event, one open 更正 task, one 我的消息, one e-mail in the outbox, the decision
    on the submission — and (``compare_states``) each instance's row and inbox must agree with its
    engine state (engine.consistency, what `duibiao engine check` runs). An empty list when all is well."""
    with factory() as session:
        vets = session.execute(select(HumanTask.id, HumanTask.instance_id, HumanTask.state,
                                      ProcessInstance.business_key)
                               .join(ProcessInstance).where(HumanTask.id.in_(task_ids))).all()
        instances = [row.instance_id for row in vets]
        org_of = {row.instance_id: int(row.business_key.split(":", 1)[1]) for row in vets}
        counted = {
            "inbox rows": _per(session, HumanTask.instance_id, HumanTask.instance_id.in_(instances)),
            "open 更正 tasks": _per(session, HumanTask.instance_id, HumanTask.instance_id.in_(instances),
                                  HumanTask.task_name == "correct_registration", HumanTask.state == "ready"),
            "completion events": _per(session, ProcessEvent.instance_id, ProcessEvent.instance_id.in_(instances),
                                      ProcessEvent.kind == "task_completed"),
        }
        by_org = {
            "messages": _per(session, Message.organization_id, Message.organization_id.in_(org_of.values()),
                             Message.user_id.is_(None)),  # the notices (not the people's 新待办)
            "e-mails": {int(recipient.split(":", 1)[1]): n for recipient, n in _per(
                session, OutboxItem.recipient,
                OutboxItem.recipient.in_([f"organization:{o}" for o in org_of.values()])).items()},
            "decisions": _per(session, RegistrationSubmission.organization_id,
                              RegistrationSubmission.organization_id.in_(org_of.values()),
                              RegistrationSubmission.decision == "return"),
        }
        problems = [f"task {row.id}: {row.state}" for row in vets if row.state != "completed"]
        expected = {"inbox rows": 2, "open 更正 tasks": 1, "completion events": 1}
        for instance in instances:
            problems += [f"instance {instance}: {n} {what}" for what, per in counted.items()
                         if (n := per.get(instance, 0)) != expected[what]]
            problems += [f"organisation {org_of[instance]}: {n} {what}" for what, per in by_org.items()
                         if (n := per.get(org_of[instance], 0)) != 1]
        if compare_states:
            rows = session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(instances))
                                   .options(undefer(ProcessInstance.state)))
            problems += [f"instance {row.id} disagrees with its engine state: {finding}"
                         for row in rows if (finding := consistency.check_instance(session, row))]
        return problems


def _per(session, column, *conditions) -> dict:
    return dict(session.execute(select(column, func.count()).where(*conditions).group_by(column)).all())
