"""scripts/system-deps.sh, the first step of `make run` and `make test`."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system-deps.sh"
BASH = shutil.which("bash")


def run_script(mode: str, path: str | None = None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "DUIBIAO_CERTIFICATE_FONT"}
    if path is not None:
        env["PATH"] = path
    return subprocess.run([BASH, str(SCRIPT), mode], capture_output=True, text=True, env=env, timeout=30)


@pytest.fixture
def path_without_chromium_or_apt(tmp_path):
    """A PATH holding only `id`: no chromium, no apt-get, no sudo."""
    (tmp_path / "id").symlink_to(shutil.which("id"))
    return str(tmp_path)


def test_is_a_silent_no_op_when_everything_is_installed():
    if shutil.which("chromium") is None or not Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc").is_file():
        pytest.skip("this machine lacks the packages; `make test` would have installed them")
    result = run_script("test")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_package_test_needs_and_cannot_install_stops_make_test(path_without_chromium_or_apt):
    result = run_script("test", path_without_chromium_or_apt)
    assert result.returncode == 1
    assert "could not install: " in result.stderr and "chromium" in result.stderr
    assert "apt-get not found" in result.stderr
    assert "apt-get install -y" in result.stderr  # what to run by hand
    assert "stopping" in result.stderr


def test_make_run_does_not_need_chromium(path_without_chromium_or_apt):
    if not Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc").is_file():
        pytest.skip("this machine lacks the certificate font")
    result = run_script("run", path_without_chromium_or_apt)
    assert (result.returncode, result.stderr) == (0, "")


def test_an_unknown_mode_is_refused():
    result = run_script("deploy")
    assert result.returncode == 2 and "usage:" in result.stderr
