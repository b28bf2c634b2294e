"""Form keys of compliance_review (参与达标): institution evaluation, office filing, corrections."""
from __future__ import annotations

from forms.task_form import TaskForm

TASK_FORMS: dict[str, TaskForm] = {}
