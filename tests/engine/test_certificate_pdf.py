"""达标证书 PDF: content, QR code, embedded font, wrapping, determinism and a missing font."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from engine.domain import certificate_pdf
from engine.domain.certificate_pdf import CertificateFontMissing, render
from tests.certificate_reading import pdf_text, qr_codes

VERIFY_URL = "http://127.0.0.1:5000/verify/ABCDEFGH23456789"
FACTS = {
    "number": "DBDB-2026-000001",
    "enterprise": "杭州示例电机有限公司",
    "product_name": "三相异步电动机",
    "product_model": "YE4-160M-4",
    "plan_name": "高效电动机能效对标方案",
    "standard_number": "GB 18613-2020",
    "standard_name": "电动机能效限定值及能效等级",
    "institution": "国家中小型电机及系统质量检验检测中心",
    "issued_on": "2026-11-02",
}
LABELS = ["证书编号：", "企业名称：", "产品名称：", "产品型号：", "对标方案：", "标准号：", "标准名称：",
          "评价机构：", "发证日期："]


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_certificate_is_a_one_page_pdf_with_every_fact():
    data = render(FACTS, VERIFY_URL)

    assert data.startswith(b"%PDF")
    assert len(PdfReader(BytesIO(data)).pages) == 1
    text = pdf_text(data)
    assert "达标证书" in text
    assert "下列产品达到对标方案要求" in squeezed(text)
    for value in FACTS.values():
        assert value in text
    for label in LABELS:
        assert label in text
    assert "扫码查验证书" in text
    assert "查验码：ABCDEFGH23456789" in squeezed(text)  # what a reader types into 证书查验
    assert VERIFY_URL in text
    assert "全国对标达标信息服务平台" in text


def test_qr_code_decodes_to_the_verify_url():
    assert qr_codes(render(FACTS, VERIFY_URL)) == [VERIFY_URL]


def test_chinese_font_is_embedded():
    page = PdfReader(BytesIO(render(FACTS, VERIFY_URL))).pages[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    # Simple TrueType fonts carry the descriptor; composite (Type0) fonts carry it on their descendants.
    faces = [face.get_object() for font in fonts for face in font.get("/DescendantFonts", [font])]

    assert any("/FontFile2" in face.get("/FontDescriptor", {}) for face in faces)
    assert all("/FontDescriptor" in face for face in faces), "every font is embedded, none is a base-14 reference"


def text_runs(data: bytes) -> list[tuple[str, float, float]]:
    """(text, left, right) of every text run, in page coordinates."""
    page = PdfReader(BytesIO(data)).pages[0]
    font = certificate_pdf.font_name()
    runs = []

    def visit(text, cm, tm, font_dict, size):
        text = text.strip()
        if text:
            left = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            scale = tm[0] * cm[0]  # no rotation on the certificate, so this is the horizontal scale
            runs.append((text, left, left + stringWidth(text, font, size) * scale))

    page.extract_text(visitor_text=visit)
    return runs


def test_long_standard_name_wraps_inside_the_page():
    long_name = ("电动机能效限定值及能效等级与试验方法" * 12)[:200]
    data = render({**FACTS, "standard_name": long_name}, VERIFY_URL)
    width = float(PdfReader(BytesIO(data)).pages[0].mediabox.width)

    assert long_name in squeezed(pdf_text(data))
    runs = text_runs(data)
    assert not any(long_name in text for text, _, _ in runs), "the name is split over several lines"
    for text, left, right in runs:
        assert 0 < left < right < width, text


def test_missing_facts_render_empty_and_markup_stays_literal():
    text = pdf_text(render({"enterprise": "A&B <示例> 公司"}, VERIFY_URL))

    assert "A&B <示例> 公司" in text
    for label in LABELS:
        assert label in text


def test_same_certificate_renders_to_the_same_bytes():
    first = render(FACTS, VERIFY_URL)

    assert render(dict(FACTS), VERIFY_URL) == first
    assert render({**FACTS, "number": "DBDB-2026-000002"}, VERIFY_URL) != first


def test_missing_font_file_is_reported(monkeypatch, tmp_path):
    missing = tmp_path / "no-such-font.ttc"
    monkeypatch.setenv("DUIBIAO_CERTIFICATE_FONT", str(missing))
    # A fresh cache makes render look for the file again; monkeypatch restores the real cache afterwards.
    monkeypatch.setattr(certificate_pdf, "_registered", {})

    with pytest.raises(CertificateFontMissing) as raised:
        render(FACTS, VERIFY_URL)
    assert str(missing) in str(raised.value)
    assert "fonts-wqy-zenhei" in str(raised.value)
    assert isinstance(raised.value, RuntimeError)
