"""What the public sees of a certificate: 证书查验 by 查验码 or by the printed 证书编号, and the
platform's PDF and the institution's uploaded 证书 opened from 达标结果 and the verification page
while the certificate is valid (not once it is revoked)."""
from __future__ import annotations

from urllib.parse import unquote

import pytest

from engine.domain import certificates
from storage.models import Certificate
from tests.certificate_reading import pdf_text
from tests.webapp.compliance_flow import (
    application_fixture,  # noqa: F401
    download,
    enterprise_client_fixture,  # noqa: F401
    issued_fixture,  # noqa: F401
    published_fixture,  # noqa: F401
    report_bytes,
)
from tests.webapp.helpers import field_errors, multipart, page, pdf, text_of
from tests.webapp.pilot_flow import (
    ENTERPRISE_NAME,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
)

REVOKE_REASON = "市场监督抽查发现该型号产品转速不达标"
UPLOADED = report_bytes("机构证书")
UPLOADED_NAME = "机构达标证书.pdf"


def status_of(response) -> list[str]:
    return page(response).xpath("//*[@data-verify-status]/@data-verify-status")


def typed(client, text: str):
    """The 证书查验 form submitted with ``text``, the redirect followed."""
    first = client.get("/verify/", query_string={"code": text})
    if first.status_code != 302:
        return first
    return client.get(first.headers["Location"])


def upload(institution_client, issued, name: str = UPLOADED_NAME, data: bytes = UPLOADED) -> None:
    response = institution_client.post(f"/my/evaluations/{issued.application_id}/certificate",
                                       **multipart({"certificate_file": pdf(name, data)}))
    assert response.status_code == 302, field_errors(response)


def revoke(office_client, issued) -> None:
    response = office_client.post(f"/office/certificates/{issued.certificate_id}/revoke",
                                  data={"reason": REVOKE_REASON})
    assert response.status_code == 302


def disposition_name(response) -> str:
    """The file name a browser saves under (RFC 6266: filename* wins)."""
    header = response.headers["Content-Disposition"]
    assert header.startswith("attachment;"), header
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "filename*":
            return unquote(value.split("''", 1)[1])
    return header.split("filename=", 1)[1].strip('"')


def certificate_links(response, marker: str) -> list[str]:
    return page(response).xpath(f"//a[@{marker}]/@href")


# --- 证书查验 by 证书编号 ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "{number}", "{lower}", " {number} ", "{compact}", "{spaced}", "{fullwidth}", "{emdash}", "DBDB-2026-1",
])
def test_the_printed_certificate_number_verifies(issued, client, text):
    number = issued.number
    values = {"number": number, "lower": number.lower(), "compact": number.replace("-", ""),
              "spaced": number.replace("-", " - "), "emdash": number.replace("-", "—"),
              "fullwidth": "".join(chr(ord(c) + 0xFEE0) for c in number.lower())}
    response = typed(client, text.format(**values))
    assert response.status_code == 200, text_of(response)
    assert status_of(response) == ["valid"]
    assert "该证书真实有效" in text_of(response) and ENTERPRISE_NAME in text_of(response)
    assert page(response).xpath("//table[@data-verified]//tr[1]/td/text()") == [number]


def test_the_number_redirects_to_its_own_address_not_the_code(issued, client):
    response = client.get("/verify/", query_string={"code": issued.number.lower().replace("-", "－")})
    assert response.status_code == 302 and response.headers["Location"] == f"/verify/{issued.number}"
    assert issued.code not in text_of(client.get(response.headers["Location"]))


def test_the_code_is_still_accepted_with_dashes_and_full_width(issued, client):
    code = issued.code
    for text in (f"{code[:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}",
                 "".join(chr(ord(c) + 0xFEE0) for c in code.lower())):
        assert status_of(typed(client, text)) == ["valid"], text


def test_an_unknown_code_or_number_is_not_found_and_points_to_the_qr_code(issued, client):
    for text in ("ABCDEFGHJKLMNPQR", "DBDB-2026-999999", "A/B?C"):
        response = typed(client, text)
        assert response.status_code == 404
        assert status_of(response) == ["unknown"]
        shown = text_of(response)
        assert "未找到" in shown and text in shown and "二维码下方" in shown, shown
        assert "不存在" not in shown and "未颁发" not in shown
        assert ENTERPRISE_NAME not in shown and not certificate_links(response, "data-certificate-pdf")


def test_an_empty_submission_is_told_at_the_field(client):
    for text in ("", "   ", " - "):
        response = client.get("/verify/", query_string={"code": text})
        assert response.status_code == 422
        assert field_errors(response) == {"code": ["请输入证书上的查验码或证书编号"]}
        assert page(response).xpath("//input[@name='code']/@class")[0].endswith("is-invalid")
        assert not status_of(response)
    first_visit = client.get("/verify/")
    assert first_visit.status_code == 200 and not field_errors(first_visit)


def test_a_revoked_certificate_found_by_number_says_so(issued, office_client, client):
    revoke(office_client, issued)
    response = typed(client, issued.number)
    assert response.status_code == 200 and status_of(response) == ["revoked"]
    assert "真实有效" not in text_of(response)
    # Numbers are sequential: the office's reason is not given away by them, only by the 查验码.
    assert REVOKE_REASON not in text_of(response)
    by_code = client.get(f"/verify/{issued.code}")
    assert status_of(by_code) == ["revoked"] and REVOKE_REASON in text_of(by_code)


def test_normalize_code_reads_numbers_and_codes():
    assert certificates.normalize_code(" dbdb－２０２６—000001 ") == "DBDB-2026-000001"
    assert certificates.normalize_code("DBDB 2026 12") == "DBDB-2026-000012"
    assert certificates.normalize_code("abcd-efgh jkmn-pqrs") == "ABCDEFGHJKMNPQRS"
    assert certificates.normalize_code(" ‐ ") == ""
    # A 16-character key that is a possible 查验码 stays one.
    assert certificates.normalize_code("DBDB222233334444") == "DBDB222233334444"


# --- the certificate's files, for the public ---------------------------------------------------------


def test_anyone_opens_the_platform_pdf_from_results_and_verification(issued, client):
    url = f"/certificates/{issued.certificate_id}.pdf"
    assert certificate_links(client.get("/results/"), "data-certificate-pdf") == [url]
    assert certificate_links(client.get(f"/verify/{issued.code}"), "data-certificate-pdf") == [url]
    assert certificate_links(typed(client, issued.number), "data-certificate-pdf") == [url]
    with client.get(url) as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert disposition_name(response) == f"达标证书-{issued.number}.pdf"
        assert issued.number in pdf_text(response.data)
    # Nothing uploaded yet: no link, and the address answers 404.
    assert not certificate_links(client.get("/results/"), "data-uploaded-certificate")
    assert download(client, f"/certificates/{issued.certificate_id}/institution.pdf")[0] == 404


def test_anyone_opens_the_institutions_uploaded_certificate(issued, institution_client, client, rival_client):
    upload(institution_client, issued)
    url = f"/certificates/{issued.certificate_id}/institution.pdf"
    assert certificate_links(client.get("/results/"), "data-uploaded-certificate") == [url]
    verified = client.get(f"/verify/{issued.code}")
    (link,) = page(verified).xpath("//a[@data-uploaded-certificate]")
    assert link.get("href") == url and UPLOADED_NAME in link.text_content()
    for who in (client, rival_client):
        with who.get(url) as response:
            assert response.status_code == 200 and response.mimetype == "application/pdf"
            assert disposition_name(response) == UPLOADED_NAME
            assert response.data == UPLOADED
    assert download(client, "/certificates/999999/institution.pdf")[0] == 404


def test_the_download_name_carries_no_path(issued, institution_client, client, session_factory):
    """The upload form refuses such names; a row written otherwise still downloads as a bare PDF name."""
    upload(institution_client, issued)
    with session_factory() as session:
        certificate = session.get(Certificate, issued.certificate_id)
        certificate.uploaded_file.original_name = "..\\..\\etc/机构证书"
        session.commit()
    with client.get(f"/certificates/{issued.certificate_id}/institution.pdf") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert disposition_name(response) == "机构证书.pdf"


def test_a_revoked_certificates_files_are_not_public(
        issued, institution_client, enterprise_client, office_client, rival_client, client):
    upload(institution_client, issued)
    platform = f"/certificates/{issued.certificate_id}.pdf"
    uploaded = f"/certificates/{issued.certificate_id}/institution.pdf"
    revoke(office_client, issued)

    verified = client.get(f"/verify/{issued.code}")
    assert status_of(verified) == ["revoked"]
    assert not page(verified).xpath("//a[@data-certificate-pdf or @data-uploaded-certificate]")
    for url in (platform, uploaded):
        assert download(client, url)[0] == 401
        assert download(rival_client, url)[0] == 403
        assert download(office_client, url)[0] == 200
    # As before: the parties keep their own upload, the platform PDF is no longer handed out.
    assert download(enterprise_client, uploaded) == (200, UPLOADED)
    assert download(institution_client, uploaded) == (200, UPLOADED)
    assert download(enterprise_client, platform)[0] == 403
