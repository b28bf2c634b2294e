"""A missing Chromium skips the browser tests on a developer's machine but fails them under CI."""
from __future__ import annotations

import shutil

import pytest

from tests.browser.conftest import chromium_executable


@pytest.fixture
def no_chromium_on_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("DUIBIAO_REQUIRE_BROWSER", raising=False)
    assert shutil.which("chromium") is None


def test_missing_chromium_skips_outside_ci(no_chromium_on_path):
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        chromium_executable()


@pytest.mark.parametrize("variable, value", [("CI", "true"), ("DUIBIAO_REQUIRE_BROWSER", "1")])
def test_missing_chromium_fails_when_the_browser_is_required(no_chromium_on_path, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(pytest.fail.Exception, match="require the browser tests to run"):
        chromium_executable()


def test_chromium_on_path_is_used(tmp_path, monkeypatch):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    assert chromium_executable() == str(fake)
