"""记录查询 (the office's record lists) and 证书管理: filters, sorting, exports, the printable register, and
who may see them (issue 17)."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.webapp.compliance_flow import (
    application_fixture,  # noqa: F401
    enterprise_client_fixture,  # noqa: F401
    issued_fixture,  # noqa: F401
    published_fixture,  # noqa: F401
)
from tests.webapp.helpers import field_errors, page
from tests.webapp.pilot_flow import (
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import approved_fixture, drafting_fixture  # noqa: F401
from tests.webapp.test_work_lists import csv_rows, exported

KINDS = ("registrations", "enrollments", "plans", "applications", "declarations", "comments")


def record_ids(client, url: str, **args) -> list[int]:
    response = client.get(url, query_string=args or None)
    assert response.status_code == 200, response.status_code
    return [int(tr.get("data-record-id")) for tr in page(response).xpath("//tr[@data-record-id]")]


def test_every_record_list_answers_the_office_and_nobody_else(office_client, applicant, applicant_client):
    for kind in KINDS:
        assert office_client.get(f"/office/records/{kind}").status_code == 200
        assert applicant_client.get(f"/office/records/{kind}").status_code in (302, 403)
    assert office_client.get("/office/records/users").status_code == 404


def test_registrations_filtered_by_province_kind_and_decision(office_client, new_applicant):
    shenzhen = new_applicant()
    beijing = new_applicant("beijing@test.cn", province_code="110000", city_code="110100", name="北京对标科技有限公司")
    url = "/office/records/registrations"
    assert len(record_ids(office_client, url)) == 2
    assert len(record_ids(office_client, url, province="110000")) == 1
    assert len(record_ids(office_client, url, decision="pending")) == 2
    assert record_ids(office_client, url, decision="approve") == []
    assert len(record_ids(office_client, url, q="北京对标")) == 1
    assert len(record_ids(office_client, url, kind="institution")) == 0
    rows = csv_rows(office_client, url, province="440000", export="csv")
    assert rows[0][:3] == ["单位名称", "所在省份", "单位类型"]
    assert [row[:2] for row in rows[1:]] == [["深圳测试科技有限公司", "广东省"]]
    assert shenzhen.organization_id != beijing.organization_id


def test_bad_record_filter_values(office_client, new_applicant):
    new_applicant()
    response = office_client.get("/office/records/registrations",
                                 query_string={"kind": "admin", "submitted_to": "明天"})
    assert response.status_code == 200
    assert field_errors(response) == {"kind": ["请从列表中选择"], "submitted_to": ["请输入正确的日期，如 2026-12-05"]}
    assert len(page(response).xpath("//tr[@data-record-id]")) == 1


@pytest.mark.slow
def test_the_records_of_a_whole_compliance_run(office_client, issued, institution_client, client):
    assert record_ids(office_client, "/office/records/applications") == [issued.application_id]
    assert record_ids(office_client, "/office/records/applications", q=f"#{issued.application_id}") == [
        issued.application_id]
    assert record_ids(office_client, "/office/records/applications", q="没有这个产品") == []
    assert len(record_ids(office_client, "/office/records/plans", status="published")) == 1
    assert len(record_ids(office_client, "/office/records/enrollments")) == 1
    links = page(office_client.get("/office/records/applications")).xpath("//tr[@data-record-id]//a/@href")
    assert links == [f"/my/applications/{issued.application_id}"]
    assert institution_client.get("/office/records/applications").status_code == 403
    # 证书管理: search by number, state, print and export.
    url = "/office/certificates"
    assert record_ids(office_client, url, q=issued.number) == [issued.certificate_id]
    assert record_ids(office_client, url, state="revoked") == []
    assert record_ids(office_client, url, state="valid") == [issued.certificate_id]
    register = office_client.get("/office/certificates/register", query_string={"state": "valid"})
    assert register.status_code == 200
    assert [tr.get("data-record-id") for tr in page(register).xpath("//tr[@data-record-id]")] == [
        str(issued.certificate_id)]
    assert b"@media print" in exported(office_client, "/static/register_print.css")[3]
    status, _, _, body = exported(office_client, url, q=issued.number, export="xlsx")
    rows = [list(row) for row in load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True)]
    assert status == 200 and rows[0][0] == "证书编号" and rows[1][0] == issued.number
    assert institution_client.get("/office/certificates/register").status_code == 403
    # The public lists export what they show, to anyone, and nothing revoked.
    rows = csv_rows(client, "/results/", q=issued.number, export="csv")
    assert rows[0] == ["企业名称", "产品名称", "产品型号", "标准号", "标准名称", "评价机构", "证书编号", "发证日期"]
    assert [row[6] for row in rows[1:]] == [issued.number]
    assert csv_rows(client, "/results/", q="没有这个企业", export="csv")[1:] == []
    status, _, _, body = exported(client, "/plans/", export="xlsx")
    plans = [list(row) for row in load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True)]
    assert status == 200 and plans[0][3] == "标准号" and len(plans) == 2 and plans[1][5] == "发布"
    assert office_client.post(f"/office/certificates/{issued.certificate_id}/revoke",
                              data={"reason": "抽检不合格"}).status_code == 302
    assert csv_rows(client, "/results/", export="csv")[1:] == []
    assert record_ids(office_client, "/office/certificates", state="revoked") == [issued.certificate_id]


def test_organizations_export_with_the_list_filters(office_client, new_applicant, other_enterprise):
    new_applicant()
    rows = csv_rows(office_client, "/office/organizations/", status="pending", export="csv")
    assert rows[0][:3] == ["单位名称", "统一社会信用代码", "用户类型"]
    assert [(row[0], row[6]) for row in rows[1:]] == [("深圳测试科技有限公司", "待审核")]
    assert len(csv_rows(office_client, "/office/organizations/", export="csv")) == 3
