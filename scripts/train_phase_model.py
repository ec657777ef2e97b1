"""Train the learned phase model from the labelled corpus and write the shipped weights.

Run: ``.venv/bin/python scripts/train_phase_model.py`` (a few minutes on 2 cores). It

1. replays every walkthrough of the training and development splits through the tracker to get
   each utterance's features exactly as the app computes them (``Tracker.last_features``);
2. fits a multinomial logistic regression on the training split (numpy, L2, full-batch Adam);
3. chooses the decoding knobs (how much of the class prior the emission drops, its scale, the
   filter's switch margins and dwell time) on the development split, by the tracker's own
   time-weighted agreement;
4. refits on training + development with those settings and writes
   ``assets/frameworks/system-design.model.json`` with the figures and the corpus it came from.

The blind split (``corpus/blind4``) is never read here. ``--lodo`` adds leave-one-domain-out
figures (each domain scored by a model that never saw it); ``--explain`` prints the heaviest
features per phase; ``--out`` writes elsewhere (the test that guards the shipped model's dev
figure uses it).
Deterministic: the same corpus gives the same weights.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from corpus_timing import style_of, timed  # noqa: E402

from framework.coverage_model import (  # noqa: E402
    FEATURES,
    CoverageModel,
    overlap_features,
    requirement_terms,
)
from framework.definition import Framework, get_framework  # noqa: E402
from framework.matching import CoverageMatcher  # noqa: E402
from framework.phase_model import ChecklistModel, PhaseModel  # noqa: E402
from framework.text import FuzzyVocabulary, concept, tokens  # noqa: E402
from framework.tracker import ModelChoice, Tracker, TunedParameters  # noqa: E402
from framework.types import PromptItem, Utterance  # noqa: E402

DATA = ROOT / "tests" / "framework" / "data"
CORPUS = DATA / "corpus"
OUT = ROOT / "assets" / "frameworks" / "system-design.model.json"
ROUND_S = 2700.0
MIN_COUNT = 2  # a feature must occur in at least this many utterances
L2 = 1e-3
STEPS = 400
# The walkthroughs written for the rule-based tracker (own dev set and blind..blind6): they were
# all looked at while tuning the rules, so they are development material here.
SHARED = ROOT.parent / "shared" / "data" / "transcripts"
# The shared study-guide answers are the only walkthroughs labelled by the people who label the
# held-out sets, in a style (a written answer read aloud, "core components" taken apart) the
# corpus writers rarely produced: the shipped model learns from them, each counted this many
# times. Their honest figure is then leave-one-file-out (``--shared-lofo``).
SHARED_WEIGHT = 4
LEGACY_DIRS = [DATA] + [DATA / f"blind{s}" for s in ("", "2", "3", "4", "5", "6")]


@dataclass
class Walk:
    name: str
    domain: str
    utterances: list[Utterance]
    labels: list[str]
    prompt: list[PromptItem]
    features: list[dict[str, float]]
    items: list[list[str]]  # checklist items first addressed in each utterance
    checklist: frozenset[str] | None  # every item the walkthrough addresses, where labelled
    not_addressed: frozenset[str] = frozenset()  # prompt requirements it never addresses
    system: str = ""  # the prompt's subject, so two takes on one prompt are known as such
    style: str = ""  # monologue, dialogue, read_aloud, lecture, notes; "legacy" for older sets


def system_of(title: str) -> str:
    """"Design a like counter at very large scale" -> "like counter"."""
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower())
             if w not in ("design", "a", "an", "the", "for", "of", "system", "service")]
    return " ".join(words[:2])


def load_walk(path: Path, domain: str | None = None) -> Walk:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not all("start" in r for r in rows):  # a file still being written: pace it as it will be
        rows = timed(rows, path.stem, style_of(path))
    utts = [Utterance(r["text"], float(r["start"]), float(r["end"]),
                      speaker=r.get("speaker", "candidate")) for r in rows]
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    prompt = []
    for key, prefix in (("functional", "f"), ("non_functional", "n"), ("out_of_scope", "o")):
        for i, text in enumerate(meta.get(key, []), start=1):
            prompt.append(PromptItem(f"{prefix}{i}", text, key))
    return Walk(path.stem, domain or str(meta.get("domain", path.parent.name)), utts,
                [r["phase"] for r in rows], prompt, [], [list(r.get("items", [])) for r in rows],
                frozenset(meta["checklist"]) if "checklist" in meta else None,
                frozenset(meta.get("not_addressed", [])), system_of(str(meta.get("title", ""))),
                str(meta.get("style", "legacy")))


def load_dirs(dirs: list[Path], domain: str | None = None) -> list[Walk]:
    walks = []
    for d in dirs:
        for p in sorted(d.glob("*.jsonl")):
            walks.append(load_walk(p, domain))
    return walks


def featurize(walks: list[Walk], framework: Framework) -> None:
    """Each utterance's features as the tracker computes them, one line at a time (the
    corpus lines are what a person says in one breath; the tracker gathers a live
    transcriber's fragments into such phrases before the model reads them)."""
    one_line = replace(TunedParameters(), phrase_words=0)
    for w in walks:
        tracker = Tracker(framework, w.prompt, round_s=ROUND_S, params=one_line,
                          phase_model=None)
        w.features = []
        for u in w.utterances:
            tracker.feed(u)
            w.features.append(dict(tracker.last_features))


# ------------------------------------------------------------------------------ the classifier
@dataclass
class Design:
    names: list[str]
    index: dict[str, int]


def build_design(walks: list[Walk]) -> Design:
    counts: Counter[str] = Counter()
    for w in walks:
        for f in w.features:
            counts.update(f.keys())
    names = sorted(k for k, c in counts.items() if c >= MIN_COUNT and k != "bias")
    return Design(names, {k: i for i, k in enumerate(names)})


def matrix(walks: list[Walk], design: Design) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols, vals = [], [], []
    r = 0
    for w in walks:
        for f in w.features:
            for k, v in f.items():
                j = design.index.get(k)
                if j is not None:
                    rows.append(r)
                    cols.append(j)
                    vals.append(v)
            r += 1
    return np.array(rows), np.array(cols), np.array(vals, dtype=np.float64)


def adam_linear(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int, int],
                bias: np.ndarray, data_gradient: Callable[[np.ndarray], np.ndarray]
                ) -> np.ndarray:
    """Full-batch Adam for a linear model over sparse features (``rows``/``cols``/``vals``):
    ``shape`` is (examples, outputs, features); ``data_gradient`` turns the scores into the
    loss gradient per example and output; L2 on the weights. ``bias`` is updated in place."""
    n, k, f = shape
    weights = np.zeros((f, k))
    m_w, v_w = np.zeros_like(weights), np.zeros_like(weights)
    m_b, v_b = np.zeros_like(bias), np.zeros_like(bias)
    lr, b1, b2 = 0.05, 0.9, 0.999
    for step in range(1, STEPS + 1):
        z = np.empty((n, k))
        for c in range(k):
            z[:, c] = np.bincount(rows, weights=vals * weights[cols, c], minlength=n)
        z += bias
        d = data_gradient(z)
        g_w = np.zeros_like(weights)
        for c in range(k):
            g_w[:, c] = np.bincount(cols, weights=vals * d[rows, c], minlength=f)
        g_w += L2 * weights
        g_b = d.sum(axis=0)
        m_w = b1 * m_w + (1 - b1) * g_w
        v_w = b2 * v_w + (1 - b2) * g_w**2
        m_b = b1 * m_b + (1 - b1) * g_b
        v_b = b2 * v_b + (1 - b2) * g_b**2
        corr1, corr2 = 1 - b1**step, 1 - b2**step
        weights -= lr * (m_w / corr1) / (np.sqrt(v_w / corr2) + 1e-8)
        bias -= lr * (m_b / corr1) / (np.sqrt(v_b / corr2) + 1e-8)
    return weights


def fit(walks: list[Walk], phases: list[str], design: Design,
        weight_by_time: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, L2, full-batch Adam. Each utterance weighs by its
    duration (the benchmark scores time, and a long explanation says more than "okay")."""
    rows, cols, vals = matrix(walks, design)
    y = np.array([phases.index(lab) for w in walks for lab in w.labels])
    dur = np.array([max(0.5, u.end_s - u.start_s) for w in walks for u in w.utterances])
    sample_w = dur / dur.mean() if weight_by_time else np.ones_like(dur)
    n, k, f = len(y), len(phases), len(design.names)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    bias = np.log(np.bincount(y, minlength=k) + 1.0)
    bias -= bias.mean()

    def data_gradient(z: np.ndarray) -> np.ndarray:
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad: np.ndarray = (p - onehot) * sample_w[:, None] / n
        return grad

    weights = adam_linear(rows, cols, vals, (n, k, f), bias, data_gradient)
    return weights, bias


def to_model(weights: np.ndarray, bias: np.ndarray, phases: list[str], design: Design,
             walks: list[Walk], prior_power: float = 1.0, scale: float = 1.0,
             params: dict[str, float] | None = None, info: dict[str, object] | None = None
             ) -> PhaseModel:
    time_per = Counter[str]()
    for w in walks:
        for u, lab in zip(w.utterances, w.labels, strict=True):
            time_per[lab] += max(0.5, u.end_s - u.start_s)
    total = sum(time_per.values())
    log_prior = tuple(math.log((time_per[p] + 1.0) / (total + len(phases))) for p in phases)
    kept = {name: tuple(float(x) for x in weights[j])
            for j, name in enumerate(design.names) if np.abs(weights[j]).max() >= 0.01}
    return PhaseModel("system-design", tuple(phases), tuple(float(b) for b in bias), kept,
                      log_prior,
                      prior_power, scale, params or {}, info or {})


# ------------------------------------------------------------------------------ decoding figures
def agreement(walks: list[Walk], framework: Framework, model: ModelChoice,
              params: TunedParameters | None = None) -> tuple[float, float]:
    """Time-weighted 8-phase and 4-group agreement of the tracker with this model."""
    groups = {"requirements": 0, "estimation": 0, "api": 1, "data_model": 1, "high_level": 1,
              "deep_dive": 2, "scaling": 2, "wrap_up": 3}
    agree = agree4 = total = 0.0
    for w in walks:
        tracker = Tracker(framework, round_s=ROUND_S, params=params, phase_model=model)
        for u in w.utterances:
            tracker.feed(u)
        end = w.utterances[-1].end_s
        segs = tracker.report(end)["phases"]
        starts = [u.start_s for u in w.utterances]
        t, i, j = 0.0, 0, 0
        while t < end:
            while i + 1 < len(starts) and starts[i + 1] <= t:
                i += 1
            while j + 1 < len(segs) and float(segs[j + 1]["start"]) <= t:
                j += 1
            truth, pred = w.labels[i], str(segs[j]["id"])
            agree += truth == pred
            agree4 += groups[truth] == groups[pred]
            total += 1
            t += 0.5
    return agree / total, agree4 / total


def style_balanced(walks: list[Walk], framework: Framework, model: ModelChoice,
                   params: TunedParameters | None = None) -> float:
    """8-phase agreement averaged over speaking styles: the spoken monologues outnumber the
    study-guide answers and the lectures, and a setting that wins on them alone can lose the
    others badly."""
    styles = sorted({w.style for w in walks})
    return sum(agreement([w for w in walks if w.style == s], framework, model, params)[0]
               for s in styles) / len(styles)


def tune(train: list[Walk], dev: list[Walk], framework: Framework, phases: list[str],
         design: Design, weights: np.ndarray, bias: np.ndarray) -> tuple[dict[str, float], float]:
    """The decoding knobs, one at a time over its grid (two passes), on the development split."""
    grid: dict[str, tuple[float, ...]] = {
        "rule_share": (0.2, 0.4, 0.6, 0.8), "prior_power": (0.3, 0.5, 0.8),
        "scale": (0.4, 0.6, 0.8), "switch_margin": (1.0, 2.0, 3.0),
        "back_margin": (2.0, 3.0, 4.5), "dwell_s": (120.0, 240.0), "model_cap": (3.0, 99.0),
    }
    chosen = {"prior_power": 0.5, "scale": 0.6, "evidence_scale": 1.0, "switch_margin": 2.0,
              "back_margin": 3.0, "dwell_s": 120.0, "rule_share": 0.4, "model_cap": 99.0}
    cache: dict[tuple[tuple[str, float], ...], float] = {}

    def score(knobs: dict[str, float]) -> float:
        key = tuple(sorted(knobs.items()))
        if key not in cache:
            prior_power, scale, rest = split_knobs(knobs)
            model = to_model(weights, bias, phases, design, train, prior_power, scale, rest)
            cache[key] = style_balanced(dev, framework, model,
                                        replace(TunedParameters(), **rest))
        return cache[key]

    best = score(chosen)
    for _ in range(2):
        for name, values in grid.items():
            for v in values:
                trial = {**chosen, name: v}
                s = score(trial)
                if s > best + 1e-4:
                    best, chosen = s, trial
                    print(f"  dev {s:.4f} with {chosen}", flush=True)
    return chosen, best


# ------------------------------------------------------------------------------ checklist model
def item_examples(walks: list[Walk], framework: Framework, model: PhaseModel
                  ) -> tuple[list[dict[str, float]], list[list[str]]]:
    """The checklist model's inputs for every candidate utterance, as the tracker computes them
    with this phase model, and the items each utterance was labelled as addressing."""
    feats: list[dict[str, float]] = []
    labels: list[list[str]] = []
    for w in walks:
        if w.checklist is None:
            continue
        tracker = Tracker(framework, w.prompt, round_s=ROUND_S, phase_model=model)
        for u, items in zip(w.utterances, w.items, strict=True):
            tracker.feed(u)
            if u.speaker == "interviewer":
                continue
            feats.append(dict(tracker.last_item_features))
            labels.append(items)
    return feats, labels


def fit_items(feats: list[dict[str, float]], labels: list[list[str]], items: list[str]
              ) -> ChecklistModel:
    """One logistic regression per item (shared features, L2, full-batch Adam)."""
    counts: Counter[str] = Counter()
    for f in feats:
        counts.update(f.keys())
    names = sorted(k for k, c in counts.items() if c >= MIN_COUNT and k != "bias")
    index = {k: i for i, k in enumerate(names)}
    rows, cols, vals = [], [], []
    for r, f in enumerate(feats):
        for k, v in f.items():
            j = index.get(k)
            if j is not None:
                rows.append(r)
                cols.append(j)
                vals.append(v)
    rows_a, cols_a, vals_a = np.array(rows), np.array(cols), np.array(vals, dtype=np.float64)
    n, k, nf = len(feats), len(items), len(names)
    y = np.zeros((n, k))
    pos = {it: i for i, it in enumerate(items)}
    for r, labs in enumerate(labels):
        for it in labs:
            if it in pos:
                y[r, pos[it]] = 1.0
    bias = np.full(k, -4.0)

    def data_gradient(z: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-z))
        grad: np.ndarray = (p - y) / n * 20.0  # positives are rare: a larger step for the data
        return grad

    weights = adam_linear(rows_a, cols_a, vals_a, (n, k, nf), bias, data_gradient)
    sparse: dict[str, tuple[tuple[int, float], ...]] = {}
    for j, name in enumerate(names):
        nz = tuple((c, float(weights[j, c])) for c in range(k) if abs(weights[j, c]) >= 0.02)
        if nz:
            sparse[name] = nz
    return ChecklistModel(tuple(items), tuple(float(b) for b in bias), sparse)


def checklist_pr(walks: list[Walk], framework: Framework, model: PhaseModel
                 ) -> tuple[float, float]:
    """Checklist precision and recall over the walkthroughs with labelled items."""
    tp = fp = fn = 0
    for w in walks:
        if w.checklist is None:
            continue
        tracker = Tracker(framework, w.prompt, round_s=ROUND_S, phase_model=model)
        for u in w.utterances:
            tracker.feed(u)
        for item in tracker.report(w.utterances[-1].end_s)["checklist"]:
            got, want = bool(item["addressed"]), item["id"] in w.checklist
            tp += got and want
            fp += got and not want
            fn += want and not got
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


CHECKLIST_PRECISION = 0.94  # on dev with the train-only model; held-out runs a little lower


def tune_threshold(model: PhaseModel, dev: list[Walk], framework: Framework) -> float:
    """The lowest threshold (most recall) whose dev precision is at least
    ``CHECKLIST_PRECISION``: a false tick hides what the coach exists to show."""
    best, best_recall = 0.5, -1.0
    assert model.checklist is not None
    for th in (0.01, 0.02, 0.04, 0.06, 0.1, 0.15, 0.2, 0.3, 0.5):
        trial = replace(model, checklist=replace(model.checklist, threshold=th))
        p, r = checklist_pr(dev, framework, trial)
        print(f"  checklist threshold {th}: precision {p:.3f} recall {r:.3f}", flush=True)
        if p >= CHECKLIST_PRECISION and r > best_recall:
            best, best_recall = th, r
    return best


# ------------------------------------------------------------------------------ coverage model
def corpus_idf(walks: list[Walk]) -> tuple[dict[str, float], float]:
    """Inverse document frequency of each concept key, one document per utterance."""
    df: Counter[str] = Counter()
    n = 0
    for w in walks:
        for u in w.utterances:
            df.update({concept(t.key) for t in tokens(u.text)})
            n += 1
    idf = {k: round(math.log(n / (1 + c)), 2) for k, c in df.items() if c >= 2}
    return idf, math.log(n)


def other_prompts(walks: list[Walk], i: int, count: int = 3) -> list[Walk]:
    """The next ``count`` walkthroughs about another system (a second take on the same prompt
    may well address the same requirements in other words)."""
    out = []
    for k in range(1, len(walks)):
        other = walks[(i + k) % len(walks)]
        if other.system != walks[i].system:
            out.append(other)
        if len(out) == count:
            break
    return out


def coverage_examples(walks: list[Walk], framework: Framework, model: PhaseModel,
                      idf: dict[str, float], default_idf: float
                      ) -> tuple[list[list[dict[str, float]]], list[int]]:
    """One example per (walkthrough, requirement): its own prompt's requirements (addressed
    unless listed as not addressed) and the next three walkthroughs' (not addressed). An example
    is the overlap figures of every window that holds a word of the requirement (the tracker
    ticks on any one of them); ``fit_coverage`` finds which window speaks for it."""
    feats: list[list[dict[str, float]]] = []
    labels: list[int] = []
    for i, w in enumerate(walks):
        if not w.prompt:
            continue
        tracker = Tracker(framework, w.prompt, round_s=ROUND_S, phase_model=model)
        windows: list[tuple[list[str], str]] = []
        for u in w.utterances:
            tracker.feed(u)
            if u.speaker != "interviewer":
                windows.append((list(tracker.last_window), tracker.phase))
        skip = w.not_addressed
        for source, own in [(w, True)] + [(o, False) for o in other_prompts(walks, i)]:
            matcher = CoverageMatcher(framework, source.prompt, FuzzyVocabulary())
            targets = [t for t in matcher.targets if t.kind == "requirement"]
            concepts = {t.id: t.alternatives[0] if t.alternatives else () for t in targets}
            for t in targets:
                terms = requirement_terms(concepts[t.id], t.numbers,
                                          [v for k, v in concepts.items() if k != t.id],
                                          idf, default_idf)
                wanted = set(terms.concepts)
                bag = [overlap_features(terms, win, ph) for win, ph in windows
                       if wanted.intersection(win)]
                if not bag:
                    continue
                feats.append(bag)
                labels.append(int(own and t.label not in skip))
    return feats, labels


def fit_coverage(bags: list[list[dict[str, float]]], labels: list[int], rounds: int = 3
                 ) -> tuple[dict[str, float], float]:
    """Logistic regression over one window per example. Which window of a walkthrough
    addresses a requirement is not labelled: start from the one holding most of its telling
    words, then take the window the model itself scores highest (as the tracker will) and
    refit, a few rounds (multiple-instance learning)."""
    y = np.array(labels, dtype=np.float64)
    xs = [np.array([[f[k] for k in FEATURES] for f in bag]) for bag in bags]
    first = [max(range(len(bag)), key=lambda j, bag=bag: (bag[j]["idf_share"],
                                                          bag[j]["distinct_share"]))
             for bag in bags]
    x = np.array([xb[j] for xb, j in zip(xs, first, strict=True)])
    w = np.zeros(len(FEATURES))
    b = 0.0
    for n in range(rounds):
        if n:
            x = np.array([xb[int(np.argmax(xb @ w))] for xb in xs])
        for _ in range(3000):
            p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
            g = p - y
            w -= 0.5 * (x.T @ g / len(y) + 1e-3 * w)
            b -= 0.5 * g.mean()
    return {k: float(v) for k, v in zip(FEATURES, w, strict=True)}, float(b)


@dataclass(frozen=True)
class CoverageScore:
    """One requirement after a replay, as the benchmark counts it."""

    truth: bool  # truly addressed
    rules: bool  # ticked by the rules
    p: float  # the highest paraphrase probability it reached with its guards met
    own: bool  # a requirement of the walkthrough's own prompt (not an unrelated one's)


def coverage_scores(walks: list[Walk], framework: Framework, model: PhaseModel
                    ) -> list[CoverageScore]:
    """Each requirement as the benchmark counts it (own prompt and three others), through the
    tracker. A tick changes nothing else in the tracker, so one replay gives the figures of
    every threshold."""
    assert model.coverage is not None
    never = replace(model, coverage=replace(model.coverage, threshold=2.0))
    out = []
    for i, w in enumerate(walks):
        for source in [w, *other_prompts(walks, i)]:
            if not source.prompt:
                continue
            tracker = Tracker(framework, source.prompt, round_s=ROUND_S, phase_model=never)
            for u in w.utterances:
                tracker.feed(u)
            for req in tracker.report(w.utterances[-1].end_s)["requirements"]:
                truth = source is w and req["text"] not in w.not_addressed
                out.append(CoverageScore(truth, bool(req["addressed"]),
                                         tracker.coverage_p.get(req["id"], 0.0), source is w))
    return out


def coverage_pr(scores: list[CoverageScore], threshold: float, own_only: bool = False
                ) -> tuple[float, float]:
    """Requirement coverage precision and recall at ``threshold`` (above 1: the rules alone),
    over every prompt replayed or (``own_only``) over each walkthrough's own prompt."""
    tp = fp = fn = 0
    for s in scores:
        if own_only and not s.own:
            continue
        got = s.rules or s.p >= threshold
        tp += s.truth and got
        fp += got and not s.truth
        fn += s.truth and not got
    # nothing ticked is no false tick: precision 1, as benchmarks/tracker.py counts it
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


# The precision the coverage threshold must keep on the dev split's own prompts (the issue's
# target). On the four dev sets the rules alone give 0.959 at recall 0.57: a requirement left
# open that the candidate did address is a wrong nudge too, so precision may fall to this to
# buy recall.
COVERAGE_PRECISION = 0.95


def tune_coverage(model: PhaseModel, dev: list[Walk], framework: Framework) -> float:
    """The threshold with the most dev recall whose precision over the walkthroughs' own
    prompts is at least ``COVERAGE_PRECISION``. Own prompts, because the app tracks only the
    user's prompt: an unrelated prompt's requirement said in other words (the benchmark's
    stress test) is mostly the candidate saying that very thing, and scored as a false tick
    it would hold every paraphrase back. Both figures are printed."""
    scores = coverage_scores(dev, framework, model)
    rules_p, rules_r = coverage_pr(scores, 2.0, own_only=True)
    stress_p, _ = coverage_pr(scores, 2.0)
    print(f"  coverage, rules only: own prompt {rules_p:.3f} / {rules_r:.3f}, "
          f"with 3 unrelated prompts precision {stress_p:.3f}", flush=True)
    best, best_recall = 0.99, -1.0
    for th in [round(0.2 + 0.05 * k, 2) for k in range(16)]:
        p, r = coverage_pr(scores, th, own_only=True)
        stress_p, _ = coverage_pr(scores, th)
        print(f"  coverage threshold {th}: own prompt {p:.3f} / {r:.3f}, "
              f"with 3 unrelated prompts precision {stress_p:.3f}", flush=True)
        if p >= COVERAGE_PRECISION and r > best_recall:
            best, best_recall = th, r
    return best


def split_knobs(chosen: dict[str, float]) -> tuple[float, float, dict[str, float]]:
    knobs = {k: v for k, v in chosen.items() if k not in ("prior_power", "scale")}
    return chosen["prior_power"], chosen["scale"], knobs


def held_out(splits: list[tuple[str, list[Walk], list[Walk]]], framework: Framework,
             phases: list[str], chosen: dict[str, float], rules: bool = False
             ) -> tuple[float, float]:
    """Each ``(name, held, rest)``: ``held`` scored by a model fit on ``rest`` alone, the knobs
    ``chosen``; prints one line per split and returns the time-weighted 8-phase and 4-group
    agreement over all held walkthroughs."""
    prior_power, scale, knobs = split_knobs(chosen)
    params = replace(TunedParameters(), **knobs)
    total_a8 = total_a4 = total_n = 0.0
    for name, held, rest in splits:
        design = build_design(rest)
        weights, bias = fit(rest, phases, design)
        model = to_model(weights, bias, phases, design, rest, prior_power, scale, knobs)
        a8, a4 = agreement(held, framework, model, params)
        n = sum(w.utterances[-1].end_s for w in held)
        total_a8 += a8 * n
        total_a4 += a4 * n
        total_n += n
        line = f"  {name:45s} {len(held):3d} files  learned {a8:.3f} / {a4:.3f}"
        if rules:
            r8, r4 = agreement(held, framework, None)
            line += f"   rules {r8:.3f} / {r4:.3f}"
        print(line, flush=True)
    return total_a8 / max(total_n, 1e-9), total_a4 / max(total_n, 1e-9)


def leave_one_domain_out(walks: list[Walk], framework: Framework, phases: list[str],
                         chosen: dict[str, float]) -> None:
    domains = sorted({w.domain for w in walks})
    a8, a4 = held_out([(d, [w for w in walks if w.domain == d],
                        [w for w in walks if w.domain != d]) for d in domains],
                      framework, phases, chosen, rules=True)
    print(f"  leave-one-domain-out overall: {a8:.3f} / {a4:.3f}")


def shared_leave_one_out(walks: list[Walk], study_guide: list[Walk], framework: Framework,
                         phases: list[str], chosen: dict[str, float]) -> None:
    """The shared answers' honest figure: each scored by a model fit on the corpus and the other
    shared answers (weighted as in the shipped model), never on itself."""
    a8, a4 = held_out([(h.name, [h], walks + [w for w in study_guide if w is not h]
                        * SHARED_WEIGHT) for h in study_guide], framework, phases, chosen)
    print(f"  shared, leave-one-file-out: {a8:.3f} / {a4:.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--lodo", action="store_true", help="also report leave-one-domain-out")
    ap.add_argument("--shared-lofo", action="store_true",
                    help="also report the shared study-guide answers leave-one-file-out")
    ap.add_argument("--explain", action="store_true", help="print the heaviest features")
    ap.add_argument("--no-tune", action="store_true",
                    help="keep the knobs of the model file at --out instead of searching")
    ap.add_argument("--train-out", type=Path, metavar="FILE",
                    help="also write the model fit on the training split alone (thresholds "
                         "chosen on dev), to measure development figures honestly")
    args = ap.parse_args()

    framework = get_framework("system-design")
    phases = list(framework.phase_ids)
    train = load_dirs([CORPUS / "train"])
    # dev-blind1..3 were blind splits: each measured, then retired into development material
    # (corpus README); the blind split of the day (blind4) is never read here
    dev = (load_dirs([CORPUS / "dev", CORPUS / "dev-blind1", CORPUS / "dev-blind2",
                      CORPUS / "dev-blind3"])
           + load_dirs(LEGACY_DIRS, domain="legacy (own sets)"))
    tuning = list(dev)
    if SHARED.is_dir():
        # the shared study-guide answers (read in place; the model the knobs are chosen with
        # is fit on train alone, only the final refit below learns from them) weigh as one
        # style in the choice of the knobs: the learned model must not lose what the rules did
        # there
        shared = load_dirs([SHARED], domain="shared")
        for w in shared:
            w.style = "shared study-guide"
        tuning += shared
    else:
        print(f"note: {SHARED} is absent; knobs are tuned on dev alone", file=sys.stderr)
    print(f"train: {len(train)} walkthroughs, dev: {len(dev)}", flush=True)
    featurize(train + tuning, framework)

    design = build_design(train)
    weights, bias = fit(train, phases, design)
    if args.no_tune and args.out.is_file():
        old = json.loads(args.out.read_text())
        chosen = {"prior_power": old["prior_power"], "scale": old["scale"], **old["params"]}
        model = to_model(weights, bias, phases, design, train, *split_knobs(chosen))
        dev_a8 = style_balanced(tuning, framework, model,
                                replace(TunedParameters(), **split_knobs(chosen)[2]))
    else:
        chosen, dev_a8 = tune(train, tuning, framework, phases, design, weights, bias)
    print(f"tuning objective (style-balanced 8-phase): {dev_a8:.3f} with {chosen}")
    prior_power, scale, knobs = split_knobs(chosen)
    train_model = to_model(weights, bias, phases, design, train, prior_power, scale, knobs)
    for name in sorted({w.domain if w.style != "shared study-guide" else "shared"
                        for w in tuning}):
        group = [w for w in tuning
                 if (w.domain if w.style != "shared study-guide" else "shared") == name]
        a8, a4 = agreement(group, framework, train_model, replace(TunedParameters(), **knobs))
        r8, r4 = agreement(group, framework, None)
        print(f"  {name:40s} learned (train only) {a8:.3f} / {a4:.3f}   rules {r8:.3f} / {r4:.3f}",
              flush=True)

    items = [i.id for i in framework.checklist]
    checklist = fit_items(*item_examples(train, framework, train_model), items)
    threshold = tune_threshold(replace(train_model, checklist=checklist),
                               [w for w in dev if w.checklist is not None], framework)
    idf, default_idf = corpus_idf(train)
    cov_w, cov_b = fit_coverage(*coverage_examples(train, framework, train_model, idf,
                                                   default_idf))
    coverage = CoverageModel(cov_w, cov_b, 0.5, idf, default_idf)
    print(f"  coverage weights {cov_w} bias {cov_b:.2f}", flush=True)
    corpus_dev = [w for w in dev if w.checklist is not None]
    cov_threshold = tune_coverage(replace(train_model, checklist=replace(
        checklist, threshold=threshold), coverage=coverage), corpus_dev, framework)
    if args.train_out:
        train_only = replace(train_model, checklist=replace(checklist, threshold=threshold),
                             coverage=replace(coverage, threshold=cov_threshold))
        args.train_out.write_text(json.dumps(train_only.to_json(), separators=(",", ":")) + "\n")
        print(f"wrote the train-only model to {args.train_out}", flush=True)

    if args.lodo:
        leave_one_domain_out(train + dev, framework, phases, chosen)
    study_guide = [w for w in tuning if w.style == "shared study-guide"]
    if args.shared_lofo:
        shared_leave_one_out(train + dev, study_guide, framework, phases, chosen)

    everything = train + dev
    # the phase model also learns from the shared answers; the checklist and coverage models
    # do not (they carry no item or prompt labels, so every line would count as "addresses
    # nothing")
    phase_walks = everything + study_guide * SHARED_WEIGHT
    design = build_design(phase_walks)
    weights, bias = fit(phase_walks, phases, design)
    phase_only = to_model(weights, bias, phases, design, phase_walks, prior_power, scale, knobs)
    checklist = fit_items(*item_examples(everything, framework, phase_only), items)
    idf, default_idf = corpus_idf(everything)
    cov_w, cov_b = fit_coverage(*coverage_examples(everything, framework, phase_only, idf,
                                                   default_idf))
    info: dict[str, object] = {
        "trained": dt.date.today().isoformat(),
        "command": "scripts/train_phase_model.py",
        "corpus": {"train": len(train), "dev": len(dev), "shared": len(study_guide),
                   "shared_weight": SHARED_WEIGHT,
                   "minutes": round(sum(w.utterances[-1].end_s for w in everything) / 60, 1)},
        "tuning_objective_trained_on_train": round(dev_a8, 4),
        "features": len(design.names),
    }
    model = replace(phase_only, info=info,
                    checklist=replace(checklist, threshold=threshold),
                    coverage=CoverageModel(cov_w, cov_b, cov_threshold, idf, default_idf))
    shipped = replace(TunedParameters(), **knobs)
    as_shipped = PhaseModel.from_json(model.to_json())  # weights rounded as in the file
    info["dev_agreement_8_shipped"] = round(agreement(load_dirs([CORPUS / "dev"]), framework,
                                                      as_shipped, shipped)[0], 4)
    # the shipped coverage on the dev split (it has seen it): a floor for the code, not a claim
    cov_p, cov_r = coverage_pr(coverage_scores(load_dirs([CORPUS / "dev"]), framework, as_shipped),
                               cov_threshold)
    info["dev_coverage_shipped"] = [round(cov_p, 4), round(cov_r, 4)]
    model = replace(model, info=info)
    args.out.write_text(json.dumps(model.to_json(), separators=(",", ":")) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB, "
          f"{len(model.weights)} features)")
    if args.explain:
        for i, p in enumerate(phases):
            top = sorted(model.weights.items(), key=lambda kv: -kv[1][i])[:25]
            print(p, ", ".join(k for k, _ in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
