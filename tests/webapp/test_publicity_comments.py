"""公示 in the browser: an approved formal plan is publicised for 7 days (公示截止
in China time), approved enterprises and other institutions file 修订意见 (text + optional PDF) on
/plans/<id>/comment, who may not comment, and /plans/<id>/comments needs a plan in 公示."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from storage.models import StoredFile
from tests.webapp.helpers import CJK, all_rows, field_errors, first, flashes, multipart, page, pdf, text_of
from tests.webapp.pilot_flow import (
    NOT_PDF,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    is_login_redirect,
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    APPROVED_AT,
    ATTACHMENT,
    ENDS_SHOWN,
    ENTERPRISE_COMMENT,
    OWN_PLAN,
    PLAN_NAME,
    RIVAL_COMMENT,
    STANDARD_NAME,
    STANDARD_NUMBER,
    action_links,
    approved_fixture,  # noqa: F401
    comment,
    comment_form,
    comment_rows,
    drafting_fixture,  # noqa: F401
    end_publicity,
    formal_instance,
    has_comment_form,
    my_comments,
    plan_row,
    plan_status_and_end,
    post_comment,
    publicised_fixture,  # noqa: F401
    ready,
    refusal,
    resolution_cards,
    stored_comments,
)

# --- 公示中 ----------------------------------------------------------------------------------


def test_an_approved_plan_is_publicised_for_seven_days(publicised, institution_client, session_factory):
    plan = plan_row(session_factory)
    assert (plan.status, plan.publicity_round) == ("publicity", 1)
    assert (plan.publicity_starts_at, plan.publicity_ends_at) == (APPROVED_AT, APPROVED_AT + timedelta(days=7))
    mine = institution_client.get("/my/plans")
    assert plan_status_and_end(mine, publicised) == ("公示中", f"公示截止 {ENDS_SHOWN}")
    assert action_links(mine, "修订意见") == [f"/plans/{publicised}/comments"]
    assert action_links(mine, "提交正式版") == []
    assert formal_instance(session_factory).stage == "publicity"
    listed = institution_client.get(f"/plans/{publicised}/comments")
    assert listed.status_code == 200
    assert comment_rows(listed) == [] and "暂无修订意见" in text_of(listed)


def test_an_enterprise_and_another_institution_file_comments(
        app, publicised, other_client, rival_client, office_client, enterprise, rival, session_factory):
    for client in (other_client, rival_client):
        shown = client.get(f"/plans/{publicised}/comment")
        assert shown.status_code == 200
        assert has_comment_form(shown) and refusal(shown) == ""
        text = text_of(shown)
        for expected in (PLAN_NAME, STANDARD_NUMBER, STANDARD_NAME, "公示中", ENDS_SHOWN, "修订意见",
                         "附件（PDF，可选）"):
            assert expected in text, expected
        assert page(shown).xpath("string(//*[@data-publicity-ends])").strip() == ENDS_SHOWN
        assert my_comments(shown) == [] and "本单位已提交的意见" not in text

    response = post_comment(other_client, publicised, f"  {ENTERPRISE_COMMENT}\n", pdf("修订意见.pdf", ATTACHMENT))
    assert response.status_code == 302, field_errors(response)
    shown = other_client.get(response.headers["Location"])
    assert "修订意见已提交，专项办将在公示结束后统一处理" in flashes(shown)
    assert "本单位已提交的意见" in text_of(shown)
    assert my_comments(shown) == [ENTERPRISE_COMMENT]
    assert has_comment_form(shown)  # more comments may follow during the period

    comment(rival_client, publicised, RIVAL_COMMENT)
    assert my_comments(rival_client.get(f"/plans/{publicised}/comment")) == [RIVAL_COMMENT]
    assert my_comments(other_client.get(f"/plans/{publicised}/comment")) == [ENTERPRISE_COMMENT]

    # With CSRF on, the page's token is needed (and enough).
    app.config["WTF_CSRF_ENABLED"] = True  # restored by the app fixture
    assert post_comment(rival_client, publicised, "没有令牌的意见").status_code == 400
    token = page(rival_client.get(f"/plans/{publicised}/comment")).xpath(
        "string(//form//input[@name='csrf_token']/@value)")
    response = rival_client.post(f"/plans/{publicised}/comment", data={"text": "带令牌的意见", "csrf_token": token})
    assert response.status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False

    ent, riv, _with_token = stored_comments(session_factory)
    assert (ent.plan_id, ent.publicity_round, ent.organization_id, ent.author_id, ent.text) == (
        publicised, 1, enterprise.organization_id, enterprise.user_id, ENTERPRISE_COMMENT)
    assert ent.created_at == APPROVED_AT and ent.resolution is None
    assert (riv.organization_id, riv.author_id, riv.text, riv.file_id) == (
        rival.organization_id, rival.user_id, RIVAL_COMMENT, None)
    attachment = first(session_factory, select(StoredFile).where(StoredFile.id == ent.file_id))
    assert attachment.original_name == "修订意见.pdf"
    with office_client.get(f"/files/{ent.file_id}") as download:
        assert download.status_code == 200 and download.data == ATTACHMENT
    assert plan_row(session_factory).status == "publicity"  # comments wait for the end


def test_who_may_not_comment(publicised, institution_client, office_client, client, applicant_client,
                             session_factory):
    target = f"/plans/{publicised}/comment"
    own = institution_client.get(target)
    assert own.status_code == 200
    assert refusal(own) == OWN_PLAN and not has_comment_form(own)
    refused = post_comment(institution_client, publicised, "本单位自评意见")
    assert refused.status_code == 422 and refusal(refused) == OWN_PLAN

    assert office_client.get(target).status_code == 403
    assert post_comment(office_client, publicised, "专项办意见").status_code == 403

    assert is_login_redirect(client.get(target), target)
    assert is_login_redirect(post_comment(client, publicised, "匿名意见"), target)

    for response in (applicant_client.get(target), post_comment(applicant_client, publicised, "待审企业意见")):
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/account/status"

    assert stored_comments(session_factory) == []
    assert institution_client.get("/plans/999999/comment").status_code == 404


def test_bad_comments_are_refused_with_chinese_messages(publicised, other_client, session_factory):
    cases = [
        (comment_form(None), "请填写修订意见"),
        (comment_form(""), "请填写修订意见"),
        (comment_form("   \n "), "请填写修订意见"),
        (comment_form("意" * 2001), "不能超过 2000 个字"),
        (comment_form("意" * 2000 + "见" * 500), "不能超过 2000 个字"),
    ]
    for form, message in cases:
        response = other_client.post(f"/plans/{publicised}/comment", **multipart(form))
        assert response.status_code == 422, form.get("text", "")[:10]
        assert field_errors(response) == {"text": [message]}
        assert CJK.search(message)
    for attachment in (pdf("修订意见.docx", NOT_PDF, "application/msword"), pdf("伪装.pdf", NOT_PDF)):
        response = post_comment(other_client, publicised, ENTERPRISE_COMMENT, attachment)
        assert response.status_code == 422
        assert field_errors(response) == {"attachment": ["请上传 PDF 格式的文件"]}
        assert page(response).xpath("string(//textarea[@name='text'])").strip() == ENTERPRISE_COMMENT
    assert stored_comments(session_factory) == []
    assert all_rows(session_factory, select(StoredFile).where(StoredFile.original_name.in_(
        ["修订意见.docx", "伪装.pdf"]))) == []

    comment(other_client, publicised, "意" * 2000)  # exactly the limit is fine
    assert [c.text for c in stored_comments(session_factory)] == ["意" * 2000]


# --- the list of 修订意见 --------------------------------------------------------------------


def test_the_comment_list_needs_a_publicised_plan(approved, institution_client, office_client, other_client,
                                                  rival_client, client):
    for who in (institution_client, office_client):
        assert who.get(f"/plans/{approved}/comments").status_code == 404
        assert who.get("/plans/999999/comments").status_code == 404
    for who in (other_client, rival_client):
        assert who.get(f"/plans/{approved}/comment").status_code == 404
    assert is_login_redirect(client.get(f"/plans/{approved}/comments"), f"/plans/{approved}/comments")


# --- 提出修订意见 on the public plan page, and every error of the form at once -----------------


def comment_button(response) -> list[str]:
    return page(response).xpath("//a[normalize-space()='提出修订意见']/@href")


def test_the_comment_button_is_offered_only_to_who_may_comment(publicised, institution_client, other_client,
                                                               rival_client, office_client, applicant_client,
                                                               client, frozen_clock, session_factory):
    target = f"/plans/{publicised}"
    for who in (other_client, rival_client):
        assert comment_button(who.get(target)) == [f"/plans/{publicised}/comment"]
    own = institution_client.get(target)
    assert own.status_code == 200 and comment_button(own) == []  # the plan's own institution
    assert comment_button(office_client.get(target)) == []
    assert comment_button(applicant_client.get(target)) == []  # not yet approved
    anonymous = client.get(target)
    assert comment_button(anonymous) == [] and "登录后提出修订意见" in text_of(anonymous)
    # the server still refuses the author
    assert refusal(post_comment(institution_client, publicised, "本单位自评意见")) == OWN_PLAN
    # once the period is over (before the timer ran) nobody is offered it
    frozen_clock.set_now(plan_row(session_factory).publicity_ends_at)
    assert comment_button(other_client.get(target)) == []


def test_an_over_long_comment_with_a_bad_file_shows_both_errors(publicised, other_client, session_factory):
    response = post_comment(other_client, publicised, "意" * 5000, pdf("修订意见.docx", NOT_PDF, "application/msword"))
    assert response.status_code == 422
    assert field_errors(response) == {"text": ["不能超过 2000 个字"], "attachment": ["请上传 PDF 格式的文件"]}
    assert stored_comments(session_factory) == []


def test_the_public_plan_shows_the_manual_labels(publicised, client):
    cells = page(client.get(f"/plans/{publicised}")).xpath("//table[@data-indicators]/tbody/tr/td[2]/text()")
    assert cells == ["安全（必填）", "性能（必填）", "低碳（必填）"]


def test_the_comment_box_does_not_cut_a_long_text(publicised, other_client):
    """A maxlength would make the browser drop all past 2000 characters without a word."""
    shown = page(other_client.get(f"/plans/{publicised}/comment"))
    assert shown.xpath("//textarea[@name='text']/@maxlength") == []
    assert "不超过 2000 个字" in " ".join(shown.xpath("string(//form[.//textarea])").split())


def test_the_same_comment_twice_from_one_organisation_is_refused(
        app, frozen_clock, publicised, other_client, rival_client, office_client, session_factory):
    """A second click or a reload that posts again: the same text (spacing aside) from the same
    organisation in the same round is refused at the field, and 修订意见处理 shows it once."""
    comment(other_client, publicised, ENTERPRISE_COMMENT, pdf("修订意见.pdf", ATTACHMENT))
    files = len(all_rows(session_factory, select(StoredFile)))
    for again in (ENTERPRISE_COMMENT, f"\n {ENTERPRISE_COMMENT}  ", ENTERPRISE_COMMENT.replace(" ", "  ")):
        response = post_comment(other_client, publicised, again, pdf("修订意见.pdf", ATTACHMENT))
        assert response.status_code == 422
        assert field_errors(response)["text"] == ["本单位已在本轮公示中提交过相同的修订意见，无需重复提交"]
    assert [c.text for c in stored_comments(session_factory)] == [ENTERPRISE_COMMENT]
    assert len(all_rows(session_factory, select(StoredFile))) == files  # the refused ones' attachments are not kept
    shown = other_client.get(f"/plans/{publicised}/comment")
    assert my_comments(shown) == [ENTERPRISE_COMMENT]
    assert page(shown).xpath("//form[@data-submit-once]")  # the page sends its form once

    comment(other_client, publicised, RIVAL_COMMENT)  # another text from the same organisation
    comment(rival_client, publicised, ENTERPRISE_COMMENT)  # the same text from another organisation
    assert sorted(c.text for c in stored_comments(session_factory)) == sorted(
        [ENTERPRISE_COMMENT, RIVAL_COMMENT, ENTERPRISE_COMMENT])

    end_publicity(app, frozen_clock, session_factory)
    cards = resolution_cards(office_client.get(f"/tasks/{ready(session_factory, 'resolve_comments').id}"))
    assert len(cards) == 3
