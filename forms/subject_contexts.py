"""What a step of a designer-made form shows of its subject, by the process it runs in: the plan, the
enrolment, the application … — the same partial and context the platform's own forms of that process
show, so that a generic 审核 on a plan shows the plan. Processes not listed show the generic context."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from forms import compliance_tasks, enrollment_tasks, generic_tasks, plan_tasks
from storage.models import HumanTask


@dataclass(frozen=True)
class SubjectContext:
    context: Callable[[Session, HumanTask], dict]
    template: str


GENERIC = SubjectContext(generic_tasks.context, "tasks/_generic_context.html")
BY_PROCESS = {
    "pilot_enrollment": SubjectContext(enrollment_tasks.review_context, "tasks/_enrollment_context.html"),
    "comparison_report": SubjectContext(plan_tasks.report_context, "tasks/_report_context.html"),
    "formal_plan": SubjectContext(plan_tasks.plan_context, "tasks/_plan_context.html"),
    "compliance_review": SubjectContext(compliance_tasks.context, "tasks/_application_context.html"),
}


def for_process(process_key: str) -> SubjectContext:
    return BY_PROCESS.get(process_key, GENERIC)
