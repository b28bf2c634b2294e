"""Safe evaluation of designer-written expressions and scripts.

BPMN gateway conditions, service-task parameters and script tasks are written
by process designers, so they must never reach Python's eval/exec: even with
builtins removed, ``().__class__.__base__.__subclasses__()`` reaches ``os``.
Sources are parsed with :mod:`ast`, checked against an allow-list once per
distinct source (cached), then run by a small tree-walking interpreter, which
bounds the real size of what it builds and stores and reads a clock between
operations (``engine.expression_limits``).
"""

from __future__ import annotations

import ast
import functools
import operator
import re
import textwrap
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

from engine import expression_limits
from engine.expression_limits import (  # noqa: F401  (ExpressionError is re-exported)
    _BINARY,
    _CONSTANT_TYPES,
    _METHOD_NAMES,
    _SAFE_BUILTINS,
    _TOO_LONG,
    MAX_DEPTH,
    MAX_FORMAT_NUMBER,
    MAX_FORMAT_SPEC_LENGTH,
    MAX_INT_BITS,
    MAX_INT_DIGITS,
    MAX_POWER_EXPONENT,
    MAX_REAL_SIZE,
    MAX_SEQUENCE_LENGTH,
    MAX_SOURCE_LENGTH,
    ExpressionError,
    _apply_binop,
    _bound_method,
    _check_render_size,
    _set_item,
    check_real_size,
)

__all__ = ["ExpressionError", "evaluate", "execute", "validate"]

Functions = Mapping[str, Callable[..., Any]]

_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
    ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
_BOOLEAN = frozenset({ast.And, ast.Or})
_DISPLAYS = {ast.List: list, ast.Tuple: tuple, ast.Set: set}
_CONVERSIONS = {ord("s"): str, ord("r"): repr, ord("a"): ascii}

_EXPRESSION_NODES = frozenset({
    ast.Expression, ast.Constant, ast.Name, ast.Attribute, ast.Subscript,
    ast.Slice, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Compare,
    ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.IfExp, ast.Call, ast.keyword,
    ast.JoinedStr, ast.FormattedValue,
})
_SCRIPT_NODES = _EXPRESSION_NODES | {
    ast.Module, ast.Assign, ast.AugAssign, ast.Expr, ast.If, ast.Pass,
}
# Operator and context nodes are checked by their parent, not visited.
_NOT_VISITED = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)

_REFUSAL_GROUPS = {
    "comprehensions are": "ListComp SetComp DictComp GeneratorExp",
    "lambda expressions are": "Lambda", "imports are": "Import ImportFrom",
    "loops are": "For AsyncFor While Break Continue",
    "function and class definitions are": "FunctionDef AsyncFunctionDef ClassDef",
    "global, nonlocal and del statements are": "Global Nonlocal Delete",
    "try, with, raise and assert statements are": "Try TryStar With AsyncWith Raise Assert",
    "await and yield are": "Await Yield YieldFrom", "starred unpacking (*) is": "Starred",
    "assignment expressions (:=) are": "NamedExpr", "annotated assignments are": "AnnAssign",
    "return and match statements are": "Return Match",
}
_REFUSALS = {name: what for what, names in _REFUSAL_GROUPS.items() for name in names.split()}


def _refuse(node: ast.AST, what: str) -> ExpressionError:
    line = getattr(node, "lineno", None)
    where = "" if line is None else f" (line {line}, column {node.col_offset + 1})"
    return ExpressionError(what + where)


# ---------------------------------------------------------------- validation

def _check_operator(node: ast.AST, op: ast.AST, table: Collection[type]) -> None:
    if type(op) not in table:
        raise _refuse(node, f"operator {type(op).__name__} is not allowed")


def _check_exponent(node: ast.expr) -> None:
    value = node.value if isinstance(node, ast.Constant) else None
    if type(value) is not int or not 0 <= value <= MAX_POWER_EXPONENT:
        limit = MAX_POWER_EXPONENT
        raise _refuse(node, f"the exponent of ** must be a literal int from 0 to {limit}")


def _check_method_name(node: ast.Attribute) -> None:
    if node.attr.startswith("_"):
        raise _refuse(node, f"access to private attribute '{node.attr}' is not allowed")
    if node.attr not in _METHOD_NAMES:
        allowed = ", ".join(sorted(_METHOD_NAMES))
        raise _refuse(node, f"method '{node.attr}' is not allowed (allowed: {allowed})")


def _check_format_spec(node: ast.FormattedValue) -> None:
    parts = node.format_spec.values if node.format_spec else []
    if not all(isinstance(part, ast.Constant) for part in parts):
        raise _refuse(node, "nested format specifications are not allowed")
    spec = "".join(part.value for part in parts)
    # A huge width or precision would make format() build a huge string.
    numbers = [int(digits) for digits in re.findall(r"\d+", spec)]
    if len(spec) > MAX_FORMAT_SPEC_LENGTH or any(n > MAX_FORMAT_NUMBER for n in numbers):
        raise _refuse(node, f"format specification '{spec}' is too large")


def _check_target(target: ast.expr) -> None:
    node = target
    while isinstance(node, ast.Subscript):
        node = node.value
    if not isinstance(node, ast.Name):
        raise _refuse(target, "can only assign to a name or to an item of one, like data['key']")
    if node.id.startswith("_"):
        raise _refuse(target, f"assignment to '{node.id}' is not allowed (it starts with '_')")


def _check_node(node: ast.AST) -> None:
    """Checks that the node type alone cannot express (the type is already allowed)."""
    if isinstance(node, ast.Constant):
        if type(node.value) not in _CONSTANT_TYPES:
            raise _refuse(node, f"constants of type {type(node.value).__name__} are not allowed")
        if type(node.value) is int and node.value.bit_length() > MAX_INT_BITS:
            raise _refuse(node, f"int literals over {MAX_INT_DIGITS} digits are not allowed")
    elif isinstance(node, ast.Name) and node.id.startswith("__"):
        raise _refuse(node, f"name '{node.id}' is not allowed (it starts with '__')")
    elif isinstance(node, ast.Attribute):
        # Only reached when the attribute is not the callee of a method call.
        _check_method_name(node)
        raise _refuse(node, f"attribute access ('.{node.attr}') is only allowed as a method call")
    elif isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):
            _check_method_name(node.func)
        elif not isinstance(node.func, ast.Name):
            raise _refuse(node, "only named functions and allowed methods may be called")
        if any(keyword.arg is None for keyword in node.keywords):
            raise _refuse(node, "keyword unpacking (**) is not allowed")
    elif isinstance(node, (ast.BinOp, ast.AugAssign)):
        _check_operator(node, node.op, _BINARY)
        if isinstance(node.op, ast.Pow):
            _check_exponent(node.right if isinstance(node, ast.BinOp) else node.value)
    elif isinstance(node, (ast.UnaryOp, ast.BoolOp)):
        _check_operator(node, node.op, _UNARY if isinstance(node, ast.UnaryOp) else _BOOLEAN)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            _check_operator(node, op, _COMPARE)
    elif isinstance(node, ast.Dict) and None in node.keys:
        raise _refuse(node, "dict unpacking (**) is not allowed")
    elif isinstance(node, ast.FormattedValue):
        _check_format_spec(node)
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            _check_target(target)
    elif isinstance(node, ast.Expr) and not isinstance(node.value, ast.Call):
        raise _refuse(node, "only function calls may be used as statements")


def _visit(node: ast.AST, allowed: frozenset[type], depth: int = 1) -> None:
    if depth > MAX_DEPTH:
        raise _refuse(node, f"source is nested too deeply (more than {MAX_DEPTH} levels)")
    if type(node) not in allowed:
        what = _REFUSALS.get(type(node).__name__, f"{type(node).__name__} is")
        raise _refuse(node, f"{what} not allowed")
    _check_node(node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # The method name is checked above; only its receiver is visited.
        children = [node.func.value, *node.args, *node.keywords]
    else:
        children = [c for c in ast.iter_child_nodes(node) if not isinstance(c, _NOT_VISITED)]
    for child in children:
        _visit(child, allowed, depth + 1)


@functools.lru_cache(maxsize=1024)
def _compile(source: str, mode: str) -> ast.AST:
    """Parse and validate once per distinct (source, mode); the AST is never mutated."""
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(f"source is longer than {MAX_SOURCE_LENGTH} characters")
    # Conditions and scripts embedded in BPMN XML are often indented.
    text = source.strip() if mode == "eval" else textwrap.dedent(source)
    if mode == "eval" and not text:
        raise ExpressionError("expression is empty")
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        raise ExpressionError(f"invalid syntax: {exc.msg} (line {exc.lineno})") from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise ExpressionError(f"source could not be parsed: {exc}") from None
    _visit(tree, _SCRIPT_NODES if mode == "exec" else _EXPRESSION_NODES)
    return tree


def _parse(source: str, mode: str) -> ast.AST:
    if not isinstance(source, str):
        raise ExpressionError(f"source must be a string, not {type(source).__name__}")
    if mode not in ("eval", "exec"):
        raise ValueError(f"mode must be 'eval' or 'exec', not {mode!r}")
    return _compile(source, mode)


# --------------------------------------------------------------- interpreter

class _Interpreter:
    """Tree-walking interpreter for ASTs that passed validation."""

    def __init__(self, context: Any, functions: Functions | None, time_limit: float | None):
        self.context = context
        self.functions = functions or {}
        self.time_limit = expression_limits.TIME_LIMIT if time_limit is None else time_limit
        self.deadline = time.monotonic() + self.time_limit
        self.stored = 0  # real size of everything the run assigned

    def tick(self) -> None:
        """Between operations: each is bounded by the sizes, the clock bounds how many run."""
        if time.monotonic() > self.deadline:
            raise ExpressionError(f"stopped: ran longer than the {self.time_limit:g} s limit")

    def keep(self, value: Any) -> None:
        """Count what an assignment stores: all of a run's assignments together stay bounded."""
        self.stored += check_real_size(value, MAX_REAL_SIZE - self.stored)

    def lookup(self, name: str) -> Any:
        for namespace in (self.context, self.functions, _SAFE_BUILTINS):
            if name in namespace:
                return namespace[name]
        raise ExpressionError(f"name '{name}' is not defined")

    def function(self, name: str) -> Callable[..., Any]:
        # Values from task data are never called: only registered functions and builtins.
        for namespace in (self.functions, _SAFE_BUILTINS):
            if name in namespace:
                return namespace[name]
        raise ExpressionError(
            f"function '{name}' is not allowed (not a registered function or safe builtin)"
        )

    def expr(self, node: ast.AST) -> Any:
        kind = type(node)
        if kind is ast.Constant:
            return node.value
        if kind is ast.Name:
            return self.lookup(node.id)
        if kind in _DISPLAYS:
            built = _DISPLAYS[kind](self.expr(element) for element in node.elts)
            check_real_size(built)  # [a, a] doubles a's size
            return built
        if kind is ast.Subscript:
            return self.expr(node.value)[self.expr(node.slice)]
        if kind is ast.Slice:
            parts = (node.lower, node.upper, node.step)
            return slice(*(None if part is None else self.expr(part) for part in parts))
        if kind is ast.UnaryOp:
            return _UNARY[type(node.op)](self.expr(node.operand))
        if kind is ast.BinOp:
            left = self.expr(node.left)
            result = _apply_binop(node.op, left, self.expr(node.right))
            self.tick()
            return result
        if kind is ast.IfExp:
            return self.expr(node.body) if self.expr(node.test) else self.expr(node.orelse)
        method = getattr(self, f"_eval_{kind.__name__}", None)
        if method is None:  # unreachable after validation; kept as a safety net
            raise ExpressionError(f"{kind.__name__} is not allowed")
        return method(node)

    def _eval_Dict(self, node: ast.Dict) -> dict[Any, Any]:
        result = {}
        for key, value in zip(node.keys, node.values, strict=True):
            result[self.expr(key)] = self.expr(value)
        check_real_size(result)
        return result

    def _eval_BoolOp(self, node: ast.BoolOp) -> Any:
        # Real short-circuiting: later operands are only evaluated when needed.
        is_and = isinstance(node.op, ast.And)
        for operand in node.values[:-1]:
            value = self.expr(operand)
            if (not value) if is_and else value:
                return value
        return self.expr(node.values[-1])

    def _eval_Compare(self, node: ast.Compare) -> Any:
        left, result = self.expr(node.left), True
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.expr(comparator)
            result = _COMPARE[type(op)](left, right)
            self.tick()
            if not result:  # a < b < c stops at the first false link
                return result
            left = right
        return result

    def _eval_Call(self, node: ast.Call) -> Any:
        # Resolve the callee before the arguments, as Python does, so a refused
        # call runs nothing.
        if isinstance(node.func, ast.Attribute):
            func = _bound_method(self.expr(node.func.value), node.func.attr)
        else:
            func = self.function(node.func.id)
        args = [self.expr(argument) for argument in node.args]
        kwargs = {keyword.arg: self.expr(keyword.value) for keyword in node.keywords}
        result = func(*args, **kwargs)
        self.tick()
        return result

    def _eval_JoinedStr(self, node: ast.JoinedStr) -> str:
        parts, length = [], 0
        for part in node.values:
            parts.append(self.expr(part))
            length += len(parts[-1])
            if length > MAX_SEQUENCE_LENGTH:
                raise ExpressionError(_TOO_LONG)
        return "".join(parts)

    def _eval_FormattedValue(self, node: ast.FormattedValue) -> str:
        value = self.expr(node.value)
        _check_render_size(value)
        if node.conversion in _CONVERSIONS:
            value = _CONVERSIONS[node.conversion](value)
        spec = node.format_spec
        return format(value, "" if spec is None else "".join(p.value for p in spec.values))

    def run(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.tick()
            if isinstance(statement, ast.Assign):
                value = self.expr(statement.value)
                for target in statement.targets:
                    self.store(target, value)
            elif isinstance(statement, ast.AugAssign):
                self.augmented_assign(statement)
            elif isinstance(statement, ast.If):
                self.run(statement.body if self.expr(statement.test) else statement.orelse)
            elif isinstance(statement, ast.Expr):
                self.expr(statement.value)
            # ast.Pass: nothing to do.

    def store(self, target: ast.expr, value: Any) -> None:
        self.keep(value)
        if isinstance(target, ast.Name):
            self.context[target.id] = value
        else:
            _set_item(self.expr(target.value), self.expr(target.slice), value)

    def augmented_assign(self, statement: ast.AugAssign) -> None:
        target, op = statement.target, statement.op
        if isinstance(target, ast.Name):
            current = self.lookup(target.id)
            value = self.expr(statement.value)
            self.context[target.id] = self.kept(_apply_binop(op, current, value, inplace=True))
            return
        # The container and key are evaluated once, as Python does.
        container, key = self.expr(target.value), self.expr(target.slice)
        value = self.expr(statement.value)
        _set_item(container, key, self.kept(_apply_binop(op, container[key], value, inplace=True)))

    def kept(self, value: Any) -> Any:
        self.keep(value)
        return value


def _guarded(action: Callable[[Any], Any], argument: Any) -> Any:
    """Report every run-time failure as an ExpressionError (the original is its __cause__)."""
    try:
        return action(argument)
    except ExpressionError:
        raise
    except Exception as exc:
        raise ExpressionError(f"evaluation failed: {type(exc).__name__}: {exc}") from exc


# ---------------------------------------------------------------- public API

def validate(source: str, mode: str = "eval") -> None:
    """Raise ExpressionError if `source` ("eval": one expression, "exec": a script)
    contains anything not allowed. Nothing is evaluated."""
    _parse(source, mode)


def evaluate(
    expression: str, context: Mapping[str, Any], functions: Functions | None = None,
    *, time_limit: float | None = None,
) -> Any:
    """Evaluate one expression.

    Names are looked up in `context`, then `functions`, then the safe builtins;
    only `functions` and the safe builtins may be called. It is stopped after
    `time_limit` seconds (default ``expression_limits.TIME_LIMIT``).
    """
    tree = _parse(expression, "eval")
    return _guarded(_Interpreter(context, functions, time_limit).expr, tree.body)


def execute(
    script: str, context: dict[str, Any], functions: Functions | None = None,
    *, time_limit: float | None = None,
) -> None:
    """Run a script of simple statements; assignments write into `context` in place.

    The whole script is validated before anything runs, so a refused script
    changes nothing. A run-time failure (a size limit, the time limit, a
    KeyError, ...) stops the script; assignments made before it remain (each
    within the size limits).
    """
    tree = _parse(script, "exec")
    _guarded(_Interpreter(context, functions, time_limit).run, tree.body)
