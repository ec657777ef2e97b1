"""`mockcoach doctor` on this machine, and on deliberately broken set-ups.

Each broken set-up is made for real where the machine allows it (a Tesseract path that does
not exist, a read-only data folder, no display, an X display that does not answer); a missing
PortAudio is simulated by a stand-in ``sounddevice`` module that fails to import the way the real
one does when libportaudio is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.commands import doctor
from app.commands.doctor import CheckResult
from tests.conftest import REPO_ROOT, missing_service

CHECK_IDS = ["python", "model", "microphone", "loopback", "tesseract", "qt", "data_dir", "disk"]


def run_doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "doctor", *args],
        cwd=REPO_ROOT,
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def doctor_json(env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    done = run_doctor("--json", env=env)
    return done.returncode, json.loads(done.stdout)


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["checks"]}


def test_doctor_passes_on_this_machine(private_home: Path) -> None:
    rc, report = doctor_json()
    checks = by_id(report)
    assert rc == 0, json.dumps(report, indent=2)
    assert report["ok"] is True
    assert [c["id"] for c in report["checks"]] == CHECK_IDS
    assert set(report["checks"][0]) == {"id", "title", "status", "summary", "fix", "details"}
    assert checks["model"]["status"] == "ok"
    assert checks["model"]["details"]["name"] == "tiny.en"
    assert Path(checks["model"]["details"]["path"], "model.bin").is_file()
    assert checks["model"]["details"]["vad_model"].endswith(".onnx")
    assert checks["tesseract"]["status"] == "ok"
    assert checks["tesseract"]["details"]["version"][0].isdigit()
    assert checks["data_dir"]["details"]["path"] == str(private_home)
    assert checks["data_dir"]["details"]["mode"] == "0o700"
    assert checks["python"]["details"]["packages"]["faster-whisper"]
    for check in report["checks"]:
        assert check["status"] in ("ok", "warn"), check
        if check["status"] != "ok":
            assert check["fix"], f"{check['id']} warns without saying what to do"


def test_text_screen_names_every_part() -> None:
    done = run_doctor()
    assert done.returncode == 0, done.stdout + done.stderr
    for title in (
        "Python",
        "Speech model",
        "Microphone",
        "Tesseract OCR",
        "Qt display",
        "Data folder",
        "Free disk",
    ):
        assert title in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("mockcoach can run here")


def test_no_microphone_is_a_warning_not_a_failure() -> None:
    result = doctor.check_microphone()
    if result.status == "ok":
        pytest.skip(f"this machine has a microphone: {result.summary}")
    assert result.status == "warn"
    assert result.summary == "no microphone found"
    assert result.fix and "replay" in result.fix


def test_missing_tesseract_fails_with_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKCOACH_TESSERACT", "/nonexistent/bin/tesseract")
    done = run_doctor()
    assert done.returncode == 1
    assert "FAIL  Tesseract OCR" in done.stdout
    assert "apt-get install tesseract-ocr" in done.stdout
    assert "MOCKCOACH_TESSERACT" in done.stdout
    assert "cannot run properly here" in done.stdout


def test_missing_portaudio_names_the_package(tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    # What sounddevice raises when ctypes cannot find libportaudio.so.
    (shim / "sounddevice.py").write_text('raise OSError("PortAudio library not found")\n')
    env = dict(os.environ, PYTHONPATH=str(shim))
    rc, report = doctor_json(env)
    mic = by_id(report)["microphone"]
    assert rc == 1
    assert mic["status"] == "fail"
    assert "PortAudio" in mic["summary"]
    assert "libportaudio2" in mic["fix"]


@pytest.mark.parametrize("where", ["under-a-file", "read-only-fs"])
def test_unwritable_data_folder_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "under-a-file":
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")
        home = blocker / "mockcoach"
    else:
        home = Path("/sys/mockcoach-doctor-test")  # sysfs refuses new entries, even to root
        if not Path("/sys").is_dir():
            pytest.skip("no /sys here")
    monkeypatch.setenv("MOCKCOACH_HOME", str(home))
    result = doctor.check_data_dir()
    assert result.status == "fail"
    assert str(home) in result.summary or where == "read-only-fs"
    assert result.fix and "MOCKCOACH_HOME" in result.fix


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permission bits")
def test_read_only_data_folder_fails_for_a_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "ro"
    home.mkdir(mode=0o500)
    monkeypatch.setenv("MOCKCOACH_HOME", str(home))
    assert doctor.check_data_dir().status == "fail"


def test_unwritable_data_folder_fails_the_whole_doctor(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    env = dict(os.environ, MOCKCOACH_HOME=str(blocker / "home"))
    rc, report = doctor_json(env)
    assert rc == 1
    assert report["ok"] is False
    assert by_id(report)["data_dir"]["status"] == "fail"


def no_display_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland only")
def test_no_display_warns_and_suggests_offscreen_or_xvfb() -> None:
    rc, report = doctor_json(no_display_env())
    qt = by_id(report)["qt"]
    assert rc == 0, "headless commands still work without a display"
    assert qt["status"] == "warn"
    assert "no display" in qt["summary"]
    assert "QT_QPA_PLATFORM=offscreen" in qt["fix"] and "xvfb-run" in qt["fix"]
    assert qt["details"]["offscreen_probe"] == "offscreen"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 only")
def test_display_that_does_not_answer_fails() -> None:
    env = no_display_env()
    env["DISPLAY"] = ":239"  # nothing listens there
    rc, report = doctor_json(env)
    qt = by_id(report)["qt"]
    assert rc == 1
    assert qt["status"] == "fail"
    assert "no running X server" in qt["fix"]


@pytest.mark.integration
def test_real_x_display_loads_the_xcb_plugin(xvfb_display: str) -> None:
    env = no_display_env()
    env["DISPLAY"] = xvfb_display
    rc, report = doctor_json(env)
    qt = by_id(report)["qt"]
    assert qt["status"] == "ok", qt
    assert qt["details"]["platform"] == "xcb"
    assert rc == 0


def test_not_a_qt_platform_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "no-such-platform")
    result = doctor.check_qt()
    assert result.status == "fail"
    assert result.fix and "QT_QPA_PLATFORM=no-such-platform" in result.fix


def result(status: str) -> CheckResult:
    return CheckResult("x", "X", status, "summary", None if status == "ok" else "do this")  # type: ignore[arg-type]


def test_exit_rule_warnings_pass_failures_do_not() -> None:
    assert doctor.report([result("ok"), result("warn")])["ok"] is True
    assert doctor.report([result("ok"), result("fail")])["ok"] is False
    screen = doctor.render([result("ok"), result("warn"), result("fail")])
    assert "WARN" in screen and "FAIL" in screen and "-> do this" in screen


def test_a_crashing_check_is_reported_not_raised() -> None:
    def check_broken() -> CheckResult:
        raise RuntimeError("boom")

    (only,) = doctor.run_checks((check_broken,))
    assert only.id == "broken"
    assert only.status == "fail" and "boom" in only.summary


# The app itself on a bad set-up: one sentence and an exit code, never Qt's abort or a traceback.


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland only")
def test_app_without_a_display_says_what_to_do() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=REPO_ROOT,
        env=no_display_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "No display found" in done.stderr
    assert "xvfb-run mockcoach" in done.stderr and "QT_QPA_PLATFORM=offscreen" in done.stderr
    assert "Traceback" not in done.stderr


def test_commands_with_an_unwritable_data_folder_say_what_to_do(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    env = dict(os.environ, MOCKCOACH_HOME=str(blocker / "home"))
    done = subprocess.run(
        [sys.executable, "-m", "app", "sessions", "list"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Set MOCKCOACH_HOME to a folder you can write to" in done.stderr
    assert "mockcoach doctor" in done.stderr
    assert "Traceback" not in done.stderr


def save_setting(key_name: str, value: str) -> None:
    from app.settings import Key, Settings

    settings = Settings()
    settings.set(Key[key_name], value)
    settings.sync()


def test_model_chosen_in_settings_but_not_downloaded_fails_with_advice(tmp_path: Path) -> None:
    save_setting("MODEL", "base.en")
    env = dict(os.environ, HF_HUB_CACHE=str(tmp_path / "empty-cache"))
    rc, report = doctor_json(env)
    model = by_id(report)["model"]
    assert rc == 1
    assert model["status"] == "fail"
    assert "base.en" in model["summary"] and "not downloaded" in model["summary"]


def test_sessions_folder_chosen_in_settings_must_be_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    save_setting("DATA_FOLDER", str(blocker / "sessions"))
    result = doctor.check_data_dir()
    assert result.status == "fail"
    assert "chosen in Settings" in result.summary


@pytest.fixture
def pulse_server(tmp_path: Path) -> Iterator[str]:
    """A private PulseAudio with a null sink: PortAudio sees inputs through ALSA's pulse plugin."""
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        missing_service("PulseAudio is not installed (scripts/test installs it)")
    runtime = tmp_path / "pulse"
    runtime.mkdir()
    socket = runtime / "native"
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), HOME=str(runtime))
    proc = subprocess.Popen(
        [
            "pulseaudio", "--daemonize=no", "-n", "--exit-idle-time=-1", "--use-pid-file=no",
            f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
            "--load=module-null-sink sink_name=doctor",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = f"unix:{socket}"
    deadline = time.monotonic() + 15
    while subprocess.run(
        ["pactl", "info"], env=dict(env, PULSE_SERVER=server), capture_output=True
    ).returncode:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            missing_service("PulseAudio did not start here")
    try:
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.integration
def test_a_microphone_is_found_through_pulseaudio(pulse_server: str) -> None:
    rc, report = doctor_json(dict(os.environ, PULSE_SERVER=pulse_server))
    mic = by_id(report)["microphone"]
    assert mic["status"] == "ok", mic
    assert mic["details"]["devices"], mic
    assert any(d["is_default"] for d in mic["details"]["devices"])
    assert rc == 0


@pytest.mark.integration
def test_a_chosen_microphone_that_is_gone_is_a_warning(pulse_server: str) -> None:
    save_setting("MICROPHONE", "USB headset that was unplugged")
    rc, report = doctor_json(dict(os.environ, PULSE_SERVER=pulse_server))
    mic = by_id(report)["microphone"]
    assert mic["status"] == "warn", mic
    assert "chosen in Settings" in mic["summary"]
    assert rc == 0


def test_no_loopback_source_is_a_warning_that_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import audio.loopback

    monkeypatch.setattr(audio.loopback, "list_loopback_devices", lambda: [])
    result = doctor.check_loopback()
    assert result.status == "warn"
    assert "no loopback source" in result.summary
    assert result.fix and "alone works" in result.fix


@pytest.mark.integration
def test_the_monitor_of_the_output_is_the_partners_voice(pulse_server: str) -> None:
    rc, report = doctor_json(dict(os.environ, PULSE_SERVER=pulse_server))
    loopback = by_id(report)["loopback"]
    assert loopback["status"] == "ok", loopback
    assert loopback["summary"].startswith("doctor.monitor")
    assert rc == 0
