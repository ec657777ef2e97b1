"""Shared fixtures. Every test gets its own data directory and never touches the network."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = REPO_ROOT / "tests" / "data"
SHARED_DATA = Path(os.environ.get("MOCKCOACH_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"

IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1")


def missing_service(reason: str) -> NoReturn:
    """A system service an integration test needs (Xvfb, PulseAudio) is missing or did not start.

    On a developer's machine that is a skip with the reason; in CI (``CI=true``), where
    ``scripts/test`` installs every service, it is a failure: a skipped integration test there
    would let the real PortAudio and X paths go untested without anyone noticing."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: integration tests must run)", pytrace=False)
    pytest.skip(reason)


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
        missing_service("Xvfb is not installed (scripts/test installs it)")
    # -displayfd: Xvfb picks a free display number itself (atomic with its lock file, so test
    # runs started at the same time never share a screen) and writes it here once it accepts
    # clients. -noreset: by default X resets when its last client leaves, and a grab that
    # connects during the reset fails ("connection lost"); each mss grab is a new client.
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1920x1080x24", "-nolisten", "tcp",
         "-noreset"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write_fd)
    # Read up to the newline, and keep our end open: Xvfb writes the number and the newline
    # separately and dies ("Cannot write display number") if the pipe is closed in between.
    answer = b""
    while not answer.endswith(b"\n") and select.select([read_fd], [], [], 10)[0]:
        chunk = os.read(read_fd, 32)
        if not chunk:
            break
        answer += chunk
    number = answer.decode().strip()
    if not number.isdigit():
        proc.kill()
        proc.wait(timeout=10)
        os.close(read_fd)
        pytest.fail("Xvfb did not start within 10 s")
    display = f":{number}"
    try:
        yield display
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        os.close(read_fd)
