"""A sandbox database for scenarios: SQLite in a folder of its own, never the app's.

The base is built once per run (schema by the migrations, the shipped workflows deployed, a
small world of accounts made like any account is) and copied for each scenario, which is much
faster than building it again. A draft's BPMN is deployed into the copy, so instances started
there run on it; the processes that call a drafted process are deployed again so that their
call activities bind to the draft.
"""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
import zlib
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine import bpmn, clock, definitions, form_definitions, services
from engine.domain.auth import hash_password
from storage import migrate
from storage.db import make_engine, make_session_factory
from storage.files import FileStore, placeholder_pdf
from storage.models import Organization, User

# Every scenario starts at this moment (China time 09:30): results never depend on the day they run.
START = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
PASSWORD = "Scenario#2026"  # noqa: S105 — accounts of a throw-away sandbox
# role → (e-mail, organisation kind, organisation name); the office user, two enterprises, an institution.
WORLD = {
    "office": ("office@scenario.test", "office", "对标达标提升专项行动办公室"),
    "institution": ("institution@scenario.test", "institution", "场景测试检测认证有限公司"),
    "enterprise": ("enterprise@scenario.test", "enterprise", "场景测试电动车有限公司"),
    "enterprise2": ("enterprise2@scenario.test", "enterprise", "场景测试第二电动车有限公司"),
}
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def sample_pdf(title: str = "sample") -> bytes:
    """A small valid one-page PDF: what ``pdf`` means as a scenario's file value."""
    return placeholder_pdf(f"Duibiao scenario document {title}")


def credit_code(seed: int) -> str:
    """A well-formed 统一社会信用代码 (valid check character)."""
    body = f"91{110000 + seed % 900000:06d}MA{seed % 10_000_000:07d}"[:17]
    body = body[:8] + "".join(c if c in _CREDIT_CHARS else "0" for c in body[8:])
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return body + _CREDIT_CHARS[(31 - total % 31) % 31]


def shipped_documents(workflows_dir: str | Path | None = None) -> list[tuple[str, bytes]]:
    """workflows/*.bpmn, with the designer's folder replacing or adding files (as the app deploys)."""
    import workflows

    documents = dict(workflows.bpmn_files())
    if workflows_dir:
        documents.update((path.name, path.read_bytes()) for path in sorted(Path(workflows_dir).glob("*.bpmn")))
    return sorted(documents.items())


@dataclass
class Copy:
    """One scenario's database: a copy of the base, with its own engine and sessions."""

    path: Path
    engine: Engine
    sessions: sessionmaker
    store: FileStore

    def close(self) -> None:
        """Done with it: the file goes."""
        self.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def open_copy(path: Path, store: FileStore) -> Copy:
    engine = make_engine(f"sqlite:///{path}")
    return Copy(path, engine, make_session_factory(engine), store)


class Sandbox:
    """The base database of a run, in ``directory`` (a new temporary folder when None)."""

    def __init__(self, directory: str | Path | None = None, workflows_dir: str | Path | None = None,
                 documents: list[tuple[str, bytes]] | None = None, forms: dict[str, dict] | None = None):
        """``documents`` (file name, BPMN): the processes of the base, e.g. the app's current versions;
        by default the shipped files with the designer's folder (``workflows_dir``) over them.
        ``forms`` (key → schema): designer-made forms deployed before them (the shipped ones anyway)."""
        self.forms = dict(forms or {})
        self._owned = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="duibiao-scenarios-"))
        self.directory.mkdir(parents=True, exist_ok=True)
        self.documents = [(name, source.encode("utf-8") if isinstance(source, str) else source)
                          for name, source in documents] if documents else shipped_documents(workflows_dir)
        self.base = self.directory / "base.sqlite"
        self.store = FileStore(self.directory / "files")  # content-addressed: copies may share it
        self._copies = 0
        services.load_all()
        self._build()

    def _build(self) -> None:
        engine = make_engine(f"sqlite:///{self.base}")
        try:
            migrate.upgrade(engine)
            with clock.frozen_at(START), make_session_factory(engine)() as session:
                for key, schema in sorted(self.forms.items()):
                    form_definitions.deploy(session, key, schema)
                definitions.deploy_documents(session, self.documents)
                make_world(session)
                session.commit()
        finally:
            engine.dispose()
        # Fold the write-ahead log into the file: a copy of the file alone is then the whole database.
        with closing(sqlite3.connect(self.base)) as connection:
            connection.execute("PRAGMA journal_mode=DELETE")

    def copy(self, overrides: dict[str, str | bytes] | None = None, path: Path | None = None,
             store: FileStore | None = None) -> Copy:
        """A fresh copy of the base (at ``path``, else in the sandbox's folder) with the ``overrides``
        (process key → BPMN) deployed."""
        self._copies += 1
        path = path or self.directory / f"scenario-{self._copies}.sqlite"
        shutil.copyfile(self.base, path)
        copy = open_copy(path, store or self.store)
        if overrides:
            try:
                with clock.frozen_at(START), copy.sessions() as session:
                    definitions.deploy_documents(session, self.override_documents(overrides))
                    session.commit()
            except Exception:
                copy.close()
                raise
        return copy

    def override_documents(self, overrides: dict[str, str | bytes]) -> list[tuple[str, bytes]]:
        """The drafts, and the shipped processes that call them (directly or not), to deploy again."""
        drafted = {key: source.encode("utf-8") if isinstance(source, str) else source
                   for key, source in overrides.items()}
        callers: dict[str, tuple[str, bytes, set[str]]] = {}
        for name, source in self.documents:
            for info in bpmn.describe(bpmn.parse_xml(source)):
                callers[info.key] = (name, source, set(info.called))
        chosen, grew = set(drafted), True
        while grew:
            grew = False
            for key, (_name, _source, called) in callers.items():
                if key not in chosen and called & chosen:
                    chosen.add(key)
                    grew = True
        documents = [(f"{key}.bpmn", source) for key, source in sorted(drafted.items())]
        return documents + [(callers[key][0], callers[key][1]) for key in sorted(chosen - set(drafted))]

    def close(self) -> None:
        if self._owned:
            shutil.rmtree(self.directory, ignore_errors=True)


def make_world(session: Session) -> dict[str, User]:
    """The accounts every scenario has: active organisations, one user each."""
    users = {}
    password = hash_password(PASSWORD)  # one slow hash for all of them
    for role, (email, kind, name) in WORLD.items():
        organization = Organization(
            kind=kind, name=name, status="active", province_code="110000", city_code="110100",
            contact="王经理", phone="13800138000", credit_code=credit_code(zlib.crc32(name.encode())),
            address="北京市昌平区科技园永安路36号", founded_on=date(2015, 3, 1),
            service_field="M7454" if kind == "institution" else None, created_at=clock.now())
        session.add(organization)
        session.flush()
        user = User(email=email, password_hash=password, roles=kind, organization_id=organization.id,
                    created_at=clock.now())
        session.add(user)
        session.flush()
        users[role] = user
    return users
