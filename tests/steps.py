"""Finding a step's open task in tests: by its BPMN step (task name) or by its form key. Steps that share a
form (the generic 审核 form on review_enrollment, review_report, review_plan) are told apart by name."""
from sqlalchemy import or_

from storage.models import HumanTask


def step_is(key: str):
    return or_(HumanTask.form_key == key, HumanTask.task_name == key)
