"""Issue 14, holes 1 and 2: every expression SpiffWorkflow evaluates goes through the safe evaluator (even
the ones it hands straight to its script environment, even in BPMN deployed without the validation), and
what an expression or script builds is bounded in real size and in time. A failure puts the instance in
出错 with the reason; no worker hangs, no serializer walks a huge value.

Durations are CPU time (time.process_time): what the limits save is work, and a loaded machine (CI runs
two workers on two cores) must not decide the outcome."""
from __future__ import annotations

import builtins
import random
import threading
import time

import pytest
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from engine import definitions, expression_limits, runtime, serializer, validation
from engine.expressions import ExpressionError, evaluate, execute
from engine.scripting import SafeEnvironment, SafeScriptEngine
from tests.engine.bpmn_fixtures import CATALOGUE, VALID

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="probe_definitions" targetNamespace="http://duibiao.example/bpmn">
"""
# start → step → end; each case fills in the step (and what the definitions need around the process).
PROCESS = """<bpmn:process id="probe" name="探针" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    {step}
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step" />
    <bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
FLOWS = "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>"
HOSTILE = "__import__('os').system('touch {marker}')"
CORRELATION = """<bpmn:message id="m" name="m" />
  <bpmn:correlationProperty id="cp" name="cp"><bpmn:correlationPropertyRetrievalExpression messageRef="m">
    <bpmn:formalExpression>{expression}</bpmn:formalExpression></bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>
  <bpmn:collaboration id="c"><bpmn:participant id="p" processRef="probe" />
    <bpmn:correlationKey id="ck" name="ck"><bpmn:correlationPropertyRef>cp</bpmn:correlationPropertyRef>
    </bpmn:correlationKey></bpmn:collaboration>
  """
CATCH = (f'<bpmn:intermediateCatchEvent id="step">{FLOWS}<bpmn:messageEventDefinition id="md" messageRef="m" />'
         '</bpmn:intermediateCatchEvent>')


def _script_task(script: str, loop: str = "") -> str:
    return f'<bpmn:scriptTask id="step">{FLOWS}{loop}<bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'


# case → (what precedes the process, the step); {expression} is where the hostile expression goes.
CASES = {
    "message correlation": (CORRELATION, CATCH),
    "ad-hoc completion condition": ("", f'<bpmn:adHocSubProcess id="step">{FLOWS}<bpmn:scriptTask id="inner">'
                                        '<bpmn:script>done = 1</bpmn:script></bpmn:scriptTask>'
                                        '<bpmn:completionCondition>{expression}</bpmn:completionCondition>'
                                        '</bpmn:adHocSubProcess>'),
    "timer expression": ("", f'<bpmn:intermediateCatchEvent id="step">{FLOWS}<bpmn:timerEventDefinition id="t">'
                             '<bpmn:timeDuration>{expression}</bpmn:timeDuration></bpmn:timerEventDefinition>'
                             '</bpmn:intermediateCatchEvent>'),
    "multi-instance cardinality": ("", _script_task("x = 1", '<bpmn:multiInstanceLoopCharacteristics isSequential='
                                                        '"true"><bpmn:loopCardinality>{expression}</bpmn:loopCardinality>'
                                                        '</bpmn:multiInstanceLoopCharacteristics>')),
    "multi-instance completion condition": ("", _script_task(
        "x = 1", '<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>2'
                 '</bpmn:loopCardinality><bpmn:completionCondition>{expression}</bpmn:completionCondition>'
                 '</bpmn:multiInstanceLoopCharacteristics>')),
}


def document(case: str, expression: str) -> bytes:
    before, step = CASES[case]
    return (HEADER + before.format(expression=expression)
            + PROCESS.format(step=step.format(expression=expression))).encode()


def deploy_unvalidated(session, source: bytes) -> None:
    """Straight into the engine's definitions: the validation is not run (a bypass, for the test)."""
    definitions.deploy_documents(session, [("probe.bpmn", source)])


@pytest.fixture
def no_plain_eval(monkeypatch):
    """Records every call of Python's eval/exec with a BPMN expression of these tests (SQLAlchemy's own
    generated code passes through) and refuses it."""
    calls = []

    def spy(name, real):
        def called(source, *args, **kwargs):
            if "__import__" in str(source):
                calls.append((name, source))
                raise AssertionError(f"plain {name} reached with {source!r}")
            return real(source, *args, **kwargs)
        return called

    monkeypatch.setattr(builtins, "eval", spy("eval", builtins.eval))
    monkeypatch.setattr(builtins, "exec", spy("exec", builtins.exec))
    return calls


def run_probe(session, case: str, source: bytes):
    instance = runtime.start_instance(session, "probe", subject="探针")
    if case == "message correlation":
        assert instance.status == "waiting"
        runtime.send_message(session, instance, "m", None, payload={"k": 1})
    return instance


# ------------------------------------------------------------------- hole 1: the evaluator is the only way

@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_expressions_never_reach_python(case, session, tmp_path, no_plain_eval):
    marker = tmp_path / "reached"
    source = document(case, HOSTILE.format(marker=marker))
    deploy_unvalidated(session, source)
    instance = run_probe(session, case, source)
    assert no_plain_eval == [] and not marker.exists()
    assert instance.status == "error"
    assert "Error evaluating expression" in instance.error and "is not allowed" in instance.error
    session.commit()
    # The state saved with the failure restores (the operator's page reads it).
    spec, subprocess_specs = definitions.specs_for(session, instance.definition)
    serializer.loads(instance.state, spec, subprocess_specs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_validation_refuses_each_hostile_expression_naming_the_element(case, tmp_path):
    found = validation.problems_of({"probe.bpmn": document(case, HOSTILE.format(marker=tmp_path / "x"))}, "probe")
    assert any(".step" in p or ".cp" in p for p in found), found


@pytest.mark.parametrize(("case", "expression"), [("multi-instance cardinality", "len('ab')"),
                                                  ("multi-instance completion condition", "x == 1")])
def test_harmless_expressions_of_the_same_kinds_run(case, expression, session):
    deploy_unvalidated(session, document(case, expression))
    instance = runtime.start_instance(session, "probe", subject="探针")
    assert instance.status == "completed", instance.error


def test_every_script_engine_gets_the_safe_environment():
    # SpiffWorkflow's default is plain eval/exec; a workflow restored without an engine gets one too.
    assert isinstance(PythonScriptEngine().environment, SafeEnvironment)
    assert isinstance(SafeScriptEngine().environment, SafeEnvironment)
    with pytest.raises(Exception, match="is not allowed"):
        PythonScriptEngine().environment.evaluate("().__class__", {})


# ---------------------------------------------------------------- hole 2: real size and time are bounded

# A condition that would run for seconds: each sort is bounded (~10 ms on 50 000 numbers), their number is not.
SLOW = " and ".join(["sorted(numbers) == sorted(numbers)"] * 250)
NESTED = "a = [0]\n" + "a = [a, a]\n" * 40 + "same = a == a\n"


@pytest.mark.parametrize(("script", "words"), [
    (NESTED, "longer than 1000000 characters"),
    ("a = ['a' * 100000] * 100000", "longer than 1000000 characters"),
    ("while True: pass", "loops are not allowed"),
    ("a = [0]\na[0] = a", "longer than 1000000 characters"),
])
def test_a_script_that_would_hang_or_exhaust_memory_stops_the_instance(script, words, session):
    deploy_unvalidated(session, (HEADER + PROCESS.format(step=_script_task(script))).encode())
    started = time.process_time()
    instance = runtime.start_instance(session, "probe", subject="探针")  # runs the script, saves the state
    session.commit()
    assert time.process_time() - started < 2
    assert instance.status == "error"
    assert instance.error.startswith("step: ") and words in instance.error
    assert len(instance.state) < 1_100_000  # what the script kept is within the real-size limit


def test_a_condition_that_runs_too_long_stops_the_instance(session, monkeypatch):
    monkeypatch.setattr(expression_limits, "TIME_LIMIT", 0.2)
    gateway = ('<bpmn:exclusiveGateway id="step" default="f3"><bpmn:incoming>f1</bpmn:incoming>'
               '<bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>'
               '<bpmn:endEvent id="other_end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>'
               '<bpmn:sequenceFlow id="f3" sourceRef="step" targetRef="other_end" />')
    source = HEADER + PROCESS.format(step=gateway).replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end" />',
        f'<bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end"><bpmn:conditionExpression>{SLOW}'
        '</bpmn:conditionExpression></bpmn:sequenceFlow>')
    deploy_unvalidated(session, source.encode())
    numbers = list(range(50_000))
    random.Random(14).shuffle(numbers)
    started = time.process_time()
    instance = runtime.start_instance(session, "probe", subject="探针", data={"numbers": numbers})
    assert time.process_time() - started < 2
    assert instance.status == "error"
    assert instance.error.startswith("step: ") and "ran longer than the 0.2 s limit" in instance.error


def test_a_loop_condition_that_never_ends_the_loop_stops_the_instance(session):
    # No wait state in the loop: without a budget do_engine_steps would never return (the tree grows).
    loop = '<bpmn:standardLoopCharacteristics><bpmn:loopCondition>True</bpmn:loopCondition>' \
           '</bpmn:standardLoopCharacteristics>'
    deploy_unvalidated(session, (HEADER + PROCESS.format(step=_script_task("x = 1", loop))).encode())
    started = time.process_time()
    instance = runtime.start_instance(session, "probe", subject="探针")
    assert time.process_time() - started < 2  # 1000 evaluations: about 0.6 s
    assert instance.status == "error"
    assert instance.error.startswith("step [child]: ")  # the loop's current pass
    assert "more than 1000 evaluations in one engine run" in instance.error


def test_a_multi_instance_cardinality_over_the_limit_stops_the_instance(session):
    deploy_unvalidated(session, document("multi-instance cardinality", "10 ** 6"))
    started = time.process_time()
    instance = runtime.start_instance(session, "probe", subject="探针")
    assert time.process_time() - started < 2
    assert instance.status == "error" and "cardinality 1000000 is over the limit of 1000" in instance.error
    found = validation.problems_of({"probe.bpmn": document("multi-instance cardinality", "5000")}, "probe")
    assert any("probe.step" in p and "超过上限 1000" in p for p in found), found


def test_the_time_limit_works_outside_the_main_thread():
    # No signal.alarm: gunicorn's sync workers and the scheduler are fine, and so are Flask's threads.
    numbers = list(range(50_000))
    random.Random(14).shuffle(numbers)
    outcome = {}

    def run():
        started = time.process_time()
        try:
            evaluate(SLOW, {"numbers": numbers}, time_limit=0.1)
        except ExpressionError as exc:
            outcome["error"] = str(exc)
        outcome["seconds"] = time.process_time() - started

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(5)
    assert "ran longer than the 0.1 s limit" in outcome["error"]
    assert outcome["seconds"] < 0.5


@pytest.mark.parametrize("script", [
    "a = [0]\n" + "a = [a, a]\n" * 40,
    "a = ['a' * 100000] * 100000",
    "s = 'x' * 90000\na = [s] * 20",
    "s = 'x' * 90000\nd = {}\nd['a'] = [s, s, s, s, s, s]\nd['b'] = [s, s, s, s, s, s]",
    "a = [0]\na += [a]",
    "s = 'x' * 90000\n" + "".join(f"v{n} = s\n" for n in range(12)),  # aliases are written out each time
])
def test_real_size_limits_stop_scripts_quickly_and_leave_nothing_big(script):
    context = {}
    started = time.process_time()
    with pytest.raises(ExpressionError, match="longer than"):
        execute(script, context)
    assert time.process_time() - started < 1
    assert expression_limits.text_size(context, 10**7, "") < 1_100_000


def test_scripts_of_ordinary_size_still_run():
    context = {"items": [{"name": "甲", "score": 3}, {"name": "乙", "score": 5}]}
    execute("total = sum([1, 2, 3])\nnames = [items[0]['name'], items[1]['name']]\nfirst = items[0]\n"
            "first['seen'] = True\nwide = 'x' * 90000", context)
    assert context["total"] == 6 and context["names"] == ["甲", "乙"] and context["items"][0]["seen"] is True


# ------------------------------------------------------------------------- validation of script tasks

@pytest.mark.parametrize(("script", "words"), [
    ("import os", "imports are not allowed"),
    ("x = ().__class__", "not allowed"),
    ("x = __builtins__", "not allowed"),
    ("def f(): pass", "function and class definitions are not allowed"),
    ("for i in items: pass", "loops are not allowed"),
])
def test_the_validation_refuses_a_script_the_evaluator_refuses_naming_the_element(script, words):
    source = VALID.replace(
        '<bpmn:endEvent id="returned_end"><bpmn:incoming>f_return</bpmn:incoming></bpmn:endEvent>',
        '<bpmn:scriptTask id="returned_end"><bpmn:incoming>f_return</bpmn:incoming>'
        f'<bpmn:script>{script}</bpmn:script></bpmn:scriptTask>', 1)
    found = validation.validate_documents([("mini.bpmn", source.encode())], CATALOGUE)
    assert any(p.where.endswith("mini.returned_end") and words in p.message for p in found), [str(p) for p in found]
