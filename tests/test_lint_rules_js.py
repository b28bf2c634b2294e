"""The designer's lint (webapp/frontend/designer/lint, bpmnlint rules for the browser modeler) says
what the server's validation says, on the server's own fixtures: the valid fixture passes, each failing
fixture is refused by the twin of the server's rule, naming the same element, and the shipped files
pass with the platform's catalogue. One node process lints every fixture (a node start per fixture
would be slow)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import workflows
from engine import validation
from forms import tasks
from tests.engine.bpmn_fixtures import BROKEN, BROKEN_JS_ONLY, CATALOGUE, VALID, broken, broken_js

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "webapp" / "frontend" / "designer" / "lint" / "cli.mjs"

# server rule (tests/engine/bpmn_fixtures.BROKEN) → its twin among the designer's rules
JS_TWIN = {
    "lane is a role": "duibiao/lane-role",
    "user task has a form key": "duibiao/user-task-form-key",
    "form key implemented": "duibiao/form-key-implemented",
    "user task has a stage": "duibiao/user-task-stage",
    "time limit is a whole number of days": "duibiao/time-limit-days",
    "stage has a label": "duibiao/stage-label",
    "one label per stage": "duibiao/stage-label-consistent",
    "service task names a function": "duibiao/service-task-operator",
    "service is registered": "duibiao/service-registered",
    "script task has a script": "duibiao/script-task-script",
    "call activity names a process": "duibiao/call-activity-called-element",
    "call activity target exists": "duibiao/call-activity-known",
    "gateway flows have conditions or a default": "duibiao/gateway-flow-condition",
    "timer has an expression": "duibiao/timer-expression",
    "timer is ISO 8601": "duibiao/timer-iso-8601",
    "correlation expressions are refused": "duibiao/no-correlation-expression",
    "ad-hoc completion conditions are refused": "duibiao/no-ad-hoc-completion-condition",
    "no unreachable element": "duibiao/reachable",
    "only the extension elements the platform reads": "duibiao/allowed-extensions",
}
# what only the server can say: the safe evaluator, the names an expression may read, the hardened parser
SERVER_ONLY = {
    "condition passes the safe evaluator", "condition names known variables", "condition names known functions",
    "timer expression is safe", "script passes the safe evaluator", "the hardened parser",
}


def front_end_catalogue(catalogue: validation.Catalogue) -> dict:
    """The catalogue as the designer gets it ({list: [{value, label}]}); roles are the server's lanes."""
    def entries(values):
        return [{"value": value, "label": value} for value in sorted(values)]

    return {"roles": entries(validation.ROLE_LANES),
            "formKeys": [{**entry, "generic": entry["value"].startswith("generic_")}
                         for entry in entries(catalogue.form_keys or ())],
            "services": entries(catalogue.services or ()), "processes": entries(catalogue.processes)}


def node_lint(tmp_path: Path, catalogue: dict, documents: dict[str, bytes], name: str,
              *options: str) -> dict[str, list[dict]]:
    """Lint ``documents`` (file name → XML) in one node run: file name → its reports."""
    folder = tmp_path / name
    folder.mkdir()
    for filename, source in documents.items():
        (folder / filename).write_bytes(source)
    (folder / "catalogue.json").write_text(json.dumps(catalogue), encoding="utf-8")
    paths = [str(folder / filename) for filename in documents]
    done = subprocess.run(["node", str(CLI), "--catalogue", str(folder / "catalogue.json"), *options, *paths],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found: dict[str, list[dict]] = {filename: [] for filename in documents}
    for report in json.loads(done.stdout):
        found[Path(report["file"]).name].append(report)
    return found


def errors(reports: list[dict]) -> list[dict]:
    return [report for report in reports if report["category"] == "error"]


@pytest.fixture(scope="module")
def node_ready():
    if shutil.which("node") is not None and (ROOT / "node_modules" / "bpmnlint").is_dir():
        return
    reason = "node or node_modules is missing: `make install assets` (npm install) sets them up"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI the designer's lint must be tested", pytrace=False)
    pytest.skip(reason)


def all_fixtures() -> dict[str, bytes]:
    documents = {"valid.bpmn": VALID.encode()}
    documents.update({f"broken-{index}.bpmn": broken(rule) for index, rule in enumerate(sorted(JS_TWIN))})
    documents.update({f"js-only-{index}.bpmn": broken_js(rule) for index, rule in enumerate(sorted(BROKEN_JS_ONLY))})
    return documents


@pytest.fixture(scope="module")
def fixture_reports(node_ready, tmp_path_factory):
    """Every fixture linted with the catalogue equivalent to bpmn_fixtures.CATALOGUE, in one node run."""
    return node_lint(tmp_path_factory.mktemp("lint"), front_end_catalogue(CATALOGUE), all_fixtures(), "fixtures")


def test_every_server_rule_has_a_js_twin_or_is_declared_server_only():
    assert set(JS_TWIN) & SERVER_ONLY == set()
    assert sorted(set(BROKEN) - set(JS_TWIN) - SERVER_ONLY) == []
    assert sorted((set(JS_TWIN) | SERVER_ONLY) - set(BROKEN)) == []  # no stale names


def test_the_valid_fixture_has_no_error(fixture_reports):
    assert errors(fixture_reports["valid.bpmn"]) == []


@pytest.mark.parametrize("rule", sorted(JS_TWIN))
def test_each_server_rule_twin_refuses_the_servers_fixture_naming_the_element(fixture_reports, rule):
    reports = fixture_reports[f"broken-{sorted(JS_TWIN).index(rule)}.bpmn"]
    _old, _new, element, _words = BROKEN[rule]
    element_id = element.split(".", 1)[1]  # the server names process.element
    twin = [report for report in reports if report["rule"] == JS_TWIN[rule]]
    assert [(r["id"], r["category"]) for r in twin] == [(element_id, "error")], reports
    server_messages = [p.message for p in validation.validate_documents([("mini.bpmn", broken(rule))], CATALOGUE)
                       if p.where.endswith(element)]
    assert twin[0]["message"] in server_messages  # the same words as the server
    assert not [r for r in fixture_reports["valid.bpmn"] if r["rule"] == JS_TWIN[rule]]


@pytest.mark.parametrize("rule", sorted(BROKEN_JS_ONLY))
def test_each_js_only_rule_reports_its_fixture_and_not_the_valid_one(fixture_reports, rule):
    reports = fixture_reports[f"js-only-{sorted(BROKEN_JS_ONLY).index(rule)}.bpmn"]
    _replacements, element, words = BROKEN_JS_ONLY[rule]
    assert any(r["rule"] == rule and r["id"] == element and words in r["message"] for r in reports), reports
    assert not [r for r in fixture_reports["valid.bpmn"] if r["rule"] == rule and r["id"] == element]


def test_the_rules_read_the_extension_as_unknown_xml_too(node_ready, fixture_reports, tmp_path):
    """A moddle without the spiffworkflow descriptor gives generic elements ($children): same reports."""
    generic = node_lint(tmp_path, front_end_catalogue(CATALOGUE), all_fixtures(), "generic", "--generic")

    def by_file(found):
        return {name: sorted((r["id"], r["rule"], r["message"]) for r in reports) for name, reports in found.items()}

    assert by_file(generic) == by_file(fixture_reports)


def test_a_missing_catalogue_list_is_not_checked(node_ready, tmp_path):
    documents = {rule.replace(" ", "_") + ".bpmn": broken(rule) for rule in
                 ("lane is a role", "form key implemented", "service is registered", "call activity target exists")}
    found = node_lint(tmp_path, {}, documents, "no-catalogue")
    catalogue_rules = {JS_TWIN[rule] for rule in ("lane is a role", "form key implemented", "service is registered",
                                                  "call activity target exists")}
    assert [r for reports in found.values() for r in reports if r["rule"] in catalogue_rules] == []


def test_the_shipped_files_have_no_error_with_the_platforms_catalogue(node_ready, tmp_path):
    documents = dict(workflows.bpmn_files())
    found = node_lint(tmp_path, front_end_catalogue(tasks.catalogue()), documents, "shipped")
    assert {name: errors(reports) for name, reports in found.items()} == {name: [] for name in documents}


def test_a_typo_in_a_shipped_form_key_is_named_as_the_server_names_it(node_ready, tmp_path):
    documents = dict(workflows.bpmn_files())
    documents["formal_plan.bpmn"] = documents["formal_plan.bpmn"].replace(
        b'name="formKey" value="generic_review"', b'name="formKey" value="generic_reveiw"', 1)
    found = node_lint(tmp_path, front_end_catalogue(tasks.catalogue()), documents, "typo")
    assert [(r["file"].rsplit("/", 1)[-1], r["id"], r["rule"], r["message"])
            for reports in found.values() for r in errors(reports)] == [
        ("formal_plan.bpmn", "review_plan", "duibiao/form-key-implemented",
         "表单“generic_reveiw”不存在（平台没有实现这个 formKey）")]


def test_a_file_that_is_not_bpmn_is_one_error_and_the_others_are_still_linted(node_ready, tmp_path):
    found = node_lint(tmp_path, front_end_catalogue(CATALOGUE),
                      {"garbage.bpmn": b"<bpmn:definitions", "valid.bpmn": VALID.encode()}, "garbage")
    assert [(r["rule"], r["category"]) for r in found["garbage.bpmn"]] == [("duibiao/parse", "error")]
    assert found["garbage.bpmn"][0]["message"].startswith("无法读取 BPMN")
    assert errors(found["valid.bpmn"]) == []
