"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), a frozen clock."""
from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from engine import clock as engine_clock
from engine import definitions, services
from storage import migrate
from storage.db import Base, make_engine, make_session_factory

PG_URL = os.environ.get("DUIBIAO_TEST_DATABASE_URL")
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


@pytest.fixture
def frozen_clock():
    engine_clock.set_now(START)
    yield engine_clock
    engine_clock.set_now(None)


@pytest.fixture(params=BACKENDS)
def db_engine(request, tmp_path_factory):
    engine = engine_for(request.param, tmp_path_factory)
    wipe(engine)
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
