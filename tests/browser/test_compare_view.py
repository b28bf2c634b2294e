"""比较 in Chromium: the compare macro draws two versions of formal_plan side by side and colours what
changed: the new version has one user task more (新增, on the right) and one renamed (修改, on both);
compared the other way round, the task is 删除 on the left. A version that cannot be fetched leaves
the Chinese error message. The page comes from a test-only blueprint serving the XML."""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

import workflows

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "webapp" / "static" / "vendor" / "designer" / "compare.js"
ADDED, RENAMED = "expert_review", "correct_plan"

PAGE = """{% from "design/_compare_diagrams.html" import compare_diagrams, compare_scripts %}
<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<link rel="stylesheet" href="{{ url_for('static', filename='vendor/bootstrap/css/bootstrap.min.css') }}"></head>
<body class="p-3">
{% for old, new in pairs %}<section id="compare-{{ loop.index }}">
{{ compare_diagrams(url_for('compare_test.xml', version=old), url_for('compare_test.xml', version=new),
                    old ~ ' 版', new ~ ' 版') }}</section>{% endfor %}
{{ compare_scripts() }}
</body></html>"""


def versions() -> dict[str, bytes]:
    """formal_plan as shipped, and with 专家评审 added (in the office lane, drawn) and 修改正式版方案 renamed."""
    shipped = dict(workflows.bpmn_files())["formal_plan.bpmn"].decode()
    changed = shipped.replace('name="修改正式版方案"', 'name="按意见修改正式版方案"', 1)
    changed = changed.replace(
        "<bpmn:flowNodeRef>rejected_end</bpmn:flowNodeRef>",
        f"<bpmn:flowNodeRef>rejected_end</bpmn:flowNodeRef><bpmn:flowNodeRef>{ADDED}</bpmn:flowNodeRef>", 1)
    changed = changed.replace(
        '<bpmn:sequenceFlow id="flow_start"',
        f'<bpmn:userTask id="{ADDED}" name="专家评审" />\n    <bpmn:sequenceFlow id="flow_start"', 1)
    changed = changed.replace(
        '<bpmndi:BPMNEdge id="flow_start_di"',
        f'<bpmndi:BPMNShape id="{ADDED}_di" bpmnElement="{ADDED}"><dc:Bounds x="1000" y="490" width="100" '
        f'height="80" /></bpmndi:BPMNShape>\n      <bpmndi:BPMNEdge id="flow_start_di"', 1)
    assert changed.count(ADDED) == 4 and "按意见修改正式版方案" in changed
    return {"v1": shipped.encode(), "v2": changed.encode()}


@pytest.fixture(scope="module")
def compare_pages(live_server):
    """/compare-test/<old>/<new>: the macro over the versions; /compare-test/xml/<version>: the XML."""
    from flask import Blueprint, Response, abort, render_template_string

    if not BUNDLE.exists():
        reason = f"{BUNDLE.relative_to(ROOT)} is not built: `make assets`"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    documents = versions()
    blueprint = Blueprint("compare_test", __name__, url_prefix="/compare-test")

    @blueprint.get("/xml/<version>")
    def xml(version):
        if version not in documents:
            abort(404)
        return Response(documents[version], mimetype="application/xml")

    @blueprint.get("/<path:pairs>")
    def page(pairs):
        return render_template_string(PAGE, pairs=[pair.split("..") for pair in pairs.split("/")])

    live_server.app.register_blueprint(blueprint)
    return live_server


def rendered(page, section: str) -> dict:
    wrapper = page.locator(f"{section} [data-compare-diagrams]")
    page.wait_for_function("el => el.dataset.compareState !== 'loading'", arg=wrapper.element_handle(),
                           timeout=15_000)
    data = wrapper.evaluate("el => ({...el.dataset})")
    assert data["compareState"] == "rendered", data
    return {key: json.loads(data[key]) for key in ("added", "removed", "changed", "layoutChanged", "marked")}


def marked(page, section: str, side: str, marker: str) -> list[str]:
    return page.locator(f'{section} [data-compare-side="{side}"] .djs-element.{marker}').evaluate_all(
        "elements => elements.map(e => e.dataset.elementId).sort()")


def test_compare_colours_the_added_and_the_renamed_task(compare_pages, new_context, shot):
    _context, page, js_errors = new_context()
    page.goto("/compare-test/v1..v2/v2..v1")
    forward, backward = rendered(page, "#compare-1"), rendered(page, "#compare-2")
    shot(page, "compare")

    assert (forward["added"], forward["removed"]) == ([ADDED], [])
    assert RENAMED in forward["changed"] and ADDED not in forward["changed"]
    assert marked(page, "#compare-1", "new", "diff-added") == [ADDED]  # green, on the new version
    assert marked(page, "#compare-1", "old", "diff-added") == []
    assert RENAMED in marked(page, "#compare-1", "old", "diff-changed")  # amber, on both
    assert RENAMED in marked(page, "#compare-1", "new", "diff-changed")
    assert marked(page, "#compare-1", "old", "diff-removed") == []

    assert (backward["added"], backward["removed"]) == ([], [ADDED])
    assert marked(page, "#compare-2", "old", "diff-removed") == [ADDED]  # red, on the old version
    assert marked(page, "#compare-2", "new", "diff-removed") == []

    legend = page.locator("#compare-1 .compare-legend").inner_text()
    assert all(word in legend for word in ("新增", "删除", "修改"))
    assert page.locator('#compare-1 [data-compare-title="old"]').inner_text() == "v1 版"
    assert page.locator('#compare-1 [data-compare-side="new"] svg').count() >= 1
    assert js_errors == []
    assert compare_pages.errors == []


def transforms(page, selector: str) -> list[tuple[float, ...]]:
    """The viewport matrix of each canvas, rounded (bpmn-js writes them with varying precision)."""
    matrices = page.locator(selector).evaluate_all("gs => gs.map(g => g.getAttribute('transform'))")
    return [tuple(round(float(n), 2) for n in re.findall(r"-?[\d.]+(?:e-?\d+)?", matrix)) for matrix in matrices]


def test_zooming_one_diagram_zooms_the_other(compare_pages, new_context):
    _context, page, js_errors = new_context()
    page.goto("/compare-test/v1..v2")
    rendered(page, "#compare-1")
    viewports = '[data-compare-side] svg > g.viewport'
    before = transforms(page, viewports)
    assert before[0] == before[1]  # both start on the same part of the process
    page.locator('[data-compare-side="old"]').hover()
    page.mouse.wheel(0, 120)  # the wheel scrolls a bpmn-js canvas (with Ctrl it zooms)
    deadline = time.monotonic() + 5
    while (after := transforms(page, viewports))[0] == before[0] and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert after[0] != before[0] and after[0] == after[1]
    assert js_errors == []


def test_a_version_that_cannot_be_fetched_says_so_in_chinese(compare_pages, new_context):
    _context, page, _js_errors = new_context()
    page.goto("/compare-test/v1..v9")
    wrapper = page.locator("[data-compare-diagrams]")
    page.wait_for_function("el => el.dataset.compareState !== 'loading'", arg=wrapper.element_handle(),
                           timeout=15_000)
    assert wrapper.get_attribute("data-compare-state") == "error"
    assert page.get_by_role("alert").inner_text() == "流程图比较失败，请稍后重试"
