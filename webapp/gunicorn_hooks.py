"""gunicorn's hooks for `duibiao serve` (loaded with ``--config python:webapp.gunicorn_hooks``)."""
from __future__ import annotations

import gc


def post_worker_init(_worker) -> None:
    """The worker has built the app: what it keeps for its whole life (modules, the catalogues, the
    models, the OpenAPI text …, some 200,000 objects) leaves the garbage collector's generations.
    A full collection then walks what requests made, not all of those: it took 50-130 ms, a stall
    for the requests waiting on that worker (issue 15's p99)."""
    gc.collect()
    gc.freeze()
