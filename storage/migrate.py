"""Running the Alembic migrations shipped inside the package (works from any directory)."""
from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from storage.db import Base
from storage.models.search import FTS_TABLE, LIST_FTS_TABLES, LIST_TRIGRAM_INDEXES, SUBJECT_SEARCH, TRIGRAM_INDEX


def _config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("storage") / "migrations"))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate to ``revision``; returns the revision before and after (None: an empty database)."""
    with engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(_config(connection), revision)
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration (developers only)."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Search objects created by raw SQL in migrations (not mapped): leave them be."""
    if type_ == "table":
        return not name.startswith(UNMAPPED_TABLE_PREFIXES)
    return not (type_ == "index" and name in UNMAPPED_INDEXES)


UNMAPPED_TABLE_PREFIXES = (FTS_TABLE, *LIST_FTS_TABLES, SUBJECT_SEARCH.name)
UNMAPPED_INDEXES = (TRIGRAM_INDEX, *LIST_TRIGRAM_INDEXES)


def differences(engine: Engine) -> list:
    """What the database lacks compared with the models (empty when migrations match)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object})
        return compare_metadata(context, Base.metadata)


def revisions(engine: Engine) -> tuple[set[str], set[str]]:
    """(the database's current revisions, the shipped migrations' heads): equal when up to date."""
    from alembic.script import ScriptDirectory

    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
        heads = set(ScriptDirectory.from_config(_config(connection)).get_heads())
    return current, heads
