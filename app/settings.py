"""The user's preferences behind one typed wrapper, so no widget spells a settings key itself.

Stored with QSettings in an INI file inside the data directory (``settings.ini``), which keeps a
user's whole mockcoach state in one folder and gives every test its own settings through
``MOCKCOACH_HOME``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

from app.paths import data_dir
from framework.definition import DEFAULT_FRAMEWORK_ID

if TYPE_CHECKING:
    from app.store import SessionStore

ROUND_LENGTHS_MIN = (30, 45, 60)
THEMES = ("system", "light", "dark")
DEFAULT_MODEL = "tiny.en"


class Key(Enum):
    MODEL = "transcription/model"
    MICROPHONE = "audio/microphone"
    INTERVIEWER_SOURCE = "audio/interviewer_source"
    FRAMEWORK = "session/framework"
    DEFAULT_LENGTH_MIN = "session/default_length_min"
    CAPTURE_MONITOR = "capture/monitor"
    CAPTURE_SHORTCUT = "capture/shortcut"
    DATA_FOLDER = "general/data_folder"
    THEME = "appearance/theme"
    LIVE_GEOMETRY = "window/live_geometry"
    REVIEW_GEOMETRY = "window/review_geometry"


@dataclass(frozen=True)
class _Spec:
    kind: type
    default: object


_SPECS: dict[Key, _Spec] = {
    Key.MODEL: _Spec(str, DEFAULT_MODEL),
    Key.MICROPHONE: _Spec(str, ""),  # "" = the system default input
    Key.INTERVIEWER_SOURCE: _Spec(str, ""),  # "" = practise alone; else a loopback's name
    Key.FRAMEWORK: _Spec(str, DEFAULT_FRAMEWORK_ID),
    Key.DEFAULT_LENGTH_MIN: _Spec(int, 45),
    Key.CAPTURE_MONITOR: _Spec(int, 0),  # 0 = all monitors (the virtual desktop)
    Key.CAPTURE_SHORTCUT: _Spec(str, "Ctrl+Shift+C"),
    Key.DATA_FOLDER: _Spec(str, ""),  # "" = the default data directory
    Key.THEME: _Spec(str, "system"),
    Key.LIVE_GEOMETRY: _Spec(bytes, b""),
    Key.REVIEW_GEOMETRY: _Spec(bytes, b""),
}


class Settings:
    """Typed access to every preference; malformed stored values fall back to defaults."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_dir() / "settings.ini"
        self._qsettings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def get_str(self, key: Key) -> str:
        self._check(key, str)
        value = self._qsettings.value(key.value, _SPECS[key].default)
        return value if isinstance(value, str) else str(_SPECS[key].default)

    def get_int(self, key: Key) -> int:
        self._check(key, int)
        value = self._qsettings.value(key.value, _SPECS[key].default)
        default = _SPECS[key].default
        assert isinstance(default, int)
        if isinstance(value, int | str):
            try:
                return int(value)
            except ValueError:
                return default
        return default

    def get_bytes(self, key: Key) -> bytes:
        self._check(key, bytes)
        value = self._qsettings.value(key.value, b"")
        if isinstance(value, bytes | bytearray):
            return bytes(value)
        data = getattr(value, "data", None)  # QByteArray
        return bytes(data()) if callable(data) else b""

    def set(self, key: Key, value: str | int | bytes) -> None:
        expected = _SPECS[key].kind
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise TypeError(f"{key.name} takes {expected.__name__}, not {type(value).__name__}")
        if isinstance(value, bytes):
            # A plain ``bytes`` would be stored as a pickled PySide object: unreadable outside
            # Python, and writing it runs Python (pickle) inside QSettings' global lock, which
            # deadlocks when that Python code frees another QSettings.
            self._qsettings.setValue(key.value, QByteArray(value))
            return
        self._qsettings.setValue(key.value, value)

    def reset(self, key: Key) -> None:
        self._qsettings.remove(key.value)

    def sync(self) -> None:
        self._qsettings.sync()

    # Convenience views with validation, used by the composition root and the dialogs.

    @property
    def round_length_min(self) -> int:
        value = self.get_int(Key.DEFAULT_LENGTH_MIN)
        return value if value in ROUND_LENGTHS_MIN else 45

    @property
    def theme(self) -> str:
        value = self.get_str(Key.THEME)
        return value if value in THEMES else "system"

    @property
    def microphone(self) -> str | None:
        return self.get_str(Key.MICROPHONE) or None

    @property
    def data_folder(self) -> Path:
        """Where sessions are kept: the chosen folder, or the default data directory."""
        chosen = self.get_str(Key.DATA_FOLDER)
        return Path(chosen).expanduser() if chosen else data_dir()

    def open_store(self) -> SessionStore:
        """The session database in the chosen data folder: the one place that decides it, so
        the app and every ``mockcoach`` command read and write the same sessions."""
        from app.store import SessionStore
        from app.store.store import DB_FILENAME

        if not self.get_str(Key.DATA_FOLDER):
            return SessionStore()
        folder = self.data_folder
        return SessionStore(folder / DB_FILENAME, folder / "sessions")

    @staticmethod
    def _check(key: Key, kind: type) -> None:
        if _SPECS[key].kind is not kind:
            raise TypeError(f"{key.name} is a {_SPECS[key].kind.__name__} setting")
