"""Tests for engine.expressions, the allow-list evaluator for designer-written code: what it
refuses (escapes, unregistered functions, size limits, deep nesting) and how it validates.
What it allows is in test_expressions_allowed.py."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest

from engine import expressions
from engine.expressions import ExpressionError, evaluate, execute, validate
from tests.engine.test_expressions_allowed import _recorder

# ---------------------------------------------------------------------- refusals

ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "().__class__",
    "x.__class__",
    '__import__("os")',
    "__builtins__",
    "x._private",
    "x._private()",
    'x.get.__self__',
    '"abc".replace("a", "b")',
    "x.get",
    "[x for x in y]",
    "{x for x in y}",
    "{x: 1 for x in y}",
    "(x for x in y)",
    "lambda: 1",
    "(lambda: 1)()",
    "2 ** 10000",
    "2 ** -1",
    "2 ** n",
    "2 ** 1.5",
    "2 ** True",
    "(y := 1)",
    "f(*args)",
    "f(**kwargs)",
    "[*a]",
    "{**a}",
    "fns[0]()",
    "f()()",
    "1 << 100000",
    "~1",
    "1 | 2",
    'b"bytes"',
    "1j",
    "...",
    "await f()",
    'f"{x:>{w}}"',
    'f"{x:>99999999}"',
    "a = 1",
    "import os",
    "",
    "1 +",
]


@pytest.mark.parametrize("expression", ESCAPES)
def test_validate_refuses_expression(expression):
    with pytest.raises(ExpressionError):
        validate(expression)


@pytest.mark.parametrize("expression", ESCAPES)
def test_evaluate_refuses_expression(expression):
    calls, record = _recorder()
    context = {"x": {"_private": 1}, "y": [1], "n": 10_000, "w": 10**8, "a": [1]}
    snapshot = copy.deepcopy(context)
    functions = {"f": record, "record": record}
    with pytest.raises(ExpressionError):
        evaluate(expression, context, functions)
    assert context == snapshot
    assert calls == []


def test_refusal_messages_say_what_is_not_allowed():
    cases = {
        "().__class__.__base__.__subclasses__()": "private attribute",
        "[x for x in y]": "comprehensions are not allowed",
        "lambda: 1": "lambda expressions are not allowed",
        "2 ** 10000": "exponent",
        '"abc".replace("a", "b")': "method 'replace' is not allowed",
        "f(*args)": "starred",
    }
    for expression, message in cases.items():
        with pytest.raises(ExpressionError, match=message):
            validate(expression)


SCRIPT_ESCAPES = [
    "while True: pass",
    "for i in items: pass",
    "import os",
    "from os import path",
    "def f(): pass",
    "class A: pass",
    "global x",
    "try:\n    pass\nexcept Exception:\n    pass",
    "with x: pass",
    "del x",
    "raise ValueError()",
    "assert x",
    "x: int = 1",
    "a, b = 1, 2",
    "[a] = [1]",
    "x.y = 1",
    "_x = 1",
    "__x = 1",
    '_x["k"] = 1',
    "_x += 1",
    "f()['k'] = 1",
    "x",
    '"a docstring"',
    "x ** 2 if x else 1",
    "x **= 100",
    "x <<= 1",
    "async def f(): pass",
    "x = [i for i in items]",
    "x = lambda: 1",
    'x = __import__("os")',
    'x = ().__class__.__base__.__subclasses__()',
]


@pytest.mark.parametrize("script", SCRIPT_ESCAPES)
def test_execute_refuses_script_and_changes_nothing(script):
    calls, record = _recorder()
    context = {"x": 1, "items": [1, 2], "data": {"k": 1}}
    snapshot = copy.deepcopy(context)
    # A harmless statement first: nothing runs when any part is refused.
    with pytest.raises(ExpressionError):
        execute(f'data["k"] = 2\nrecord()\n{script}', context, {"record": record, "f": record})
    assert context == snapshot
    assert calls == []


def test_refused_names_report_clearly():
    with pytest.raises(ExpressionError, match="name 'missing' is not defined"):
        evaluate("missing + 1", {})
    with pytest.raises(ExpressionError, match="name 'missing' is not defined"):
        execute("missing += 1", {})


@pytest.mark.parametrize(
    "expression",
    ['open("/etc/passwd")', "eval('1')", "exec('1')", "getattr(x, 'y')", "type(x)",
     "globals()", "vars()", "compile('1', 'f', 'eval')", "print(1)", "range(10)"],
)
def test_unregistered_function_is_refused(expression):
    with pytest.raises(ExpressionError, match="not allowed"):
        evaluate(expression, {"x": 1}, {"other": lambda: 1})


def test_unregistered_function_refused_before_arguments_run():
    calls, record = _recorder()
    with pytest.raises(ExpressionError, match="function 'shutdown' is not allowed"):
        evaluate("shutdown(record())", {}, {"record": record})
    assert calls == []


@pytest.mark.parametrize(
    ("expression", "context"),
    [
        ("s.lower()", {"s": [1]}),
        ("s.get(1)", {"s": ["a"]}),
        ("s.count(1)", {"s": (1, 1)}),
        ("s.items()", {"s": "abc"}),
    ],
)
def test_method_on_wrong_type_is_refused(expression, context):
    with pytest.raises(ExpressionError, match="is not allowed on"):
        evaluate(expression, context)


# ------------------------------------------------------------------ size limits


@pytest.mark.parametrize(
    "expression",
    [
        '"a" * 10**9',
        "10**9 * 'a'",
        "[0] * 10**9",
        "(0,) * 10**9",
        "big + big",
        "[big] * 100000 + [1]",
        '"".join([big] * 100000)',
        "str([big] * 100000)",
        'f"{[big] * 100000}"',
        'f"{big}{big}"',
        "sum([[1]] * 1000, [])",
        '"%0999999999d" % 1',
        "(10 ** 64) ** 64 * 10 ** 64 * 10 ** 64 * 10 ** 64 * 10 ** 64",
        "((10 ** 64) ** 64) ** 2",
        "round(5, -10 ** 9)",
    ],
)
def test_size_limits(expression):
    with pytest.raises(ExpressionError, match="longer than|digits|not allowed|numeric"):
        evaluate(expression, {"big": "x" * 60_000})


def test_size_limits_allow_results_at_the_limit():
    assert len(evaluate('"a" * 100000', {})) == 100_000
    assert len(str(evaluate("(10 ** 64) ** 64", {}))) == 4097


def test_size_limit_in_script_stops_before_assigning():
    context = {"keep": 1}
    with pytest.raises(ExpressionError, match="longer than"):
        execute('x = "a" * 10**9', context)
    assert context == {"keep": 1}


def test_int_limit_in_script():
    context = {}
    with pytest.raises(ExpressionError, match="digits"):
        execute("a = 10 ** 64\nb = a ** 64\nc = b * b", context)
    assert "c" not in context


def test_repeated_doubling_in_script_is_stopped():
    script = "x = [1] * 1000\n" + "x = x + x\n" * 20
    with pytest.raises(ExpressionError, match="longer than"):
        execute(script, {})
    grow = "x = [1] * 1000\n" + "x[len(x):] = x\n" * 20
    with pytest.raises(ExpressionError, match="longer than"):
        execute(grow, {})


def test_self_referencing_data_does_not_hang():
    context = {"data": {"kept": 1}}
    # A script cannot store a cycle (the serializer would never end): refused, and undone.
    with pytest.raises(ExpressionError, match="longer than"):
        execute('data["self"] = data', context)
    assert context == {"data": {"kept": 1}}
    context["data"]["self"] = context["data"]  # one that came from elsewhere
    # The size estimate cannot tell a cycle from a huge value; it refuses quickly.
    with pytest.raises(ExpressionError, match="longer than"):
        evaluate("str(data)", context)


@pytest.mark.parametrize(
    "source",
    ["[" * 60 + "]" * 60, "-" * 60 + "1", "not " * 60 + "x", "(" * 300 + "1" + ")" * 300,
     "-" * 5000 + "1"],
)
def test_deep_nesting_is_refused(source):
    with pytest.raises(ExpressionError):
        validate(source)


def test_moderate_nesting_is_allowed():
    assert evaluate("[" * 10 + "]" * 10, {}) == [[[[[[[[[[]]]]]]]]]]


def test_deep_script_nesting_is_refused():
    script = "".join("    " * level + "if x:\n" for level in range(60)) + "    " * 60 + "pass\n"
    with pytest.raises(ExpressionError, match="nested too deeply"):
        validate(script, "exec")


def test_overlong_source_is_refused():
    source = '"' + "a" * 10_001 + '"'
    with pytest.raises(ExpressionError, match="longer than 10000 characters"):
        validate(source)
    context = {}
    with pytest.raises(ExpressionError, match="longer than 10000 characters"):
        execute("x = " + source, context)
    assert context == {}


def test_item_assignment_only_on_dicts_and_lists():
    class Store:
        def __setitem__(self, key, value):
            raise AssertionError("must not be called")

    with pytest.raises(ExpressionError, match="cannot assign items"):
        execute('s["k"] = 1', {"s": Store()})


# ------------------------------------------------------------------- validation


def test_validate_does_not_evaluate():
    calls, record = _recorder()
    functions = {"record": record}
    validate("record(1)")
    validate('record(1)\ndata["k"] = record(2)', mode="exec")
    with pytest.raises(ExpressionError):
        validate("record(1) or ().__class__")
    with pytest.raises(ExpressionError):
        evaluate("record(1) or ().__class__", {}, functions)
    with pytest.raises(ExpressionError):
        execute("record(1)\nimport os", {}, functions)
    assert calls == []


def test_validate_modes():
    validate("a = 1", mode="exec")
    with pytest.raises(ExpressionError):
        validate("a = 1", mode="eval")
    with pytest.raises(ValueError):
        validate("1", mode="single")
    with pytest.raises(ExpressionError):
        validate(None)  # type: ignore[arg-type]


def test_validated_source_is_cached():
    source = "cached_name_for_test == 1"
    validate(source)
    before = expressions._compile.cache_info().hits
    assert evaluate(source, {"cached_name_for_test": 1}) is True
    assert expressions._compile.cache_info().hits == before + 1


def test_module_never_calls_eval_exec_or_compile():
    tree = ast.parse(Path(expressions.__file__).read_text(encoding="utf-8"))
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not called & {"eval", "exec", "compile", "__import__"}
