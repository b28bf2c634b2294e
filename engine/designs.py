"""The designer's workspace: drafts of a process, deploying one, making a deployed version current
again, and the audit trail of all of it (who, when, what changed).

What may be deployed is decided above (validation with the platform's catalogue, the process's
scenarios); this module takes that check as a function so the engine imports nothing from the forms.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from engine import bpmn, bpmn_diff, clock, definitions
from engine.text import N_, Text, listing
from storage.models import DesignAudit, ProcessDefinition, ProcessDraft, ProcessInstance

MAX_NOTE = 500
MAX_SCENARIO_BYTES = 200_000
# Refuses ``(process key, XML, scenarios)`` with validation.Refused (or a subclass) when it may not be
# deployed; scenarios are {file name: YAML}, or None for the files beside the shipped process.
Check = Callable[[str, str, dict | None], None]


class DraftRefused(Exception):
    """A document that cannot be kept as a draft; ``errors`` by field (``xml``, ``note``)."""

    def __init__(self, errors: dict[str, list[Text]]):
        super().__init__("; ".join(str(m) for messages in errors.values() for m in messages))
        self.errors = errors


def checked_document(process_key: str, xml: str | bytes) -> str:
    """The XML as text when it is safe to keep as a draft of ``process_key``; DraftRefused otherwise.

    The hardened parser refuses oversize documents, DOCTYPE/ENTITY declarations (XXE, entity
    expansion) and malformed XML; a draft holds exactly the one executable process it is a draft of.
    """
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > bpmn.MAX_BPMN_BYTES:
        raise DraftRefused({"xml": [N_("BPMN 文件不能超过 2 MB")]})
    try:
        infos = bpmn.describe(bpmn.parse_xml(data))
        text = data.decode("utf-8")
    except bpmn.BpmnError as exc:
        raise DraftRefused({"xml": [Text(N_("不是可以使用的 BPMN 文件：%(error)s"), error=str(exc))]}) from exc
    except UnicodeDecodeError as exc:
        raise DraftRefused({"xml": [N_("BPMN 文件应为 UTF-8 编码")]}) from exc
    keys = [info.key for info in infos]
    if keys != [process_key]:
        raise DraftRefused({"xml": [Text(N_("文件应只包含一个可执行流程“%(key)s”，实际为：%(found)s"),
                                         key=process_key, found=listing(keys) or "—")]})
    return text


def checked_note(note: str | None) -> str:
    """A designer's 备注 (of a process or a form draft): trimmed, refused when too long or with control characters."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DraftRefused({"note": [Text(N_("备注不能超过 %(max)s 个字"), max=MAX_NOTE)]})
    if any(ord(c) < 32 and c not in "\t\n\r" for c in note):
        raise DraftRefused({"note": [N_("备注不能包含控制字符")]})
    return note


def save_draft(session: Session, process_key: str, xml: str | bytes, note: str | None, actor_id: int | None,
               draft: ProcessDraft | None = None, scenarios: dict[str, str] | None = None,
               revision: int | None = None) -> ProcessDraft:
    """保存: a new draft of ``process_key`` (based on its current version, starting with ``scenarios``),
    or ``draft`` updated (its scenarios kept) — refused when ``revision`` (the one the editor opened) is
    no longer the draft's: someone saved it since."""
    text, note = checked_document(process_key, xml), checked_note(note)
    if draft is not None and (draft.state != "open" or draft.process_key != process_key):
        raise DraftRefused({"xml": [N_("这个草稿已部署或已放弃，不能再修改")]})
    now = clock.now()
    if draft is None:
        base = definitions.current(session, process_key)
        draft = ProcessDraft(process_key=process_key, base_definition_id=base.id if base else None,
                             created_by_id=actor_id, created_at=now, scenarios=dict(scenarios or {}),
                             bpmn_xml=text, note=note, updated_by_id=actor_id, updated_at=now, revision=1)
        session.add(draft)
        session.flush()
    else:
        _save_over(session, draft, revision, bpmn_xml=text, note=note, updated_by_id=actor_id, updated_at=now)
    audit(session, actor_id, "draft_saved", process_key, note=note, draft_id=draft.id,
          summary=_summary_against(session, process_key, text))
    return draft


def _save_over(session: Session, draft: ProcessDraft, revision: int | None, **values) -> None:
    """The revision check and the write in one UPDATE: of two saves of the same revision at the same
    moment exactly one wins (a read, then a write, would let both through)."""
    matches = [ProcessDraft.id == draft.id, ProcessDraft.state == "open"]
    if revision is not None:
        matches.append(ProcessDraft.revision == revision)
    saved = session.execute(update(ProcessDraft).where(*matches).values(revision=ProcessDraft.revision + 1, **values)
                            .execution_options(synchronize_session=False))
    if saved.rowcount != 1:
        raise DraftRefused({"xml": [N_("这个草稿已被其他设计者修改：请复制你的修改，刷新页面后再保存")]})
    session.refresh(draft)


def save_scenarios(session: Session, draft: ProcessDraft, scenarios: dict[str, str], actor_id: int | None,
                   problems: Callable[[str, str], list] | None = None) -> None:
    """A draft's scenario files edited in the browser; ``problems(name, text)`` says what is wrong with
    one (unreadable YAML, unknown keys), refused at the file's field."""
    if draft.state != "open":
        raise DraftRefused({"xml": [N_("这个草稿已部署或已放弃，不能再修改")]})
    errors: dict[str, list] = {}
    for name, text in scenarios.items():
        if len(text.encode("utf-8")) > MAX_SCENARIO_BYTES:
            errors[name] = [N_("场景文件不能超过 200 KB")]
        elif problems is not None and (found := problems(name, text)):
            errors[name] = list(found)
    if errors:
        raise DraftRefused(errors)
    changed = sorted(set(scenarios) ^ set(draft.scenarios or {})
                     | {n for n in scenarios if (draft.scenarios or {}).get(n) != scenarios[n]})
    draft.scenarios, draft.updated_by_id, draft.updated_at = dict(scenarios), actor_id, clock.now()
    audit(session, actor_id, "scenarios_saved", draft.process_key, draft_id=draft.id,
          summary={"scenarios": changed})


def discard(session: Session, draft: ProcessDraft, actor_id: int | None) -> None:
    if draft.state != "open":
        raise DraftRefused({"xml": [N_("这个草稿已部署或已放弃")]})
    draft.state, draft.updated_by_id, draft.updated_at = "discarded", actor_id, clock.now()
    audit(session, actor_id, "draft_discarded", draft.process_key, draft_id=draft.id, note=draft.note)


def deploy_draft(session: Session, draft: ProcessDraft, actor_id: int | None, note: str | None,
                 check: Check) -> ProcessDefinition:
    """部署: the draft becomes the version new instances start on, once ``check`` passes."""
    if draft.state != "open":
        raise DraftRefused({"xml": [N_("这个草稿已部署或已放弃")]})
    note = checked_note(note) or draft.note
    check(draft.process_key, draft.bpmn_xml, draft.scenarios)
    summary = _summary_against(session, draft.process_key, draft.bpmn_xml)
    with _one_deploy_at_a_time():
        definition = _deploy(session, draft.process_key, draft.bpmn_xml, actor_id, note)
    definition.scenarios = dict(draft.scenarios)
    draft.state, draft.deployed_definition_id = "deployed", definition.id
    draft.updated_by_id, draft.updated_at = actor_id, clock.now()
    audit(session, actor_id, "deployed", draft.process_key, draft_id=draft.id, definition=definition,
          note=note, summary=summary)
    _rebind_callers(session, draft.process_key, actor_id)
    return definition


def make_current_again(session: Session, definition: ProcessDefinition, actor_id: int | None,
                       note: str | None, check: Check) -> ProcessDefinition | None:
    """设为当前版本 (rollback): an earlier deployed version is what new instances start on again."""
    note = checked_note(note)
    check(definition.key, definition.bpmn_xml, definition.scenarios)
    before = definitions.current(session, definition.key)
    summary = bpmn_diff.diff(before.bpmn_xml, definition.bpmn_xml).summary() if before else {}
    with _one_deploy_at_a_time():
        previous = definitions.make_current(session, definition)
    audit(session, actor_id, "made_current", definition.key, definition=definition, note=note,
          summary={**summary, "previous_version": previous.version if previous else None})
    _rebind_callers(session, definition.key, actor_id)
    return previous


@contextmanager
def _one_deploy_at_a_time() -> Iterator[None]:
    """Two designers deploying the same process at once: the version numbers and the one current version
    are unique in the database, so the later one fails there — say so instead of a 500 (the caller rolls
    back)."""
    try:
        yield
    except IntegrityError as exc:
        raise DraftRefused({"xml": [N_("其他设计者刚刚部署了这个流程：请刷新页面后重试")]}) from exc


def _deploy(session: Session, key: str, text: str, actor_id, note) -> ProcessDefinition:
    (result,) = definitions.deploy_documents(session, [(f"{key}.bpmn", text.encode("utf-8"))], actor_id,
                                             note=note, reactivate=True)
    return session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == key, ProcessDefinition.version == result.version)).one()


def _rebind_callers(session: Session, callee_key: str, actor_id: int | None) -> None:
    """Processes whose current version calls ``callee_key`` are bound to a callee version at deploy:
    deploy them again (same XML) so that new instances call the callee's current version."""
    callee = definitions.current(session, callee_key)
    for caller in session.scalars(select(ProcessDefinition).options(undefer(ProcessDefinition.bpmn_xml))
                                  .where(ProcessDefinition.is_current)).all():
        if callee_key not in _called(caller) or callee.id in (caller.dependencies or []):
            continue
        rebound = _deploy(session, caller.key, caller.bpmn_xml, actor_id, caller.note)
        rebound.scenarios = caller.scenarios
        audit(session, actor_id, "rebound", caller.key, definition=rebound,
              summary={"callee": callee_key, "callee_version": callee.version})


def _called(definition: ProcessDefinition) -> set[str]:
    return {c for info in bpmn.describe(bpmn.parse_xml(definition.bpmn_xml)) for c in info.called}


def _summary_against(session: Session, key: str, text: str) -> dict:
    base = definitions.current(session, key)
    return bpmn_diff.diff(base.bpmn_xml, text).summary() if base else {"added": [], "removed": [], "changed": []}


def audit(session: Session, actor_id: int | None, action: str, process_key: str, *, draft_id: int | None = None,
          definition: ProcessDefinition | None = None, note: str = "", summary: dict | None = None) -> DesignAudit:
    row = DesignAudit(actor_id=actor_id, action=action, process_key=process_key, draft_id=draft_id,
                      definition_id=definition.id if definition else None,
                      version=definition.version if definition else None, note=note or "",
                      summary=summary or {}, created_at=clock.now())
    session.add(row)
    session.flush()
    return row


# --- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VersionRow:
    definition: ProcessDefinition
    running: int
    finished: int


def versions(session: Session, key: str) -> list[VersionRow]:
    """The deployed versions of ``key``, newest first, with their instance counts (one query each)."""
    rows = session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                           .order_by(ProcessDefinition.version.desc())).all()
    counts = instance_counts(session, [row.id for row in rows])
    return [VersionRow(row, *counts.get(row.id, (0, 0))) for row in rows]


def instance_counts(session: Session, definition_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Definition id → (running, finished) instances; 'running' is whatever has not ended."""
    if not definition_ids:
        return {}
    ended = ProcessInstance.status.in_(("completed", "cancelled"))
    query = (select(ProcessInstance.definition_id, func.sum(case((ended, 0), else_=1)),
                    func.sum(case((ended, 1), else_=0)))
             .where(ProcessInstance.definition_id.in_(definition_ids))
             .group_by(ProcessInstance.definition_id))
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in session.execute(query)}


def open_drafts(session: Session, key: str | None = None) -> list[ProcessDraft]:
    query = select(ProcessDraft).where(ProcessDraft.state == "open").order_by(ProcessDraft.updated_at.desc())
    if key is not None:
        query = query.where(ProcessDraft.process_key == key)
    return list(session.scalars(query))


def trail(session: Session, key: str | None = None, limit: int = 50) -> list[DesignAudit]:
    query = select(DesignAudit).order_by(DesignAudit.id.desc()).limit(limit)
    if key is not None:
        query = query.where(DesignAudit.process_key == key)
    return list(session.scalars(query))


def current_definitions(session: Session) -> list[ProcessDefinition]:
    return list(session.scalars(select(ProcessDefinition).where(ProcessDefinition.is_current)
                                .order_by(ProcessDefinition.key)))
