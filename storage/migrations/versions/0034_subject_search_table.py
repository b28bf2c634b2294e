"""subject search table: PostgreSQL's trigram index of the instances' subjects moves off process_instance

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 07:10:00

Every save of an instance updates its row (state, status, stage, version…), and an update that changes an
indexed column writes a new entry into every index of the table: with the GIN trigram index of ``subject``
(0020) on process_instance, each completion re-inserted every trigram of the unchanged subject (about 40 %
of the WAL a completion wrote, and 0.4 ms of the server's CPU, measured). PostgreSQL: the subjects live in
``process_instance_subject`` (one row per instance, kept in step by triggers on insert and on a changed
subject; deleted with its instance), which carries the index instead. SQLite is unchanged: its FTS5 table
(0020) already follows only a changed subject. Raw SQL kept out of the ORM metadata
(storage.migrate.include_object).
"""
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

UPGRADE = (
    "CREATE TABLE process_instance_subject (instance_id integer PRIMARY KEY "
    "REFERENCES process_instance (id) ON DELETE CASCADE, subject text)",
    "INSERT INTO process_instance_subject (instance_id, subject) SELECT id, subject FROM process_instance",
    "CREATE INDEX ix_process_instance_subject_search_trgm ON process_instance_subject "
    "USING gin (subject gin_trgm_ops) WITH (fastupdate = off)",
    "CREATE FUNCTION process_instance_subject_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO process_instance_subject (instance_id, subject) VALUES (NEW.id, NEW.subject) "
    "ON CONFLICT (instance_id) DO UPDATE SET subject = EXCLUDED.subject; RETURN NULL; END $$",
    "CREATE TRIGGER process_instance_subject_ai AFTER INSERT ON process_instance "
    "FOR EACH ROW EXECUTE FUNCTION process_instance_subject_sync()",
    "CREATE TRIGGER process_instance_subject_au AFTER UPDATE OF subject ON process_instance "
    "FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject) EXECUTE FUNCTION process_instance_subject_sync()",
    "DROP INDEX IF EXISTS ix_process_instance_subject_trgm",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_process_instance_subject_trgm ON process_instance "
               "USING gin (subject gin_trgm_ops) WITH (fastupdate = off)")
    op.execute("DROP TRIGGER IF EXISTS process_instance_subject_au ON process_instance")
    op.execute("DROP TRIGGER IF EXISTS process_instance_subject_ai ON process_instance")
    op.execute("DROP FUNCTION IF EXISTS process_instance_subject_sync()")
    op.execute("DROP TABLE IF EXISTS process_instance_subject")
