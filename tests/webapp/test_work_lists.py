"""待办 / 已办 with search, filters, sorting and 导出 CSV / 导出 Excel (issue 17, "where is my work")."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import unquote

from openpyxl import load_workbook

from engine import clock
from storage.models import ProcessInstance
from tests.conftest import START
from tests.webapp.helpers import decide, field_errors, open_task, page

BEIJING = {"province_code": "110000", "city_code": "110100", "name": "北京对标科技有限公司"}
TODAY = clock.to_china(START).date()


def exported(client, url: str, **args):
    """An export's status, type, disposition and body; the response closed (a WSGI server closes the
    streamed CSV's generator, which ends its request)."""
    with client.get(url, query_string=args or None) as response:
        return (response.status_code, response.mimetype, response.headers.get("Content-Disposition"),
                response.get_data())


def csv_rows(client, url: str, **args) -> list[list[str]]:
    status, mimetype, _, body = exported(client, url, **args)
    assert status == 200 and mimetype == "text/csv"
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def inbox_subjects(client, **args) -> list[str]:
    response = client.get("/tasks/", query_string=args)
    assert response.status_code == 200
    return [" ".join(tr.xpath("string(td[3])").split()) for tr in page(response).xpath("//tr[@data-task-id]")]


def two_registrations(new_applicant, frozen_clock):
    """深圳 (广东) registered yesterday, 北京 today: two registration reviews in the office's 待办."""
    frozen_clock.set_now(START - timedelta(days=1))
    shenzhen = new_applicant()
    frozen_clock.set_now(START)
    beijing = new_applicant("beijing@test.cn", **BEIJING)
    return shenzhen, beijing


def test_the_office_filters_by_province_and_arrival_day(office_client, new_applicant, frozen_clock):
    two_registrations(new_applicant, frozen_clock)
    assert len(inbox_subjects(office_client)) == 2
    assert inbox_subjects(office_client, province="110000") == ["北京对标科技有限公司"]
    assert inbox_subjects(office_client, province="440000") == ["深圳测试科技有限公司"]
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert inbox_subjects(office_client, waiting_from=yesterday, waiting_to=yesterday) == ["深圳测试科技有限公司"]
    assert inbox_subjects(office_client, waiting_from=TODAY.isoformat()) == ["北京对标科技有限公司"]
    assert inbox_subjects(office_client, province="110000", waiting_to=yesterday) == []


def test_search_process_and_stage(office_client, new_applicant, frozen_clock, session_factory):
    shenzhen, _ = two_registrations(new_applicant, frozen_clock)
    assert inbox_subjects(office_client, q="北京对标") == ["北京对标科技有限公司"]
    assert len(inbox_subjects(office_client, process="registration_vetting")) == 2
    assert inbox_subjects(office_client, process="compliance_review") == []
    with session_factory() as session:
        stage = session.get(ProcessInstance, shenzhen.instance_id).stage
    stages = page(office_client.get("/tasks/")).xpath("//select[@name='stage']/option/@value")
    assert stage in stages
    assert len(inbox_subjects(office_client, stage=stage)) == 2
    other = next(value for value in stages if value and value != stage)
    assert inbox_subjects(office_client, stage=other) == []


def test_sort_by_arrival_either_way(office_client, new_applicant, frozen_clock):
    two_registrations(new_applicant, frozen_clock)
    assert inbox_subjects(office_client) == ["北京对标科技有限公司", "深圳测试科技有限公司"]
    assert inbox_subjects(office_client, sort="arrived", dir="asc") == ["深圳测试科技有限公司", "北京对标科技有限公司"]
    assert inbox_subjects(office_client, sort="drop table") == ["北京对标科技有限公司", "深圳测试科技有限公司"]
    header = page(office_client.get("/tasks/")).xpath("//a[@data-sort='arrived']/@href")[0]
    assert "dir=asc" in header  # the current sort, the other way round


def test_bad_values_are_told_at_their_field_and_the_list_is_unfiltered(office_client, new_applicant, frozen_clock):
    two_registrations(new_applicant, frozen_clock)
    response = office_client.get("/tasks/", query_string={"province": "999999", "waiting_from": "2026-13-40",
                                                          "waiting_to": "x" * 500, "process": "nope"})
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors["province"] == ["请从列表中选择"] and errors["process"] == ["请从列表中选择"]
    assert errors["waiting_from"] == ["请输入正确的日期，如 2026-12-05"]
    assert len(inbox_subjects(office_client, province="999999")) == 2
    reversed_range = office_client.get("/tasks/", query_string={"waiting_from": "2026-11-02",
                                                                "waiting_to": "2026-11-01"})
    assert field_errors(reversed_range)["waiting_from"] == ["起始日期不能晚于截止日期"]


def test_the_pager_and_export_links_keep_the_filters(office_client, new_applicant, frozen_clock):
    two_registrations(new_applicant, frozen_clock)
    links = page(office_client.get("/tasks/?province=110000")).xpath("//a[@data-export]/@href")
    assert sorted(links) == ["/tasks/?province=110000&export=csv", "/tasks/?province=110000&export=xlsx"]


def test_export_csv_has_bom_chinese_headers_and_the_filtered_rows(office_client, new_applicant, frozen_clock):
    two_registrations(new_applicant, frozen_clock)
    disposition = exported(office_client, "/tasks/?province=110000&export=csv")[2]
    assert unquote(disposition).endswith(f"待办-{TODAY.isoformat()}.csv")
    rows = csv_rows(office_client, "/tasks/?province=110000&export=csv")
    assert rows[0] == ["任务编号", "事项", "申请单位 / 主题", "流程", "当前状态", "到达时间", "期限"]
    assert [row[2] for row in rows[1:]] == ["北京对标科技有限公司"]
    assert rows[1][-1] == clock.to_china(START + timedelta(days=5)).strftime("%Y-%m-%d %H:%M")  # 注册审核: 5 days


def test_export_excel_opens_with_the_filtered_rows(office_client, new_applicant, frozen_clock):
    two_registrations(new_applicant, frozen_clock)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    status, mimetype, disposition, body = exported(office_client, "/tasks/", province="440000", waiting_from=yesterday,
                                                   waiting_to=yesterday, export="xlsx")
    assert status == 200 and mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert unquote(disposition).endswith(f"待办-{TODAY.isoformat()}.xlsx")
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["任务编号", "事项", "申请单位 / 主题"]
    assert [row[2] for row in rows[1:]] == ["深圳测试科技有限公司"]


def test_formula_like_cells_are_defused_in_csv(office_client, new_applicant, frozen_clock):
    new_applicant(name="=HYPERLINK(\"http://x\")有限公司")
    rows = csv_rows(office_client, "/tasks/?export=csv")
    assert rows[1][2].startswith("'=HYPERLINK")


def test_done_is_filtered_and_exported_too(office_client, new_applicant, frozen_clock, session_factory):
    shenzhen, beijing = two_registrations(new_applicant, frozen_clock)
    for applicant in (shenzhen, beijing):
        assert decide(office_client, open_task(session_factory, applicant.instance_id).id, "approve").status_code == 302
    response = office_client.get("/tasks/done", query_string={"province": "110000"})
    assert len(page(response).xpath("//tr[@data-task-id]")) == 1
    rows = csv_rows(office_client, "/tasks/done?province=440000&export=csv")
    assert rows[0][-1] == "办理时间" and [row[2] for row in rows[1:]] == ["深圳测试科技有限公司"]


def test_an_enterprise_exports_only_its_own_tasks(office_client, new_applicant, frozen_clock, other_client):
    two_registrations(new_applicant, frozen_clock)
    assert csv_rows(other_client, "/tasks/?export=csv")[1:] == []


# --- 期限: due dates from the BPMN (注册审核 declares timeLimitDays 5) --------------------------------


def test_overdue_and_due_soon_filters_and_the_due_column(app, office_client, new_applicant, frozen_clock):
    two_registrations(new_applicant, frozen_clock)  # due in 4 days (深圳) and 5 days (北京)
    assert inbox_subjects(office_client, due="overdue") == []
    assert inbox_subjects(office_client, due="soon") == []  # 3 days by default
    app.config["DUE_SOON_DAYS"] = 5
    assert sorted(inbox_subjects(office_client, due="soon")) == ["北京对标科技有限公司", "深圳测试科技有限公司"]
    options = page(office_client.get("/tasks/")).xpath("//select[@name='due']/option/text()")
    assert options == ["全部期限", "已超期", "即将到期（5 天内）"]
    app.config["DUE_SOON_DAYS"] = None
    frozen_clock.set_now(START + timedelta(days=4, hours=12))
    assert inbox_subjects(office_client, due="overdue") == ["深圳测试科技有限公司"]
    assert inbox_subjects(office_client, due="soon") == ["北京对标科技有限公司"]
    overdue = page(office_client.get("/tasks/")).xpath("//td[@data-due='overdue']")
    assert len(overdue) == 1 and "已超期" in overdue[0].xpath("string()")
    assert inbox_subjects(office_client, sort="due", dir="asc") == ["深圳测试科技有限公司", "北京对标科技有限公司"]
    assert field_errors(office_client.get("/tasks/?due=tomorrow"))["due"] == ["请从列表中选择"]
    rows = csv_rows(office_client, "/tasks/?due=overdue&export=csv")
    assert [row[2] for row in rows[1:]] == ["深圳测试科技有限公司"]

