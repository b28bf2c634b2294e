"""组织架构: the office builds the tree (新增, 编辑 and 移动, 上移 / 下移, 删除) and uploads a chart picture in
内容管理, 发布 / 撤下 it; the public sees it under 关于我们 → 组织架构; nobody else may touch it."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from storage.image_check import MAX_IMAGE_BYTES
from storage.models import OrgChart, OrgChartNode, StoredFile
from tests.webapp.helpers import count, field_errors, first, flashes, multipart, page, text_of

PUBLIC = "/about/?column=structure"
MANAGE = "/office/org-chart"


def picture(kind: str = "PNG", size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (11, 79, 156)).save(out, kind)
    return out.getvalue()


def add(client, name: str, parent_id: int | None = None, duty: str = ""):
    return client.post(f"{MANAGE}/nodes", data={"parent_id": "" if parent_id is None else str(parent_id),
                                                "name": name, "duty": duty})


def node_id(session_factory, name: str) -> int:
    return first(session_factory, select(OrgChartNode.id).where(OrgChartNode.name == name))


def boxes(response) -> list[tuple[int, str]]:
    """(depth, name) of every box the public chart draws, in reading order."""
    root = page(response)
    return [(len(li.xpath("ancestor::li")) + 1, li.xpath("./div[@class='org-box']/div[@class='org-name']")[0].text)
            for li in root.xpath("//*[@data-org-chart]//li[@data-org-node]")]


def publish(client):
    return client.post(f"{MANAGE}/publish")


@pytest.fixture
def structure(office_client, session_factory):
    """专项办 with 技术支撑机构 and 第三方技术机构 (in that order) under it, and 企业 at the top level."""
    assert add(office_client, "专项办", duty="统筹组织专项行动").status_code == 302
    office_node = node_id(session_factory, "专项办")
    for name in ("技术支撑机构", "第三方技术机构"):
        assert add(office_client, name, office_node).status_code == 302
    assert add(office_client, "企业").status_code == 302
    return office_node


def test_the_office_builds_and_publishes_the_chart_and_the_public_sees_it(structure, office_client, client):
    assert "组织架构" in text_of(office_client.get(MANAGE))
    assert page(client.get(PUBLIC)).xpath("//*[@data-org-chart]") == []  # not published yet
    assert "该栏目暂无内容" in text_of(client.get(PUBLIC))

    response = publish(office_client)
    assert response.status_code == 302
    assert "组织架构已发布" in flashes(office_client.get(MANAGE))
    shown = client.get(PUBLIC)
    assert shown.status_code == 200
    assert boxes(shown) == [(1, "专项办"), (2, "技术支撑机构"), (2, "第三方技术机构"), (1, "企业")]
    assert "统筹组织专项行动" in text_of(shown) and "该栏目暂无内容" not in text_of(shown)
    tabs = page(shown).xpath("//*[@data-column-tabs]//a[contains(@class,'active')]")
    assert [a.text_content().strip() for a in tabs] == ["组织架构"]

    assert office_client.post(f"{MANAGE}/withdraw").status_code == 302
    assert page(client.get(PUBLIC)).xpath("//*[@data-org-chart]") == []


def test_edit_renames_and_moves_a_box_with_its_children(structure, office_client, client, session_factory):
    third_party = node_id(session_factory, "第三方技术机构")
    assert add(office_client, "检验检测机构", third_party).status_code == 302
    form = office_client.get(f"{MANAGE}/nodes/{third_party}/edit")
    assert form.status_code == 200
    # Neither the box itself nor what is below it is offered as its new parent.
    parents = [o.text_content().strip() for o in page(form).xpath("//select[@name='parent_id']/option")]
    assert parents == ["（顶层）", "专项办", "技术支撑机构", "企业"]

    enterprise = node_id(session_factory, "企业")
    response = office_client.post(f"{MANAGE}/nodes/{third_party}/edit",
                                  data={"parent_id": str(enterprise), "name": "第三方机构", "duty": "评价"})
    assert response.status_code == 302, field_errors(response)
    publish(office_client)
    assert boxes(client.get(PUBLIC)) == [(1, "专项办"), (2, "技术支撑机构"), (1, "企业"), (2, "第三方机构"),
                                         (3, "检验检测机构")]


def test_a_box_cannot_move_under_itself_or_its_descendants(structure, office_client, session_factory):
    child = node_id(session_factory, "技术支撑机构")
    for parent in (structure, child):
        response = office_client.post(f"{MANAGE}/nodes/{structure}/edit",
                                      data={"parent_id": str(parent), "name": "专项办"})
        assert response.status_code == 422
        assert field_errors(response) == {"parent_id": ["请选择上级"]}
    assert first(session_factory, select(OrgChartNode.parent_id).where(OrgChartNode.id == structure)) is None


def test_up_and_down_reorder_siblings(structure, office_client, client, session_factory):
    second = node_id(session_factory, "第三方技术机构")
    assert office_client.post(f"{MANAGE}/nodes/{second}/move", data={"step": "up"}).status_code == 302
    office_client.post(f"{MANAGE}/nodes/{second}/move", data={"step": "up"})  # already first: unchanged
    publish(office_client)
    assert [name for depth, name in boxes(client.get(PUBLIC)) if depth == 2] == ["第三方技术机构", "技术支撑机构"]
    assert office_client.post(f"{MANAGE}/nodes/{second}/move", data={"step": "down"}).status_code == 302
    assert [name for depth, name in boxes(client.get(PUBLIC)) if depth == 2] == ["技术支撑机构", "第三方技术机构"]
    assert office_client.post(f"{MANAGE}/nodes/{second}/move", data={"step": "sideways"}).status_code == 400


def test_a_box_with_children_is_not_deleted(structure, office_client, session_factory):
    response = office_client.post(f"{MANAGE}/nodes/{structure}/delete")
    assert response.status_code == 302
    assert "请先移动或删除“专项办”的下级" in flashes(office_client.get(MANAGE))
    assert count(session_factory, OrgChartNode) == 4
    leaf = node_id(session_factory, "技术支撑机构")
    assert office_client.post(f"{MANAGE}/nodes/{leaf}/delete").status_code == 302
    assert count(session_factory, OrgChartNode) == 3
    assert office_client.post(f"{MANAGE}/nodes/{leaf}/delete").status_code == 404


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"name": ""}, "name", "请填写名称"),
    ({"name": "长" * 51}, "name", "不能超过 50 个字"),
    ({"name": "专项办", "duty": "长" * 501}, "duty", "不能超过 500 个字"),
    ({"name": "专项办", "parent_id": "999999"}, "parent_id", "请选择上级"),
    ({"name": "专项办", "parent_id": "abc"}, "parent_id", "请选择上级"),
])
def test_bad_boxes_are_refused_at_the_field(office_client, session_factory, form, field, message):
    response = office_client.post(f"{MANAGE}/nodes", data={"parent_id": "", **form})
    assert response.status_code == 422
    assert field_errors(response) == {field: [message]}
    assert count(session_factory, OrgChartNode) == 0


def test_the_tree_is_at_most_six_levels_deep(office_client, session_factory):
    parent = None
    for level in range(1, 7):
        assert add(office_client, f"第{level}层", parent).status_code == 302
        parent = node_id(session_factory, f"第{level}层")
    response = add(office_client, "第7层", parent)
    assert response.status_code == 422
    assert field_errors(response) == {"parent_id": ["组织架构最多 6 层"]}
    assert count(session_factory, OrgChartNode) == 6


def test_an_empty_chart_is_not_published(office_client, session_factory):
    assert publish(office_client).status_code == 302
    assert "组织架构还没有内容：请先添加节点或上传图片" in flashes(office_client.get(MANAGE))
    assert not first(session_factory, select(OrgChart.published))


# --- the picture --------------------------------------------------------------------------------


def upload(client, data: bytes, name: str = "组织架构.png"):
    return client.post(f"{MANAGE}/image", **multipart({"image": (io.BytesIO(data), name, "image/png")}))


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_the_picture_is_public_once_published(office_client, client, kind):
    data = picture(kind)
    assert upload(office_client, data, f"chart.{kind.lower()}").status_code == 302
    assert client.get("/about/structure/image").status_code == 404  # not published yet
    with office_client.get("/about/structure/image") as preview:  # the office sees it before
        assert preview.status_code == 200 and preview.data == data
    publish(office_client)
    (src,) = page(client.get(PUBLIC)).xpath("//*[@data-org-chart-image]//img/@src")
    with client.get(src) as shown:
        assert shown.status_code == 200 and shown.data == data
        assert shown.mimetype == ("image/png" if kind == "PNG" else "image/jpeg")
        assert "sandbox" in shown.headers["Content-Security-Policy"]
    assert office_client.post(f"{MANAGE}/image/delete").status_code == 302
    assert client.get("/about/structure/image").status_code == 404


@pytest.mark.parametrize(("data", "message"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "请上传 PNG 或 JPEG 格式的图片"),
    (b"%PDF-1.4 not a picture", "请上传 PNG 或 JPEG 格式的图片"),
    (picture()[:60], "图片文件已损坏或不完整，请重新导出后上传"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (MAX_IMAGE_BYTES + 1), "图片不能超过 5 MB"),
    (picture(size=(9000, 5000)), "图片尺寸过大，请缩小后上传（不超过 4000 万像素）"),
])
def test_a_bad_picture_is_refused_and_nothing_is_stored(office_client, session_factory, data, message):
    response = upload(office_client, data)
    assert response.status_code == 422
    assert field_errors(response) == {"image": [message]}
    assert count(session_factory, StoredFile) == 0 and count(session_factory, OrgChart) == 0


# --- who may edit --------------------------------------------------------------------------------


OFFICE_ONLY = [("GET", MANAGE), ("POST", f"{MANAGE}/nodes"), ("GET", f"{MANAGE}/nodes/{{id}}/edit"),
               ("POST", f"{MANAGE}/nodes/{{id}}/edit"), ("POST", f"{MANAGE}/nodes/{{id}}/move"),
               ("POST", f"{MANAGE}/nodes/{{id}}/delete"), ("POST", f"{MANAGE}/image"),
               ("POST", f"{MANAGE}/image/delete"), ("POST", f"{MANAGE}/publish"), ("POST", f"{MANAGE}/withdraw")]


def test_only_the_office_edits_the_chart(structure, other_client, client, session_factory):
    for method, url in OFFICE_ONLY:
        url = url.format(id=structure)
        data = {"name": "改名", "parent_id": "", "step": "down"}
        assert other_client.open(url, method=method, data=data).status_code == 403, url
        anonymous = client.open(url, method=method, data=data)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"], url
    assert first(session_factory, select(OrgChartNode.name).where(OrgChartNode.id == structure)) == "专项办"
    assert count(session_factory, OrgChartNode) == 4
    assert "组织架构" not in [a.text_content().strip() for a in page(other_client.get("/account/password")).xpath(
        "//nav[@class='side-menu']/a")]
