"""流程实例 of the operator console: each filter narrows the list, sorting orders it, and the list
runs the same statements whatever its length (instances made with known values)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import demodata
from storage.models import (
    Application,
    HumanTask,
    Organization,
    Plan,
    ProcessDefinition,
    ProcessInstance,
)
from tests.conftest import START
from tests.factories import remembered_password_hashes
from tests.webapp.helpers import page, statements_of
from tests.webapp.test_operations import reads_state

OPERATOR = ("operator@test.cn", "Operate#123")
OFFICE_ORG = "对标达标提升专项行动办公室"
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@pytest.fixture
def operator_client(app, session_factory, make_client):
    with session_factory() as session:
        demodata.ensure_user(session, *OPERATOR, "operator", OFFICE_ORG)
        session.commit()
    return make_client(*OPERATOR)


def ids(client, **args) -> list[int]:
    response = client.get("/operations/instances", query_string=args)
    assert response.status_code == 200
    return [int(i) for i in page(response).xpath("//tr/@data-instance-id")]


@pytest.fixture
def made(app, session_factory):
    """Named instances: their status, stage, organisation, version and times are known.

    START is 09:30 China time on 2026-11-02 (01:30 UTC)."""
    with session_factory() as session:
        current = session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.key == "registration_vetting")).one()
        older = ProcessDefinition(key="registration_vetting", version=2, sha256="0" * 64, bpmn_xml=current.bpmn_xml,
                                  dependencies=[], deployed_at=START, is_current=False)
        enrollment = session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.key == "pilot_enrollment")).one()
        acme = Organization(kind="enterprise", name="甲乙丙制造有限公司", status="active")
        lab = Organization(kind="institution", name="丁戊检测研究院", status="active")
        session.add_all([older, acme, lab])
        session.flush()

        def instance(name, definition, status, created, updated=None, **values):
            row = ProcessInstance(definition_id=definition.id, process_key=definition.key, subject=name,
                                  status=status, state="", created_at=created, updated_at=updated or created, **values)
            session.add(row)
            session.flush()
            return row

        rows = {
            "person": instance("等人办理", current, "running", START - 3 * DAY, START - HOUR, stage="vetting",
                               stage_label="待审核", started_by_org_id=acme.id),
            "timer": instance("等定时器", current, "waiting", START - 2 * DAY, START - 2 * HOUR, stage="publicity",
                              stage_label="公示中", next_timer_at=START + 5 * DAY),
            "message": instance("等消息", older, "waiting", START - DAY, START - 3 * HOUR),
            "done": instance("已办完", enrollment, "completed", START - 10 * DAY, START - 9 * DAY),
            "cancelled": instance("已取消的", current, "cancelled", START - 11 * DAY),
            "suspended": instance("挂起的", current, "suspended", START - 12 * DAY),
            "error": instance("出错的", enrollment, "error", START - 13 * DAY),
        }
        # A started-by-nobody instance reached by a task of the lab.
        session.add(HumanTask(instance_id=rows["person"].id, engine_task_id="t1", process_key="registration_vetting",
                              task_name="vet", title="审核", form_key="vet", role="office", state="ready",
                              created_at=START - DAY))
        session.add(HumanTask(instance_id=rows["message"].id, engine_task_id="t2", process_key="registration_vetting",
                              task_name="vet", title="审核", form_key="vet", role="institution",
                              organization_id=lab.id, state="completed", created_at=START - DAY))
        session.commit()
        return {name: row.id for name, row in rows.items()}


def test_each_status_narrows_the_list(made, operator_client):
    expected = {
        "running": {"person", "timer", "message"},
        "on_person": {"person"},
        "on_timer": {"timer"},
        "completed": {"done"}, "cancelled": {"cancelled"}, "suspended": {"suspended"}, "error": {"error"},
    }
    for status, names in expected.items():
        assert set(ids(operator_client, status=status)) == {made[n] for n in names}, status
    assert len(ids(operator_client)) == 7
    assert len(ids(operator_client, status="bogus")) == 7  # an unknown status is no filter


def test_process_version_stage_and_organisation_filters(made, operator_client):
    assert set(ids(operator_client, process="pilot_enrollment")) == {made["done"], made["error"]}
    assert ids(operator_client, process="registration_vetting", version=2) == [made["message"]]
    assert set(ids(operator_client, version=1)) == set(made.values()) - {made["message"]}
    assert ids(operator_client, stage="publicity") == [made["timer"]]
    assert ids(operator_client, org="甲乙丙") == [made["person"]]  # the organisation that started it
    assert ids(operator_client, org="丁戊检测") == [made["message"]]  # an organisation with a task in it
    assert ids(operator_client, org="无此单位") == []
    assert ids(operator_client, q="等定时") == [made["timer"]]  # the subject


def test_dates_are_whole_china_time_days(made, operator_client):
    # START - 3 days is 2026-10-30 09:30 China time; START - 1 day is 2026-11-01.
    assert ids(operator_client, started_from="2026-10-30", started_to="2026-10-30") == [made["person"]]
    assert set(ids(operator_client, started_from="2026-10-30")) == {made["person"], made["timer"], made["message"]}
    assert set(ids(operator_client, started_to="2026-10-24")) == {made["done"], made["cancelled"], made["suspended"],
                                                                   made["error"]}
    # updated: START - 1 h … - 3 h are all on 2026-11-02 (06:30–08:30 China time).
    assert set(ids(operator_client, updated_from="2026-11-02", updated_to="2026-11-02")) == {
        made["person"], made["timer"], made["message"]}
    assert len(ids(operator_client, started_from="not-a-date")) == 7


def test_sorting_by_started_updated_process_and_status(made, operator_client):
    newest_first = ["message", "timer", "person", "done", "cancelled", "suspended", "error"]
    assert ids(operator_client) == [made[n] for n in newest_first]
    assert ids(operator_client, sort="started", dir="asc") == [made[n] for n in reversed(newest_first)]
    assert ids(operator_client, sort="updated")[:3] == [made["person"], made["timer"], made["message"]]
    by_process = ids(operator_client, sort="process", dir="asc")
    assert set(by_process[:2]) == {made["done"], made["error"]}  # pilot_enrollment < registration_vetting
    by_status = ids(operator_client, sort="status", dir="asc")
    # cancelled < completed < error < running < suspended < waiting
    assert by_status[:4] == [made["cancelled"], made["done"], made["error"], made["person"]]
    assert set(by_status[-2:]) == {made["timer"], made["message"]}
    assert ids(operator_client, sort="status")[:2] == [made["message"], made["timer"]]  # ties: newest id first
    response = operator_client.get("/operations/instances", query_string={"sort": "updated", "status": "running"})
    link = page(response).xpath("//a[@data-sort='updated']")[0]
    assert "dir=asc" in link.get("href") and "status=running" in link.get("href")
    # The direction is the column header's (aria-sort belongs on the <th>, never on the link: axe).
    assert link.getparent().tag == "th" and link.getparent().get("aria-sort") == "descending"
    assert link.get("data-sort-dir") == "descending"
    assert page(response).xpath("//th[@aria-sort]/a/@data-sort") == ["updated"]
    assert not page(response).xpath("//*[@aria-sort][not(self::th)]")
    ascending = operator_client.get("/operations/instances", query_string={"sort": "process", "dir": "asc"})
    assert page(ascending).xpath("//th[@aria-sort]/a/@data-sort") == ["process"]
    assert page(ascending).xpath("//th[@aria-sort]/@aria-sort") == ["ascending"]


def test_business_keys_are_searched_through_plans_applications_and_organisations(app, operator_client,
                                                                               session_factory):
    with remembered_password_hashes():
        assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with session_factory() as session:
        plan = session.scalars(select(Plan).where(Plan.standard_number.is_not(None)).order_by(Plan.id)).first()
        application = session.scalars(select(Application).order_by(Application.id)).first()
        by_key = {key: set(session.scalars(select(ProcessInstance.id).where(ProcessInstance.business_key == key)))
                  for key in (f"enrollment:{plan.enrollment_id}", f"application:{application.id}")}
        started_by = session.scalars(select(ProcessInstance).where(ProcessInstance.started_by_org_id.is_not(None))
                                     .order_by(ProcessInstance.id)).first()
        org_name = session.get(Organization, started_by.started_by_org_id).name
        standard = plan.standard_number
    assert set(ids(operator_client, q=standard)) >= by_key[f"enrollment:{plan.enrollment_id}"]
    assert by_key[f"enrollment:{plan.enrollment_id}"]
    assert set(ids(operator_client, q=str(application.id))) >= by_key[f"application:{application.id}"]
    assert set(ids(operator_client, q=f"application:{application.id}")) == by_key[f"application:{application.id}"]
    assert started_by.id in ids(operator_client, org=org_name)


def test_list_statements_do_not_grow_with_its_length_under_every_filter(app, made, operator_client):
    args = ("/operations/instances?process=registration_vetting&version=1&status=running&stage=vetting"
            "&org=甲&q=等&started_from=2026-10-01&updated_to=2026-12-01&sort=updated&dir=asc")
    operator_client.get(args)  # process names are read from BPMN once, then cached
    one, statements_one = statements_of(app, operator_client, args)
    wide, statements_wide = statements_of(app, operator_client, "/operations/instances?sort=updated&dir=asc")
    assert len(page(one).xpath("//tr/@data-instance-id")) == 1
    assert len(page(wide).xpath("//tr/@data-instance-id")) == 7
    # The organisations of the 单位 filter are looked up first (at most 101: a few are read by id;
    # console.organizations_named): one statement more, whatever the list's length.
    assert len(statements_one) == len(statements_wide) + 1
    assert not [s for s in statements_one + statements_wide if reads_state(s) or "bpmn_xml" in s]
