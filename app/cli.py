"""The ``mockcoach`` command: the desktop app with no arguments, headless tools as subcommands.

Each subcommand lives in its own module under ``app.commands`` and exposes
``register(subparsers)``; the module's ``run(args) -> int`` does the work. Output shapes of the
``--json`` flags are contracts documented in README.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from app import __version__
from app.commands import devices, doctor, ocr, progress, prompts, replay, sessions, transcribe
from app.logs import setup_logging

# Imported explicitly (not by name) so that PyInstaller sees them; each module keeps its heavy
# imports inside ``run`` so that ``mockcoach --help`` stays instant.
COMMANDS = (doctor, devices, transcribe, ocr, prompts, replay, sessions, progress)

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockcoach",
        description="Rehearse system-design interviews out loud. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"mockcoach {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="load the model, transcribe and OCR shipped samples, open a window offscreen; "
        "exit 0 when everything works",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging()
    try:
        if args.self_test:
            from app.selftest import run_self_test

            self_test_rc: int = run_self_test()
            return self_test_rc
        if args.command is None:
            from app.ui.launch import run_app

            app_rc: int = run_app()
            return app_rc
        result: int = args.func(args)
        return result
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last line of defence: a sentence here, the traceback in the log
        log.exception("mockcoach %s failed", args.command or "app")
        print(f"mockcoach: {exc}", file=sys.stderr)
        print("Run `mockcoach doctor` to check your set-up.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
