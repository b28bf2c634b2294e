"""The script engine the workflows run with: no eval, no exec.

Gateway conditions, timer expressions, multi-instance expressions, service-task
parameters and script tasks go through ``engine.expressions`` (an AST
allow-list with size and time limits). SpiffWorkflow also hands some
expressions straight to the engine's *environment* (message correlation
retrieval expressions, ad-hoc sub-process completion conditions), so the
environment itself is replaced: ``SafeEnvironment`` evaluates with the same
evaluator, and ``install()`` makes it the default of every ``PythonScriptEngine``
(a workflow restored without an engine included). Service tasks call platform
functions registered in ``engine.services`` by name.
"""
from __future__ import annotations

import json

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, python_engine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import WorkflowException

from engine import expression_limits, expressions
from engine.services import ServiceContext, registry
from storage.db import savepoints_kept_open


class ExpressionFailure(WorkflowException):
    """An expression SpiffWorkflow evaluated without a task (a correlation, a completion condition)
    was refused or failed; the runtime turns it into the instance's error like any failing step."""


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow's script environment, through the safe evaluator only."""

    def __init__(self, time_limit: float | None = None):
        super().__init__()
        self.time_limit = time_limit
        self.evaluations = 0

    def _count(self) -> None:
        self.evaluations += 1
        if self.evaluations > expression_limits.MAX_EVALUATIONS:
            raise ExpressionFailure(f"stopped: more than {expression_limits.MAX_EVALUATIONS} evaluations in one "
                                    "engine run (a loop with no wait state?)")

    def evaluate(self, expression, context, external_context=None):
        self._count()
        names = {**context, **external_context} if external_context else context
        try:
            return expressions.evaluate(expression, names, time_limit=self.time_limit)
        except expressions.ExpressionError as exc:
            raise ExpressionFailure(f"Error evaluating expression '{_quoted(expression)}': {exc}") from exc

    def execute(self, script, context, external_context=None):
        # Scripts read and write task data only (external_context, the data objects, is not theirs).
        self._count()
        try:
            expressions.execute(script, context, time_limit=self.time_limit)
        except expressions.ExpressionError as exc:
            raise ExpressionFailure(f"Script refused: {exc}") from exc
        return True

    def call_service(self, context, **kwargs):
        raise ExpressionFailure("services are called through the platform's script engine only")


def _quoted(expression: str) -> str:
    """The expression as the failure quotes it: short enough to leave room for the reason."""
    text = str(expression)
    return text if len(text) <= 200 else text[:200] + "…"


class SafeScriptEngine(PythonScriptEngine):
    def __init__(self, context: ServiceContext | None = None, time_limit: float | None = None):
        super().__init__(environment=SafeEnvironment(time_limit))
        self.context = context

    def validate(self, expression):
        expressions.validate(expression, "eval")

    def evaluate(self, task, expression, external_context=None):
        try:
            result = self.environment.evaluate(expression, task.data, external_context)
        except ExpressionFailure as exc:
            raise WorkflowTaskException(str(exc), task=task, exception=exc.__cause__) from exc
        if expression == getattr(task.task_spec, "cardinality", None) and isinstance(result, int) \
                and result > expression_limits.MAX_INSTANCES:
            raise WorkflowTaskException(f"multi-instance cardinality {result} is over the limit of "
                                        f"{expression_limits.MAX_INSTANCES}", task=task)
        return result

    def execute(self, task, script, external_context=None):
        try:
            return self.environment.execute(script, task.data, external_context)
        except ExpressionFailure as exc:
            raise WorkflowTaskException(str(exc), task=task, exception=exc.__cause__) from exc

    def call_service(self, task, operation_name=None, operation_params=None, **_kwargs):
        function = registry.get(operation_name)
        if function is None:
            raise WorkflowTaskException(f"unknown service '{operation_name}'", task=task)
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        if self.context is None:
            raise WorkflowTaskException("no service context for this engine run", task=task)
        # A savepoint per call: a failing service leaves none of its rows behind, while what the
        # request wrote before it (the user's submission, earlier services) stays (runtime.run_engine).
        # On PostgreSQL kept open when the call succeeds: the COMMIT releases it (no RELEASE round trip).
        with savepoints_kept_open(), self.context.session.begin_nested():
            result = function(self.context, task, **params)
        return json.dumps(result if result is not None else {})


def install() -> None:
    """Every ``PythonScriptEngine`` built without an environment gets the safe one, not
    SpiffWorkflow's ``TaskDataEnvironment`` (plain eval/exec)."""
    python_engine.TaskDataEnvironment = SafeEnvironment
