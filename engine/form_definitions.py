"""Designer-made forms' deployed versions, and binding them to process versions.

A form is deployed by content hash like a process (a known text is not deployed twice); the newest
deployed version is current. A process version is bound at deploy time to the current versions of the
designer-made forms its user tasks name (``ProcessDefinition.forms``), and that binding is part of its
digest, so a process deployed again after a form changed is a new version while running instances keep
the forms they started with.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import bpmn, clock
from storage.models import FormDefinition, FormDraft, ProcessDefinition


@dataclass(frozen=True)
class BoundForm:
    """A deployed form version as the task pages read it (versions never change: cached by id)."""

    id: int
    key: str
    version: int
    sha256: str
    schema: dict


_by_id: dict[tuple[int, str], BoundForm] = {}


def canonical(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def current(session: Session, key: str) -> FormDefinition | None:
    return session.scalars(select(FormDefinition).where(FormDefinition.key == key, FormDefinition.is_current)).first()


def current_schemas(session: Session) -> dict[str, dict]:
    """Form key → schema of every designer-made form's current version (one query)."""
    return {row.key: row.schema for row in session.scalars(select(FormDefinition).where(FormDefinition.is_current))}


def versions(session: Session, key: str) -> list[FormDefinition]:
    return list(session.scalars(select(FormDefinition).where(FormDefinition.key == key)
                                .order_by(FormDefinition.version.desc())))


def deploy(session: Session, key: str, schema: dict, actor_id: int | None = None,
           note: str | None = None, *, reactivate: bool = True) -> tuple[FormDefinition, bool]:
    """Deploy one form (already checked by forms.designed.problems); (version, created?). A new text is
    the next version and current; a known one becomes current again only with ``reactivate`` (a
    designer's deploy), so that re-running ``db upgrade`` never undoes what a designer deployed."""
    digest = hashlib.sha256(canonical(schema).encode("utf-8")).hexdigest()
    existing = session.scalars(select(FormDefinition).where(
        FormDefinition.key == key, FormDefinition.sha256 == digest)).first()
    if existing is not None:
        if reactivate:
            _make_current(session, existing)
        return existing, False
    version = (session.scalar(select(func.max(FormDefinition.version)).where(FormDefinition.key == key)) or 0) + 1
    definition = FormDefinition(key=key, version=version, sha256=digest, schema=schema,
                                deployed_by_id=actor_id, note=note)
    session.add(definition)
    session.flush()
    _make_current(session, definition)
    return definition, True


def _make_current(session: Session, definition: FormDefinition) -> None:
    previous = current(session, definition.key)
    if previous is not None and previous.id != definition.id:
        previous.is_current = False
        session.flush()  # one current version per key (a unique partial index)
    definition.is_current = True
    session.flush()


def ensure_shipped(session: Session) -> None:
    """Deploy the shipped forms (workflows/forms/) that were never deployed, so that shipped processes
    are bound to them however they are deployed (``db upgrade`` checks and deploys them first)."""
    import workflows

    shipped = {name.removesuffix(".form"): source for name, source in workflows.form_files()}
    if not shipped:
        return
    known = set(session.scalars(select(FormDefinition.key).where(FormDefinition.key.in_(shipped)).distinct()))
    for key in sorted(set(shipped) - known):
        deploy(session, key, json.loads(shipped[key]), reactivate=False)


def draft_schemas(session: Session) -> dict[str, dict]:
    """Form key → schema of its newest open draft (what a process draft's check sees as deployed)."""
    rows = session.execute(select(FormDraft.form_key, FormDraft.schema).where(FormDraft.state == "open")
                           .order_by(FormDraft.updated_at, FormDraft.id))
    return {key: schema for key, schema in rows}


def open_drafts(session: Session, keys: set[str]) -> dict[str, FormDraft]:
    """Form key → its newest open draft, for the keys given."""
    rows = session.scalars(select(FormDraft).where(FormDraft.state == "open", FormDraft.form_key.in_(keys))
                           .order_by(FormDraft.updated_at, FormDraft.id)) if keys else []
    return {draft.form_key: draft for draft in rows}


def deploy_drafts(session: Session, drafts: dict[str, FormDraft], actor_id: int | None,
                  note: str | None) -> list[FormDefinition]:
    """Deploy checked form drafts (with the process that names them): each becomes its form's current
    version and the draft is closed as deployed."""
    deployed = []
    for key, draft in sorted(drafts.items()):
        definition, _created = deploy(session, key, draft.schema, actor_id, note or draft.note)
        draft.state, draft.deployed_definition_id = "deployed", definition.id
        draft.updated_by_id, draft.updated_at = actor_id, clock.now()
        deployed.append(definition)
    session.flush()
    return deployed


def form_keys_of(source: bytes | str) -> set[str]:
    """The form keys the user tasks of a BPMN document name."""
    return {props["formKey"] for props in bpmn.element_properties(source) if props.get("formKey")}


def binding(session: Session, source: bytes | str) -> dict[str, dict]:
    """Form key → its current version ({id, sha256}), for the designer-made forms a document's user tasks
    name. The hash names the content, so that what is cached by it can never be another form's."""
    keys = form_keys_of(source)
    if not keys:
        return {}
    rows = session.execute(select(FormDefinition.key, FormDefinition.id, FormDefinition.sha256).where(
        FormDefinition.key.in_(keys), FormDefinition.is_current))
    return {key: {"id": form_id, "sha256": digest} for key, form_id, digest in rows}


def bound(session: Session, definition: ProcessDefinition, form_key: str) -> BoundForm | None:
    """The version of ``form_key`` a process version was deployed with."""
    entry = (definition.forms or {}).get(form_key)
    return None if not entry else snapshot(session, int(entry["id"]), entry["sha256"])


def snapshot(session: Session, form_id: int, digest: str) -> BoundForm | None:
    """A deployed form version, read once (cached by id and content hash: versions never change)."""
    found = _by_id.get((form_id, digest))
    if found is None:
        row = session.get(FormDefinition, form_id)
        if row is None or row.sha256 != digest:
            return None
        found = _by_id[(form_id, digest)] = BoundForm(row.id, row.key, row.version, row.sha256, row.schema)
    return found


def get(session: Session, form_id: int) -> FormDefinition | None:
    return session.get(FormDefinition, form_id)


def clear_cache() -> None:
    _by_id.clear()
