"""我要对标: an enterprise's self-declaration (自我声明), published at once, checked by the office.

A declaration is stored with status ``new`` and the ``self_declaration`` process is
started in the same transaction; its service tasks move the status (``published``,
then ``confirmed`` or ``taken_down``, or ``withdrawn`` when the enterprise 撤回 it before
the office's 核查), never a view. The public 对标结果 list shows ``published`` and
``confirmed`` declarations. An enterprise has at most one declaration per 产品型号 that
is neither taken down nor withdrawn (models compared as compliance compares them). Search is a substring match over
``search_text`` (产品名称, 产品型号 and each 标准号 through ``keys.search_key``) or over
the enterprise's current 企业名称 (read live, so a renamed enterprise is found by its
new name).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, literal_column, select, union
from sqlalchemy.orm import Session

from engine import clock, inbox, runtime
from engine.counting import capped_count
from engine.domain.compliance import model_key
from engine.domain.errors import InputError
from engine.domain.keys import clean_query, search_key
from engine.services import ServiceContext
from engine.text import N_
from engine.text_search import ids_containing, like_pattern
from storage.models import (
    Declaration,
    DeclarationIndicator,
    HumanTask,
    Organization,
    ProcessInstance,
    StoredFile,
    User,
)
from storage.models.search import DECLARATION_FTS, ORGANIZATION_COMPACT_FTS

PROCESS_KEY = "self_declaration"
PUBLIC_STATUSES = ("published", "confirmed")
# Over for good: the 产品型号 may be declared again.
CLOSED_STATUSES = ("taken_down", "withdrawn")


def status_words(declaration: Declaration) -> str:
    """The words of its status: the stage label of its process (the BPMN's), in the source language."""
    return (declaration.instance.stage_label if declaration.instance is not None else None) or ""
CHECK_TASK = "check_declaration"  # the office's 核查, which a withdrawal interrupts
WITHDRAW_MESSAGE = "withdraw_declaration"
DECISIONS = ("confirm", "take_down")
MAX_QUERY = 100  # characters of the user's query that are searched for
MAX_STATEMENT = 2000


class DeclarationRefused(Exception):
    """This user may not publish a self-declaration."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class DeclarationDraft:
    """What the 我要对标 form collects (标准号 already normalised by the form)."""

    product_name: str
    product_model: str
    standards: list[dict]  # {"number", "name"}
    indicators: list[dict]  # {"name", "own_value", "benchmark_value", "benchmark_standard"}
    statement: str
    attachment: StoredFile | None = None


def refusal(user: User) -> str | None:
    """Why this user may not declare (None: they may)."""
    if not user.has_role("enterprise") or user.organization.kind != "enterprise":
        return N_("只有企业用户可以发布自我声明")
    if not user.organization.is_active:
        return N_("帐号审核通过后才能发布自我声明")
    return None


def search_text(product_name: str, product_model: str, standards: list[dict]) -> str:
    """One search key per line, so a match never spans two fields."""
    values = [product_name, product_model, *(s.get("number", "") for s in standards)]
    return "\n".join(search_key(value) for value in values)


def _check(draft: DeclarationDraft) -> None:
    if not draft.product_name.strip():
        raise InputError("product_name", N_("请填写产品名称"))
    if not draft.product_model.strip():
        raise InputError("product_model", N_("请填写产品型号"))
    if not draft.standards:
        raise InputError("standards", N_("请至少填写一项对比标准"))
    if not draft.indicators:
        raise InputError("indicators", N_("请至少填写一项指标"))
    if not draft.statement.strip() or len(draft.statement) > MAX_STATEMENT:
        raise InputError("statement", N_("请填写声明内容（不超过 %(limit)s 字）", limit=MAX_STATEMENT))


def open_duplicate(session: Session, enterprise_id: int, product_model: str) -> tuple[int, str] | None:
    """(id, status) of this enterprise's declaration of the same 产品型号 that is neither taken down nor
    withdrawn."""
    key = model_key(product_model)
    rows = session.execute(select(Declaration.id, Declaration.product_model, Declaration.status).where(
        Declaration.enterprise_id == enterprise_id, Declaration.status.not_in(CLOSED_STATUSES))
        .order_by(Declaration.id))
    return next(((row.id, row.status) for row in rows if model_key(row.product_model) == key), None)


def _duplicate_refusal(status: str):
    if status == "confirmed":  # checked and public: nothing the enterprise can withdraw any more
        return N_("该产品型号的自我声明已核查通过并在“对标结果”中公布，不能重复发布")
    return N_("本企业已发布过该产品型号的自我声明，请在“我要对标”中查看；原声明撤回后方可重新发布")


def _lock_enterprise(session: Session, organization_id: int) -> None:
    """Serialise one enterprise's declarations (PostgreSQL row lock; SQLite writes are serialised anyway)."""
    session.scalars(select(Organization.id).where(Organization.id == organization_id).with_for_update()).one()


def declare(session: Session, user: User, draft: DeclarationDraft) -> Declaration:
    """Store the declaration and start its process (which publishes it); the caller commits."""
    problem = refusal(user)
    if problem:
        raise DeclarationRefused(problem)
    _check(draft)
    _lock_enterprise(session, user.organization_id)
    duplicate = open_duplicate(session, user.organization_id, draft.product_model)
    if duplicate is not None:
        raise InputError("product_model", _duplicate_refusal(duplicate[1]))
    standards = [{"number": s["number"], "name": s["name"].strip()} for s in draft.standards]
    declaration = Declaration(
        enterprise_id=user.organization_id, product_name=draft.product_name.strip(),
        product_model=draft.product_model.strip(), standards=standards,
        statement=draft.statement.strip(),
        attachment=draft.attachment,
        created_at=clock.now(), created_by_id=user.id,
        search_text=search_text(draft.product_name, draft.product_model, standards))
    session.add(declaration)
    session.flush()
    for position, row in enumerate(draft.indicators, start=1):
        session.add(DeclarationIndicator(
            declaration_id=declaration.id, position=position, name=row["name"].strip(),
            own_value=row["own_value"].strip(), benchmark_value=row["benchmark_value"].strip(),
            benchmark_standard=row["benchmark_standard"].strip()))
    session.flush()
    instance = runtime.start_instance(
        session, PROCESS_KEY,
        subject=f"{user.organization.name}：{declaration.product_name} {declaration.product_model}"[:300],
        business_key=f"declaration:{declaration.id}", actor_id=user.id, org_id=user.organization_id,
        data={"declaration_id": declaration.id, "enterprise_org_id": user.organization_id})
    declaration.instance_id = instance.id
    return declaration


def of_task(session: Session, task: HumanTask) -> Declaration:
    """The declaration a task of self_declaration is about (business key ``declaration:<id>``)."""
    return session.get(Declaration, int(task.instance.business_key.split(":", 1)[1]))


def check(context: ServiceContext, decision: str, reason: str) -> dict:
    """Handler of check_declaration: keeps the public reason; the services move the status."""
    if decision not in DECISIONS:
        raise InputError("decision", N_("请选择核查通过或撤下"))
    declaration = context.get(Declaration, context.data["declaration_id"])
    reason = (reason or "").strip()
    if decision == "take_down" and not reason:
        raise InputError("reason", N_("撤下时须填写撤下原因"))
    declaration.taken_down_reason = reason if decision == "take_down" else None
    context.decided(reason)
    return {"decision": decision}


def withdrawal_refusal(session: Session, declaration: Declaration) -> str | None:
    """Why the enterprise may not 撤回 this declaration (None: it may, while the 核查 is open)."""
    if declaration.status == "withdrawn":
        return N_("该自我声明已撤回")
    if declaration.status != "published" or declaration.instance_id is None:
        return N_("专项办已核查该自我声明，无法撤回")
    if inbox.withdrawable(session, instance_ids=[declaration.instance_id]) is None:
        # The open 核查 has no withdrawal boundary event in the version it started on.
        return N_("该自我声明发布时的流程版本不支持撤回，如需撤下请联系专项办")
    return None


# --- reading ---------------------------------------------------------------------------------


def _matching(statement, query: str | None, dialect: str, session=None):
    """Narrow a statement over Declaration to ``query``: the declaration's key
    or its enterprise's name. One id IN over a UNION, so each arm uses its index (trigrams:
    engine.text_search) where an OR across the join would scan every declaration."""
    raw = clean_query(query, MAX_QUERY)
    key = search_key(raw)
    if not key:
        return statement
    compact = "".join(raw.lower().split())
    name = func.replace(func.lower(Organization.name), literal_column("' '"), literal_column("''"))  # as indexed
    found = ids_containing(dialect, Organization.id, name, ORGANIZATION_COMPACT_FTS, compact, session, folded=True)
    enterprises = select(Organization.id).where(  # the FTS table only finds candidates: LIKE decides, as ever
        Organization.id.in_(found), name.like(like_pattern(compact), escape="\\"))
    return statement.where(Declaration.id.in_(union(
        ids_containing(dialect, Declaration.id, Declaration.search_text, DECLARATION_FTS, key, session, folded=True),
        select(Declaration.id).where(Declaration.enterprise_id.in_(enterprises)))))


def public_list(session: Session, query: str | None, page: int = 1,
                per_page: int = 20) -> tuple[list[Declaration], int]:
    """对标结果: published and confirmed declarations, newest first; (page rows, total)."""
    base = select(Declaration.id).where(Declaration.status.in_(PUBLIC_STATUSES))
    base = _matching(base, query, session.get_bind().dialect.name, session)
    total = capped_count(session, base, (max(1, page) - 1) * per_page)
    ids = list(session.scalars(base.order_by(Declaration.published_at.desc(), Declaration.id.desc())
                               .offset((max(1, page) - 1) * per_page).limit(per_page)))
    rows = {d.id: d for d in session.scalars(select(Declaration).where(Declaration.id.in_(ids)))}
    return [rows[i] for i in ids], total


def of_enterprise(session: Session, organization_id: int, page: int = 1,
                  per_page: int = 20) -> tuple[list[tuple[Declaration, ProcessInstance | None]], int]:
    """我要对标: this enterprise's declarations with their process instance (its stage), newest first."""
    query = select(Declaration).where(Declaration.enterprise_id == organization_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        select(Declaration, ProcessInstance)
        .outerjoin(ProcessInstance, ProcessInstance.id == Declaration.instance_id)
        .where(Declaration.enterprise_id == organization_id)
        .order_by(Declaration.created_at.desc(), Declaration.id.desc())
        .offset((max(1, page) - 1) * per_page).limit(per_page)).all()
    return [(declaration, instance) for declaration, instance in rows], total


def shown(session: Session, declaration_id: int, viewer_org_id: int | None = None) -> Declaration | None:
    """A declaration as the detail page shows it: taken-down ones too (with the notice); a withdrawn
    one only to its own enterprise (``viewer_org_id``)."""
    declaration = session.get(Declaration, declaration_id)
    if declaration is None or declaration.status == "new":
        return None
    if declaration.status == "withdrawn" and declaration.enterprise_id != viewer_org_id:
        return None
    return declaration


def stage_of(session: Session, declaration: Declaration) -> str | None:
    if declaration.instance_id is None:
        return None
    return session.scalar(select(ProcessInstance.stage).where(ProcessInstance.id == declaration.instance_id))


# --- who may download an attachment (wired into engine.domain.files) --------------------------


def is_public_declaration_file(session: Session, file_id: int) -> bool:
    """The attachment of a declaration in 对标结果 (published or confirmed): anyone may download it."""
    return bool(session.scalar(select(exists().where(
        Declaration.attachment_file_id == file_id, Declaration.status.in_(PUBLIC_STATUSES)))))


def declaration_owner(session: Session, file_id: int) -> set[int]:
    """The enterprises whose declaration has this attachment (whatever its status)."""
    return set(session.scalars(select(Declaration.enterprise_id).where(
        Declaration.attachment_file_id == file_id)))
