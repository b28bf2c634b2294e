"""Counting the round trips a piece of code makes to PostgreSQL, from what psycopg (and storage.pg_pipeline)
is asked to do."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.pq import TransactionStatus

from storage import pg_pipeline


@contextmanager
def server_waits() -> Iterator[list[int]]:
    """Inside, ``counted[0]`` grows by one for each time the client must wait for PostgreSQL's answer: a
    statement run outside a pipeline, a pipeline synced (psycopg's own, as ``executemany`` makes, included,
    and storage.pg_pipeline's), a COMMIT or ROLLBACK the driver sends itself. A statement queued in a
    pipeline is not one."""
    counted = [0]
    execute, pipeline = psycopg.Cursor.execute, psycopg.Connection.pipeline
    commit, rollback = psycopg.Connection.commit, psycopg.Connection.rollback

    def counting_execute(cursor, *args, **kwargs):
        counted[0] += not cursor.connection.pgconn.pipeline_status
        return execute(cursor, *args, **kwargs)

    @contextmanager
    def counting_pipeline(connection, *args, **kwargs):
        try:
            with pipeline(connection, *args, **kwargs) as opened:
                yield opened
        finally:
            counted[0] += 1  # its end sends a Sync and reads every answer

    def ending(end):
        def counting_end(connection):
            open_ = connection.pgconn.transaction_status != TransactionStatus.IDLE
            counted[0] += open_ and not connection.pgconn.pipeline_status
            return end(connection)

        return counting_end

    def counting(send):
        def counting_send(*args, **kwargs):
            counted[0] += 1  # one Sync, every answer read (a late COMMIT's later, while the answer is built)
            return send(*args, **kwargs)

        return counting_send

    exchange, send_commit = pg_pipeline.exchange, pg_pipeline.send_commit
    psycopg.Cursor.execute, psycopg.Connection.pipeline = counting_execute, counting_pipeline
    psycopg.Connection.commit, psycopg.Connection.rollback = ending(commit), ending(rollback)
    pg_pipeline.exchange, pg_pipeline.send_commit = counting(exchange), counting(send_commit)
    try:
        yield counted
    finally:
        psycopg.Cursor.execute, psycopg.Connection.pipeline = execute, pipeline
        psycopg.Connection.commit, psycopg.Connection.rollback = commit, rollback
        pg_pipeline.exchange, pg_pipeline.send_commit = exchange, send_commit
