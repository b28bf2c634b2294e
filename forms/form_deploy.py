"""Deploying designer-made forms: checked first (forms.designed.problems), refused with the component
named, the way BPMN is refused (validation.Refused), then stored by engine.form_definitions."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine import form_definitions, validation
from forms import designed


def refusals(key: str, schema) -> list[validation.Problem]:
    """The problems of one form as validation problems (``forms/<key>.form: <key>.<component id>``)."""
    return [validation.Problem(f"forms/{key}.form: {key}" + (f".{p.component_id}" if p.component_id else ""),
                               str(p.message))
            for p in designed.problems(schema)]


def deploy_all(session: Session, schemas: dict[str, dict], actor_id: int | None = None,
               note: str | None = None, *, reactivate: bool = False) -> list[str]:
    """Check every form, deploy none unless all pass (validation.Refused); "key vN" of each."""
    problems = [problem for key, schema in sorted(schemas.items()) for problem in refusals(key, schema)]
    if problems:
        raise validation.Refused(problems)
    deployed = []
    for key, schema in sorted(schemas.items()):
        definition, created = form_definitions.deploy(session, key, schema, actor_id, note, reactivate=reactivate)
        deployed.append(f"{key} v{definition.version}" + ("*" if created else ""))
    return deployed
