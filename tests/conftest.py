"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), a frozen clock."""
from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine import clock as engine_clock
from engine import definitions, services, text_search
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
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
        dictionary_seed.seed(connection)  # 数据字典: the shipped lists, as migration 0023 left them


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

    definitions.deploy_documents(session, workflows.bpmn_files())
    session.commit()
    return session


def pytest_collection_modifyitems(config, items):
    """The long files first (browser journeys, the slow crawls): pytest-xdist's ``--dist loadfile`` hands
    out files in this order, so the workers end together instead of one finishing a long file alone."""
    items.sort(key=lambda item: 0 if item.get_closest_marker("browser") or item.get_closest_marker("slow") else 1)
