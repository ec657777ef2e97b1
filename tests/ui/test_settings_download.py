"""Settings → Download: progress, and cancel only when the user asks.

The network is never reached in tests, so ``audio.model.download_model`` is replaced by a stand-in
that reports progress and honours ``cancel()`` the way the real one's contract says; the dialog's
own behaviour (buttons, bar, messages, worker thread) is what is under test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.settings import Settings
from app.ui.application import load_frameworks
from app.ui.settings_dialog import SettingsDialog


def test_download_shows_progress_and_cancels_only_on_request(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audio.model import DownloadCancelled

    started = threading.Event()
    calls: list[str] = []

    def fake_download(name: str, progress: Callable[[int, int], None] | None = None,
                      cancel: Callable[[], bool] | None = None, **_: Any) -> Any:
        calls.append(name)
        started.set()
        total = 75 * 1024 * 1024
        for step in range(10_000):
            if cancel is not None and cancel():
                raise DownloadCancelled(f"The download of {name} was cancelled.")
            if progress is not None:
                progress(min(total, step * 1024 * 1024), total)
            time.sleep(0.01)
        raise AssertionError("never cancelled")

    monkeypatch.setattr("audio.model.download_model", fake_download)
    frameworks, _ = load_frameworks()
    dialog = SettingsDialog(Settings(tmp_path / "settings.ini"), frameworks)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.model.setCurrentText("base.en-not-here")
    assert not calls  # choosing a model downloads nothing
    assert dialog.download.isEnabled()
    dialog.download.click()
    assert started.wait(5)
    qtbot.waitUntil(lambda: dialog.progress.isVisible() and dialog.progress.maximum() > 0,
                    timeout=5000)
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=5000)
    assert "MB" in dialog.progress.format() and dialog.cancel_download.isVisible()
    qtbot.wait(200)
    assert dialog.tasks.busy  # still downloading: nothing cancels it but the user
    dialog.cancel_download.click()
    qtbot.waitUntil(lambda: not dialog.tasks.busy and dialog.download.isVisible(), timeout=5000)
    assert "cancelled" in dialog.model_state.text()
    assert dialog.progress.isHidden() and dialog.cancel_download.isHidden()
    assert calls == ["base.en-not-here"]
    dialog.reject()
