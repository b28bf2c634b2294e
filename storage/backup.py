"""``duibiao backup`` / ``restore``: the whole platform (database rows and stored files) in one tar.gz.

A logical export, table by table through SQLAlchemy in foreign-key order, so an archive taken on
SQLite restores into PostgreSQL and back, with no pg_dump. The archive holds, in this order:

* ``manifest.json``: format, schema revision, each table's columns, row count and checksum, the files;
* ``files/<aa>/<rest>``: the file store's blobs (content-addressed: the name is the checksum);
* ``tables/<name>.jsonl``: one JSON array per row, in primary-key order.

A table's checksum is the sha256 of its lines, written in a form that does not depend on the database
(UTC times, JSON columns as canonical JSON text, SQL NULL kept apart from JSON null). Restoring loads
every table in one transaction and, before committing, exports it again and compares: a restore that
did not reproduce the backup exactly changes nothing. Refusals are ``Refused(reason, **params)``; the
command line words them.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    Text,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.pool import NullPool

from storage import backup_files, migrate
from storage.backup_files import Refused
from storage.db import Base

FORMAT = 1
MANIFEST = "manifest.json"
BATCH = 2000
# Tables a migration fills (数据字典 as shipped, 0023): a freshly migrated database holding only their rows
# is still empty for a restore (an office edit of them leaves a dictionary_change row, which counts).
SEEDED = frozenset({"dictionary_entry"})


# --- encoding rows -----------------------------------------------------------------------------


def _encode(value):
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives UTC without offset
        return moment.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _canonical_json(text: str | None) -> str | None:
    """A JSON column's text, the same whichever database kept it (None: SQL NULL)."""
    if text is None:
        return None
    return json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _line(row) -> bytes:
    return json.dumps([_encode(value) for value in row], ensure_ascii=False,
                      separators=(",", ":")).encode() + b"\n"


def _decoder(column) -> Callable:
    kind = column.type
    if isinstance(kind, DateTime):
        return lambda value: None if value is None else datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return lambda value: None if value is None else date.fromisoformat(value)
    if isinstance(kind, LargeBinary):
        return lambda value: None if value is None else base64.b64decode(value)
    if isinstance(kind, Numeric) and kind.asdecimal:
        return lambda value: None if value is None else Decimal(value)
    return lambda value: value


def _is_json(column) -> bool:
    return isinstance(column.type, JSON)


def _columns(table: Table, names: list[str] | None = None) -> list:
    """``table``'s columns in the order ``names`` gives (the archive's), whatever order the database has."""
    if names is None:
        return list(table.columns)
    if sorted(names) != sorted(column.name for column in table.columns):
        raise Refused("columns_differ", table=table.name)
    return [table.columns[name] for name in names]


def dump_table(connection: Connection, table: Table, write: Callable[[bytes], object],
               names: list[str] | None = None) -> tuple[int, str]:
    """Write ``table``'s rows as lines (its ``names`` columns, in that order); returns (rows, sha256)."""
    digest, count = hashlib.sha256(), 0
    columns = _columns(table, names)
    json_at = [index for index, column in enumerate(columns) if _is_json(column)]
    query = select(*[cast(column, Text) if _is_json(column) else column for column in columns])
    result = connection.execution_options(yield_per=BATCH).execute(query.order_by(*table.primary_key.columns))
    for row in result:
        values = list(row)
        for index in json_at:
            values[index] = _canonical_json(values[index])
        line = _line(values)
        digest.update(line)
        write(line)
        count += 1
    return count, digest.hexdigest()


def _load_table(connection: Connection, table: Table, columns: list[str], lines) -> tuple[int, str]:
    """Insert the archive's ``lines`` of ``table`` in batches; returns (rows, sha256 of the lines read)."""
    ordered = _columns(table, columns)
    decoders = [_decoder(column) for column in ordered]
    keys = [_key(column) for column in ordered]
    statement = _insert(connection, table)
    digest, count, batch = hashlib.sha256(), 0, []
    for line in lines:
        digest.update(line)
        values = json.loads(line)
        batch.append({key: decode(value) for key, decode, value in zip(keys, decoders, values, strict=True)})
        count += 1
        if len(batch) == BATCH:
            connection.execute(statement, batch)
            batch = []
    if batch:
        connection.execute(statement, batch)
    return count, digest.hexdigest()


def _key(column) -> str:
    """A row's key for ``column`` in the INSERT (JSON columns get a parameter of their own name)."""
    return f"j_{column.name}" if _is_json(column) else column.name


def _insert(connection: Connection, table: Table):
    """JSON columns arrive as JSON text and are stored as they are (so JSON null stays apart from SQL
    NULL); PostgreSQL is told the text is JSON, SQLite keeps JSON as text anyway."""
    json_columns = [column for column in table.columns if _is_json(column)]
    if not json_columns:
        return insert(table)
    if connection.dialect.name == "postgresql":
        return insert(table).values({column.name: cast(bindparam(_key(column), type_=Text), column.type)
                                     for column in json_columns})
    return insert(table).values({column.name: bindparam(_key(column), type_=Text) for column in json_columns})


# --- the database ------------------------------------------------------------------------------


def table_names() -> list[str]:
    """Every table the platform keeps rows in, parents before children."""
    return [table.name for table in Base.metadata.sorted_tables]


def _reflect(connection: Connection, names: list[str]) -> list[Table]:
    """The tables as the database has them (the columns of its revision, which may be older)."""
    metadata = MetaData()
    try:
        metadata.reflect(bind=connection, only=names)
    except InvalidRequestError as exc:  # a table the archive names that this revision does not have
        raise Refused("not_a_backup") from exc
    return [metadata.tables[name] for name in names]


def _revision(connection: Connection) -> str | None:
    from alembic.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _known_revision(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(migrate._config(None)).get_revision(revision) is not None
    except CommandError:
        return False


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """PostgreSQL: rows came with their ids, so each id sequence starts after the largest."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        if len(table.primary_key.columns) != 1:
            continue
        column = next(iter(table.primary_key.columns))
        sequence = connection.exec_driver_sql(
            "SELECT pg_get_serial_sequence(%s, %s)", (table.name, column.name)).scalar()
        if sequence:
            largest = connection.scalar(select(func.max(column))) or 0
            connection.exec_driver_sql("SELECT setval(%s, %s, false)", (sequence, largest + 1))


# --- backup ------------------------------------------------------------------------------------


def backup(engine: Engine, files_root: Path, output: Path) -> dict:
    """Write the archive of the database behind ``engine`` and the file store at ``files_root``; returns
    its manifest. The rows are read in one transaction (one consistent moment)."""
    current, heads = migrate.revisions(engine)
    if current != heads:
        raise Refused("not_current", current=", ".join(sorted(current)) or "-", head=", ".join(sorted(heads)))
    names = table_names()
    with tempfile.TemporaryDirectory(prefix="duibiao-backup-") as work:
        manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "revision": min(current),
                    "dialect": engine.dialect.name, "tables": []}
        with _snapshot(engine) as connection:
            for table in _reflect(connection, names):
                with open(Path(work) / table.name, "wb") as handle:
                    rows, checksum = dump_table(connection, table, handle.write)
                manifest["tables"].append({"name": table.name, "columns": [c.name for c in table.columns],
                                           "rows": rows, "sha256": checksum})
            named = set(connection.exec_driver_sql("SELECT sha256 FROM stored_file").scalars())
        manifest["files"] = backup_files.listing(files_root)
        manifest["missing_files"] = sorted(named - {entry["sha256"] for entry in manifest["files"]})
        _write_archive(output, manifest, files_root, Path(work))
    return manifest


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction that sees one moment while the platform goes on writing: REPEATABLE READ
    on PostgreSQL; on SQLite (WAL) a deferred BEGIN on a connection of its own (the platform's engine
    begins IMMEDIATE, which would hold the write lock for the whole backup)."""
    if engine.dialect.name != "sqlite":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, \
                connection.begin():
            yield connection
        return
    reader = create_engine(engine.url, poolclass=NullPool)
    event.listen(reader, "connect", lambda dbapi_connection, _record: setattr(
        dbapi_connection, "isolation_level", None))
    event.listen(reader, "begin", lambda connection: connection.exec_driver_sql("BEGIN DEFERRED"))
    try:
        with reader.connect() as connection, connection.begin():
            yield connection
    finally:
        reader.dispose()


def _write_archive(output: Path, manifest: dict, files_root: Path, work: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    try:
        with tarfile.open(partial, "w:gz") as archive:
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
            backup_files.add_to(archive, files_root, manifest["files"])
            for table in manifest["tables"]:
                archive.add(work / table["name"], arcname=f"tables/{table['name']}.jsonl")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(output)  # a half-written archive never has the final name


# --- restore -----------------------------------------------------------------------------------


def restore(engine: Engine, files_root: Path, archive_path: Path, force: bool = False) -> dict:
    """Load the archive into the database behind ``engine`` (no schema yet, or an empty one at the
    archive's revision; ``force``: a non-empty one, whose rows are deleted) and the file store at
    ``files_root``; check every table and file; migrate to the newest revision. Returns the manifest."""
    try:
        archive = tarfile.open(archive_path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise Refused("unreadable", error=str(exc)) from exc
    with archive:
        manifest = _read_manifest(archive)
        _prepare_target(engine, manifest, force)
        members = iter(archive)
        next(members)  # the manifest
        member = backup_files.restore_from(archive, members, files_root, manifest["files"])
        with engine.begin() as connection:
            _load_tables(connection, archive, member, members, manifest)
    migrate.upgrade(engine)  # an archive of an older revision ends up on this version's schema
    return manifest


def _read_manifest(archive: tarfile.TarFile) -> dict:
    first = archive.next()
    if first is None or first.name != MANIFEST:
        raise Refused("not_a_backup")
    manifest = json.loads(archive.extractfile(first).read())
    if manifest.get("format") != FORMAT:
        raise Refused("not_a_backup")
    if not _known_revision(manifest["revision"]):
        raise Refused("unknown_revision", revision=manifest["revision"])
    return manifest


def _prepare_target(engine: Engine, manifest: dict, force: bool) -> None:
    with engine.begin() as connection:
        revision = _revision(connection)
        if revision is not None and revision != manifest["revision"]:
            raise Refused("revision_differs", current=revision, revision=manifest["revision"])
        if revision is not None:
            tables = _reflect(connection, [table["name"] for table in manifest["tables"]])
            filled = [table.name for table in tables if table.name not in SEEDED
                      and connection.execute(select(table).limit(1)).first()]
            if filled and not force:
                raise Refused("not_empty", tables=", ".join(filled[:5]))
    if revision is None:
        migrate.upgrade(engine, manifest["revision"])


def _load_tables(connection: Connection, archive, member, members, manifest: dict) -> None:
    """Load every table (the archive's remaining members, in order), then export each again and compare."""
    expected = manifest["tables"]
    tables = _reflect(connection, [table["name"] for table in expected])
    for table in reversed(tables):  # --force: the old rows go in the same transaction as the new come
        connection.execute(table.delete())
    for table, entry in zip(tables, expected, strict=True):
        if member is None or member.name != f"tables/{table.name}.jsonl":
            raise Refused("truncated")
        rows, checksum = _load_table(connection, table, entry["columns"], archive.extractfile(member))
        if (rows, checksum) != (entry["rows"], entry["sha256"]):
            raise Refused("table_corrupt", table=table.name)
        member = next(members, None)
    _reset_sequences(connection, tables)
    for table, entry in zip(tables, expected, strict=True):
        if dump_table(connection, table, lambda line: None, entry["columns"]) != (entry["rows"], entry["sha256"]):
            raise Refused("table_differs", table=table.name)
