"""达标证书: render a compliance certificate as a one-page A4 PDF with a verification QR code.

The layout is drawn on a single reportlab canvas: a fixed header (title, intro sentence), the
labelled facts flowing in a frame that shrinks its content if it would overflow, and a fixed
bottom block (QR code, caption, verification URL, footer). Output is byte-for-byte deterministic
for the same input, so a stored certificate can always be re-rendered identically.
"""
from __future__ import annotations

import os
import threading
import zlib
from io import BytesIO
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, KeepInFrame, Paragraph, Spacer, Table, TableStyle

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT_ENV = "DUIBIAO_CERTIFICATE_FONT"

TITLE = "达标证书"
INTRO = "经第三方技术机构评价并报对标达标提升专项行动办公室备案，下列产品达到对标方案要求。"
QR_CAPTION = "扫码查验证书"
FOOTER = "全国对标达标信息服务平台"
FIELDS = (
    ("number", "证书编号"),
    ("enterprise", "企业名称"),
    ("product_name", "产品名称"),
    ("product_model", "产品型号"),
    ("plan_name", "对标方案"),
    ("standard_number", "标准号"),
    ("standard_name", "标准名称"),
    ("institution", "评价机构"),
    ("issued_on", "发证日期"),
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 72  # content inset from the page edge; the decorative border sits inside the first 40pt
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
FACTS_TOP = PAGE_HEIGHT - 160
FACTS_BOTTOM = 320  # everything below is reserved for the QR block and the footer
QR_SIZE = 130
QR_BOTTOM = 175
ACCENT = colors.HexColor("#8b1a1a")


class CertificateFontMissing(RuntimeError):
    """The CJK TrueType font needed to render a certificate is not installed (``path`` names the file)."""

    def __init__(self, message: str, path: str):
        super().__init__(message)
        self.path = path


# Registered font name per font path; reportlab's registry is process-global, so register once.
_registered: dict[str, str] = {}
_font_lock = threading.Lock()


def font_path() -> str:
    """The configured font file: ``DUIBIAO_CERTIFICATE_FONT``, else Debian's WenQuanYi Zen Hei."""
    return os.environ.get(FONT_ENV) or DEFAULT_FONT_PATH


def font_name() -> str:
    """Register the CJK font (``DUIBIAO_CERTIFICATE_FONT`` or WenQuanYi Zen Hei) once; return its name."""
    path = font_path()
    with _font_lock:
        if path not in _registered:
            if not os.path.isfile(path):
                raise CertificateFontMissing(
                    f"Certificate font file {path} is missing; install the Debian package fonts-wqy-zenhei "
                    f"(which provides {DEFAULT_FONT_PATH}) or point {FONT_ENV} at a TrueType CJK font.",
                    path,
                )
            # A name per path keeps a later override from replacing a font already in use.
            name = f"DuibiaoCJK-{zlib.crc32(path.encode()):08x}"
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
            _registered[path] = name
        return _registered[path]


def render(facts: dict, verify_url: str) -> bytes:
    """The certificate for ``facts`` (see FIELDS; missing keys render empty) as PDF bytes."""
    font = font_name()
    buffer = BytesIO()
    # invariant=1 drops the creation date and random document id, making the bytes reproducible.
    # The CJK font as the initial font keeps an unembedded Helvetica reference out of the file.
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=font)
    canvas.setTitle(f"{TITLE} {_value(facts, 'number')}".strip())
    canvas.setAuthor(FOOTER)
    canvas.setSubject(TITLE)
    canvas.setCreator("Duibiao")
    _draw_border(canvas)
    _draw_title(canvas, font)
    _draw_facts(canvas, font, facts)
    _draw_verification(canvas, font, verify_url)
    canvas.setFont(font, 14)
    canvas.setFillColor(colors.black)
    canvas.drawCentredString(PAGE_WIDTH / 2, 85, FOOTER)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _value(facts: dict, key: str) -> str:
    value = facts.get(key)
    return "" if value is None else str(value)


def _style(font: str, size: float, **extra) -> ParagraphStyle:
    # wordWrap="CJK" lets lines break between any two characters, which Chinese text needs.
    return ParagraphStyle(f"cert-{size}", fontName=font, fontSize=size, leading=size * 1.5, wordWrap="CJK", **extra)


def _draw_border(canvas: Canvas) -> None:
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(3)
    canvas.rect(28, 28, PAGE_WIDTH - 56, PAGE_HEIGHT - 56)
    canvas.setLineWidth(0.8)
    canvas.rect(36, 36, PAGE_WIDTH - 72, PAGE_HEIGHT - 72)


def _draw_title(canvas: Canvas, font: str) -> None:
    canvas.setFillColor(ACCENT)
    canvas.setFont(font, 36)
    canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 120, TITLE)
    canvas.setFillColor(colors.black)


def _draw_facts(canvas: Canvas, font: str, facts: dict) -> None:
    body = _style(font, 12)
    label_width = 5 * 12 + 8  # "证书编号：" is five full-width characters, plus the gap
    rows = [
        [Paragraph(escape(f"{label}："), body), Paragraph(escape(_value(facts, key)), body)]
        for key, label in FIELDS
    ]
    table = Table(rows, colWidths=[label_width, CONTENT_WIDTH - label_width])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 12),  # else the table sets an unembedded Helvetica around its cells
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    intro = Paragraph(escape(INTRO), _style(font, 13, firstLineIndent=26))
    height = FACTS_TOP - FACTS_BOTTOM
    # Shrinking (rather than splitting) keeps even absurdly long facts on the single page.
    content = KeepInFrame(CONTENT_WIDTH, height, [intro, Spacer(1, 14), table], mode="shrink")
    frame = Frame(MARGIN, FACTS_BOTTOM, CONTENT_WIDTH, height,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, showBoundary=0)
    frame.addFromList([content], canvas)


def _qr_png(verify_url: str) -> BytesIO:
    png = BytesIO()
    segno.make(verify_url, error="m").save(png, kind="png", scale=8, border=4)
    png.seek(0)
    return png


def _draw_verification(canvas: Canvas, font: str, verify_url: str) -> None:
    left = (PAGE_WIDTH - QR_SIZE) / 2
    canvas.drawImage(ImageReader(_qr_png(verify_url)), left, QR_BOTTOM, width=QR_SIZE, height=QR_SIZE)
    canvas.setFont(font, 11)
    # The code typed into 证书查验 by hand is the last part of the address.
    code = verify_url.rstrip("/").rsplit("/", 1)[-1]
    canvas.drawCentredString(PAGE_WIDTH / 2, QR_BOTTOM - 16, f"{QR_CAPTION}（查验码：{code}）")
    # The URL is printed too, for readers without a scanner; it wraps if it is long.
    url = Paragraph(escape(verify_url), _style(font, 8, alignment=TA_CENTER, textColor=colors.dimgray))
    _, height = url.wrap(CONTENT_WIDTH, QR_BOTTOM)
    url.drawOn(canvas, MARGIN, QR_BOTTOM - 22 - height)
