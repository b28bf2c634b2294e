"""What a form key needs: the form class, the context a user sees, and what submit does."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from wtforms import Form

from engine.services import ServiceContext
from storage.files import FileStore
from storage.models import HumanTask


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
