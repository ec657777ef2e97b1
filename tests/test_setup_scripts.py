"""The set-up scripts' decisions, run for real in bash with stand-in system tools.

apt-get, sudo, id and the venv's programs are replaced by small scripts that log how they were
called, so the tests see exactly what a user's machine would be asked to do without installing
anything. The real dpkg-query answers "what is installed" where the test needs the truth.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SETUP = REPO_ROOT / "scripts" / "setup.sh"
BASH = shutil.which("bash") or "/bin/bash"
# Real tools the scripts need besides bash builtins.
REAL_TOOLS = ("bash", "dirname", "awk", "grep", "env", "cat", "touch")


def make_tool(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!{BASH}\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


def logging_tool(bin_dir: Path, name: str, log: Path, then: str = "exit 0") -> None:
    make_tool(bin_dir, name, f'echo "{name} $*" >> "{log}"\n{then}')


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[Path, Path]:
    """A bin folder holding only the real tools the scripts need, plus an empty call log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in REAL_TOOLS:
        real = shutil.which(tool)
        assert real, f"{tool} missing on this machine"
        (bin_dir / tool).symlink_to(real)
    log = tmp_path / "calls.log"
    log.touch()
    return bin_dir, log


def bash(script: str, path: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {"HOME": os.environ.get("HOME", "/tmp"), "PATH": path, **env}
    return subprocess.run(
        [BASH, "-c", f'set -euo pipefail; source "{SETUP}"; {script}'],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_apt_get_the_run_command_lists_the_packages_and_stops(
    sandbox: tuple[Path, Path],
) -> None:
    bin_dir, _ = sandbox
    done = subprocess.run(
        [str(REPO_ROOT / "scripts" / "run"), "--version"],
        env={"HOME": os.environ.get("HOME", "/tmp"), "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "no apt-get" in done.stderr
    assert "tesseract-ocr" in done.stderr and "libportaudio2" in done.stderr
    assert "brew install tesseract portaudio" in done.stderr
    assert "winget install UB-Mannheim.TesseractOCR" in done.stderr


def test_non_root_installs_missing_packages_with_sudo(sandbox: tuple[Path, Path]) -> None:
    bin_dir, log = sandbox
    make_tool(bin_dir, "id", "echo 1000")
    make_tool(bin_dir, "dpkg-query", "exit 1")  # nothing installed
    logging_tool(bin_dir, "sudo", log, then='exec "$@"')
    logging_tool(bin_dir, "apt-get", log)
    done = bash("ensure_system_packages tesseract-ocr libportaudio2", str(bin_dir))
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq"
    assert calls[-1] == (
        "apt-get install -y -qq --no-install-recommends tesseract-ocr libportaudio2"
    )
    assert "installing system packages: tesseract-ocr libportaudio2" in done.stderr


def test_root_installs_without_sudo(sandbox: tuple[Path, Path]) -> None:
    bin_dir, log = sandbox
    make_tool(bin_dir, "id", "echo 0")
    make_tool(bin_dir, "dpkg-query", "exit 1")
    logging_tool(bin_dir, "sudo", log)
    logging_tool(bin_dir, "apt-get", log)
    done = bash("ensure_system_packages xvfb", str(bin_dir))
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert not any(c.startswith("sudo") for c in calls)
    assert calls == ["apt-get update -qq", "apt-get install -y -qq --no-install-recommends xvfb"]


def test_non_root_without_sudo_says_how_to_install(sandbox: tuple[Path, Path]) -> None:
    bin_dir, log = sandbox
    make_tool(bin_dir, "id", "echo 1000")
    make_tool(bin_dir, "dpkg-query", "exit 1")
    logging_tool(bin_dir, "apt-get", log)
    done = bash("ensure_system_packages tesseract-ocr", str(bin_dir))
    assert done.returncode == 1
    assert "sudo is not installed" in done.stderr
    assert "apt-get install tesseract-ocr" in done.stderr
    assert log.read_text() == ""


def test_a_failing_apt_get_stops_with_a_message(sandbox: tuple[Path, Path]) -> None:
    bin_dir, _ = sandbox
    make_tool(bin_dir, "id", "echo 0")
    make_tool(bin_dir, "dpkg-query", "exit 1")
    make_tool(bin_dir, "apt-get", 'case "$1" in update) exit 0;; *) exit 100;; esac')
    done = bash("ensure_system_packages tesseract-ocr", str(bin_dir))
    assert done.returncode == 1
    assert "could not install: tesseract-ocr" in done.stderr


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="not a Debian system")
def test_second_run_installs_nothing_and_is_fast(sandbox: tuple[Path, Path]) -> None:
    """On a set-up machine every package is present: apt-get is never called."""
    bin_dir, log = sandbox
    logging_tool(bin_dir, "apt-get", log)
    logging_tool(bin_dir, "sudo", log)
    path = f"{bin_dir}:{os.environ['PATH']}"
    started = time.monotonic()
    done = bash('ensure_system_packages "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"', path)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert log.read_text() == "", "apt-get was called although everything is installed"
    assert elapsed < 5


def fake_venv(root: Path, log: Path, pytest_exit: int = 0) -> Path:
    venv = root / "venv"
    bin_dir = venv / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("python", "ruff", "mypy"):
        logging_tool(bin_dir, tool, log)
    logging_tool(bin_dir, "pytest", log, then=f"exit {pytest_exit}")
    return venv


def test_current_venv_is_reused_without_pip(tmp_path: Path, sandbox: tuple[Path, Path]) -> None:
    bin_dir, log = sandbox
    venv = fake_venv(tmp_path, log)
    (venv / ".mockcoach-installed-test,build").touch()
    done = bash('ensure_venv "test,build"; ensure_venv ""', str(bin_dir), MOCKCOACH_VENV=str(venv))
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls == ["python -c ", "python -c "], "only the liveness check, no pip"


def test_stale_venv_is_reinstalled(tmp_path: Path, sandbox: tuple[Path, Path]) -> None:
    bin_dir, log = sandbox
    venv = fake_venv(tmp_path, log)
    stamp = venv / ".mockcoach-installed-test,build"
    stamp.touch()
    old = (REPO_ROOT / "pyproject.toml").stat().st_mtime - 3600
    os.utime(stamp, (old, old))
    done = bash('ensure_venv "test,build"', str(bin_dir), MOCKCOACH_VENV=str(venv))
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert f"python -m pip install -q -e {REPO_ROOT}[test,build]" in calls
    assert stamp.stat().st_mtime > old + 60


@pytest.mark.parametrize(("pytest_exit", "ci_exit"), [(0, 0), (1, 1), (5, 1)])
def test_ci_never_reports_no_tests_as_success(
    tmp_path: Path, sandbox: tuple[Path, Path], pytest_exit: int, ci_exit: int
) -> None:
    """`.ci/run` -> scripts/test -> ruff, mypy, pytest; pytest's exit 5 must fail CI."""
    bin_dir, log = sandbox
    logging_tool(bin_dir, "apt-get", log)
    make_tool(bin_dir, "dpkg-query", "exit 1")  # "nothing installed": apt-get (fake) is asked
    make_tool(bin_dir, "id", "echo 0")
    venv = fake_venv(tmp_path, log, pytest_exit=pytest_exit)
    (venv / ".mockcoach-installed-test,build").touch()
    done = subprocess.run(
        [str(REPO_ROOT / ".ci" / "run")],
        env={"HOME": str(tmp_path), "PATH": str(bin_dir), "MOCKCOACH_VENV": str(venv)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == ci_exit, done.stderr
    tools = [line.split()[0] for line in log.read_text().splitlines()]
    assert tools[-3:] == ["ruff", "mypy", "pytest"]
    if pytest_exit == 5:
        assert "collected no tests" in done.stderr
