"""Benchmark of the framework tracker on the shared, phase-labelled walkthroughs.

Run: ``.venv/bin/python benchmarks/tracker.py [--data ../shared/data] [--json]``

Prints, per transcript and overall: time-weighted 8-phase agreement, agreement after merging
phases into four groups, median boundary error, replay time; coverage precision/recall of
"addressed" replaying each transcript against its own prompt and every unrelated prompt; and the
replay time of a synthetic 60-minute transcript. Not run by pytest.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from framework.definition import get_framework  # noqa: E402
from framework.tracker import Tracker  # noqa: E402
from framework.types import PromptItem, Utterance  # noqa: E402

GROUPS = {
    "requirements": "scope", "estimation": "scope",
    "api": "design", "data_model": "design", "high_level": "design",
    "deep_dive": "depth", "scaling": "depth",
    "wrap_up": "wrap",
}
STEP_S = 0.5


def load_labelled(path: Path) -> list[tuple[Utterance, str]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [(Utterance(r["text"], float(r["start"]), float(r["end"])), r["phase"]) for r in rows]


def load_prompt(path: Path) -> list[PromptItem]:
    data = json.loads(path.read_text())
    items = []
    for key, prefix in (("functional", "f"), ("non_functional", "n"), ("out_of_scope", "o")):
        for i, text in enumerate(data.get(key, []), start=1):
            items.append(PromptItem(f"{prefix}{i}", text, key))
    return items


def truth_at(labelled: list[tuple[Utterance, str]], t: float) -> str:
    phase = labelled[0][1]
    for u, p in labelled:
        if u.start_s <= t:
            phase = p
        else:
            break
    return phase


def predicted_at(phases: list[dict[str, float | str]], t: float) -> str:
    current = str(phases[0]["id"])
    for seg in phases:
        if float(seg["start"]) <= t:
            current = str(seg["id"])
    return current


def boundaries(seq: list[tuple[float, str]]) -> list[tuple[float, str]]:
    out = []
    for i in range(1, len(seq)):
        if seq[i][1] != seq[i - 1][1]:
            out.append(seq[i])
    return out


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--minutes", type=float, default=45.0)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--spoken", action="store_true",
                        help="also run ../shared/data/spoken/*.flac through the real transcriber")
    args = parser.parse_args()
    tdir = args.data / "transcripts"
    if not tdir.is_dir():
        print(f"benchmark skipped: shared data not found at {args.data}", file=sys.stderr)
        return 2
    framework = get_framework("system-design")
    round_s = args.minutes * 60
    files = sorted(tdir.glob("*.jsonl"))
    agree = agree4 = total = 0.0
    errors: list[float] = []
    missing = 0
    per_file = {}
    for path in files:
        labelled = load_labelled(path)
        tracker = Tracker(framework, round_s=round_s)
        t0 = time.perf_counter()
        for u, _ in labelled:
            tracker.feed(u)
        end = labelled[-1][0].end_s
        report = tracker.report(end)
        elapsed = time.perf_counter() - t0
        a = a4 = n = 0
        t = 0.0
        while t < end:
            tp, pp = truth_at(labelled, t), predicted_at(report["phases"], t)
            a += tp == pp
            a4 += GROUPS[tp] == GROUPS[pp]
            n += 1
            t += STEP_S
        true_b = boundaries([(u.start_s, p) for u, p in labelled])
        pred_b = [(float(s["start"]), str(s["id"])) for s in report["phases"][1:]]
        file_err = []
        for bt, bp in true_b:
            cands = [abs(pt - bt) for pt, pp in pred_b if pp == bp]
            if cands:
                file_err.append(min(cands))
            else:
                missing += 1
                file_err.append(float("inf"))
        errors += file_err
        agree += a * STEP_S
        agree4 += a4 * STEP_S
        total += n * STEP_S
        per_file[path.stem] = {
            "agreement": round(a / n, 3), "agreement4": round(a4 / n, 3),
            "median_boundary_error_s": round(statistics.median(file_err), 1) if file_err else 0,
            "replay_s": round(elapsed, 4), "duration_s": end,
        }
        if args.verbose:
            print(path.stem, [(s["id"], s["start"]) for s in report["phases"]])
            print("   truth", true_b)

    # coverage: each transcript against every prompt
    tp = fp = fn = 0
    pdir = args.data / "prompts"
    prompts = {p.stem: load_prompt(p) for p in sorted(pdir.glob("*.json"))}
    spoken = {p.stem: " " + " | ".join(norm(u.text) for u, _ in load_labelled(p)) + " "
              for p in files}
    fp_list = []
    fn_list = []
    for path in files:
        labelled = load_labelled(path)
        end = labelled[-1][0].end_s
        for pid, items in prompts.items():
            tracker = Tracker(framework, items, round_s=round_s)
            for u, _ in labelled:
                tracker.feed(u)
            report = tracker.report(end)
            for req in report["requirements"]:
                text = req["text"]
                # truly addressed: the transcript's own prompt, or the requirement said verbatim
                truth = pid == path.stem or f" {norm(text)} " in spoken[path.stem]
                got = bool(req["addressed"])
                tp += truth and got
                fp += got and not truth
                fn += truth and not got
                if got and not truth:
                    fp_list.append((path.stem, pid, text, req["evidence"]))
                if truth and not got:
                    fn_list.append((path.stem, pid, text))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    if args.verbose:
        for x in fp_list:
            print("FP", x)
        for x in fn_list:
            print("FN", x)

    # a synthetic 60-minute transcript: the walkthroughs back to back
    long: list[Utterance] = []
    offset = 0.0
    while offset < 3600:
        for path in files:
            for u, _ in load_labelled(path):
                if offset + u.end_s > 3600:
                    break
                long.append(Utterance(u.text, offset + u.start_s, offset + u.end_s))
            offset = long[-1].end_s + 1.0
            if offset >= 3600 - 5:
                break
    tracker = Tracker(framework, next(iter(prompts.values()), []), round_s=3600)
    t0 = time.perf_counter()
    per_event = []
    for u in long:
        e0 = time.perf_counter()
        tracker.feed(u)
        per_event.append(time.perf_counter() - e0)
    tracker.report(long[-1].end_s)
    long_s = time.perf_counter() - t0

    finite = [e for e in errors if e != float("inf")]
    result = {
        "files": per_file,
        "agreement_8": round(agree / total, 4),
        "agreement_4": round(agree4 / total, 4),
        "median_boundary_error_s": round(statistics.median(errors), 1) if errors else 0.0,
        "boundaries": len(errors), "boundaries_missed": missing,
        "median_boundary_error_found_s": round(statistics.median(finite), 1) if finite else 0.0,
        "p75_boundary_error_s": round(sorted(errors)[int(0.75 * len(errors))], 1) if errors else 0,
        "p90_boundary_error_s": round(sorted(errors)[int(0.9 * len(errors))], 1) if errors else 0,
        "coverage_precision": round(precision, 4), "coverage_recall": round(recall, 4),
        "coverage_counts": {"tp": tp, "fp": fp, "fn": fn},
        "replay_60min_s": round(long_s, 3), "replay_60min_utterances": len(long),
        "event_max_ms": round(max(per_event) * 1000, 3),
        "event_median_ms": round(statistics.median(per_event) * 1000, 3),
    }
    if args.spoken:
        result["spoken"] = run_spoken(args.data, framework, round_s, prompts)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for name, r in per_file.items():
            print(f"{name:18} 8-phase {r['agreement']:.1%}  4-group {r['agreement4']:.1%}  "
                  f"median boundary error {r['median_boundary_error_s']} s  "
                  f"replay {r['replay_s'] * 1000:.1f} ms")
        print(f"overall 8-phase agreement (time-weighted): {result['agreement_8']:.1%}  "
              "(target >= 75%)")
        print(f"overall 4-group agreement:                 {result['agreement_4']:.1%}  "
              "(target >= 90%)")
        print(f"median boundary error: {result['median_boundary_error_s']} s over {len(errors)} "
              f"true boundaries ({missing} with no matching predicted change; median of the "
              f"found ones {result['median_boundary_error_found_s']} s; 75th percentile "
              f"{result['p75_boundary_error_s']} s, 90th {result['p90_boundary_error_s']} s)  "
              "(target <= 30 s)")
        print(f"coverage precision {precision:.3f} recall {recall:.3f} "
              f"(tp {tp}, fp {fp}, fn {fn})  (target >= 0.85 each)")
        print(f"60-minute replay: {long_s:.3f} s for {len(long)} utterances "
              f"(median {result['event_median_ms']} ms, max {result['event_max_ms']} ms per "
              f"event)  (target < 1 s)")
        for name, r in result.get("spoken", {}).items():  # type: ignore[union-attr]
            print(f"spoken {name}: audio {r['audio_s']} s transcribed in {r['wall_s']} s; "
                  f"8-phase {r['agreement']:.1%}, 4-group {r['agreement4']:.1%}; "
                  f"requirements addressed {r['requirements_addressed']}")
    return 0


def run_spoken(data: Path, framework: object, round_s: float,
           prompts: dict[str, list[PromptItem]]) -> dict[str, dict[str, object]]:
    """The spoken mocks through the live transcriber (bundled tiny.en), then the tracker."""
    from audio.model import load_model, resolve_model
    from audio.sources import FileSource
    from audio.streaming import StreamingTranscriber, transcribe_stream

    out: dict[str, dict[str, object]] = {}
    model = load_model(resolve_model(None))
    for audio in sorted((data / "spoken").glob("*.flac")):
        labelled = load_labelled(audio.with_suffix(".jsonl"))
        tracker = Tracker(framework, prompts.get(audio.stem, []), round_s=round_s)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        end = 0.0
        for ev in transcribe_stream(FileSource(audio, realtime=False), StreamingTranscriber(model)):
            tracker.feed(Utterance(ev.text, ev.start_s, ev.end_s, ev.final))
            end = max(end, ev.end_s)
        wall = time.perf_counter() - t0
        end = max(end, labelled[-1][0].end_s)
        report = tracker.report(end)
        a = a4 = n = 0
        t = 0.0
        while t < labelled[-1][0].end_s:
            tp, pp = truth_at(labelled, t), predicted_at(report["phases"], t)
            a += tp == pp
            a4 += GROUPS[tp] == GROUPS[pp]
            n += 1
            t += STEP_S
        reqs = report["requirements"]
        out[audio.stem] = {
            "audio_s": round(labelled[-1][0].end_s, 1), "wall_s": round(wall, 1),
            "agreement": round(a / n, 3), "agreement4": round(a4 / n, 3),
            "requirements_addressed": f"{sum(r['addressed'] for r in reqs)}/{len(reqs)}",
            "phases": [(p["id"], p["start"]) for p in report["phases"]],
        }
    return out


if __name__ == "__main__":
    sys.exit(main())
