"""Shared fixtures. Every test gets its own data directory and never touches the network."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = REPO_ROOT / "tests" / "data"
SHARED_DATA = Path(os.environ.get("MOCKCOACH_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point MOCKCOACH_HOME at a fresh folder so tests never see a real user's sessions."""
    home = tmp_path / "mockcoach-home"
    monkeypatch.setenv("MOCKCOACH_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``, read in place; tests that need it skip (with a reason) without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A real X screen (Xvfb, 1920x1080x24) for tests that grab pixels with mss.

    Yields the DISPLAY value; tests set it (and QT_QPA_PLATFORM=xcb) themselves where needed.
    """
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (scripts/test installs it)")
    for number in range(90, 140):
        socket, lock = Path(f"/tmp/.X11-unix/X{number}"), Path(f"/tmp/.X{number}-lock")
        if not socket.exists() and not lock.exists():
            break
    display = f":{number}"
    proc = subprocess.Popen(
        # -noreset: by default X resets when its last client leaves, and a grab that connects
        # during the reset fails ("connection lost"); each mss grab is a new client.
        ["Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp", "-noreset"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Xvfb did not start on {display}")
        time.sleep(0.05)
    try:
        yield display
    finally:
        proc.terminate()
        proc.wait(timeout=10)
