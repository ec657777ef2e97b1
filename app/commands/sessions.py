"""`mockcoach sessions` (being built)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("sessions", help="(not ready yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print("mockcoach sessions is not available in this build yet", file=sys.stderr)
    return 2
