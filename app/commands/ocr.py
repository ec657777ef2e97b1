"""`mockcoach ocr`: read a prompt from an image file or the screen and list its requirements.

``--json`` prints exactly ``{"text", "title", "requirements": [{"id", "text", "kind",
"value"?, "unit"?}], "seconds"}`` (README, "Prompt capture"); ``seconds`` covers grab + OCR +
parse. With ``--diagram`` it reads a diagram instead and prints ``{"labels": [{"text", "box":
[x, y, w, h]}], "components": [{"id", "label", "box"}], "seconds"}`` (README, "Diagram
capture").
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.Image import Image

    from capture.prompt import Prompt


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "ocr",
        help="read a system-design prompt from an image or the screen",
        description="Read a prompt with Tesseract and list its requirements.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("image", nargs="?", help="image file (PNG, JPEG, TIFF, ...)")
    source.add_argument("--screen", action="store_true", help="capture the screen instead")
    parser.add_argument(
        "--monitor", type=int, default=None,
        help="with --screen: monitor number (1, 2, ...; 0 = all); default all",
    )
    parser.add_argument(
        "--region", default=None, metavar="X,Y,W,H",
        help="with --screen: only this rectangle, in physical pixels "
        "(relative to the monitor when --monitor is given)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--diagram", action="store_true",
        help="read a system-design diagram: its labels and the components they name",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="OCR time limit in seconds")
    parser.add_argument("--tesseract", default=None, help="path of the tesseract executable")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time

    from capture.grab import GrabError, Region, grab
    from capture.ocr import NO_TEXT_FOUND, OcrError, TesseractMissing, read_text
    from capture.prompt import parse_prompt

    started = time.perf_counter()
    if not args.screen and (args.monitor is not None or args.region is not None):
        print("mockcoach ocr: --monitor and --region need --screen", file=sys.stderr)
        return 2
    try:
        if args.screen:
            region = Region.parse(args.region) if args.region else None
            image: Image | str = grab(monitor=args.monitor, region=region)
        else:
            image = args.image
        if args.diagram:
            return _diagram(image, args, started)
        result = read_text(image, timeout_s=args.timeout, tesseract_cmd=args.tesseract)
    except TesseractMissing as exc:
        print(f"mockcoach ocr: {exc}", file=sys.stderr)
        return 2
    except (GrabError, OcrError, ValueError, OSError) as exc:
        print(f"mockcoach ocr: {exc}", file=sys.stderr)
        return 2
    prompt = parse_prompt(result.text)
    seconds = time.perf_counter() - started
    if result.no_text:
        print(f"mockcoach ocr: {NO_TEXT_FOUND}", file=sys.stderr)
    if args.json:
        payload = {
            "text": result.text,
            "title": prompt.title,
            "requirements": [r.to_json() for r in prompt.requirements],
            "seconds": round(seconds, 3),
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    if result.no_text:
        return 0
    _print_prompt(prompt, result.text)
    print(f"\n({seconds:.2f} s)")
    return 0


def _diagram(image: Image | str, args: argparse.Namespace, started: float) -> int:
    """``--diagram``: labels and components; errors propagate to ``run``'s handlers."""
    import time

    from capture.diagram import read_diagram
    from capture.diagram_vocabulary import default_vocabulary

    reading = read_diagram(image, timeout_s=args.timeout, tesseract_cmd=args.tesseract)
    payload = reading.to_json()
    payload["seconds"] = round(time.perf_counter() - started, 3)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    if not reading.labels:
        print("mockcoach ocr: no text found in the diagram", file=sys.stderr)
        return 0
    vocabulary = default_vocabulary()
    print("Components")
    for c in reading.components or ():
        kind = vocabulary.get(c.id)
        print(f"  {kind.name if kind else c.id:<16} {c.label!r} at {c.box[0]},{c.box[1]}")
    if not reading.components:
        print("  (none recognised)")
    print("\nLabels")
    for label in reading.labels:
        print(f"  {label.text}")
    print(f"\n({payload['seconds']:.2f} s)")
    return 0


def _print_prompt(prompt: Prompt, text: str) -> None:
    """The requirements by kind, then what the prompt library adds."""
    from capture.library import LibraryError, load_library, match_library

    print(prompt.title or "(no title found)")
    labels = {"functional": "Functional", "non_functional": "Non-functional",
              "scale": "Scale", "out_of_scope": "Out of scope"}
    for kind, label in labels.items():
        items = prompt.by_kind(kind)
        if not items:
            continue
        print(f"\n{label}")
        for r in items:
            figure = f"  [{r.value:g} {r.unit}]" if r.value is not None else ""
            print(f"  {r.id:>4}  {r.text}{figure}")
    if not prompt.requirements:
        print("\n(no requirements recognised; the text was:)\n" + text)
    try:
        from app.paths import user_prompts_dir
        from capture.library import default_dirs

        match = match_library(prompt, load_library(*default_dirs(), user_prompts_dir()))
    except LibraryError as exc:
        print(f"\n(prompt library skipped: {exc})", file=sys.stderr)
        match = None
    if match is not None and match.suggestions:
        print(f"\nLooks like library prompt '{match.entry.id}'. It also asks about:")
        for r in match.suggestions:
            print(f"  - {r.text}")
