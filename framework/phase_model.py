"""The learned phase model: how much each utterance says about each phase.

A linear model (multinomial logistic regression) over the utterance's words and word pairs, the
words just before it, and the framework's cue and vocabulary hits, trained on the labelled
corpus by ``scripts/train_phase_model.py``. It only scores one utterance at a time; the tracker's
online filter turns the scores into a phase with its order and budget priors, so the model never
sees time. Weights are data (``assets/frameworks/<id>.model.json``), read once per process.

Why linear: a few thousand labelled minutes are enough for it, it scores an utterance in
microseconds, its weights are readable (``scripts/train_phase_model.py --explain``), and a
feature that never appeared in training simply adds nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from framework.coverage_model import CoverageModel
from framework.matching import Hit
from framework.text import STOPWORDS, is_number_key

MODEL_FORMAT = 1
CONTEXT_WEIGHT = 0.5  # the words of the previous utterance count half
_FILLERS = frozenset({"um", "uh", "umm", "uhm", "er", "erm", "hmm", "like", "yeah", "okay",
                      "ok", "so", "right", "mm"})


class PhaseModelError(ValueError):
    """A model file that cannot be used; the tracker then falls back to the rules."""


def utterance_features(keys: Sequence[str], context: Sequence[str], hits: Sequence[Hit],
                       speaker: str = "candidate", text: str = "") -> dict[str, float]:
    """The model's inputs for one utterance. Training and the tracker both call this, on the
    same canonical keys, so a feature means the same thing in both."""
    words = ["#" if is_number_key(k) else k for k in keys if k not in _FILLERS]
    feats: dict[str, float] = {"bias": 1.0}
    for w in words:
        feats["w=" + w] = 1.0
    for a, b in pairwise(words):
        feats[f"b={a} {b}"] = 1.0
    for w in context:
        if w not in _FILLERS:
            feats["c=" + ("#" if is_number_key(w) else w)] = CONTEXT_WEIGHT
    for h in hits:
        kind = "cue" if h.cue else "voc"
        name = f"{kind}={h.phase}"
        feats[name] = min(3.0, feats.get(name, 0.0) + 1.0)
        if h.cue and h.lead:
            feats["lead=" + h.phase] = 1.0
    if "?" in text:
        feats["question"] = 1.0
    if speaker == "interviewer":
        feats["spk=interviewer"] = 1.0
    return feats


def item_features(feats: Mapping[str, float], phase: str,
                  said: Sequence[str]) -> dict[str, float]:
    """The checklist model's inputs: the utterance's features, the phase the tracker is in, and
    which items a synonym of theirs was said for (in the recent words)."""
    out = dict(feats)
    out["ph=" + phase] = 1.0
    for item_id in said:
        out["syn=" + item_id] = 1.0
    return out


@dataclass(frozen=True)
class ChecklistModel:
    """Per checklist item, the probability that an utterance addresses it (logistic, one per
    item, over ``item_features``). Context decides: "improve" in the high-level design is not
    what you would change, a calculation of requests per second is ``qps`` without the
    word "QPS"."""

    items: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[tuple[int, float], ...]]  # feature -> (item index, weight)
    threshold: float = 0.5

    def addressed(self, feats: Mapping[str, float], candidates: Set[str]) -> list[str]:
        """The items among ``candidates`` this utterance addresses."""
        z = list(self.bias)
        for name, value in feats.items():
            for i, w in self.weights.get(name, ()):
                z[i] += w * value
        limit = math.log(self.threshold / (1.0 - self.threshold))
        return [item for item, v in zip(self.items, z, strict=True)
                if v >= limit and item in candidates]

    def reasons(self, feats: Mapping[str, float], item_id: str, most: int = 3) -> list[str]:
        """The words of this utterance that weigh most for ``item_id`` (its evidence to show):
        "per second" for qps, not the first words of a long sentence."""
        i = self.items.index(item_id)
        scored = []
        for name, value in feats.items():
            if not name.startswith(("w=", "b=")) or all(
                    k in STOPWORDS or k == "#" for k in name[2:].split()):
                continue  # "as we", "the": weight without meaning to a reader
            w = next((w for j, w in self.weights.get(name, ()) if j == i), 0.0)
            if w > 0:
                scored.append((w * value, name[2:]))
        scored.sort(reverse=True)
        out: list[str] = []
        for _, words in scored:
            if not any(words in kept or kept in words for kept in out):
                out.append(words)
            if len(out) == most:
                break
        return out

    def to_json(self) -> dict[str, Any]:
        """Sparse weights as three flat lists (feature, item, weight): quick to parse."""
        names = sorted(self.weights)
        feature: list[int] = []
        item: list[int] = []
        weight: list[float] = []
        for n, name in enumerate(names):
            for i, w in self.weights[name]:
                feature.append(n)
                item.append(i)
                weight.append(round(w, 3))
        return {"items": list(self.items), "bias": [round(b, 4) for b in self.bias],
                "threshold": self.threshold, "features": names,
                "feature": feature, "item": item, "weight": weight}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChecklistModel:
        items = tuple(str(i) for i in data["items"])
        names = data["features"]
        if any(not 0 <= i < len(items) for i in data["item"]):
            raise PhaseModelError("checklist weights name an unknown item")
        grouped: dict[str, list[tuple[int, float]]] = {}
        for f, i, w in zip(data["feature"], data["item"], data["weight"], strict=True):
            grouped.setdefault(names[f], []).append((i, w))
        weights = {k: tuple(v) for k, v in grouped.items()}
        return cls(items, tuple(float(b) for b in data["bias"]), weights,
                   float(data.get("threshold", 0.5)))


@dataclass(frozen=True)
class PhaseModel:
    """Weights of the linear model plus what the tracker needs to decode with it.

    ``evidence`` is how far the utterance moves the model from what it says about an empty
    utterance: the filter already holds its own belief about where the mock is, so the emission
    should say what this utterance adds, not how common a phase is. ``params`` are the
    tracker's knobs chosen with this model on the development split."""

    framework: str  # the framework whose labels, cues and vocabulary it was trained with
    phases: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]
    log_prior: tuple[float, ...]
    prior_power: float = 1.0
    scale: float = 1.0
    params: Mapping[str, float] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)
    checklist: ChecklistModel | None = None
    coverage: CoverageModel | None = None
    _baseline: tuple[float, ...] = field(init=False, repr=False, compare=False, default=())

    def log_probs(self, feats: Mapping[str, float]) -> list[float]:
        z = list(self.bias)
        n = len(z)
        for name, value in feats.items():
            w = self.weights.get(name)
            if w is not None:
                for i in range(n):
                    z[i] += w[i] * value
        top = max(z)
        norm = top + math.log(sum(math.exp(v - top) for v in z))
        return [v - norm for v in z]

    def __post_init__(self) -> None:
        # the log-probabilities of an utterance with no known feature: what the model says
        # when the words tell it nothing (code read aloud, a heading in another style)
        object.__setattr__(self, "_baseline", tuple(self.log_probs({})))

    def evidence(self, feats: Mapping[str, float]) -> list[float]:
        """Per phase, how much this utterance moves the model from its baseline, in log-odds
        (positive: evidence for it). ``prior_power`` 1 takes the baseline out entirely, so
        words the model never saw say nothing either way; 0 keeps the raw posterior."""
        lp = self.log_probs(feats)
        base = self._baseline
        raw = [self.scale * (v - self.prior_power * b) for v, b in zip(lp, base, strict=True)]
        mean = sum(raw) / len(raw)
        return [v - mean for v in raw]


    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "framework": self.framework,
            "phases": list(self.phases),
            "bias": [round(b, 5) for b in self.bias],
            "log_prior": [round(p, 5) for p in self.log_prior],
            "prior_power": self.prior_power,
            "scale": self.scale,
            "params": dict(self.params),
            "info": dict(self.info),
            # one row of len(phases) weights per feature, flattened: quick to parse
            "features": sorted(self.weights),
            "weights": [round(x, 3) for k in sorted(self.weights) for x in self.weights[k]],
            "checklist": self.checklist.to_json() if self.checklist else None,
            "coverage": self.coverage.to_json() if self.coverage else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PhaseModel:
        try:
            if data.get("format") != MODEL_FORMAT:
                raise PhaseModelError(f"unknown model format {data.get('format')!r}")
            phases = tuple(str(p) for p in data["phases"])
            n = len(phases)
            names = data["features"]
            flat = data["weights"]
            if len(flat) != len(names) * n:
                raise PhaseModelError("weights do not match the number of phases")
            weights = {str(k): tuple(flat[j * n:(j + 1) * n]) for j, k in enumerate(names)}
            bias = tuple(float(b) for b in data["bias"])
            log_prior = tuple(float(p) for p in data["log_prior"])
            checklist = (ChecklistModel.from_json(data["checklist"])
                         if data.get("checklist") else None)
            coverage = (CoverageModel.from_json(data["coverage"])
                        if data.get("coverage") else None)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PhaseModelError(f"not a phase model: {exc}") from exc
        if len(bias) != n or len(log_prior) != n or any(len(w) != n for w in weights.values()):
            raise PhaseModelError("weights do not match the number of phases")
        return cls(str(data.get("framework", "")), phases, bias, weights, log_prior,
                   float(data.get("prior_power", 1.0)), float(data.get("scale", 1.0)),
                   {str(k): float(v) for k, v in dict(data.get("params", {})).items()},
                   dict(data.get("info", {})), checklist, coverage)


@lru_cache(maxsize=8)
def load_phase_model(path: str) -> PhaseModel:
    """Read a model file once per process (a tracker is built per session and per replay)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PhaseModelError(f"{path}: cannot read the phase model ({exc})") from exc
    return PhaseModel.from_json(data)


@dataclass(frozen=True)
class MappedModel:
    """A model trained on one framework's phases, scoring another framework's phases: each
    target phase takes the probability of the source phases mapped to it (the bundled
    four-step, five-step and delivery frameworks use the system-design model this way)."""

    model: PhaseModel
    groups: tuple[tuple[int, ...], ...]  # per target phase, the source phases mapped to it
    log_prior: tuple[float, ...]  # per target phase, the model's baseline (empty utterance)

    @classmethod
    def build(cls, model: PhaseModel, targets: Sequence[str],
              mapping: Mapping[str, str] | None) -> MappedModel:
        mapping = mapping or {p: p for p in model.phases}
        groups = tuple(tuple(i for i, src in enumerate(model.phases) if mapping.get(src) == t)
                       for t in targets)
        empty = model.log_probs({})
        base = [_logsumexp([empty[i] for i in g]) if g else -30.0 for g in groups]
        return cls(model, groups, tuple(base))

    def evidence(self, feats: Mapping[str, float]) -> list[float]:
        lp = self.model.log_probs(feats)
        m = self.model
        raw: list[float | None] = []
        for g, base in zip(self.groups, self.log_prior, strict=True):
            if not g:
                raw.append(None)
                continue
            raw.append(m.scale * (_logsumexp([lp[i] for i in g]) - m.prior_power * base))
        present = [v for v in raw if v is not None]
        mean = sum(present) / len(present)
        low = min(present) - mean
        return [low if v is None else v - mean for v in raw]


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))
