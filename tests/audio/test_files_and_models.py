"""Decoding and resampling files, and finding models: fast tests, no speech model loaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio.errors import AudioFileError, ModelError
from audio.events import SAMPLE_RATE
from audio.model import ResolvedModel, load_model, resolve_model
from audio.sources import FileSource
from tests.audio.conftest import fft_resample, read_mono16k


@pytest.mark.parametrize("rate", [48_000, 44_100])
def test_speech_at_48k_and_44k_resamples_to_16k(tmp_path: Path, jfk_path: Path, rate: int) -> None:
    reference = read_mono16k(jfk_path)[: 6 * SAMPLE_RATE]
    upsampled = fft_resample(reference, SAMPLE_RATE, rate)
    path = tmp_path / f"speech_{rate}.wav"
    sf.write(path, np.stack((upsampled, upsampled), axis=1), rate, subtype="PCM_16")

    frames = list(FileSource(path).frames())
    back = np.concatenate([f.samples for f in frames])
    assert abs(len(back) - len(reference)) <= 32
    assert frames[1].start_s == pytest.approx(frames[0].end_s)
    n = min(len(back), len(reference)) - 64
    best = max(range(0, 64), key=lambda lag: float(np.dot(back[lag : lag + n], reference[:n])))
    correlation = np.corrcoef(back[best : best + n], reference[:n])[0, 1]
    assert correlation > 0.99, (best, correlation)


def test_sine_keeps_its_pitch(tmp_path: Path) -> None:
    rate = 44_100
    t = np.arange(2 * rate) / rate
    path = tmp_path / "tone.flac"
    sf.write(path, 0.5 * np.sin(2 * np.pi * 1000 * t), rate)
    back = np.concatenate([f.samples for f in FileSource(path).frames()])
    spectrum = np.abs(np.fft.rfft(back[SAMPLE_RATE // 2 : SAMPLE_RATE // 2 + SAMPLE_RATE]))
    assert int(np.argmax(spectrum)) == 1000  # 1 Hz bins over one second of 16 kHz audio
    assert float(np.sqrt(np.mean(back[1000:-1000] ** 2))) == pytest.approx(0.5 / np.sqrt(2), 0.02)


def test_realtime_file_source_is_paced_and_stoppable(jfk_path: Path) -> None:
    now = [0.0]
    source = FileSource(jfk_path, realtime=True, clock=lambda: now[0])
    source._stop.wait = lambda timeout=None: bool(now.__setitem__(0, now[0] + (timeout or 0)))  # type: ignore[method-assign]
    seen = []
    for frame in source.frames():
        seen.append((frame.end_s, now[0]))
        if len(seen) == 20:
            source.stop()
            source._stop.wait = lambda timeout=None: True  # type: ignore[method-assign]
    assert len(seen) == 20
    assert all(wall >= end - 1e-6 for end, wall in seen)


def test_corrupt_and_missing_files_say_what_is_wrong(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.flac"
    corrupt.write_bytes(b"fLaC" + bytes(range(256)) * 20)
    with pytest.raises(AudioFileError, match=r"corrupt\.flac"):
        list(FileSource(corrupt).frames())
    with pytest.raises(AudioFileError, match="not found"):
        FileSource(tmp_path / "missing.wav")
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(AudioFileError, match=r"notes\.txt"):
        FileSource(text)


def test_truncated_file_keeps_what_decodes(tmp_path: Path, jfk_path: Path) -> None:
    cut = tmp_path / "cut.flac"
    data = jfk_path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    source = FileSource(cut)
    audio = np.concatenate([f.samples for f in source.frames()])
    assert len(audio) > 3 * SAMPLE_RATE


def test_model_resolver(tmp_path: Path) -> None:
    bundled = resolve_model(None)
    assert bundled.source == "bundled" and (bundled.path / "model.bin").is_file()
    assert resolve_model("tiny.en").path == bundled.path
    assert resolve_model(str(bundled.path)).source == "path"

    with pytest.raises(ModelError, match="no-such-dir") as missing:
        resolve_model(str(tmp_path / "no-such-dir"))
    assert "model.bin" in str(missing.value)
    with pytest.raises(ModelError, match="--download"):
        resolve_model("base.en", cache_dir=tmp_path / "empty-cache")

    cache = tmp_path / "hub"
    snap = cache / "models--Systran--faster-whisper-base.en" / "snapshots" / "abc"
    snap.mkdir(parents=True)
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (snap / name).write_bytes(b"x")
    found = resolve_model("base.en", cache_dir=cache)
    assert (found.name, found.path, found.source) == ("base.en", snap, "cache")


def test_corrupt_model_dir_names_the_path_and_the_fix(tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}", encoding="utf-8")
    (broken / "model.bin").write_bytes(b"not a model")
    (broken / "tokenizer.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelError, match="broken-model") as err:
        load_model(ResolvedModel("broken", broken, "path"))
    assert "download" in str(err.value)
    incomplete = tmp_path / "incomplete"
    incomplete.mkdir()
    with pytest.raises(ModelError, match=r"missing model\.bin"):
        resolve_model(str(incomplete))
