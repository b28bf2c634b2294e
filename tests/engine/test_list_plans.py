"""Each list and search of issue 15 is answered from an index on PostgreSQL (EXPLAIN of every statement
it sends), and a capped count says so: 流程实例, 待办, 达标结果 and 对标结果. On SQLite the three
searches go through their FTS5 trigram tables, which their triggers keep in step.

The data are bench/lists.py's bulk fill (2,000 instances, 2,000 certificates and declarations), ANALYZEd.
Sequential scans are priced out (``enable_seqscan = off``): a list whose query no index can serve still
gets a Seq Scan, which the test finds; the searches must name their trigram index (migrations 0020, 0034).
"""
from __future__ import annotations

import json
import re

import pytest
from psycopg import sql
from sqlalchemy import delete, event, insert, select, text, update

from bench.console_list import NOW, Args, fill
from bench.lists import fill_public
from engine import inbox
from engine.counting import COUNT_CAP, CappedCount
from engine.domain import certificates, console, declarations, operations
from storage.models import Declaration, Organization, ProcessDefinition, ProcessInstance, User
from storage.models.search import CERTIFICATE_FTS, DECLARATION_FTS, SUBJECT_FTS

pytestmark = pytest.mark.postgres

INSTANCES = 2_000
PUBLIC_ROWS = 2_000  # certificates, and declarations
LARGE_TABLES = {"process_instance", "human_task", "certificate", "declaration"}


def _fill(session_factory, session):
    fill(session_factory, INSTANCES)
    fill_public(session_factory, 5 * PUBLIC_ROWS)
    session.execute(text("ANALYZE"))
    session.commit()
    return session


@pytest.fixture
def filled(session_factory, session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    return _fill(session_factory, session)


@pytest.fixture
def filled_sqlite(session_factory, session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite only")
    return _fill(session_factory, session)


def _sent(session, run) -> tuple[object, list[tuple[str, object]]]:
    """What ``run`` returns and the (statement, parameters) it sent."""
    seen = []
    engine = session.get_bind()

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        return run(), seen
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def _plans(session, run) -> list[tuple[str, dict]]:
    """(statement, its EXPLAIN plan) for every statement ``run`` sends."""
    _, seen = _sent(session, run)
    session.execute(text("SET LOCAL enable_seqscan = off"))
    connection = session.connection()
    plans = []
    for statement, parameters in seen:
        raw = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
        plans.append((statement, (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]))
    session.rollback()
    return plans


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _lists(session):
    names = {key: key for key in session.scalars(select(ProcessDefinition.key)).all()}
    office = User(id=10**6, email="plans@test.cn", roles="office", organization_id=1)

    def listing(**values):
        wanted = console.InstanceFilter.from_args(Args(values), names)
        return lambda: console.instances(session, wanted, 1)

    return {
        "流程实例": (listing(), None),
        "流程实例 subject": (listing(q="样例 1234"), "ix_process_instance_subject_search_trgm"),
        "流程实例 on a person": (listing(status="on_person"), None),
        "流程实例 organisation": (listing(org="单位0012"), None),
        "待办": (lambda: inbox.inbox(session, office, 1), None),
        "达标结果": (lambda: certificates.results(session, "", 1), None),
        "达标结果 number": (lambda: certificates.results(session, "DB2026000123", 1),
                          "ix_certificate_search_text_trgm"),
        "对标结果": (lambda: declarations.public_list(session, "", 1), None),
        "对标结果 model": (lambda: declarations.public_list(session, "XH-1999", 1), "ix_declaration_search_text_trgm"),
        # The operator API's list (GET /api/v1/operator/instances).
        "operator API": (lambda: operations.instances(session, None, None, "", 1), None),
        "operator API status": (lambda: operations.instances(session, None, "error", "", 1), None),
        "operator API process and status": (
            lambda: operations.instances(session, "registration_vetting", "running", "", 1), None),
        "operator API subject": (lambda: operations.instances(session, None, None, "样例 1234", 1),
                                 "ix_process_instance_subject_search_trgm"),
    }


def test_every_list_query_is_answered_from_an_index(filled):
    for label, (run, trigram_index) in _lists(filled).items():
        plans = _plans(filled, run)
        assert plans, label
        used = set()
        for statement, plan in plans:
            nodes = list(_nodes(plan))
            scanned = [n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"
                       and n["Relation Name"] in LARGE_TABLES]
            assert not scanned, f"{label}: {statement}\n{json.dumps(plan, ensure_ascii=False)}"
            used |= {n.get("Index Name") for n in nodes}
        if trigram_index:
            assert trigram_index in used, f"{label}: {used}"


def test_searches_find_their_row_and_long_lists_stop_counting_at_the_cap(filled):
    lists = _lists(filled)
    rows, total = lists["达标结果 number"][0]()
    assert [row.number for row in rows] == ["DB2026000123"] and total == 1
    rows, total = lists["对标结果 model"][0]()
    assert [row.product_model for row in rows] == ["XH-1999"] and total == 1
    rows, total = lists["流程实例 subject"][0]()
    assert [row.subject for row in rows] == ["样例 1234"] and total == 1
    rows, total = lists["流程实例"][0]()
    assert isinstance(total, CappedCount) and total == COUNT_CAP and len(rows) == 20
    rows, total = lists["operator API subject"][0]()
    assert [row.subject for row in rows] == ["样例 1234"] and total == 1
    rows, total = lists["operator API"][0]()
    assert isinstance(total, CappedCount) and total == COUNT_CAP and len(rows) == 20
    _, total = lists["流程实例 organisation"][0]()
    assert not isinstance(total, CappedCount) and 0 < total < COUNT_CAP
    # A deeper page counts COUNT_CAP past its own first row: the pager always offers the next pages.
    rows, total = console.instances(filled, console.InstanceFilter(), 5)
    assert isinstance(total, CappedCount) and total == 4 * 20 + COUNT_CAP and len(rows) == 20


def test_sqlite_searches_use_their_fts_tables_which_follow_every_change(filled_sqlite):
    session, lists = filled_sqlite, _lists(filled_sqlite)
    for label, fts in (("流程实例 subject", SUBJECT_FTS), ("operator API subject", SUBJECT_FTS),
                       ("达标结果 number", CERTIFICATE_FTS),
                       ("对标结果 model", DECLARATION_FTS)):
        (rows, total), seen = _sent(session, lists[label][0])
        assert total == 1 and len(rows) == 1, label
        plans = [" | ".join(row[3] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {s}", p))
                 for s, p in seen if fts in s]
        assert len(plans) == 2 and all(f"SCAN {fts} VIRTUAL TABLE INDEX 0:M" in plan for plan in plans), plans
    # The triggers: a renamed subject is found by its new words only, a deleted declaration not at all.
    session.execute(update(ProcessInstance).where(ProcessInstance.subject == "样例 1234").values(subject="改名 9876"))
    session.execute(delete(Declaration).where(Declaration.product_model == "XH-1999"))
    session.commit()
    wanted = console.InstanceFilter.from_args(Args({"q": "改名 9876"}), {})
    assert [row.subject for row in console.instances(session, wanted, 1)[0]] == ["改名 9876"]
    assert lists["流程实例 subject"][0]() == ([], 0)
    assert lists["对标结果 model"][0]() == ([], 0)


def test_sqlite_reads_a_few_organisations_instances_by_id(filled_sqlite):
    """流程实例 by 单位 on SQLite: the instances of the few organisations named are looked up by their
    indexes (the tasks' organisation index even when its statistics call it useless: every bench task
    has none) and by id, never by a scan of the instances or the tasks; the page sorts those rows."""
    session = filled_sqlite
    (rows, total), seen = _sent(session, _lists(session)["流程实例 organisation"][0])
    assert 0 < total < COUNT_CAP and rows
    plans = [" | ".join(row[3] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {s}", p))
             for s, p in seen if "process_instance" in s]
    assert len(plans) == 2, plans
    for plan in plans:
        assert "USING INDEX ix_human_task_organization_id" in plan and "SCAN human_task" not in plan, plan
        assert "SCAN process_instance" not in plan, plan


def _plans_kept(session, statement: str, parameters: dict, runs: int = 8) -> tuple[int, int, dict]:
    """``statement`` prepared and run ``runs`` times as psycopg runs a frequent statement: how many runs
    PostgreSQL planned for their values (custom plans) and how many took its cached generic plan (planned
    without them), and that generic plan."""
    names: list[str] = []

    def numbered(match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    prepared = re.sub(r"%\((\w+)\)s", numbered, statement).replace("%%", "%")
    driver = session.connection().connection.driver_connection  # no parameters: the text as it is
    values = ", ".join(sql.Literal(parameters[name]).as_string(driver) for name in names)
    driver.execute(f"PREPARE kept_list AS {prepared}")
    for _ in range(runs):
        driver.execute(f"EXECUTE kept_list({values})").fetchall()
    generic, custom = driver.execute(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'kept_list'").fetchone()
    driver.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    raw = driver.execute(f"EXPLAIN (FORMAT JSON) EXECUTE kept_list({values})").fetchone()[0]
    driver.execute("DEALLOCATE kept_list")
    return generic, custom, (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def test_the_organisation_filter_keeps_one_plan_for_every_name(filled):
    """流程实例 by 单位 on PostgreSQL: the organisations are looked up first and the list's statements
    name their ids, so the plan PostgreSQL caches for them (planned without the values) expects the few
    instances of those organisations, and is the one used. With the name inside, that plan expected ten
    organisations' instances (at 100k it scanned them all), so each run was planned anew, at a cost that
    grew with the table (issue 15's 1.3× at 100k)."""
    session = filled
    # As many organisations as at 100k instances, most without any: what a name's guess is made among.
    session.execute(insert(Organization.__table__), [
        {"kind": "enterprise", "name": f"其他单位{n:04d}", "status": "active", "created_at": NOW}
        for n in range(2_000)])
    session.execute(text("ANALYZE organization"))
    (rows, total), seen = _sent(session, _lists(session)["流程实例 organisation"][0])
    assert rows and 0 < total < COUNT_CAP
    listing = [(statement, parameters) for statement, parameters in seen if "FROM process_instance" in statement]
    assert len(listing) == 2, seen  # the count, the page
    per_organization = INSTANCES // len(session.scalars(select(ProcessInstance.started_by_org_id).distinct()).all())
    for statement, parameters in listing:
        generic, custom, plan = _plans_kept(session, statement, parameters)
        assert generic > 0, (generic, custom, statement)
        # The UNION of the two ways: about one organisation's instances (with the name: ten organisations').
        matched = [n for n in _nodes(plan) if n["Node Type"] == "Append"]
        assert matched and matched[0]["Plan Rows"] <= 3 * per_organization, json.dumps(plan, ensure_ascii=False)
    session.rollback()
