"""Engine layer: the SpiffWorkflow adapter and the domain services it runs.

Imports storage only; never Flask, forms or webapp.
"""
from engine import guards as _guards

_guards.install()
