"""Recorder durability and the level meter."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio.events import SAMPLE_RATE, AudioFrame
from audio.meter import FLOOR_DBFS, LevelMeter, dbfs
from audio.recorder import Recorder, RecorderError, repair_wav


def tone(seconds: float, start_s: float = 0.0) -> AudioFrame:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE + start_s
    return AudioFrame((0.25 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), start_s)


def test_recorder_is_readable_while_recording_and_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "session.wav"
    now = [0.0]
    recorder = Recorder(path, clock=lambda: now[0])
    for i in range(25):  # 2.5 s in 0.1 s frames, the clock moving with the audio
        recorder.write(tone(0.1, i * 0.1))
        now[0] += 0.1
    # A crash now: copy the file as it is on disk, without close().
    crashed = tmp_path / "crashed.wav"
    shutil.copyfile(path, crashed)
    audio, rate = sf.read(crashed)
    assert rate == SAMPLE_RATE
    assert len(audio) >= 1.5 * SAMPLE_RATE, "at most a second is missing from the header"
    kept_s = repair_wav(crashed)
    assert 1.5 <= kept_s <= 2.5
    audio, _ = sf.read(crashed)
    assert len(audio) == round(kept_s * SAMPLE_RATE)
    np.testing.assert_allclose(audio[:1600], tone(0.1).samples, atol=1e-4)
    recorder.close()


def test_recorder_repairs_a_torn_file_and_appends(tmp_path: Path) -> None:
    path = tmp_path / "session.wav"
    with Recorder(path) as recorder:
        recorder.write(tone(1.0))
    with path.open("ab") as fh:  # a crash in the middle of a write: half a sample at the end
        fh.write(b"\x01\x02\x03")
    with Recorder(path) as again:
        assert again.duration_s == pytest.approx(1.0 + 1 / SAMPLE_RATE)
        again.write(tone(1.0, 1.0))
    audio, _ = sf.read(path)
    assert len(audio) == 2 * SAMPLE_RATE + 1
    with Recorder(path, append=False) as fresh:
        fresh.write(tone(0.5))
    assert sf.info(str(path)).frames == SAMPLE_RATE // 2


def test_recorder_refuses_what_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(RecorderError, match="WAV"):
        Recorder(tmp_path / "x.mp3")
    foreign = tmp_path / "foreign.wav"
    sf.write(foreign, np.zeros((100, 2)), 44_100)
    with pytest.raises(RecorderError, match="16 kHz mono"):
        Recorder(foreign)
    closed = Recorder(tmp_path / "closed.wav")
    closed.close()
    with pytest.raises(RecorderError, match="closed"):
        closed.write(tone(0.1))


def test_level_meter_keeps_only_the_latest_level() -> None:
    meter = LevelMeter()
    assert meter.latest() is None
    full_scale_sine = np.sin(2 * np.pi * np.arange(16000) / 16).astype(np.float32)
    assert meter.update(full_scale_sine) == pytest.approx(-3.01, abs=0.05)
    meter.update(full_scale_sine * 0.1)
    assert meter.latest() == pytest.approx(-23.01, abs=0.05)
    assert meter.take_peak() == pytest.approx(-3.01, abs=0.05)
    assert meter.take_peak() is None
    assert dbfs(np.zeros(10, np.float32)) == FLOOR_DBFS
    assert dbfs(np.zeros(0, np.float32)) == FLOOR_DBFS
