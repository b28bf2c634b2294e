"""A request's COMMIT read while its answer is being built (PostgreSQL).

The COMMIT is the longest wait of a task completion (issue 15: ≈ 0.45 ms of a 5 ms request, the server
flushing the WAL to disk). Inside a request that allows it (``begin``), the dialect sends the COMMIT
without waiting (storage.pg_pipeline.LateCommit) and the request goes on building its answer; ``settle``
reads the COMMIT's outcome before the answer leaves, and a failed COMMIT is raised there, so that the
caller is told of the failure and never of a success that was not. A transaction the request begins
after its COMMIT begins once the COMMIT is done (it reads the request's own writes, on whichever
connection). Whoever uses the connection first
after the COMMIT reads it (the pool may give the connection to another request first: the outcome is kept
for this one). Outside such a request (a command, the scheduler, a test's session) a COMMIT is waited for
at once, as before.
"""
from __future__ import annotations

from contextvars import ContextVar, Token

_PENDING: ContextVar[list | None] = ContextVar("duibiao_late_commits", default=None)


def begin() -> Token:
    """Late COMMITs from here on, in this context (a request); ``end`` with the token returned."""
    return _PENDING.set([])


def wanted() -> bool:
    return _PENDING.get() is not None


def keep(late) -> None:
    """A COMMIT sent (a pg_pipeline.LateCommit), to be settled before the answer leaves."""
    _PENDING.get().append(late)


def settle_quietly() -> None:
    """Read the outcome of every COMMIT sent late in this context, keeping it for ``settle`` (which tells
    the request): called before the context begins another transaction."""
    pending = _PENDING.get()
    if pending:
        for late in pending:
            late.settle()


def settle() -> Exception | None:
    """Read the outcome of every COMMIT sent late in this context; the first failure, if any."""
    pending = _PENDING.get()
    if not pending:
        return None
    failures = [late.settle() for late in pending]
    pending.clear()
    return next((failure for failure in failures if failure is not None), None)


def end(token: Token) -> Exception | None:
    """Settle what is left, and stop sending COMMITs late in this context."""
    try:
        return settle()
    finally:
        _PENDING.reset(token)
