"""Running scenarios: each in a fresh copy of the sandbox, with the draft BPMN deployed, against
the real engine, services and forms; every step checked and reported in words a designer reads."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from engine import clock
from engine.text import N_, Text, listing
from forms.scenarios import format as scenario_format
from forms.scenarios import starters
from forms.scenarios.format import Scenario, Step
from forms.scenarios.formfill import StepFailed, joined
from forms.scenarios.play import Play, names
from forms.scenarios.sandbox import Sandbox

log = logging.getLogger(__name__)


@dataclass
class StepResult:
    text: str  # the step as the page lists it (engine.text.Text: localized() translates it)
    passed: bool
    message: str = ""  # why it failed (Chinese; a Text where it is one)


@dataclass
class Result:
    scenario: Scenario
    passed: bool
    steps: list[StepResult] = field(default_factory=list)
    error: str | None = None  # the exception, when the scenario crashed rather than failed a check
    visited: set[tuple[str, str]] = field(default_factory=set)  # (process key, element id) reached


def load(process_key: str, root: str | Path | None = None, workflows_dir: str | Path | None = None
         ) -> list[Scenario]:
    folders = scenario_format.roots(root, workflows_dir)
    return [scenario_format.load_file(path, process_key)
            for path in scenario_format.scenario_files(process_key, folders)]


def problems_of_text(name: str, text: str) -> list[Text]:
    """What is wrong with one scenario file's YAML before it runs (empty: nothing found): unreadable
    YAML, an unknown step or key, a starter the platform does not have."""
    scenario = scenario_format.load_text(text, name, None)
    if scenario.problem is not None:
        return [scenario.problem]
    if scenario.given and scenario.given not in starters.STARTERS:
        return [N_("没有名为 %(given)s 的起点（可用：%(known)s）", given=scenario.given,
                   known=listing(sorted(starters.STARTERS)))]
    return []


def run(process_key: str, overrides: dict[str, str | bytes] | None = None, root: str | Path | None = None,
        workflows_dir: str | Path | None = None, sandbox: Sandbox | None = None) -> list[Result]:
    """Run the scenarios of ``process_key`` with the ``overrides`` (process key → draft BPMN) deployed."""
    return run_scenarios(load(process_key, root, workflows_dir), overrides, workflows_dir, sandbox)


def run_texts(process_key: str, texts: dict[str, str], overrides: dict[str, str | bytes] | None = None,
              workflows_dir: str | Path | None = None, sandbox: Sandbox | None = None) -> list[Result]:
    """Run scenarios given as {file name: YAML} (a draft's own) as scenarios of ``process_key``."""
    scenarios = [scenario_format.load_text(text, name, process_key) for name, text in sorted(texts.items())]
    return run_scenarios(scenarios, overrides, workflows_dir, sandbox)


def run_scenarios(scenarios: list[Scenario], overrides: dict[str, str | bytes] | None = None,
                  workflows_dir: str | Path | None = None, sandbox: Sandbox | None = None) -> list[Result]:
    if not scenarios:
        return []
    owned = sandbox is None
    sandbox = sandbox or Sandbox(workflows_dir=workflows_dir)
    try:
        return [run_one(sandbox, scenario, overrides) for scenario in scenarios]
    finally:
        if owned:
            sandbox.close()


def run_all(overrides: dict[str, str | bytes] | None = None, root: str | Path | None = None,
            workflows_dir: str | Path | None = None, sandbox: Sandbox | None = None) -> dict[str, list[Result]]:
    """Every process's scenarios, one sandbox base for all of them."""
    keys = scenario_format.process_keys(scenario_format.roots(root, workflows_dir))
    owned = sandbox is None
    sandbox = sandbox or Sandbox(workflows_dir=workflows_dir)
    try:
        return {key: run(key, overrides, root, workflows_dir, sandbox) for key in keys}
    finally:
        if owned:
            sandbox.close()


def run_one(sandbox: Sandbox, scenario: Scenario, overrides: dict | None) -> Result:
    if scenario.problem is not None:
        return Result(scenario, False, [StepResult(N_("读取场景文件"), False, scenario.problem)])
    try:
        copy = sandbox.copy(overrides)
    except Exception as exc:  # a draft that does not deploy fails every scenario, with the reason
        message = N_("草稿无法部署：%(error)s", error=str(exc))
        return Result(scenario, False, [StepResult(N_("部署草稿"), False, message)], error=str(exc))
    try:
        play = Play.open(copy)
        try:
            return _play(play, scenario)
        finally:
            play.close()
    finally:
        copy.close()


def _play(play: Play, scenario: Scenario) -> Result:
    result = Result(scenario, True)
    given = StepResult(N_("起点：%(given)s", given=scenario.given), True)
    result.steps.append(given)
    if not _attempt(play, result, given, lambda: setattr(play, "subject", starters.start(play, scenario.given))):
        return _skip_rest(result, scenario.steps)
    for number, step in enumerate(scenario.steps):
        outcome = StepResult(step.describe(), True)
        result.steps.append(outcome)
        play.pause()
        if not _attempt(play, result, outcome, lambda s=step: perform(play, s)):
            _skip_rest(result, scenario.steps[number + 1:])
            break
    try:  # what the instance passed through, failed or not (the page may show it on the diagram)
        result.visited = play.visited()
    except Exception:
        log.exception("reading what scenario %s reached", scenario.file)
    return result


def _attempt(play: Play, result: Result, outcome: StepResult, action) -> bool:
    try:
        action()
        return True
    except StepFailed as exc:
        outcome.message = exc.message
    except Exception as exc:
        log.info("scenario %s crashed", result.scenario.file, exc_info=True)
        result.error = f"{type(exc).__name__}: {exc}"
        outcome.message = N_("出错：%(error)s", error=result.error)
    play.session.rollback()
    outcome.passed = result.passed = False
    return False


def _skip_rest(result: Result, steps) -> Result:
    result.steps.extend(StepResult(step.describe(), False, N_("未执行")) for step in steps)
    return result


def perform(play: Play, step: Step) -> None:
    if step.kind == "complete":
        play.complete(play.find_task(step.value), step.data, step.actor)
    elif step.kind == "withdraw":
        play.withdraw(step.value, step.actor)
    elif step.kind == "comment":
        play.comment(step.value, step.actor)
    elif step.kind == "clock":
        play.advance(clock.parse_duration(step.value))
    else:
        problems = check(play, step.value)
        if problems:
            raise StepFailed(joined(problems))


def check(play: Play, expected: dict) -> list[Text]:
    """What differs from ``expected`` now (nothing: the expectations hold)."""
    instance = play.instance()
    problems = []
    if "tasks" in expected:
        open_tasks = play.open_tasks()
        if not _same_tasks([str(name) for name in expected["tasks"]], open_tasks):
            problems.append(N_("期望待办任务 %(expected)s，实际 %(actual)s",
                               expected="[" + ", ".join(map(str, expected["tasks"])) + "]",
                               actual=names(open_tasks)))
    for key, label in (("stage", N_("阶段")), ("stage_label", N_("阶段名称")), ("status", N_("流程状态"))):
        if key in expected and str(expected[key]) != str(getattr(instance, key)):
            problems.append(N_("期望%(what)s %(expected)s，实际 %(actual)s", what=label,
                               expected=expected[key], actual=getattr(instance, key)))
    if "subject_status" in expected and str(expected["subject_status"]) != str(play.subject_status()):
        problems.append(N_("期望业务状态 %(expected)s，实际 %(actual)s", expected=expected["subject_status"],
                           actual=play.subject_status()))
    if "reached" in expected:
        visited = play.visited()
        reached = {element for _key, element in visited} | {f"{key}.{element}" for key, element in visited}
        missing = [str(element) for element in expected["reached"] if str(element) not in reached]
        if missing:
            problems.append(N_("期望到达 %(elements)s，但流程没有经过", elements=listing(missing)))
    return problems


def _same_tasks(expected: list[str], open_tasks) -> bool:
    """The open tasks are the expected ones, in any order (each named by BPMN name or element id)."""
    left = list(open_tasks)
    for name in expected:
        match = next((task for task in left if name in (task.title, task.task_name)), None)
        if match is None:
            return False
        left.remove(match)
    return not left
