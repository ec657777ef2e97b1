"""Device rescans must never leave PortAudio terminated, nor close a stream that is running.

PortAudio itself is stood in for here (the failures below cannot be provoked on demand with a
real sound server); the real device path is covered in ``test_microphone.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import audio.sources as sources
from audio.sources import InputDevice, MicrophoneSource, list_input_devices


class FakePortAudio:
    """Just enough of ``sounddevice``: an init count, devices, and injectable failures."""

    class PortAudioError(Exception):
        pass

    def __init__(self, init_failures: int = 0) -> None:
        self.initialized = 1
        self.init_failures = init_failures
        self.terminations = 0

    def _terminate(self) -> None:
        if self.initialized <= 0:
            raise self.PortAudioError("PortAudio not initialized")
        self.terminations += 1
        self.initialized -= 1

    def _initialize(self) -> None:
        if self.init_failures:
            self.init_failures -= 1
            raise self.PortAudioError("Error initializing PortAudio")
        self.initialized += 1

    def query_devices(self, kind: str | None = None) -> Any:
        if self.initialized <= 0:
            raise self.PortAudioError("PortAudio not initialized [PaErrorCode -10000]")
        mic = {"index": 0, "name": "USB mic", "max_input_channels": 1, "hostapi": 0,
               "default_samplerate": 48_000.0}  # fmt: skip
        return mic if kind == "input" else [mic]

    def query_hostapis(self) -> Any:
        return [{"name": "ALSA"}]

    class default:  # mirrors sounddevice.default
        device = (0, 0)


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePortAudio]:
    fake = FakePortAudio()
    monkeypatch.setattr(sources, "_sounddevice", lambda: fake)
    monkeypatch.setattr(sources.time, "sleep", lambda _s: None)
    yield fake


def test_a_failed_reinitialisation_is_retried(fake_sd: FakePortAudio) -> None:
    fake_sd.init_failures = 2
    assert [d.name for d in list_input_devices()] == ["USB mic"]
    assert fake_sd.initialized == 1


def test_portaudio_left_uninitialised_elsewhere_is_repaired(fake_sd: FakePortAudio) -> None:
    fake_sd.initialized = 0
    fake_sd.init_failures = 3  # the rescan gives up; the query repairs it on its own
    assert [d.name for d in list_input_devices()] == ["USB mic"]


class IdleStream:
    active = True

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


def test_no_rescan_while_a_stream_is_open(fake_sd: FakePortAudio) -> None:
    device = InputDevice(0, "USB mic", 16_000.0, True)
    source = MicrophoneSource(device_info=device, stream_factory=lambda **_: IdleStream())
    source._queue.put(np.zeros((800, 1), dtype=np.float32))
    frames = source.frames()
    next(frames)  # the stream is open now
    list_input_devices()
    assert fake_sd.terminations == 0  # a terminate would have closed the running stream
    source.stop()
    list(frames)
    list_input_devices()
    assert fake_sd.terminations == 1
