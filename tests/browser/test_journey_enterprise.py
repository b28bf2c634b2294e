"""The enterprise's journey in Chromium, as docs/manual/enterprise.zh.md tells it: 注册, the office's
审核, 用户信息 and 企业信息填报, 参与达标 against a published 对标方案, the institution's evaluation and the
office's 备案, the certificate in 我参与的, and its 证书查验 on the public site. Every step of the
enterprise is a click in its own browser; the institution and the office click in theirs. The
pictures of the manual are taken here (tests/browser/manual_screenshots.py)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in as quick_log_in
from tests.browser.manual_screenshots import (
    missing_screenshots,
    referenced_screenshots,
    save_manual_screenshot,
)
from tests.browser.test_plan_flow import OFFICE, office_decides
from tests.certificate_reading import pdf_text

pytestmark = pytest.mark.browser

INSTITUTION = ("inst1@demo.duibiao.cn", "Inst1#2026")  # 华标检测认证有限公司, in the demo pilot
COMPANY = {
    "email": "journey.qiye@example.cn", "password": "Journey#2026", "name": "杭州对标新能源科技有限公司",
    "contact": "李明", "phone": "13811112222", "province": "浙江省", "city": "杭州市",
}
MODEL = "HZ-JOURNEY-1"
STANDARD = "T/CSTM 00123-2025"


def shot(page: Page, name: str) -> None:
    save_manual_screenshot(page, f"enterprise-{name}")


def register(page: Page, live_server, pdf) -> None:
    """用户注册: 用户类型, 用户名和密码, 所在地 … 营业执照, 手机验证码, 提交."""
    page.goto("/")
    shot(page, "01-home")
    page.locator("header").get_by_role("link", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="用户注册")).to_be_visible()
    page.get_by_label("企业用户").check()
    page.get_by_label("用户名（邮箱）").fill(COMPANY["email"])
    page.get_by_label("登录密码").fill(COMPANY["password"])
    page.get_by_label("确认密码").fill(COMPANY["password"])
    page.get_by_label("所在地").select_option(label=COMPANY["province"])
    expect(page.locator("#city_code option", has_text=COMPANY["city"])).to_have_count(1)
    page.locator("#city_code").select_option(label=COMPANY["city"])
    page.get_by_label("单位名称").fill(COMPANY["name"])
    page.get_by_label("联系人").fill(COMPANY["contact"])
    page.get_by_label("手机号").fill(COMPANY["phone"])
    page.get_by_label("营业执照（PDF）").set_input_files(str(pdf))
    page.locator("#sms-button").click()
    expect(page.locator("#sms-status")).to_have_text("验证码已发送，10 分钟内有效")
    page.get_by_label("手机验证码").fill(live_server.sms_code(COMPANY["phone"]))
    page.get_by_label("手机验证码").scroll_into_view_if_needed()
    shot(page, "02-register")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="注册状态")).to_be_visible()
    expect(page.locator("[data-org-status]")).to_have_text("待审核")
    shot(page, "03-registered")


def office_approves_registration(office: Page) -> None:
    office.goto("/tasks/")
    office.locator("tr[data-task-id]", has_text=COMPANY["name"]).get_by_role("link", name="办理").click()
    office.get_by_label("通过", exact=True).check()
    office.get_by_role("button", name="提交").click()
    expect(office.get_by_role("alert")).to_have_text("提交成功")


def log_in(page: Page) -> None:
    """用户登录 from the header: 用户名, 密码, 验证码 (the test captcha), 登录."""
    page.locator("header").get_by_role("button", name="退出").click()
    page.locator("header").get_by_role("link", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="用户登录")).to_be_visible()
    page.get_by_label("用户名").fill(COMPANY["email"])
    page.get_by_label("密码").fill(COMPANY["password"])
    page.get_by_label("验证码").fill("PASSED")
    shot(page, "04-login")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="用户信息")).to_be_visible()
    shot(page, "05-profile")


def settled(page: Page, pane: str) -> None:
    """Wait until Bootstrap's fade has shown a tab pane fully (for the picture)."""
    page.wait_for_function(
        "selector => getComputedStyle(document.querySelector(selector)).opacity === '1'", arg=pane)


def fill_enterprise_info(page: Page) -> None:
    """企业信息填报: the starred fields of 企业基本信息, 标准化管理机构, and a 需求, then 保存."""
    page.locator("nav.side-menu").get_by_role("link", name="企业信息填报").click()
    expect(page.get_by_role("heading", name="企业信息填报")).to_be_visible()
    page.fill("#founded_on", "2016-05-18")
    page.fill("#legal_rep", "王海")
    page.fill("#address", "浙江省杭州市余杭区文一西路 998 号")
    page.check("input[name=scale][value=medium]")
    page.check("input[name=ownership][value=private]")
    page.fill("#industry", "电动汽车充电设备制造")
    page.check("input[name=sector][value=secondary]")
    page.fill("#main_products", "电动汽车交流充电桩")
    page.get_by_role("tab", name="企业标准化管理情况信息").click()
    page.check("input[name=standardization_body][value=shared]")
    page.get_by_role("tab", name="企业标准化需求").click()
    page.locator("input[name=needs]").first.check()
    page.get_by_role("tab", name="企业基本信息").click()
    settled(page, "#pane-basic")
    shot(page, "06-enterprise-info")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("保存成功")


def apply(page: Page, pdf) -> None:
    """升级试点 → 对标方案 → 参与达标: step one (型号, 机构, 检测报告), step two (检测值), 提交申请."""
    page.locator("nav.side-menu").get_by_role("link", name="对标方案").click()
    row = page.locator("tr", has_text=STANDARD)
    expect(row.get_by_role("link", name="参与达标")).to_be_visible()
    shot(page, "07-plans")
    row.get_by_role("link", name="参与达标").click()
    expect(page.get_by_role("heading", name="申请达标")).to_be_visible()
    page.fill("#product_model", MODEL)
    page.select_option("#institution_id", label="华标检测认证有限公司")
    page.click("#institution-details-button")
    expect(page.locator("[data-institution-details]:visible")).to_contain_text("华标检测认证有限公司")
    page.set_input_files("#reports", str(pdf))
    shot(page, "08-apply-step1")
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("[data-step='2']")).to_be_visible()
    for index, value in enumerate(["0.05s", "96%", "2.5W"]):  # 智能化 (可填) left empty
        page.fill(f"[name='measurements-{index}-measured']", value)
    page.locator("[data-step='2'] h2").scroll_into_view_if_needed()
    shot(page, "09-apply-step2")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("alert")).to_contain_text("达标申请已提交")


def institution_evaluates(inst: Page) -> None:
    inst.locator("nav.side-menu").get_by_role("link", name="达标产品评价").click()
    inst.locator("tr", has_text=MODEL).locator("a[data-action=evaluate]").click()
    for index in range(4):
        inst.select_option(f"[name='items-{index}-verdict']", "pass")
    inst.check("input[name=conclusion][value=pass]")
    with inst.expect_navigation():
        inst.click("#evaluation-form button:has-text('提交')")
    expect(inst.get_by_role("alert")).to_contain_text("提交成功")


def my_application(page: Page):
    page.locator("nav.side-menu").get_by_role("link", name="我参与的").click()
    return page.locator("table[data-applications] tr", has_text=MODEL)


def test_enterprise_from_registration_to_verified_certificate(published_plans, new_context, make_pdf, tmp_path):
    live_server = published_plans
    licence, report = tmp_path / "营业执照.pdf", tmp_path / "检测报告.pdf"
    make_pdf(licence, "Business licence")
    make_pdf(report, "Test report")
    _, page, errors = new_context()
    _, office, office_errors = new_context()
    _, inst, inst_errors = new_context()
    quick_log_in(office, *OFFICE)
    quick_log_in(inst, *INSTITUTION)

    register(page, live_server, licence)
    office_approves_registration(office)
    page.reload()
    expect(page.locator("[data-org-status]")).not_to_have_text("待审核")
    log_in(page)
    fill_enterprise_info(page)
    apply(page, report)

    row = my_application(page)
    expect(row.locator("[data-stage]")).to_have_text("待机构审核")
    shot(page, "10-mine-submitted")
    institution_evaluates(inst)
    office_decides(office, "达标结果形式审核及备案")
    row = my_application(page)
    expect(row.locator("[data-stage]")).to_have_text("已发证")
    shot(page, "11-mine-issued")
    page.locator("nav.side-menu").get_by_role("link", name=re.compile("我的消息")).click()
    expect(page.locator("[data-message]", has_text="注册审核通过")).to_have_count(1)
    shot(page, "12-messages")
    row = my_application(page)

    row.get_by_role("link", name="查看").click()
    certificate = page.locator("[data-certificate]")
    expect(certificate).to_contain_text("证书编号")
    number = certificate.locator("strong").inner_text()
    assert re.fullmatch(r"[A-Z]+-\d{4}-\d{6}", number), number
    shot(page, "13-certificate")
    with page.expect_download() as download:
        certificate.locator("a[data-certificate-pdf]").click()
    text = "".join(pdf_text(download.value.path().read_bytes()).split())
    assert "达标证书" in text and MODEL in text and COMPANY["name"] in text

    # Anyone verifies it by its number on the public 证书查验 page.
    _, public, public_errors = new_context()
    public.goto("/")
    public.locator("nav.portal-nav").get_by_role("link", name="证书查验").click()
    public.get_by_label("查验码或证书编号").fill(number)
    public.get_by_role("button", name="查验").click()
    expect(public.locator("[data-verify-status=valid]")).to_have_text("该证书真实有效。")
    expect(public.locator("table[data-verified]")).to_contain_text(COMPANY["name"])
    expect(public.locator("table[data-verified]")).to_contain_text(MODEL)
    shot(public, "14-verified")

    assert len(referenced_screenshots("enterprise")) == 14  # the manual's pictures …
    assert missing_screenshots("enterprise") == []  # … all taken by this run
    assert not (errors or office_errors or inst_errors or public_errors)
    assert not live_server.errors, live_server.errors
