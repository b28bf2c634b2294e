"""The script engine the workflows run with: no eval, no exec.

Gateway conditions, timer expressions, service-task parameters and script
tasks go through ``engine.expressions`` (an AST allow-list). Service tasks call
platform functions registered in ``engine.services`` by name.
"""
from __future__ import annotations

import json

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from engine import expressions
from engine.services import ServiceContext, registry


class SafeScriptEngine(PythonScriptEngine):
    def __init__(self, context: ServiceContext | None = None):
        super().__init__()
        self.context = context

    def validate(self, expression):
        expressions.validate(expression, "eval")

    def evaluate(self, task, expression, external_context=None):
        names = dict(task.data)
        if external_context:
            names.update(external_context)
        try:
            return expressions.evaluate(expression, names)
        except expressions.ExpressionError as exc:
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {exc}", task=task, exception=exc
            ) from exc

    def execute(self, task, script, external_context=None):
        try:
            expressions.execute(script, task.data)
        except expressions.ExpressionError as exc:
            raise WorkflowTaskException(f"Script refused: {exc}", task=task, exception=exc) from exc
        return True

    def call_service(self, task, operation_name=None, operation_params=None, **_kwargs):
        function = registry.get(operation_name)
        if function is None:
            raise WorkflowTaskException(f"unknown service '{operation_name}'", task=task)
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        if self.context is None:
            raise WorkflowTaskException("no service context for this engine run", task=task)
        # A savepoint per call: a failing service leaves none of its rows behind, while what the
        # request wrote before it (the user's submission, earlier services) stays (runtime.run_engine).
        with self.context.session.begin_nested():
            result = function(self.context, task, **params)
        return json.dumps(result if result is not None else {})
