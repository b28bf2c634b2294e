"""帮助中心 → 操作手册: the manuals of docs/manual listed above the column's articles, each rendered from
its Markdown (escaped HTML) with its screenshots, which only the image route serves."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from PIL import Image

from tests.webapp.helpers import page, text_of
from webapp import manuals
from webapp.config import DEFAULT_MANUAL_DIR

COLUMN = "/help/?column=manuals"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (11, 79, 156)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def manual_dir(app, tmp_path, monkeypatch) -> Path:
    """A manual folder: the enterprise's in both languages, the institution's in Chinese, a stray file."""
    folder = tmp_path / "manual"
    (folder / "img").mkdir(parents=True)
    (folder / "enterprise.zh.md").write_text(
        "# 企业用户操作手册\n\n## 一、注册\n\n点击“注册”。<script>alert(1)</script>\n\n"
        "![首页](img/enterprise-01-home.png)\n\n[危险](javascript:alert(1))\n", encoding="utf-8")
    (folder / "enterprise.en.md").write_text("# Enterprise user manual\n\nClick 注册.\n", encoding="utf-8")
    (folder / "institution.zh.md").write_text("# 第三方技术机构操作手册\n\n正文\n", encoding="utf-8")
    (folder / "notes.zh.md").write_text("# 内部笔记\n", encoding="utf-8")
    (folder / "img" / "enterprise-01-home.png").write_bytes(png())
    (folder / "img" / "readme.txt").write_text("not a picture", encoding="utf-8")
    (tmp_path / "outside.png").write_bytes(png())
    (folder / "img" / "linked.png").symlink_to(tmp_path / "outside.png")
    monkeypatch.setitem(app.config, "MANUAL_DIR", str(folder))
    return folder


def test_the_column_lists_the_manuals_present_in_role_order(client, manual_dir):
    response = client.get(COLUMN)
    assert response.status_code == 200
    links = page(response).xpath("//*[@data-manuals]//a")
    assert [(a.get("data-manual-link"), a.text_content().strip(), a.get("href")) for a in links] == [
        ("enterprise", "企业用户操作手册", "/help/manuals/enterprise"),
        ("institution", "第三方技术机构操作手册", "/help/manuals/institution"),
    ]
    assert "该栏目暂无内容" not in text_of(response)


def test_without_manuals_the_column_says_it_is_empty(client, manual_dir):
    for path in manual_dir.glob("*.md"):
        path.unlink()
    response = client.get(COLUMN)
    assert page(response).xpath("//*[@data-manuals]") == []
    assert "该栏目暂无内容" in text_of(response)


def test_a_manual_is_rendered_with_its_pictures_and_its_html_escaped(client, manual_dir):
    response = client.get("/help/manuals/enterprise")
    assert response.status_code == 200
    article = page(response).xpath("//article[@data-manual='enterprise']")[0]
    assert article.xpath(".//h1")[0].text_content() == "企业用户操作手册"
    assert article.xpath(".//h2")[0].text_content() == "一、注册"
    assert article.xpath(".//script") == [] and "<script>alert(1)</script>" in article.text_content()
    assert article.xpath(".//a[starts-with(@href, 'javascript')]") == []
    (picture,) = article.xpath(".//img")
    assert (picture.get("src"), picture.get("alt")) == ("/help/manuals/img/enterprise-01-home.png", "首页")
    with client.get(picture.get("src")) as served:
        assert served.status_code == 200 and served.mimetype == "image/png"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.data == (manual_dir / "img" / "enterprise-01-home.png").read_bytes()
    nav = page(response).xpath("//*[@data-manual-nav]//a[@aria-current='page']")
    assert [a.text_content() for a in nav] == ["企业用户操作手册"]


@pytest.mark.parametrize("path", [
    "/help/manuals/unknown", "/help/manuals/notes", "/help/manuals/public",  # not a manual / not present
    "/help/manuals/img/readme.txt", "/help/manuals/img/missing.png",  # not a PNG / absent
    "/help/manuals/img/linked.png",  # a link out of the folder
    "/help/manuals/img/..%2Foutside.png", "/help/manuals/img/%2e%2e%2f%2e%2e%2foutside.png",
    "/help/manuals/img/..%5Coutside.png", "/help/manuals/img/../enterprise.zh.md",
    "/help/manuals/..%2Fenterprise.zh.md", "/help/manuals/img/Enterprise-01-home.PNG",
])
def test_unknown_manuals_and_anything_outside_the_pictures_are_not_found(client, manual_dir, path):
    with client.get(path) as response:
        assert response.status_code == 404


def test_the_english_file_is_chosen_in_english_and_chinese_is_the_fallback(app, manual_dir):
    with app.test_request_context("/help/"):
        with force_locale("en"):
            assert [(m.slug, m.title, m.language) for m in manuals.available()] == [
                ("enterprise", "Enterprise user manual", "en"),
                ("institution", "第三方技术机构操作手册", "zh"),
            ]
        with force_locale("zh_Hans_CN"):
            assert [m.language for m in manuals.available()] == ["zh", "zh"]


def test_the_shipped_manuals_show_every_picture_they_reference(client):
    """docs/manual as committed: each manual opens, and each of its pictures is served."""
    assert client.application.config["MANUAL_DIR"] == str(DEFAULT_MANUAL_DIR)
    listed = page(client.get(COLUMN)).xpath("//*[@data-manuals]//a/@data-manual-link")
    assert "enterprise" in listed
    for slug in listed:
        response = client.get(f"/help/manuals/{slug}")
        assert response.status_code == 200
        sources = page(response).xpath("//article[@data-manual]//img/@src")
        assert sources, f"the {slug} manual shows no picture"
        for source in sources:
            with client.get(source) as picture:
                assert picture.status_code == 200 and picture.mimetype == "image/png", source


# Chinese characters, and the full-width punctuation that goes with them (，。：（）、 and the like).
CJK = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ENGLISH_MANUALS = sorted(path.name.removesuffix(".en.md") for path in DEFAULT_MANUAL_DIR.glob("*.en.md"))


def test_every_shipped_manual_has_its_english_version():
    """In English a manual without an .en.md falls back to its Chinese file: every one must have both."""
    chinese = sorted(path.name.removesuffix(".zh.md") for path in DEFAULT_MANUAL_DIR.glob("*.zh.md"))
    assert ENGLISH_MANUALS == chinese == sorted(manuals.SLUGS)


@pytest.mark.parametrize("slug", ENGLISH_MANUALS)
def test_the_english_manual_matches_the_chinese_one_and_has_no_chinese_text(slug):
    """The English page shows no Chinese string; both versions show the same pictures."""
    chinese = (DEFAULT_MANUAL_DIR / f"{slug}.zh.md").read_text(encoding="utf-8")
    english = (DEFAULT_MANUAL_DIR / f"{slug}.en.md").read_text(encoding="utf-8")
    assert CJK.findall(english) == []
    pictures = re.compile(r"\(img/([^)]+\.png)\)")
    assert pictures.findall(english) == pictures.findall(chinese) != []
