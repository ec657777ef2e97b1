"""Benchmark of the framework tracker on the shared, phase-labelled walkthroughs.

Run: ``.venv/bin/python benchmarks/tracker.py [--data ../shared/data] [--extra DIR] [--loo]
[--framework ID] [--json]``

Prints, per transcript and overall: time-weighted 8-phase agreement, agreement after merging
phases into four groups, the 8-phase agreement as the live window showed it (``LOOKAHEAD_S``)
and the median time to detect a change, median boundary error, replay time; coverage
precision/recall of "addressed" replaying each transcript against its own prompt (what a user
sees) and, as a stress test, with unrelated prompts too (``coverage_figures``); and the replay
time of a synthetic 60-minute transcript. ``--extra DIR`` reports the same figures
separately for walkthroughs in DIR (``<name>.jsonl`` plus the prompt ``<name>.json``, which may
list requirements the walkthrough never addresses under ``not_addressed``); the project's own
set is ``tests/framework/data``. ``--loo`` checks the detector's knobs leave-one-out.
``--framework ID`` measures another bundled framework on the same walkthroughs, their
system-design labels mapped to its phases (``PHASE_MAPS``): agreement with its own phases and
coverage of the prompt requirements (its checklist is not measured). Not run by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from corpus_timing import style_of, timed  # noqa: E402
from train_phase_model import system_of  # noqa: E402

from framework.definition import Framework, get_framework  # noqa: E402
from framework.events import PhaseChanged  # noqa: E402
from framework.phase_model import load_phase_model  # noqa: E402
from framework.tracker import ModelChoice, Tracker, TunedParameters  # noqa: E402
from framework.types import PromptItem, Utterance  # noqa: E402

GROUPS = {
    "requirements": "scope", "estimation": "scope",
    "api": "design", "data_model": "design", "high_level": "design",
    "deep_dive": "depth", "scaling": "depth",
    "wrap_up": "wrap",
}
STEP_S = 0.5

# The walkthroughs are labelled with system-design phases; another bundled framework is measured
# by mapping each label to the phase of that framework a reader of it would put the talk in.
PHASE_MAPS: dict[str, dict[str, str]] = {
    # Scope covers requirements and the numbers; the high-level design and buy-in step is where
    # the API and the data model are sketched; the deep dive includes scaling it.
    "four-step": {
        "requirements": "understand_scope", "estimation": "understand_scope",
        "api": "high_level", "data_model": "high_level", "high_level": "high_level",
        "deep_dive": "deep_dive", "scaling": "deep_dive", "wrap_up": "wrap_up",
    },
    # Clarify is the questions about features and qualities; scope sizes it (its cues and
    # vocabulary are the estimation ones); design is API, data model and components; the last
    # step is scaling and trade-offs, with the closing summary (it carries the wrap-up cues and
    # the summary item, and there is no phase after it).
    "five-step": {
        "requirements": "clarify", "estimation": "scope",
        "api": "design", "data_model": "design", "high_level": "design",
        "deep_dive": "deep_dive", "scaling": "scale_tradeoffs", "wrap_up": "scale_tradeoffs",
    },
    # Requirements include the non-functional sizing (its vocabulary has the estimation words);
    # the data model is the core entities (in the walkthroughs it comes after the API, so that is
    # a step back); deep dives take scaling and the wrap-up (their cues are in it). Nothing maps
    # to data flow: it is an optional step for data-processing systems, and the walkthroughs
    # label that talk high-level design or deep dive, so time the tracker gives it counts
    # against it.
    "delivery": {
        "requirements": "requirements", "estimation": "requirements",
        "api": "api", "data_model": "core_entities", "high_level": "high_level",
        "deep_dive": "deep_dives", "scaling": "deep_dives", "wrap_up": "deep_dives",
    },
}


def load_labelled(path: Path) -> list[tuple[Utterance, str]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not all("start" in r for r in rows):  # a corpus file not yet paced
        rows = timed(rows, path.stem, style_of(path))
    return [(Utterance(r["text"], float(r["start"]), float(r["end"]),
                       speaker=r.get("speaker", "candidate")), r["phase"]) for r in rows]


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


# The issue allows a boundary to be placed with up to this much speech after it. The tracker
# places a change at the start of the speech that showed it, often further back than that (it
# becomes sure 10-20 s into a new phase), so the timeline a replay reports is not what the live
# window showed: the live figure scores, for each moment, the phase the tracker named by this
# many seconds later.
LOOKAHEAD_S = 10.0


def live_phases(changes: list[PhaseChanged]) -> list[tuple[float, str]]:
    """Each change starting no earlier than ``LOOKAHEAD_S`` before it was detected; a change
    placed before an earlier one's start replaces it (as the live timeline was redrawn)."""
    segs: list[tuple[float, str]] = []
    for c in changes:
        detected = c.detected_s if c.detected_s is not None else c.at_s
        start = max(c.at_s, detected - LOOKAHEAD_S)
        while len(segs) > 1 and segs[-1][0] >= start:
            segs.pop()
        segs.append((start, c.phase))
    return segs


def boundaries(seq: list[tuple[float, str]]) -> list[tuple[float, str]]:
    out = []
    for i in range(1, len(seq)):
        if seq[i][1] != seq[i - 1][1]:
            out.append(seq[i])
    return out


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@dataclass
class Walkthrough:
    name: str
    labelled: list[tuple[Utterance, str]]
    prompt: list[PromptItem]
    not_addressed: frozenset[str]  # requirement texts the walkthrough never addresses
    checklist: frozenset[str] | None = None  # checklist items it addresses, where labelled
    system: str = ""  # the prompt's subject: two takes on one prompt are not "other prompts"


def load_set(transcripts: list[Path], prompt_dir: Path) -> list[Walkthrough]:
    out = []
    for path in transcripts:
        ppath = prompt_dir / f"{path.stem}.json"
        prompt = load_prompt(ppath) if ppath.is_file() else []
        meta = json.loads(ppath.read_text()) if ppath.is_file() else {}
        skip = meta.get("not_addressed", [])
        items = frozenset(meta["checklist"]) if "checklist" in meta else None
        out.append(Walkthrough(path.stem, load_labelled(path), prompt, frozenset(skip), items,
                               system_of(str(meta.get("title", path.stem)))))
    return out


def relabel(walks: list[Walkthrough], mapping: dict[str, str]) -> list[Walkthrough]:
    """The walkthroughs with each system-design label replaced by ``mapping[label]``."""
    return [Walkthrough(w.name, [(u, mapping[p]) for u, p in w.labelled], w.prompt,
                        w.not_addressed, w.checklist, w.system) for w in walks]


def phase_figures(walks: list[Walkthrough], framework: Framework, round_s: float,
                  params: TunedParameters | None = None, verbose: bool = False,
                  groups: dict[str, str] | None = GROUPS,
                  phase_model: ModelChoice = "auto") -> dict[str, Any]:
    """Time-weighted agreement (8 phases, 4 groups) and boundary errors over ``walks``.

    With ``groups=None`` (another framework, labels already mapped to its phases) the overall
    agreement is ``agreement`` and no group figure is computed."""
    agree = agree4 = total = live = 0.0
    errors: list[float] = []
    delays: list[float] = []
    missing = 0
    true_changes = predicted_changes = 0
    per_file = {}
    for w in walks:
        labelled = w.labelled
        tracker = Tracker(framework, round_s=round_s, params=params, phase_model=phase_model)
        t0 = time.perf_counter()
        changes = []
        for u, _ in labelled:
            changes += [e for e in tracker.feed(u) if isinstance(e, PhaseChanged)]
        end = labelled[-1][0].end_s
        report = tracker.report(end)
        elapsed = time.perf_counter() - t0
        shown: list[dict[str, float | str]] = [{"id": p, "start": s}
                                               for s, p in live_phases(changes)]
        delays += [c.detected_s - c.at_s for c in changes[1:] if c.detected_s is not None]
        a = a4 = n = a_live = 0
        t = 0.0
        while t < end:
            tp, pp = truth_at(labelled, t), predicted_at(report["phases"], t)
            a += tp == pp
            a4 += groups is not None and groups[tp] == groups[pp]
            a_live += tp == predicted_at(shown, t)
            n += 1
            t += STEP_S
        true_b = boundaries([(u.start_s, p) for u, p in labelled])
        pred_b = [(float(s["start"]), str(s["id"])) for s in report["phases"][1:]]
        true_changes += len(true_b)
        predicted_changes += len(pred_b)
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
        live += a_live * STEP_S
        total += n * STEP_S
        grouped = {"agreement4": round(a4 / n, 3)} if groups is not None else {}
        per_file[w.name] = {
            "agreement": round(a / n, 3), **grouped,
            "median_boundary_error_s": round(statistics.median(file_err), 1) if file_err else 0,
            "replay_s": round(elapsed, 4), "duration_s": end,
        }
        if verbose:
            print(w.name, [(s["id"], s["start"]) for s in report["phases"]])
            print("   truth", true_b)
    finite = [e for e in errors if e != float("inf")]
    overall = ({"agreement_8": round(agree / total, 4), "agreement_4": round(agree4 / total, 4)}
               if groups is not None else {"agreement": round(agree / total, 4)})
    return {
        "files": per_file,
        **overall,
        "agreement_8_live": round(live / total, 4),
        "median_detection_delay_s": round(statistics.median(delays), 1) if delays else 0.0,
        "seconds": total,
        "median_boundary_error_s": round(statistics.median(errors), 1) if errors else 0.0,
        "boundaries": len(errors), "boundaries_missed": missing,
        "changes_ratio": round(predicted_changes / max(1, true_changes), 2),
        "median_boundary_error_found_s": round(statistics.median(finite), 1) if finite else 0.0,
        "p75_boundary_error_s": round(sorted(errors)[int(0.75 * len(errors))], 1) if errors else 0,
        "p90_boundary_error_s": round(sorted(errors)[int(0.9 * len(errors))], 1) if errors else 0,
    }


def coverage_figures(walks: list[Walkthrough], framework: Framework, round_s: float,
                     verbose: bool = False, phase_model: ModelChoice = "auto",
                     max_others: int = 12) -> dict[str, Any]:
    """Replay each walkthrough against its own prompt and every other prompt of the set (in a
    set of more than ``max_others`` walkthroughs, the next ``max_others`` of them).

    Truly addressed: a requirement of the walkthrough's own prompt (unless the prompt file lists
    it under ``not_addressed``), or an unrelated prompt's requirement said word for word.

    The unrelated prompts are a stress test: a similar prompt's requirement said in other words
    ("never double book" against a room-booking prompt) counts as a false tick although the
    candidate said it. In the app only the user's own prompt is tracked, so the figures over
    the own prompts alone (``coverage_*_own``) are the ones a user sees."""
    counts = {"all": Counter[str](), "own": Counter[str]()}
    spoken = {w.name: " " + " | ".join(norm(u.text) for u, _ in w.labelled) + " " for w in walks}
    for i, w in enumerate(walks):
        end = w.labelled[-1][0].end_s
        others = [o for o in walks if o is w or o.system != w.system]
        if len(others) > max_others + 1:
            after = [walks[(i + k) % len(walks)] for k in range(1, len(walks))]
            others = [w, *[o for o in after if o.system != w.system][:max_others]]
        for other in others:
            if not other.prompt:
                continue
            tracker = Tracker(framework, other.prompt, round_s=round_s, phase_model=phase_model)
            for u, _ in w.labelled:
                tracker.feed(u)
            report = tracker.report(end)
            for req in report["requirements"]:
                text = req["text"]
                own = other.name == w.name and text not in w.not_addressed
                truth = own or f" {norm(text)} " in spoken[w.name]
                got = bool(req["addressed"])
                for scope in ("all", "own") if other is w else ("all",):
                    counts[scope].update(tp=truth and got, fp=got and not truth,
                                         fn=truth and not got)
                if verbose and got and not truth:
                    print("FP", w.name, other.name, repr(text), "<-", repr(req["evidence"]))
                if verbose and truth and not got:
                    print("FN", w.name, other.name, repr(text))
    out: dict[str, Any] = {}
    for scope, suffix in (("all", ""), ("own", "_own")):
        c = {k: counts[scope][k] for k in ("tp", "fp", "fn")}
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        out[f"coverage_precision{suffix}"] = round(tp / (tp + fp) if tp + fp else 1.0, 4)
        out[f"coverage_recall{suffix}"] = round(tp / (tp + fn) if tp + fn else 1.0, 4)
        out[f"coverage_counts{suffix}"] = c
    return out


def checklist_figures(walks: list[Walkthrough], framework: Framework, round_s: float,
                      phase_model: ModelChoice = "auto", verbose: bool = False
                      ) -> dict[str, Any]:
    """Checklist items ticked against the items each walkthrough's labels say it addresses
    (walkthroughs without a ``checklist`` label are left out)."""
    tp = fp = fn = 0
    labelled = [w for w in walks if w.checklist is not None]
    for w in labelled:
        tracker = Tracker(framework, w.prompt, round_s=round_s, phase_model=phase_model)
        for u, _ in w.labelled:
            tracker.feed(u)
        report = tracker.report(w.labelled[-1][0].end_s)
        truth = w.checklist or frozenset()
        for item in report["checklist"]:
            got, want = bool(item["addressed"]), item["id"] in truth
            tp += got and want
            fp += got and not want
            fn += want and not got
            if verbose and got and not want:
                print("checklist FP", w.name, item["id"], "<-", repr(item["evidence"]),
                      item["at"])
    return {
        "checklist_walkthroughs": len(labelled),
        "checklist_precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "checklist_recall": round(tp / (tp + fn), 4) if tp + fn else None,
    }


def compare_sets(sets: dict[str, list[Walkthrough]], framework: Framework, round_s: float,
                 groups: dict[str, str] | None, learned: ModelChoice = "auto"
                 ) -> dict[str, Any]:
    """The tracker of the last stop (rules only) beside the learned one, per set."""
    out: dict[str, Any] = {}
    for name, walks in sets.items():
        row: dict[str, Any] = {"walkthroughs": len(walks),
                               "minutes": round(sum(w.labelled[-1][0].end_s for w in walks) / 60)}
        for label, choice in (("rules", None), ("learned", learned)):
            r = phase_figures(walks, framework, round_s, groups=groups, phase_model=choice)
            r.update(coverage_figures(walks, framework, round_s, phase_model=choice,
                                      max_others=3))
            r.update(checklist_figures(walks, framework, round_s, phase_model=choice))
            r.pop("files")
            row[label] = r
        out[name] = row
    return out


def print_comparison(result: dict[str, Any]) -> None:
    def f(x: Any, pct: bool = False) -> str:
        if x is None:
            return "-"
        return f"{x:.1%}" if pct else f"{x}"

    rows = [("phase agreement (8 phases; own phases for another framework)", "agreement_8", True),
            ("4-group", "agreement_4", True),
            (f"8-phase as shown live ({LOOKAHEAD_S:.0f} s look-ahead)", "agreement_8_live", True),
            ("median boundary error (s)", "median_boundary_error_s", False),
            ("median time to detect a change (s)", "median_detection_delay_s", False),
            ("phase changes / true", "changes_ratio", False),
            ("coverage precision, own prompt", "coverage_precision_own", False),
            ("coverage recall, own prompt", "coverage_recall_own", False),
            ("coverage precision, own + 3 other prompts (stress)", "coverage_precision", False),
            ("coverage recall, own + 3 other prompts (stress)", "coverage_recall", False),
            ("checklist precision", "checklist_precision", False),
            ("checklist recall", "checklist_recall", False)]
    for name, row in result.items():
        for side in ("rules", "learned"):  # another framework: agreement with its own phases
            row[side].setdefault("agreement_8", row[side].get("agreement"))
        print(f"== {name}: {row['walkthroughs']} walkthroughs, {row['minutes']} min")
        print(f"   {'':60} {'rules (last stop)':>18} {'learned':>10}")
        for title, key, pct in rows:
            print(f"   {title:60} {f(row['rules'].get(key), pct):>18} "
                  f"{f(row['learned'].get(key), pct):>10}")


def replay_60min(walks: list[Walkthrough], framework: Framework) -> dict[str, Any]:
    """A synthetic 60-minute transcript: the walkthroughs back to back."""
    long: list[Utterance] = []
    offset = 0.0
    full = False
    while not full:
        for w in walks:
            for u, _ in w.labelled:
                if offset + u.end_s > 3600:
                    full = True
                    break
                long.append(Utterance(u.text, offset + u.start_s, offset + u.end_s))
            if full:
                break
            offset = long[-1].end_s + 1.0
    load = model_cost(framework)
    tracker = Tracker(framework, walks[0].prompt, round_s=3600)
    t0 = time.perf_counter()
    c0 = time.process_time()
    per_event = []
    per_event_cpu = []
    for u in long:
        e0 = time.perf_counter()
        c1 = time.thread_time()
        tracker.feed(u)
        per_event_cpu.append(time.thread_time() - c1)
        per_event.append(time.perf_counter() - e0)
    tracker.report(long[-1].end_s)
    return {
        "replay_60min_s": round(time.perf_counter() - t0, 3),
        "replay_60min_cpu_s": round(time.process_time() - c0, 3),
        "replay_60min_utterances": len(long),
        "event_max_ms": round(max(per_event) * 1000, 3),
        "event_p99_ms": round(sorted(per_event)[int(0.99 * len(per_event))] * 1000, 3),
        "event_median_ms": round(statistics.median(per_event) * 1000, 3),
        "event_cpu_p99_ms": round(sorted(per_event_cpu)[int(0.99 * len(per_event))] * 1000, 3),
        **load,
    }


def model_cost(framework: Framework) -> dict[str, Any]:
    """Time and memory to read the framework's learned model, as the first tracker does."""
    import psutil

    from framework.phase_model import load_phase_model

    path = framework.phase_model_path()
    if path is None:
        return {"model_load_s": None, "model_rss_mb": None}
    load_phase_model.cache_clear()
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    t0 = time.perf_counter()
    c0 = time.process_time()
    load_phase_model(str(path))
    return {"model_load_s": round(time.perf_counter() - t0, 3),
            "model_load_cpu_s": round(time.process_time() - c0, 3),
            "model_rss_mb": round((proc.memory_info().rss - rss0) / 1e6, 1),
            "model_file_mb": round(path.stat().st_size / 1e6, 1)}


# A stress test of what real speech does to the tracker: words a speech recogniser gets wrong,
# and asides that name another phase without moving to it. Fixed lists, applied the same way
# to every set, so the figures are comparable run to run.
ASR_SLIPS = {
    "cache": "cash", "caches": "cashes", "caching": "cashing", "queue": "cue", "queues": "cues",
    "shard": "shared", "sharding": "sharing", "latency": "latent see", "redis": "red is",
    "kafka": "cafka", "qps": "q p s", "schema": "skimmer", "database": "data base",
    "replicas": "replica's", "throughput": "through put", "api": "a p i", "idempotent":
    "idem potent", "partition": "part ition", "estimate": "estimat", "endpoints": "end points",
}
ASIDES = (
    "we'll get to the API later, I just want to note it",
    "that will matter a lot when we scale, but not yet",
    "like I said in the requirements, it's read heavy",
    "I'll come back to the data model in a second",
    "and we can deep dive into that later if there's time",
    "that's more of a wrap up point so I'll park it",
    "the high level picture doesn't change because of this",
    "I'd estimate that's fine, no need for the numbers yet",
)


def perturb(walks: list[Walkthrough]) -> list[Walkthrough]:
    """The same walkthroughs with ASR slips in every utterance and an aside (labelled with the
    phase it interrupts) after every fifth one."""
    out = []
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, ASR_SLIPS)) + r")\b", re.IGNORECASE)
    for w in walks:
        labelled: list[tuple[Utterance, str]] = []
        shift = 0.0
        for n, (u, phase) in enumerate(w.labelled):
            text = pattern.sub(lambda m: ASR_SLIPS[m.group(1).lower()], u.text)
            labelled.append((Utterance(text, u.start_s + shift, u.end_s + shift), phase))
            if n % 5 == 4:
                aside = ASIDES[(n // 5) % len(ASIDES)]
                dur = len(aside.split()) * 0.4
                start = u.end_s + shift + 0.6
                labelled.append((Utterance(aside, start, start + dur), phase))
                shift += dur + 0.6
        out.append(Walkthrough(w.name, labelled, w.prompt, w.not_addressed))
    return out


# The grid the leave-one-out check picks from: the detector's main knobs around the defaults.
LOO_GRID = {
    "dwell_s": (40.0, 60.0, 120.0),
    "switch_margin": (0.5, 1.0, 2.0),
    "evidence_scale": (0.7, 0.9, 1.2),
}


def leave_one_out(walks: list[Walkthrough], framework: Framework,
                  round_s: float) -> dict[str, Any]:
    """For each walkthrough, pick the grid setting that scores best on all the others, then
    score the left-out one with it: how much of the default's figure is tuning, not skill."""
    settings = [TunedParameters(dwell_s=d, switch_margin=m, evidence_scale=k)
                for d in LOO_GRID["dwell_s"] for m in LOO_GRID["switch_margin"]
                for k in LOO_GRID["evidence_scale"]]
    # agreement seconds per (setting, walkthrough)
    table: list[list[tuple[float, float]]] = []
    for params in settings:
        row = []
        for w in walks:
            f = phase_figures([w], framework, round_s, params)
            row.append((f["agreement_8"] * f["seconds"], f["seconds"]))
        table.append(row)
    default = next(i for i, s in enumerate(settings) if s == TunedParameters())
    loo_agree = default_agree = total = 0.0
    chosen = []
    for j, w in enumerate(walks):
        def others(i: int, j: int = j) -> float:
            return sum(a for k, (a, _) in enumerate(table[i]) if k != j)
        best = max(range(len(settings)), key=lambda i: (others(i), -i))
        chosen.append((w.name, settings[best].dwell_s, settings[best].switch_margin,
                       settings[best].evidence_scale))
        loo_agree += table[best][j][0]
        default_agree += table[default][j][0]
        total += table[default][j][1]
    spread = [sum(a for a, _ in row) / total for row in table]
    return {
        "loo_agreement_8": round(loo_agree / total, 4),
        "default_agreement_8": round(default_agree / total, 4),
        "grid_min": round(min(spread), 4), "grid_max": round(max(spread), 4),
        "settings": len(settings), "chosen": chosen,
    }


def print_mapped_set(title: str, r: dict[str, Any], framework: Framework) -> None:
    """``print_set`` for another framework: agreement with its own phases, no groups."""
    n = len(framework.phases)
    print(f"== {title} ({framework.id}, {n} phases, system-design labels mapped)")
    for name, f in r["files"].items():
        print(f"{name:18} {n}-phase {f['agreement']:.1%}  "
              f"median boundary error {f['median_boundary_error_s']} s  "
              f"replay {f['replay_s'] * 1000:.1f} ms")
    print(f"overall {n}-phase agreement (time-weighted): {r['agreement']:.1%}")
    print(f"median boundary error: {r['median_boundary_error_s']} s over {r['boundaries']} "
          f"true boundaries ({r['boundaries_missed']} with no matching predicted change; 75th "
          f"percentile {r['p75_boundary_error_s']} s, 90th {r['p90_boundary_error_s']} s)")
    c = r["coverage_counts"]
    print(f"coverage precision {r['coverage_precision']:.3f} recall {r['coverage_recall']:.3f} "
          f"(tp {c['tp']}, fp {c['fp']}, fn {c['fn']})")


def print_set(title: str, r: dict[str, Any]) -> None:
    print(f"== {title}")
    for name, f in r["files"].items():
        print(f"{name:18} 8-phase {f['agreement']:.1%}  4-group {f['agreement4']:.1%}  "
              f"median boundary error {f['median_boundary_error_s']} s  "
              f"replay {f['replay_s'] * 1000:.1f} ms")
    print(f"overall 8-phase agreement (time-weighted): {r['agreement_8']:.1%}  (target >= 75%)")
    print(f"overall 4-group agreement:                 {r['agreement_4']:.1%}  (target >= 90%)")
    print(f"8-phase as shown live ({LOOKAHEAD_S:.0f} s look-ahead): {r['agreement_8_live']:.1%}; "
          f"median time to detect a change {r['median_detection_delay_s']} s")
    print(f"median boundary error: {r['median_boundary_error_s']} s over {r['boundaries']} "
          f"true boundaries ({r['boundaries_missed']} with no matching predicted change; median "
          f"of the found ones {r['median_boundary_error_found_s']} s; 75th percentile "
          f"{r['p75_boundary_error_s']} s, 90th {r['p90_boundary_error_s']} s)  (target <= 30 s)")
    c = r["coverage_counts"]
    print(f"coverage precision {r['coverage_precision']:.3f} recall {r['coverage_recall']:.3f} "
          f"(tp {c['tp']}, fp {c['fp']}, fn {c['fn']}; own prompt and unrelated ones); own prompt "
          f"alone {r['coverage_precision_own']:.3f} / {r['coverage_recall_own']:.3f}")
    if r.get("checklist_precision") is not None:
        print(f"checklist precision {r['checklist_precision']:.3f} recall "
              f"{r['checklist_recall']:.3f} ({r['checklist_walkthroughs']} labelled walkthroughs)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--extra", type=Path, action="append", default=[], metavar="DIR",
                        help="also report on DIR/*.jsonl walkthroughs (same shape), each with its "
                             "prompt DIR/<name>.json; e.g. tests/framework/data")
    parser.add_argument("--perturb", action="store_true",
                        help="also report every set with ASR slips and asides naming other "
                             "phases mixed in")
    parser.add_argument("--loo", action="store_true",
                        help="leave-one-out check of the detector's parameters over all sets")
    parser.add_argument("--framework", default="system-design",
                        choices=["system-design", *PHASE_MAPS], metavar="ID",
                        help="the bundled framework to measure, the walkthroughs' labels mapped "
                             f"to its phases ({', '.join(PHASE_MAPS)}; default system-design)")
    parser.add_argument("--compare", action="store_true",
                        help="one table per set: the rules-only tracker of the last stop beside "
                             "the learned one (phases, boundaries, changes, coverage, checklist)")
    parser.add_argument("--model", type=Path, metavar="FILE",
                        help="measure this model file (scripts/train_phase_model.py --out FILE) "
                             "instead of the shipped one")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--minutes", type=float, default=45.0)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--spoken", action="store_true",
                        help="also run ../shared/data/spoken/*.flac through the real transcriber")
    args = parser.parse_args()
    framework = get_framework(args.framework)
    mapping = PHASE_MAPS.get(args.framework)
    if mapping is not None and (args.loo or args.spoken):
        print("--loo and --spoken measure the system-design framework only", file=sys.stderr)
        return 2
    groups = None if mapping is not None else GROUPS
    round_s = args.minutes * 60
    sets: dict[str, list[Walkthrough]] = {}
    tdir = args.data / "transcripts"
    if tdir.is_dir():
        sets["shared"] = load_set(sorted(tdir.glob("*.jsonl")), args.data / "prompts")
    else:
        print(f"shared set skipped: no transcripts at {tdir}", file=sys.stderr)
    for extra in args.extra:
        files = sorted(extra.glob("*.jsonl"))
        if not files:
            print(f"no .jsonl walkthroughs in {extra}", file=sys.stderr)
            return 2
        sets[f"extra:{extra}"] = load_set(files, extra)
    if not sets:
        print("nothing to measure: no shared data and no --extra DIR", file=sys.stderr)
        return 2
    if mapping is not None:
        sets = {name: relabel(walks, mapping) for name, walks in sets.items()}
    result: dict[str, Any] = {"load_avg": [round(x, 2) for x in os.getloadavg()]}
    learned: ModelChoice = load_phase_model(str(args.model)) if args.model else "auto"
    if args.compare:
        table = compare_sets(sets, framework, round_s, groups, learned)
        if args.json:
            print(json.dumps(table, indent=1))
        else:
            print_comparison(table)
            print(f"load average {result['load_avg']}")
        return 0
    sets_shown = list(sets)
    if mapping is not None:
        result["framework"] = framework.id
    for name, walks in sets.items():
        r = phase_figures(walks, framework, round_s, verbose=args.verbose, groups=groups,
                          phase_model=learned)
        r.update(coverage_figures(walks, framework, round_s, verbose=args.verbose,
                                  phase_model=learned))
        r.update(checklist_figures(walks, framework, round_s, phase_model=learned,
                                   verbose=args.verbose))
        result[name] = r
    if args.perturb:
        for name in list(sets):
            noisy = perturb(sets[name])
            r = phase_figures(noisy, framework, round_s, verbose=args.verbose, groups=groups)
            r.update(coverage_figures(noisy, framework, round_s, verbose=args.verbose))
            result[f"{name} perturbed"] = r
            sets_shown.append(f"{name} perturbed")
    everything = [w for walks in sets.values() for w in walks]
    result.update(replay_60min(everything, framework))
    if args.loo:
        result["leave_one_out"] = leave_one_out(everything, framework, round_s)
    if args.spoken and "shared" in sets:
        prompts = {w.name: w.prompt for w in sets["shared"]}
        result["spoken"] = run_spoken(args.data, framework, round_s, prompts)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    for name in sets_shown:
        if mapping is None:
            print_set(name, result[name])
        else:
            print_mapped_set(name, result[name], framework)
    print(f"== speed: 60-minute replay {result['replay_60min_s']:.3f} s wall, "
          f"{result['replay_60min_cpu_s']:.3f} s CPU for {result['replay_60min_utterances']} "
          f"utterances (per event median {result['event_median_ms']} ms, 99th percentile "
          f"{result['event_p99_ms']} ms, max {result['event_max_ms']} ms; CPU per event 99th "
          f"percentile {result['event_cpu_p99_ms']} ms)  (targets: <= 2 s CPU, p99 <= 10 ms)")
    print(f"== model: loads in {result['model_load_s']} s ({result['model_load_cpu_s']} s CPU), "
          f"adds {result['model_rss_mb']} MB "
          f"RSS, file {result.get('model_file_mb')} MB")
    if "leave_one_out" in result:
        lo = result["leave_one_out"]
        print(f"== leave-one-out over {len(everything)} walkthroughs and "
              f"{lo['settings']} settings: 8-phase {lo['loo_agreement_8']:.1%} with the "
              f"setting chosen on the others vs {lo['default_agreement_8']:.1%} with the defaults; "
              f"the grid spans {lo['grid_min']:.1%}-{lo['grid_max']:.1%}")
        if args.verbose:
            for c in lo["chosen"]:
                print("   ", c)
    for name, s in result.get("spoken", {}).items():
        print(f"spoken {name}: audio {s['audio_s']} s transcribed in {s['wall_s']} s; "
              f"8-phase {s['agreement']:.1%}, 4-group {s['agreement4']:.1%}; "
              f"requirements addressed {s['requirements_addressed']}")
    print(f"load average {result['load_avg']}")
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
            if ev.final:  # as the app does: partials are shown, finals are tracked
                tracker.feed(Utterance(ev.text, ev.start_s, ev.end_s))
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
