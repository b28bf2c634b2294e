"""Deploying BPMN by content hash and loading the specs of a deployed version."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import bpmn, form_definitions
from storage.models import ProcessDefinition

_spec_cache: dict[tuple[str, str], tuple] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class DeployResult:
    key: str
    version: int
    created: bool


def current(session: Session, key: str) -> ProcessDefinition | None:
    """The version new instances of ``key`` start on."""
    return session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.is_current)
    ).first()


def make_current(session: Session, definition: ProcessDefinition) -> ProcessDefinition | None:
    """Make ``definition`` the version new instances start on; returns the version it replaces.
    Running instances keep the version they started on."""
    previous = current(session, definition.key)
    if previous is not None and previous.id != definition.id:
        previous.is_current = False
        session.flush()  # one current version per key (a unique partial index)
    definition.is_current = True
    session.flush()
    return previous if previous is not None and previous.id != definition.id else None


def deployed_keys(session: Session) -> set[str]:
    """Keys of the processes deployed (in any version)."""
    return set(session.scalars(select(ProcessDefinition.key).distinct()))


def deploy_documents(
    session: Session, documents: list[tuple[str, bytes]], actor_id: int | None = None,
    *, note: str | None = None, reactivate: bool = False,
) -> list[DeployResult]:
    """Deploy every process of ``documents``; a known (key, sha256) is not deployed twice.

    A new version becomes current; a known one becomes current again only with ``reactivate``
    (a designer's deploy), so that re-running ``db upgrade`` over the shipped files never undoes
    what a designer deployed. Call activities are bound at deploy time to the callee's current
    version, so a running instance keeps the whole set of versions it started with.
    """
    form_definitions.ensure_shipped(session)
    infos = {}
    for filename, source in documents:
        for info in bpmn.describe(bpmn.parse_xml(source)):
            infos[info.key] = (filename, source, info)
    results, pending = [], dict(infos)
    while pending:  # deploy callees before their callers
        ready = [k for k, (_, _, i) in pending.items() if not set(i.called) & set(pending)]
        if not ready:
            raise bpmn.BpmnError(f"call activities form a cycle among {sorted(pending)}")
        for key in sorted(ready):
            _filename, source, info = pending.pop(key)
            results.append(_deploy_one(session, info, source, actor_id, note, reactivate))
    return results


def _deploy_one(session, info: bpmn.ProcessInfo, source: bytes, actor_id, note, reactivate) -> DeployResult:
    text = source.decode("utf-8") if isinstance(source, bytes) else source
    dependencies = []
    for called in info.called:
        callee = current(session, called)
        if callee is None:
            raise bpmn.BpmnError(f"{info.key} calls {called}, which is not deployed")
        dependencies.append(callee.id)
    # The designer-made forms its steps show, at their current versions; part of the digest, so that a
    # new form version makes a new process version and running instances keep their forms.
    forms = form_definitions.binding(session, text)
    bound = "|" + ",".join(f"{key}={forms[key]['id']}:{forms[key]['sha256']}" for key in sorted(forms)) \
        if forms else ""
    digest = bpmn.sha256_of(text + "|" + ",".join(map(str, dependencies)) + bound)
    existing = session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.key == info.key, ProcessDefinition.sha256 == digest
        )
    ).first()
    if existing is not None:
        if reactivate:
            make_current(session, existing)
        return DeployResult(info.key, existing.version, False)
    # Parse before storing: a broken document is never deployed.
    bpmn.build_specs(_documents_for(session, text, dependencies), info.key)
    version = (
        session.scalar(select(func.max(ProcessDefinition.version)).where(
            ProcessDefinition.key == info.key
        )) or 0
    ) + 1
    definition = ProcessDefinition(
        key=info.key, version=version, sha256=digest, bpmn_xml=text,
        dependencies=dependencies, deployed_by_id=actor_id, note=note, forms=forms or None,
    )
    session.add(definition)
    session.flush()
    make_current(session, definition)
    return DeployResult(info.key, version, True)


def _documents_for(session: Session, text: str, dependency_ids: list[int]) -> dict[str, str]:
    documents = {"main.bpmn": text}
    seen = set()
    stack = list(dependency_ids)
    while stack:
        definition = session.get(ProcessDefinition, stack.pop())
        if definition.id in seen:
            continue
        seen.add(definition.id)
        documents[f"{definition.key}-v{definition.version}.bpmn"] = definition.bpmn_xml
        stack.extend(definition.dependencies or [])
    return documents


def specs_for(session: Session, definition: ProcessDefinition):
    """(spec, subprocess_specs) of a deployed version, parsed once per process."""
    # The digest covers the text and the bound callees, so it names the specs exactly.
    cache_key = (definition.key, definition.sha256)
    cached = _spec_cache.get(cache_key)
    if cached is not None:
        return cached
    with _cache_lock:
        cached = _spec_cache.get(cache_key)
        if cached is None:
            documents = _documents_for(session, definition.bpmn_xml, definition.dependencies or [])
            cached = bpmn.build_specs(documents, definition.key)
            _spec_cache[cache_key] = cached
    return cached


def clear_cache() -> None:
    _spec_cache.clear()
