"""Words as the tracker compares them: normalised, lightly stemmed, numbers made canonical.

Speech recognition writes "100M", "100 million" or "a hundred million" for the same figure and
misspells rare words; written prompts use other inflections than speech. Everything the tracker
matches goes through ``tokens`` so those variants meet, and ``FuzzyVocabulary`` forgives one
edit in longer words through a deletion index (cheap: a few dictionary look-ups per new word).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

_TOKEN_RE = re.compile(
    r"\d+(?:,\d{3})+(?:\.\d+)?(?![\d])"  # 1,000,000 / 86,400.5
    r"|\d+(?:\.\d+)?(?:k|m|mm|b|bn|t)(?![a-z0-9])"  # 100M, 1.5bn, 10k
    r"|\d+(?:\.\d+)?[a-z]+"  # 1kb, 3x, 10th
    r"|\d+(?:\.\d+)?"
    r"|[a-z]+(?:'[a-z]+)?"
)

_UNITS = {
    "byte": "byte", "bytes": "byte", "b": "byte",
    "kb": "kb", "kilobyte": "kb", "kilobytes": "kb", "kbs": "kb",
    "mb": "mb", "megabyte": "mb", "megabytes": "mb", "mbs": "mb",
    "gb": "gb", "gigabyte": "gb", "gigabytes": "gb", "gig": "gb", "gigs": "gb", "gbs": "gb",
    "tb": "tb", "terabyte": "tb", "terabytes": "tb", "tbs": "tb",
    "pb": "pb", "petabyte": "pb", "petabytes": "pb", "pbs": "pb",
    "qps": "qps", "rps": "qps", "tps": "qps",
    "ms": "ms", "millisecond": "ms", "milliseconds": "ms", "millis": "ms", "milli": "ms",
    "msec": "ms", "msecs": "ms",
}
UNIT_KEYS = frozenset(_UNITS.values())
_SMALL = {
    "zero": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9, "t": 1e12,
}
_SCALE_WORDS = {"hundred", "thousand", "million", "billion", "trillion"}
_DURATIONS = {"second", "seconds", "sec", "secs"}

STOPWORDS = frozenset(
    """a an the and or but of to in on at for with by from as is are was were be been being it
    its this that these those there their they them we our us you your i me my he she his her
    so if then than can could would should will shall may might must do does did done have has
    had not no yes just also very really about into over under up down out off some any each
    all both what which who whom whose when where why how let lets let's okay ok well like um uh
    gonna wanna going get gets got want need make makes made one via per after before during
    until within without across between through upon""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Token:
    """A normalised word: ``key`` is what matching compares, ``word`` what a person said."""

    key: str
    word: str
    number: float | None = None


def number_key(value: float) -> str:
    return "#" + format(value, ".4g")


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    """A deliberately light stemmer: plurals, -ing, -ed, a final -e, doubled consonants."""
    if len(word) <= 3 or word.startswith("#"):
        return word
    w = _BRITISH.sub(r"iz\1", word) if len(word) >= 7 else word  # "recognise" = "recognize"
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "'s")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    if w.endswith("ability") and len(w) > 9:
        w = w[:-7]  # availability -> avail, like available
    elif w.endswith("able") and len(w) > 6:
        w = w[:-4]
    w = _derived(w)
    if w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def _derived(w: str) -> str:
    """Nouns made from verbs meet their verbs: "configuration" and "configure", "placement" and
    "place", "selection" and "select", "replication" and "replicated". Only when enough letters
    stay, so "station", "comment" and "update" are left alone."""
    for suffix in ("ation", "ment", "ate"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return w[: -len(suffix)]
    if w.endswith("at") and len(w) - 2 >= 4:
        return w[:-2]  # "replicat" (replicated, replicating) -> "replic"
    if w.endswith(("tion", "sion")) and len(w) - 3 >= 5:
        return w[:-3]
    return w


_BRITISH = re.compile(r"is(e|ed|es|ing|ation|ations)$")


def _split(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower().replace("’", "'"))


def _numeric(raw: str) -> tuple[float, str | None] | None:
    """Value of a digit token, and a unit glued to it ("1kb" -> (1, "kb"))."""
    match = re.fullmatch(r"(\d+(?:,\d{3})*(?:\.\d+)?)([a-z]*)", raw)
    if not match:
        return None
    value = float(match.group(1).replace(",", ""))
    suffix = match.group(2)
    if not suffix:
        return value, None
    if suffix in ("k", "m", "mm", "b", "bn", "t"):
        return value * _SCALES[suffix], None
    return value, suffix


def tokens(text: str) -> list[Token]:
    """Normalised tokens of ``text``: stems for words, ``#<value>`` for whole numbers in any
    form, canonical unit names ("gigabytes" -> "gb")."""
    raw = _split(text)
    out: list[Token] = []
    i = 0
    n = len(raw)
    while i < n:
        word = raw[i]
        start = i
        value: float | None = None
        glued_unit: str | None = None
        if word[0].isdigit():
            parsed = _numeric(word)
            if parsed is not None:
                value, glued_unit = parsed
                i += 1
        elif word in _SMALL:
            value = float(_SMALL[word])
            i += 1
            if i < n and value >= 20 and raw[i] in _SMALL and _SMALL[raw[i]] < 10:
                value += _SMALL[raw[i]]
                i += 1
        elif word in ("a", "an") and i + 1 < n and raw[i + 1] in _SCALE_WORDS:
            value = 1.0
            i += 1
        elif word == "half" and i + 2 < n and raw[i + 1] in ("a", "an") and (
                raw[i + 2] in _SCALE_WORDS or raw[i + 2] in _UNITS or raw[i + 2] in _DURATIONS):
            # "half a million", "half a second", "half a gig"
            if raw[i + 2] in _SCALE_WORDS:
                out.append(Token(number_key(0.5 * _SCALES[raw[i + 2]]),
                                 " ".join(raw[i:i + 3]), 0.5 * _SCALES[raw[i + 2]]))
            else:
                out.append(Token(number_key(0.5), "half a", 0.5))
                out.append(Token(_UNITS.get(raw[i + 2]) or stem(raw[i + 2]), raw[i + 2]))
            i += 3
            continue
        elif word in ("a", "an") and i + 1 < n and raw[i + 1] == "couple":
            value = 2.0  # "a couple of seconds", "a couple hundred"
            i += 3 if i + 2 < n and raw[i + 2] == "of" else 2
        elif word in ("a", "an") and i + 1 < n and raw[i + 1] in _UNITS:
            # "a millisecond", "a megabyte": one of the unit, so it meets "1 ms", "1 MB"
            out.append(Token(number_key(1.0), word, 1.0))
            out.append(Token(_UNITS[raw[i + 1]], raw[i + 1]))
            i += 2
            continue
        if value is None:
            key = _UNITS.get(word) or stem(word)
            out.append(Token(key, word))
            i += 1
            continue
        if i + 1 < n and raw[i] == "point" and value == int(value) and glued_unit is None:
            # a decimal said aloud: "ninety-nine point nine five" is 99.95, "two point five
            # million" is 2.5 million
            digits = []
            j = i + 1
            while j < n and ((raw[j] in _SMALL and _SMALL[raw[j]] < 10) or raw[j].isdigit()):
                digits.append(str(_SMALL.get(raw[j], raw[j])))
                j += 1
            if digits:
                value = float(f"{int(value)}.{''.join(digits)}")
                i = j
        if (i + 2 < n and raw[i] == "and" and raw[i + 1] in ("a", "an") and raw[i + 2] == "half"
                and value == int(value) and glued_unit is None):
            value += 0.5  # "one and a half million" is 1.5 million, "two and a half hours" 2.5
            i += 3
        if i < n and raw[i] == "nines" and 2 <= value <= 6:
            # "four nines" of availability is 99.99 %
            out.append(Token(number_key(100 - 10 ** (2 - value)), " ".join(raw[start:i + 1]),
                             100 - 10 ** (2 - value)))
            i += 1
            continue
        # scale words after the number: "100 million", "one hundred thousand", "2.5 million"
        total = 0.0
        current = value
        while glued_unit is None and i < n and raw[i] in _SCALE_WORDS:
            scale = _SCALES[raw[i]]
            if scale == 100:
                current *= scale
            else:
                total += current * scale
                current = 0.0
            i += 1
            if i < n and raw[i] in _SMALL and raw[i - 1] == "hundred":
                current += _SMALL[raw[i]]
                i += 1
        value = total + current
        shown = " ".join(raw[start:i])
        if glued_unit is None and i < n and raw[i] == "x":  # "ten x" said for "10x"
            glued_unit = "x"
            i += 1
            shown = " ".join(raw[start:i])
        if glued_unit == "x":  # "10x": a multiplier, not ten of something called x
            out.append(Token(number_key(value) + "x", shown, value))
            continue
        out.append(Token(number_key(value), shown, value))
        if glued_unit:
            out.append(Token(_UNITS.get(glued_unit, stem(glued_unit)), glued_unit))
    return _join_terms(out)


# Terms people say in several words or as an abbreviation; the tokens become the short form.
_MULTIWORD = {("time", "to", "live"): "ttl", ("p", "#99"): "p99", ("p", "#95"): "p95"}


_MULTIWORD_FIRST = frozenset(phrase[0] for phrase in _MULTIWORD)


def _join_terms(toks: list[Token]) -> list[Token]:
    if not any(t.key in _MULTIWORD_FIRST for t in toks):
        return toks
    out: list[Token] = []
    i = 0
    while i < len(toks):
        if toks[i].key in _MULTIWORD_FIRST:
            for phrase, short in _MULTIWORD.items():
                if tuple(t.key for t in toks[i:i + len(phrase)]) == phrase:
                    out.append(Token(short, " ".join(t.word for t in toks[i:i + len(phrase)])))
                    i += len(phrase)
                    break
            else:
                out.append(toks[i])
                i += 1
        else:
            out.append(toks[i])
            i += 1
    return out


def in_milliseconds(toks: list[Token]) -> list[Token]:
    """Durations in one unit, for coverage: "half a second" meets "500 ms", "10 seconds"
    meets "10 s", "in a second or two" meets "within 2 seconds". (Estimation keeps seconds:
    "86,400 seconds" is a day, not a latency.)"""
    out = list(toks)

    def unit_at(j: int) -> bool:
        return 0 <= j < len(out) and out[j].word in _DURATION_WORDS

    for i, tok in enumerate(toks):
        value = tok.number
        if value is None and tok.word in ("a", "an") and unit_at(i + 1) and (
                (i and toks[i - 1].word in _BEFORE_A_DURATION) or
                (i + 2 < len(toks) and toks[i + 2].word == "or")):
            value = 1.0  # "within a second", "a second or two"; not "a thousand a second"
        if value is None:
            continue
        # the unit right after, or after a range: "two or three seconds", "a second or two"
        ranged = i + 3 < len(toks) and toks[i + 1].word in ("or", "to") and unit_at(i + 3)
        after_range = (i >= 3 and toks[i - 1].word in ("or", "to") and unit_at(i - 2))
        if unit_at(i + 1) or ranged or after_range:
            out[i] = Token(number_key(value * 1000), tok.word, value * 1000)
            if unit_at(i + 1):
                out[i + 1] = Token("ms", out[i + 1].word)
    return out


_DURATION_WORDS = frozenset(_DURATIONS | {"s"})
_BEFORE_A_DURATION = frozenset(
    ("in", "within", "under", "than", "below", "about", "around", "roughly", "takes", "take"))


def keys(text: str) -> list[str]:
    return [t.key for t in tokens(text)]


NUMBER_SLOT = "#"  # in a phrase: any number ("{n} times {n}" in a framework file)


def pattern_keys(text: str) -> tuple[str, ...]:
    """Keys of a framework phrase; ``{n}`` becomes ``NUMBER_SLOT``, which matches any number."""
    out: list[str] = []
    for i, part in enumerate(text.split("{n}")):
        if i:
            out.append(NUMBER_SLOT)
        out.extend(keys(part))
    return tuple(out)


def is_number_key(key: str) -> bool:
    return key.startswith("#")


def content_keys(text: str) -> list[str]:
    """Keys that carry meaning (no stop words), in order, without repeats; durations in ms."""
    seen: dict[str, None] = {}
    for t in in_milliseconds(tokens(text)):
        if t.number is not None or (t.word not in STOPWORDS and len(t.key) > 1):
            seen.setdefault(t.key, None)
    return list(seen)


# Words that people use for the same thing when they paraphrase a requirement. General
# system-design English, applied only when judging coverage (phase vocabulary stays literal).
_CONCEPT_GROUPS = (
    "post tweet",
    "feed timeline",
    "photo image picture media",
    "video clip",
    "url shortlink",
    "follow follower following subscribe subscriber",
    "user customer person people member",
    "delete remove deletion",
    "create publish add submit submission creation",
    "view see seen saw open visit watch browse show shown display",
    "upload ingest",
    "notify notification alert",
    "expire expiration expiry ttl",
    "realtime instant instantly immediate immediately",
    "keyword term",
    "fast quick quickly speedy low-latency",
    "search find found",
    "like favorite favourite upvote",
    "comment reply",
    "message chat",
    "avail uptime",
    "durable durability lose lost loss",
    "fail failure die crash outage",
    "deliver delivery delivered",
    "cheap cost costly",
    "sell sold sale purchase buy bought",
    "edit change modify update",
    "restore revert rollback",
    "peak burst spike surge busiest",
    # irregular forms the stemmer cannot join: "kept" is "keep", "sent" is "send"
    "keep kept", "send sent", "write wrote written", "pay paid", "build built",
    "choose chose chosen", "give gave given", "take took taken", "grow grew grown",
    "hold held", "run ran", "break broke broken", "hide hid hidden", "get got gotten",
)


def _concepts() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in _CONCEPT_GROUPS:
        words = group.split()
        head = "~" + stem(words[0])
        for word in words:
            for key in (stem(word), stem(word.replace("-", ""))):
                table.setdefault(key, head)
    return table


CONCEPTS = _concepts()


def concept(key: str) -> str:
    """The shared key of a word's paraphrase group ("tweet" and "post" meet), else the key."""
    return CONCEPTS.get(key, key)


def merge_split_words(toks: list[Token], known: FuzzyVocabulary) -> list[Token]:
    """Undo a speech recogniser's splits of a known word: "data base" -> "database", "end
    points" -> "endpoints", spelled-out letters "a p i" -> "api"."""
    out: list[Token] = []
    i = 0
    n = len(toks)
    while i < n:
        tok = toks[i]
        if tok.number is None:
            # a run of single letters ("q p s"), longest first
            j = i
            while j < n and len(toks[j].word) == 1 and toks[j].number is None and j - i < 4:
                j += 1
            if j - i >= 2:
                word = "".join(t.word for t in toks[i:j])
                if stem(word) in known:
                    out.append(Token(stem(word), " ".join(t.word for t in toks[i:j])))
                    i = j
                    continue
            if (i + 1 < n and toks[i + 1].number is None and len(tok.word) >= 3
                    and len(toks[i + 1].word) >= 3):
                word = tok.word + toks[i + 1].word
                key = stem(word)
                if len(word) >= 7 and key in known:
                    out.append(Token(key, f"{tok.word} {toks[i + 1].word}"))
                    i += 2
                    continue
        out.append(tok)
        i += 1
    return out


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class FuzzyVocabulary:
    """Maps a heard key to a known key, forgiving one edit for keys of 6+ characters.

    Deterministic (ties broken alphabetically) and cached, so a long session costs one look-up
    per distinct word."""

    MIN_LEN = 6

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known: set[str] = set()
        self._index: dict[str, set[str]] = {}
        self._cache: dict[str, str] = {}
        self.add(known)

    def add(self, known: Iterable[str]) -> None:
        for key in known:
            if key in self._known:
                continue
            self._known.add(key)
            if len(key) >= self.MIN_LEN and not key.startswith("#"):
                for variant in _deletions(key) | {key}:
                    self._index.setdefault(variant, set()).add(key)
        self._cache.clear()

    def __contains__(self, key: str) -> bool:
        return key in self._known

    def canon(self, key: str) -> str:
        """``key`` itself when known, else the closest known key within one edit, else ``key``."""
        if key in self._known or len(key) < self.MIN_LEN or key.startswith("#"):
            return key
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        candidates: set[str] = set(self._index.get(key, ()))
        for variant in _deletions(key):
            if variant in self._known:
                candidates.add(variant)
            candidates.update(self._index.get(variant, ()))
        candidates = {c for c in candidates if len(c) >= self.MIN_LEN and c[0] == key[0]}
        result = min(candidates) if candidates else key
        self._cache[key] = result
        return result


def phrase_keys(phrase: str) -> tuple[str, ...]:
    return tuple(keys(phrase))


def find_phrase(hay: Sequence[str], phrase: Sequence[str], max_gap: int = 1) -> int:
    """Index in ``hay`` where ``phrase`` starts (in order, up to ``max_gap`` extra words between
    its words, for fillers and ASR insertions), or -1."""
    if not phrase:
        return -1
    first = phrase[0]
    for start, key in enumerate(hay):
        if key != first:
            continue
        pos = start
        ok = True
        for want in phrase[1:]:
            limit = min(len(hay), pos + 2 + max_gap)
            for j in range(pos + 1, limit):
                if hay[j] == want:
                    pos = j
                    break
            else:
                ok = False
                break
        if ok:
            return start
    return -1
