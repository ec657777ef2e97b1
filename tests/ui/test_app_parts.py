"""Recovery offer, settings dialog, microphone states, theme: the app's smaller parts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from app.settings import Key, Settings
from app.store import Segment as StoredSegment
from app.store import SessionStore
from app.ui.application import Application, load_frameworks, load_library
from app.ui.launch import NoDisplayError, check_display
from app.ui.mic_panel import Device, MicPanel, describe_audio_error
from app.ui.settings_dialog import SettingsDialog
from app.ui.theme import apply_theme, is_dark
from audio.errors import DeviceLost, NoMicrophone
from tests.ui.conftest import no_devices


def test_start_after_a_crash_offers_recovery(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    crashed = store.create_session(title="Design Dropbox", framework="system-design")
    store.add_segments(crashed.id, [StoredSegment(0.0, 3.0, "Let me clarify the requirements"),
                                    StoredSegment(3.5, 6.0, "who are the users")])
    app = Application(qapp, settings=Settings(tmp_path / "settings.ini"), store=store,
                      device_lister=no_devices)
    app.show()
    qtbot.waitUntil(lambda: "did not close properly" in app.live.banner.text(), timeout=60_000)
    assert "Design Dropbox" in app.live.banner.text()
    button = app.live.banner.findChild(QPushButton, "recoverButton")
    assert button is not None
    button.click()
    qtbot.waitUntil(lambda: store.get_session(crashed.id).status == "recovered", timeout=60_000)
    qtbot.waitUntil(lambda: app.review is not None and app.review.data is not None,
                    timeout=60_000)
    assert app.review.data.session_id == crashed.id
    assert app.review.data.lines[0].text.startswith("Let me clarify the requirements")
    app.review.close()
    app.live.close()
    app.shutdown()


@pytest.mark.slow
def test_a_database_another_program_holds_stops_the_start_instead_of_hiding_the_history(
    qapp: QApplication, tmp_path: Path
) -> None:
    """The app does not start an empty library over sessions another program has locked
    (the store waits 10 s for the lock first): ``run_app`` shows the message and exits."""
    from app.store import DatabaseBusy
    from tests.app.test_store_locks import Holder

    with SessionStore() as store:  # MOCKCOACH_HOME's database, the one the app opens
        store.create_session(title="my history")
        path = store.path
    holder = Holder(path, "exclusive")
    try:
        with pytest.raises(DatabaseBusy):
            Application(qapp, settings=Settings(tmp_path / "settings.ini"),
                        device_lister=no_devices, offer_recovery=False)
        assert not [p for p in path.parent.iterdir() if "corrupt" in p.name]
    finally:
        holder.release()
    with SessionStore() as store:
        assert [s.title for s in store.list_sessions()] == ["my history"]


def test_settings_dialog_saves_every_setting(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings(tmp_path / "settings.ini")
    frameworks, _ = load_frameworks()
    dialog = SettingsDialog(settings, frameworks)
    qtbot.addWidget(dialog)
    assert dialog.model.currentText() == "tiny.en"
    assert "Bundled" in dialog.model_state.text()  # works offline, nothing to download
    assert not dialog.download.isEnabled()
    dialog.model.setCurrentText("no-such-model")
    assert dialog.download.isEnabled()  # other models only on request
    dialog.model.setCurrentText("tiny.en")
    dialog.length.setCurrentIndex(dialog.length.findData(60))
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.monitor.setValue(2)
    dialog.data_folder.setText(str(tmp_path / "elsewhere"))
    dialog.accept()
    again = Settings(tmp_path / "settings.ini")
    assert again.round_length_min == 60
    assert again.theme == "dark"
    assert again.get_int(Key.CAPTURE_MONITOR) == 2
    assert again.data_folder == tmp_path / "elsewhere"
    assert again.get_str(Key.CAPTURE_SHORTCUT) == "Ctrl+Shift+C"


def test_microphone_states_are_explained(qtbot: QtBot) -> None:
    panel = MicPanel(device_lister=no_devices)
    qtbot.addWidget(panel)
    panel.refresh()
    assert not panel.has_devices()
    assert "No microphone found" in panel.status_text()
    assert not panel._test.isEnabled()
    panel = MicPanel(device_lister=lambda: ([Device("", "System default"),
                                             Device("USB", "USB mic")], None))
    qtbot.addWidget(panel)
    panel.refresh("USB")
    assert panel.device() == "USB" and panel._test.isEnabled()
    assert "privacy settings" in describe_audio_error(
        NoMicrophone("Error opening InputStream: Permission denied"))
    assert "USB mic" in describe_audio_error(DeviceLost("The input device 'USB mic' is gone."))


def test_dark_and_light_themes(qapp: QApplication) -> None:
    apply_theme(qapp, "dark")
    assert is_dark()
    apply_theme(qapp, "light")
    assert not is_dark()


def test_library_and_frameworks_load() -> None:
    frameworks, errors = load_frameworks()
    assert "system-design" in frameworks and not errors
    library, problems = load_library()
    assert library and not problems
    assert all(entry.prompt.requirements for entry in library)


def test_a_damaged_database_is_set_aside_and_reported(
    qtbot: QtBot, qapp: QApplication, private_home: Path
) -> None:
    from app.store.store import DB_FILENAME

    private_home.mkdir(parents=True, exist_ok=True)
    (private_home / DB_FILENAME).write_bytes(b"this is not sqlite" * 100)
    app = Application(qapp, settings=Settings(private_home / "settings.ini"),
                      device_lister=no_devices, offer_recovery=False)
    app.show()
    assert "damaged" in app.live.banner.text()
    backups = [p for p in private_home.iterdir() if p.name.startswith(DB_FILENAME) and
               p.name != DB_FILENAME and "corrupt" in p.name]
    assert backups and backups[0].read_bytes().startswith(b"this is not sqlite")
    assert app.store.list_sessions() == []  # a fresh, working database: the CLI's own file
    assert app.store.path == private_home / DB_FILENAME
    app.live.close()
    app.shutdown()


def test_a_display_without_an_x_server_is_refused_with_advice(
    monkeypatch: pytest.MonkeyPatch, xvfb_display: str
) -> None:
    """Qt aborts the whole process when DISPLAY points nowhere; the launcher says why instead."""
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":4321")
    with pytest.raises(NoDisplayError, match="xvfb-run"):
        check_display()
    monkeypatch.setenv("DISPLAY", xvfb_display)
    check_display()  # a live Xvfb passes
    monkeypatch.delenv("DISPLAY")
    with pytest.raises(NoDisplayError, match="DISPLAY and WAYLAND_DISPLAY are unset"):
        check_display()


def test_a_first_start_offers_the_default_system_design_framework(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "s.db", tmp_path / "sessions")
    app = Application(qapp, settings=Settings(tmp_path / "settings.ini"), store=store,
                      device_lister=no_devices)
    assert app.live.framework_combo.currentData() == "system-design"
    app.live.close()
    app.shutdown()
