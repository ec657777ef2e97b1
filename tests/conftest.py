"""Shared fixtures. Every test gets its own data directory and never touches the network."""

from __future__ import annotations

import os
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
