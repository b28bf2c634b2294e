"""表单 in the designer's workspace: drafts of designer-made forms (form-js schemas), kept until they are
deployed with the process draft that uses them, or discarded — the twin of engine/designs.py for forms.

What makes a schema sound (its component types, option lists, size limits) is decided above, in
forms/designed.py; here a draft only has to be a JSON object of a sane size with a ``components`` list,
so designers can keep unfinished work. The keys of the platform's hand-written forms come from the caller
(the engine imports nothing from the forms)."""
from __future__ import annotations

import json
import re
from collections.abc import Collection

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import clock, form_definitions
from engine.designs import DraftRefused, audit, checked_note
from engine.text import N_, Text
from storage.models import DesignAudit, FormDefinition, FormDraft

MAX_SCHEMA_BYTES = 256 * 1024
MAX_TITLE = 60
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


def checked_key(key: str | None, reserved: Collection[str] = ()) -> str:
    """A new form's key: lowercase letters, digits and underscores, not a hand-written form's key."""
    key = (key or "").strip()
    if not KEY_PATTERN.match(key):
        raise DraftRefused({"key": [N_("表单标识应以小写字母开头，只含小写字母、数字和下划线，长 2–64 个字符")]})
    if key in reserved:
        raise DraftRefused({"key": [Text(N_("“%(key)s”是平台内置表单的标识，请换一个"), key=key)]})
    return key


def checked_schema(schema, key: str) -> dict:
    """The schema when it can be kept as a draft of ``key``: a JSON object of at most 256 KB whose
    ``components`` is a list of objects and whose ``id`` (when given) is the key; DraftRefused otherwise."""
    if not isinstance(schema, dict):
        raise DraftRefused({"schema": [N_("表单定义应为 JSON 对象")]})
    try:
        size = len(json.dumps(schema, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        raise DraftRefused({"schema": [N_("表单定义不是有效的 JSON")]}) from exc
    if size > MAX_SCHEMA_BYTES:
        raise DraftRefused({"schema": [N_("表单定义不能超过 256 KB")]})
    components = schema.get("components")
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise DraftRefused({"schema": [N_("表单定义应有 components 列表，其中每一项是一个字段")]})
    if schema.get("id", key) != key:
        raise DraftRefused({"schema": [Text(N_("表单定义的 id 应为“%(key)s”"), key=key)]})
    return {**schema, "id": key}


def schema_from_file(data: bytes, key: str) -> dict:
    """An uploaded .form file (a form-js document, from Camunda's Modeler say) as a schema of ``key``:
    at most 256 KB of UTF-8 JSON; its own id is replaced by the key."""
    if len(data) > MAX_SCHEMA_BYTES:
        raise DraftRefused({"schema": [N_("表单定义不能超过 256 KB")]})
    try:
        schema = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DraftRefused({"schema": [N_("表单文件应为 UTF-8 编码")]}) from exc
    except (ValueError, RecursionError) as exc:
        raise DraftRefused({"schema": [N_("表单文件不是有效的 JSON")]}) from exc
    if isinstance(schema, dict):
        schema = {**schema, "id": key}
    return checked_schema(schema, key)


def blank_schema(key: str, title: str = "") -> dict:
    """A new form: no fields yet; its 名称 is the schema's ``title`` (what forms.designed.title reads)."""
    schema = {"type": "default", "id": key, "components": []}
    if title:
        schema["title"] = title
    return schema


def _checked_title(title: str | None) -> str:
    title = (title or "").strip()
    if len(title) > MAX_TITLE or any(ord(c) < 32 for c in title):
        raise DraftRefused({"name": [Text(N_("名称不能超过 %(max)s 个字，且不能包含控制字符"), max=MAX_TITLE)]})
    return title


def new_draft(session: Session, key: str, actor_id: int | None, schema: dict | None = None, note: str = "",
              title: str = "") -> FormDraft:
    """新建: a draft of ``key``, from ``schema``, else from its current deployed version, else blank."""
    key = checked_key(key)
    base = form_definitions.current(session, key)
    if schema is None:
        schema = dict(base.schema) if base is not None else blank_schema(key, _checked_title(title))
    schema, note = checked_schema(schema, key), checked_note(note)
    now = clock.now()
    draft = FormDraft(form_key=key, schema=schema, note=note, state="open", revision=1,
                      base_definition_id=base.id if base else None, created_by_id=actor_id, created_at=now,
                      updated_by_id=actor_id, updated_at=now)
    session.add(draft)
    session.flush()
    audit(session, actor_id, "form_saved", key, draft_id=draft.id, note=note,
          summary={"form": True, "fields": _field_count(schema)})
    return draft


def save_draft(session: Session, draft_id: int, schema, revision: int | None, note: str | None,
               actor_id: int | None) -> FormDraft:
    """保存: the draft's schema replaced — refused when ``revision`` (the one the editor opened) is no
    longer the draft's (a colleague saved since), or when the draft is no longer open. The check and the
    write are one UPDATE, so of two saves of the same revision at the same moment exactly one wins."""
    draft = session.get(FormDraft, draft_id)
    if draft is None or draft.state != "open":
        raise DraftRefused({"schema": [N_("这个表单草稿已部署或已放弃，不能再修改")]})
    schema, note = checked_schema(schema, draft.form_key), checked_note(note)
    matches = [FormDraft.id == draft_id, FormDraft.state == "open"]
    if revision is not None:
        matches.append(FormDraft.revision == revision)
    saved = session.execute(update(FormDraft).where(*matches).values(
        schema=schema, note=note, updated_by_id=actor_id, updated_at=clock.now(), revision=FormDraft.revision + 1)
        .execution_options(synchronize_session=False))
    if saved.rowcount != 1:
        raise DraftRefused({"schema": [N_("这个草稿已被其他设计者修改：请复制你的修改，刷新页面后再保存")]})
    session.refresh(draft)
    audit(session, actor_id, "form_saved", draft.form_key, draft_id=draft.id, note=note,
          summary={"form": True, "fields": _field_count(schema)})
    return draft


def discard(session: Session, draft_id: int, actor_id: int | None) -> FormDraft:
    draft = _open_draft(session, draft_id)
    draft.state, draft.updated_by_id, draft.updated_at = "discarded", actor_id, clock.now()
    audit(session, actor_id, "form_discarded", draft.form_key, draft_id=draft.id, note=draft.note,
          summary={"form": True})
    return draft


def _open_draft(session: Session, draft_id: int) -> FormDraft:
    draft = session.get(FormDraft, draft_id, with_for_update=True, populate_existing=True)
    if draft is None or draft.state != "open":
        raise DraftRefused({"schema": [N_("这个表单草稿已部署或已放弃，不能再修改")]})
    return draft


def _field_count(schema: dict) -> int:
    """Components at any depth (groups and repeating tables hold their own)."""
    def count(components) -> int:
        return sum(1 + count(c.get("components") or []) for c in components if isinstance(c, dict))
    return count(schema.get("components") or [])


# --- reading ------------------------------------------------------------------------------------

def open_drafts(session: Session, key: str | None = None) -> list[FormDraft]:
    query = (select(FormDraft).where(FormDraft.state == "open")
             .order_by(FormDraft.updated_at.desc(), FormDraft.id.desc()))
    if key is not None:
        query = query.where(FormDraft.form_key == key)
    return list(session.scalars(query))


def current_versions(session: Session) -> dict[str, FormDefinition]:
    return {d.key: d for d in session.scalars(select(FormDefinition).where(FormDefinition.is_current))}


def trail(session: Session, key: str, limit: int = 50) -> list[DesignAudit]:
    """The design audit rows about form ``key`` (its actions are named form_…)."""
    return list(session.scalars(select(DesignAudit).where(DesignAudit.process_key == key,
                                                          DesignAudit.action.like("form\\_%", escape="\\"))
                                .order_by(DesignAudit.id.desc()).limit(limit)))
