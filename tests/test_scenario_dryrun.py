"""试运行 (forms.scenarios.dryrun): a draft played by hand in a sandbox of its own, kept between calls."""
from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict

from forms.scenarios.dryrun import DryRuns, UnknownDryRun
from forms.scenarios.sandbox import sample_pdf
from storage.models import ProcessInstance
from tests.webapp.bpmn_edits import formal_plan_with_expert_review

PLAN = [("standard_number", "T/ABC 1-2025"), ("standard_name", "两轮电动自行车对标达标评价标准"),
        *[(f"indicators-{n}-{column}", value) for n, row in enumerate([
            ("safety", "防撞击", "10N"), ("performance", "转速", "650"), ("low_carbon", "百公里耗电", "4度")])
          for column, value in zip(("level1", "level2", "value", "basis", "method"),
                                   (*row, "ISO 12345-2020", "GB/T 1234-2020"), strict=True)]]


def _files() -> list[tuple[str, FileStorage]]:
    return [(kind, FileStorage(BytesIO(sample_pdf(kind)), filename=f"{kind}.pdf", content_type="application/pdf"))
            for kind in ("standard_text", "scheme", "explanation")]


def _complete(runs: DryRuns, token: str, name: str, pairs) -> None:
    task = next(t for t in runs.open_tasks(token) if t["name"] == name)
    outcome = runs.complete(token, task["id"], MultiDict(pairs))
    assert outcome.done, outcome.problems


def test_a_dry_run_of_a_draft_is_played_step_by_step(tmp_path, deployed):
    instances_before = deployed.scalar(select(func.count()).select_from(ProcessInstance))
    runs = DryRuns(tmp_path / "dryruns")
    token = runs.start("formal_plan", {"formal_plan": formal_plan_with_expert_review()})
    [task] = runs.open_tasks(token)
    assert (task["name"], task["lane"], task["form_key"]) == ("提交正式版", "institution", "draft_plan")
    view = runs.task_form(token, task["id"])
    assert "standard_number" in view.form and view.context["plan"]["name"] == "场景测试对标方案"
    refused = runs.complete(token, task["id"], MultiDict([("standard_number", "T/ABC 1-2025")]))
    assert not refused.done and "标准名称：请填写标准名称" in refused.problems
    outcome = runs.complete(token, task["id"], MultiDict(PLAN), files=MultiDict(_files()))
    assert outcome.done, outcome.problems
    assert runs.state(token)["stage"] == "plan_review"
    _complete(runs, token, "正式版方案审核", [("decision", "approve")])
    state = runs.state(token)
    assert (state["stage"], [t["name"] for t in state["tasks"]]) == ("expert_review", ["专家评审"])
    _complete(runs, token, "专家评审", [("decision", "approve")])
    assert runs.state(token)["status"] == "waiting"
    runs.advance(token, "P8D")
    state = runs.state(token)
    assert (state["status"], state["stage"], state["subject_status"]) == ("completed", "published", "published")
    assert deployed.scalar(select(func.count()).select_from(ProcessInstance)) == instances_before
    runs.discard(token)
    with pytest.raises(UnknownDryRun):
        runs.state(token)


@pytest.mark.parametrize("token", ["nope", "../../etc/passwd-aaaaaaaaaaaaaaaaaaaa", "a" * 30])
def test_an_unknown_or_unsafe_token_is_refused(tmp_path, token):
    with pytest.raises(UnknownDryRun):
        DryRuns(tmp_path).open_tasks(token)
