"""Scenario tests of the processes (``workflows/scenarios/<process>/*.yaml``), run against a draft
with the real engine, services and forms in a sandbox database: see docs/bpmn-conventions.md,
"场景测试"."""
from forms.scenarios.format import Scenario, Step
from forms.scenarios.runner import Result, StepResult, load, problems_of_text, run, run_all, run_texts
from forms.scenarios.sandbox import Sandbox

__all__ = ["Result", "Sandbox", "Scenario", "Step", "StepResult", "load", "problems_of_text", "run", "run_all",
           "run_texts"]
