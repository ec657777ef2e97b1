"""``mockcoach devices``: the input devices PortAudio sees, and which one is the default; then,
separately, the loopback/monitor sources that hear what the computer plays (the partner's voice
in a practice call, ``audio.loopback``)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "devices",
        help="list audio input devices",
        description="List the audio input devices (microphones), then the loopback/monitor "
        "sources that hear what the computer plays (a partner on a call). Use the number or "
        "part of the name with `mockcoach transcribe --mic --device D [--interviewer NAME]`.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per device")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audio.errors import NoMicrophone
    from audio.sources import list_input_devices

    try:
        devices = list_input_devices()
    except NoMicrophone as exc:
        print(f"mockcoach devices: {exc}", file=sys.stderr)
        return 2
    loopbacks = _loopbacks()
    if args.json:
        for device in devices:
            print(json.dumps(asdict(device)))
        for loopback in loopbacks:  # after the inputs, marked: the input lines are unchanged
            print(json.dumps({"loopback": True, **loopback.to_json()}))
        return 0 if devices else 2
    if not devices:
        print(
            "No input device found. Plug in a microphone (or check that the sound server "
            "runs), then run `mockcoach devices` again.",
            file=sys.stderr,
        )
        return 2
    for device in devices:
        mark = "*" if device.is_default else " "
        print(
            f"{mark} {device.index:3d}  {device.name}  "
            f"({device.default_samplerate / 1000:g} kHz, {device.max_input_channels} ch"
            f"{', ' + device.hostapi if device.hostapi else ''})"
        )
    print("* = default. Choose one with --device NUMBER or --device 'part of the name'.")
    _print_loopbacks(loopbacks)
    return 0


def _loopbacks() -> list[Any]:
    from audio.loopback import list_loopback_devices

    try:
        return list_loopback_devices()
    except Exception:  # the list of microphones stands without it
        return []


def _print_loopbacks(loopbacks: list[Any]) -> None:
    from audio.loopback import loopback_hint

    print()
    print("Loopback / monitor sources (the partner's voice on a call):")
    if not loopbacks:
        print(f"  none found. {loopback_hint()}")
        return
    for device in loopbacks:
        mark = "*" if device.is_default else " "
        print(f"{mark} {device.name}  ({device.kind}"
              f"{', ' + device.hostapi if device.hostapi else ''})")
    print("* = the default output's. Choose one with --interviewer 'part of the name'.")
