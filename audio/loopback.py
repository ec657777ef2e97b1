"""The partner's voice: what the computer plays (the call), captured as a second input.

Each desktop reaches the system output differently, so each has its own route here, all ending
in an ordinary :class:`~audio.sources.MicrophoneSource` (same callback, resampling, meter,
device-lost handling):

- **Linux** (PulseAudio or PipeWire's pulse server): every output sink has a *monitor* source.
  PortAudio does not list server sources, but its ALSA ``pulse`` device records whichever source
  ``PULSE_SOURCE`` names when the stream opens, so the monitor is chosen by name, per stream,
  without touching the system's default (the microphone keeps working beside it). The sources
  come from ``pactl``.
- **Windows**: WASAPI loopback records an *output* device. It needs a PortAudio/sounddevice
  build whose ``WasapiSettings`` takes ``loopback=True``; without one, a "Stereo Mix"-style
  input device (some sound cards have it) is used, and otherwise the message says what to do.
- **macOS**: no loopback without a virtual device; BlackHole (or Loopback, Soundflower) shows up
  as an ordinary input, set up as README.md ("Practise with a partner") describes.

Nothing here is imported by the app at start; with no loopback the app works as before and the
message says why.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from audio.errors import NoMicrophone
from audio.sources import (
    InputDevice,
    MicrophoneSource,
    StreamLike,
    _sounddevice,
    list_input_devices,
)

__all__ = [
    "LoopbackDevice",
    "NoLoopback",
    "list_loopback_devices",
    "loopback_hint",
    "open_loopback",
    "wasapi_loopback_supported",
]

VIRTUAL_LOOPBACK_NAMES = ("blackhole", "loopback audio", "soundflower", "vb-cable", "cable output")
"""Input devices that are the system output under another name (virtual cables)."""
STEREO_MIX_NAMES = ("stereo mix", "what u hear", "wave out mix", "stereomix")

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


class NoLoopback(NoMicrophone):
    """No source for the partner's voice: the message says how to get one."""


@dataclass(frozen=True)
class LoopbackDevice:
    """A source that hears what the computer plays.

    ``kind``: "monitor" (a PulseAudio/PipeWire sink's monitor, opened through PortAudio's
    ``pulse`` device with ``source`` named), "wasapi" (a Windows output device opened as a
    WASAPI loopback), "stereo-mix" or "virtual" (an input device that is the output already).
    """

    name: str
    kind: str
    index: int
    default_samplerate: float
    channels: int
    is_default: bool = False
    source: str = ""
    hostapi: str = ""

    def as_input(self) -> InputDevice:
        return InputDevice(index=self.index, name=self.name,
                           default_samplerate=self.default_samplerate,
                           is_default=self.is_default, max_input_channels=self.channels,
                           hostapi=self.hostapi)

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "name": self.name, "kind": self.kind,
                "source": self.source, "default": self.is_default, "hostapi": self.hostapi,
                "default_samplerate": self.default_samplerate}


def loopback_hint(platform: str | None = None) -> str:
    """What a person does to get a loopback source on this system."""
    platform = platform or sys.platform
    if platform.startswith("linux"):
        return ("Install PulseAudio or PipeWire with its pulse server (`pactl` must work): the "
                "monitor of your speakers then hears the call.")
    if platform == "win32":
        return ("Enable \"Stereo Mix\" in Sound settings > Recording, or install a virtual cable "
                "(VB-CABLE) and play the call into it.")
    if platform == "darwin":
        return ("Install BlackHole 2ch (`brew install blackhole-2ch`) and route the call to a "
                "Multi-Output Device that includes it (README.md, \"Practise with a partner\").")
    return "This system has no known loopback route."


# ------------------------------------------------------------------------------------- linux


def _pactl(args: list[str], run: Runner) -> str | None:
    if shutil.which("pactl") is None and run is subprocess.run:
        return None
    try:
        done = run(["pactl", *args], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def pulse_monitors(run: Runner = subprocess.run) -> tuple[list[str], str | None]:
    """The monitor sources the pulse server has, and the one of the default output (None when
    unknown); ([], None) without a pulse server."""
    listing = _pactl(["list", "short", "sources"], run)
    if listing is None:
        return [], None
    monitors = [parts[1] for parts in (line.split("\t") for line in listing.splitlines())
                if len(parts) > 1 and parts[1].endswith(".monitor")]
    default: str | None = None
    info = _pactl(["info"], run) or ""
    for line in info.splitlines():
        if line.startswith("Default Sink:"):
            sink = line.split(":", 1)[1].strip()
            if f"{sink}.monitor" in monitors:
                default = f"{sink}.monitor"
    return monitors, default


def _pulse_device(devices: list[InputDevice]) -> InputDevice | None:
    for device in devices:
        if device.name.lower() == "pulse":
            return device
    return None


# ------------------------------------------------------------------------------------ listing


def wasapi_loopback_supported(sd: Any) -> bool:
    """True when this sounddevice build opens WASAPI output devices as loopback inputs."""
    settings = getattr(sd, "WasapiSettings", None)
    if settings is None:
        return False
    try:
        return "loopback" in inspect.signature(settings).parameters
    except (TypeError, ValueError):
        return False


def list_loopback_devices(
    *,
    platform: str | None = None,
    run: Runner = subprocess.run,
    inputs: list[InputDevice] | None = None,
    sd: Any = None,
) -> list[LoopbackDevice]:
    """Every source that hears the system output here, the default output's first.
    (``platform``, ``run``, ``inputs`` and ``sd`` are injected by tests.)"""
    platform = platform or sys.platform
    if inputs is None:
        try:
            inputs = list_input_devices()
        except NoMicrophone:
            inputs = []
    found: list[LoopbackDevice] = []
    if platform.startswith("linux"):
        pulse = _pulse_device(inputs)
        monitors, default = pulse_monitors(run) if pulse is not None else ([], None)
        for name in sorted(monitors, key=lambda m: m != default):
            assert pulse is not None
            found.append(LoopbackDevice(
                name=name, kind="monitor", index=pulse.index, source=name,
                default_samplerate=pulse.default_samplerate, channels=2,
                is_default=name == default, hostapi=pulse.hostapi))
    if platform == "win32":
        found += _wasapi_outputs(sd)
    for device in inputs:
        lowered = device.name.lower()
        if any(n in lowered for n in VIRTUAL_LOOPBACK_NAMES):
            kind = "virtual"
        elif any(n in lowered for n in STEREO_MIX_NAMES):
            kind = "stereo-mix"
        else:
            continue
        found.append(LoopbackDevice(
            name=device.name, kind=kind, index=device.index,
            default_samplerate=device.default_samplerate,
            channels=max(1, device.max_input_channels), hostapi=device.hostapi))
    if found and not any(d.is_default for d in found):
        found[0] = _as_default(found[0])
    return found


def _as_default(device: LoopbackDevice) -> LoopbackDevice:
    from dataclasses import replace

    return replace(device, is_default=True)


def _wasapi_outputs(sd: Any) -> list[LoopbackDevice]:
    """Windows output devices on the WASAPI host API, as loopback inputs (when supported)."""
    if sd is None:
        try:
            sd = _sounddevice()
        except NoMicrophone:
            return []
    if not wasapi_loopback_supported(sd):
        return []
    try:
        devices, hostapis = sd.query_devices(), sd.query_hostapis()
    except Exception:
        return []
    default_out = -1
    for api in hostapis:
        if "wasapi" in str(api["name"]).lower():
            default_out = int(api.get("default_output_device", -1))
    out = []
    for info in devices:
        api_name = str(hostapis[int(info["hostapi"])]["name"])
        if "wasapi" not in api_name.lower() or int(info["max_output_channels"]) <= 0:
            continue
        out.append(LoopbackDevice(
            name=f"{info['name']} (loopback)", kind="wasapi", index=int(info["index"]),
            default_samplerate=float(info["default_samplerate"]),
            channels=min(2, int(info["max_output_channels"])),
            is_default=int(info["index"]) == default_out, hostapi=api_name))
    return sorted(out, key=lambda d: not d.is_default)


def resolve_loopback(spec: str | int | None, devices: list[LoopbackDevice]) -> LoopbackDevice:
    """The loopback source named (part of its name or monitor source, case-insensitive), or
    the default output's; a clear :class:`NoLoopback` when there is none."""
    if not devices:
        raise NoLoopback(f"No loopback source for the partner's voice. {loopback_hint()}")
    if spec is None or str(spec).strip() in ("", "default"):
        return next((d for d in devices if d.is_default), devices[0])
    needle = str(spec).strip().lower()
    matches = [d for d in devices
               if needle in d.name.lower() or (d.source and needle in d.source.lower())]
    if not matches:
        names = ", ".join(d.name for d in devices)
        raise NoLoopback(f"No loopback source matches {spec!r} (there are: {names}).")
    exact = [d for d in matches if needle in (d.name.lower(), d.source.lower())]
    return (exact or matches)[0]


# ------------------------------------------------------------------------------------ opening


@contextlib.contextmanager
def _pulse_source(name: str) -> Iterator[None]:
    """``PULSE_SOURCE`` set while one stream opens (libpulse reads it when it connects)."""
    saved = os.environ.get("PULSE_SOURCE")
    os.environ["PULSE_SOURCE"] = name
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PULSE_SOURCE", None)
        else:
            os.environ["PULSE_SOURCE"] = saved


def stream_factory_for(device: LoopbackDevice, sd: Any = None) -> Callable[..., StreamLike]:
    """The ``InputStream`` maker that opens ``device`` as a loopback (injected ``sd`` in tests).
    ``MicrophoneSource`` opens streams under the PortAudio lock, so the environment variable
    cannot leak into another stream opening at the same time."""

    def make(**kwargs: Any) -> StreamLike:
        module = sd if sd is not None else _sounddevice()
        if device.kind == "monitor":
            with _pulse_source(device.source):
                stream: StreamLike = module.InputStream(**kwargs)
            return stream
        if device.kind == "wasapi":
            return module.InputStream(  # type: ignore[no-any-return]
                extra_settings=module.WasapiSettings(loopback=True), **kwargs)
        return module.InputStream(**kwargs)  # type: ignore[no-any-return]

    return make


def open_loopback(spec: str | int | None = None, *, meter: Any = None,
                  devices: list[LoopbackDevice] | None = None,
                  sd: Any = None) -> MicrophoneSource:
    """A source hearing the system output (the partner), chosen by name or the default one."""
    device = resolve_loopback(spec, devices if devices is not None else list_loopback_devices())
    # A quiet call is normal (the partner listens): a long stall means a dead device only.
    return MicrophoneSource(device_info=device.as_input(), meter=meter, stall_s=15.0,
                            stream_factory=stream_factory_for(device, sd))
