"""用户中心 → 企业信息填报 and 服务机构信息填报: the menu, the forms, refusals at the field, who may
see and change what, the 相关附件, and the 机构详情 card on 申请达标."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.domain import profiles
from engine.domain.profiles import ProfileError
from forms.profiles import EnterpriseInfoForm
from storage.models import (
    EnterpriseProfile,
    InstitutionProfile,
    InstitutionProfileFile,
    Organization,
    StoredFile,
    User,
)
from tests.factories import PDF_BYTES
from tests.webapp.compliance_flow import (
    download,
    enterprise_client_fixture,  # noqa: F401
    published_fixture,  # noqa: F401
    second_enterprise_client_fixture,  # noqa: F401
    second_enterprise_fixture,  # noqa: F401
)
from tests.webapp.helpers import (
    CJK,
    all_rows,
    count,
    csrf_token,
    field_errors,
    first,
    flashes,
    input_value,
    multipart,
    page,
    pdf,
    text_of,
)
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
from tests.webapp.plan_flow import approved_fixture, drafting_fixture  # noqa: F401

ENTERPRISE_URL, INSTITUTION_URL = "/account/enterprise-info", "/account/institution-info"
CAPABILITIES = "可开展电动自行车整车及零部件检验检测服务"
ONE_ATTACHMENT = "请上传至少一个相关附件"


def enterprise_form(**overrides) -> dict:
    """A complete 企业信息填报 (all three tabs); ``None`` drops a field."""
    form = {
        "contact": "赵六", "phone": "13700001111", "email": "info@lvyuan.cn", "founded_on": "2018-06-08",
        "legal_rep": "钱七", "address": "天津市滨海新区第一大街 1 号", "business_info": "年产电动自行车 50 万辆",
        "scale": "medium", "ownership": "private", "industry": "电动自行车制造", "sector": "secondary",
        "main_products": "两轮电动自行车", "standardization_body": "dedicated", "full_time_staff": "3",
        "part_time_staff": "", "international_standards": "1", "national_standards": "2",
        "industry_standards": "", "local_standards": "", "group_standards": "4", "enterprise_standards": "12",
        "management_notes": "建立了企业标准体系", "needs": ["training", "other"],
        "needs_detail": "希望参加国际标准培训",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def institution_form(files=None, **overrides) -> dict:
    """A complete 服务机构信息填报 as multipart; ``files=[]`` sends no attachment."""
    form = {
        "contact": "孙八", "phone": "13600002222", "email": "service@huabiao.cn", "institution_type": "testing",
        "accreditations": ["cma", "cnas"], "staff": "30", "senior_staff": "8", "capabilities": CAPABILITIES,
        "cases": "为 20 家企业提供对标检测", "attachments": [pdf("资质认定证书.pdf")] if files is None else files,
    }
    form.update(overrides)
    return multipart({k: v for k, v in form.items() if v is not None and v != []})


def org(session_factory, organization_id: int) -> Organization:
    return first(session_factory, select(Organization).where(Organization.id == organization_id))


def particulars(session_factory, organization_id: int) -> tuple:
    o = org(session_factory, organization_id)
    return (o.contact, o.phone, o.address, o.founded_on, o.legal_rep)


def enterprise_row(session_factory, organization_id: int) -> EnterpriseProfile | None:
    return first(session_factory, select(EnterpriseProfile).where(
        EnterpriseProfile.organization_id == organization_id))


def institution_row(session_factory, organization_id: int) -> InstitutionProfile | None:
    return first(session_factory, select(InstitutionProfile).where(
        InstitutionProfile.organization_id == organization_id))


def attachments(session_factory, organization_id: int) -> list[InstitutionProfileFile]:
    return all_rows(session_factory, select(InstitutionProfileFile).where(
        InstitutionProfileFile.organization_id == organization_id).order_by(InstitutionProfileFile.id))


def saved(response) -> None:
    assert response.status_code == 302, field_errors(response)


def menu(response) -> dict[str, str]:
    return {" ".join(a.text_content().split()): a.get("href")
            for a in page(response).xpath("//nav[contains(@class,'side-menu')]//a")}


def checked(response, name: str) -> list[str]:
    return page(response).xpath(f"//input[@name='{name}' and @checked]/@value")


def refused_at(response, field: str, message: str) -> None:
    assert response.status_code == 422
    errors = field_errors(response)
    assert any(message in shown for shown in errors.get(field, [])), errors
    assert all(CJK.search(shown) for shown in errors[field]), f"not Chinese: {errors[field]}"
    assert "Not a valid" not in response.get_data(as_text=True)


# --- the menu and the prompt on 用户信息 ---------------------------------------------------------------


def test_each_kind_sees_its_own_form_in_the_menu(enterprise_client, institution_client, office_client):
    shown = menu(enterprise_client.get("/account/password"))
    assert shown.get("企业信息填报") == ENTERPRISE_URL and "服务机构信息填报" not in shown
    shown = menu(institution_client.get("/account/password"))
    assert shown.get("服务机构信息填报") == INSTITUTION_URL and "企业信息填报" not in shown
    shown = menu(office_client.get("/account/password"))
    assert "企业信息填报" not in shown and "服务机构信息填报" not in shown
    assert "企业信息填报" in text_of(enterprise_client.get(ENTERPRISE_URL))


def test_user_information_asks_for_the_form_until_it_is_saved(enterprise_client, institution_client):
    for client, url, form in ((enterprise_client, ENTERPRISE_URL, {"data": enterprise_form()}),
                              (institution_client, INSTITUTION_URL, institution_form())):
        (prompt,) = page(client.get("/account/profile")).xpath("//*[@data-info-missing]")
        assert prompt.xpath(".//a/@href") == [url]
        saved(client.post(url, **form))
        assert not page(client.get("/account/profile")).xpath("//*[@data-info-missing]")


# --- 企业信息填报 ------------------------------------------------------------------------------------


def test_the_enterprise_form_starts_from_the_organisation(enterprise, enterprise_client, session_factory):
    with session_factory() as session:
        session.get(Organization, enterprise.organization_id).legal_rep = "周九"
        session.commit()
    response = enterprise_client.get(ENTERPRISE_URL)
    assert response.status_code == 200
    text = text_of(response)
    for label in ("企业基本信息", "企业标准化管理情况信息", "企业标准化需求", "其他企业有限公司", "保存"):
        assert label in text, label
    assert page(response).xpath("//*[@data-not-filled]")
    assert [input_value(response, name) for name in ("contact", "phone", "address", "founded_on", "legal_rep")] == [
        "王经理", "13800138000", "北京市昌平区科技园永安路36号", "2015-03-01", "周九"]
    assert checked(response, "scale") == [] and checked(response, "needs") == []


def test_an_enterprise_saves_its_information(enterprise, enterprise_client, session_factory):
    response = enterprise_client.post(ENTERPRISE_URL, data=enterprise_form())
    saved(response)
    assert response.headers["Location"] == ENTERPRISE_URL
    shown = enterprise_client.get(ENTERPRISE_URL)
    assert "保存成功" in flashes(shown)

    row = enterprise_row(session_factory, enterprise.organization_id)
    assert (row.scale, row.ownership, row.sector, row.standardization_body, row.industry, row.main_products) == (
        "medium", "private", "secondary", "dedicated", "电动自行车制造", "两轮电动自行车")
    assert (row.email, row.needs, row.needs_detail) == ("info@lvyuan.cn", ["training", "other"], "希望参加国际标准培训")
    assert (row.full_time_staff, row.part_time_staff, row.international_standards, row.national_standards,
            row.industry_standards, row.local_standards, row.group_standards, row.enterprise_standards) == (
        3, 0, 1, 2, 0, 0, 4, 12)
    assert row.updated_by_id == enterprise.user_id
    assert particulars(session_factory, enterprise.organization_id) == (
        "赵六", "13700001111", "天津市滨海新区第一大街 1 号", date(2018, 6, 8), "钱七")

    profile = enterprise_client.get("/account/profile")
    assert (input_value(profile, "contact"), input_value(profile, "address")) == ("赵六", "天津市滨海新区第一大街 1 号")
    assert page(shown).xpath("//*[@data-updated-at]") and not page(shown).xpath("//*[@data-not-filled]")
    assert (checked(shown, "scale"), checked(shown, "sector"), checked(shown, "needs")) == (
        ["medium"], ["secondary"], ["training", "other"])
    assert (input_value(shown, "contact"), input_value(shown, "part_time_staff"),
            input_value(shown, "enterprise_standards")) == ("赵六", "0", "12")


BAD_ENTERPRISE = [
    ({"scale": None}, "scale", "请选择企业规模"),
    ({"sector": None}, "sector", "请选择行业分类"),
    ({"main_products": ""}, "main_products", "请填写主营(核心)产品或服务"),
    ({"standardization_body": None}, "standardization_body", "请选择标准化管理机构的设置情况"),
    ({"scale": "huge"}, "scale", "请在列出的选项中选择"),
    ({"needs": ["training", "lobbying"]}, "needs", "请在列出的选项中选择"),
    ({"full_time_staff": "-1"}, "full_time_staff", "请填写 0 到 1000000 之间的整数"),
    ({"national_standards": "abc"}, "national_standards", "整数"),
    ({"group_standards": "1.5"}, "group_standards", "整数"),
    ({"email": "not-an-email"}, "email", "请输入有效的邮箱地址"),
    ({"phone": "0755-1234"}, "phone", "请输入 11 位手机号码"),
    ({"needs": ["other"], "needs_detail": " "}, "needs_detail", "选择“其它”需求时请填写需求描述"),
    ({"industry_code": "C376"}, "industry_code", "请选择国民经济行业分类（GB/T 4754）中的小类"),  # a 中类
    ({"industry_code": "C9999"}, "industry_code", "请选择国民经济行业分类（GB/T 4754）中的小类"),
    ({"industry_code": "自行车"}, "industry_code", "请选择国民经济行业分类（GB/T 4754）中的小类"),
]


@pytest.mark.parametrize("overrides, field, message", BAD_ENTERPRISE,
                         ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD_ENTERPRISE)])
def test_bad_enterprise_input_is_refused_at_the_field(enterprise, enterprise_client, session_factory,
                                                      overrides, field, message):
    before = particulars(session_factory, enterprise.organization_id)
    response = enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(**overrides))
    refused_at(response, field, message)
    tab = next(key for key, _, names in EnterpriseInfoForm.TABS if field in names)
    assert page(response).xpath("//button[.//*[@data-tab-error]]/@id") == [f"tab-{tab}"]  # 待修改
    assert count(session_factory, EnterpriseProfile) == 0
    assert particulars(session_factory, enterprise.organization_id) == before
    assert input_value(response, "contact") == "赵六"  # what was typed is kept


def test_the_industry_is_a_class_of_gb_t_4754_chosen_with_the_search(enterprise, enterprise_client, session_factory):
    shown = enterprise_client.get(ENTERPRISE_URL)
    (code,) = page(shown).xpath("//input[@name='industry_code']")
    assert code.get("list") == "industry-options" and code.get("data-industry-search") == "/account/industries.json"
    assert page(shown).xpath("//script[contains(@src, 'industries.js')]")
    assert [item["code"] for item in enterprise_client.get("/account/industries.json?q=3761").get_json()] == ["C3761"]

    saved(enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(industry_code=" c3761 ")))
    assert enterprise_row(session_factory, enterprise.organization_id).industry_code == "C3761"
    shown = enterprise_client.get(ENTERPRISE_URL)
    assert input_value(shown, "industry_code") == "C3761"
    assert text_of(shown).count("C3761 自行车制造") == 1  # the chosen class, named under the field

    refused_at(enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(industry_code="M745")),
               "industry_code", "中的小类，如 C3761 自行车制造")
    assert enterprise_row(session_factory, enterprise.organization_id).industry_code == "C3761"
    saved(enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(industry_code="")))  # not required
    assert enterprise_row(session_factory, enterprise.organization_id).industry_code is None


SHARED = {"contact": "赵六", "phone": "13700001111", "address": "天津市滨海新区第一大街 1 号",
          "founded_on": date(2018, 6, 8), "legal_rep": "钱七"}


def test_the_domain_refuses_an_industry_code_of_another_shape(enterprise, session_factory):
    """Below the form (demo data, scripts): the code's shape is checked again, nothing is stored."""
    fields = {name: None for name in profiles.ENTERPRISE_FIELDS} | {
        "scale": "medium", "ownership": "private", "sector": "secondary", "standardization_body": "none",
        "industry": "电动自行车制造", "main_products": "两轮电动自行车", "needs": []}
    with session_factory() as session:
        user = session.get(User, enterprise.user_id)
        for bad in ("c3761", "C376", "Z1234", "C37611"):
            with pytest.raises(ProfileError) as refused:
                profiles.save_enterprise(session, user, SHARED, fields | {"industry_code": bad})
            assert refused.value.field == "industry_code"
        profiles.save_enterprise(session, user, SHARED, fields | {"industry_code": "C3761"})
        session.commit()
    assert enterprise_row(session_factory, enterprise.organization_id).industry_code == "C3761"


def test_a_second_save_replaces_the_first_and_a_refused_one_changes_nothing(
        enterprise, enterprise_client, session_factory):
    saved(enterprise_client.post(ENTERPRISE_URL, data=enterprise_form()))
    first_saved = enterprise_row(session_factory, enterprise.organization_id)

    refused = enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(
        contact="吴十", scale="large", needs=["other"], needs_detail=""))
    refused_at(refused, "needs_detail", "需求描述")
    row = enterprise_row(session_factory, enterprise.organization_id)
    assert (row.scale, row.needs) == ("medium", ["training", "other"])
    assert particulars(session_factory, enterprise.organization_id)[0] == "赵六"

    saved(enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(
        contact="吴十", scale="large", needs=["drafting"], needs_detail=None, full_time_staff="")))
    assert count(session_factory, EnterpriseProfile) == 1
    row = enterprise_row(session_factory, enterprise.organization_id)
    assert (row.scale, row.needs, row.needs_detail, row.full_time_staff) == ("large", ["drafting"], None, 0)
    assert row.updated_at >= first_saved.updated_at
    assert particulars(session_factory, enterprise.organization_id)[0] == "吴十"


# --- 服务机构信息填报 ---------------------------------------------------------------------------------


def test_an_institution_saves_its_information_with_attachments(
        institution, institution_client, session_factory):
    response = institution_client.post(INSTITUTION_URL, **institution_form(
        [pdf("资质认定证书.pdf"), pdf("认可证书.pdf", PDF_BYTES.replace(b"200 200", b"595 842"))]))
    saved(response)
    shown = institution_client.get(INSTITUTION_URL)
    assert "保存成功" in flashes(shown)

    row = institution_row(session_factory, institution.organization_id)
    assert (row.institution_type, row.accreditations, row.staff, row.senior_staff, row.capabilities,
            row.email) == ("testing", ["cma", "cnas"], 30, 8, CAPABILITIES, "service@huabiao.cn")
    assert (org(session_factory, institution.organization_id).contact,
            org(session_factory, institution.organization_id).phone) == ("孙八", "13600002222")
    files = attachments(session_factory, institution.organization_id)
    assert len(files) == 2
    (listed,) = page(shown).xpath("//*[@data-attachments]")
    links = {" ".join(a.text_content().split()): a.get("href") for a in listed.xpath(".//a")}
    assert links == {"资质认定证书.pdf": f"/files/{files[0].file_id}", "认可证书.pdf": f"/files/{files[1].file_id}"}
    assert (checked(shown, "institution_type"), checked(shown, "accreditations")) == (["testing"], ["cma", "cnas"])
    assert download(institution_client, links["资质认定证书.pdf"]) == (200, PDF_BYTES)


@pytest.mark.parametrize("overrides, field, message", [
    ({"files": [pdf("x.pdf", b"hello")]}, "attachments", "x.pdf：请上传 PDF 格式的文件"),
    ({"files": [pdf("资质.pdf"), pdf("说明.docx", NOT_PDF, "application/msword")]}, "attachments", "说明.docx"),
    ({"files": []}, "attachments", ONE_ATTACHMENT),
    ({"staff": "3", "senior_staff": "5"}, "senior_staff", "高级职称人数不能多于技术人员数"),
    ({"files": [pdf(f"证书{i}.pdf") for i in range(11)]}, "attachments", "最多上传 10 个文件"),
    ({"institution_type": "lab"}, "institution_type", "请在列出的选项中选择"),
    ({"capabilities": ""}, "capabilities", "请填写服务能力简介"),
], ids=["not a pdf", "one of two not a pdf", "no attachment", "senior staff", "eleven files", "type", "capabilities"])
def test_bad_institution_input_is_refused_at_the_field(institution, institution_client, session_factory,
                                                       overrides, field, message):
    response = institution_client.post(INSTITUTION_URL, **institution_form(**overrides))
    refused_at(response, field, message)
    assert count(session_factory, InstitutionProfile) == 0 and count(session_factory, InstitutionProfileFile) == 0
    assert count(session_factory, StoredFile) == 0
    assert org(session_factory, institution.organization_id).contact == "王经理"


def test_zero_technical_staff_is_a_number_not_a_blank(institution, institution_client, session_factory):
    saved(institution_client.post(INSTITUTION_URL, **institution_form(staff="0", senior_staff="0")))
    assert institution_row(session_factory, institution.organization_id).staff == 0


def test_attachments_are_removed_but_never_the_last(institution, institution_client, session_factory):
    saved(institution_client.post(INSTITUTION_URL, **institution_form([pdf("甲.pdf"), pdf("乙.pdf")])))
    one, two = attachments(session_factory, institution.organization_id)

    saved(institution_client.post(INSTITUTION_URL, **institution_form([], remove_file=str(one.id))))
    assert [f.id for f in attachments(session_factory, institution.organization_id)] == [two.id]
    assert text_of(institution_client.get(INSTITUTION_URL)).count("甲.pdf") == 0

    refused = institution_client.post(INSTITUTION_URL, **institution_form([], remove_file=str(two.id), contact="吴十"))
    refused_at(refused, "attachments", ONE_ATTACHMENT)
    assert checked(refused, "remove_file") == [str(two.id)]
    assert [f.id for f in attachments(session_factory, institution.organization_id)] == [two.id]
    assert org(session_factory, institution.organization_id).contact == "孙八"

    # Removing the last one while adding another is a replacement, not a removal.
    saved(institution_client.post(INSTITUTION_URL, **institution_form([pdf("丙.pdf")], remove_file=str(two.id))))
    (left,) = attachments(session_factory, institution.organization_id)
    assert first(session_factory, select(StoredFile).where(StoredFile.id == left.file_id)).original_name == "丙.pdf"


def test_no_more_than_ten_attachments_in_all(institution, institution_client, session_factory):
    saved(institution_client.post(INSTITUTION_URL, **institution_form([pdf(f"证书{i}.pdf") for i in range(10)])))
    stored = count(session_factory, StoredFile)

    refused = institution_client.post(INSTITUTION_URL, **institution_form([pdf("第十一个.pdf")]))
    refused_at(refused, "attachments", "相关附件最多 10 个")
    assert len(attachments(session_factory, institution.organization_id)) == 10
    assert count(session_factory, StoredFile) == stored


# --- who may see and change what -------------------------------------------------------------


@pytest.mark.parametrize("who, url", [
    ("enterprise_client", INSTITUTION_URL), ("institution_client", ENTERPRISE_URL),
    ("office_client", ENTERPRISE_URL), ("office_client", INSTITUTION_URL),
])
def test_the_forms_are_refused_to_the_other_kinds(request, session_factory, who, url):
    client = request.getfixturevalue(who)
    assert client.get(url).status_code == 403
    form = institution_form() if url == INSTITUTION_URL else {"data": enterprise_form()}
    assert client.post(url, **form).status_code == 403
    assert count(session_factory, EnterpriseProfile) == 0 and count(session_factory, InstitutionProfile) == 0
    assert count(session_factory, StoredFile) == 0


def test_pending_applicants_and_visitors_are_sent_away(applicant, applicant_client, client, session_factory):
    for url in (ENTERPRISE_URL, INSTITUTION_URL):
        for response in (applicant_client.get(url), applicant_client.post(url, data=enterprise_form())):
            assert response.status_code == 302 and response.headers["Location"] == "/account/status"
        assert is_login_redirect(client.get(url), url)
        assert is_login_redirect(client.post(url, data=enterprise_form()), url)
    assert "企业信息填报" not in menu(applicant_client.get("/account/status"))
    assert count(session_factory, EnterpriseProfile) == 0


def test_each_enterprise_sees_and_changes_only_its_own(
        enterprise, enterprise_client, second_enterprise, second_enterprise_client, session_factory):
    saved(enterprise_client.post(ENTERPRISE_URL, data=enterprise_form()))
    theirs = second_enterprise_client.get(ENTERPRISE_URL)
    assert page(theirs).xpath("//*[@data-not-filled]")
    assert "绿源电动车股份有限公司" in text_of(theirs) and "其他企业有限公司" not in text_of(theirs)
    assert input_value(theirs, "contact") == "王经理" and checked(theirs, "scale") == []

    saved(second_enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(
        contact="郑十一", scale="small", organization_id=str(enterprise.organization_id))))
    rows = {r.organization_id: r.scale for r in all_rows(session_factory, select(EnterpriseProfile))}
    assert rows == {enterprise.organization_id: "medium", second_enterprise.organization_id: "small"}
    assert particulars(session_factory, enterprise.organization_id)[0] == "赵六"
    assert particulars(session_factory, second_enterprise.organization_id)[0] == "郑十一"
    assert checked(enterprise_client.get(ENTERPRISE_URL), "scale") == ["medium"]


def test_an_institution_cannot_touch_another_ones_attachments(
        institution, institution_client, rival, rival_client, session_factory):
    saved(institution_client.post(INSTITUTION_URL, **institution_form()))
    (own,) = attachments(session_factory, institution.organization_id)
    shown = rival_client.get(INSTITUTION_URL)
    assert not page(shown).xpath("//*[@data-attachments]") and "资质认定证书.pdf" not in text_of(shown)

    saved(rival_client.post(INSTITUTION_URL, **institution_form([pdf("江南资质.pdf")], remove_file=str(own.id))))
    assert [f.id for f in attachments(session_factory, institution.organization_id)] == [own.id]
    assert len(attachments(session_factory, rival.organization_id)) == 1


def test_an_attachment_is_downloaded_by_its_institution_and_the_office_only(
        institution, institution_client, rival_client, enterprise_client, office_client, client, session_factory):
    saved(institution_client.post(INSTITUTION_URL, **institution_form()))
    url = f"/files/{attachments(session_factory, institution.organization_id)[0].file_id}"
    assert download(institution_client, url) == (200, PDF_BYTES)
    assert download(office_client, url) == (200, PDF_BYTES)
    for outsider in (rival_client, enterprise_client):
        assert download(outsider, url)[0] in (403, 404)
    assert download(client, url)[0] in (401, 403)


# --- 机构详情 on 申请达标 ---------------------------------------------------------------------------------


def test_the_apply_page_shows_what_the_institution_filled_in(
        published, institution, institution_client, enterprise_client):
    def card() -> str:
        response = enterprise_client.get(f"/plans/{published}/apply")
        assert response.status_code == 200
        (element,) = page(response).xpath(f"//*[@data-institution-details='{institution.organization_id}']")
        return " ".join(element.text_content().split())

    before = card()
    assert "该机构尚未填报服务机构信息" in before and CAPABILITIES not in before

    saved(institution_client.post(INSTITUTION_URL, **institution_form()))
    after = card()
    assert "该机构尚未填报服务机构信息" not in after
    for expected in ("机构类型：检验检测机构", f"服务能力简介：{CAPABILITIES}", "检验检测机构资质认定（CMA）",
                     "中国合格评定国家认可（CNAS）", "30 人（其中高级职称 8 人）", "孙八", "13600002222"):
        assert expected in after, expected


# --- CSRF -------------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_stores_nothing(
        enterprise, enterprise_client, institution_client, csrf_on, session_factory):
    refused = enterprise_client.post(ENTERPRISE_URL, data=enterprise_form())
    assert refused.status_code == 400
    assert institution_client.post(INSTITUTION_URL, **institution_form()).status_code == 400
    assert count(session_factory, EnterpriseProfile) == 0 and count(session_factory, InstitutionProfile) == 0
    assert count(session_factory, StoredFile) == 0
    assert particulars(session_factory, enterprise.organization_id)[0] == "王经理"

    token = csrf_token(enterprise_client.get(ENTERPRISE_URL))
    saved(enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(csrf_token=token)))
    assert count(session_factory, EnterpriseProfile) == 1
