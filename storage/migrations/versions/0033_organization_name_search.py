"""organization name search: the organisation names that the list searches match, from an index on SQLite too

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 04:10:00

流程实例's search matches an organisation's name (``name LIKE '%…%'``) and 对标结果's the enterprise's name
without spaces, in lower case (``replace(lower(name), ' ', '') LIKE '%…%'``). PostgreSQL answered the first
from ix_organization_name_trgm (0020) and scanned the organisations for the second; SQLite scanned for both.
SQLite: ``organization_name_fts``, an FTS5 trigram table of the name (external content, as 0020's), and
``organization_compact_fts``, a contentless one of the compact form, each kept in step by triggers (a later
migration that rebuilds ``organization`` in batch mode drops them: recreate them there). PostgreSQL: a GIN
trigram index of the compact form. Raw SQL kept out of the ORM metadata (storage.migrate.include_object).
"""
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

COMPACT = "replace(lower({}), ' ', '')"
SQLITE = (
    "CREATE VIRTUAL TABLE organization_name_fts USING fts5(name, content='organization', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE VIRTUAL TABLE organization_compact_fts USING fts5(name, content='', tokenize='trigram')",
    "CREATE TRIGGER organization_name_fts_ai AFTER INSERT ON organization BEGIN "
    "INSERT INTO organization_name_fts(rowid, name) VALUES (new.id, new.name); "
    f"INSERT INTO organization_compact_fts(rowid, name) VALUES (new.id, {COMPACT.format('new.name')}); END",
    "CREATE TRIGGER organization_name_fts_ad AFTER DELETE ON organization BEGIN "
    "INSERT INTO organization_name_fts(organization_name_fts, rowid, name) VALUES ('delete', old.id, old.name); "
    "INSERT INTO organization_compact_fts(organization_compact_fts, rowid, name) "
    f"VALUES ('delete', old.id, {COMPACT.format('old.name')}); END",
    "CREATE TRIGGER organization_name_fts_au AFTER UPDATE OF name ON organization BEGIN "
    "INSERT INTO organization_name_fts(organization_name_fts, rowid, name) VALUES ('delete', old.id, old.name); "
    "INSERT INTO organization_compact_fts(organization_compact_fts, rowid, name) "
    f"VALUES ('delete', old.id, {COMPACT.format('old.name')}); "
    "INSERT INTO organization_name_fts(rowid, name) VALUES (new.id, new.name); "
    f"INSERT INTO organization_compact_fts(rowid, name) VALUES (new.id, {COMPACT.format('new.name')}); END",
    "INSERT INTO organization_name_fts(organization_name_fts) VALUES ('rebuild')",
    f"INSERT INTO organization_compact_fts(rowid, name) SELECT id, {COMPACT.format('name')} FROM organization",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE:
            op.execute(statement)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_organization_compact_name_trgm ON organization USING gin "
                   f"(({COMPACT.format('name')}) gin_trgm_ops) WITH (fastupdate = off)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("au", "ad", "ai"):
            op.execute(f"DROP TRIGGER IF EXISTS organization_name_fts_{suffix}")
        op.execute("DROP TABLE IF EXISTS organization_compact_fts")
        op.execute("DROP TABLE IF EXISTS organization_name_fts")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_organization_compact_name_trgm")
