"""Issue 14, hole 6: an upload is parsed as a PDF and refused when it is not one or carries active content
(an HTML polyglot, JavaScript in /OpenAction or /AA, a launch action, an embedded file), at every upload,
page and API; every stored file leaves as an attachment with a .pdf name, application/pdf and nosniff.

The hostile samples are built here with pypdf (and by hand for the raw tricks), never shipped as files.
"""
from __future__ import annotations

import ast
import importlib
import io
import pkgutil
import struct
import zlib
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject
from reportlab.pdfgen import canvas
from sqlalchemy import select
from wtforms import FileField, Form

import forms
from engine.domain import pilots
from storage.files import FileStore
from storage.models import StoredFile, User
from storage.pdf_check import Problem, pdf_problem
from tests.factories import PDF_BYTES, well_formed_pdf
from tests.webapp.helpers import (
    api_token,
    count,
    field_errors,
    multipart,
    open_task,
    pdf,
    post_registration,
    registration_form,
    request_sms_code,
)

ROOT = Path(__file__).resolve().parents[2]
NOT_A_PDF = "文件不是完整有效的 PDF"


# --- the samples -----------------------------------------------------------------------------

def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _blank_writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    return writer


def _javascript(code: str = "app.alert(document.cookie)") -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                             NameObject("/JS"): TextStringObject(code)})


def open_action_javascript() -> bytes:
    writer = _blank_writer()
    writer.root_object[NameObject("/OpenAction")] = _javascript()
    return _written(writer)


def page_open_javascript() -> bytes:
    """JavaScript in a page's additional actions (/AA /O), not in the catalogue."""
    writer = _blank_writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): _javascript()})
    return _written(writer)


def document_javascript() -> bytes:
    """A document-level script: the /Names /JavaScript tree, run when the file opens."""
    return well_formed_pdf(b"<</Type/Catalog/Pages 2 0 R/Names<</JavaScript<</Names[(init) 4 0 R]>>>>>>",
                           b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
                           b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
                           b"<</S/JavaScript/JS(app.launchURL('https://example.invalid/'))>>")


def link_javascript() -> bytes:
    """A link annotation on the page whose action is JavaScript."""
    writer = _blank_writer()
    writer.add_annotation(0, DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(50), NumberObject(50)]),
        NameObject("/A"): _javascript()}))
    return _written(writer)


def launch_action() -> bytes:
    writer = _blank_writer()
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
    return _written(writer)


def embedded_file() -> bytes:
    writer = _blank_writer()
    writer.add_attachment("comment.html", b"<script>alert(1)</script>")
    return _written(writer)


def hex_escaped_javascript() -> bytes:
    """/J#61vaScript is /JavaScript to a reader: a byte search for the name would miss it."""
    return well_formed_pdf(b"<</Type/Catalog/Pages 2 0 R/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>>>",
                           b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
                           b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>")


def xfa_form() -> bytes:
    return well_formed_pdf(b"<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[]/XFA 4 0 R>>>>",
                           b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
                           b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
                           b"<</Length 7>>stream\n<xdp/>\nendstream")


def packed_pdf(padding: int = 0) -> bytes:
    """The three objects of a one-page PDF inside a Flate-compressed object stream (PDF 1.5, as Word
    and Acrobat write), listed by a cross-reference stream; ``padding`` blank bytes unpack after them."""
    bodies = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
              b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>"]
    offsets = [sum(len(body) + 1 for body in bodies[:i]) for i in range(3)]
    header = b" ".join(b"%d %d" % (n, at) for n, at in zip((1, 2, 3), offsets, strict=True)) + b"\n"
    packed = zlib.compress(header + b"\n".join(bodies) + b"\n" + b" " * padding)
    out = bytearray(b"%PDF-1.5\n")
    stream_at = len(out)
    out += b"4 0 obj<</Type/ObjStm/N 3/First %d/Filter/FlateDecode/Length %d>>stream\n" % (len(header), len(packed))
    out += packed + b"\nendstream endobj\n"
    xref_at = len(out)
    rows = b"".join(struct.pack(">BIH", *row) for row in
                    [(0, 0, 65535), (2, 4, 0), (2, 4, 1), (2, 4, 2), (1, stream_at, 0), (1, xref_at, 0)])
    out += b"5 0 obj<</Type/XRef/Size 6/W[1 4 2]/Root 1 0 R/Length %d>>stream\n" % len(rows)
    out += rows + b"\nendstream endobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def password_protected() -> bytes:
    writer = _blank_writer()
    writer.encrypt(user_password="open-sesame", owner_password="owner", algorithm="AES-128")
    return _written(writer)


def owner_password_only() -> bytes:
    """Printable by anyone (no open password), merely restricted: accepted."""
    writer = _blank_writer()
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    return _written(writer)


# %PDF- in the first KiB and %%EOF in the last 2 KiB: what the old check looked for, and an HTML page.
HTML_POLYGLOT = (b"%PDF-1.4\n<html><body><script>fetch('/account/tokens')</script></body></html>\n"
                 b"%%EOF\n")
HTML_FIRST_POLYGLOT = b"<html><script>alert(1)</script>\n" + PDF_BYTES


def real_pdf() -> bytes:
    """A PDF as a real producer (ReportLab) writes it: compressed streams, fonts, two pages."""
    out = io.BytesIO()
    document = canvas.Canvas(out)
    for number in (1, 2):
        document.drawString(72, 720, f"Test report page {number}")
        document.showPage()
    document.save()
    return out.getvalue()


HOSTILE = {
    "HTML polyglot": (HTML_POLYGLOT, Problem.MALFORMED),
    "HTML before the header": (HTML_FIRST_POLYGLOT, Problem.MALFORMED),
    "OpenAction JavaScript": (open_action_javascript(), Problem.JAVASCRIPT),
    "page /AA JavaScript": (page_open_javascript(), Problem.JAVASCRIPT),
    "document JavaScript": (document_javascript(), Problem.JAVASCRIPT),
    "link JavaScript": (link_javascript(), Problem.JAVASCRIPT),
    "hex-escaped JavaScript": (hex_escaped_javascript(), Problem.JAVASCRIPT),
    "launch action": (launch_action(), Problem.LAUNCH),
    "embedded file": (embedded_file(), Problem.EMBEDDED_FILE),
    "XFA form": (xfa_form(), Problem.XFA),
    "open password": (password_protected(), Problem.ENCRYPTED),
    "object stream unpacking to 20 MB": (packed_pdf(padding=20 * 1024 * 1024), Problem.TOO_COMPLEX),
    "truncated": (real_pdf()[:-200], Problem.MALFORMED),
}


@pytest.mark.parametrize(("data", "expected"), list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_pdfs_are_named_by_what_is_wrong(data, expected):
    assert pdf_problem(data) == expected


@pytest.mark.parametrize("data", [PDF_BYTES, real_pdf(), owner_password_only(), _written(_blank_writer()),
                                  packed_pdf()],
                         ids=["hand-written", "reportlab", "owner password only", "pypdf", "object stream"])
def test_well_formed_pdfs_pass(data):
    assert pdf_problem(data) is None


def test_a_file_of_more_objects_than_a_document_has_is_refused(monkeypatch):
    from storage import pdf_check

    monkeypatch.setattr(pdf_check, "MAX_OBJECTS", 3)  # the real limit takes 20 000 objects (and seconds)
    assert pdf_problem(real_pdf()) == Problem.TOO_COMPLEX


# --- every upload goes through the one check ---------------------------------------------------

def _form_classes():
    for module_info in pkgutil.walk_packages(forms.__path__, "forms."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Form) and value.__module__ == module.__name__:
                yield value


def test_every_file_field_of_every_form_is_a_checked_pdf_field():
    from forms.fields import PdfField, PdfListField
    from forms.org_chart import ImageField  # 组织架构's picture: PNG / JPEG checked by content (image_check)

    file_fields = [(form.__name__, name, unbound.field_class) for form in _form_classes()
                   for name, unbound in vars(form).items()
                   if hasattr(unbound, "field_class") and issubclass(unbound.field_class, FileField)]
    assert len(file_fields) >= 15, file_fields  # the registration, pilot, plan, compliance … uploads
    checked = PdfField | PdfListField | ImageField
    unchecked = [(form, name) for form, name, kind in file_fields if not issubclass(kind, checked)]
    assert unchecked == []


# --- pages and API -----------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "message"), [
    (HTML_POLYGLOT, NOT_A_PDF), (HTML_FIRST_POLYGLOT, NOT_A_PDF),
    (open_action_javascript(), "JavaScript"), (launch_action(), "启动外部程序"), (embedded_file(), "内嵌"),
], ids=["polyglot", "html first", "javascript", "launch", "embedded"])
def test_the_registration_page_refuses_it_at_the_field(app, client, office, session_factory, data, message):
    code = request_sms_code(client, app)
    response = post_registration(client, registration_form(code, business_license=pdf("营业执照.pdf", data)))
    assert response.status_code == 422
    (shown,) = field_errors(response)["business_license"]
    assert message in shown
    assert count(session_factory, StoredFile) == 0


def test_a_real_pdf_registers(app, client, office, session_factory):
    code = request_sms_code(client, app)
    response = post_registration(client, registration_form(code, business_license=pdf("营业执照.pdf", real_pdf())))
    assert response.status_code == 302, field_errors(response)


def test_a_declaration_with_javascript_in_its_attachment_is_refused(app, make_client, session_factory):
    from tests.webapp.pilot_flow import MEMBER_PASSWORD, make_member
    from tests.webapp.test_declarations import declaration_form

    make_member(session_factory, "ent@test.cn", "enterprise", "绿源电动车股份有限公司")
    client = make_client("ent@test.cn", MEMBER_PASSWORD)
    before = count(session_factory, StoredFile)
    for data in (open_action_javascript(), HTML_POLYGLOT):
        response = client.post("/my/declarations/new", **multipart(declaration_form(
            attachment=pdf("comment.html", data, "text/html"))))
        assert response.status_code == 422
        assert field_errors(response).keys() == {"attachment"}
    assert count(session_factory, StoredFile) == before
    # A real PDF is taken whatever its name, and kept under a .pdf name.
    response = client.post("/my/declarations/new", **multipart(declaration_form(
        attachment=pdf("检测报告.html", real_pdf(), "text/html"))))
    assert response.status_code == 302, field_errors(response)
    with session_factory() as session:
        assert session.scalars(select(StoredFile.original_name)).all() == ["检测报告.html.pdf"]


def test_the_api_refuses_it_with_the_same_message(client, applicant, office, session_factory):
    office_api = api_token(client, "office@test.cn", "Office#123")
    applicant_api = api_token(client, applicant.email, applicant.password)
    vet = open_task(session_factory, applicant.instance_id)
    client.post(f"/api/v1/tasks/{vet.id}", json={"decision": "return", "reason": "x"}, headers=office_api)
    correction = open_task(session_factory, applicant.instance_id)
    fields = {"province_code": "440000", "city_code": "440300", "name": "深圳测试科技有限公司",
              "contact": "李四", "phone": "13912345678"}
    for data, message in ((HTML_POLYGLOT, NOT_A_PDF), (page_open_javascript(), "JavaScript")):
        response = client.post(f"/api/v1/tasks/{correction.id}", headers=applicant_api, **multipart(
            {**fields, "business_license": pdf("a.pdf", data)}))
        assert response.status_code == 422
        (shown,) = response.get_json()["errors"]["business_license"]
        assert message in shown
    assert open_task(session_factory, applicant.instance_id).id == correction.id


# --- downloads ---------------------------------------------------------------------------------

def _assert_safe_download(browser, url: str, name: str) -> None:
    with browser.get(url) as response:  # closes the file being sent
        _assert_safe_headers(response, name)


def _assert_safe_headers(response, name: str) -> None:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and name in disposition
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_file_stored_under_an_html_name_leaves_as_a_pdf_attachment(app, client, office_client, office,
                                                                     session_factory):
    """Files stored before the parse are not re-checked: the headers make them harmless, for the public
    (a recruitment's attachment) and for the office alike."""
    store = FileStore(Path(app.config["DATA_DIR"]) / "files")
    with session_factory() as session:
        public = store.save(session, HTML_POLYGLOT, "comment.html", "text/html")
        private = store.save(session, HTML_POLYGLOT + b" ", "报告", "text/html")
        session.flush()
        pilots.create_pilot(session, session.get(User, office), {
            "title": "电动自行车产品试点企业招募", "product_name": "两轮电动自行车", "recruit_type": "enterprise",
            "field": "product", "description": "招募", "deadline": date(2026, 12, 31)}, [public])
        session.commit()
        public_id, private_id = public.id, private.id
    _assert_safe_download(client, f"/files/{public_id}", "comment.html.pdf")
    _assert_safe_download(office_client, f"/files/{private_id}", "%E6%8A%A5%E5%91%8A.pdf")  # 报告.pdf
    assert client.get(f"/files/{private_id}").status_code == 401


def test_no_view_sends_a_file_but_through_the_safe_helper():
    """Every route that serves stored or rendered files uses webapp.security (send_pdf, send_image,
    send_spreadsheet)."""
    callers = []
    for path in sorted((ROOT / "webapp").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        callers += [f"{path.name}:{node.lineno}" for node in ast.walk(tree)
                    if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                    == "send_file" and path.name != "security.py"]
    assert callers == []
