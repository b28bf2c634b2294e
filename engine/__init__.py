"""Engine layer: the SpiffWorkflow adapter and the domain services it runs.

Imports storage only; never Flask, forms or webapp.
"""
from engine import guards as _guards

_guards.install()

# SpiffWorkflow's default script environment is plain eval/exec: replace it before any engine runs.
from engine import scripting as _scripting  # noqa: E402

_scripting.install()
