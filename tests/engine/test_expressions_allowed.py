"""Tests for engine.expressions, the allow-list evaluator for designer-written code: what it
allows (gateway conditions, Python semantics, short circuits, registered functions, scripts).
What it refuses is in test_expressions_refused.py."""

from __future__ import annotations

import pytest

from engine.expressions import ExpressionError, evaluate, execute

# ------------------------------------------------------------ gateway conditions


@pytest.mark.parametrize(("decision", "expected"), [("approve", True), ("reject", False)])
def test_equality_condition(decision, expected):
    assert evaluate('decision == "approve"', {"decision": decision}) is expected


@pytest.mark.parametrize(
    ("decision", "expected"), [("return", True), ("reject", True), ("approve", False)]
)
def test_membership_condition(decision, expected):
    assert evaluate('decision in ("return", "reject")', {"decision": decision}) is expected


@pytest.mark.parametrize(
    ("count", "flag", "expected"),
    [(4, False, True), (4, True, False), (3, False, False)],
)
def test_boolean_condition(count, flag, expected):
    assert evaluate("count > 3 and not flag", {"count": count, "flag": flag}) is expected


def test_dict_get_with_default():
    assert evaluate('data.get("x", 1)', {"data": {}}) == 1
    assert evaluate('data.get("x", 1)', {"data": {"x": 5}}) == 5


def test_len_condition():
    assert evaluate("len(items) >= 2", {"items": [1, 2]}) is True
    assert evaluate("len(items) >= 2", {"items": [1]}) is False


def test_condition_with_surrounding_whitespace():
    # Conditions embedded in BPMN XML often carry newlines and indentation.
    assert evaluate('\n    decision == "approve"\n  ', {"decision": "approve"}) is True


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 / 2", 0.5),
        ("7 // 2", 3),
        ("7 % 3", 1),
        ("2 ** 10", 1024),
        ("2.0 ** 2", 4.0),
        ("2 ** 64", 18446744073709551616),
        ("-3 + +1", -2),
        ("10 - 2 * 3", 4),
        ('"a" + "b"', "ab"),
        ('"ab" * 3', "ababab"),
        ("[1] + [2]", [1, 2]),
        ("(1,) + (2,)", (1, 2)),
        ('"x" in ["x"]', True),
        ('"y" not in ["x"]', True),
        ("None is None", True),
        ("1 is not None", True),
        ("1 < 2 < 3", True),
        ("3 > 2 > 5", False),
        ("1 != 2", True),
        ('"yes" if 1 <= 2 else "no"', "yes"),
        ('"abcdef"[1:4]', "bcd"),
        ("[1, 2, 3][::-1]", [3, 2, 1]),
        ("[1, 2, 3][-1]", 3),
        ('{"a": 1}["a"]', 1),
        ("{1, 2} == {2, 1}", True),
        ("0 or 5", 5),
        ("2 and 0", 0),
        ("not []", True),
        ('"  Hi ".strip().lower()', "hi"),
        ('"hi".upper()', "HI"),
        ('"a,b".split(",")', ["a", "b"]),
        ('"-".join(["a", "b"])', "a-b"),
        ('"banana".count("a")', 3),
        ('"report.pdf".endswith(".pdf")', True),
        ('"report.pdf".startswith("rep")', True),
        ("[1, 1, 2].count(1)", 2),
        ('sorted({"b": 1, "a": 2}.keys())', ["a", "b"]),
        ('sorted({"b": 1, "a": 2}.values())', [1, 2]),
        ('list({"a": 1}.items())', [("a", 1)]),
        ("min(3, 1, 2) + max([4, 5])", 6),
        ("abs(-2.5)", 2.5),
        ("round(2.567, 2)", 2.57),
        ("round(1234, -2)", 1200),
        ("round(2.5)", 2),
        ("sum([1, 2, 3])", 6),
        ("any([0, 1]) and not all([0, 1])", True),
        ('int("42") + float("0.5")', 42.5),
        ("bool(0)", False),
        ("str(12)", "12"),
        ('tuple("ab")', ("a", "b")),
        ("set([1, 1])", {1}),
        ("dict(a=1)", {"a": 1}),
        ("sorted([3, 1, 2], reverse=True)", [3, 2, 1]),
        ("True", True),
        ("None", None),
    ],
)
def test_python_semantics(expression, expected):
    assert evaluate(expression, {}) == expected


def test_nested_data_access():
    context = {"data": {"user": {"name": "Li", "roles": ["a", "b"]}}}
    assert evaluate('data["user"]["name"]', context) == "Li"
    assert evaluate('"b" in data["user"]["roles"]', context) is True


def test_f_string():
    context = {"name": "Li", "n": 7, "v": "x"}
    assert evaluate('f"{name}-{n:03d}-{v!r}"', context) == "Li-007-'x'"


def test_name_lookup_order():
    functions = {"total": lambda: 0}
    # Task data wins over functions, functions over the safe builtins.
    assert evaluate("total", {"total": 5}, functions) == 5
    assert evaluate("len", {}, {"len": "mine"}) == "mine"
    assert evaluate("len", {}) is len


def test_task_data_is_never_called():
    # A callable value in task data does not make it a callable function.
    with pytest.raises(ExpressionError, match="not allowed"):
        evaluate("f()", {"f": lambda: 1})
    assert evaluate("len(items)", {"len": 99, "items": [1]}) == 1


def test_str_subclass_cannot_swap_methods():
    class Sneaky(str):
        def lower(self):
            raise AssertionError("subclass method must not run")

    assert evaluate("s.lower()", {"s": Sneaky("AB")}) == "ab"


# ---------------------------------------------------------------- short circuits


def _recorder():
    calls = []

    def record(*args, **kwargs):
        calls.append((args, kwargs))
        return True

    return calls, record


@pytest.mark.parametrize(
    "expression",
    [
        "False and record()",
        "True or record()",
        "1 > 2 > record()",
        "record() if False else 1",
        "1 if True else record()",
    ],
)
def test_short_circuit_skips_right_side(expression):
    calls, record = _recorder()
    evaluate(expression, {}, {"record": record})
    assert calls == []


def test_short_circuit_evaluates_when_needed():
    calls, record = _recorder()
    assert evaluate("True and record(1)", {}, {"record": record}) is True
    assert calls == [((1,), {})]


# ---------------------------------------------------------------------- functions


def test_registered_function_with_args_and_kwargs():
    def fmt(value, width=0, fill=" "):
        return str(value).rjust(width, fill)

    functions = {"fmt": fmt}
    assert evaluate('fmt(n, 4, fill="0")', {"n": 7}, functions) == "0007"
    assert evaluate("fmt(n, width=3)", {"n": 7}, functions) == "  7"


def test_registered_function_overrides_builtin():
    assert evaluate("len(x)", {"x": [1]}, {"len": lambda value: 42}) == 42


def test_registered_function_error_is_wrapped():
    def boom():
        raise RuntimeError("service down")

    with pytest.raises(ExpressionError, match="service down") as info:
        evaluate("boom()", {}, {"boom": boom})
    assert isinstance(info.value.__cause__, RuntimeError)


@pytest.mark.parametrize(
    ("expression", "cause"),
    [("1 / 0", "ZeroDivisionError"), ('data["missing"]', "KeyError"), ("[][1]", "IndexError")],
)
def test_runtime_errors_are_expression_errors(expression, cause):
    with pytest.raises(ExpressionError, match=cause):
        evaluate(expression, {"data": {}})


# ------------------------------------------------------------------------ scripts


def test_script_sets_variables_and_branches():
    script = (
        "total = price * qty\n"
        "if total > 100:\n"
        '    approval = "manager"\n'
        "elif total > 10:\n"
        '    approval = "lead"\n'
        "else:\n"
        '    approval = "auto"\n'
        "    pass\n"
    )
    context = {"price": 6, "qty": 3}
    execute(script, context)
    assert context == {"price": 6, "qty": 3, "total": 18, "approval": "lead"}


def test_script_sets_dict_keys_in_place():
    data = {"inner": {}}
    items = [0, 0]
    context = {"data": data, "items": items}
    execute('data["status"] = "done"\ndata["inner"]["n"] = 1\nitems[0] = 9', context)
    assert data == {"status": "done", "inner": {"n": 1}}
    assert items == [9, 0]
    assert context["data"] is data


def test_script_augmented_assignment():
    context = {"count": 1, "data": {"n": 1}, "names": ["a"]}
    names = context["names"]
    execute('count += 2\ndata["n"] *= 5\nnames += ["b"]\ncount **= 2', context)
    assert context["count"] == 9
    assert context["data"]["n"] == 5
    assert names == ["a", "b"]  # in place, as in Python


def test_script_multiple_targets_and_later_reads():
    context = {}
    execute("a = b = 2\nc = a + b", context)
    assert context == {"a": 2, "b": 2, "c": 4}


def test_script_calls_registered_function():
    calls, record = _recorder()
    execute('record(user, level="high")', {"user": "li"}, {"record": record})
    assert calls == [(("li",), {"level": "high"})]


def test_indented_script():
    context = {}
    execute("\n    a = 1\n    if a:\n        b = 2\n", context)
    assert context == {"a": 1, "b": 2}


def test_empty_script_is_allowed():
    context = {"a": 1}
    execute("", context)
    assert context == {"a": 1}
