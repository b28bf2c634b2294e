"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), a frozen clock."""
from __future__ import annotations

import hashlib
import os
import secrets
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, null, select, text
from sqlalchemy.engine import make_url

from engine import clock as engine_clock
from engine import definitions, services, text_search
from engine.domain import auth as auth_domain
from storage import dictionary_seed, migrate
from storage.db import Base, make_engine, make_session_factory


def _database_of_this_worker(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets its own PostgreSQL database, ``<db>_<worker id>`` (created
    when missing, with the encoding and character type of ``<db>``: the trigram search depends on them),
    since every test wipes the tables. (SQLite files are per worker already: they live under
    tmp_path_factory, which xdist gives each worker its own.)"""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                encoding, collate, ctype = connection.execute(text(
                    "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
                    "WHERE datname = :name"), {"name": parsed.database}).one()
                quote = connection.dialect.identifier_preparer.quote
                connection.execute(text(
                    f"CREATE DATABASE {quote(name)} TEMPLATE template0 ENCODING '{encoding}' "
                    f"LC_COLLATE '{collate}' LC_CTYPE '{ctype}'"))
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


PG_URL = _database_of_this_worker(os.environ.get("DUIBIAO_TEST_DATABASE_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
_engines: dict[str, object] = {}
START = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # 09:30 China time


services.load_all()  # what the app factory and the CLI do at start-up
PLATFORM_DUMMY_HASH = auth_domain._DUMMY_HASH  # see cheap_unknown_email_check


def engine_for(backend: str, tmp_path_factory):
    if backend in _engines:
        return _engines[backend]
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = make_engine(PG_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate.upgrade(engine)
    _engines[backend] = engine
    return engine


def wipe(engine) -> None:
    """Every table emptied (ids count from 1 again), the dictionary seeded. On PostgreSQL by DELETE and a
    VACUUM of the tables that had rows (~0.02 s; a TRUNCATE of every table took ~0.15 s): the VACUUM
    leaves their indexes without the deleted rows, as TRUNCATE did (the EXPLAIN tests count index rows)."""
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as connection:
        emptied = [table.name for table in tables if connection.execute(table.delete()).rowcount]
        if engine.dialect.name == "postgresql":  # what TRUNCATE … RESTART IDENTITY did
            sequences = connection.scalars(text(
                "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()"))
            connection.execute(select(*[func.setval(name, 1, False) for name in sequences]))
        dictionary_seed.seed(connection)  # 数据字典: the shipped lists, as migration 0023 left them
        key = engine.url.render_as_string(hide_password=False)
        if key not in _wiped_rows:
            _wiped_rows[key] = connection.scalar(_row_total())
    if engine.dialect.name == "postgresql" and emptied:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # process_instance_subject (migration 0034, not mapped) lost its rows with their instances.
            for name in emptied + (["process_instance_subject"] if "process_instance" in emptied else []):
                connection.execute(text(f'VACUUM "{name}"'))


# --- deploying the workflows once per database ----------------------------------------------
# Deploying parses and checks every BPMN file (~0.1 s, more than many a test's own work); the rows it
# writes into a freshly wiped database are the same every time, so they are written again as they are.

_statements: dict[str, object] = {}
_wiped_rows: dict[str, int] = {}  # rows in a freshly wiped database (the dictionary seed)
_written: dict[tuple, list | None] = {}  # (database, what, clock) -> [(table, rows)], None: run it each time


def _row_total():
    if "row total" not in _statements:  # built once: building it costs more than running it
        _statements["row total"] = text("SELECT " + " + ".join(
            str(select(func.count()).select_from(table).scalar_subquery().self_group())
            for table in Base.metadata.sorted_tables))
    return _statements["row total"]


def _digests(session) -> dict[str, tuple[int, str]]:
    digests = {}
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return digests


def _write_again(session, written: list) -> None:
    for table, rows in written:
        for row in rows:
            session.execute(table.insert().values({name: null() if value is None else value
                                                   for name, value in row.items()}))
        if session.get_bind().dialect.name == "postgresql":
            for column in table.primary_key.columns:
                session.execute(select(func.setval(func.pg_get_serial_sequence(table.name, column.name),
                                                   select(func.max(column)).scalar_subquery())))


def replay(session, what: str, write: Callable[[], object]) -> None:
    """``write()`` on a freshly wiped database, the first time per database (and frozen time); later, the
    rows it wrote are inserted again (same ids, same sequences). Runs ``write()`` itself whenever the
    database is not freshly wiped, or when ``write()`` changed rows that were there before it."""
    url = session.get_bind().url.render_as_string(hide_password=False)
    key = (url, what, engine_clock.now())
    fresh = session.scalar(_row_total()) == _wiped_rows.get(url)
    if not fresh or _written.get(key, ()) is None:
        write()
        return
    if key in _written:
        _write_again(session, _written[key])
        return
    before = _digests(session)
    write()
    session.flush()
    after = _digests(session)
    changed = [table for table in Base.metadata.sorted_tables if before[table.name] != after[table.name]]
    if any(before[table.name][0] for table in changed):
        _written[key] = None
        return
    _written[key] = [(table, [dict(row._mapping) for row in session.execute(
        select(table).order_by(*table.primary_key.columns))]) for table in changed]


@pytest.fixture(scope="session", autouse=True)
def cheap_unknown_email_check():
    """A login with an unknown e-mail checks the password against a dummy hash, as slow as a real one
    (no account enumeration by timing): here one of the fixtures' work factor, the suite tries hundreds
    of unknown addresses (tests/engine/test_domain_accounts.py checks the platform's dummy hash)."""
    from tests.factories import remembered_hash

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth_domain, "_DUMMY_HASH", remembered_hash(secrets.token_hex(16)))
        yield


@pytest.fixture
def frozen_clock():
    engine_clock.set_now(START)
    yield engine_clock
    engine_clock.set_now(None)


@pytest.fixture(params=BACKENDS)
def db_engine(request, tmp_path_factory):
    engine = engine_for(request.param, tmp_path_factory)
    wipe(engine)
    text_search.forget_samples()  # its samples of the wiped tables' columns (kept per database URL)
    yield engine


@pytest.fixture
def session_factory(db_engine):
    return make_session_factory(db_engine)


@pytest.fixture
def session(session_factory, frozen_clock):
    with session_factory() as current:
        yield current


@pytest.fixture
def deployed(session):
    import workflows

    replay(session, "bpmn files", lambda: definitions.deploy_documents(session, workflows.bpmn_files()))
    session.commit()
    return session


def pytest_collection_modifyitems(config, items):
    """The long files first (browser journeys, the slow crawls), then the files with the most tests:
    pytest-xdist's ``--dist loadfile`` hands out files in this order, so the workers end together on
    small files instead of one finishing a long file alone."""
    sizes, group = Counter(item.path for item in items), {}
    for item in items:  # 0: browser files (one after the other: they share a Chromium), 1: slow ones, 2: the rest
        rank = 0 if item.get_closest_marker("browser") else 1 if item.get_closest_marker("slow") else 2
        group[item.path] = min(rank, group.get(item.path, 2))
    items.sort(key=lambda item: (group[item.path], -sizes[item.path], str(item.path)))
