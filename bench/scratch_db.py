"""A scratch PostgreSQL database for a benchmark, beside the one DUIBIAO_BENCH_DATABASE_URL names."""
from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def scratch_database(url: str, prefix: str = "bench") -> str:
    """A new, empty PostgreSQL database beside ``url``'s (dropped afterwards): nothing else is touched."""
    parsed = make_url(url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, bench_url: str) -> None:
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(bench_url).database}"'))
    admin.dispose()
