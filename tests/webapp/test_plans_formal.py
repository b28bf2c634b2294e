"""对标方案 in the browser: 提交正式版 (draft_plan: 标准号, 标准名称, 参编单位, three PDFs and the
指标项 table; 保存 keeps a draft, 提交 completes) and what the form refuses."""
from __future__ import annotations

import pytest

from storage.models import Organization, StoredFile
from tests.webapp.helpers import (
    OTHER_EMAIL,
    OTHER_PASSWORD,
    api_token,
    count,
    field_errors,
    flashes,
    input_value,
    page,
    pdf,
    text_of,
)
from tests.webapp.pilot_flow import (
    ENTERPRISE_NAME,
    NOT_PDF,
    enterprise_fixture,  # noqa: F401
    inbox_titles,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    DOCUMENTS,
    LABELS,
    ROW_FIELDS,
    ROWS,
    STANDARD_NUMBER,
    approved_fixture,  # noqa: F401
    co_drafter_ids,
    drafting_fixture,  # noqa: F401
    indicator_rows,
    plan_cells,
    plan_form,
    plan_row,
    post_plan,
    ready,
    report_submissions,
    row_errors,
    shown_rows,
)

# --- draft_plan (提交正式版): the page, 保存 and 提交 ----------------------------------------


def test_the_formal_plan_page_offers_every_field(drafting, institution_client, enterprise, applicant):
    response = institution_client.get(f"/tasks/{drafting.id}")
    assert response.status_code == 200
    root = page(response)
    text = text_of(response)
    for label in ("标准号", "标准名称", "参编单位", "标准文本", "对标方案", "编制说明", "指标项", "一级指标",
                  "二级指标", "指标值", "对标依据", "试验/评价方法标准"):
        assert label in text, label
    for name in ("standard_number", "standard_name"):
        assert root.xpath(f"//input[@name='{name}']")
    for name in DOCUMENTS:
        assert root.xpath(f"//input[@name='{name}' and @type='file']")
    # 参编单位: none chosen yet; enterprises are found by search, not listed in the page
    assert root.xpath("//select[@name='co_drafters']/@multiple")
    assert root.xpath("//select[@name='co_drafters']/option") == []
    assert root.xpath("//*[@data-co-drafters]/@data-url") == ["/my/plans/co-drafter-options.json"]
    template = root.xpath("//template[@id='indicator-template']")[0]
    assert [o.get("value") for o in template.xpath(".//option")] == list(LABELS)
    assert {b.get("value") for b in root.xpath("//button[@name='action']")} == {"save", "submit"}
    assert shown_rows(response) == []


def test_saving_a_partial_draft_keeps_it_and_the_task(drafting, institution_client, session_factory):
    form = {"action": "save", "standard_number": STANDARD_NUMBER,
            **{f"indicators-0-{k}": v for k, v in ROWS[0].items()}}
    response = post_plan(institution_client, drafting.id, form)
    assert response.status_code == 302, field_errors(response)
    assert response.headers["Location"] == f"/tasks/{drafting.id}"

    shown = institution_client.get(response.headers["Location"])
    assert shown.status_code == 200
    assert "已保存" in flashes(shown)
    assert input_value(shown, "standard_number") == STANDARD_NUMBER
    assert input_value(shown, "standard_name") in ("", None)
    assert shown_rows(shown) == [ROWS[0]]
    assert indicator_rows(session_factory) == [ROWS[0]]
    plan = plan_row(session_factory)
    assert (plan.standard_number, plan.status) == (STANDARD_NUMBER, "plan_drafting")
    assert ready(session_factory, "draft_plan").id == drafting.id
    assert "提交正式版" in inbox_titles(institution_client)
    assert plan_cells(institution_client.get("/my/plans"), plan.id)[2] == STANDARD_NUMBER
    assert report_submissions(session_factory, "plan") == []


def test_saving_again_replaces_the_rows_and_keeps_earlier_files(drafting, institution_client,
                                                                session_factory):
    first_save = plan_form("save", rows=ROWS[:2], files=("standard_text",))
    assert post_plan(institution_client, drafting.id, first_save).status_code == 302
    second_save = plan_form("save", rows=ROWS[1:], files=("scheme",), standard_name="两轮电动自行车评价规范")
    assert post_plan(institution_client, drafting.id, second_save).status_code == 302
    assert indicator_rows(session_factory) == ROWS[1:]
    assert plan_row(session_factory).standard_name == "两轮电动自行车评价规范"
    drafts = report_submissions(session_factory, "draft")
    assert sorted(drafts[-1][4]) == ["scheme", "standard_text"]

    shown = institution_client.get(f"/tasks/{drafting.id}")
    assert shown_rows(shown) == ROWS[1:]
    text = text_of(shown)
    assert "已上传：标准文本.pdf（不上传则沿用）" in text and "已上传：对标方案.pdf（不上传则沿用）" in text
    assert "编制说明.pdf" not in text


@pytest.mark.parametrize("action", ["save", "submit"])
@pytest.mark.parametrize("number, message", [
    ("GB/T 1234", "标准号应包含发布年份，如 T/ABC 001-2023"),
    ("ABC", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
    ("GB/T 1234-1900", "发布年份应为 1950 至 2099 之间的四位数字，如 GB/T 1234-2020"),
], ids=["no-year", "nonsense", "bad-year"])
def test_a_malformed_standard_number_is_refused(drafting, institution_client, session_factory,
                                                action, number, message):
    response = post_plan(institution_client, drafting.id, plan_form(action, standard_number=number))
    assert response.status_code == 422
    assert field_errors(response) == {"standard_number": [message]}
    assert input_value(response, "standard_number") == number
    assert plan_row(session_factory).standard_number is None
    assert indicator_rows(session_factory) == []
    assert ready(session_factory, "draft_plan").id == drafting.id


@pytest.mark.parametrize("action", ["save", "submit"])
def test_the_standard_number_is_stored_in_its_canonical_form(drafting, institution_client, session_factory,
                                                             action):
    response = post_plan(institution_client, drafting.id, plan_form(action, standard_number="t/abc 001—2023"))
    assert response.status_code == 302, field_errors(response)
    assert plan_row(session_factory).standard_number == "T/ABC 001-2023"
    if action == "save":
        assert input_value(institution_client.get(f"/tasks/{drafting.id}"), "standard_number") == "T/ABC 001-2023"
    else:
        assert report_submissions(session_factory, "plan")[0][1]["standard_number"] == "T/ABC 001-2023"


def test_the_em_dash_of_the_manual_is_accepted(drafting, institution_client, session_factory):
    response = post_plan(institution_client, drafting.id, plan_form("save", standard_number="T/ABC 001—2023"))
    assert response.status_code == 302, field_errors(response)
    assert plan_row(session_factory).standard_number == "T/ABC 001-2023"


@pytest.mark.parametrize("rows, missing", [
    ([ROWS[0], ROWS[1], ROWS[3]], "低碳"),
    ([ROWS[3]], "安全、性能、低碳"),
    ([], "安全、性能、低碳"),
], ids=["no-low-carbon", "only-smart", "no-rows"])
def test_submitting_without_a_required_indicator_names_it(drafting, institution_client, session_factory,
                                                          rows, missing):
    response = post_plan(institution_client, drafting.id, plan_form(rows=rows))
    assert response.status_code == 422
    each = "各" if "、" in missing else ""  # one level missing: "至少需一项"
    assert field_errors(response) == {"indicators": [f"一级指标“{missing}”至少{each}需一项"]}
    assert shown_rows(response) == rows
    assert ready(session_factory, "draft_plan").id == drafting.id
    assert plan_row(session_factory).status == "plan_drafting"
    assert indicator_rows(session_factory) == [] and report_submissions(session_factory, "plan") == []


def test_submitting_an_empty_row_shows_its_messages(drafting, institution_client, session_factory):
    empty = dict.fromkeys(ROW_FIELDS, "")
    response = post_plan(institution_client, drafting.id, plan_form(rows=[*ROWS, empty]))
    assert response.status_code == 422
    errors = row_errors(response)
    assert errors[:4] == [[], [], [], []]
    assert errors[4] == ["请选择一级指标", "请填写二级指标", "请填写指标值", "请填写对标依据",
                         "请填写试验/评价方法标准"]
    invalid = page(response).xpath("//table[@id='indicator-table']//*[contains(@class,'is-invalid')]/@name")
    assert sorted(invalid) == sorted(f"indicators-4-{k}" for k in ROW_FIELDS)
    assert ready(session_factory, "draft_plan").id == drafting.id
    assert report_submissions(session_factory, "plan") == []


def test_a_half_filled_row_shows_what_it_lacks(drafting, institution_client, session_factory):
    half = {"level1": "smart", "level2": "定位误差", "value": "", "basis": "", "method": "GB/T 1234"}
    response = post_plan(institution_client, drafting.id, plan_form(rows=[*ROWS[:3], half]))
    assert response.status_code == 422
    assert row_errors(response)[3] == ["请填写指标值", "请填写对标依据"]
    assert report_submissions(session_factory, "plan") == []


def test_a_row_with_an_unknown_level1_is_refused(drafting, institution_client, session_factory):
    odd = {**ROWS[3], "level1": "beauty"}
    for action in ("save", "submit"):
        response = post_plan(institution_client, drafting.id, plan_form(action, rows=[*ROWS[:3], odd]))
        assert response.status_code == 422, action
        assert row_errors(response)[3] == ["一级指标应为安全、性能、低碳或智能化"], action
    assert indicator_rows(session_factory) == []


@pytest.mark.parametrize("missing", [("scheme",), ("standard_text",), ("scheme", "explanation")])
def test_submitting_without_a_document_is_refused_at_its_field(drafting, institution_client,
                                                               session_factory, missing):
    files_before = count(session_factory, StoredFile)
    kept = tuple(k for k in DOCUMENTS if k not in missing)
    response = post_plan(institution_client, drafting.id, plan_form(files=kept))
    assert response.status_code == 422
    assert field_errors(response) == {k: [f"请上传{DOCUMENTS[k][2]}（PDF）"] for k in missing}
    assert ready(session_factory, "draft_plan").id == drafting.id
    assert plan_row(session_factory).status == "plan_drafting"
    assert report_submissions(session_factory, "plan") == []
    assert count(session_factory, StoredFile) == files_before
    assert input_value(response, "standard_number") == STANDARD_NUMBER


@pytest.mark.parametrize("action", ["save", "submit"])
def test_a_document_that_is_not_a_pdf_is_refused(drafting, institution_client, session_factory, action):
    form = plan_form(action, scheme=pdf("对标方案.docx", NOT_PDF, "application/msword"))
    response = post_plan(institution_client, drafting.id, form)
    assert response.status_code == 422
    assert field_errors(response) == {"scheme": ["请上传 PDF 格式的文件"]}
    assert report_submissions(session_factory, "draft") == []


OVERLONG = [
    ({"standard_name": "标" * 201}, "standard_name", "不能超过 200 个字"),
    ({"indicators-0-level2": "指" * 101}, None, "不能超过 100 个字"),
    ({"indicators-1-value": "9" * 101}, None, "不能超过 100 个字"),
    ({"indicators-2-basis": "依" * 201}, None, "不能超过 200 个字"),
    ({"indicators-3-method": "法" * 201}, None, "不能超过 200 个字"),
]


@pytest.mark.parametrize("overrides, field, message", OVERLONG,
                         ids=["standard_name", "level2", "value", "basis", "method"])
def test_over_long_text_is_refused_on_submit(drafting, institution_client, session_factory,
                                             overrides, field, message):
    response = post_plan(institution_client, drafting.id, plan_form(**overrides))
    assert response.status_code == 422
    if field is not None:
        assert field_errors(response) == {field: [message]}
    else:
        (key,) = overrides
        index = int(key.split("-")[1])
        assert row_errors(response)[index] == [message]
    assert report_submissions(session_factory, "plan") == []
    assert ready(session_factory, "draft_plan").id == drafting.id


@pytest.mark.parametrize("overrides, field, message", OVERLONG[:2], ids=["standard_name", "level2"])
def test_over_long_text_is_refused_on_save(drafting, institution_client, session_factory,
                                           overrides, field, message):
    """保存 must not keep what 提交 could never accept (and what the columns cannot hold)."""
    response = post_plan(institution_client, drafting.id, plan_form("save", **overrides))
    assert response.status_code == 422
    if field is not None:
        assert field_errors(response) == {field: [message]}
    else:
        assert row_errors(response)[0] == [message]
    assert plan_row(session_factory).standard_name is None
    assert indicator_rows(session_factory) == []


def co_drafter_options(client, query: str):
    response = client.get("/my/plans/co-drafter-options.json", query_string={"q": query})
    assert response.status_code == 200
    return response.get_json()


def test_co_drafters_are_searched_among_active_enterprises(institution_client, enterprise, rival, applicant,
                                                           session_factory):
    # by part of the name (spaces ignored) or of the 统一社会信用代码
    expected = [{"id": enterprise.organization_id, "name": ENTERPRISE_NAME}]
    assert co_drafter_options(institution_client, "其他 企业") == expected
    with session_factory() as session:
        code = session.get(Organization, enterprise.organization_id).credit_code
    assert co_drafter_options(institution_client, code[3:11].lower()) == expected
    assert co_drafter_options(institution_client, "企业有限") == expected
    # not the pending applicant (深圳测试科技有限公司), not an institution, nothing for a blank query
    assert co_drafter_options(institution_client, "深圳测试") == []
    assert co_drafter_options(institution_client, "江南质量") == []
    assert co_drafter_options(institution_client, "  ") == []
    assert co_drafter_options(institution_client, "%") == []


def test_co_drafter_search_is_for_institutions(enterprise, make_client, client):
    as_enterprise = make_client(OTHER_EMAIL, OTHER_PASSWORD)
    assert as_enterprise.get("/my/plans/co-drafter-options.json?q=企业").status_code == 403
    assert client.get("/my/plans/co-drafter-options.json?q=企业").status_code == 302


@pytest.mark.parametrize("who", ["institution", "rival", "applicant", "unknown"])
@pytest.mark.parametrize("action", ["submit", "save"])
def test_only_an_active_enterprise_may_be_named_co_drafter(request, drafting, institution, institution_client,
                                                           enterprise, session_factory, who, action):
    if who == "institution":
        organization_id = institution.organization_id
    elif who == "rival":
        organization_id = request.getfixturevalue("rival").organization_id
    elif who == "applicant":  # a registered enterprise still waiting for the office
        organization_id = request.getfixturevalue("applicant").organization_id
    else:
        organization_id = enterprise.organization_id + 1000
    form = plan_form(action, co_drafters=[str(enterprise.organization_id), str(organization_id)])
    response = post_plan(institution_client, drafting.id, form)
    assert response.status_code == 422
    assert field_errors(response) == {"co_drafters": ["参编单位须为平台已注册的企业"]}
    assert co_drafter_ids(session_factory) == []
    assert report_submissions(session_factory, "plan") == []
    assert ready(session_factory, "draft_plan").id == drafting.id


def test_a_co_drafter_is_kept_with_the_draft(drafting, institution_client, enterprise, session_factory):
    form = plan_form("save", co_drafters=[str(enterprise.organization_id)])
    assert post_plan(institution_client, drafting.id, form).status_code == 302
    assert co_drafter_ids(session_factory) == [enterprise.organization_id]
    shown = institution_client.get(f"/tasks/{drafting.id}")
    assert page(shown).xpath("//select[@name='co_drafters']/option[@selected]/@value") == [
        str(enterprise.organization_id)]
    # saving without it removes it
    assert post_plan(institution_client, drafting.id, plan_form("save", files=())).status_code == 302
    assert co_drafter_ids(session_factory) == []


def test_saving_drops_rows_left_empty(drafting, institution_client, client, institution, session_factory):
    """新增 then 保存: a row whose text cells are all empty (its 一级指标 preselected) is not kept,
    wherever it is in the table; a row with any text is kept (and 提交 still names what it lacks)."""
    empty = {"level1": "safety", "level2": "", "value": "", "basis": "", "method": ""}
    blank = {"level1": "low_carbon", "level2": "  ", "value": "\t", "basis": "", "method": " "}
    rows = [empty, ROWS[0], blank, ROWS[1], empty]
    response = post_plan(institution_client, drafting.id, plan_form("save", rows=rows))
    assert response.status_code == 302, field_errors(response)
    assert indicator_rows(session_factory) == ROWS[:2]
    assert shown_rows(institution_client.get(f"/tasks/{drafting.id}")) == ROWS[:2]

    only_empty = post_plan(institution_client, drafting.id, plan_form("save", rows=[empty]))
    assert only_empty.status_code == 302
    assert indicator_rows(session_factory) == []

    headers = api_token(client, institution.email, institution.password)
    saved = client.post(f"/api/v1/tasks/{drafting.id}/draft", headers=headers,
                        json={"standard_name": "x", "indicators": [ROWS[2], empty]})
    assert saved.status_code == 200, saved.get_json()
    assert indicator_rows(session_factory) == [ROWS[2]]
