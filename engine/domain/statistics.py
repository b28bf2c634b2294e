"""统计分析: the programme's figures for the office, each one GROUP BY in the database.

No record is loaded into Python: every figure is an aggregate over the tables the processes write
(organisations, enrolments, plans and their newest process's stage, applications, evaluations,
certificates). Months and days are China time. Codes come back as stored (province codes of
GB/T 2260, 试点领域 and 行业分类 keys, GB/T 4754 section letters); the page puts words on them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from engine.domain.console import china_day_start
from engine.domain.dashboard import StepDuration, median_step_durations
from storage.models import (
    Application,
    Certificate,
    Enrollment,
    EnterpriseProfile,
    Evaluation,
    Organization,
    Pilot,
    Plan,
    ProcessInstance,
)

MAX_MONTHS = 60


@dataclass(frozen=True)
class Period:
    """Whole China-time days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @classmethod
    def last_months(cls, today: date, months: int = 12) -> Period:
        first = date(today.year, today.month, 1)
        for _ in range(months - 1):
            first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
        return cls(first, today)

    def months(self) -> list[str]:
        """'YYYY-MM' of every month the period touches, oldest first."""
        found, day = [], date(self.start.year, self.start.month, 1)
        while day <= self.end:
            found.append(f"{day.year:04d}-{day.month:02d}")
            day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        return found

    def condition(self, column):
        return and_(column >= china_day_start(self.start), column < china_day_start(self.end + timedelta(days=1)))


@dataclass
class PassRate:
    month: str
    evaluated: int
    passed: int

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.passed / self.evaluated, 1) if self.evaluated else None


def _china_month(session: Session, column):
    """The China-time month of a UTC timestamp column, as 'YYYY-MM' text."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def _monthly(session: Session, period: Period, column, *where, series=None) -> dict:
    """{(month, series value) or month: count} of the rows whose ``column`` falls in the period."""
    month = _china_month(session, column).label("month")
    keys = (month,) if series is None else (month, series)
    rows = session.execute(select(*keys, func.count()).where(period.condition(column), *where)
                           .group_by(*keys)).all()
    return {tuple(row[:-1]) if series is not None else row[0]: int(row[-1]) for row in rows}


def registrations_by_month(session: Session, period: Period) -> dict[tuple[str, str], int]:
    """{(month, 'enterprise' | 'institution'): organisations registered}."""
    return _monthly(session, period, Organization.created_at,
                    Organization.kind.in_(("enterprise", "institution")), series=Organization.kind)


def enrollments_by_month(session: Session, period: Period) -> dict[str, int]:
    return _monthly(session, period, Enrollment.created_at)


def applications_by_month(session: Session, period: Period) -> dict[str, int]:
    return _monthly(session, period, Application.created_at)


def certificates_by_month(session: Session, period: Period) -> dict[str, int]:
    """Certificates issued each month (revoked ones too: they were issued)."""
    return _monthly(session, period, Certificate.issued_at)


def plans_by_stage(session: Session) -> list[tuple[str, str | None, int]]:
    """(stage, stageLabel of the BPMN, plans) of every plan now: the stage its newest process is at."""
    stage = func.coalesce(ProcessInstance.stage, Plan.status)
    rows = session.execute(
        select(stage, func.max(ProcessInstance.stage_label), func.count(Plan.id))
        .select_from(Plan).outerjoin(ProcessInstance, ProcessInstance.id == Plan.status_instance_id)
        .group_by(stage).order_by(func.count(Plan.id).desc(), stage)).all()
    return [(code, label, int(n)) for code, label, n in rows]


def plans_by_field(session: Session) -> list[tuple[str, int, int]]:
    """(试点领域, plans, of them published) of every plan now."""
    rows = session.execute(
        select(Pilot.field, func.count(Plan.id), func.sum(case((Plan.published_at.is_not(None), 1), else_=0)))
        .select_from(Plan).join(Pilot, Pilot.id == Plan.pilot_id)
        .group_by(Pilot.field).order_by(Pilot.field)).all()
    return [(field, int(n), int(published or 0)) for field, n, published in rows]


def _certificates_and_applications_by(session: Session, period: Period, key, *joins) -> dict:
    """{key: [applications filed, certificates issued]} in the period, grouped by an enterprise column."""
    enterprise = aliased(Organization)
    found: dict = {}
    for index, (column, source) in enumerate(((Application.created_at, Application),
                                              (Certificate.issued_at, Certificate))):
        query = select(key(enterprise), func.count()).select_from(source)
        if source is Certificate:
            query = query.join(Application, Application.id == Certificate.application_id)
        query = query.join(enterprise, enterprise.id == Application.enterprise_id)
        for target, on in joins:
            query = query.outerjoin(target, on(enterprise))
        for value, n in session.execute(query.where(period.condition(column)).group_by(key(enterprise))).all():
            found.setdefault(value, [0, 0])[index] = int(n)
    return found


def by_province(session: Session, period: Period) -> dict[str | None, list[int]]:
    """{GB/T 2260 province code of the enterprise: [applications, certificates]}."""
    return _certificates_and_applications_by(session, period, lambda org: org.province_code)


def by_sector(session: Session, period: Period) -> dict[str | None, list[int]]:
    """{行业分类 of the enterprise's 企业信息填报 (None: not filled in): [applications, certificates]}."""
    return _certificates_and_applications_by(
        session, period, lambda org: EnterpriseProfile.sector,
        (EnterpriseProfile, lambda org: EnterpriseProfile.organization_id == org.id))


def by_industry_section(session: Session, period: Period) -> dict[str | None, list[int]]:
    """{GB/T 4754 门类 (the section letter of the enterprise's 所属行业; None: not filled in):
    [applications filed, certificates issued]} in the period, in one GROUP BY.

    An application is one row with its certificate if it has one (one certificate per application):
    it counts as filed when it was filed in the period and as certified when its certificate was issued in
    the period, so an application of last year certified this month counts only as a certificate.
    """
    # Constants written into the SQL: the same expression in SELECT and GROUP BY (PostgreSQL compares them).
    section = func.substr(EnterpriseProfile.industry_code, literal_column("1"), literal_column("1"))
    filed, issued = period.condition(Application.created_at), period.condition(Certificate.issued_at)
    rows = session.execute(
        select(section, func.count(case((filed, Application.id))), func.count(case((issued, Certificate.id))))
        .select_from(Application)
        .outerjoin(Certificate, Certificate.application_id == Application.id)
        .outerjoin(EnterpriseProfile, EnterpriseProfile.organization_id == Application.enterprise_id)
        .where(or_(filed, issued)).group_by(section)).all()
    return {letter: [int(applications), int(certificates)] for letter, applications, certificates in rows}


def by_institution(session: Session, period: Period) -> list[tuple[str, int, int, int]]:
    """(institution, applications addressed to it, evaluations it concluded 达标, certificates) in the period."""
    applications = dict(session.execute(
        select(Application.institution_id, func.count()).where(period.condition(Application.created_at))
        .group_by(Application.institution_id)).all())
    passed = dict(session.execute(
        select(Application.institution_id, func.count(Evaluation.id))
        .join(Application, Application.id == Evaluation.application_id)
        .where(period.condition(Evaluation.created_at), Evaluation.conclusion == "pass")
        .group_by(Application.institution_id)).all())
    certificates = dict(session.execute(
        select(Application.institution_id, func.count(Certificate.id))
        .join(Application, Application.id == Certificate.application_id)
        .where(period.condition(Certificate.issued_at)).group_by(Application.institution_id)).all())
    ids = set(applications) | set(passed) | set(certificates)
    names = dict(session.execute(select(Organization.id, Organization.name)
                                 .where(Organization.id.in_(ids))).all()) if ids else {}
    rows = [(names.get(i, str(i)), int(applications.get(i, 0)), int(passed.get(i, 0)), int(certificates.get(i, 0)))
            for i in ids]
    return sorted(rows, key=lambda row: (-row[1], -row[3], row[0]))


def pass_rates(session: Session, period: Period) -> list[PassRate]:
    """Evaluations concluded each month and how many of them said 达标, every month of the period."""
    month = _china_month(session, Evaluation.created_at).label("month")
    counted = {m: (int(n), int(p or 0)) for m, n, p in session.execute(
        select(month, func.count(), func.sum(case((Evaluation.conclusion == "pass", 1), else_=0)))
        .where(period.condition(Evaluation.created_at)).group_by(month)).all()}
    return [PassRate(m, *counted.get(m, (0, 0))) for m in period.months()]


def step_durations(session: Session) -> list[StepDuration]:
    """Median time per step of every process (the same figures as 运行概况's)."""
    return median_step_durations(session)


def clamp(period: Period) -> Period:
    """At most MAX_MONTHS months back from the period's end: a chart of 100 years helps nobody."""
    earliest = Period.last_months(period.end, MAX_MONTHS).start
    return Period(max(period.start, earliest), period.end)
