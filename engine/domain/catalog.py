"""对标方案, the public catalogue: plans in 公示 (status ``publicity``) or 发布 (``published``).

Search ("请输入标准号、标准名称、机构名称查询") is a substring match over one key per plan,
kept in the table ``plan_search`` (storage/models/search.py):

* **The key.** 标准号, 标准名称 and the institution's 机构名称, each passed through
  ``search_key`` (NFKC, every dash as ``-``, lower case, then spaces, dashes, slashes and
  colons removed: ``engine.domain.keys.search_key``, shared with forms and the other lists)
  and joined by newlines, which no query key contains, so a match never spans two
  fields. The user's query goes through the same function, so ``gb/t 1234—2020`` finds
  ``GB/T 1234-2020`` and ``电动 自行车`` finds ``电动自行车``.
* **Kept in step by a function, not by triggers.** ``refresh_search_entry(session,
  plan_id)`` writes (or deletes) the row from the plan's current state; the code that
  changes a plan's status (the publicity process: entering 公示, leaving it, 发布) calls
  it in the same transaction, and ``refresh_organization`` is called when an institution
  is renamed. The key needs Python's NFKC, which SQL triggers could not reproduce. The
  list also requires ``plan.status`` to be public, so a stale row can never show a plan
  that is not public; a missing row only hides one. ``rebuild`` recomputes every row.
* **SQLite**: ``plan_search_fts``, an FTS5 external-content table with the trigram
  tokenizer, follows ``plan_search`` through triggers (migration 0005). A query key of 3+
  characters is an FTS5 phrase, i.e. a substring match answered by the trigram index
  (EXPLAIN QUERY PLAN: ``SCAN plan_search_fts VIRTUAL TABLE INDEX 0:M…``). Trigrams cannot
  answer 1–2 characters: those scan ``plan_search`` with ``instr`` (public plans only, a
  few hundred bytes each).
* **PostgreSQL**: a GIN ``gin_trgm_ops`` index on ``plan_search.search_text``; the query
  is ``search_text LIKE '%key%'`` (backslash-escaped), which pg_trgm answers with a
  bitmap index scan for 3+ characters and the LIKE rechecks exactly. pg_trgm keeps only
  characters the database's LC_CTYPE calls alphanumeric: under ``C.UTF-8`` (the local
  cluster) and any UTF-8 locale Chinese characters are kept (``show_trgm('电动自行车')``
  has three CJK trigrams), under ``C``/``POSIX`` they are dropped and Chinese queries
  fall back to a full index scan, still correct; migration 0005 warns then.

Order: newest first by the moment the plan became public, ``public_at`` (发布时间 for
发布, the start of 公示 for 公示中: a plan in publicity is nearly always the newest), then
by id. The list shows that date as 发布时间 for 发布 only (a plan in 公示 is not published yet:
the list gives its 公示截止 instead, the plan's page its 公示期).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, column, exists, func, select, table
from sqlalchemy.orm import Session, aliased

from engine.domain.formal_plans import LEVEL1_LABELS
from engine.domain.keys import search_key
from engine.domain.plans import DOCUMENT_LABELS, latest_submission
from engine.text import N_
from storage.models import Organization, Plan, PlanDocument, PlanSubmission
from storage.models.search import FTS_TABLE, PlanSearchEntry

PUBLIC_STATUSES = ("publicity", "published")
STATUS_LABELS = {"publicity": N_("公示中"), "published": N_("发布")}
MAX_QUERY = 100  # characters of search key kept from the user's query
MIN_INDEXED = 3  # shorter keys cannot use trigrams

_fts = table(FTS_TABLE, column("rowid"))


def entry_text(standard_number: str | None, standard_name: str | None, institution: str | None) -> str:
    return "\n".join(search_key(value) for value in (standard_number, standard_name, institution))


def public_at(plan: Plan) -> datetime | None:
    """发布时间 of a published plan, the start of 公示 of one in publicity."""
    if plan.status == "published":
        return plan.published_at or plan.publicity_starts_at or plan.updated_at
    return plan.publicity_starts_at or plan.updated_at


# --- keeping plan_search in step ----------------------------------------------------------


def refresh_search_entry(session: Session, plan_id: int) -> None:
    """Make the plan's catalogue row match the plan: written when public, removed otherwise.

    Call it in the transaction that changes the plan's status (entering 公示, leaving it,
    发布) or its 标准号 / 标准名称 while public. Idempotent; flushes.
    """
    session.flush()
    plan = session.get(Plan, plan_id)
    entry = session.get(PlanSearchEntry, plan_id)
    if plan is None or plan.status not in PUBLIC_STATUSES:
        if entry is not None:
            session.delete(entry)
            session.flush()
        return
    institution = session.get(Organization, plan.organization_id)
    text = entry_text(plan.standard_number, plan.standard_name, institution.name if institution else "")
    if entry is None:
        session.add(PlanSearchEntry(plan_id=plan.id, public_at=public_at(plan), search_text=text))
    else:
        entry.public_at, entry.search_text = public_at(plan), text
    session.flush()


def refresh_organization(session: Session, organization_id: int) -> None:
    """After an institution's 机构名称 changes: refresh its plans' rows."""
    for plan_id in session.scalars(select(Plan.id).where(Plan.organization_id == organization_id)):
        refresh_search_entry(session, plan_id)


def rebuild(session: Session) -> int:
    """Recompute every row (after a bulk change or a restore); returns the public plans' count."""
    stale = select(PlanSearchEntry.plan_id).where(~exists().where(
        and_(Plan.id == PlanSearchEntry.plan_id, Plan.status.in_(PUBLIC_STATUSES))))
    for plan_id in list(session.scalars(stale)):
        refresh_search_entry(session, plan_id)
    public = list(session.scalars(select(Plan.id).where(Plan.status.in_(PUBLIC_STATUSES))))
    for plan_id in public:
        refresh_search_entry(session, plan_id)
    return len(public)


# --- the list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogRow:
    """One line of 对标方案: 试点名称, 产品名称, 发布机构, 标准号, 标准名称, 状态, 发布时间."""

    plan_id: int
    pilot_title: str
    product_name: str
    institution: str
    standard_number: str
    standard_name: str
    status: str
    status_label: str
    public_at: datetime
    publicity_ends_at: datetime | None


def _like_pattern(key: str) -> str:
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching(statement: Select, dialect: str, key: str) -> Select:
    """``statement`` (over plan_search) narrowed to the rows whose key contains ``key``."""
    if not key:
        return statement
    if dialect == "sqlite":
        if len(key) < MIN_INDEXED:
            return statement.where(func.instr(PlanSearchEntry.search_text, key) > 0)
        phrase = '"' + key.replace('"', '""') + '"'
        fts = select(_fts.c.rowid).where(column(FTS_TABLE).op("MATCH")(phrase))
        return statement.where(PlanSearchEntry.plan_id.in_(fts))
    return statement.where(PlanSearchEntry.search_text.like(_like_pattern(key)))


def _public(statement: Select) -> Select:
    return (statement.join(Plan, Plan.id == PlanSearchEntry.plan_id)
            .where(Plan.status.in_(PUBLIC_STATUSES)))


def search(session: Session, query: str | None, page: int = 1,
           per_page: int = 20) -> tuple[list[CatalogRow], int]:
    """Public plans whose 标准号, 标准名称 or 机构名称 contains ``query``; (page rows, total)."""
    key = search_key(query or "")[:MAX_QUERY]
    dialect = session.get_bind().dialect.name
    page = max(1, page)
    total = session.scalar(_matching(_public(select(func.count()).select_from(PlanSearchEntry)),
                                     dialect, key)) or 0
    statement = _matching(_public(select(PlanSearchEntry.public_at, Plan, Organization.name)
                                  .select_from(PlanSearchEntry)), dialect, key)
    statement = (statement.join(Organization, Organization.id == Plan.organization_id)
                 .order_by(PlanSearchEntry.public_at.desc(), PlanSearchEntry.plan_id.desc())
                 .offset((page - 1) * per_page).limit(per_page))
    rows = [_row(plan, institution, at) for at, plan, institution in session.execute(statement)]
    return rows, total


def _row(plan: Plan, institution: str, at: datetime) -> CatalogRow:
    return CatalogRow(plan_id=plan.id, pilot_title=plan.pilot.title, product_name=plan.pilot.product_name,
                      institution=institution, standard_number=plan.standard_number or "",
                      standard_name=plan.standard_name or "", status=plan.status,
                      status_label=STATUS_LABELS[plan.status], public_at=at,
                      publicity_ends_at=plan.publicity_ends_at)


# --- one plan ------------------------------------------------------------------------------


def detail(session: Session, plan_id: int) -> dict | None:
    """A public plan as the catalogue shows it; None when there is none or it is not public.

    Fields come from the plan row; files, indicators and 参编单位 from its latest formal
    submission (stage "plan"), the version that went through review and 公示.
    """
    plan = session.get(Plan, plan_id)
    if plan is None or plan.status not in PUBLIC_STATUSES:
        return None
    institution = session.get(Organization, plan.organization_id)
    submission = latest_submission(session, plan.id, "plan")
    data = submission.data if submission is not None else {}
    return {
        "id": plan.id, "name": plan.name,
        "standard_number": plan.standard_number or data.get("standard_number") or "",
        "standard_name": plan.standard_name or data.get("standard_name") or "",
        "status": plan.status, "status_label": STATUS_LABELS[plan.status],
        "public_at": public_at(plan), "publicity_starts_at": plan.publicity_starts_at,
        "publicity_ends_at": plan.publicity_ends_at, "published_at": plan.published_at,
        # The drafting organisation (发布机构): an institution, or an enterprise that drafted the plan itself.
        "institution": {"id": institution.id, "name": institution.name, "kind": institution.kind},
        "pilot": {"id": plan.pilot.id, "title": plan.pilot.title, "product_name": plan.pilot.product_name},
        "co_drafters": [row.get("name", "") for row in data.get("co_drafters", [])],
        "files": [_file(document) for document in (submission.documents if submission else [])],
        "indicators": [_indicator(row) for row in data.get("indicators", [])],
    }


def _file(document: PlanDocument) -> dict:
    return {"id": document.file.id, "kind": document.kind,
            "label": DOCUMENT_LABELS.get(document.kind, document.kind),
            "name": document.file.original_name, "size": document.file.size}


def _indicator(row: dict) -> dict:
    return {"position": row.get("position"), "level1": row.get("level1"),
            "level1_label": LEVEL1_LABELS.get(row.get("level1"), row.get("level1") or ""),
            "level2": row.get("level2", ""), "value": row.get("value", ""),
            "basis": row.get("basis", ""), "method": row.get("method", "")}


def is_public_file(session: Session, file_id: int) -> bool:
    """A document of the latest formal submission of a public plan: anyone may download it."""
    later = aliased(PlanSubmission)
    latest = (select(func.max(later.sequence)).where(later.plan_id == Plan.id, later.kind == "plan")
              .scalar_subquery())
    return bool(session.scalar(select(exists().where(
        PlanDocument.file_id == file_id, PlanDocument.submission_id == PlanSubmission.id,
        PlanSubmission.kind == "plan", PlanSubmission.plan_id == Plan.id,
        Plan.status.in_(PUBLIC_STATUSES), PlanSubmission.sequence == latest))))
