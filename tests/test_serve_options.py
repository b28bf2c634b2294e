"""`duibiao serve`'s gunicorn command line (the server itself: tests/test_serve.py)."""
from __future__ import annotations

import sys

import pytest

from webapp import cli_server


@pytest.mark.parametrize("cores, workers", [(None, 3), (1, 3), (2, 5), (3, 7), (16, 8)])
def test_workers_follow_the_core_count_capped(monkeypatch, cores, workers):
    monkeypatch.setattr(cli_server.os, "cpu_count", lambda: cores)
    assert cli_server.default_workers() == workers


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_the_command_line():
    argv = cli_server.gunicorn_argv("10.0.0.11", 8080, 4, 90)
    assert argv[:3] == [sys.executable, "-m", "gunicorn"]
    assert option(argv, "--bind") == "10.0.0.11:8080"
    assert (option(argv, "--workers"), option(argv, "--timeout")) == ("4", "90")
    assert option(argv, "--access-logfile") == "-"  # stdout
    assert argv[-1] == "webapp:create_app()"  # each worker builds the app: HUP reloads the code
    assert option(cli_server.gunicorn_argv("::", 8000, 1, 60), "--bind") == "[::]:8000"
    assert option(cli_server.gunicorn_argv("[::1]", 8000, 1, 60), "--bind") == "[::1]:8000"


def test_workers_are_recycled_rarely_and_not_all_at_once():
    """A worker's start costs 1-2 s of CPU: recycled every 2,000 requests it cost ≈ 1 ms a request and
    stalled its clients (issue 15's throughput); recycling stays, so that a leak cannot grow for ever."""
    argv = cli_server.gunicorn_argv("127.0.0.1", 8000, 4, 60)
    assert int(option(argv, "--max-requests")) >= 20_000
    assert int(option(argv, "--max-requests-jitter")) >= int(option(argv, "--max-requests")) // 20


def test_a_worker_freezes_what_the_app_keeps_once_it_is_built():
    """A full garbage collection walks what requests made, not the ~200,000 objects the app keeps."""
    import gc

    from webapp import gunicorn_hooks

    assert option(cli_server.gunicorn_argv("127.0.0.1", 8000, 4, 60), "--config") == "python:webapp.gunicorn_hooks"
    kept = [object() for _ in range(1000)]
    try:
        gunicorn_hooks.post_worker_init(None)
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()
