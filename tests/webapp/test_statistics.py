"""统计分析: the office's figures, read from what the real processes wrote, and the period's checks."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from sqlalchemy import select

from engine.domain import statistics
from engine.domain.statistics import Period
from storage.models import Application, Certificate, EnterpriseProfile, Organization
from tests.webapp.compliance_flow import (
    application_fixture,  # noqa: F401
    enterprise_client_fixture,  # noqa: F401
    issued_fixture,  # noqa: F401
    published_fixture,  # noqa: F401
)
from tests.webapp.helpers import field_errors, page
from tests.webapp.pilot_flow import (
    INSTITUTION_NAME,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    is_login_redirect,
    recruiting_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import approved_fixture, drafting_fixture  # noqa: F401

NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


def chart_rows(response, key: str) -> dict[str, list[str]]:
    """{row label: [cells]} of one chart's table."""
    (table,) = page(response).xpath(f"//table[@data-table='{key}']")
    return {" ".join(tr.xpath("./th")[0].text_content().split()): [td.text_content().strip() for td in tr.xpath("./td")]
            for tr in table.xpath("./tbody/tr[th]")}


def test_the_certificate_issued_through_the_processes_is_counted_everywhere(issued, office_client, session_factory):
    response = office_client.get("/office/statistics/", query_string=NOVEMBER)
    assert response.status_code == 200
    # The clock is frozen on 2026-11-10: the period ends today.
    assert page(response).xpath("//*[@data-period]")[0].get("data-period") == "2026-11-01/2026-11-10"
    assert chart_rows(response, "applications") == {"2026-11": ["1", "1"]}
    assert chart_rows(response, "pass-rates") == {"2026-11": ["1", "1", "100.0"]}
    assert chart_rows(response, "by-institution") == {INSTITUTION_NAME: ["1", "1", "1"]}
    with session_factory() as session:
        enterprise = session.scalars(select(Organization).where(Organization.kind == "enterprise")).first()
        assert enterprise.province_code
    assert sum(int(cells[1]) for cells in chart_rows(response, "by-region").values()) == 1
    stages = chart_rows(response, "plans-by-stage")
    assert sum(int(cells[0]) for cells in stages.values()) == 1 and "发布" in stages  # the publicity BPMN's stageLabel
    assert chart_rows(response, "plans-by-field") == {"产品": ["1", "1"]}
    steps = chart_rows(response, "step-days")
    assert any(label.endswith("达标产品评价") for label in steps), steps


def test_each_chart_exports_its_table_as_csv(issued, office_client):
    response = office_client.get("/office/statistics/pass-rates.csv", query_string=NOVEMBER)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "statistics-pass-rates-2026-11-01-2026-11-10.csv" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[1] == ["月份", "评价数", "达标", "通过率（%）"]
    assert rows[2:] == [["2026-11", "1", "1", "100.0"]]
    assert office_client.get("/office/statistics/nothing.csv").status_code == 404


def test_only_the_office_reads_the_statistics(enterprise_client, institution_client, client):
    for other in (enterprise_client, institution_client):
        assert other.get("/office/statistics/").status_code == 403
        assert other.get("/office/statistics/applications.csv").status_code == 403
    assert is_login_redirect(client.get("/office/statistics/"), "/office/statistics/")


def test_a_bad_period_is_said_at_the_field_and_the_last_twelve_months_shown(office_client, frozen_clock):
    response = office_client.get("/office/statistics/", query_string={"start": "2026-13-01", "end": "2026-11-05"})
    assert response.status_code == 200
    assert field_errors(response) == {"start": ["请填写日期，格式如 2026-01-31"]}
    assert page(response).xpath("//*[@data-period]")[0].get("data-period") == "2025-12-01/2026-11-02"
    response = office_client.get("/office/statistics/", query_string={"start": "2026-11-05", "end": "2026-11-01"})
    assert field_errors(response) == {"end": ["截止日期不能早于起始日期"]}
    months = list(chart_rows(response, "registrations"))
    assert months[0] == "2025-12" and months[-1] == "2026-11" and len(months) == 12


def test_months_are_china_time_and_empty_months_are_kept(session_factory):
    """An organisation registered at 01:00 China time on 1 November (17:00 UTC on 31 October) is November's."""
    with session_factory() as session:
        for name, kind, moment in (("甲", "enterprise", datetime(2026, 10, 31, 17, 0, tzinfo=UTC)),
                                   ("乙", "enterprise", datetime(2026, 10, 31, 15, 59, tzinfo=UTC)),
                                   ("丙", "institution", datetime(2026, 9, 3, 2, 0, tzinfo=UTC))):
            session.add(Organization(kind=kind, name=name, status="active", created_at=moment))
        session.flush()
        period = Period(date(2026, 9, 1), date(2026, 11, 30))
        counts = statistics.registrations_by_month(session, period)
        assert counts == {("2026-11", "enterprise"): 1, ("2026-10", "enterprise"): 1, ("2026-09", "institution"): 1}
        assert period.months() == ["2026-09", "2026-10", "2026-11"]
        assert statistics.registrations_by_month(session, Period(date(2026, 11, 1), date(2026, 11, 30))) == {
            ("2026-11", "enterprise"): 1}
        session.rollback()


def test_a_period_longer_than_five_years_is_cut_back():
    period = statistics.clamp(Period(date(2000, 1, 1), date(2026, 11, 10)))
    assert period == Period(date(2021, 12, 1), date(2026, 11, 10)) and len(period.months()) == statistics.MAX_MONTHS


def _profile(organization_id: int, industry_code: str | None) -> EnterpriseProfile:
    return EnterpriseProfile(organization_id=organization_id, scale="small", ownership="private", industry="制造",
                             sector="secondary", main_products="产品", standardization_body="none",
                             industry_code=industry_code)


def _more_applications(session, issued) -> None:
    """Around the certificate issued through the processes (its enterprise made 制造业, C3761): an older
    application of the same enterprise certified in the period, one filed before the period and never
    certified, two of a 科学研究和技术服务业 (M) enterprise, one of an enterprise whose profile predates
    所属行业 (NULL) and one of an enterprise with no profile at all."""
    first = session.get(Application, issued.application_id)
    session.add(_profile(first.enterprise_id, "C3761"))
    others = []
    for name, code in (("M 企业", "M7454"), ("旧资料企业", None), ("未填报企业", "none")):
        organization = Organization(kind="enterprise", name=name, status="active")
        session.add(organization)
        session.flush()
        if code != "none":
            session.add(_profile(organization.id, code))
        others.append(organization.id)

    def filed(enterprise_id: int, day: datetime, certified: datetime | None = None) -> None:
        application = Application(plan_id=first.plan_id, plan_submission_id=first.plan_submission_id,
                                  enterprise_id=enterprise_id, institution_id=first.institution_id,
                                  product_name="电动自行车", product_model=f"M{day:%m%d}{enterprise_id}",
                                  model_key=f"m{day:%m%d}{enterprise_id}", created_at=day)
        session.add(application)
        session.flush()
        if certified:
            session.add(Certificate(application_id=application.id, code=f"code{application.id}", issued_at=certified))

    november = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    filed(first.enterprise_id, datetime(2026, 10, 15, 2, 0, tzinfo=UTC), certified=november)
    filed(first.enterprise_id, datetime(2026, 9, 1, 2, 0, tzinfo=UTC))
    filed(others[0], november)
    filed(others[0], november)
    filed(others[1], november)
    filed(others[2], november)
    session.commit()


def test_applications_and_certificates_by_gb_t_4754_section(issued, office_client, session_factory):
    with session_factory() as session:
        _more_applications(session, issued)
        assert statistics.by_industry_section(session, Period(date(2026, 11, 1), date(2026, 11, 10))) == {
            "C": [1, 2], "M": [2, 0], None: [2, 0]}
        assert statistics.by_industry_section(session, Period(date(2026, 9, 1), date(2026, 10, 31))) == {
            "C": [2, 0]}
    response = office_client.get("/office/statistics/", query_string=NOVEMBER)
    assert chart_rows(response, "by-industry") == {
        "C 制造业": ["1", "2"], "M 科学研究和技术服务业": ["2", "0"], "未填写": ["2", "0"]}
    (section,) = page(response).xpath("//section[@data-section='by-industry']")
    assert "按行业，GB/T 4754 门类" in section.text_content()

    exported = office_client.get("/office/statistics/by-industry.csv", query_string=NOVEMBER)
    assert exported.status_code == 200
    assert "statistics-by-industry-2026-11-01-2026-11-10.csv" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True)[1:])))
    assert rows[0] == ["达标申请与证书（按行业，GB/T 4754 门类）", "统计期间", "2026-11-01", "2026-11-10"]
    assert rows[1:] == [["门类", "达标申请", "颁发证书"], ["C 制造业", "1", "2"],
                        ["M 科学研究和技术服务业", "2", "0"], ["未填写", "2", "0"]]
