"""In real Chromium: an enterprise registers with a PDF, the programme office approves it, the user logs in."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

pytestmark = pytest.mark.browser

OFFICE = ("office@demo.duibiao.cn", "Office#2026")
COMPANY = {
    "email": "qiye.zhang@example.cn",
    "password": "Qiye#2026pw",
    "name": "苏州对标精密制造有限公司",
    "contact": "张伟",
    "phone": "13912345678",
    "province": ("320000", "江苏省"),
    "city": ("320500", "苏州市"),
}
LICENSE_NAME = "license-营业执照.pdf"


def fill_registration(page: Page, who: dict, pdf_path) -> None:
    """Steps one to three of the 注册 page, by the labels a user reads."""
    page.get_by_label("企业用户").check()
    # An enterprise needs no 资质文件: the field hides itself.
    expect(page.locator("#qualification-row")).to_be_hidden()
    page.get_by_label("用户名（邮箱）").fill(who["email"])
    page.get_by_label("登录密码").fill(who["password"])
    page.get_by_label("确认密码").fill(who["password"])
    city = page.locator("#city_code")
    expect(city.locator("option")).to_have_count(1)  # only 请选择城市 before a province is chosen
    page.get_by_label("所在地").select_option(label=who["province"][1])
    expect(city.locator("option", has_text=who["city"][1])).to_have_count(1)
    city.select_option(label=who["city"][1])
    page.get_by_label("单位名称").fill(who["name"])
    page.get_by_label("联系人").fill(who["contact"])
    page.get_by_label("手机号").fill(who["phone"])
    page.get_by_label("营业执照（PDF）").set_input_files(str(pdf_path))


def expect_registration_kept(page: Page, who: dict) -> None:
    expect(page.get_by_label("企业用户")).to_be_checked()
    expect(page.get_by_label("用户名（邮箱）")).to_have_value(who["email"])
    expect(page.get_by_label("所在地")).to_have_value(who["province"][0])
    expect(page.locator("#city_code")).to_have_value(who["city"][0])
    expect(page.get_by_label("单位名称")).to_have_value(who["name"])
    expect(page.get_by_label("联系人")).to_have_value(who["contact"])
    expect(page.get_by_label("手机号")).to_have_value(who["phone"])


def chosen_file_name(page: Page) -> str | None:
    return page.locator("#business_license").evaluate("e => e.files.length ? e.files[0].name : null")


def log_in(page: Page, email: str, password: str) -> None:
    page.locator("header").get_by_role("link", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="用户登录")).to_be_visible()
    page.get_by_label("用户名").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_label("验证码").fill("PASSED")
    page.get_by_role("button", name="登录").click()


def test_enterprise_registers_office_approves_user_logs_in(live_server, new_context, shot, make_pdf, tmp_path):
    pdf_path = tmp_path / LICENSE_NAME
    pdf_bytes = make_pdf(pdf_path, "Business licence")
    assert len(PdfReader(str(pdf_path), strict=True).pages) == 1  # a well-formed PDF, not just magic bytes

    # --- the applicant registers -------------------------------------------------------------
    applicant_context, page, applicant_errors = new_context()
    page.goto("/")
    shot(page, "home")
    page.locator("header").get_by_role("link", name="注册", exact=True).click()
    expect(page).to_have_url(re.compile(r"/register$"))
    expect(page.get_by_role("heading", name="用户注册")).to_be_visible()

    fill_registration(page, COMPANY, pdf_path)
    shot(page, "register-filled")

    # 获取验证码 must not reload the page: a marker on window survives, fields and file stay.
    page.evaluate("window.__duibiaoMarker = 'same-document'")
    sms_button = page.locator("#sms-button")  # its accessible name changes with the countdown
    expect(sms_button).to_have_text("获取验证码")
    sms_button.click()
    expect(page.locator("#sms-status")).to_have_text("验证码已发送，10 分钟内有效")
    expect(sms_button).to_have_text(re.compile(r"^\d{1,2} 秒后重新获取$"))
    expect(sms_button).to_be_disabled()
    seconds_left = int(sms_button.inner_text().split()[0])
    assert 50 <= seconds_left <= 60, sms_button.inner_text()
    assert page.evaluate("window.__duibiaoMarker") == "same-document", "获取验证码 reloaded the page"
    expect_registration_kept(page, COMPANY)
    expect(page.get_by_label("登录密码")).to_have_value(COMPANY["password"])
    expect(page.get_by_label("确认密码")).to_have_value(COMPANY["password"])
    assert chosen_file_name(page) == LICENSE_NAME
    shot(page, "sms-requested")

    code = live_server.sms_code(COMPANY["phone"])
    page.get_by_label("手机验证码").fill(code)
    page.get_by_role("button", name="提交").click()

    expect(page).to_have_url(re.compile(r"/account/status$"))
    expect(page.get_by_role("heading", name="注册状态")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("注册信息已提交")
    expect(page.locator("[data-org-status]")).to_have_text("待审核")
    expect(page.locator("[data-stage]")).to_have_text("待审核")
    expect(page.locator("main")).to_contain_text(COMPANY["name"])
    shot(page, "registered-pending")

    # --- the programme office approves it from 待办 ------------------------------------------------
    office_context, office, office_errors = new_context()
    office.goto("/")
    log_in(office, *OFFICE)
    expect(office).to_have_url(re.compile(r"/tasks/$"))
    expect(office.get_by_role("heading", name="待办")).to_be_visible()
    row = office.locator("tr[data-task-id]", has_text=COMPANY["name"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待审核")
    shot(office, "office-inbox")
    row.get_by_role("link", name="办理").click()

    expect(office.get_by_role("heading", name=re.compile(COMPANY["name"]))).to_be_visible()
    details = office.locator("table.context-table")
    for shown in (COMPANY["email"], "企业用户", "江苏省 苏州市", COMPANY["name"], COMPANY["contact"],
                  COMPANY["phone"]):
        expect(details).to_contain_text(shown)
    link = details.locator("a[data-file-link]")
    expect(link).to_have_count(1)
    expect(link).to_have_text(f"营业执照：{LICENSE_NAME}")
    shot(office, "office-task")
    with office.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == LICENSE_NAME
    with open(download.path(), "rb") as handle:
        assert handle.read() == pdf_bytes, "the downloaded 营业执照 differs from the uploaded PDF"

    office.get_by_label("通过", exact=True).check()
    office.get_by_role("button", name="提交").click()
    expect(office.get_by_role("alert")).to_have_text("提交成功")
    expect(office.get_by_role("heading", name="待办")).to_be_visible()
    expect(office.locator("tr[data-task-id]", has_text=COMPANY["name"])).to_have_count(0)
    shot(office, "office-inbox-after")
    office.locator("nav.side-menu").get_by_role("link", name="已办").click()
    expect(office.get_by_role("heading", name="已办")).to_be_visible()
    done_row = office.locator("tbody tr", has_text=COMPANY["name"])
    expect(done_row).to_have_count(1)
    expect(done_row).to_contain_text("审核通过")
    shot(office, "office-done")

    # --- the applicant logs out and back in, and reaches 用户中心 ----------------------------------
    page.bring_to_front()
    page.locator("header").get_by_role("button", name="退出").click()
    expect(page.get_by_role("alert")).to_have_text("您已退出登录")
    expect(page.locator("header").get_by_role("link", name="登录", exact=True)).to_be_visible()
    shot(page, "logged-out")
    log_in(page, COMPANY["email"], COMPANY["password"])
    expect(page).to_have_url(re.compile(r"/account/profile$"))
    expect(page.get_by_role("heading", name="用户信息")).to_be_visible()
    expect(page.locator("nav.side-menu .side-menu-title").first).to_have_text("用户中心")
    expect(page.get_by_label("单位名称")).to_have_value(COMPANY["name"])
    expect(page.locator("header")).to_contain_text(COMPANY["name"])
    shot(page, "applicant-profile")
    page.locator("nav.side-menu").get_by_role("link", name=re.compile("我的消息")).click()
    expect(page.get_by_role("heading", name="我的消息")).to_be_visible()
    expect(page.locator("[data-message]", has_text="注册审核通过")).to_have_count(1)
    shot(page, "applicant-messages")

    assert applicant_errors == [] and office_errors == [], (applicant_errors, office_errors)
    assert live_server.errors == []


def test_registration_rejects_a_non_pdf_named_pdf(live_server, new_context, shot, tmp_path):
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"This is a plain text file, only its name ends in .pdf.\n")
    who = {**COMPANY, "email": "fake.pdf@example.cn", "name": "假文件测试有限公司", "phone": "13700001111",
           "province": ("440000", "广东省"), "city": ("440300", "深圳市")}

    _context, page, js_errors = new_context()
    page.goto("/register")
    fill_registration(page, who, fake)
    page.get_by_label("手机验证码").fill("123456")
    shot(page, "bad-file-filled")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/register")) as posted:
        page.get_by_role("button", name="提交").click()
    assert posted.value.status == 422

    # The Chinese message sits at the file field, in the same form row as the input.
    row = page.locator(".mb-3.row", has=page.locator("#business_license"))
    expect(row.locator('[data-field-error="business_license"]')).to_have_text("请上传 PDF 格式的文件")
    expect(page.locator("#business_license")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("[data-field-error]")).to_have_count(1)  # no other field complains
    expect(page).to_have_url(re.compile(r"/register$"))
    expect_registration_kept(page, who)
    expect(page.get_by_label("手机验证码")).to_have_value("123456")
    expect(page.locator("#qualification-row")).to_be_hidden()
    shot(page, "bad-file-rejected")

    assert js_errors == []
    assert live_server.errors == []
