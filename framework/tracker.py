"""The live tracker: which phase the candidate is in, time per phase against budget, what is
addressed, and what deserves a nudge.

Phase detection is an online filter over the phases (a small hidden-Markov forward pass): every
utterance's cue phrases and vocabulary add evidence for phases, older evidence fades as time
passes (a sliding window in effect), and transitions carry a soft prior for the usual order
(forward is cheap, back costs more) and for time already spent against budget. The tracker only
switches when another phase is clearly ahead (hysteresis) and has fresh evidence of its own, so
a stray word never flips it. Time arrives on the utterances; nothing here reads a clock.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence, Set
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from framework.coverage_model import (
    CoverageModel,
    RequirementTerms,
    overlap_features,
    requirement_terms,
)
from framework.definition import Framework, FrameworkError, get_framework
from framework.events import (
    Addressed,
    ItemStatus,
    Nudge,
    PhaseChanged,
    PhaseTiming,
    Status,
    TrackerEvent,
    TrackerState,
)
from framework.matching import CoverageHit, CoverageMatcher, CoverageTarget, Hit, PhaseMatcher
from framework.phase_model import (
    ChecklistModel,
    MappedModel,
    PhaseModel,
    PhaseModelError,
    item_features,
    load_phase_model,
    utterance_features,
)
from framework.report import CoveredItem, NudgeNote, PhaseSpan, TrackerReport
from framework.signals import DeliverySignals
from framework.text import (
    FuzzyVocabulary,
    Token,
    concept,
    in_milliseconds,
    merge_split_words,
    tokens,
)
from framework.types import Drawn, PromptItem, Utterance

__all__ = [
    "Addressed", "ItemStatus", "Nudge", "PhaseChanged", "PhaseTiming", "Tracker",
    "TrackerEvent", "TrackerState", "TunedParameters",
]

NEAR_SHARE = 0.8
TAIL_WORDS = 4  # words carried over so a phrase split between two transcript events is found
TAIL_GAP_S = 2.0  # ... when the events are this close
DEEP_DIVE_WARNING_S = 600.0
RETURN_CUE_S = 15.0
CONTEXT_WORDS = 12  # words of the previous utterance the phase model sees as context ...
CONTEXT_GAP_S = 10.0  # ... when it ended this recently
PHRASE_GAP_S = 0.5  # a pause this long ends a phrase (see Tracker._phrase_step)
PHRASE_SPAN_S = 6.0  # ... and so does this much speech
SENTENCE_ENDS = (".", "?", "!")  # ... and a final that ends a sentence


@dataclass(frozen=True)
class TunedParameters:
    """The detector's knobs, in one place so tests and the benchmark can see them."""

    evidence_scale: float = 0.9  # log-odds per unit of phrase weight
    max_evidence: float = 5.0  # cap per utterance and phase, so one long sentence can't run away
    max_cue_evidence: float = 6.0  # the cap when the utterance has a cue phrase of that phase
    dwell_s: float = 120.0  # typical time between phase changes (transition rate)
    switch_margin: float = 0.5  # log-odds the challenger must lead by (hysteresis)
    back_margin: float = 2.5  # ... when it is an earlier phase: a return must be clear ("we
    # should discuss the use cases" mid-design is not one); announced returns carry a cue
    cue_return_margin: float = 1.0  # ... and an announced return ("we'll use a public REST
    # API:") needs at most this much: a short API section inside the deep dive is still one
    announce_ratio: float = 2.0  # a spoken transition ("let's dive into") that dominates moves on
    forward_weight: float = 1.0  # moving to the next phase in the usual order
    skip_weight: float = 0.5  # jumping further ahead (divided by the distance ** skip_power)
    skip_power: float = 2.0
    back_weight: float = 0.15  # going back to an earlier phase
    floor: float = -12.0  # no phase becomes impossible
    lookback_s: float = 90.0  # how far back the start of a new phase may be placed
    bridge_s: float = 20.0  # ... across at most this much speech with no evidence either way
    override_hold_s: float = 30.0  # after a manual choice, no automatic change for this long
    coverage_words: int = 30  # earlier finals join the newest until this many words ...
    coverage_span_s: float = 15.0  # ... within this span
    coverage_gap_s: float = 2.0  # ... with no pause longer than this between them
    coverage_max_events: int = 8
    rule_share: float = 0.0  # with a learned model: how much of the rule evidence is added
    model_cap: float = 99.0  # ... and the most one utterance's model evidence may say
    phrase_words: int = 8  # with a learned model: finals gathered into a phrase of this many words


ModelChoice = PhaseModel | Literal["auto"] | None


def framework_model(framework: Framework) -> MappedModel | None:
    """The framework's learned model mapped to its phases, or None (rules only): no
    ``[phase_model]`` in its TOML, or a model file that cannot be used."""
    path = framework.phase_model_path()
    if path is None or framework.phase_model is None:
        return None
    try:
        model = load_phase_model(str(path))
        if model.framework != framework.id:
            get_framework(model.framework)  # the features need its cues and vocabulary
    except (PhaseModelError, FrameworkError):
        return None
    mapping = dict(framework.phase_model.mapping) or None
    return _mapped(model, framework, mapping)


def _mapped(model: PhaseModel, framework: Framework,
            mapping: dict[str, str] | None) -> MappedModel | None:
    ids = framework.phase_ids
    if mapping is None and not set(model.phases) <= set(ids):
        return None
    return MappedModel.build(model, ids, mapping)


@dataclass
class _Recent:
    start_s: float
    end_s: float
    scores: list[float]
    hits: list[Hit]


@dataclass
class _Coverage:
    target: CoverageTarget
    at_s: float | None = None
    evidence: tuple[str, ...] = ()
    source: Literal["speech", "diagram"] = "speech"


@dataclass
class _Segment:
    phase: str
    start_s: float
    evidence: tuple[str, ...] = ()
    manual: bool = False


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


@dataclass
class _Filter:
    log_p: list[float] = field(default_factory=list)
    last_t: float = 0.0


class Tracker:
    def __init__(
        self,
        framework: Framework,
        requirements: Sequence[PromptItem] = (),
        round_s: float = 2700.0,
        *,
        params: TunedParameters | None = None,
        phase_model: ModelChoice = "auto",
    ) -> None:
        self.framework = framework.scaled(round_s) if round_s != framework.round_s else framework
        self.round_s = float(round_s)
        if phase_model == "auto":
            self._model = framework_model(framework)
        elif phase_model is None:
            self._model = None
        else:
            self._model = _mapped(phase_model, framework,
                                  dict(framework.phase_model.mapping)
                                  if framework.phase_model else None)
        self.params = params or self._model_params()
        self.last_features: dict[str, float] = {}
        self.last_item_features: dict[str, float] = {}
        self._context: list[str] = []
        self._context_end_s = -math.inf
        self.requirements = tuple(requirements)
        self._ids = self.framework.phase_ids
        self._n = len(self._ids)
        self._index = {pid: i for i, pid in enumerate(self._ids)}
        self._fuzzy = FuzzyVocabulary()
        self._phases = PhaseMatcher(self.framework, self._fuzzy)
        self._model_matcher = self._phases
        if self._model is not None and self._model.model.framework != self.framework.id:
            # a mapped model reads the cues and vocabulary it was trained with
            source = get_framework(self._model.model.framework)
            self._model_matcher = PhaseMatcher(source, self._fuzzy)
        self._coverage = CoverageMatcher(self.framework, self.requirements, self._fuzzy)
        self._items = {(t.kind, t.id): _Coverage(t) for t in self._coverage.targets}
        self._checklist_keys = {k for k in self._items if k[0] == "checklist"}
        self.last_window: list[str] = []
        self._terms: dict[str, RequirementTerms] = {}
        # the highest paraphrase probability each requirement reached with its guards met: how
        # near the learned coverage came (the trainer chooses its threshold from these)
        self.coverage_p: dict[str, float] = {}
        self._phrase: list[Utterance] = []
        self._req_kind = {r.id: r.kind for r in self.requirements}
        self._log_trans_cache: dict[tuple[int, int], list[float]] = {}
        self._base_weights = self._order_weights()
        self._log_weights = [[math.log(w) if w > 0 else -math.inf for w in row]
                             for row in self._base_weights]
        first = [0.0] + [self.params.floor] * (self._n - 1)
        self._filter = _Filter(first, 0.0)
        self._segments: list[_Segment] = [_Segment(self._ids[0], 0.0)]
        self._closed_s: dict[str, float] = dict.fromkeys(self._ids, 0.0)
        self._started = False
        self._recent: deque[_Recent] = deque()
        self._window: deque[tuple[float, float, str, list[Token]]] = deque()
        self._tail: list[str] = []
        self._tail_end_s = -math.inf
        self._hold_until = -math.inf
        self._now = 0.0
        self._nudges: list[Nudge] = []
        self._fired: set[str] = set()
        self._numbers_seen = False
        self._visited: set[str] = {self._ids[0]}
        rules = self.framework.rules
        upto = self._ids.index(rules.design_starts) if rules.design_starts else min(2, self._n)
        self.signals = DeliverySignals(estimation_phases=frozenset(self._ids[:max(1, upto)]))

    # ------------------------------------------------------------------ public API
    @property
    def phase(self) -> str:
        return self._segments[-1].phase

    @property
    def phase_model(self) -> Literal["learned", "rules"]:
        """Which evidence decides the phase: the learned model, or cue phrases and vocabulary
        (a framework without a trained model, such as a user's own TOML)."""
        return "learned" if self._model is not None else "rules"

    def feed(self, u: Utterance) -> list[TrackerEvent]:
        """Take one transcript event. Partials move the phase early; finals are what count."""
        events = self._start()
        toks = tokens(u.text)
        if self._model is None:
            events.extend(self._phase_step(u, toks))
        elif u.final:
            events.extend(self._phrase_step(u))
        if u.final:
            self._now = max(self._now, u.end_s)
            if u.speaker != "interviewer":
                # the interviewer's words are evidence for the phase, nothing more: they
                # address no requirement and say nothing about the candidate's delivery
                if any(t.number is not None for t in toks):
                    self._numbers_seen = True
                self.signals.add(u, self.phase, toks)
                events.extend(self._cover(u, toks))
            else:  # ... but they count for talk time and time to answer
                self.signals.partner_line(u)
        events.extend(self._check_nudges(max(self._now, u.end_s)))
        return events

    def _phrase_step(self, u: Utterance) -> list[TrackerEvent]:
        """The learned model reads phrases, not fragments: a live transcriber commits two or
        three words at a time, and the model was trained on what a person says in one breath.
        Finals are gathered until ``phrase_words`` words, a pause of ``PHRASE_GAP_S``, the end
        of a sentence or a change of speaker, then the phrase goes through the phase step as one
        utterance. A sentence's end matters for a spoken move: "that's all for now. Let us
        start with the estimation" said without a pause is a move only if the new sentence
        opens a phrase."""
        events: list[TrackerEvent] = []
        pending = self._phrase
        if pending and (u.start_s - pending[-1].end_s > PHRASE_GAP_S
                        or u.speaker != pending[-1].speaker):
            events.extend(self._flush_phrase())
        self._phrase.append(u)
        words = sum(len(p.text.split()) for p in self._phrase)
        if (words >= self.params.phrase_words or u.end_s - self._phrase[0].start_s >= PHRASE_SPAN_S
                or u.text.rstrip().endswith(SENTENCE_ENDS)):
            events.extend(self._flush_phrase())
        return events

    def _flush_phrase(self) -> list[TrackerEvent]:
        if not self._phrase:
            return []
        parts, self._phrase = self._phrase, []
        merged = Utterance(" ".join(p.text for p in parts), parts[0].start_s, parts[-1].end_s,
                           speaker=parts[-1].speaker)
        return self._phase_step(merged, tokens(merged.text))

    def _phase_step(self, u: Utterance, toks: list[Token]) -> list[TrackerEvent]:
        """Evidence of one utterance for each phase, into the filter; a change if one is due."""
        events: list[TrackerEvent] = []
        # phases: a word the recogniser split ("data base") is the known word again
        keys = [self._fuzzy.canon(t.key) for t in merge_split_words(toks, self._fuzzy)]
        tail = self._tail if u.start_s - self._tail_end_s <= TAIL_GAP_S else []
        hits = self._phases.hits(tail + keys, new_from=len(tail))
        rule_scores = self._scores(hits)
        context = self._context if u.start_s - self._context_end_s <= CONTEXT_GAP_S else []
        model_hits = hits
        if self._model_matcher is not self._phases:
            model_hits = self._model_matcher.hits(tail + keys, new_from=len(tail))
        self.last_features = utterance_features(keys, context, model_hits, u.speaker, u.text)
        if self._model is not None:
            # the model's view of this utterance, plus a share of the cue and vocabulary
            # evidence: a phase named in so many words should not have to wait for the model
            k = self.params.rule_share
            cap = self.params.model_cap
            scores = [max(-cap, min(cap, s)) + k * r
                      for s, r in zip(self._model.evidence(self.last_features), rule_scores,
                                      strict=True)]
        else:
            scores = rule_scores
        if u.final:
            self._advance_filter(self._filter, u.end_s)
            self._add_evidence(self._filter, scores)
            self._recent.append(_Recent(u.start_s, u.end_s, scores, hits))
            while self._recent and self._recent[0].end_s < u.end_s - self.params.lookback_s:
                self._recent.popleft()
            decision = self._filter.log_p
        else:
            trial = _Filter(list(self._filter.log_p), self._filter.last_t)
            self._advance_filter(trial, u.end_s)
            self._add_evidence(trial, scores)
            decision = trial.log_p
        change = self._decide(decision, u, scores, rule_scores, hits)
        if change is not None:
            events.append(change)
        if u.final:
            self._tail = (tail + keys)[-TAIL_WORDS:]
            self._tail_end_s = u.end_s
            self._context = keys[-CONTEXT_WORDS:]
            self._context_end_s = u.end_s
        return events

    def advance(self, now_s: float) -> list[TrackerEvent]:
        """Let time pass without speech (silence, or a UI tick): time-based nudges fire here,
        and a phrase the speaker paused after is decided."""
        events = self._start()
        if self._phrase and now_s - self._phrase[-1].end_s > PHRASE_GAP_S:
            events.extend(self._flush_phrase())
        self._now = max(self._now, now_s)
        events.extend(self._check_nudges(self._now))
        return events

    def feed_drawn(self, drawn: Drawn) -> list[TrackerEvent]:
        """A component seen on the candidate's diagram: the checklist items it addresses that
        are still open become addressed "by diagram" at ``drawn.at_s``. Speech that comes later
        finds them addressed already (the first evidence stands, as for speech); the review
        compares what was drawn with what was said."""
        events: list[TrackerEvent] = []
        for item_id in drawn.items:
            cov = self._items.get(("checklist", item_id))
            if cov is None or cov.at_s is not None:
                continue
            cov.at_s, cov.evidence, cov.source = drawn.at_s, (drawn.label,), "diagram"
            events.append(Addressed(item_id, "checklist", drawn.at_s, cov.evidence,
                                    cov.target.label, "diagram"))
        self._now = max(self._now, drawn.at_s)
        return events

    def override(self, phase_id: str, at_s: float) -> PhaseChanged:
        """The user says which phase this is; automatic detection then holds off for a while."""
        if phase_id not in self._ids:
            raise ValueError(
                f"unknown phase '{phase_id}' for framework '{self.framework.id}' "
                f"(phases: {', '.join(self._ids)})"
            )
        self._start()
        at_s = max(at_s, self._segments[-1].start_s)
        event = PhaseChanged(phase_id, at_s, (), True, self.phase, None)
        self._enter(phase_id, at_s, (), manual=True)
        idx = self._ids.index(phase_id)
        self._filter.log_p = [0.0 if i == idx else self.params.floor / 2 for i in range(self._n)]
        self._filter.last_t = max(self._filter.last_t, at_s)
        self._hold_until = at_s + self.params.override_hold_s
        self._now = max(self._now, at_s)
        return event

    def state(self, now_s: float) -> TrackerState:
        now_s = max(now_s, self._now)
        elapsed = self._elapsed(now_s)
        timings = tuple(
            PhaseTiming(p.id, p.label, elapsed[p.id], p.budget_s,
                        self._status(elapsed[p.id], p.budget_s))
            for p in self.framework.phases
        )
        current = self.framework.phase(self.phase)
        return TrackerState(
            now_s=now_s, phase=current.id, phase_label=current.label,
            manual=self._segments[-1].manual, template=current.template,
            round_elapsed_s=now_s, round_s=self.round_s, phases=timings,
            items=tuple(self._item_status(c) for c in self._items.values()),
            nudges=tuple(self._active_nudges()),
        )

    def summary(self, now_s: float) -> TrackerReport:
        """What the mock came to at ``now_s``: timeline, time against budget, coverage with
        its evidence, nudges, delivery signals. A phrase still being gathered is decided."""
        self._flush_phrase()
        now_s = max(now_s, self._now)
        elapsed = self._elapsed(now_s)
        phases: list[PhaseSpan] = []
        for i, seg in enumerate(self._segments):
            end = self._segments[i + 1].start_s if i + 1 < len(self._segments) else now_s
            if end > seg.start_s or (i == len(self._segments) - 1 and not phases):
                phases.append(PhaseSpan(seg.phase, seg.start_s, end))
        checklist: list[CoveredItem] = []
        requirements: list[CoveredItem] = []
        for cov in self._items.values():
            t = cov.target
            addressed = cov.at_s is not None
            evidence = " ".join(cov.evidence)
            if t.kind == "checklist":
                checklist.append(CoveredItem(t.id, t.label, addressed, cov.at_s, evidence,
                                             phase=t.phase, source=cov.source))
            else:
                requirements.append(CoveredItem(t.id, t.label, addressed, cov.at_s, evidence,
                                                kind=self._req_kind.get(t.id, "")))
        return TrackerReport(
            framework=self.framework.id, duration_s=now_s, phases=tuple(phases),
            time_per_phase={pid: elapsed[pid] for pid in self._ids},
            budget={p.id: p.budget_s for p in self.framework.phases},
            checklist=tuple(checklist), requirements=tuple(requirements),
            nudges=tuple(NudgeNote(n.at_s, n.kind, n.text) for n in self._nudges),
            signals=self.signals.report(now_s), phase_model=self.phase_model,
        )

    def report(self, now_s: float) -> dict[str, Any]:
        """The ``mockcoach replay --json`` object (shape documented in README.md):
        ``summary(now_s).to_json()``."""
        return self.summary(now_s).to_json()

    # ------------------------------------------------------------------ phase detection
    def _model_params(self) -> TunedParameters:
        """The knobs chosen with the learned model on the development split (stored in the
        model file), or the defaults tuned for the rules."""
        base = TunedParameters()
        if self._model is None:
            return base
        kinds = {f.name: type(getattr(base, f.name)) for f in fields(TunedParameters)}
        chosen: dict[str, Any] = {k: kinds[k](v) for k, v in self._model.model.params.items()
                                  if k in kinds}
        return replace(base, **chosen)

    def _start(self) -> list[TrackerEvent]:
        if self._started:
            return []
        self._started = True
        return [PhaseChanged(self._ids[0], 0.0, (), False, None, 0.0)]

    def _order_weights(self) -> list[list[float]]:
        p = self.params
        rows = []
        for q in range(self._n):
            row = []
            for r in range(self._n):
                if r == q:
                    row.append(0.0)
                elif r == q + 1:
                    row.append(p.forward_weight)
                elif r > q:
                    row.append(p.skip_weight / (r - q) ** p.skip_power)
                else:
                    row.append(p.back_weight)
            total = sum(row) or 1.0
            rows.append([w / total for w in row])
        return rows

    def _advance_filter(self, f: _Filter, t: float) -> None:
        dt = max(0.0, t - f.last_t)
        f.last_t = max(f.last_t, t)
        if dt <= 0:
            return
        p = self.params
        elapsed = self._elapsed(t)
        old = f.log_p
        log_stay = []
        log_move = []
        for q, pid in enumerate(self._ids):
            budget = self.framework.phases[q].budget_s
            over = max(0.0, elapsed[pid] / budget - 1.0) if budget > 0 else 0.0
            dwell = p.dwell_s / (1.0 + over)
            stay = math.exp(-dt / dwell)
            log_stay.append(math.log(max(stay, 1e-300)))
            log_move.append(math.log(max(1.0 - stay, 1e-300)))
        new = []
        log_w = self._log_weights
        for r in range(self._n):
            terms = [old[r] + log_stay[r]]
            terms.extend(old[q] + log_move[q] + log_w[q][r] for q in range(self._n) if q != r)
            new.append(_logsumexp(terms))
        f.log_p = new

    def _scores(self, hits: Sequence[Hit]) -> list[float]:
        scores = [0.0] * self._n
        caps = [self.params.max_evidence] * self._n
        index = self._index
        for h in hits:
            i = index[h.phase]
            scores[i] += h.weight
            if h.cue:
                caps[i] = self.params.max_cue_evidence
        return [min(s, c) for s, c in zip(scores, caps, strict=True)]

    def _add_evidence(self, f: _Filter, scores: Sequence[float]) -> None:
        k = self.params.evidence_scale
        raw = [lp + k * s for lp, s in zip(f.log_p, scores, strict=True)]
        norm = _logsumexp(raw)
        f.log_p = [max(self.params.floor, v - norm) for v in raw]

    def _decide(self, log_p: Sequence[float], u: Utterance, scores: Sequence[float],
                rule_scores: Sequence[float], hits: Sequence[Hit]) -> PhaseChanged | None:
        if u.start_s < self._hold_until:
            return None
        cur = self._ids.index(self.phase)
        best = max(range(self._n), key=lambda i: (log_p[i], -i))
        announced = self._announced(cur, rule_scores, hits)
        if announced is not None:
            best = announced
            if rule_scores[best] <= 0:
                return None
        elif best == cur or log_p[best] - log_p[cur] < self._margin(best, cur, u, hits):
            return None
        elif scores[best] <= 0:
            return None  # the challenger must have fresh evidence of its own
        if announced is not None:
            # the filter follows the announcement, so the next stray word does not undo it
            f = self._filter
            f.log_p[best] = max(f.log_p[best], max(f.log_p) + self.params.switch_margin)
            norm = _logsumexp(f.log_p)
            f.log_p = [max(self.params.floor, v - norm) for v in f.log_p]
        new_id = self._ids[best]
        at_s, evidence = self._change_start(best, cur, u, hits)
        previous = self.phase
        self._enter(new_id, at_s, evidence)
        return PhaseChanged(new_id, at_s, evidence, False, previous, u.end_s)

    def _margin(self, best: int, cur: int, u: Utterance, hits: Sequence[Hit]) -> float:
        """How far the challenger must lead. A return to an earlier phase must be clearer than a
        step forward ("we should discuss the use cases" mid-design is not one), unless the
        speaker named that phase a moment ago ("we'll use a public REST API:" and then the
        call itself)."""
        if best > cur:
            return self.params.switch_margin
        best_id = self._ids[best]
        since = u.start_s - RETURN_CUE_S
        recent = (h for r in self._recent if r.start_s >= since for h in r.hits)
        if any(h.cue and h.words >= 2 and h.phase == best_id for h in (*hits, *recent)):
            return min(self.params.switch_margin, self.params.cue_return_margin)
        return self.params.back_margin

    def _announced(self, cur: int, scores: Sequence[float], hits: Sequence[Hit]) -> int | None:
        """A later phase announced in so many words ("let's dive into", "to wrap up") whose
        evidence dominates the utterance: candidates say where they are going, so follow them
        at once rather than wait for the evidence to pile up. Going back still needs the
        filter's evidence, since "as in the requirements" mid-design is not a return."""
        cued = {self._index[h.phase] for h in hits if h.cue and h.words >= 2}
        opening = [self._index[h.phase] for h in hits if h.cue and h.words >= 2 and h.lead]
        ahead_open = [i for i in opening if i > cur]
        if ahead_open:
            # a transition that opens the utterance ("so, to sum up, ...") is where the speaker
            # is going, however much of the earlier phases' vocabulary the sentence recaps
            return max(ahead_open, key=lambda i: (scores[i], -i))
        ahead = [i for i in cued if i > cur]
        if not ahead:
            return None
        best = max(ahead, key=lambda i: (scores[i], -i))
        others = max((s for i, s in enumerate(scores) if i != best), default=0.0)
        if scores[best] >= self.params.announce_ratio * max(others, 0.5):
            return best
        return None

    def _change_start(self, new: int, cur: int, u: Utterance,
                      hits: Sequence[Hit]) -> tuple[float, tuple[str, ...]]:
        """Place the change at the start of the speech that shows the new phase, not at the
        moment the tracker became sure: the timers then charge that speech to the new phase."""
        new_id = self._ids[new]
        evidence = [h.phrase for h in hits if h.phase == new_id]
        start = u.start_s
        floor_s = self._segments[-1].start_s
        recent = list(self._recent)
        if recent and recent[-1].end_s == u.end_s and recent[-1].start_s == u.start_s:
            recent = recent[:-1]
        p = self.params
        for rec in reversed(recent):
            if rec.start_s < floor_s or rec.start_s < u.start_s - p.lookback_s:
                break
            if rec.scores[new] > 0 and rec.scores[new] >= rec.scores[cur]:
                start = rec.start_s
                evidence = [h.phrase for h in rec.hits if h.phase == new_id] + evidence
            elif rec.scores[cur] > 0 or start - rec.end_s > p.bridge_s:
                break
        seen: dict[str, None] = {}
        for e in evidence:
            seen.setdefault(e, None)
        return max(start, floor_s), tuple(seen)

    def _enter(self, phase_id: str, at_s: float, evidence: tuple[str, ...],
               manual: bool = False) -> None:
        if self._segments[-1].start_s >= at_s and len(self._segments) > 1:
            self._segments.pop()
        if self._segments[-1].phase == phase_id:
            self._segments[-1].manual = manual
        else:
            self._segments.append(_Segment(phase_id, at_s, evidence, manual))
        self._visited.add(phase_id)
        # time of every segment but the open one, so timers cost O(phases) not O(changes)
        closed = dict.fromkeys(self._ids, 0.0)
        for prev, nxt in zip(self._segments, self._segments[1:], strict=False):
            closed[prev.phase] += max(0.0, nxt.start_s - prev.start_s)
        self._closed_s = closed

    # ------------------------------------------------------------------ timers
    def _elapsed(self, now_s: float) -> dict[str, float]:
        out = dict(self._closed_s)
        last = self._segments[-1]
        out[last.phase] += max(0.0, now_s - last.start_s)
        return out

    @staticmethod
    def _status(elapsed_s: float, budget_s: float) -> Status:
        if elapsed_s > budget_s:
            return "over"
        if elapsed_s >= NEAR_SHARE * budget_s:
            return "near"
        return "under"

    # ------------------------------------------------------------------ coverage
    def _cover(self, u: Utterance, toks: list[Token]) -> list[TrackerEvent]:
        """Coverage looks at the newest final plus earlier ones until about a sentence's worth
        of words: live transcription commits a sentence in fragments of a few words."""
        p = self.params
        canon_now = [Token(self._fuzzy.canon(t.key), t.word, t.number)
                     for t in in_milliseconds(toks)]
        self._window.append((u.start_s, u.end_s, u.text, canon_now))
        while len(self._window) > p.coverage_max_events:
            self._window.popleft()
        chosen: list[tuple[str, list[Token]]] = []
        words = 0
        newest_start = u.start_s
        for start_s, end_s, text, event_toks in reversed(self._window):
            if chosen and (words >= p.coverage_words or newest_start - end_s > p.coverage_gap_s
                           or u.end_s - start_s > p.coverage_span_s):
                break
            chosen.append((text, event_toks))
            words += len(event_toks)
            newest_start = start_s
        chosen.reverse()
        if any(a[-1].number is not None for _, a in chosen[:-1] if a):
            # re-read the fragments as one text, so "10" + "million users" is one figure again
            joined = in_milliseconds(tokens(" ".join(text for text, _ in chosen)))
            canon = [Token(self._fuzzy.canon(t.key), t.word, t.number) for t in joined]
        else:
            canon = [t for _, event_toks in chosen for t in event_toks]
        checklist_model = self._checklist_model()
        open_ids = {k for k, c in self._items.items() if c.at_s is None}
        hits = self._coverage.match(canon, self._checklist_keys | open_ids)
        said = [h.target.id for h in hits if h.target.kind == "checklist"]
        self.last_item_features = item_features(self.last_features, self.phase, said)
        if checklist_model is not None:
            # the learned checklist model decides the items; synonyms are one of its inputs
            open_items = {k[1] for k in open_ids if k[0] == "checklist"}
            picked = set(checklist_model.addressed(self.last_item_features, open_items))
            # a synonym said while the talk is in the item's own phase counts as well: the
            # model knows little of misheard words ("low latensy"), the fuzzy synonyms do
            picked.update(i for i in said if i in open_items and self._in_phase(i))
            evidence = {h.target.id: h.evidence for h in hits if h.target.kind == "checklist"}
            hits = [h for h in hits if h.target.kind != "checklist"]
            hits += [CoverageHit(self._items[("checklist", i)].target,
                                 evidence.get(i) or self._reasons(checklist_model, i, canon)
                                 or tuple(u.text.split()[:8]))
                     for i in sorted(picked)]
        self.last_window = [concept(t.key) for t in canon]
        hits += self._paraphrased(hits, open_ids, canon)
        hits = [h for h in hits if (h.target.kind, h.target.id) in open_ids]
        events: list[TrackerEvent] = []
        for hit in hits:
            cov = self._items[(hit.target.kind, hit.target.id)]
            cov.at_s = u.start_s
            cov.evidence = hit.evidence
            events.append(Addressed(hit.target.id, hit.target.kind, u.start_s, hit.evidence,
                                    hit.target.label))
        return events

    def _paraphrased(self, hits: Sequence[CoverageHit], open_ids: Set[tuple[str, str]],
                     window_tokens: Sequence[Token]) -> list[CoverageHit]:
        """Requirements the rules missed that the learned coverage model finds in the recent
        words (a paraphrase that shares few words with the prompt's phrasing)."""
        model = self._model.model.coverage if self._model is not None else None
        if model is None:
            return []
        if not self._terms:
            self._terms = self._requirement_terms(model)
        found = {h.target.id for h in hits if h.target.kind == "requirement"}
        window = self.last_window
        present = set(window)
        out = []
        for req_id, terms in self._terms.items():
            if req_id in found or ("requirement", req_id) not in open_ids:
                continue
            if not present.intersection(terms.concepts):
                continue
            p = model.probability(overlap_features(terms, window, self.phase))
            target = self._items[("requirement", req_id)].target
            if p <= self.coverage_p.get(req_id, 0.0) and p < model.threshold:
                continue
            if not self._coverage.guards(target, window_tokens):
                continue
            self.coverage_p[req_id] = max(p, self.coverage_p.get(req_id, 0.0))
            if p >= model.threshold:
                said = tuple(c.lstrip("~") for c in terms.concepts if c in present)
                out.append(CoverageHit(self._items[("requirement", req_id)].target, said))
        return out

    def _requirement_terms(self, model: CoverageModel) -> dict[str, RequirementTerms]:
        targets = [c.target for c in self._items.values() if c.target.kind == "requirement"]
        concepts = {t.id: t.alternatives[0] if t.alternatives else () for t in targets}
        return {
            t.id: requirement_terms(concepts[t.id], t.numbers,
                                    [v for k, v in concepts.items() if k != t.id],
                                    model.idf, model.default_idf)
            for t in targets
        }

    def _reasons(self, model: ChecklistModel, item_id: str,
                 window: Sequence[Token]) -> tuple[str, ...]:
        """The words that made the checklist model tick an item, as they were said."""
        said = {("#" if t.number is not None else t.key): t.word for t in window}
        return tuple(" ".join(said.get(k, k) for k in reason.split())
                     for reason in model.reasons(self.last_item_features, item_id))

    def _in_phase(self, item_id: str) -> bool:
        target = self._items[("checklist", item_id)].target
        return target.phase == self.phase

    def _checklist_model(self) -> ChecklistModel | None:
        """The learned checklist model, for the framework it was trained on (another
        framework's items keep their synonyms)."""
        if self._model is None or self._model.model.framework != self.framework.id:
            return None
        return self._model.model.checklist

    def _item_status(self, cov: _Coverage) -> ItemStatus:
        t = cov.target
        return ItemStatus(t.id, t.label, t.kind, t.phase, cov.at_s is not None, cov.at_s,
                          cov.evidence, self._req_kind.get(t.id), cov.source)

    # ------------------------------------------------------------------ nudges
    def _nudge(self, key: str, kind: str, text: str, at_s: float) -> list[TrackerEvent]:
        if key in self._fired:
            return []
        self._fired.add(key)
        n = Nudge(kind, text, at_s, key)
        self._nudges.append(n)
        return [n]

    def _check_nudges(self, now_s: float) -> list[TrackerEvent]:
        events: list[TrackerEvent] = []
        rules = self.framework.rules
        phase = self.framework.phase(self.phase)
        elapsed = self._elapsed(now_s)
        if elapsed[phase.id] > phase.budget_s:
            nxt = self._next_label(phase.id)
            text = (f"{phase.label} has taken {_mmss(elapsed[phase.id])} of its "
                    f"{_mmss(phase.budget_s)} budget")
            text += f"; consider moving on to {nxt}." if nxt else "; wrap up soon."
            events += self._nudge(f"over_budget:{phase.id}", "over_budget", text, now_s)
        cur = self._ids.index(phase.id)
        if rules.design_starts and cur >= self._ids.index(rules.design_starts):
            nf = rules.non_functional_item
            if nf and self._items[("checklist", nf)].at_s is None:
                events += self._nudge(
                    "no_non_functional", "no_non_functional",
                    "Moving to design without a non-functional requirement: state latency, "
                    "availability or consistency targets first.", now_s)
            if not self._numbers_seen:
                events += self._nudge(
                    "no_numbers", "no_numbers",
                    "Moving to design with no numbers stated: give users, requests per second "
                    "or storage so the design has a scale to meet.", now_s)
        if (rules.deep_dive and rules.deep_dive not in self._visited
                and self.round_s - now_s <= DEEP_DIVE_WARNING_S):
            label = self.framework.phase(rules.deep_dive).label
            events += self._nudge(
                "deep_dive_not_reached", "deep_dive_not_reached",
                f"{_mmss(max(0.0, self.round_s - now_s))} left and no {label} yet: pick the "
                "hardest component and go deep.", now_s)
        if rules.high_level and cur > self._ids.index(rules.high_level):
            for (kind, item_id), cov in self._items.items():
                if kind != "requirement" or cov.at_s is not None:
                    continue
                if self._req_kind.get(item_id) == "out_of_scope":
                    continue
                events += self._nudge(
                    f"requirement_untouched:{item_id}", "requirement_untouched",
                    f"Past the high-level design and this requirement is still untouched: "
                    f"\"{cov.target.label}\".", now_s)
        return events

    def _active_nudges(self) -> list[Nudge]:
        active = []
        for n in self._nudges:
            if n.kind == "over_budget" and n.key != f"over_budget:{self.phase}":
                continue
            if n.kind == "no_non_functional":
                nf = self.framework.rules.non_functional_item
                if nf and self._items[("checklist", nf)].at_s is not None:
                    continue
            if n.kind == "no_numbers" and self._numbers_seen:
                continue
            reached = self.framework.rules.deep_dive in self._visited
            if n.kind == "deep_dive_not_reached" and reached:
                continue
            if n.kind == "requirement_untouched":
                item_id = n.key.split(":", 1)[1]
                if self._items[("requirement", item_id)].at_s is not None:
                    continue
            active.append(n)
        return active

    def _next_label(self, phase_id: str) -> str | None:
        i = self._ids.index(phase_id)
        return self.framework.phases[i + 1].label if i + 1 < self._n else None


def _mmss(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"
