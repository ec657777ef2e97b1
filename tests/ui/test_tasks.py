"""Background jobs for the GUI: results come back on the GUI thread, and a job that outlives its
window (a stop still draining when the app shuts down) ends quietly instead of raising."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from app.ui.tasks import TaskRunner


def test_the_result_comes_back_on_the_gui_thread(qtbot: QtBot) -> None:
    owner = QObject()
    tasks = TaskRunner(owner)
    got: list[tuple[Any, bool]] = []

    def done(result: Any) -> None:
        got.append((result, threading.current_thread() is threading.main_thread()))

    tasks.submit(lambda: 6 * 7, on_done=done)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == [(42, True)]
    assert tasks.wait_all()


def test_a_job_that_outlives_its_window_ends_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    raised: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))
    owner = QObject()
    tasks = TaskRunner(owner)
    release = threading.Event()
    thread = tasks.submit(lambda: release.wait(10), on_done=lambda _r: None, name="slow-stop")
    shiboken6.delete(owner)  # the window and its task runner are gone
    release.set()
    thread.join(10)
    assert not thread.is_alive() and raised == []
