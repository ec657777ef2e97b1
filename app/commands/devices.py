"""``mockcoach devices``: the input devices PortAudio sees, and which one is the default."""

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
        description="List the audio input devices (microphones). Use the number or part of the "
        "name with `mockcoach transcribe --mic --device D`.",
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
    if args.json:
        for device in devices:
            print(json.dumps(asdict(device)))
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
    return 0
