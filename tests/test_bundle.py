"""Build the PyInstaller bundle from build.spec and prove it works on its own.

Slow (a minute or two on 2 cores, more with a cold PyInstaller cache): it runs in CI; skip it
locally with MOCKCOACH_SKIP_BUNDLE=1. The bundle is built into a temporary folder and started
from another working directory with a minimal environment, so nothing can come from the
source checkout or the venv.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("MOCKCOACH_SKIP_BUNDLE") == "1", reason="MOCKCOACH_SKIP_BUNDLE=1"
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("PyInstaller") is None,
        reason="PyInstaller is not installed (pip install -e '.[build]')",
    ),
]

BUILD_TIMEOUT_S = 900
UNWANTED = ("QtWebEngine", "QtQml", "QtQuick", "Qt3D", "QtMultimedia", "tkinter", "matplotlib")


def bundle_env(home: Path) -> dict[str, str]:
    """What a user's shell would give the app: no venv, no PYTHONPATH, no display."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home.parent),
        "LANG": "C.UTF-8",
        "MOCKCOACH_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
    }


def dir_size_mb(path: Path) -> float:
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_symlink()) / 1e6


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pyinstaller")
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            str(REPO_ROOT / "build.spec"),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    folder = work / "dist" / "mockcoach"
    print(f"bundle built in {time.monotonic() - started:.0f} s, {dir_size_mb(folder):.0f} MB")
    return folder


def test_bundle_self_test_passes(bundle: Path, tmp_path: Path) -> None:
    exe = bundle / ("mockcoach.exe" if sys.platform == "win32" else "mockcoach")
    assert exe.is_file()
    done = subprocess.run(
        [str(exe), "--self-test"],
        cwd=tmp_path,
        env=bundle_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "self-test (bundle)" in done.stdout
    assert "self-test passed (4/4 steps" in done.stdout
    # The model and the media came from inside the bundle, not from the checkout or the venv.
    assert str(bundle) in done.stdout
    assert str(REPO_ROOT) not in done.stdout


def test_bundle_doctor_reports_every_package(bundle: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(bundle / "mockcoach"), "doctor", "--json"],
        cwd=tmp_path,
        env=bundle_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(done.stdout)
    checks = {c["id"]: c for c in report["checks"]}
    assert done.returncode == 0, json.dumps(report, indent=2)
    assert checks["python"]["details"]["frozen"] is True
    assert all(checks["python"]["details"]["packages"].values())
    assert checks["model"]["status"] == "ok"
    assert checks["qt"]["status"] == "ok"  # offscreen, probed through the bundle's own exe


def test_bundle_leaves_out_unused_qt_and_libraries(bundle: Path) -> None:
    names = [p.name for p in bundle.rglob("*")]
    for unwanted in UNWANTED:
        assert not any(unwanted in n for n in names), unwanted
    assert not any("translations" in p.parts for p in bundle.rglob("*.qm"))
