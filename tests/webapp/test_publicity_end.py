"""公示 in the browser: the end of publicity moved with ``duibiao engine tick --now``, then 发布
(no comments, or all 不采纳) or back to the institution (any 采纳) and a second round; the office's
修订意见处理 page and its JSON API; /plans/<id>/comments for the institution and office."""
from __future__ import annotations

from datetime import timedelta

from engine import clock
from tests.webapp.helpers import (
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    api_token,
    decide,
    field_errors,
    input_value,
    page,
    text_of,
)
from tests.webapp.pilot_flow import (
    ENTERPRISE_NAME,
    INSTITUTION_NAME,
    RIVAL_NAME,
    inbox_titles,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    messages,
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    ATTACHMENT,
    DOCUMENTS,
    ENTERPRISE_COMMENT,
    EVERY_COMMENT,
    NOT_IN_PUBLICITY,
    PLAN_NAME,
    PUBLICITY_ROWS,
    RIVAL_COMMENT,
    STANDARD_NAME,
    STANDARD_NUMBER,
    action_links,
    approved_fixture,  # noqa: F401
    comment,
    comment_rows,
    drafting_fixture,  # noqa: F401
    end_publicity,
    formal_instance,
    has_comment_form,
    my_comments,
    plan_form,
    plan_row,
    plan_status_and_end,
    post_comment,
    post_plan,
    publicised_fixture,  # noqa: F401
    ready,
    ready_keys,
    refusal,
    resolution_cards,
    resolution_form,
    stored_comments,
    tick,
    two_comments,
)

# --- the end of publicity --------------------------------------------------------------------


def test_without_comments_the_plan_is_published_when_the_period_ends(
        app, frozen_clock, publicised, institution_client, other_client, office_client, session_factory):
    ends = plan_row(session_factory).publicity_ends_at
    output = tick(app, frozen_clock, ends - timedelta(minutes=1))
    assert "触发 0 个流程实例的定时器" in output
    assert "2026-11-10 00:59:00（北京时间）" in output
    assert plan_status_and_end(institution_client.get("/my/plans"), publicised)[0] == "公示中"
    assert has_comment_form(other_client.get(f"/plans/{publicised}/comment"))

    # The period is over before the sweep runs: the page already refuses.
    frozen_clock.set_now(ends)
    late = other_client.get(f"/plans/{publicised}/comment")
    assert refusal(late) == NOT_IN_PUBLICITY and not has_comment_form(late)
    assert post_comment(other_client, publicised, "过期意见").status_code == 422

    end_publicity(app, frozen_clock, session_factory)
    plan = plan_row(session_factory)
    assert (plan.status, plan.published_at) == ("published", ends + timedelta(seconds=1))
    instance = formal_instance(session_factory)
    assert (instance.status, instance.stage) == ("completed", "published")
    mine = institution_client.get("/my/plans")
    assert plan_status_and_end(mine, publicised) == ("发布", None)
    notices = messages(institution_client)
    assert "对标方案已发布" in notices[0] and PLAN_NAME in notices[0] and STANDARD_NUMBER in notices[0]
    assert "修订意见处理" not in inbox_titles(office_client) and ready_keys(session_factory) == []

    after = other_client.get(f"/plans/{publicised}/comment")
    assert after.status_code == 200 and refusal(after) == NOT_IN_PUBLICITY
    assert "公示已结束" in text_of(after)
    response = post_comment(other_client, publicised, "发布后的意见")
    assert response.status_code == 422 and refusal(response) == NOT_IN_PUBLICITY
    assert stored_comments(session_factory) == []
    assert not any("修订意见" in m for m in messages(other_client))


def test_dismissed_comments_publish_the_plan_and_tell_the_commenters(
        app, frozen_clock, publicised, institution_client, other_client, rival_client, office_client,
        session_factory):
    ent_id, riv_id = two_comments(publicised, other_client, rival_client, session_factory)
    end_publicity(app, frozen_clock, session_factory)
    task = ready(session_factory, "resolve_comments")
    assert (task.role, task.process_key, task.title) == ("office", "publicity", "修订意见处理")
    assert formal_instance(session_factory).stage == "comments_review"
    assert "修订意见处理" in inbox_titles(office_client)
    assert "修订意见处理" not in inbox_titles(institution_client)
    assert institution_client.get(f"/tasks/{task.id}").status_code == 403
    assert plan_status_and_end(institution_client.get("/my/plans"), publicised) == ("公示结束", None)
    late = post_comment(other_client, publicised, "公示结束后的意见")
    assert late.status_code == 422 and refusal(late) == NOT_IN_PUBLICITY

    shown = office_client.get(f"/tasks/{task.id}")
    assert shown.status_code == 200
    text = text_of(shown)
    for expected in (PLAN_NAME, STANDARD_NUMBER, INSTITUTION_NAME, "第 1 轮"):
        assert expected in text, expected
    cards = resolution_cards(shown)
    assert [(c["comment_id"], c["text"]) for c in cards] == [(ent_id, ENTERPRISE_COMMENT), (riv_id, RIVAL_COMMENT)]
    assert ENTERPRISE_NAME in cards[0]["heading"] and RIVAL_NAME in cards[1]["heading"]
    for card in cards:
        assert card["choices"] == [("adopt", "采纳"), ("dismiss", "不采纳")] and card["has_reply"]
    ent_file = stored_comments(session_factory)[0].file_id
    assert cards[0]["files"] == [f"/files/{ent_file}"] and cards[1]["files"] == []

    # Nothing chosen, no reply: each card says what is missing.
    missing = office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {
        ent_id: (None, "现行指标已高于国际标准"), riv_id: ("dismiss", "  ")}))
    assert missing.status_code == 422
    assert [c["errors"] for c in resolution_cards(missing)] == [["请选择采纳或不采纳"], ["请填写答复"]]
    both = office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {}))
    assert both.status_code == 422
    assert [c["errors"] for c in resolution_cards(both)] == [["请选择采纳或不采纳", "请填写答复"]] * 2
    # A form that leaves a comment out is refused as a whole.
    partial = office_client.post(f"/tasks/{task.id}", data=resolution_form(cards[:1], {
        ent_id: ("dismiss", "现行指标已高于国际标准")}))
    assert partial.status_code == 422 and EVERY_COMMENT in text_of(partial)
    assert ready(session_factory, "resolve_comments").id == task.id
    assert [c.resolution for c in stored_comments(session_factory)] == [None, None]

    done = office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {
        ent_id: ("dismiss", "现行指标已高于国际标准"), riv_id: ("dismiss", "转速指标与国际标准一致")}))
    assert done.status_code == 302, text_of(done)
    assert plan_row(session_factory).status == "published"
    assert formal_instance(session_factory).stage == "published"
    assert [(c.resolution, c.reply) for c in stored_comments(session_factory)] == [
        ("dismiss", "现行指标已高于国际标准"), ("dismiss", "转速指标与国际标准一致")]
    assert plan_status_and_end(institution_client.get("/my/plans"), publicised) == ("发布", None)
    assert "对标方案已发布" in messages(institution_client)[0]
    for client in (other_client, rival_client):
        notices = messages(client)
        assert len(notices) == 1, notices
        assert "您提出修订意见的对标方案已发布" in notices[0] and PLAN_NAME in notices[0]

    # 修订意见 with their 处理结果 and 答复: the institution and the office; not another institution.
    for client in (institution_client, office_client):
        listed = client.get(f"/plans/{publicised}/comments")
        assert listed.status_code == 200
        rows = comment_rows(listed)
        assert [(r[0], r[1], r[2], r[5], r[6]) for r in rows] == [
            ("1", ENTERPRISE_NAME, ENTERPRISE_COMMENT, "不采纳", "现行指标已高于国际标准"),
            ("1", RIVAL_NAME, RIVAL_COMMENT, "不采纳", "转速指标与国际标准一致")]
        assert rows[0][3] == "修订意见.pdf"
    assert rival_client.get(f"/plans/{publicised}/comments").status_code == 403
    assert other_client.get(f"/plans/{publicised}/comments").status_code == 403
    # The attachment the list links to opens for both who see the list.
    for client in (office_client, institution_client):
        (link,) = page(client.get(f"/plans/{publicised}/comments")).xpath(
            f"//tr[@data-comment-id='{ent_id}']//a/@href")
        with client.get(link) as download:
            assert download.status_code == 200 and download.data == ATTACHMENT
    assert rival_client.get(link).status_code == 403


def test_an_adopted_comment_sends_the_plan_back_and_it_is_publicised_again(
        app, frozen_clock, publicised, institution_client, other_client, rival_client, office_client,
        session_factory):
    ent_id, riv_id = two_comments(publicised, other_client, rival_client, session_factory)
    end_publicity(app, frozen_clock, session_factory)
    task = ready(session_factory, "resolve_comments")
    cards = resolution_cards(office_client.get(f"/tasks/{task.id}"))
    response = office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {
        ent_id: ("adopt", "采纳，请提高防撞击指标"), riv_id: ("dismiss", "转速指标与国际标准一致")}))
    assert response.status_code == 302, text_of(response)

    correction = ready(session_factory, "draft_plan")
    assert (correction.task_name, correction.role) == ("revise_plan", "institution")
    assert plan_row(session_factory).status == "plan_revision"
    mine = institution_client.get("/my/plans")
    assert plan_status_and_end(mine, publicised) == ("方案编制中", None)
    assert action_links(mine, "提交正式版") == [f"/tasks/{correction.id}"]
    notice = messages(institution_client)[0]
    assert "公示期修订意见被采纳，请修改方案" in notice
    assert ENTERPRISE_COMMENT in notice and "采纳，请提高防撞击指标" in notice
    assert RIVAL_COMMENT not in notice
    for client in (other_client, rival_client):
        assert not any("已发布" in m for m in messages(client))

    reopened = institution_client.get(f"/tasks/{correction.id}")
    assert reopened.status_code == 200
    assert input_value(reopened, "standard_number") == STANDARD_NUMBER
    assert input_value(reopened, "standard_name") == STANDARD_NAME
    assert [input_value(reopened, f"indicators-{i}-value") for i in range(len(PUBLICITY_ROWS))] == [
        r["value"] for r in PUBLICITY_ROWS]
    for name, _data, _label in DOCUMENTS.values():
        assert f"已上传：{name}（不上传则沿用）" in text_of(reopened)
    # The adopted 修订意见 come back with the task; the dismissed one does not.
    assert "公示期间被采纳的修订意见" in text_of(reopened)
    assert ENTERPRISE_COMMENT in text_of(reopened) and RIVAL_COMMENT not in text_of(reopened)

    # 修改后重新提交 (files kept), 专项办通过 → a second round of 公示.
    frozen_clock.advance(timedelta(days=2))
    revised = [{**PUBLICITY_ROWS[0], "value": "12N"}, *PUBLICITY_ROWS[1:]]
    response = post_plan(institution_client, correction.id, plan_form(rows=revised, files=()))
    assert response.status_code == 302, field_errors(response)
    assert decide(office_client, ready(session_factory, "review_plan").id, "approve").status_code == 302
    plan = plan_row(session_factory)
    assert (plan.status, plan.publicity_round) == ("publicity", 2)
    assert plan.publicity_ends_at == clock.now() + timedelta(days=7)
    second_end = clock.to_china(plan.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
    assert second_end == "2026-11-19 01:00"
    assert plan_status_and_end(institution_client.get("/my/plans"), publicised) == ("公示中", f"公示截止 {second_end}")
    again = other_client.get(f"/plans/{publicised}/comment")
    assert has_comment_form(again) and my_comments(again) == []  # the old round's comments stay there
    assert page(again).xpath("string(//*[@data-publicity-ends])").strip() == second_end

    end_publicity(app, frozen_clock, session_factory)  # no new comment: the old ones do not count
    assert plan_row(session_factory).status == "published"
    assert ready_keys(session_factory) == []
    assert plan_status_and_end(institution_client.get("/my/plans"), publicised) == ("发布", None)
    assert "对标方案已发布" in messages(institution_client)[0]

    for client in (institution_client, office_client):
        rows = comment_rows(client.get(f"/plans/{publicised}/comments"))
        assert [(r[0], r[1], r[2], r[5], r[6]) for r in rows] == [
            ("1", ENTERPRISE_NAME, ENTERPRISE_COMMENT, "采纳", "采纳，请提高防撞击指标"),
            ("1", RIVAL_NAME, RIVAL_COMMENT, "不采纳", "转速指标与国际标准一致")]


def test_each_round_resolves_its_own_comments_and_the_list_shows_every_round(
        app, frozen_clock, publicised, institution_client, other_client, rival_client, office_client,
        session_factory):
    comment(other_client, publicised, ENTERPRISE_COMMENT)
    (first_id,) = [c.id for c in stored_comments(session_factory)]
    end_publicity(app, frozen_clock, session_factory)
    task = ready(session_factory, "resolve_comments")
    cards = resolution_cards(office_client.get(f"/tasks/{task.id}"))
    assert office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {
        first_id: ("adopt", "采纳，请提高防撞击指标")})).status_code == 302
    correction = ready(session_factory, "draft_plan")
    revised = [{**PUBLICITY_ROWS[0], "value": "12N"}, *PUBLICITY_ROWS[1:]]
    assert post_plan(institution_client, correction.id, plan_form(rows=revised, files=())).status_code == 302
    assert decide(office_client, ready(session_factory, "review_plan").id, "approve").status_code == 302
    assert plan_row(session_factory).publicity_round == 2

    comment(rival_client, publicised, RIVAL_COMMENT)
    second_id = max(c.id for c in stored_comments(session_factory))
    end_publicity(app, frozen_clock, session_factory)
    task = ready(session_factory, "resolve_comments")
    shown = office_client.get(f"/tasks/{task.id}")
    assert "第 2 轮" in text_of(shown)
    cards = resolution_cards(shown)
    assert [(c["comment_id"], c["text"]) for c in cards] == [(second_id, RIVAL_COMMENT)]  # round 1 is done
    assert office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {
        second_id: ("dismiss", "转速指标与国际标准一致")})).status_code == 302
    assert plan_row(session_factory).status == "published"
    assert any("您提出修订意见的对标方案已发布" in m for m in messages(rival_client))
    assert rival_client.get(f"/plans/{publicised}/comments").status_code == 403

    for client in (institution_client, office_client):
        rows = comment_rows(client.get(f"/plans/{publicised}/comments"))
        assert [(r[0], r[1], r[2], r[5], r[6]) for r in rows] == [
            ("1", ENTERPRISE_NAME, ENTERPRISE_COMMENT, "采纳", "采纳，请提高防撞击指标"),
            ("2", RIVAL_NAME, RIVAL_COMMENT, "不采纳", "转速指标与国际标准一致")]


# --- the JSON API ----------------------------------------------------------------------------


def test_api_resolves_comments_as_json(app, frozen_clock, publicised, client, other_client, rival_client,
                                       session_factory):
    ent_id, riv_id = two_comments(publicised, other_client, rival_client, session_factory)
    end_publicity(app, frozen_clock, session_factory)
    task = ready(session_factory, "resolve_comments")
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)

    response = client.get(f"/api/v1/tasks/{task.id}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["task"]["form_key"] == "resolve_comments" and body["task"]["role"] == "office"
    resolutions = body["form"]["properties"]["resolutions"]
    assert resolutions["type"] == "array" and resolutions["items"]["type"] == "object"
    items = resolutions["items"]["properties"]
    assert {"comment_id", "resolution", "reply"} <= set(items)
    assert items["resolution"]["oneOf"] == [{"const": "adopt", "title": "采纳"},
                                            {"const": "dismiss", "title": "不采纳"}]
    assert {"comment_id", "resolution", "reply"} <= set(resolutions["items"]["required"])
    assert [(int(d["comment_id"]), d["text"]) for d in resolutions["default"]] == [
        (ent_id, ENTERPRISE_COMMENT), (riv_id, RIVAL_COMMENT)]
    context = body["context"]
    assert [(c["id"], c["organization"]) for c in context["comments"]] == [
        (ent_id, ENTERPRISE_NAME), (riv_id, RIVAL_NAME)]
    assert context["plan"]["round"] == 1

    left_out = client.post(f"/api/v1/tasks/{task.id}", headers=headers, json={
        "resolutions": [{"comment_id": ent_id, "resolution": "dismiss", "reply": "否"}]})
    assert left_out.status_code == 422
    assert left_out.get_json()["errors"] == {"resolutions": [EVERY_COMMENT]}
    no_reply = client.post(f"/api/v1/tasks/{task.id}", headers=headers, json={"resolutions": [
        {"comment_id": ent_id, "resolution": "dismiss", "reply": "否"},
        {"comment_id": riv_id, "resolution": "maybe", "reply": ""}]})
    assert no_reply.status_code == 422
    assert no_reply.get_json()["errors"] == {"resolutions": [
        "第 2 行 处理结果：请选择采纳或不采纳", "第 2 行 答复：请填写答复"]}
    assert ready(session_factory, "resolve_comments").id == task.id
    assert [c.resolution for c in stored_comments(session_factory)] == [None, None]

    response = client.post(f"/api/v1/tasks/{task.id}", headers=headers, json={"resolutions": [
        {"comment_id": ent_id, "resolution": "dismiss", "reply": "现行指标已高于国际标准"},
        {"comment_id": riv_id, "resolution": "dismiss", "reply": "转速指标与国际标准一致"}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["tasks"] == [] and body["instance"]["stage"] == "published"
    assert plan_row(session_factory).status == "published"
    assert [(c.resolution, c.reply) for c in stored_comments(session_factory)] == [
        ("dismiss", "现行指标已高于国际标准"), ("dismiss", "转速指标与国际标准一致")]
