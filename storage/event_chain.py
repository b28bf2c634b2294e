"""The hash chain of ``process_event``: each row's hash covers its meaningful fields and the hash of
the row before it in the same instance, so an edited, deleted or inserted row breaks the chain
(``duibiao audit verify``, engine.audit_chain). The newest hash of an instance is kept on
``process_instance.last_event_hash`` beside ``last_event_sequence``: writing an event reads nothing.
"""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

# The columns a row's hash covers, in the order they are encoded.
HASHED = ("instance_id", "sequence", "kind", "task_name", "actor_id", "summary", "created_at",
          "human_task_id", "title", "decision", "reason")


_SCALARS = (str, int, float, bool, type(None))


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _as_stored(summary) -> object:
    """The summary as the JSON column gives it back (non-string keys become strings, tuples lists); the
    engine's summaries (string keys, scalar values) already are."""
    if summary is None:
        return {}
    if all(type(key) is str and type(value) in _SCALARS for key, value in summary.items()):
        return summary
    return json.loads(json.dumps(summary))


def event_hash(row, previous: str | None) -> str:
    """sha256 (hex) of a canonical JSON encoding of ``row``'s hashed fields (a mapping) and ``previous``,
    the hash of the instance's row before it (None for its first row)."""
    values = [previous or ""]
    for name in HASHED:
        value = row[name]
        if name == "summary":
            value = _as_stored(value)
        elif name == "created_at":
            value = _utc_text(value)
        values.append(value)
    encoded = json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def link(rows: list[dict], previous: str | None) -> str | None:
    """Set ``hash`` on each of ``rows`` (one instance's new rows, in sequence order) after ``previous``,
    the instance's newest hash so far; returns the newest hash."""
    for row in rows:
        row["hash"] = previous = event_hash(row, previous)
    return previous
