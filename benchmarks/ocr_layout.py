"""Prompt pages as people share them: requirement F1 on full screens, and CER light vs dark.

    .venv/bin/python benchmarks/ocr_layout.py            # all pages + shared CER
    .venv/bin/python benchmarks/ocr_layout.py --show     # + what was read, page by page
    .venv/bin/python benchmarks/ocr_layout.py --no-layout   # the old reading (ablation)

Pages: ``tests/capture/data/pages/pages.json`` rendered by ``benchmarks/_prompt_pages.py`` as
full 1920x1080 screens (two-column docs, wiki requirement tables, slides; light and dark,
three fonts, 13-28 px). Pages marked ``heldout`` were not looked at while tuning the layout
reader ("held out": four screens whose app chrome the tuned pages share; "held out 2": six
written after the reader was finished and measured once); their figures are printed apart.
Each screen goes through ``capture.ocr.read_text`` and ``capture.prompt.parse_prompt`` exactly
as ``mockcoach ocr`` does; a requirement counts as found when its words match a truth
requirement's words >= 80 % (one-to-one).

CER: the shared Chromium renders (``../shared/data/ocr/rendered/*__region.png``) against the
text shown, with bullets counted (``benchmarks._score.strict_cer``: a bullet read as "e" or
"¢" is an error, a list marker written "-" or "•" is not), light against dark.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._prompt_pages import render_all  # noqa: E402
from benchmarks._score import match_requirements, strict_cer  # noqa: E402
from capture.ocr import read_text  # noqa: E402
from capture.preprocess import PreprocessOptions  # noqa: E402
from capture.prompt import parse_prompt  # noqa: E402

SHARED = Path(os.environ.get("MOCKCOACH_SHARED_DATA", REPO.parent / "shared" / "data"))


def pages(options: PreprocessOptions, show: bool) -> None:
    sums: dict[str, list[int]] = {}
    kinds: dict[str, list[int]] = {}
    seconds: list[float] = []
    print(f"{'page':28s} {'F1':>5s} {'P':>5s} {'R':>5s}  kind  title  s")
    for page in render_all():
        started = time.perf_counter()
        result = read_text(page.image, preprocess=options)
        prompt = parse_prompt(result.text)
        seconds.append(time.perf_counter() - started)
        score = match_requirements(list(page.requirements),
                                   [(r.text, r.kind) for r in prompt.requirements])
        group = ("held out 2" if page.batch == 2 else "held out") if page.heldout else "tuned"
        for key in (group, "all"):
            total = sums.setdefault(key, [0, 0, 0])
            total[0] += score.truth
            total[1] += score.found
            total[2] += score.matched
            kind = kinds.setdefault(key, [0, 0])
            kind[0] += score.kind_ok_compatible
            kind[1] += score.matched
        title_ok = "ok" if prompt.title == page.title else "NO"
        print(f"{page.name:28s} {score.f1:5.3f} {score.precision:5.3f} {score.recall:5.3f}  "
              f"{score.kind_ok_compatible}/{score.matched:<3d} {title_ok:5s} "
              f"{seconds[-1]:.2f}  {f'({group})' if page.heldout else ''}")
        if show:
            print("    " + result.text.replace("\n", "\n    "))
            for r in prompt.requirements:
                print(f"    -> {r.kind:14s} {r.text}")
    print()
    for key in ("tuned", "held out", "held out 2", "all"):
        if key not in sums:
            continue
        truth, found, matched = sums[key]
        p = matched / found if found else 0.0
        r = matched / truth if truth else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        ok, n = kinds[key]
        print(f"{key:9s} requirement F1 {f1:.3f} (P {p:.3f}, R {r:.3f}; {matched}/{truth} found, "
              f"{found} read)  kind (scale ~ non-functional) {ok}/{n}")
    print(f"s per full screen: mean {statistics.mean(seconds):.2f}, max {max(seconds):.2f}")


def shared_cer(options: PreprocessOptions) -> None:
    folder = SHARED / "ocr" / "rendered"
    if not folder.is_dir():
        print(f"\nshared data not found at {SHARED}: CER light vs dark skipped")
        return
    print("\nCER with bullets counted, shared Chromium renders (region), mean over prompts")
    for style in ("light", "dark", "small", "mono"):
        values = []
        for image in sorted(folder.glob(f"*__{style}__region.png")):
            prompt_id = image.stem.split("__")[0]
            shown = (SHARED / "prompts" / f"{prompt_id}.txt").read_text(encoding="utf-8")
            values.append(strict_cer(shown, read_text(image, preprocess=options).text))
        print(f"  {style:6s} {statistics.mean(values) * 100:5.2f} %  (n={len(values)}, "
              f"max {max(values) * 100:.2f} %)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="print what was read")
    parser.add_argument("--no-layout", action="store_true",
                        help="ablation: no bullet shapes, no column/table reading")
    parser.add_argument("--no-cer", action="store_true", help="skip the shared CER")
    args = parser.parse_args()
    options = PreprocessOptions()
    if args.no_layout:
        options = replace(options, bullets=False, layout=False)
    print(f"load average at start: {os.getloadavg()}  options: {options}")
    pages(options, args.show)
    if not args.no_cer:
        shared_cer(options)
    print(f"load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
