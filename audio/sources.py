"""Where audio comes from: a microphone or a file, behind one small protocol.

Both yield :class:`AudioFrame` blocks of 16 kHz mono float32, stamped with audio time (samples
delivered so far), so everything downstream — recorder, VAD, transcriber — works on one rate and
one clock whatever the device's native rate is.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from audio.errors import AudioFileError, DeviceLost, NoMicrophone
from audio.events import SAMPLE_RATE, AudioFrame
from audio.meter import LevelMeter

__all__ = [
    "AudioFileError",
    "AudioSource",
    "DeviceLost",
    "FileSource",
    "InputDevice",
    "MicrophoneSource",
    "NoMicrophone",
    "list_input_devices",
]

log = logging.getLogger(__name__)

NO_MICROPHONE_HINT = (
    "Plug one in or choose another device in Settings (`mockcoach devices` lists them)."
)


@runtime_checkable
class AudioSource(Protocol):
    """A stream of 16 kHz mono frames.

    ``frames()`` blocks and ends at end of file, after ``stop()``, or when the device is lost; in
    the last case ``error`` says why (everything yielded before stays valid).
    """

    sample_rate: int
    error: Exception | None
    overflows: int

    def frames(self) -> Iterator[AudioFrame]: ...

    def stop(self) -> None: ...


class _Resampler:
    """Streaming resampler to 16 kHz mono float32 (libswresample via PyAV), keeping filter state
    across blocks so that block edges do not click."""

    def __init__(self, input_rate: int, channels: int) -> None:
        import av

        self._av = av
        self.input_rate = input_rate
        self.channels = channels
        self._layout = "mono" if channels == 1 else "stereo"
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)

    def __call__(self, block: np.ndarray | None) -> np.ndarray:
        """Resample one block of shape (n,) or (n, channels); ``None`` flushes the filter."""
        if block is None:
            outs = self._resampler.resample(None)
        else:
            if block.ndim == 2 and block.shape[1] > 2:
                block = block[:, :2]
            if block.ndim == 2 and block.shape[1] == 1:
                block = block[:, 0]
            if block.ndim == 1:
                packed = np.ascontiguousarray(block, dtype=np.float32)[None, :]
                layout = "mono"
            else:
                packed = np.ascontiguousarray(block, dtype=np.float32).reshape(1, -1)
                layout = "stereo"
            frame = self._av.AudioFrame.from_ndarray(packed, format="flt", layout=layout)
            frame.sample_rate = self.input_rate
            outs = self._resampler.resample(frame)
        parts = [np.asarray(o.to_ndarray(), dtype=np.float32).reshape(-1) for o in outs]
        if not parts:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(parts)


# --------------------------------------------------------------------------------------- files


class FileSource:
    """Any file PyAV decodes (wav, flac, mp3, m4a, ogg…), decoded and resampled block by block,
    so an hour-long file costs no more memory than a short one.

    ``realtime=True`` paces frames at the speed of speech (what the live pipeline sees from a
    microphone); otherwise frames come as fast as they decode.
    """

    sample_rate: int = SAMPLE_RATE

    def __init__(
        self,
        path: str | os.PathLike[str],
        realtime: bool = False,
        *,
        frame_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.realtime = realtime
        self.frame_samples = max(1, round(frame_s * SAMPLE_RATE))
        self.error: Exception | None = None
        self.overflows = 0
        self._clock = clock
        self._stop = threading.Event()
        self.duration_s = _probe(self.path)

    def stop(self) -> None:
        self._stop.set()

    def frames(self) -> Iterator[AudioFrame]:
        import av

        delivered = 0
        pending: list[np.ndarray] = []
        pending_n = 0
        started = self._clock()
        try:
            container = av.open(str(self.path), metadata_errors="ignore")
        except (OSError, av.error.FFmpegError) as exc:
            raise _file_error(self.path, exc) from exc
        try:
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            decoded = container.decode(stream)
            while not self._stop.is_set():
                try:
                    av_frame = next(decoded)
                except StopIteration:
                    av_frame = None
                except av.error.FFmpegError as exc:
                    self.error = _file_error(self.path, exc)
                    log.warning("%s", self.error)
                    av_frame = None
                for out in resampler.resample(av_frame):
                    samples = np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1)
                    pending.append(samples)
                    pending_n += len(samples)
                last = av_frame is None
                while pending_n >= self.frame_samples or (last and pending_n > 0):
                    joined = np.concatenate(pending) if len(pending) > 1 else pending[0]
                    chunk, rest = joined[: self.frame_samples], joined[self.frame_samples :]
                    pending, pending_n = ([rest], len(rest)) if len(rest) else ([], 0)
                    frame = AudioFrame(np.ascontiguousarray(chunk), delivered / SAMPLE_RATE)
                    delivered += len(chunk)
                    if self.realtime and self._stop.wait(
                        max(0.0, started + frame.end_s - self._clock())
                    ):
                        return
                    yield frame
                if last:
                    return
        finally:
            container.close()


def _probe(path: Path) -> float:
    """Open the file once up front so a missing or corrupt file fails at once, clearly."""
    import av

    if not path.exists():
        raise AudioFileError(f"Audio file not found: {path}. Check the path.")
    if path.is_dir():
        raise AudioFileError(f"{path} is a folder, not an audio file.")
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioFileError(f"{path} has no audio track.")
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            if container.duration is not None:
                return float(container.duration) / 1_000_000
            return 0.0
    except (OSError, av.error.FFmpegError) as exc:
        raise _file_error(path, exc) from exc


def _file_error(path: Path, exc: BaseException) -> AudioFileError:
    reason = getattr(exc, "strerror", None) or str(exc)
    return AudioFileError(
        f"Cannot read audio from {path}: {reason}. "
        "Use a wav, flac, mp3, m4a or ogg file that plays in a media player."
    )


# ---------------------------------------------------------------------------------- microphone


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    default_samplerate: float
    is_default: bool
    max_input_channels: int = 1
    hostapi: str = ""


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # PortAudio library missing
        raise NoMicrophone(
            "The audio library PortAudio is not installed, so no microphone can be used. "
            "Install it (Debian/Ubuntu: `sudo apt-get install libportaudio2`; macOS: "
            "`brew install portaudio`)."
        ) from exc
    return sounddevice


# PortAudio only sees hot-plugged devices after a terminate/initialize cycle, and that cycle
# closes every stream the process has open. So rescans are serialised and skipped while one of
# our streams is open (the list it would show cannot change the running stream anyway).
_PORTAUDIO_LOCK = threading.Lock()
_open_streams = 0


def _rescan_devices(sd: Any) -> None:
    """Re-initialise PortAudio so hot-plugged devices show up; never leave it terminated."""
    if _open_streams:
        return
    try:
        sd._terminate()
    except Exception:  # not initialised: the initialise below repairs that
        log.debug("PortAudio terminate failed", exc_info=True)
    _ensure_initialized(sd)


def _ensure_initialized(sd: Any) -> None:
    for attempt in range(3):
        try:
            sd._initialize()
            return
        except Exception:
            log.debug("PortAudio initialise failed (attempt %d)", attempt + 1, exc_info=True)
            time.sleep(0.05)


def _query(sd: Any) -> tuple[Any, Any]:
    try:
        return sd.query_devices(), sd.query_hostapis()
    except sd.PortAudioError as exc:
        if "not initialized" not in str(exc).lower():
            raise
    _ensure_initialized(sd)
    return sd.query_devices(), sd.query_hostapis()


def list_input_devices() -> list[InputDevice]:
    """Input devices PortAudio sees right now (a fresh scan each call, so hot-plugs show up)."""
    sd = _sounddevice()
    with _PORTAUDIO_LOCK:
        _rescan_devices(sd)
        try:
            devices, hostapis = _query(sd)
        except Exception as exc:
            raise NoMicrophone(f"Cannot list audio devices: {exc}. {NO_MICROPHONE_HINT}") from exc
    try:
        default_index = int(sd.default.device[0])
    except Exception:
        default_index = -1
    if default_index < 0:
        try:
            default_index = int(sd.query_devices(kind="input")["index"])
        except Exception:
            default_index = -1
    result = []
    for info in devices:
        if int(info["max_input_channels"]) <= 0:
            continue
        index = int(info["index"])
        hostapi_name = str(hostapis[int(info["hostapi"])]["name"]) if hostapis else ""
        result.append(
            InputDevice(
                index=index,
                name=str(info["name"]),
                default_samplerate=float(info["default_samplerate"]),
                is_default=index == default_index,
                max_input_channels=int(info["max_input_channels"]),
                hostapi=hostapi_name,
            )
        )
    return result


def resolve_input_device(device: int | str | None) -> InputDevice:
    """Pick a device by index, by case-insensitive name substring, or the default one."""
    devices = list_input_devices()
    if not devices:
        raise NoMicrophone(f"No microphone found. {NO_MICROPHONE_HINT}")
    if device is None or device == "":
        for candidate in devices:
            if candidate.is_default:
                return candidate
        return devices[0]
    if isinstance(device, int) or (isinstance(device, str) and device.strip().isdigit()):
        wanted = int(device)
        for candidate in devices:
            if candidate.index == wanted:
                return candidate
        raise NoMicrophone(f"No input device number {wanted}. {NO_MICROPHONE_HINT}")
    needle = device.lower()
    matches = [d for d in devices if needle in d.name.lower()]
    if not matches:
        raise NoMicrophone(f"No input device matches {device!r}. {NO_MICROPHONE_HINT}")
    exact = [d for d in matches if d.name.lower() == needle]
    return (exact or matches)[0]


class StreamLike(Protocol):
    """The part of ``sounddevice.InputStream`` we use; tests inject a fake one."""

    @property
    def active(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


StreamFactory = Callable[..., StreamLike]


class MicrophoneSource:
    """A live input device.

    The PortAudio callback only copies each block into a bounded queue (a full queue drops the
    block and counts an overflow); resampling, metering and everything else happen in
    ``frames()``, on the consumer's thread. A device that errors or goes silent for good ends the
    stream cleanly with ``error`` set to a :class:`DeviceLost`.
    """

    sample_rate: int = SAMPLE_RATE
    realtime = True

    def __init__(
        self,
        device: int | str | None = None,
        meter: LevelMeter | None = None,
        *,
        block_s: float = 0.05,
        queue_s: float = 20.0,
        stall_s: float = 3.0,
        stream_factory: StreamFactory | None = None,
        device_info: InputDevice | None = None,
    ) -> None:
        self.meter = meter
        self.error: Exception | None = None
        self.overflows = 0
        self.device = device_info if device_info is not None else resolve_input_device(device)
        self.input_rate = round(self.device.default_samplerate) or SAMPLE_RATE
        self.block_s = block_s
        self.stall_s = stall_s
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=max(4, int(queue_s / block_s)))
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._callback_error: str | None = None
        self._factory = stream_factory

    # The PortAudio callback: copy and hand off, nothing else.
    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status and getattr(status, "input_overflow", False):
            self.overflows += 1
        try:
            self._queue.put_nowait(indata.copy())
        except queue.Full:
            self.overflows += 1

    def _finished_callback(self) -> None:
        self._finished.set()

    def stop(self) -> None:
        self._stop.set()

    @property
    def backlog_s(self) -> float:
        """Audio waiting in the queue, in seconds (how far the consumer is behind the device)."""
        return self._queue.qsize() * self.block_s

    def _open(self) -> tuple[StreamLike, int]:
        blocksize = max(1, round(self.input_rate * self.block_s))
        if self._factory is not None:
            factory: StreamFactory = self._factory
        else:
            factory = _sounddevice().InputStream
        last_exc: Exception | None = None
        for channels in (1, min(2, max(1, self.device.max_input_channels))):
            try:
                stream = factory(
                    device=self.device.index,
                    samplerate=self.input_rate,
                    channels=channels,
                    dtype="float32",
                    blocksize=blocksize,
                    callback=self._callback,
                    finished_callback=self._finished_callback,
                )
                return stream, channels
            except Exception as exc:  # PortAudioError and friends
                last_exc = exc
        raise NoMicrophone(
            f"Cannot open the input device {self.device.name!r}: {last_exc}. {NO_MICROPHONE_HINT}"
        ) from last_exc

    def frames(self) -> Iterator[AudioFrame]:
        global _open_streams
        with _PORTAUDIO_LOCK:
            stream, channels = self._open()
            _open_streams += 1
        try:
            yield from self._frames(stream, channels)
        finally:
            with _PORTAUDIO_LOCK:
                _open_streams -= 1

    def _frames(self, stream: StreamLike, channels: int) -> Iterator[AudioFrame]:
        resample = (
            _Resampler(self.input_rate, channels)
            if self.input_rate != SAMPLE_RATE or channels != 1
            else None
        )
        delivered = 0
        try:
            try:
                stream.start()
            except Exception as exc:
                raise NoMicrophone(
                    f"Cannot start the input device {self.device.name!r}: {exc}. "
                    f"{NO_MICROPHONE_HINT}"
                ) from exc
            last_data = time.monotonic()
            while not self._stop.is_set():
                try:
                    block = self._queue.get(timeout=0.2)
                except queue.Empty:
                    if self._stop.is_set():
                        break
                    silent_for = time.monotonic() - last_data
                    if self._finished.is_set() or not stream.active:
                        self.error = DeviceLost(
                            f"The input device {self.device.name!r} stopped delivering audio "
                            "(unplugged or failed). Everything up to now is kept; choose a "
                            "device and start again."
                        )
                        break
                    if silent_for > self.stall_s:
                        self.error = DeviceLost(
                            f"The input device {self.device.name!r} delivered no audio for "
                            f"{silent_for:.0f} s. Everything up to now is kept; check the device."
                        )
                        break
                    continue
                last_data = time.monotonic()
                samples = self._to_mono16k(block, resample)
                if samples.size == 0:
                    continue
                if self.meter is not None:
                    self.meter.update(samples)
                frame = AudioFrame(samples, delivered / SAMPLE_RATE)
                delivered += len(samples)
                yield frame
            # Drain what the device already delivered, so a stop keeps the last words.
            while True:
                try:
                    block = self._queue.get_nowait()
                except queue.Empty:
                    break
                samples = self._to_mono16k(block, resample)
                if samples.size:
                    yield AudioFrame(samples, delivered / SAMPLE_RATE)
                    delivered += len(samples)
            if resample is not None:
                tail = resample(None)
                if tail.size:
                    yield AudioFrame(tail, delivered / SAMPLE_RATE)
        finally:
            for action in (stream.stop, stream.close):
                try:
                    action()
                except Exception:  # a dead device may fail to stop; keep going
                    log.debug("closing the input stream failed", exc_info=True)
            if self.error is not None:
                log.warning("%s", self.error)

    @staticmethod
    def _to_mono16k(block: np.ndarray, resample: _Resampler | None) -> np.ndarray:
        if resample is not None:
            return resample(block)
        return np.ascontiguousarray(block.reshape(-1), dtype=np.float32)
