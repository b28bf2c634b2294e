"""对标方案, the public catalogue: search over 标准号 / 标准名称 / 机构名称, its index, detail."""
from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import event, insert, select, text

from engine.domain import catalog
from storage.models import Enrollment, Organization, Pilot, Plan, PlanDocument, PlanSubmission, StoredFile
from storage.models.search import FTS_TABLE, TRIGRAM_INDEX, PlanSearchEntry
from tests.conftest import START

# Stages of comparison_report and formal_plan (the plan's status is the stage of its newest process).
NOT_PUBLIC = ("report_drafting", "report_review", "returned", "withdrawn", "plan_drafting", "plan_review",
              "plan_revision", "comments_review", "rejected")
INDICATORS = [
    {"position": 1, "level1": "safety", "level2": "防撞击", "value": "10N", "basis": "ISO 12345-2020",
     "method": "GB/T 1234"},
    {"position": 2, "level1": "low_carbon", "level2": "百公里耗电", "value": "4度", "basis": "GB 2233-2022",
     "method": "GB/T 1234"},
]


def institution(session, name: str = "华标检测认证有限公司") -> Organization:
    organization = Organization(kind="institution", name=name, status="active")
    session.add(organization)
    session.flush()
    return organization


def make_pilot(session, title: str = "电动自行车产品试点第三方技术机构招募") -> Pilot:
    pilot = Pilot(title=title, product_name="两轮电动自行车", recruit_type="institution",
                  field="product", deadline=date(2026, 12, 31), published_at=START)
    session.add(pilot)
    session.flush()
    return pilot


def make_plan(session, organization=None, *, pilot=None, status="published", number="T/ABC 001-2023",
              name="两轮电动自行车安全与性能评价标准", at=START, refresh=True) -> Plan:
    """A plan row in ``status`` made public at ``at`` (its catalogue row refreshed)."""
    organization = organization or institution(session)
    pilot = pilot or make_pilot(session)
    enrollment = Enrollment(pilot_id=pilot.id, organization_id=organization.id)
    session.add(enrollment)
    session.flush()
    plan = Plan(pilot_id=pilot.id, enrollment_id=enrollment.id, organization_id=organization.id,
                name=f"{name}对标方案", standard_number=number, standard_name=name, status=status,
                created_at=at - timedelta(days=30), updated_at=at)
    if status == "publicity":
        plan.publicity_round, plan.publicity_starts_at = 1, at
        plan.publicity_ends_at = at + timedelta(days=7)
    elif status == "published":
        plan.publicity_round, plan.publicity_starts_at = 1, at - timedelta(days=8)
        plan.publicity_ends_at, plan.published_at = at - timedelta(days=1), at
    session.add(plan)
    session.flush()
    if refresh:
        catalog.refresh_search_entry(session, plan.id)
    return plan


def found(session, query: str, page: int = 1, per_page: int = 20) -> list[int]:
    rows, _total = catalog.search(session, query, page, per_page)
    return [row.plan_id for row in rows]


def test_a_chinese_substring_is_found_inside_a_longer_standard_name(session):
    plan = make_plan(session, name="两轮电动自行车安全与性能评价标准")
    other = make_plan(session, name="家用电冰箱能效评价标准", number="T/ABC 002-2023")
    session.commit()
    assert found(session, "电动自行车") == [plan.id]
    assert found(session, "  安全与 性能 ") == [plan.id]
    assert found(session, "评价标准") == [other.id, plan.id]  # same day: newest id first
    assert found(session, "电动汽车") == []


def test_the_standard_number_is_found_however_it_is_typed(session):
    plan = make_plan(session, number="GB/T 1234-2020")
    make_plan(session, number="GB/T 12345-2021")
    session.commit()
    for query in ("gb/t 1234—2020", "GB/T 1234–2020", "ＧＢ／Ｔ１２３４－２０２０", "gbt1234-2020", "1234-2020"):
        assert found(session, query) == [plan.id], query
    assert len(found(session, "gb/t 1234")) == 2


def test_the_institution_name_is_searched(session):
    huabiao, other = institution(session, "华标检测认证有限公司"), institution(session, "中机质量技术研究院")
    mine = [make_plan(session, huabiao, at=START - timedelta(days=n)) for n in range(2)]
    theirs = make_plan(session, other)
    session.commit()
    assert found(session, "华标检测") == [p.id for p in mine]
    assert found(session, "质量技术研究院") == [theirs.id]


def test_plans_that_are_not_public_are_never_found(session):
    hidden = [make_plan(session, status=status) for status in NOT_PUBLIC]
    shown = make_plan(session, status="publicity")
    session.commit()
    assert session.scalars(select(PlanSearchEntry.plan_id)).all() == [shown.id]
    assert found(session, "电动自行车") == [shown.id] and found(session, "") == [shown.id]
    assert all(catalog.detail(session, p.id) is None for p in hidden)
    # A stale row (status changed without a refresh) still never shows the plan.
    shown.status = "comments_review"
    session.commit()
    assert found(session, "电动自行车") == [] and catalog.search(session, "", 1)[1] == 0
    catalog.refresh_search_entry(session, shown.id)
    assert session.scalars(select(PlanSearchEntry)).all() == []


def test_short_queries_fall_back_to_a_scan_of_the_search_table(session):
    plan = make_plan(session, name="两轮电动自行车评价标准")
    make_plan(session, name="家用电冰箱能效评价标准", number="Q/XYZ 9-2022")
    session.commit()
    assert found(session, "自行") == [plan.id]
    assert found(session, "车") == [plan.id]
    assert found(session, "t/a") == [plan.id]


def test_a_match_never_spans_two_fields_and_wildcards_are_literal(session):
    make_plan(session, number="T/ABC 001-2023", name="两轮电动自行车评价标准")
    session.commit()
    assert found(session, "2023两轮") == []
    assert found(session, "%") == [] and found(session, "_") == [] and found(session, '"电动') == []
    assert found(session, "电动%车") == []


def test_pages_totals_and_newest_first(session):
    organization = institution(session)
    plans = [make_plan(session, organization, number=f"T/ABC {n:03d}-2023", at=START - timedelta(days=n))
             for n in range(25)]
    session.commit()
    first, total = catalog.search(session, "", 1)
    second, _ = catalog.search(session, "", 2)
    assert total == 25 and len(first) == 20 and len(second) == 5
    assert [r.plan_id for r in first + second] == [p.id for p in plans]
    rows, total = catalog.search(session, "电动自行车", 2, per_page=10)
    assert total == 25 and [r.plan_id for r in rows] == [p.id for p in plans[10:20]]
    assert catalog.search(session, "电动自行车", 9)[0] == []


def test_a_plan_in_publicity_is_ordered_by_the_start_of_its_publicity(session):
    old = make_plan(session, status="published", at=START - timedelta(days=20))
    fresh = make_plan(session, status="publicity", at=START - timedelta(days=2))
    recent = make_plan(session, status="published", at=START - timedelta(days=1))
    session.commit()
    rows, _ = catalog.search(session, "", 1)
    assert [(r.plan_id, r.status_label) for r in rows] == [
        (recent.id, "发布"), (fresh.id, "公示中"), (old.id, "发布")]
    assert rows[1].public_at == START - timedelta(days=2)
    assert rows[1].publicity_ends_at == START + timedelta(days=5)
    assert (rows[0].pilot_title, rows[0].product_name, rows[0].institution) == (
        "电动自行车产品试点第三方技术机构招募", "两轮电动自行车", "华标检测认证有限公司")


def test_refresh_follows_changes_of_the_plan_and_of_the_institution(session):
    organization = institution(session, "华标检测认证有限公司")
    plan = make_plan(session, organization, name="两轮电动自行车评价标准")
    plan.standard_name = "电动摩托车评价标准"
    catalog.refresh_search_entry(session, plan.id)
    organization.name = "新华标检测有限公司"
    catalog.refresh_organization(session, organization.id)
    session.commit()
    assert found(session, "电动自行车") == [] and found(session, "电动摩托车") == [plan.id]
    assert found(session, "新华标") == [plan.id] and found(session, "华标检测认证") == []


def test_rebuild_recomputes_every_row(session):
    public = make_plan(session, refresh=False)
    hidden = make_plan(session, status="plan_drafting", refresh=False)
    session.add(PlanSearchEntry(plan_id=hidden.id, public_at=START, search_text="stale"))
    session.commit()
    assert catalog.rebuild(session) == 1
    session.commit()
    assert session.scalars(select(PlanSearchEntry.plan_id)).all() == [public.id]
    assert found(session, "电动自行车") == [public.id]


def stored(session, name: str) -> StoredFile:
    row = StoredFile(sha256=hashlib.sha256(name.encode()).hexdigest(), original_name=name,
                     content_type="application/pdf", size=2048)
    session.add(row)
    session.flush()
    return row


def submit(session, plan, sequence: int, names: dict[str, str], indicators=INDICATORS) -> list[StoredFile]:
    submission = PlanSubmission(plan_id=plan.id, kind="plan", sequence=sequence, created_at=START, data={
        "standard_number": plan.standard_number, "standard_name": plan.standard_name,
        "indicators": indicators, "co_drafters": [{"id": 1, "name": "某某参编企业"}]})
    session.add(submission)
    session.flush()
    files = [stored(session, name) for name in names.values()]
    session.add_all(PlanDocument(submission_id=submission.id, kind=kind, file_id=f.id)
                    for kind, f in zip(names, files, strict=True))
    session.flush()
    return files


def test_detail_of_a_public_plan(session):
    plan = make_plan(session, status="publicity", number="T/ABC 001-2023")
    old = submit(session, plan, 1, {"scheme": "旧方案.pdf"})
    files = submit(session, plan, 2, {"standard_text": "标准文本.pdf", "scheme": "对标方案.pdf",
                                      "explanation": "编制说明.pdf"})
    session.commit()
    shown = catalog.detail(session, plan.id)
    assert (shown["standard_number"], shown["status_label"], shown["institution"]["name"]) == (
        "T/ABC 001-2023", "公示中", "华标检测认证有限公司")
    assert (shown["publicity_starts_at"], shown["publicity_ends_at"]) == (START, START + timedelta(days=7))
    assert shown["pilot"]["product_name"] == "两轮电动自行车" and shown["co_drafters"] == ["某某参编企业"]
    assert [(f["label"], f["name"], f["id"]) for f in shown["files"]] == [
        ("标准文本", "标准文本.pdf", files[0].id), ("对标方案", "对标方案.pdf", files[1].id),
        ("编制说明", "编制说明.pdf", files[2].id)]
    assert [(i["position"], i["level1_label"], i["level2"]) for i in shown["indicators"]] == [
        (1, "安全", "防撞击"), (2, "低碳", "百公里耗电")]
    assert all(catalog.is_public_file(session, f.id) for f in files)
    assert not catalog.is_public_file(session, old[0].id)  # an earlier version stays private
    assert catalog.detail(session, 999_999) is None


def test_files_of_a_plan_that_is_not_public_are_not_public(session):
    plan = make_plan(session, status="plan_review")
    files = submit(session, plan, 1, {"scheme": "对标方案.pdf"})
    session.commit()
    assert catalog.detail(session, plan.id) is None
    assert not catalog.is_public_file(session, files[0].id)


# --- the index is used ---------------------------------------------------------------------


def varied(n: int) -> tuple[str, str, str]:
    """标准号, 标准名称, 机构名称 of the ``n``-th filler plan, varied like real data."""
    han = "".join(chr(0x4E00 + (n * 7919 + k * 104729) % 20902) for k in range(4))
    code = "".join(chr(ord("A") + (n // 26 ** k) % 26) for k in range(3))
    return (f"T/{code} {n % 997:03d}-{1990 + n % 36}", f"{han}产品第{n}部分评价标准", f"{han[::-1]}检测研究院")


def many_plans(session, count: int = 3000) -> Plan:
    """``count`` public plans, inserted in bulk; the one returned alone matches QUERIES."""
    pilot, filler = make_pilot(session), [varied(n) for n in range(count - 1)]
    org_ids = session.scalars(insert(Organization).returning(Organization.id, sort_by_parameter_order=True), [
        {"kind": "institution", "name": org, "status": "active"} for _number, _name, org in filler]).all()
    enrollment_ids = session.scalars(insert(Enrollment).returning(Enrollment.id, sort_by_parameter_order=True), [
        {"pilot_id": pilot.id, "organization_id": org_id} for org_id in org_ids]).all()
    rows = [{"pilot_id": pilot.id, "enrollment_id": enrollment_id, "organization_id": org_id, "name": "对标方案",
             "standard_number": number, "standard_name": name, "status": "published",
             "published_at": START - timedelta(minutes=n), "created_at": START, "updated_at": START}
            for n, (org_id, enrollment_id, (number, name, _org)) in enumerate(zip(org_ids, enrollment_ids, filler,
                                                                                   strict=True))]
    plan_ids = session.scalars(insert(Plan).returning(Plan.id, sort_by_parameter_order=True), rows).all()
    session.execute(insert(PlanSearchEntry), [
        {"plan_id": plan_id, "public_at": row["published_at"], "search_text": catalog.entry_text(*fields)}
        for plan_id, row, fields in zip(plan_ids, rows, filler, strict=True)])
    target = make_plan(session, institution(session, "华标检测认证有限公司"), pilot=pilot,
                       number="GB/T 1234-2020", name="两轮电动自行车评价标准")
    session.commit()
    return target


def captured_statements(session, query: str) -> list[tuple[str, object]]:
    """The SQL that catalog.search sends for ``query`` (count and page)."""
    seen = []
    engine = session.get_bind()

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        catalog.search(session, query, 1)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return [(s, p) for s, p in seen if "plan_search" in s]


QUERIES = ("电动自行车", "gb/t 1234—2020", "华标检测")


def test_sqlite_answers_searches_from_the_fts5_trigram_table(session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite only")
    target = many_plans(session)
    connection = session.connection()
    for query in QUERIES:
        assert found(session, query) == [target.id], query
        for statement, parameters in captured_statements(session, query):
            plan = " | ".join(row[3] for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters))
            assert f"SCAN {FTS_TABLE} VIRTUAL TABLE INDEX 0:M" in plan, plan
            scans = [step for step in plan.split(" | ") if step.startswith("SCAN ") and FTS_TABLE not in step]
            assert scans == [], plan


def gin_scans(plan: dict) -> list[dict]:
    found_nodes = [plan] if plan.get("Index Name") == TRIGRAM_INDEX else []
    for child in plan.get("Plans", []):
        found_nodes += gin_scans(child)
    return found_nodes


def test_postgresql_answers_searches_from_the_trigram_index(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    target = many_plans(session)
    # Chinese characters make trigrams under this cluster's ctype (they would not under C / POSIX).
    assert len(session.scalar(text("SELECT show_trgm('电动自行车')"))) >= 3
    session.execute(text("ANALYZE"))  # the statistics autovacuum would have gathered
    session.commit()
    for query in QUERIES:
        assert found(session, query) == [target.id], query
        session.execute(text("SET LOCAL enable_seqscan = off"))
        connection = session.connection()
        for statement, parameters in captured_statements(session, query):
            raw = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar()
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            scans = gin_scans(plan)
            assert scans, json.dumps(plan, ensure_ascii=False)
            # The trigrams narrow 3000 rows to the match: the index does the work, not a recheck.
            assert all(scan["Actual Rows"] == 1 for scan in scans), json.dumps(plan, ensure_ascii=False)
        session.rollback()
