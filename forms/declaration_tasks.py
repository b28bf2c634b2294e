"""Form keys of self_declaration (我要对标): the office's 核查."""
from __future__ import annotations

from forms.task_form import TaskForm

TASK_FORMS: dict[str, TaskForm] = {}
