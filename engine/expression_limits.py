"""Run-time limits and the safe builtins of ``engine.expressions``.

Every operation that can grow a value (``*``, ``+``, ``str()``, ``join``,
``sum``, ``round``, item assignment, displays like ``[a, a]``) is checked here
before or after it runs. Sizes are *real* sizes: the length of the value's text
(JSON, repr) with every shared reference counted each time it occurs, since the
serializer, ``==`` and ``deepcopy`` pay for it each time. A clock bounds the
rest (many bounded operations in a row); it is read between operations, so it
works in any thread, without signals.
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable
from typing import Any

MAX_SOURCE_LENGTH = 10_000
MAX_DEPTH = 50
MAX_SEQUENCE_LENGTH = 100_000
MAX_INT_DIGITS = 4_300
# An int of at most this many bits has at most MAX_INT_DIGITS decimal digits.
MAX_INT_BITS = int(MAX_INT_DIGITS * 3.321928094887362)  # log2(10)
MAX_POWER_EXPONENT = 64
MAX_FORMAT_SPEC_LENGTH = 20
MAX_FORMAT_NUMBER = 1_000
# Real size of any one value an expression or script builds, and of all a script stores in one run.
MAX_REAL_SIZE = 1_000_000
# Seconds one evaluation or script may run (read between operations; each one is bounded by the sizes).
TIME_LIMIT = 1.0
# Evaluations one script engine (one request, one timer firing) may run: a BPMN loop with no wait
# state (a loop condition that stays true) ends here instead of holding the worker forever.
MAX_EVALUATIONS = 1_000
# Instances a multi-instance cardinality expression may ask for.
MAX_INSTANCES = 1_000
_TOO_LONG = f"result would be longer than {MAX_SEQUENCE_LENGTH} items"
_TOO_MANY_DIGITS = f"integer result would have more than {MAX_INT_DIGITS} digits"
_TOO_BIG = f"value would be longer than {MAX_REAL_SIZE} characters once written out"


class ExpressionError(Exception):
    """An expression or script was refused, or failed while running."""


# Methods are taken from these base types, never from the value itself, so a
# subclass stored in task data cannot swap in its own implementation.
_SAFE_METHODS: dict[type, frozenset[str]] = {
    str: frozenset({"lower", "upper", "strip", "startswith", "endswith", "split", "join", "count"}),
    dict: frozenset({"get", "keys", "values", "items"}),
    list: frozenset({"count"}),
}
_METHOD_NAMES = frozenset().union(*_SAFE_METHODS.values())
_CONSTANT_TYPES = (str, int, float, bool, type(None))


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod, ast.Pow: operator.pow,
}
# Augmented assignment keeps Python's in-place semantics (list += extends it).
_INPLACE = {op: getattr(operator, f"i{func.__name__}") for op, func in _BINARY.items()}

# ------------------------------------------------------------ runtime limits

def _is_sequence(value: Any) -> bool:
    return isinstance(value, (str, bytes, list, tuple))


def _check_size(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise ExpressionError(_TOO_MANY_DIGITS)
    if _is_sequence(value) and len(value) > MAX_SEQUENCE_LENGTH:
        raise ExpressionError(_TOO_LONG)
    return value


def _check_operands(op: ast.operator, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be too big, before computing it."""
    too_long = too_many_digits = False
    if isinstance(op, ast.Mult):
        for sequence, count in ((left, right), (right, left)):
            if _is_sequence(sequence) and isinstance(count, int):
                too_long = too_long or len(sequence) * count > MAX_SEQUENCE_LENGTH
        if isinstance(left, int) and isinstance(right, int):
            too_many_digits = left.bit_length() + right.bit_length() > MAX_INT_BITS
    elif isinstance(op, ast.Add) and _is_sequence(left) and _is_sequence(right):
        too_long = len(left) + len(right) > MAX_SEQUENCE_LENGTH
    elif isinstance(op, ast.Pow):
        if not (isinstance(right, int) and 0 <= right <= MAX_POWER_EXPONENT):
            raise ExpressionError(f"exponent must be an int from 0 to {MAX_POWER_EXPONENT}")
        too_many_digits = isinstance(left, int) and left.bit_length() * right > MAX_INT_BITS
    elif isinstance(op, ast.Mod) and isinstance(left, (str, bytes)):
        # "%0999999999d" % 1 would build a huge string; f-strings are bounded.
        raise ExpressionError("'%' string formatting is not allowed; use an f-string")
    if too_long:
        raise ExpressionError(_TOO_LONG)
    if too_many_digits:
        raise ExpressionError(_TOO_MANY_DIGITS)


def _apply_binop(op: ast.operator, left: Any, right: Any, inplace: bool = False) -> Any:
    _check_operands(op, left, right)
    # A list's += and *= only append to it: on a refusal, cut it back.
    length = len(left) if inplace and isinstance(left, list) else None
    result = (_INPLACE if inplace else _BINARY)[type(op)](left, right)
    try:
        _check_size(result)
        if isinstance(result, (list, tuple)):
            # [big] * 1000 or a += [a]: few items, but each counts its whole size (or never ends).
            check_real_size(result)
    except ExpressionError:
        if length is not None:
            del left[length:]
        raise
    return result


def text_size(value: Any, limit: int, message: str) -> int:
    """The length of ``value`` written out (repr or JSON), estimated without building it.

    Shared references count each time they occur and every item costs at least one unit, so
    the walk passes ``limit`` quickly on ``a=[a,a]`` chains and cycles; then ExpressionError."""
    pending, total = [value], 0
    while pending:
        item = pending.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1
        elif isinstance(item, dict):
            total += 2 + 2 * len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            pending.extend(item)
        else:
            total += 16
        if total > limit:
            raise ExpressionError(message)
    return total


def check_real_size(value: Any, limit: int = MAX_REAL_SIZE) -> int:
    """Refuse a value bigger than ``limit`` once written out (see text_size); its size otherwise."""
    return text_size(value, limit, _TOO_BIG)


def _check_render_size(value: Any) -> None:
    """Refuse turning a value into text when the text would be huge."""
    text_size(value, MAX_SEQUENCE_LENGTH, f"text would be longer than {MAX_SEQUENCE_LENGTH} characters")


def _safe_str(*args: Any, **kwargs: Any) -> str:
    if args:
        _check_render_size(args[0])
    return str(*args, **kwargs)


def _safe_sum(iterable: Any, /, start: Any = 0) -> Any:
    # A list or tuple start would concatenate and bypass the size limits.
    if not isinstance(start, (int, float)):
        raise ExpressionError("sum() only accepts a numeric start value")
    return _check_size(sum(iterable, start))


def _safe_round(number: Any, ndigits: Any = None) -> Any:
    # round(5, -10**9) would compute 10**(10**9) internally.
    if isinstance(ndigits, int) and abs(ndigits) > MAX_INT_DIGITS:
        raise ExpressionError(f"round() accepts at most {MAX_INT_DIGITS} digits")
    return round(number, ndigits)


def _safe_join(separator: str, iterable: Any) -> str:
    items = list(iterable)
    length = len(separator) * max(len(items) - 1, 0)
    length += sum(len(item) for item in items if isinstance(item, str))
    if length > MAX_SEQUENCE_LENGTH:
        raise ExpressionError(_TOO_LONG)
    return separator.join(items)


# Callable builtins; plain names also fall back to this table (True/False/None
# are literals already, so no other constants are needed).
_SAFE_BUILTINS: dict[str, Callable[..., Any]] = {
    "len": len, "str": _safe_str, "int": int, "float": float, "bool": bool,
    "min": min, "max": max, "abs": abs, "round": _safe_round, "sum": _safe_sum,
    "any": any, "all": all, "sorted": sorted, "list": list, "dict": dict,
    "set": set, "tuple": tuple,
}


def _bound_method(target: Any, name: str) -> Callable[..., Any]:
    for base, names in _SAFE_METHODS.items():
        if isinstance(target, base) and name in names:
            if base is str and name == "join":
                return functools.partial(_safe_join, target)
            return functools.partial(getattr(base, name), target)
    raise ExpressionError(f"method '{name}' is not allowed on {type(target).__name__} values")


def _set_item(container: Any, key: Any, value: Any) -> None:
    """``container[key] = value``, undone if the container grows too big (``d["k"] = d`` makes a cycle)."""
    if not isinstance(container, (dict, list)):
        raise ExpressionError(f"cannot assign items of {type(container).__name__} values")
    if isinstance(container, list):
        before = container[:] if isinstance(key, slice) else container[key]
    else:
        before = container.get(key, _MISSING)
    container[key] = value
    try:
        _check_size(container)  # slice assignment can grow a list
        check_real_size(container)
    except ExpressionError:
        if isinstance(key, slice):
            container[:] = before
        elif before is _MISSING:
            del container[key]
        else:
            container[key] = before
        raise


_MISSING = object()
