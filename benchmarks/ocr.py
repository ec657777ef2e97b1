"""OCR + prompt-parsing benchmark: CER, requirement precision/recall/F1, kind accuracy, time.

    .venv/bin/python benchmarks/ocr.py                # shared dev set + our own Qt renders
    .venv/bin/python benchmarks/ocr.py --ablation     # each preprocessing step switched off
    .venv/bin/python benchmarks/ocr.py --no-qt        # skip the Xvfb/Qt renders
    .venv/bin/python benchmarks/ocr.py --speed        # only the full-screen time breakdown
    .venv/bin/python benchmarks/ocr.py --heldout      # + the held-out test prompts in Qt

The time breakdown (full 1920x1080 screens) gives CPU seconds per stage: preprocessing (block
finding, scaling), each Tesseract run (measured one after the other, so a busy machine does not
blur them), parsing, and the grab's wall time. With two Tesseract runs side by side on two idle
cores, a capture takes about grab + prepare + the longer run + parse: the "critical path"
row. The measured wall time (with the number of runs ``read_text`` chose for the current load)
is printed next to it with the load average, since other work on a 2-core machine stretches it.

Data: ``../shared/data/ocr/real`` (images with ground-truth text), ``../shared/data/ocr/rendered``
(the shared prompts rendered by headless Chromium, 4 styles x region/screen) and our own renders
of the same prompts in a Qt window on Xvfb, grabbed with ``capture.grab`` (mss).

A requirement counts as found when its words match a truth requirement's words >= 80 % (Dice
over word multisets, one-to-one). Kind accuracy is given strictly and with "scale" and
"non_functional" treated as compatible (the shared truth lists figures under non-functional).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._score import (  # noqa: E402
    cer,
    match_requirements,
    truth_requirements,
)
from capture.ocr import (  # noqa: E402
    BLOCK_PSM,
    DEFAULT_PSM,
    default_workers,
    read_text,
    resolve_tesseract,
    run_tesseract,
    split_pages,
)
from capture.preprocess import PreprocessOptions, prepare  # noqa: E402
from capture.prompt import parse_prompt  # noqa: E402

SHARED = Path(os.environ.get("MOCKCOACH_SHARED_DATA", REPO.parent / "shared" / "data"))


@dataclass
class Tally:
    truth: int = 0
    found: int = 0
    matched: int = 0
    kind_ok: int = 0
    kind_compatible: int = 0
    cers: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)

    def line(self, label: str) -> str:
        p = self.matched / self.found if self.found else 0.0
        r = self.matched / self.truth if self.truth else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        kind = self.kind_ok / self.matched if self.matched else 0.0
        kind_c = self.kind_compatible / self.matched if self.matched else 0.0
        cer_txt = f"{statistics.mean(self.cers) * 100:6.2f}%" if self.cers else "     -"
        sec = statistics.mean(self.seconds) if self.seconds else 0.0
        cpu = statistics.mean(self.cpu_seconds) if self.cpu_seconds else 0.0
        return (f"{label:24s} n={len(self.seconds):3d}  CER={cer_txt}  P={p:.3f} R={r:.3f} "
                f"F1={f1:.3f}  kind={kind:.3f} kind(compat)={kind_c:.3f}  "
                f"s/capture={sec:.2f} (cpu {cpu:.2f})")


def cpu_now() -> float:
    """CPU seconds of this process and its finished children (Tesseract runs as a child)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


HELDOUT = REPO / "tests" / "capture" / "data" / "heldout"


def prompt_truth(prompt_id: str) -> tuple[list[tuple[str, str]], str]:
    """Truth requirements ``(text, kind)`` and the text shown, for a shared or held-out prompt.

    Held-out prompts (``tests/capture/data/heldout``, written for the tests) list their kinds
    exactly (``scale`` included); the shared ones list figures under non-functional.
    """
    held = HELDOUT / f"{prompt_id}.json"
    if held.is_file():
        data = json.loads(held.read_text(encoding="utf-8"))
        truth = [(str(item[1]), str(item[0])) for item in data["requirements"]]
        return truth, (HELDOUT / f"{prompt_id}.txt").read_text(encoding="utf-8")
    folder = SHARED / "prompts"
    shared = json.loads((folder / f"{prompt_id}.json").read_text(encoding="utf-8"))
    return truth_requirements(shared), (folder / f"{prompt_id}.txt").read_text(encoding="utf-8")


def score_image(path: Path, prompt_id: str, tallies: list[Tally], options: PreprocessOptions,
                extra_s: float = 0.0, with_cer: bool = True) -> None:
    """OCR + parse one image once and add the result to every tally given."""
    truth, shown = prompt_truth(prompt_id)
    started, cpu_started = time.perf_counter(), cpu_now()
    result = read_text(path, preprocess=options)
    prompt = parse_prompt(result.text)
    seconds = time.perf_counter() - started + extra_s
    cpu_seconds = cpu_now() - cpu_started + extra_s
    score = match_requirements(truth, [(r.text, r.kind) for r in prompt.requirements])
    for tally in tallies:
        tally.seconds.append(seconds)
        tally.cpu_seconds.append(cpu_seconds)
        tally.truth += score.truth
        tally.found += score.found
        tally.matched += score.matched
        tally.kind_ok += score.kind_ok
        tally.kind_compatible += score.kind_ok_compatible
        if with_cer:
            tally.cers.append(cer(shown, result.text))


def bench_real(options: PreprocessOptions) -> Tally:
    tally = Tally()
    for truth_file in sorted((SHARED / "ocr" / "real").glob("*.gt.txt")):
        image = truth_file.with_name(truth_file.name[: -len(".gt.txt")])
        started, cpu_started = time.perf_counter(), cpu_now()
        result = read_text(image, preprocess=options)
        tally.seconds.append(time.perf_counter() - started)
        tally.cpu_seconds.append(cpu_now() - cpu_started)
        tally.cers.append(cer(truth_file.read_text(encoding="utf-8"), result.text))
    return tally


def bench_rendered(folder: Path, options: PreprocessOptions,
                   grab_s: dict[str, float] | None = None) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    for image in sorted(folder.glob("*__*__*.png")):
        prompt_id, style, kind = image.stem.split("__")
        extra = (grab_s or {}).get(f"{prompt_id}__{style}", 0.0) if kind == "screen" else 0.0
        score_image(image, prompt_id, [tallies[kind], tallies[f"{kind}/{style}"]], options,
                    extra, with_cer=(kind == "region"))
    return tallies


def render_qt(out: Path, folder: Path | None = None) -> dict[str, float]:
    """Our own renders: the prompts of ``folder`` (default: the shared ones) in a Qt window on
    Xvfb, grabbed with mss."""
    jobs = [{"text": txt.read_text(encoding="utf-8"), "style": style, "out": str(out),
             "name": txt.stem}
            for txt in sorted((folder or SHARED / "prompts").glob("*.txt"))
            for style in ("light", "dark", "small", "mono")]
    jobs_file = out / "jobs.json"
    jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
    xvfb = None
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    if "DISPLAY" not in os.environ or os.environ.get("MOCKCOACH_BENCH_XVFB") == "1":
        if shutil.which("Xvfb") is None:
            raise SystemExit("Xvfb not installed and no DISPLAY: use --no-qt")
        number = next(n for n in range(150, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
        xvfb = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1920x1080x24",
                                 "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if time.monotonic() > deadline:
                raise SystemExit("Xvfb did not start")
            time.sleep(0.05)
        env["DISPLAY"] = f":{number}"
    try:
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "_render_qt.py"),
                        str(jobs_file)], env=env, check=True, timeout=600)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(timeout=10)
    grab_s = {}
    for meta in out.glob("*__*.json"):
        grab_s[meta.stem] = float(json.loads(meta.read_text())["grab_screen_s"])
    return grab_s


def child_cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def speed_breakdown(folder: Path, grab_s: dict[str, float] | None,
                    options: PreprocessOptions) -> None:
    """Per-stage CPU of full-screen captures, and the wall time of the real (parallel) path."""
    from PIL import Image

    command = resolve_tesseract()
    rows: dict[str, list[float]] = defaultdict(list)
    for path in sorted(folder.glob("*__*__screen.png")):
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        grab = (grab_s or {}).get(path.stem.rsplit("__", 1)[0], 0.0)
        started = time.process_time()
        prepared = prepare(image, options)
        prepare_cpu = time.process_time() - started
        pages = [page.image for page in prepared.pages]
        psm = BLOCK_PSM if any(x.startswith("blocks") for x in prepared.steps) else DEFAULT_PSM
        runs = []
        for group in split_pages(pages, 2):  # as on an idle 2-core machine
            before = child_cpu()
            run_tesseract(group, command=command, psm=psm, lang="eng", timeout_s=60)
            runs.append(child_cpu() - before)
        wall_started = time.perf_counter()
        result = read_text(image, preprocess=options)
        ocr_wall = time.perf_counter() - wall_started
        started = time.process_time()
        parse_prompt(result.text)
        parse_cpu = time.process_time() - started
        rows["grab wall"].append(grab)
        rows["prepare cpu"].append(prepare_cpu)
        rows["tesseract cpu (sum)"].append(sum(runs))
        rows["tesseract cpu (longer run)"].append(max(runs))
        rows["parse cpu"].append(parse_cpu)
        rows["critical path"].append(grab + prepare_cpu + max(runs) + parse_cpu)
        rows["total cpu"].append(grab + prepare_cpu + sum(runs) + parse_cpu)
        rows["measured wall (grab + read + parse)"].append(grab + ocr_wall + parse_cpu)
        rows["pixels to tesseract (M)"].append(sum(p.width * p.height for p in pages) / 1e6)
        rows["tesseract runs (idle 2 cores)"].append(len(runs))
        rows["tesseract runs used now (load-based)"].append(default_workers())
    if not rows:
        return
    print(f"\n== time per full-screen capture ({folder.name}, n={len(rows['grab wall'])}), "
          f"load average {os.getloadavg()}")
    for label, values in rows.items():
        print(f"  {label:38s} mean {statistics.mean(values):6.3f}  max {max(values):6.3f}")


def print_set(name: str, tallies: dict[str, Tally]) -> None:
    print(f"\n== {name}")
    for key in sorted(tallies, key=lambda k: (k.count("/"), k)):
        print("  " + tallies[key].line(key))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ablation", action="store_true")
    parser.add_argument("--no-qt", action="store_true")
    parser.add_argument("--speed", action="store_true", help="only the time breakdown")
    parser.add_argument("--heldout", action="store_true",
                        help="also render the held-out test prompts in Qt and score them")
    args = parser.parse_args()
    if not (SHARED / "ocr").is_dir():
        print(f"shared data not found at {SHARED}: nothing to measure", file=sys.stderr)
        return 2
    default = PreprocessOptions()
    print(f"tesseract via capture.ocr.read_text; preprocess defaults: {default}")
    print(f"load average at start: {os.getloadavg()}  (s/capture is wall time; cpu = this "
          "process + Tesseract, what it costs on an idle machine)")
    if not args.speed:
        print("\n== real images (../shared/data/ocr/real), CER")
        print("  " + bench_real(default).line("real"))
        print_set("Chromium renders (../shared/data/ocr/rendered)",
                  bench_rendered(SHARED / "ocr" / "rendered", default))
    if not args.no_qt:
        with tempfile.TemporaryDirectory() as tmp:
            grab_s = render_qt(Path(tmp))
            if not args.speed:
                print_set("Qt window on Xvfb grabbed with mss (screen s/capture = grab + OCR + "
                          "parse)", bench_rendered(Path(tmp), default, grab_s))
            speed_breakdown(Path(tmp), grab_s, default)
        if args.heldout:
            with tempfile.TemporaryDirectory() as tmp:
                grab_s = render_qt(Path(tmp), HELDOUT)
                print_set("held-out prompts (tests/capture/data/heldout) in Qt on Xvfb, exact "
                          "kinds", bench_rendered(Path(tmp), default, grab_s))
    else:
        speed_breakdown(SHARED / "ocr" / "rendered", None, default)
    if args.ablation:
        variants = {
            "no grayscale": replace(default, grayscale=False),
            "no invert": replace(default, invert_dark=False),
            "no crop": replace(default, crop=False),
            "no upscale": replace(default, upscale=False),
            "otsu always": replace(default, otsu="always"),
            "otsu never": replace(default, otsu="never"),
            "no blocks (whole crop, psm 3)": replace(default, blocks=False),
            "upscale < 26 px": replace(default, small_glyph_px=26),
            "upscale < 14 px": replace(default, small_glyph_px=14),
        }
        print("\n== ablation (shared real + Chromium renders)")
        print("  " + bench_real(default).line("real / defaults"))
        for label, options in variants.items():
            print("  " + bench_real(options).line(f"real / {label}"))
        for label, options in {"defaults": default, **variants}.items():
            tallies = bench_rendered(SHARED / "ocr" / "rendered", options)
            for kind in ("region", "screen"):
                print("  " + tallies[kind].line(f"{kind} / {label}"))
    print(f"\nload average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
