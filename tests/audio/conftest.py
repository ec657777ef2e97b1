"""Fixtures for the audio tests: one real Whisper model per session, a real PulseAudio server."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import SHARED_DATA, TEST_DATA, missing_service

JFK = TEST_DATA / "jfk.flac"


@pytest.fixture(scope="session")
def whisper_model() -> Any:
    """The bundled tiny.en, loaded once for the whole session (loading costs ~1 s)."""
    from audio.model import load_model, resolve_model

    return load_model(resolve_model(None))


@pytest.fixture(scope="session")
def jfk_path() -> Path:
    return JFK


@pytest.fixture(scope="session")
def jfk_reference() -> str:
    """The exact words of jfk.flac, read in place from ../shared/data (never copied)."""
    tsv = SHARED_DATA / "audio" / "references.tsv"
    if not tsv.is_file():
        pytest.skip(f"reference transcripts not found at {tsv}")
    with tsv.open(encoding="utf-8") as fh:
        refs = {row[0]: row[1] for row in csv.reader(fh, delimiter="\t")}
    return refs["jfk.flac"]


def read_mono16k(path: Path) -> np.ndarray:
    from audio.sources import FileSource

    return np.concatenate([f.samples for f in FileSource(path).frames()])


@pytest.fixture(scope="session")
def long_read() -> tuple[np.ndarray, str]:
    """The six LJ Speech clips back to back (52 s of one reader, no long pause) and their
    words: the long-form read of issue 11."""
    tsv = SHARED_DATA / "audio" / "references.tsv"
    if not tsv.is_file():
        pytest.skip(f"reference transcripts not found at {tsv}")
    with tsv.open(encoding="utf-8") as fh:
        rows = [row for row in csv.reader(fh, delimiter="\t") if row[0].startswith("coqui_LJ")]
    audio = np.concatenate([read_mono16k(SHARED_DATA / "audio" / name) for name, _ in rows])
    return audio, " ".join(text for _, text in rows)


def fft_resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited resampling by zero-padding the spectrum: an independent reference."""
    n_out = round(len(x) * rate_out / rate_in)
    spectrum = np.fft.rfft(x)
    padded = np.zeros(n_out // 2 + 1, dtype=complex)
    keep = min(len(spectrum), len(padded))
    padded[:keep] = spectrum[:keep]
    return (np.fft.irfft(padded, n_out) * (n_out / len(x))).astype(np.float32)


MINIMAL_PA = """\
load-module module-native-protocol-unix auth-anonymous=1
load-module module-null-sink sink_name=mocksink rate=48000 channels=2
set-default-sink mocksink
set-default-source mocksink.monitor
"""


@pytest.fixture(scope="module")
def pulse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A private PulseAudio daemon with a null sink whose monitor is the default source.

    Whatever is played into the sink (``paplay``) is what a microphone "hears". Runs with its own
    runtime directory, and is killed at teardown. Yields the environment clients need.
    """
    missing = [tool for tool in ("pulseaudio", "paplay", "pactl") if shutil.which(tool) is None]
    if missing:
        missing_service(f"PulseAudio is not installed ({', '.join(missing)} missing)")
    base = tmp_path_factory.mktemp("pulse")
    runtime = base / "run"
    runtime.mkdir(mode=0o700)
    (base / "home").mkdir()
    config = base / "minimal.pa"
    config.write_text(MINIMAL_PA, encoding="utf-8")
    env_vars = {
        "XDG_RUNTIME_DIR": str(runtime),
        "PULSE_RUNTIME_PATH": str(runtime / "pulse"),
        "PULSE_SERVER": f"unix:{runtime / 'pulse' / 'native'}",
    }
    daemon_env = {**os.environ, **env_vars, "HOME": str(base / "home")}
    started = subprocess.run(
        ["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n", "-F", str(config),
         "--use-pid-file=yes", "--log-target=file:" + str(base / "pulse.log")],
        env=daemon_env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    if started.returncode != 0:
        missing_service(f"PulseAudio did not start: {started.stderr.strip()[:300]}")
    pid_file = runtime / "pulse" / "pid"
    deadline = time.monotonic() + 15
    while True:
        ready = subprocess.run(["pactl", "info"], env=daemon_env, capture_output=True, text=True)
        if ready.returncode == 0 and "mocksink" in ready.stdout:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"PulseAudio never became ready: {ready.stderr}")
        time.sleep(0.05)
    saved = {key: os.environ.get(key) for key in env_vars}
    os.environ.update(env_vars)
    try:
        yield daemon_env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if pid_file.is_file():
            pid = int(pid_file.read_text().strip())
            try:
                os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    os.kill(pid, 0)
                    time.sleep(0.05)
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
