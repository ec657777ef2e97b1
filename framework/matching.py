"""Compiled matchers: phase evidence (cue phrases and vocabulary) and coverage of checklist
items and prompt requirements. Built once per tracker; each utterance costs a few dict look-ups
per word."""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Literal

from framework.definition import Framework
from framework.text import (
    NUMBER_SLOT,
    STOPWORDS,
    UNIT_KEYS,
    FuzzyVocabulary,
    Token,
    concept,
    content_keys,
    find_phrase,
    is_number_key,
    keys,
    number_key,
    pattern_keys,
    stem,
)
from framework.types import PromptItem

_ARTICLES = frozenset({"a", "an", "the"})
CUE_WEIGHT = 4.0
VOCAB_WEIGHT = 1.0
MULTIWORD_BONUS = 0.5  # a vocabulary phrase of several words is less likely a stray word

# Words so common in any system-design answer that they say little about coverage.
_GENERIC = frozenset(
    concept(k)
    for k in keys(
        "user users service system data should be fast support need needs request requests "
        "per month day second year time make able can active"
    )
)


# Words a speaker puts before a transition without changing what it says ("so, um, okay, now
# let's dive into ..."): a phrase after only these opens the utterance.
_LEAD_IN_WORDS = (
    "so okay ok um uh umm hmm alright right now and well then oh actually wait yeah yes next "
    "first finally good great cool sure fine let me i i'd we we'll i'll think"
)
_LEAD_IN = frozenset(stem(w) for w in _LEAD_IN_WORDS.split())


# A phase named in passing is not a move to it: "we'll get to the API later", "like I said in
# the requirements", "let's not go deep on that". With one of these in the utterance, its cue
# phrases count as plain vocabulary and announce nothing.
_ASIDE_MARKERS = tuple(tuple(keys(m)) for m in (
    "later", "come back to", "get to that", "get to it", "park it", "park that", "not yet",
    "if there's time", "if we have time", "like I said", "as I said", "as we said",
    "as I mentioned", "I mentioned", "we said", "let's not", "won't go", "no need",
    "don't need to",
))


def _is_aside(hay: Sequence[str]) -> bool:
    return any(find_phrase(hay, m, max_gap=0) >= 0 for m in _ASIDE_MARKERS)


# A spoken move ("let's start with the estimation", "moving on to the API", "now let us do a
# high-level design") is a verb of going on, at the opening of the utterance, and then a name of
# the phase (``Phase.names``, else its label). Cue lists cannot hold every verb with every name,
# and a speaker who says where they are going should be followed at once (issue 10).
_MOVE_VERB_TEXTS = (
    "start with", "starting with", "begin with", "beginning with", "move on to",
    "moving on to", "move to", "moving to", "go on to", "go to", "turn to", "turning to",
    "on to", "onto", "jump to", "jumping to", "jump into", "get into", "getting into",
    "switch to", "switching to", "look at", "looking at", "talk about", "talking about",
    "discuss", "discussing", "think about", "thinking about", "focus on", "focusing on",
    "dive into", "diving into", "go over", "go through", "time for", "proceed to", "come to",
    "coming to", "do", "doing", "cover", "tackle", "get to",
)


def _by_keys(texts: Sequence[str]) -> dict[tuple[str, ...], str]:
    """Key sequence -> the first text with those keys ("starting with" has the keys of "start
    with"), kept as written for the evidence a change shows."""
    out: dict[tuple[str, ...], str] = {}
    for text in texts:
        out.setdefault(pattern_keys(text), text)
    return out


_MOVE_VERBS = _by_keys(_MOVE_VERB_TEXTS)
# Words that may come before the verb ("so now let us quickly ...") or between the verb and the
# name ("... the rough ...")
_BEFORE_MOVE_WORDS = (
    "us let's lets would like to want wanna can should quick quickly briefly go ahead just "
    "maybe need could shall will"
)
_BEFORE_NAME_WORDS = (
    "the a an our some my this that these quick rough overall little bit of more now into "
    "actual main whole"
)
_BEFORE_MOVE = _LEAD_IN | frozenset(stem(w) for w in _BEFORE_MOVE_WORDS.split())
_BEFORE_NAME_TEXT = {stem(w): w for w in _BEFORE_NAME_WORDS.split()}  # key -> as written
_BEFORE_NAME = frozenset(_BEFORE_NAME_TEXT)
_MOVE_OPENING = 8  # the verb starts within this many words of the utterance's opening
# A move put off to another step is no move: "we'll come to the API after the data model",
# "before we move on to the API, one more thing"
_DEFERRED = frozenset(stem(w) for w in ("after", "once", "before", "until"))
# "do" moves only when it is proposed ("let's do the API", "now let us do a high-level
# design"), not in a design statement ("we can do the schema in Postgres")
_DO = frozenset(pattern_keys(v) for v in ("do", "doing"))
_DO_AFTER = frozenset(stem(w) for w in ("let", "us", "me", "let's", "now", "next"))


def phase_names(label: str, names: Sequence[str]) -> list[tuple[tuple[str, ...], str]]:
    """The key sequences that name a phase in a spoken move, each with the name as written (for
    the evidence): its ``names``, else its label."""
    out = [(pattern_keys(n), n) for n in (names or (label,))]
    return [(k, n) for k, n in out if k]


def _followed_by(hay: Sequence[str], i: int, name: Sequence[str]) -> int:
    """Index just past ``name`` when it starts at ``i`` (after a few words like "the"), else -1.
    Tried before each of those words too: a name may open with one ("main components",
    "overall design")."""
    j = i
    while True:
        if tuple(hay[j:j + len(name)]) == tuple(name):
            return j + len(name)
        if j >= len(hay) or j - i >= 3 or hay[j] not in _BEFORE_NAME:
            return -1
        j += 1


@dataclass(frozen=True)
class Hit:
    phase: str
    weight: float
    phrase: str
    cue: bool
    words: int = 1  # how many words the phrase has, articles aside
    lead: bool = False  # the phrase opens the utterance (after lead-in words only)


@dataclass(frozen=True)
class _Phrase:
    keys: tuple[str, ...]
    phase: str
    weight: float
    text: str
    cue: bool
    slotted: bool = False  # has a number slot: matched against numbers-as-slots
    keyset: frozenset[str] = frozenset()


class PhaseMatcher:
    """Finds cue phrases and vocabulary of every phase in a token sequence."""

    def __init__(self, framework: Framework, fuzzy: FuzzyVocabulary) -> None:
        self._by_first: dict[str, list[_Phrase]] = {}
        for phase in framework.phases:
            entries = [(c, CUE_WEIGHT, True) for c in phase.cues]
            entries += [(v, VOCAB_WEIGHT, False) for v in phase.vocabulary]
            for text, weight, cue in entries:
                k = pattern_keys(text)
                if not k or k == (NUMBER_SLOT,):
                    continue
                if not cue and len(k) > 1:
                    weight += MULTIWORD_BONUS
                fuzzy.add(x for x in k if x != NUMBER_SLOT)
                self._by_first.setdefault(k[0], []).append(
                    _Phrase(k, phase.id, weight, text, cue, NUMBER_SLOT in k, frozenset(k)))
        for phrases in self._by_first.values():
            phrases.sort(key=lambda p: (-len(p.keys), p.phase, p.text))
        self._names = sorted(((k, phase.id, n) for phase in framework.phases
                              for k, n in phase_names(phase.label, phase.names)),
                             key=lambda kp: -len(kp[0]))

    def _move(self, hay: Sequence[str], start: int, lead_end: int) -> Hit | None:
        """A spoken move to a phase at the opening of ``hay[start:]`` (see ``_MOVE_VERBS``): the
        verb starts at or before ``lead_end``, the first word that may not come before it."""
        if _DEFERRED.intersection(hay[start:]):
            return None
        for i in range(start, min(len(hay), lead_end + 1, start + _MOVE_OPENING)):
            for verb, verb_text in _MOVE_VERBS.items():
                if tuple(hay[i:i + len(verb)]) != verb:
                    continue
                if verb in _DO and (i == start or hay[i - 1] not in _DO_AFTER):
                    continue
                for name, phase, name_text in self._names:
                    end = _followed_by(hay, i + len(verb), name)
                    if end >= 0:
                        # the evidence in words, not keys ("look at the architectur")
                        between = [_BEFORE_NAME_TEXT.get(k, k)
                                   for k in hay[i + len(verb):end - len(name)]]
                        said = " ".join([verb_text, *between, name_text])
                        return Hit(phase, CUE_WEIGHT, said, True, 1 + len(name), True)
        return None

    def hits(self, hay: Sequence[str], new_from: int = 0) -> list[Hit]:
        """Each phrase counts once per call; a longer phrase of the same phase hides the shorter
        ones it starts with (so "load balancer" is not also "load"). Only phrases that end at or
        after ``new_from`` count: the words before it are context carried over from the previous
        utterance, so that a phrase split across two transcript events is still found once."""
        found: dict[tuple[str, str], Hit] = {}
        covered: dict[str, set[int]] = {}
        slots = [NUMBER_SLOT if is_number_key(k) else k for k in hay]
        said = frozenset(hay) | frozenset(slots)
        lead_end = new_from  # index of the first word that is not a lead-in word
        while lead_end < len(hay) and hay[lead_end] in _BEFORE_MOVE:
            lead_end += 1
        for i, key in enumerate(hay):
            phrases = self._by_first.get(key, ())
            if slots[i] == NUMBER_SLOT and NUMBER_SLOT in self._by_first:
                phrases = (*phrases, *self._by_first[NUMBER_SLOT])
            for ph in phrases:
                if (ph.phase, ph.text) in found:
                    continue
                taken = covered.setdefault(ph.phase, set())
                if i in taken:
                    continue
                seq = slots if ph.slotted else hay
                if len(ph.keys) == 1:
                    end = i
                elif not ph.keyset <= said:
                    continue  # a word of the phrase is not there at all: skip the scan
                else:
                    window = seq[i:i + len(ph.keys) * 2 + 1]
                    if find_phrase(window, ph.keys) != 0:
                        continue
                    end = i + _phrase_end(window, ph.keys)
                if end < new_from:
                    continue
                taken.update(range(i, end + 1))
                words = sum(1 for k in ph.keys if k not in _ARTICLES)
                lead = new_from <= i <= lead_end
                found[(ph.phase, ph.text)] = Hit(ph.phase, ph.weight, ph.text, ph.cue, words,
                                                 lead)
        hits = list(found.values())
        move = self._move(hay, new_from, lead_end)
        if move is not None and not any(h.cue and h.lead and h.phase == move.phase
                                        for h in hits):
            hits.append(move)
        if any(h.cue for h in hits) and _is_aside(hay[new_from:]):
            hits = [replace(h, weight=VOCAB_WEIGHT, cue=False) if h.cue else h for h in hits]
        return hits


def _phrase_end(hay: Sequence[str], phrase: Sequence[str]) -> int:
    """Index of the last word of ``phrase`` found in order from the start of ``hay``."""
    end = 0
    for want in phrase[1:]:
        end = next(j for j in range(end + 1, len(hay)) if hay[j] == want)
    return end


@dataclass(frozen=True)
class CoverageTarget:
    id: str
    kind: Literal["checklist", "requirement"]
    label: str
    phase: str | None
    alternatives: tuple[tuple[str, ...], ...]  # content keys of each phrasing
    numbers: tuple[str, ...] = ()
    phrase: bool = False  # alternatives are phrases said in order (checklist synonyms)
    ordered: tuple[tuple[str, str], ...] = ()  # word pairs whose order carries the meaning
    measures: tuple[tuple[str, str], ...] = ()  # (number, unit) said together: "200 ms"
    literal: tuple[str, ...] = ()  # a one-word requirement's own word and its forms ("chat")


@dataclass(frozen=True)
class CoverageHit:
    target: CoverageTarget
    evidence: tuple[str, ...]


def _weight(key: str) -> float:
    if key.startswith("#"):
        return 1.5
    return 0.5 if key in _GENERIC else 1.0


class CoverageMatcher:
    """Decides when a checklist item or a requirement has been addressed.

    A checklist item needs one of its phrasings (label or a synonym) with every content word
    present in the recent words. A requirement, being a sentence the candidate paraphrases, needs
    most of its weighted content words (generic words count half) and all of its numbers."""

    REQUIREMENT_SHARE = 0.6

    def __init__(self, framework: Framework, requirements: Sequence[PromptItem],
                 fuzzy: FuzzyVocabulary) -> None:
        self.targets: list[CoverageTarget] = []
        for item in framework.checklist:
            alts: list[tuple[str, ...]] = []
            phrases = item.synonyms or (item.label,)
            for phrase in phrases:
                pk = tuple(k for k in keys(phrase) if k not in _ARTICLES)
                if item.synonyms and pk and pk not in alts:
                    alts.append(pk)
                elif not item.synonyms:
                    ck = tuple(content_keys(phrase))
                    if ck:
                        alts.append(ck)
            self.targets.append(CoverageTarget(item.id, "checklist", item.label, item.phase,
                                               tuple(alts), phrase=bool(item.synonyms)))
        raw_keys: list[str] = []
        for req in requirements:
            raw = content_keys(req.text)
            raw_keys.extend(raw)
            ck = tuple(dict.fromkeys(concept(k) for k in raw))
            nums = tuple(k for k in ck if k.startswith("#"))
            measures = tuple((a, b) for a, b in pairwise(raw)
                             if a.startswith("#") and b in UNIT_KEYS)
            self.targets.append(CoverageTarget(req.id, "requirement", req.text, None, (ck,),
                                               nums, ordered=_ordered_pairs(req.text),
                                               measures=measures, literal=_literal(raw)))
        self._index: dict[str, set[int]] = {}
        fuzzy.add(raw_keys)
        for n, target in enumerate(self.targets):
            for alt in target.alternatives:
                if target.phrase:
                    fuzzy.add(alt)
                for key in alt[:1] if target.phrase else alt:
                    self._index.setdefault(key, set()).add(n)

    def match(self, window: Sequence[Token], open_ids: Set[tuple[str, str]]) -> list[CoverageHit]:
        sequence = [t.key for t in window if t.key not in _ARTICLES]
        words = [t.word for t in window if t.key not in _ARTICLES]
        present, where, keyseq = _index_window(window)
        candidates: set[int] = set()
        for key in present:
            candidates |= self._index.get(key, set())
        out: list[CoverageHit] = []
        for n in sorted(candidates):
            target = self.targets[n]
            if (target.kind, target.id) not in open_ids:
                continue
            if target.phrase:
                evidence = _find_any(target.alternatives, sequence, words)
            else:
                evidence = self._check(target, present, where, keyseq)
            if evidence is not None:
                out.append(CoverageHit(target, evidence))
        return out

    @staticmethod
    def guards(target: CoverageTarget, window: Sequence[Token]) -> bool:
        """The hard conditions of a requirement, whatever its wording: all its numbers, each
        measure with its unit, the sides of a ratio in their order. A paraphrase must meet them
        too ("kept for two years" is not "kept for 1 year")."""
        return _hard_conditions(target, *_index_window(window))

    def _check(self, target: CoverageTarget, present: dict[str, list[str]],
               where: dict[str, list[int]], seq: Sequence[str]) -> tuple[str, ...] | None:
        if target.kind == "checklist":
            for alt in target.alternatives:
                if all(k in present for k in alt):
                    return tuple(present[k][0] for k in alt)
            return None
        alt = target.alternatives[0]
        if not alt or not _hard_conditions(target, present, where, seq):
            return None
        total = sum(_weight(k) for k in alt)
        matched = [k for k in alt if k in present]
        got = sum(_weight(k) for k in matched)
        informative = [k for k in alt if k not in _GENERIC and not _figure(k)]
        if not informative:
            informative = [k for k in alt if not _figure(k)]  # too short to paraphrase
        said = [k for k in informative if k in present]
        if got / total < self.REQUIREMENT_SHARE:
            return None
        allowed = _allowed_misses(len(informative))
        if target.measures and said:
            allowed += 1  # a measure said ("200 ms"): the words around it may be paraphrased
        if len(informative) - len(said) > allowed:
            return None
        if len(said) == 1 and len(informative) == 1:
            # one telling word: it counts only with the requirement's other words next to it
            # ("searching should be fast" is not addressed by any "search")
            others = [k for k in alt if k != said[0] and (k in _GENERIC or _figure(k))]
            near = [k for k in others if k in where and _near(where, said[0], k)]
            if others and 2 * len(near) < len(others):
                return None
        if len(informative) == 2 and len(said) == 2 and not _near(where, *said):
            return None  # two words far apart in a sentence do not make a two-word requirement
        return tuple(present[k][0] for k in matched)


def _hard_conditions(target: CoverageTarget, present: dict[str, list[str]],
                     where: dict[str, list[int]], keyseq: Sequence[str]) -> bool:
    """What a requirement's wording cannot replace: all its numbers, its one telling word
    where it has one, each measure with its unit next to it, and the sides of a ratio in their
    order ("read to write ratio" is not "write to read ratio": "read to write", "read/write",
    "reads versus writes")."""
    if any(num not in present for num in target.numbers):
        return False
    if target.literal and not any(k in present for k in target.literal):
        return False
    for number, unit in target.measures:
        if not any(-2 <= b - a <= 1 for a in where[number] for b in where.get(unit, ())):
            return False
    return all(_pair(where, keyseq, a, b) for a, b in target.ordered)


def _index_window(window: Sequence[Token]
                  ) -> tuple[dict[str, list[str]], dict[str, list[int]], list[str]]:
    """The recent words as look-up tables: key -> words said, key -> positions among the words
    that carry meaning, and those keys in order (joined concepts)."""
    present: dict[str, list[str]] = {}
    where: dict[str, list[int]] = {}  # positions among the words that carry meaning
    keyseq: list[str] = []
    for i, tok in enumerate(window):
        if tok.key in _ONE_OF and i and window[i - 1].key in _ARTICLES:
            # "for a year", "an hour": one of the unit, so it meets "1 year", "1 hour"
            present.setdefault(_ONE, []).append(window[i - 1].word)
            where.setdefault(_ONE, []).append(len(keyseq))
        if tok.word in STOPWORDS and tok.number is None:
            if tok.key in _PAIR_JOINERS and keyseq:
                keyseq.append(tok.key)
            continue
        pos = len(keyseq)
        keyseq.append(concept(tok.key))
        present.setdefault(tok.key, []).append(tok.word)
        where.setdefault(tok.key, []).append(pos)
        grouped = concept(tok.key)
        if grouped != tok.key:
            present.setdefault(grouped, []).append(tok.word)
            where.setdefault(grouped, []).append(pos)
    return present, where, keyseq


_ONE = number_key(1.0)
_ONE_OF = frozenset(stem(w) for w in ("year", "month", "week", "day", "hour", "minute", "second"))
NEAR_WORDS = 6  # a short requirement's words must be this close together
_PAIR_JOINERS = frozenset({"to", "and", "or", "vs", "versus", "for"})


def _figure(key: str) -> bool:
    """A number or its unit ("#500", "mb"): part of a figure, not a word to paraphrase."""
    return key.startswith("#") or key in UNIT_KEYS


def _near(where: dict[str, list[int]], first: str, second: str) -> bool:
    return any(0 < abs(b - a) <= NEAR_WORDS for a in where[first] for b in where[second])


def _pair(where: dict[str, list[int]], seq: Sequence[str], first: str, second: str) -> bool:
    for a in where.get(first, ()):
        for b in where.get(second, ()):
            if b == a + 1 or (b == a + 2 and seq[a + 1] in _PAIR_JOINERS):
                return True
    return False


_STOP_KEYS = frozenset(concept(k) for w in STOPWORDS for k in keys(w))


def _ordered_pairs(text: str) -> tuple[tuple[str, str], ...]:
    """The two sides of a ratio ("read to write ratio", "read/write ratio", "10:1 writes to
    reads"): their order is the meaning, so coverage must see them in that order."""
    toks = [concept(k) for k in keys(text)]
    pairs = []
    for i, key in enumerate(toks):
        if key != "ratio" or i < 2:
            continue
        if toks[i - 2] == "to" and i >= 3:
            pairs.append((toks[i - 3], toks[i - 1]))
        elif not toks[i - 2].startswith("#"):
            pairs.append((toks[i - 2], toks[i - 1]))
    for i in range(1, len(toks) - 1):  # "writes to reads" after a ratio figure
        if toks[i] == "to" and any(k.startswith("#") for k in toks[:i - 1]) and "ratio" not in toks:
            sides = (toks[i - 1], toks[i + 1])
            if any(_figure(k) or k in _STOP_KEYS for k in sides):
                continue  # "under 1 second for up to 10 participants" is a figure, not a ratio
            pairs.append(sides)
    return tuple(pairs)


def _find_any(alternatives: Sequence[tuple[str, ...]], sequence: Sequence[str],
              words: Sequence[str]) -> tuple[str, ...] | None:
    for alt in alternatives:
        start = find_phrase(sequence, alt, max_gap=2)
        if start >= 0:
            # the words said, from the phrase's first word to its last
            end = start + _phrase_end(sequence[start:], alt)
            return tuple(words[start:end + 1])
    return None


def _literal(raw: Sequence[str]) -> tuple[str, ...]:
    """A requirement with one telling word that belongs to a group of related words ("Chat":
    chat, message, ...) must be said with that word: any "message" is not a chat feature."""
    telling = {concept(k) for k in raw if concept(k) not in _GENERIC and not _figure(k)}
    if len(telling) != 1:
        return ()
    (group,) = telling
    if not group.startswith("~"):
        return ()
    return tuple(dict.fromkeys(k for k in raw if concept(k) == group))


def _allowed_misses(informative_words: int) -> int:
    """Short requirements must be said in full; longer ones may be paraphrased a little."""
    if informative_words <= 3:
        return 0
    if informative_words <= 5:
        return 1
    return 2
