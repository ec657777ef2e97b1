"""Choosing the partner's source on each system (the selection logic, with the device layer and
``pactl`` injected): PulseAudio/PipeWire monitors, WASAPI loopback, virtual cables."""

from __future__ import annotations

import os
import subprocess
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from audio.loopback import (
    LoopbackDevice,
    NoLoopback,
    list_loopback_devices,
    open_loopback,
    resolve_loopback,
    stream_factory_for,
    wasapi_loopback_supported,
)
from audio.sources import InputDevice

PULSE = InputDevice(index=3, name="pulse", default_samplerate=44100.0, is_default=False,
                    max_input_channels=32, hostapi="ALSA")
MIC = InputDevice(index=4, name="default", default_samplerate=44100.0, is_default=True,
                  max_input_channels=32, hostapi="ALSA")


def fake_pactl(sources: str, info: str) -> Any:
    def run(cmd: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        out = sources if cmd[1:3] == ["list", "short"] else info
        return subprocess.CompletedProcess(cmd, 0, out, "")

    return run


SOURCES = ("0\talsa_input.usb-mic\tmodule-alsa-card.c\ts16le 1ch 48000Hz\tRUNNING\n"
           "1\talsa_output.hdmi.monitor\tmodule-alsa-card.c\ts16le 2ch 48000Hz\tIDLE\n"
           "2\talsa_output.speakers.monitor\tmodule-alsa-card.c\ts16le 2ch 48000Hz\tIDLE\n")
INFO = "Server Name: pulseaudio\nDefault Sink: alsa_output.speakers\nDefault Source: x\n"


def test_linux_lists_monitors_with_the_default_outputs_first() -> None:
    found = list_loopback_devices(platform="linux", run=fake_pactl(SOURCES, INFO),
                                  inputs=[PULSE, MIC])
    assert [d.source for d in found] == ["alsa_output.speakers.monitor",
                                         "alsa_output.hdmi.monitor"]
    assert found[0].is_default and not found[1].is_default
    assert {d.index for d in found} == {PULSE.index}  # opened through PortAudio's pulse device
    assert resolve_loopback(None, found).source == "alsa_output.speakers.monitor"
    assert resolve_loopback("hdmi", found).source == "alsa_output.hdmi.monitor"
    with pytest.raises(NoLoopback, match="matches 'bluetooth'"):
        resolve_loopback("bluetooth", found)


def test_linux_without_a_pulse_server_or_device_has_none() -> None:
    def failing(cmd: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(cmd, 1, "", "Connection refused")

    assert list_loopback_devices(platform="linux", run=failing, inputs=[PULSE]) == []
    assert list_loopback_devices(platform="linux", run=fake_pactl(SOURCES, INFO),
                                 inputs=[MIC]) == []  # no ALSA pulse device to open them with
    with pytest.raises(NoLoopback, match="No loopback source"):
        resolve_loopback(None, [])


def test_a_monitor_opens_with_pulse_source_set_only_while_opening() -> None:
    seen: dict[str, Any] = {}

    class FakeSd:
        @staticmethod
        def InputStream(**kwargs: Any) -> str:
            seen["env"] = os.environ.get("PULSE_SOURCE")
            seen["kwargs"] = kwargs
            return "stream"

    device = LoopbackDevice(name="speakers.monitor", kind="monitor", index=3,
                            default_samplerate=48000.0, channels=2, source="speakers.monitor")
    before = os.environ.get("PULSE_SOURCE")
    assert stream_factory_for(device, FakeSd)(device=3, samplerate=48000) == "stream"
    assert seen["env"] == "speakers.monitor" and seen["kwargs"] == {"device": 3,
                                                                    "samplerate": 48000}
    assert os.environ.get("PULSE_SOURCE") == before
    source = open_loopback(None, devices=[device], sd=FakeSd)
    assert source.device.name == "speakers.monitor" and source.input_rate == 48000


class WasapiSd:
    """A sounddevice stand-in on Windows: two WASAPI outputs, one MME output, one input."""

    class WasapiSettings:
        def __init__(self, exclusive: bool = False, loopback: bool = False) -> None:
            self.loopback = loopback

    @staticmethod
    def query_hostapis() -> list[dict[str, Any]]:
        return [{"name": "MME", "default_output_device": 0},
                {"name": "Windows WASAPI", "default_output_device": 2}]

    @staticmethod
    def query_devices() -> list[dict[str, Any]]:
        return [
            {"index": 0, "name": "Speakers (MME)", "hostapi": 0, "max_output_channels": 2,
             "max_input_channels": 0, "default_samplerate": 44100.0},
            {"index": 1, "name": "Headphones", "hostapi": 1, "max_output_channels": 2,
             "max_input_channels": 0, "default_samplerate": 48000.0},
            {"index": 2, "name": "Speakers", "hostapi": 1, "max_output_channels": 8,
             "max_input_channels": 0, "default_samplerate": 48000.0},
            {"index": 3, "name": "Microphone", "hostapi": 1, "max_output_channels": 0,
             "max_input_channels": 1, "default_samplerate": 48000.0},
        ]

    opened: ClassVar[dict[str, Any]] = {}

    @classmethod
    def InputStream(cls, **kwargs: Any) -> str:
        cls.opened = kwargs
        return "stream"


def test_windows_offers_wasapi_outputs_as_loopback_when_the_build_supports_it() -> None:
    found = list_loopback_devices(platform="win32", inputs=[], sd=WasapiSd)
    assert [(d.name, d.kind, d.is_default) for d in found] == [
        ("Speakers (loopback)", "wasapi", True), ("Headphones (loopback)", "wasapi", False)]
    assert found[0].channels == 2
    stream_factory_for(found[0], WasapiSd)(device=2)
    assert WasapiSd.opened["extra_settings"].loopback is True


def test_windows_without_loopback_support_falls_back_to_stereo_mix() -> None:
    old = SimpleNamespace(WasapiSettings=lambda exclusive=False: None,
                          query_devices=WasapiSd.query_devices,
                          query_hostapis=WasapiSd.query_hostapis)
    assert not wasapi_loopback_supported(old)
    mix = InputDevice(index=9, name="Stereo Mix (Realtek Audio)", default_samplerate=48000.0,
                      is_default=False, max_input_channels=2, hostapi="Windows WASAPI")
    found = list_loopback_devices(platform="win32", inputs=[mix], sd=old)
    assert [(d.name, d.kind, d.is_default) for d in found] == [
        ("Stereo Mix (Realtek Audio)", "stereo-mix", True)]
    assert list_loopback_devices(platform="win32", inputs=[], sd=old) == []


def test_macos_finds_blackhole_among_the_inputs() -> None:
    blackhole = InputDevice(index=2, name="BlackHole 2ch", default_samplerate=48000.0,
                            is_default=False, max_input_channels=2, hostapi="Core Audio")
    mic = InputDevice(index=1, name="MacBook Pro Microphone", default_samplerate=48000.0,
                      is_default=True, max_input_channels=1, hostapi="Core Audio")
    found = list_loopback_devices(platform="darwin", inputs=[mic, blackhole])
    assert [(d.name, d.kind, d.index) for d in found] == [("BlackHole 2ch", "virtual", 2)]
    assert found[0].is_default
