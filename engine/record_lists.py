"""The office's record lists (记录查询) and 证书管理: what each selects, and what it is searched, filtered
and sorted by (engine.list_filters). Each SELECT names the record and the organisation it belongs to
(two or more columns: the rows are tuples), so that neither a page nor a 100k-row export loads them one
by one. Statuses are the stage codes the engine wrote (their words are the BPMN's stageLabel).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine.domain import catalog, organizations
from engine.domain.keys import search_key
from engine.list_filters import ListSpec, instances_at_stage, organizations_in
from engine.text_search import ids_containing, like_pattern
from storage.models import (
    Application,
    Certificate,
    Declaration,
    Enrollment,
    Organization,
    Pilot,
    Plan,
    PlanComment,
    ProcessInstance,
    RegistrationSubmission,
)
from storage.models.search import CERTIFICATE_FTS, DECLARATION_FTS

ORGANIZATION_KINDS = ("enterprise", "institution")
PENDING = "pending"  # a submission not decided yet


@dataclass(frozen=True)
class RecordList:
    statement: object  # SELECT record, organisation, …
    id_column: object
    spec: ListSpec
    status_column: object | None = None  # its distinct values are the 状态 filter's choices


def _organization_named(text: str):
    return select(Organization.id).where(Organization.name.like(like_pattern(text), escape="\\"))


def _number(text: str) -> int | None:
    digits = text.removeprefix("#")
    return int(digits) if digits.isdigit() and len(digits) < 10 else None


def _decision(value: str):
    column = RegistrationSubmission.decision
    return column.is_(None) if value == PENDING else column == value


REGISTRATIONS = RecordList(
    statement=select(RegistrationSubmission, Organization).join(
        Organization, Organization.id == RegistrationSubmission.organization_id),
    id_column=RegistrationSubmission.id,
    spec=ListSpec(
        sorts={"submitted": RegistrationSubmission.created_at, "decided": RegistrationSubmission.decided_at,
               "name": Organization.name},
        default_sort="submitted",
        search=lambda text, _: RegistrationSubmission.organization_id.in_(_organization_named(text)),
        choices={"province": lambda code: Organization.province_code == code,
                 "kind": lambda kind: Organization.kind == kind, "decision": _decision},
        dates={"submitted": RegistrationSubmission.created_at}))

_stage_of_enrollment = select(ProcessInstance.stage_label).where(
    ProcessInstance.id == Enrollment.instance_id).scalar_subquery()
ENROLLMENTS = RecordList(
    statement=select(Enrollment, Organization, _stage_of_enrollment.label("stage_label")).join(
        Organization, Organization.id == Enrollment.organization_id),
    id_column=Enrollment.id,
    spec=ListSpec(
        sorts={"created": Enrollment.created_at, "name": Organization.name},
        default_sort="created",
        search=lambda text, _: Enrollment.organization_id.in_(_organization_named(text)) | Enrollment.pilot_id.in_(
            select(Pilot.id).where(Pilot.title.like(like_pattern(text), escape="\\"))),
        choices={"province": lambda code: Organization.province_code == code,
                 "kind": lambda kind: Organization.kind == kind,
                 "stage": lambda stage: Enrollment.instance_id.in_(instances_at_stage(stage))},
        dates={"created": Enrollment.created_at}))

PLANS = RecordList(
    statement=select(Plan, Organization).join(Organization, Organization.id == Plan.organization_id),
    id_column=Plan.id,
    spec=ListSpec(
        sorts={"created": Plan.created_at, "published": Plan.published_at, "standard": Plan.standard_number},
        default_sort="created",
        search=lambda text, _: Plan.standard_number.contains(text, autoescape=True)
        | Plan.name.contains(text, autoescape=True) | Plan.standard_name.contains(text, autoescape=True)
        | Plan.organization_id.in_(_organization_named(text)),
        choices={"province": lambda code: Organization.province_code == code,
                 "status": lambda status: Plan.status == status},
        dates={"created": Plan.created_at, "published": Plan.published_at}),
    status_column=Plan.status)

_institution = aliased(Organization)


def _application_search(text: str, _dialect: str):
    found = (Application.product_name.contains(text, autoescape=True)
             | Application.product_model.contains(text, autoescape=True)
             | Application.enterprise_id.in_(_organization_named(text))
             | Application.institution_id.in_(_organization_named(text))
             | Application.plan_id.in_(select(Plan.id).where(Plan.standard_number.contains(text, autoescape=True))))
    number = _number(text)
    return found | (Application.id == number) if number is not None else found


APPLICATIONS = RecordList(
    statement=select(Application, Organization, _institution.name.label("institution")).join(
        Organization, Organization.id == Application.enterprise_id).join(
        _institution, _institution.id == Application.institution_id),
    id_column=Application.id,
    spec=ListSpec(
        sorts={"created": Application.created_at, "updated": Application.updated_at, "name": Organization.name},
        default_sort="created", search=_application_search,
        choices={"province": lambda code: Organization.province_code == code,
                 "status": lambda status: Application.status == status},
        dates={"created": Application.created_at}),
    status_column=Application.status)


def _certificate_search(text: str, dialect: str):
    found = Certificate.id.in_(ids_containing(dialect, Certificate.id, Certificate.search_text, CERTIFICATE_FTS,
                                              search_key(text)))
    number = _number(text)
    return found | (Certificate.application_id == number) if number is not None else found


CERTIFICATE_STATES = ("valid", "revoked")
CERTIFICATES = RecordList(
    statement=select(Certificate, Application).join(Application, Application.id == Certificate.application_id),
    id_column=Certificate.id,
    spec=ListSpec(
        sorts={"issued": Certificate.issued_at, "number": Certificate.number},
        default_sort="issued", search=_certificate_search,
        choices={"province": lambda code: Application.enterprise_id.in_(organizations_in(code)),
                 "state": lambda state: Certificate.revoked_at.is_(None) if state == "valid"
                 else Certificate.revoked_at.is_not(None)},
        dates={"issued": Certificate.issued_at}))

DECLARATIONS = RecordList(
    statement=select(Declaration, Organization).join(Organization, Organization.id == Declaration.enterprise_id),
    id_column=Declaration.id,
    spec=ListSpec(
        sorts={"created": Declaration.created_at, "published": Declaration.published_at, "name": Organization.name},
        default_sort="created",
        search=lambda text, dialect: Declaration.id.in_(ids_containing(
            dialect, Declaration.id, Declaration.search_text, DECLARATION_FTS, search_key(text))),
        choices={"province": lambda code: Organization.province_code == code,
                 "status": lambda status: Declaration.status == status},
        dates={"created": Declaration.created_at}),
    status_column=Declaration.status)

COMMENTS = RecordList(
    statement=select(PlanComment, Plan).join(Plan, Plan.id == PlanComment.plan_id),
    id_column=PlanComment.id,
    spec=ListSpec(
        sorts={"created": PlanComment.created_at, "resolved": PlanComment.resolved_at},
        default_sort="created",
        search=lambda text, _: PlanComment.text.contains(text, autoescape=True)
        | Plan.standard_number.contains(text, autoescape=True)
        | PlanComment.organization_id.in_(_organization_named(text)),
        choices={"province": lambda code: PlanComment.organization_id.in_(organizations_in(code)),
                 "resolution": lambda value: PlanComment.resolution.is_(None) if value == PENDING
                 else PlanComment.resolution == value},
        dates={"created": PlanComment.created_at}))


def statuses(session: Session, record: RecordList) -> list[str]:
    """The status codes the records are at now (the 状态 filter's choices)."""
    if record.status_column is None:
        return []
    return sorted(code for code in session.scalars(select(record.status_column).distinct()) if code)


# --- the public lists' exports: public data only ---------------------------------------------------


def public_results(dialect: str, query: str):
    """达标结果's rows for 导出: the valid certificates (their frozen public facts), newest first, searched
    as the list is (certificates.results)."""
    statement = select(Certificate).where(Certificate.revoked_at.is_(None))
    key = search_key(query)
    if key:
        statement = statement.where(Certificate.id.in_(
            ids_containing(dialect, Certificate.id, Certificate.search_text, CERTIFICATE_FTS, key)))
    return statement.order_by(Certificate.issued_at.desc(), Certificate.id.desc())


def public_plans(session: Session, query: str, batch: int = 500):
    """对标方案's rows for 导出 (engine.domain.catalog.search, page after page: the public plans are few)."""
    page = 1
    try:
        while True:
            rows, total = catalog.search(session, query, page, batch)
            yield from rows
            if page * batch >= total or not rows:
                return
            page += 1
    finally:
        session.rollback()  # read after the view returned: end the read-only transaction (engine.exports.streamed)


def organization_directory(kind: str | None, status: str | None, query: str):
    """单位管理's rows for 导出: the same filters as its list (engine.domain.organizations.directory), newest
    registration first."""
    conditions = [Organization.kind.in_([kind] if kind in organizations.KINDS else organizations.KINDS)]
    if status in organizations.STATUSES:
        conditions.append(Organization.status == status)
    matches = organizations.name_or_code_matches(query)
    if matches is not None:
        conditions.append(matches)
    return select(Organization).where(*conditions).order_by(Organization.created_at.desc(), Organization.id.desc())
