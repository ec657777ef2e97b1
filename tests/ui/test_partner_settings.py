"""Settings shows the partner's source (practice with a partner) and says why when there is none."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.settings import Key, Settings
from app.ui.application import load_frameworks
from app.ui.mic_panel import Device, PartnerPanel
from app.ui.settings_dialog import SettingsDialog


def no_loopback() -> tuple[list[Device], str | None]:
    return [], "No loopback source found. Install BlackHole. Practising alone works as before."


def one_monitor() -> tuple[list[Device], str | None]:
    return [Device("speakers.monitor", "speakers.monitor  (default output)")], None


def test_without_a_loopback_the_choice_stays_off_and_says_why(qtbot: QtBot) -> None:
    panel = PartnerPanel(lister=no_loopback)
    qtbot.addWidget(panel)
    panel.refresh("speakers.monitor")
    assert panel.source() == ""
    assert "No loopback source" in panel.status_text() and "alone" in panel.status_text()


def test_a_monitor_source_is_chosen_and_saved(qtbot: QtBot, tmp_path: Path) -> None:
    panel = PartnerPanel(lister=one_monitor)
    qtbot.addWidget(panel)
    panel.refresh("speakers.monitor")
    assert panel.source() == "speakers.monitor"
    assert "Interviewer" in panel.status_text()

    settings = Settings(tmp_path / "settings.ini")
    frameworks, _ = load_frameworks()
    dialog = SettingsDialog(settings, frameworks)
    qtbot.addWidget(dialog)
    dialog.partner._lister = one_monitor
    dialog.partner.refresh("")
    assert dialog.partner.source() == ""  # off until chosen
    dialog.partner._combo.setCurrentIndex(1)
    dialog.accept()
    assert Settings(tmp_path / "settings.ini").get_str(Key.INTERVIEWER_SOURCE) == (
        "speakers.monitor")
