"""After 已发证: the public 达标结果, the platform certificate PDF and its QR code, 证书查验, the
institution's own 证书, and the office's 证书管理 and 撤销."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import runtime
from engine.domain import compliance
from engine.domain.compliance import ApplicationInput, EvaluationInput
from storage.models import HumanTask, User
from tests.certificate_reading import pdf_text, qr_codes
from tests.steps import step_is
from tests.webapp.compliance_flow import (
    MEASURED,
    MODEL,
    application_fixture,  # noqa: F401
    download,
    enterprise_client_fixture,  # noqa: F401
    issued_fixture,  # noqa: F401
    published_fixture,  # noqa: F401
    report_bytes,
    row_actions,
    second_enterprise_client_fixture,  # noqa: F401
    second_enterprise_fixture,  # noqa: F401
    shown_stage,
)
from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, field_errors, flashes, multipart, page, pdf, text_of
from tests.webapp.pilot_flow import (
    ENTERPRISE_NAME,
    INSTITUTION_NAME,
    NOT_PDF,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    is_login_redirect,
    messages,
    pager_text,
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
    table,
)
from tests.webapp.plan_flow import (
    PLAN_NAME,
    STANDARD_NAME,
    STANDARD_NUMBER,
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
)
from webapp import create_app

PRODUCT = "两轮电动自行车"
ISSUED_ON = "2026-11-10"  # the publicity timer fired at 2026-11-10 01:00:01 China time
REVOKE_REASON = "市场监督抽查发现该型号产品转速不达标"
RESULT_COLUMNS = ["序号", "企业名称", "产品名称", "产品型号", "标准号", "标准名称", "评价机构", "证书编号", "发证日期",
                  "证书"]


def result_rows(client, query: str | None = None, page_number: int | None = None) -> list[list[str]]:
    params = {k: v for k, v in (("q", query), ("page", page_number)) if v is not None}
    response = client.get("/results/", query_string=params)
    assert response.status_code == 200
    return table(response)[1]


# --- 达标结果 ----------------------------------------------------------------------------------------


def test_results_are_public_and_searchable(issued, client):
    response = client.get("/results/")
    assert response.status_code == 200
    header, rows = table(response)
    assert header == RESULT_COLUMNS
    assert rows == [["1", ENTERPRISE_NAME, PRODUCT, MODEL, STANDARD_NUMBER, STANDARD_NAME, INSTITUTION_NAME,
                     issued.number, ISSUED_ON, "平台证书"]]
    assert page(response).xpath(f"//a[normalize-space()='{issued.number}']/@href") == [f"/verify/{issued.code}"]
    assert issued.number.startswith("DBDB-2026-")

    for query in ("其他企业", "xx20", "XX 20", STANDARD_NUMBER, STANDARD_NUMBER.lower().replace(" ", ""),
                  "两轮电动自行车评价", "华标", issued.number, issued.number.lower()):
        assert [r[7] for r in result_rows(client, query)] == [issued.number], query
    missed = client.get("/results/", query_string={"q": "不存在的企业"})
    assert table(missed)[1] == [["未找到符合条件的达标结果"]]
    assert page(missed).xpath("//input[@name='q']/@value") == ["不存在的企业"]

    home = client.get("/")
    assert "/results/" in page(home).xpath("//a[normalize-space()='达标结果']/@href")


def test_results_are_paged(app, issued, published, institution, enterprise, office, session_factory, client):
    """Twenty more certificates through the same process, driven by the domain services."""
    store = app.extensions["duibiao.files"]
    with session_factory() as session:
        users = {key: session.get(User, user_id) for key, user_id in (
            ("enterprise", enterprise.user_id), ("institution", institution.user_id), ("office", office))}
        for n in range(20):
            report = store.save(session, report_bytes(f"report {n}"), f"检测报告{n}.pdf", "application/pdf")
            application = compliance.apply(session, users["enterprise"], published, ApplicationInput(
                f"XX{100 + n}", institution.organization_id, list(MEASURED), "", [report]))
            session.commit()
            for form_key, actor, apply in (
                    ("evaluate_application", "institution", lambda ctx: compliance.evaluate(ctx, EvaluationInput(
                        "evaluate", conclusion="pass", items=[{"verdict": "pass", "remark": ""}] * 4))),
                    ("file_evaluation", "office", lambda ctx: compliance.file(ctx, "approve", ""))):
                task = session.scalars(select(HumanTask).where(
                    HumanTask.instance_id == application.instance_id, HumanTask.state == "ready",
                    step_is(form_key))).one()
                runtime.complete_task(session, task, users[actor].id, apply)
                session.commit()

    first = client.get("/results/")
    rows = table(first)[1]
    assert len(rows) == 20 and [r[0] for r in rows] == [str(n) for n in range(1, 21)]
    assert "当前 1 / 20 条, 共 21 条" in pager_text(first)
    assert page(first).xpath("//nav[contains(@class,'pager')]//a[contains(.,'下一页')]/@href") == ["/results/?page=2"]
    second = result_rows(client, page_number=2)
    assert [r[0] for r in second] == ["21"] and {r[3] for r in rows + second} == {MODEL} | {
        f"XX{100 + n}" for n in range(20)}
    assert [r[3] for r in result_rows(client, "xx119")] == ["XX119"]


# --- the platform certificate PDF ----------------------------------------------------------------------


def test_the_certificate_pdf_is_public_while_valid(
        issued, enterprise_client, institution_client, office_client, client, rival_client,
        second_enterprise_client):
    url = f"/certificates/{issued.certificate_id}.pdf"
    for who in (enterprise_client, institution_client, office_client):
        with who.get(url) as response:
            assert response.status_code == 200 and response.mimetype == "application/pdf"
            assert "attachment" in response.headers["Content-Disposition"]
            data = response.data
    text = pdf_text(data)
    for expected in ("达标证书", issued.number, ENTERPRISE_NAME, PRODUCT, MODEL, PLAN_NAME, STANDARD_NUMBER,
                     STANDARD_NAME, INSTITUTION_NAME, ISSUED_ON):
        assert expected in text, expected
    assert qr_codes(data) == [f"http://localhost/verify/{issued.code}"]

    # 达标结果 lists it, so anyone may open it (revoked ones: tests/webapp/test_certificates_public.py).
    for who in (client, rival_client, second_enterprise_client):
        assert download(who, url) == (200, data)
    assert download(enterprise_client, "/certificates/999999.pdf")[0] == 404
    # The links to it: 我参与的 (enterprise) and 证书管理 (office).
    assert page(enterprise_client.get("/my/enrollments")).xpath("//a[@data-certificate-pdf]/@href") == [url]
    assert url in page(office_client.get("/office/certificates")).xpath("//a/@href")


def test_the_qr_code_uses_the_configured_public_address(app, issued, enterprise_client, monkeypatch):
    url = f"/certificates/{issued.certificate_id}.pdf"
    app.config["PUBLIC_URL"] = "https://duibiao.example.cn/"  # the app fixture restores the config
    assert qr_codes(download(enterprise_client, url)[1]) == [f"https://duibiao.example.cn/verify/{issued.code}"]

    # DUIBIAO_PUBLIC_URL in the environment of a freshly started app (same database and files).
    monkeypatch.setenv("DUIBIAO_PUBLIC_URL", "https://www.duibiao.gov.cn")
    monkeypatch.setenv("DUIBIAO_SECRET_KEY", "webapp-tests")
    monkeypatch.delenv("DUIBIAO_MAIL_BACKEND", raising=False)
    other = create_app({key: app.config[key] for key in (
        "TESTING", "DATABASE_URL", "DATA_DIR", "CAPTCHA_TEST_MODE", "WTF_CSRF_ENABLED", "SCHEDULER_ENABLED")})
    try:
        browser = other.test_client()
        assert browser.post("/login", data={"email": OFFICE_EMAIL, "password": OFFICE_PASSWORD,
                                            "captcha": "PASSED"}).status_code == 302
        data = download(browser, url)[1]
        assert qr_codes(data) == [f"https://www.duibiao.gov.cn/verify/{issued.code}"]
    finally:
        other.extensions["duibiao.engine"].dispose()


# --- 证书查验 --------------------------------------------------------------------------------------------


def test_verification_shows_the_facts(issued, client):
    response = client.get(f"/verify/{issued.code}")
    assert response.status_code == 200
    assert page(response).xpath("//*[@data-verify-status]/@data-verify-status") == ["valid"]
    text = text_of(response)
    for expected in ("该证书真实有效", issued.number, ENTERPRISE_NAME, PRODUCT, MODEL, PLAN_NAME, STANDARD_NUMBER,
                     STANDARD_NAME, INSTITUTION_NAME, ISSUED_ON):
        assert expected in text, expected
    lower = client.get(f"/verify/{issued.code.lower()}")
    assert lower.status_code == 200 and issued.number in text_of(lower)

    unknown = client.get("/verify/ABCDEFGHJKLMNPQR")
    assert unknown.status_code == 404
    assert page(unknown).xpath("//*[@data-verify-status]/@data-verify-status") == ["unknown"]
    assert "未找到查验码或证书编号为 ABCDEFGHJKLMNPQR 的证书" in text_of(unknown)
    assert ENTERPRISE_NAME not in text_of(unknown) and "未颁发" not in text_of(unknown)

    typed = client.get("/verify/", query_string={"code": f" {issued.code[:8].lower()} {issued.code[8:]} "})
    assert typed.status_code == 302 and typed.headers["Location"] == f"/verify/{issued.code}"
    empty = client.get("/verify/")
    assert empty.status_code == 200 and page(empty).xpath("//input[@name='code']")
    assert not page(empty).xpath("//*[@data-verify-status]")


# --- the institution's own 证书 ------------------------------------------------------------------------


def test_the_institution_uploads_its_own_certificate(
        issued, institution_client, enterprise_client, rival_client, client, session_factory):
    url = f"/my/evaluations/{issued.application_id}/certificate"
    shown = institution_client.get(url)
    assert shown.status_code == 200 and issued.number in text_of(shown) and "未上传" in text_of(shown)

    for form, message in (({}, "请上传 PDF 文件"),
                          ({"certificate_file": pdf("证书.docx", NOT_PDF)}, "请上传 PDF 格式的文件")):
        refused = institution_client.post(url, **multipart(form))
        assert refused.status_code == 422
        assert field_errors(refused).get("certificate_file") == [message]
    assert rival_client.get(url).status_code == 404
    assert rival_client.post(url, **multipart({"certificate_file": pdf("伪造证书.pdf")})).status_code == 404
    assert enterprise_client.post(url, **multipart({"certificate_file": pdf("伪造证书.pdf")})).status_code == 403

    uploaded = report_bytes("机构证书")
    saved = institution_client.post(url, **multipart({"certificate_file": pdf("机构达标证书.pdf", uploaded)}))
    assert saved.status_code == 302 and saved.headers["Location"] == "/my/evaluations"
    assert "证书已保存" in flashes(institution_client.get("/my/evaluations"))
    detail = enterprise_client.get(f"/my/applications/{issued.application_id}")
    (link,) = page(detail).xpath("//a[@data-uploaded-certificate]")
    assert "机构达标证书.pdf" in link.text_content()
    assert download(enterprise_client, link.get("href")) == (200, uploaded)
    assert download(institution_client, link.get("href")) == (200, uploaded)
    assert download(rival_client, link.get("href"))[0] == 403
    assert download(client, link.get("href"))[0] == 401


# --- 证书管理 and 撤销 -------------------------------------------------------------------------------------


def test_the_office_revokes_a_certificate_with_a_reason(
        issued, office_client, enterprise_client, institution_client, client):
    managed = office_client.get("/office/certificates")
    header, rows = table(managed)
    assert header == ["证书编号", "企业名称", "产品名称", "产品型号", "评价机构", "发证日期", "状态", "操作"]
    assert rows == [[issued.number, ENTERPRISE_NAME, PRODUCT, MODEL, INSTITUTION_NAME, ISSUED_ON, "有效",
                     "查看 下载 撤销"]]
    url = f"/office/certificates/{issued.certificate_id}/revoke"
    assert office_client.get(url).status_code == 200
    for reason in ("", "   "):
        refused = office_client.post(url, data={"reason": reason})
        assert refused.status_code == 422 and field_errors(refused).get("reason") == ["请填写撤销原因"]
    assert client.get(f"/verify/{issued.code}").status_code == 200
    assert len(result_rows(client)) == 1

    done = office_client.post(url, data={"reason": REVOKE_REASON})
    assert done.status_code == 302 and done.headers["Location"] == "/office/certificates"
    after = office_client.get("/office/certificates")
    assert f"证书 {issued.number} 已撤销" in flashes(after)
    ((*facts, status, actions),) = table(after)[1]
    assert facts == [issued.number, ENTERPRISE_NAME, PRODUCT, MODEL, INSTITUTION_NAME, ISSUED_ON]
    assert status.startswith("已撤销") and REVOKE_REASON in status and actions == "查看 下载"
    again = office_client.post(url, data={"reason": "再次撤销"})
    assert again.status_code == 422 and "该证书已撤销" in text_of(again)

    verified = client.get(f"/verify/{issued.code}")
    assert page(verified).xpath("//*[@data-verify-status]/@data-verify-status") == ["revoked"]
    assert "该证书已被撤销" in text_of(verified) and REVOKE_REASON in text_of(verified)
    assert "再次撤销" not in text_of(verified)
    assert "真实有效" not in text_of(verified)
    assert table(client.get("/results/"))[1] == [["暂无达标结果"]]
    assert any("达标证书已撤销" in m and REVOKE_REASON in m for m in messages(enterprise_client))
    assert "证书" not in row_actions(institution_client.get("/my/evaluations"), issued.application_id)
    upload = institution_client.post(f"/my/evaluations/{issued.application_id}/certificate",
                                     **multipart({"certificate_file": pdf("机构达标证书.pdf")}))
    assert upload.status_code in (404, 422)
    detail = enterprise_client.get(f"/my/applications/{issued.application_id}")
    assert REVOKE_REASON in page(detail).xpath("string(//*[@data-certificate])")
    assert row_actions(enterprise_client.get("/my/enrollments"), issued.application_id) == ["查看"]


def test_a_revoked_certificate_is_no_longer_shown_as_issued(issued, office_client, enterprise_client):
    """我参与的 and 查看 must not keep saying 已发证 once the certificate is revoked."""
    url = f"/office/certificates/{issued.certificate_id}/revoke"
    assert office_client.post(url, data={"reason": REVOKE_REASON}).status_code == 302
    mine = enterprise_client.get("/my/enrollments")
    assert "撤销" in shown_stage(mine, issued.application_id), shown_stage(mine, issued.application_id)
    detail = enterprise_client.get(f"/my/applications/{issued.application_id}")
    assert "已发证" not in page(detail).xpath("string(//*[@data-stage])")


@pytest.mark.parametrize("who", ["enterprise", "institution", "anonymous"])
def test_only_the_office_manages_certificates(who, issued, enterprise_client, institution_client, client):
    browser = {"enterprise": enterprise_client, "institution": institution_client, "anonymous": client}[who]
    url = f"/office/certificates/{issued.certificate_id}/revoke"
    for response in (browser.get("/office/certificates"), browser.get(url),
                     browser.post(url, data={"reason": REVOKE_REASON})):
        if who == "anonymous":
            assert is_login_redirect(response, "/office/certificates"), response.status_code
        else:
            assert response.status_code == 403
    assert len(result_rows(client)) == 1
