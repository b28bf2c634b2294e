"""What a form key needs: the form class, the context a user sees, and what submit does."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from wtforms import Form

from engine import clock
from engine.services import ServiceContext
from storage.files import FileStore
from storage.models import HumanTask, StoredFile

SUBMITTED = ("submission_id", "decision")  # what a form that files a (re)submission sets


@dataclass(frozen=True)
class TaskForm:
    form_class: type[Form]
    context: Callable[[Session, HumanTask], dict]
    prefill: Callable[[Session, HumanTask], dict]
    submit: Callable[[ServiceContext, Form, FileStore], dict]
    template: str  # the partial that shows the context in HTML
    prepare: Callable[[Session, HumanTask, Form], None] | None = None  # choices from the database
    save: Callable[..., None] | None = None  # 保存: keep a draft, the task stays READY
    form_template: str | None = None  # a partial for forms the generic layout cannot show
    # The workflow data its submit sets, which gateway conditions may read (checked at deploy).
    outputs: tuple[str, ...] = ("decision",)


def no_prefill(session: Session, task: HumanTask) -> dict:
    return {}  # a decision is chosen afresh every time


def describe_reviewed(submission, files: Iterable[tuple[str, StoredFile]], **details) -> dict:
    """A submission the office decides on, as its task page, the 历史提交 table and the API show it.

    ``submission`` carries the Reviewed columns; ``files`` are (label, stored file) pairs; ``details``
    are what the kind of submission adds.
    """
    return {
        "id": submission.id, "sequence": submission.sequence,
        "submitted_at": clock.to_china(submission.created_at).strftime("%Y-%m-%d %H:%M"),
        "decision": submission.decision, "reason": submission.reason,
        "files": [{"id": stored.id, "kind": label, "name": stored.original_name, "size": stored.size}
                  for label, stored in files],
        **details,
    }


def latest_and_history(described: list[dict]) -> dict:
    """The newest submission (newest first in ``described``) and the earlier ones: 历史提交."""
    return {"submission": described[0] if described else None, "history": described[1:]}
