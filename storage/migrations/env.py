"""Alembic environment: the URL and connection come from storage.migrate."""
from alembic import context

import storage.models  # noqa: F401  (registers every table on Base.metadata)
from storage.db import Base
from storage.migrate import include_object

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("storage.migrate passes the connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
