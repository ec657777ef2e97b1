"""The real microphone path (PortAudio → ALSA → PulseAudio null sink) and device failures."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from audio.errors import DeviceLost, NoMicrophone
from audio.events import SAMPLE_RATE, TranscriptEvent
from audio.meter import LevelMeter
from audio.metrics import word_error_rate
from audio.recorder import Recorder
from audio.sources import InputDevice, MicrophoneSource, list_input_devices
from audio.streaming import StreamingTranscriber
from tests.audio.conftest import fft_resample, read_mono16k


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        threading.Event().wait(0.02)


class Capture:
    """Runs a source into a transcriber and a recorder on a worker, as the session runner does."""

    def __init__(self, source: Any, transcriber: StreamingTranscriber, recorder: Recorder) -> None:
        self.source = source
        self.transcriber = transcriber
        self.recorder = recorder
        self.events: list[TranscriptEvent] = []
        self.audio_s = 0.0
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            for frame in self.source.frames():
                self.recorder.write(frame)
                self.events += self.transcriber.insert(frame)
                self.audio_s = frame.end_s
            self.events += self.transcriber.finish()
        except BaseException as exc:
            self.error = exc
        finally:
            self.recorder.close()

    def start(self) -> Capture:
        self.thread.start()
        return self

    def join(self) -> None:
        self.thread.join(timeout=120)
        assert not self.thread.is_alive()
        if self.error is not None:
            raise self.error

    @property
    def final_text(self) -> str:
        return " ".join(e.text for e in self.events if e.final)


@pytest.mark.slow
@pytest.mark.integration
def test_microphone_hears_what_pulseaudio_plays(
    pulse_server: dict[str, str],
    whisper_model: Any,
    jfk_path: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    devices = list_input_devices()
    assert any(d.is_default for d in devices), devices
    wav = tmp_path / "jfk16.wav"  # paplay plays 16-bit WAV reliably (24-bit FLAC garbles)
    sf.write(wav, read_mono16k(jfk_path), SAMPLE_RATE, subtype="PCM_16")

    meter = LevelMeter()
    source = MicrophoneSource(None, meter)
    assert source.input_rate in (44_100, 48_000)  # the PulseAudio device's native rate
    capture = Capture(
        source, StreamingTranscriber(whisper_model), Recorder(tmp_path / "mic.wav")
    ).start()
    wait_for(lambda: capture.audio_s > 0.3, 20, "the microphone to deliver audio")
    started_s = capture.audio_s
    played = subprocess.run(["paplay", str(wav)], env=pulse_server, timeout=60)
    assert played.returncode == 0
    wait_for(lambda: capture.audio_s > started_s + 12.5, 30, "the recording to pass the speech")
    source.stop()
    capture.join()

    assert source.error is None
    assert meter.latest() is not None
    recorded, rate = sf.read(tmp_path / "mic.wav")
    assert rate == SAMPLE_RATE and len(recorded) / rate >= 12.0
    try:
        reference = request.getfixturevalue("jfk_reference")
    except pytest.skip.Exception:
        reference = ""
    text = capture.final_text
    if reference:
        assert word_error_rate(reference, text) <= 0.25, text
    else:
        assert "country" in text.lower(), text


@pytest.mark.integration
def test_devices_command_lists_the_pulse_device(
    pulse_server: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    assert "*" in out and ("default" in out or "pulse" in out)
    with pytest.raises(NoMicrophone, match="no such input"):
        MicrophoneSource("no such input device xyz")


# --------------------------------------------------------------------- injected device layer


class FakeStream:
    """Stands in for ``sounddevice.InputStream``: a thread calls the real callback with blocks
    of a real recording, then fails like an unplugged device (or just goes quiet)."""

    def __init__(
        self,
        blocks: list[np.ndarray],
        *,
        fail: str,
        callback: Callable[..., None],
        finished_callback: Callable[[], None],
        **_: Any,
    ) -> None:
        self.blocks = blocks
        self.fail = fail
        self.callback = callback
        self.finished_callback = finished_callback
        self.active = False
        self.closed = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        for block in self.blocks:
            self.callback(block.reshape(-1, 1), len(block), None, None)
        if self.fail == "abort":  # PortAudio aborts the stream and reports it finished
            self.active = False
            self.finished_callback()
        # "stall": the device stays "active" but no callback ever comes again

    def start(self) -> None:
        self.active = True
        self._thread.start()

    def stop(self) -> None:
        self.active = False

    def close(self) -> None:
        self.closed = True


def fake_device(rate: int) -> InputDevice:
    return InputDevice(index=7, name="USB test mic", default_samplerate=rate, is_default=True)


@pytest.mark.slow
@pytest.mark.parametrize("fail", ["abort", "stall"])
def test_device_failing_mid_stream_ends_cleanly_and_keeps_everything(
    whisper_model: Any, jfk_path: Path, tmp_path: Path, fail: str
) -> None:
    rate = 48_000
    speech = read_mono16k(jfk_path)[: int(5.5 * SAMPLE_RATE)]  # "…Americans, ask not" + pause
    native = fft_resample(speech, SAMPLE_RATE, rate)
    step = rate // 20
    blocks = [native[i : i + step] for i in range(0, len(native), step)]
    streams: list[FakeStream] = []

    def factory(**kwargs: Any) -> FakeStream:
        streams.append(FakeStream(blocks, fail=fail, **kwargs))
        return streams[-1]

    source = MicrophoneSource(device_info=fake_device(rate), stream_factory=factory, stall_s=0.5)
    capture = Capture(source, StreamingTranscriber(whisper_model), Recorder(tmp_path / "a.wav"))
    capture.start().join()

    assert isinstance(source.error, DeviceLost)
    assert "USB test mic" in str(source.error) and "kept" in str(source.error)
    assert streams[0].closed
    assert capture.audio_s == pytest.approx(5.5, abs=0.05)
    recorded, _ = sf.read(tmp_path / "a.wav")
    assert len(recorded) == pytest.approx(5.5 * SAMPLE_RATE, abs=0.05 * SAMPLE_RATE)
    text = capture.final_text.lower()
    assert "fellow americans" in text and "not" in text, text


def test_device_that_cannot_open_raises_no_microphone() -> None:
    def factory(**kwargs: Any) -> FakeStream:
        raise OSError("Error opening InputStream: Device unavailable [PaErrorCode -9985]")

    source = MicrophoneSource(device_info=fake_device(44_100), stream_factory=factory)
    with pytest.raises(NoMicrophone, match="USB test mic"):
        next(iter(source.frames()))


def test_callback_only_queues_and_counts_overflows() -> None:
    source = MicrophoneSource(device_info=fake_device(16_000), queue_s=0.2, block_s=0.05)
    block = np.zeros((800, 1), np.float32)
    for _ in range(10):
        source._callback(block, 800, None, None)
    assert source._queue.qsize() == 4
    assert source.overflows == 6
    block[:] = 1.0
    assert float(source._queue.get_nowait()[0, 0]) == 0.0, "the callback copies its block"
