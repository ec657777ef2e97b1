"""Diagram reading on the rendered set: component recall and precision, label recall, seconds.

    python -m benchmarks.diagram [--split tune|heldout|blind|blind2|all] [--dir DIR] [--verbose]
                                 [--font-px LO-HI] [--zoom K] [--reader auto|lines|tesseract]
                                 [--scale X] [--keep-lines]

Renders the set with ``scripts/render_diagrams.py`` into DIR (a temporary folder by default),
reads every image with ``capture.diagram.read_diagram`` and prints, per split, style and
theme (and per font, except for the blind split, which is only ever seen as totals):

- component recall / precision: per diagram, the set of component ids in the truth against
  the set read (micro-averaged over diagrams: a diagram's cache counts once);
- label recall: truth labels whose words were all read in one label (case-insensitive);
- seconds per capture (wall time of ``read_diagram``), and for 1080p captures alone, with the
  load average beside them (the target is for an otherwise idle 2-core machine), and the CPU
  seconds a 1080p capture costs (this process with the recogniser, plus Tesseract when it runs;
  ~ the wall time on an idle core).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from capture.diagram import DiagramOptions, read_diagram  # noqa: E402
from capture.diagram_vocabulary import words_of  # noqa: E402
from scripts.render_diagrams import render_set  # noqa: E402


def _cpu_s() -> float:
    """CPU seconds used so far by this process and its finished children (Tesseract): what a
    capture costs whatever else the machine is doing (wall time grows with the load)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["tune", "heldout", "blind", "blind2", "all"],
                        default="all")
    parser.add_argument("--dir", type=Path, default=None, help="render into (and keep) DIR")
    parser.add_argument("--verbose", action="store_true", help="print misses per diagram")
    parser.add_argument("--scale", type=float, default=None, help="upscale before Tesseract")
    parser.add_argument("--keep-lines", action="store_true", help="do not erase straight lines")
    parser.add_argument("--font-px", default="11-16", metavar="LO-HI",
                        help="label sizes to render (default 11-16; e.g. 18-24 for HiDPI)")
    parser.add_argument("--zoom", type=float, default=1.0, metavar="K",
                        help="enlarge each picture K times before reading (bicubic): a capture "
                             "of a HiDPI screen, where everything is K times bigger")
    parser.add_argument("--reader", choices=["auto", "lines", "tesseract"], default="auto",
                        help="the line recogniser (auto: when installed) or Tesseract")
    args = parser.parse_args(argv)
    defaults = DiagramOptions()
    options = replace(defaults, scale=args.scale or defaults.scale,
                      erase_lines=not args.keep_lines, reader=args.reader)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp)
        low, _, high = args.font_px.partition("-")
        truths = render_set(folder, None if args.split == "all" else args.split,
                            (int(low), int(high or low)))
        return report(truths, args.verbose, options, args.zoom)


def report(truths: list[Path], verbose: bool, options: DiagramOptions,
           zoom: float = 1.0) -> int:
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # tp fp fn labels_ok all
    seconds: list[float] = []
    seconds_1080: list[float] = []
    cpu_1080: list[float] = []
    load_before = os.getloadavg()[0]
    for path in truths:
        truth = json.loads(path.read_text(encoding="utf-8"))
        cpu_before = _cpu_s()
        image_path = path.with_name(truth["image"])
        if zoom == 1.0:  # from the file: seconds include loading it, as the CLI's do
            reading = read_diagram(image_path, options=options)
        else:
            picture = Image.open(image_path).convert("RGB")
            picture = picture.resize((round(picture.width * zoom), round(picture.height * zoom)),
                                     Image.Resampling.BICUBIC)
            reading = read_diagram(picture, options=options)
        cpu = _cpu_s() - cpu_before
        seconds.append(reading.seconds)
        if truth["size"] == [1920, 1080]:
            seconds_1080.append(reading.seconds)
            cpu_1080.append(cpu)
        wanted = {c["id"] for c in truth["components"]}
        got = reading.component_ids
        read_words = [set(words_of(label.text)) for label in reading.labels]
        labels_ok = sum(
            1 for label in truth["labels"]
            if any(set(words_of(label["text"])) <= words for words in read_words)
        )
        split = truth["split"]
        keys = ["all", split, f"{split}:{truth['style']}", f"{split}:{truth['theme']}"]
        if not split.startswith("blind"):  # blind splits are only seen as totals per style
            keys.append(f"font:{truth.get('font', '')}")
        for key in keys:
            row = rows[key]
            row[0] += len(wanted & got)
            row[1] += len(got - wanted)
            row[2] += len(wanted - got)
            row[3] += labels_ok
            row[4] += len(truth["labels"])
        missed = wanted != got or labels_ok < len(truth["labels"])
        if verbose and missed and not split.startswith("blind"):
            print(f"{path.stem}: missed {sorted(wanted - got)} extra {sorted(got - wanted)}")
            print("   read:", " | ".join(label.text for label in reading.labels))
    load_after = os.getloadavg()[0]
    print(f"{'set':<22} {'recall':>7} {'precision':>9} {'label recall':>12}")
    for key in sorted(rows, key=lambda k: (k != "all", k)):
        tp, fp, fn, ok, total = rows[key]
        recall = tp / (tp + fn) if tp + fn else 1.0
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(f"{key:<22} {recall:7.3f} {precision:9.3f} {ok / max(1, total):12.3f}")
    print(f"\n{len(truths)} diagrams; seconds per capture: median {statistics.median(seconds):.2f},"
          f" max {max(seconds):.2f}")
    if seconds_1080:
        print(f"1080p captures ({len(seconds_1080)}): median {statistics.median(seconds_1080):.2f}"
              f" s, max {max(seconds_1080):.2f} s wall; CPU (this process, its children) median "
              f"{statistics.median(cpu_1080):.2f} s, max {max(cpu_1080):.2f} s")
    print(f"load average (1 min) before {load_before:.2f}, after {load_after:.2f}; "
          f"{os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
