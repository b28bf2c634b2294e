"""Platform functions that BPMN service tasks name (``spiffworkflow:serviceTaskOperator``).

Each receives the ``ServiceContext`` of the running request (database session,
instance row, acting user, outbox) and the task whose data it may read; it
writes domain rows in the same transaction and returns a small JSON-able
result (kept in task data, so ids and flags only).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from storage import loaded_rows

registry: dict[str, Callable[..., Any]] = {}
# Process key → the workflow data the platform gives an instance when it starts it (what gateway
# conditions of that process may read besides what its own steps set); checked at deploy.
process_inputs: dict[str, set[str]] = {}


def inputs(process_key: str, *names: str) -> None:
    """Declare the data the platform starts ``process_key`` with."""
    process_inputs.setdefault(process_key, set()).update(names)


@dataclass
class ServiceContext:
    session: Session
    instance: Any  # storage.models.ProcessInstance
    actor_id: int | None = None
    data: dict = field(default_factory=dict)  # the data of the task being completed
    events: list[dict] = field(default_factory=list)
    # The session's identity map holds clean rows weakly: without these references a row a
    # form handler loaded is gone by the time the service task after it asks for it again.
    loaded: dict[tuple[type, int], Any] = field(default_factory=dict)
    # Engine ids of the inbox rows still open (READY user tasks as loaded, less the claimed one);
    # set by runtime.load / start_instance, which save() requires.
    open_task_ids: set[str] | None = None
    # What the user task being completed decided beyond its ``decision`` value: the reason given
    # with it and short outcomes (a conclusion, counts), for its history record (engine.history).
    reason: str | None = None
    details: dict = field(default_factory=dict)
    # The history's decision when the form sets no ``decision`` in the workflow data (a designer-made
    # form without that outcome: 已提交), so that an earlier step's decision stays what conditions read.
    history_decision: str | None = None
    # Why the engine stopped in this request ("element: message"), when a step failed (出错).
    failure: str | None = None

    def reason_given(self, recorded: str | None) -> str | None:
        """The reason of the decision taken in this request (whatever form took it), else ``recorded``
        (the reason kept on the submission): a generic step's 退回修改 is told in its own words."""
        return self.reason if self.reason else recorded

    def decided(self, reason: str | None = None, **details) -> None:
        """Note the reason (and outcomes) of the decision being taken, for the task's history."""
        self.reason = reason
        self.details.update({k: v for k, v in details.items() if isinstance(v, str | int | float | bool)})

    def get(self, model: type, row_id: int) -> Any:
        """``session.get`` that keeps the row for the rest of the request (one SELECT per row)."""
        key = (model, int(row_id))
        row = self.loaded.get(key)
        if row is None:
            # The session's object, else one statement built once per model (storage.loaded_rows):
            # Session.get builds and keys a new ORM query every time.
            row = loaded_rows.get(self.session, model, key[1])
            if row is not None:  # a row created later in the request must still be found
                self.loaded[key] = row
        return row


def service(name: str):
    def register(function):
        if name in registry:
            raise ValueError(f"service {name!r} registered twice")
        registry[name] = function
        return function

    return register


def load_all() -> None:
    """Import the modules that register services."""
    from engine.services import (  # noqa: F401
        certificates,
        compliance,
        declarations,
        enrollment,
        plans,
        publicity,
        registration,
    )
