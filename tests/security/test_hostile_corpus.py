"""Issue 14: the hostile corpus (tests/security/corpus.py) against every form a principal can reach,
the search query strings, the API's JSON fields and bodies, every PDF upload field, the designer's
BPMN upload and save, and every id in a URL.

Each answer is judged (tests/security/judge.py): never a 500 or a traceback, a hostile value never
shown unescaped, a refusal says why and stores nothing, an accepted value is stored without NUL and
shown escaped. Every field gets one value of every category and every value goes somewhere (the
values rotate over the fields).
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.factories import PDF_BYTES
from tests.security import corpus
from tests.security.forms_found import reachable_forms
from tests.security.judge import Tally, judge
from tests.security.probe import url_for_key
from tests.webapp.helpers import field_errors, multipart

pytestmark = pytest.mark.slow
TALLY = Tally()


@pytest.fixture
def problems():
    """The problems this test finds (TALLY keeps all of them, for the figures)."""
    start = len(TALLY.problems)
    return lambda: TALLY.problems[start:]


@pytest.fixture(scope="module")
def forms(world):
    return reachable_forms(world)


def post_form(world, form, values: dict, files: dict | None = None):
    """The form as its page would post it, with ``values`` and ``files`` ({field: (bytes, name)}) in place."""
    body = {**form.values, **values}
    for name in form.file_fields:
        data, filename = (files or {}).get(name, (PDF_BYTES, "检测报告.pdf"))
        body[name] = (io.BytesIO(data), filename, "application/pdf")
    client = world.clients[form.principal]
    response = client.post(form.action, **multipart(body), headers={"X-CSRFToken": world.csrf[form.principal]})
    response.get_data()
    response.close()
    return response


def rotate(values: list[str], start: int, count: int) -> list[str]:
    return [values[(start + i) % len(values)] for i in range(count)]


def spread(category: str, slot: int, count: int) -> list[str]:
    """``count`` values of ``category`` for the ``slot``-th form or endpoint: the slots together go
    through every value of the category."""
    values = corpus.TEXT[category]
    return rotate(values, slot * count, count)


def test_every_text_field_of_every_form(world, forms, problems):
    posted = [form for form in forms if form.method == "POST" and form.text_fields]
    assert len(posted) >= 25, [form.action for form in posted]  # the crawl found the forms
    TALLY.forms = len(posted)
    for slot, form in enumerate(posted):
        for category in corpus.TEXT:
            hostile = dict(zip(form.text_fields, spread(category, slot, len(form.text_fields)), strict=True))
            before = world.fingerprint_now()
            response = post_form(world, form, hostile)
            TALLY.used.update(("text", value) for value in hostile.values())
            TALLY.fields.update((form.action, name) for name in hostile)
            judge(world, TALLY, f"{form.principal} POST {form.action} [{category}]", form.principal, response,
                  list(hostile.values()), before)
    assert not problems(), "\n".join(problems())


QUERY_ENDPOINTS = [  # (principal, path, argument): searches and lookups that are not page forms
    ("A", "/account/industries.json", "q"), ("X", "/my/plans/co-drafter-options.json", "q"),
    ("A", "/plans/{plan_id}/apply/model-check", "model"), ("X", "/api/v1/enterprises", "q"),
    ("operator", "/api/v1/operator/instances", "q"), ("operator", "/api/v1/operator/instances", "process"),
    ("X", "/my/evaluations", "show"), ("anon", "/pilots/", "all"), ("anon", "/plans/", "page"),
    ("office", "/office/organizations/", "kind"), ("X", "/api/v1/tasks", "page"), ("anon", "/verify/", "code"),
]


def search_targets(world, forms) -> list[tuple[str, str, list[str]]]:
    """(principal, path, [arguments]) of every search form found and of QUERY_ENDPOINTS."""
    targets = [(form.principal, form.action, form.text_fields) for form in forms if form.method == "GET"]
    return targets + [(principal, path.format(**world.ids), [argument])
                      for principal, path, argument in QUERY_ENDPOINTS]


def get_as(world, principal: str, url: str):
    if url.startswith("/api/"):
        response = world.app.test_client().get(url, headers=world.headers(principal))
    else:
        response = world.clients[principal].get(url)
    response.get_data()
    response.close()
    return response


def test_search_query_strings(world, forms, problems):
    targets = search_targets(world, forms)
    assert len(targets) >= 15, targets
    values = [value for _category, value in corpus.text_inputs()]
    for slot, (principal, path, arguments) in enumerate(targets):
        # One value of every category, then this target's share of the whole corpus.
        chosen = [spread(category, slot, 1)[0] for category in corpus.TEXT]
        chosen += values[slot::len(targets)]
        for value in chosen:
            query = urlencode({argument: value for argument in arguments})
            before = world.fingerprint_now()
            response = get_as(world, principal, f"{path}?{query}")
            TALLY.used.add(("text", value))
            judge(world, TALLY, f"{principal} GET {path}?{query[:80]}", principal, response, [value], before)
    assert not problems(), "\n".join(problems())


def schema_body(schema: dict, value: str) -> dict:
    """A JSON body for a task's form schema with every string (also in list rows) set to ``value``."""
    body = {}
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "string":
            body[name] = value
        elif prop.get("type") == "array" and isinstance(prop.get("items"), dict):
            rows = prop.get("default") or [{}]
            body[name] = [{**row, **schema_body(prop["items"], value)} for row in rows]
    return body


def api_forms(world) -> list[tuple[str, str, dict]]:
    """(principal, POST path, JSON schema) of the API's forms: each open task and 参与达标."""
    client, found = world.app.test_client(), []
    for principal, task_id in world.open_tasks():
        if principal == "designer":
            continue
        answer = client.get(f"/api/v1/tasks/{task_id}", headers=world.headers(principal))
        if answer.status_code == 200:
            found.append((principal, f"/api/v1/tasks/{task_id}", answer.get_json()["form"]))
    plan = world.ids["plan_id"]
    answer = client.get(f"/api/v1/plans/{plan}/application-form", headers=world.headers("B"))
    assert answer.status_code == 200, answer.get_json()
    found.append(("B", f"/api/v1/plans/{plan}/applications", answer.get_json()["form"]))
    return found


def post_json(world, principal: str, path: str, data: bytes):
    response = world.app.test_client().post(path, data=data, content_type="application/json",
                                            headers=world.headers(principal))
    response.get_data()
    return response


def test_api_json_fields(world, problems):
    targets = api_forms(world) + [
        ("anon", "/api/v1/tokens", {"properties": {"email": {"type": "string"}, "password": {"type": "string"}}}),
        ("operator", f"/api/v1/operator/instances/{world.ids['a_open_inst']}/suspend",
         {"properties": {"reason": {"type": "string"}}}),
        ("operator", f"/api/v1/operator/tasks/{world.ids['x_task']}/reassign",
         {"properties": {"target": {"type": "string"}, "reason": {"type": "string"}}}),
    ]
    assert len(targets) >= 6, [path for _p, path, _s in targets]
    for slot, (principal, path, schema) in enumerate(targets):
        for category in corpus.TEXT:
            for value in spread(category, slot, 2):
                body = schema_body(schema, value)
                before = world.fingerprint_now()
                response = post_json(world, principal, path, json.dumps(body).encode())
                TALLY.used.add(("text", value))
                judge(world, TALLY, f"{principal} POST {path} [{category}]", principal, response, [value], before)
    assert not problems(), "\n".join(problems())


def test_hostile_json_bodies(world, problems):
    targets = [("X", f"/api/v1/tasks/{world.ids['x_task']}"), ("X", f"/api/v1/tasks/{world.ids['x_task']}/draft"),
               ("B", f"/api/v1/plans/{world.ids['plan_id']}/applications"), ("anon", "/api/v1/tokens"),
               ("operator", f"/api/v1/operator/instances/{world.ids['a_open_inst']}/suspend")]
    for principal, path in targets:
        for name, data in corpus.JSON_BODIES.items():
            before = world.fingerprint_now()
            response = post_json(world, principal, path, data)
            TALLY.used.add(("json", name))
            judge(world, TALLY, f"{principal} POST {path} [{name}]", principal, response, [], before)
    designer = world.clients["designer"]
    for name, data in corpus.JSON_BODIES.items():
        before = world.fingerprint_now()
        response = designer.post("/design/processes/registration_vetting/drafts", data=data,
                                 content_type="application/json", headers={"X-CSRFToken": world.csrf["designer"]})
        judge(world, TALLY, f"designer POST save draft [{name}]", "designer", response, [], before)
    assert not problems(), "\n".join(problems())


def pdf_fields(forms) -> list[tuple[object, str]]:
    """(form, file field) of every PDF upload (the designer's BPMN upload is tested below)."""
    return [(form, name) for form in forms if form.method == "POST" and "/design/" not in form.action
            for name in form.file_fields]


def test_file_names_and_files_that_are_not_pdfs(world, forms, problems):
    fields = pdf_fields(forms)
    assert len(fields) >= 12, [(form.action, name) for form, name in fields]
    TALLY.upload_fields = len(fields)
    for slot, (form, name) in enumerate(fields):
        for filename in rotate(corpus.FILE_NAMES, slot * 3, 3):
            before = world.fingerprint_now()
            response = post_form(world, form, {}, {name: (PDF_BYTES, filename)})
            TALLY.used.add(("file name", filename))
            judge(world, TALLY, f"{form.principal} POST {form.action} {name}={filename!r}", form.principal,
                  response, [filename], before)
        for kind, data in corpus.NOT_PDFS.items():
            before = world.fingerprint_now()
            response = post_form(world, form, {}, {name: (data, "资质证书.pdf")})
            TALLY.used.add(("file", kind))
            what = f"{form.principal} POST {form.action} {name}=<{kind}>"
            if judge(world, TALLY, what, form.principal, response, [], before) == "accepted":
                TALLY.problems.append(f"{what}: stored")
            elif name not in field_errors(response):
                TALLY.problems.append(f"{what}: no message at the field")
    assert not problems(), "\n".join(problems())


@pytest.mark.parametrize("kind", list(corpus.PDFS))
def test_hostile_pdfs_are_refused_at_every_upload_field(world, forms, kind):
    """An HTML polyglot and a PDF that runs JavaScript are refused at the field, nothing stored."""
    accepted = []
    for form, name in pdf_fields(forms):
        before = world.fingerprint_now()
        response = post_form(world, form, {}, {name: (corpus.PDFS[kind], "证书.pdf")})
        TALLY.used.add(("pdf", kind))
        outcome = judge(world, TALLY, f"{form.principal} POST {form.action} {name}=<{kind}>", form.principal,
                        response, [], before)
        if outcome == "accepted" or name not in field_errors(response):
            accepted.append(f"{form.action} {name}")
    assert not accepted, f"{kind} accepted at: {accepted}"


UNSAFE_DOCUMENTS = [kind for kind in corpus.BPMN if kind != "script with __import__"]


def upload_bpmn(world, data: bytes):
    designer = world.clients["designer"]
    return designer.post("/design/processes/registration_vetting/upload", **multipart(
        {"file": (io.BytesIO(data), "process.bpmn", "application/xml"), "note": "",
         "csrf_token": world.csrf["designer"]}))


def save_bpmn(world, data: bytes):
    return world.clients["designer"].post(
        "/design/processes/registration_vetting/drafts", json={"xml": data.decode("utf-8", "replace"), "note": ""},
        headers={"X-CSRFToken": world.csrf["designer"]})


@pytest.mark.parametrize("kind", UNSAFE_DOCUMENTS)
def test_hostile_bpmn_is_refused_with_a_message(world, kind, problems):
    """上传 BPMN 文件 and 保存 (the modeler's JSON) refuse it with a message; no draft is stored."""
    data = corpus.BPMN[kind]
    before = world.fingerprint_now()
    upload = upload_bpmn(world, data)
    assert upload.status_code == 302, upload.status_code
    shown = world.clients["designer"].get(upload.headers["Location"])
    assert "alert-danger" in shown.get_data(as_text=True), f"{kind}: 上传 says nothing"
    TALLY.used.add(("bpmn", kind))
    assert judge(world, TALLY, f"upload {kind}", "designer", upload, [], before) == "refused"
    before = world.fingerprint_now()
    saved = save_bpmn(world, data)
    assert judge(world, TALLY, f"save {kind}", "designer", saved, [], before) == "refused"
    assert saved.status_code == 422 and saved.get_json()["errors"], saved.get_data(as_text=True)[:500]
    assert not problems(), "\n".join(problems())


def test_a_script_that_imports_is_kept_as_a_draft_but_never_runs(world, problems):
    """A well-formed draft may hold what the validation refuses (it is work in progress, shown with its
    problems): 检查 names the script, and 试运行 and 部署 refuse the draft — nothing is deployed or run."""
    data = corpus.BPMN["script with __import__"]
    TALLY.used.add(("bpmn", "script with __import__"))
    designer, csrf = world.clients["designer"], {"X-CSRFToken": world.csrf["designer"]}
    checked = designer.post("/design/processes/registration_vetting/validate",
                            json={"xml": data.decode()}, headers=csrf)
    assert checked.status_code == 200 and "t" in {p["element_id"] for p in checked.get_json()["problems"]}, (
        checked.get_data(as_text=True)[:500])
    saved = save_bpmn(world, data)
    assert saved.status_code in (200, 201), saved.get_data(as_text=True)[:500]
    draft_id = saved.get_json()["draft_id"]
    before = world.fingerprint_now()
    for action in ("try", "deploy"):
        response = designer.post(f"/design/drafts/{draft_id}/{action}", data={"csrf_token": world.csrf["designer"]})
        assert response.status_code in (302, 422), (action, response.status_code)
        assert world.fingerprint_now()["process_definition"] == before["process_definition"], action
        assert not (world.dry_runs.exists() and any("pwned" in p.name for p in world.dry_runs.rglob("*")))
    assert not Path("/tmp/pwned").exists()
    world.restore(dry_runs=True)
    assert not problems(), "\n".join(problems())


def test_huge_ids_in_every_url(world, problems):
    """Every <int:…> of the URL map with ids no row has and numbers no column holds: never a 500 (the
    other arguments filled as the matrix fills them)."""
    principals = {"api": "operator", "design": "designer", "operations": "operator"}
    for rule in world.app.url_map.iter_rules():
        numbers = [argument for argument in rule.arguments if f"<int:{argument}>" in rule.rule]
        if "GET" not in rule.methods or not numbers:
            continue
        principal = next((p for prefix, p in principals.items() if rule.endpoint.startswith(prefix)), "office")
        for huge in corpus.HUGE_IDS:
            path = url_for_key(world, rule, dict.fromkeys(numbers, huge))
            before = world.fingerprint_now()
            response = get_as(world, principal, path)
            TALLY.used.add(("id", huge))
            judge(world, TALLY, f"{principal} GET {path}", principal, response, [], before)
    assert not problems(), "\n".join(problems())


def test_every_input_of_the_corpus_was_tried(record_property):
    """Runs last: the figures, and that no input of the corpus was left out."""
    tried = {value for kind, value in TALLY.used if kind == "text"}
    left_out = [value for _category, value in corpus.text_inputs() if value not in tried]
    record_property("security:corpus", {"inputs": corpus.total(), "text_inputs": len(corpus.text_inputs()),
                                        "forms": TALLY.forms, "fields": len(TALLY.fields),
                                        "upload_fields": TALLY.upload_fields, "requests": TALLY.requests,
                                        "refused": TALLY.refused, "accepted": TALLY.accepted})
    print(f"\nhostile corpus: {corpus.total()} inputs ({len(corpus.text_inputs())} text), {len(TALLY.fields)} text "
          f"fields of {TALLY.forms} forms, {TALLY.upload_fields} upload fields, {TALLY.requests} requests: "
          f"{TALLY.refused} refused or unchanged, {TALLY.accepted} accepted and shown escaped")
    assert corpus.total() >= 200
    assert not left_out, f"{len(left_out)} text inputs never sent: {left_out[:5]}"
