"""The components a diagram can name, as data: ``assets/diagram/components.toml``.

Matching is on whole words, case-insensitive, with one letter of slip allowed in words of five
to seven letters and two from eight (what OCR does to a hand-drawn "Postgres", "Queue" or
"Elasticsearch"; see ``allowed_slips``), a look-alike letter ("Menitering") counting half a
slip (``LOOK_ALIKES``). A label
names at most one component: a label is one box, and a box is one thing ("Redis cache" is a
cache, "Cassandra DB" a NoSQL database, "User service" a service).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FUZZY_MIN_LETTERS = 5
FUZZY_TWO_LETTERS = 8
NAMED_CACHE = 4096  # labels remembered with what they name (Vocabulary.name_of)
GENERIC_MAX_WORDS = 3  # a generic word names a box only on a short label ("User service"),
# not in a note ("TODO: shard by user_id")


class VocabularyError(Exception):
    """The components file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class ComponentKind:
    """One entry of the components file."""

    id: str
    name: str
    synonyms: tuple[tuple[str, ...], ...]  # each synonym as its words
    generic: tuple[tuple[str, ...], ...]
    checklist: tuple[str, ...]


@dataclass(frozen=True)
class _Found:
    kind: ComponentKind
    specific: bool
    words: int
    end: int
    order: int


def words_of(text: str) -> list[str]:
    """Lower-case words: letters and digits, with "/" and "-" splitting ("pub/sub" = pub sub).
    A "$" is read as the "s" Tesseract mistook it for ("$3" is S3)."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("$", "s"))


class Vocabulary:
    """Component names and synonyms, and the checklist items each addresses."""

    def __init__(self, kinds: Sequence[ComponentKind]) -> None:
        self.kinds = tuple(kinds)
        self._by_id = {k.id: k for k in self.kinds}
        # label words -> what they name: a watched diagram shows the same labels capture
        # after capture, and fuzzy matching every word against every synonym is not free
        self._named: dict[tuple[str, ...], ComponentKind | None] = {}

    def get(self, component_id: str) -> ComponentKind | None:
        return self._by_id.get(component_id)

    def name_of(self, label: str) -> ComponentKind | None:
        """The component one label names, or None (an arrow label, a note, an unknown box)."""
        words = tuple(words_of(label))
        if not words or len(words) > 8:  # a sentence of free text names no single box
            return None
        if words not in self._named:
            if len(self._named) > NAMED_CACHE:
                self._named.clear()
            self._named[words] = self._name_of(words)
        return self._named[words]

    def _name_of(self, words: tuple[str, ...]) -> ComponentKind | None:
        found: list[_Found] = []
        short = len(words) <= GENERIC_MAX_WORDS
        for order, kind in enumerate(self.kinds):
            generic = kind.generic if short else ()
            for specific, phrases in ((True, kind.synonyms), (False, generic)):
                for phrase in phrases:
                    end = _find(words, phrase)
                    if end is not None:
                        found.append(_Found(kind, specific, len(phrase), end, order))
        if not found:
            return None
        best = max(found, key=lambda f: (f.specific, f.words, f.end, -f.order))
        return best.kind

    def mentioned(self, text: str, *, generic: bool = False) -> set[str]:
        """The components a stretch of speech names: by a synonym, or with ``generic`` also by
        a generic word ("service", "database" are said of everything, so they prove little)."""
        words = words_of(text)
        return {k.id for k in self.kinds
                for p in (k.synonyms + k.generic if generic else k.synonyms)
                if _find(words, p, fuzzy=False) is not None}

    def checklist_of(self, component_ids: Iterable[str]) -> dict[str, str]:
        """Checklist item id → the first of ``component_ids`` that addresses it."""
        out: dict[str, str] = {}
        for cid in component_ids:
            kind = self._by_id.get(cid)
            for item in kind.checklist if kind else ():
                out.setdefault(item, cid)
        return out


def _find(words: Sequence[str], phrase: Sequence[str], *, fuzzy: bool = True) -> int | None:
    """Where ``phrase`` ends in ``words`` (index after its last word), or None."""
    n = len(phrase)
    for start in range(len(words) - n, -1, -1):
        if all(_same_word(words[start + i], phrase[i], fuzzy) for i in range(n)):
            return start + n
    if n > 1:  # "loadbalancer", "objectstore": a phrase run together by the OCR
        joined = "".join(phrase)
        for index in range(len(words) - 1, -1, -1):
            if _same_word(words[index], joined, fuzzy, most=1):
                return index + 1
    return None


def _same_word(seen: str, wanted: str, fuzzy: bool, most: int = 2) -> bool:
    if seen == wanted:
        return True
    if not fuzzy:
        return False
    slips = min(most, allowed_slips(len(wanted)))
    return slips > 0 and abs(len(seen) - len(wanted)) <= slips and _distance(
        seen, wanted, slips) <= slips


def allowed_slips(letters: int) -> int:
    """Letters OCR may get wrong in a word this long and still name it: none in short words
    ("lb", "dns", "cdn" would match anything), one from five letters, two from eight."""
    if letters < FUZZY_MIN_LETTERS:
        return 0
    return 1 if letters < FUZZY_TWO_LETTERS else 2


# Letters a reader mistakes for one another in hand-drawn and small text (round letters,
# humps, stems): swapping one for its look-alike costs half a slip.
LOOK_ALIKES = frozenset(
    frozenset(pair) for pair in (
        "eo", "ec", "ao", "ae", "co", "nr", "nm", "nh", "hb", "uv", "un", "il", "i1", "l1",
        "o0", "s5", "gq", "gy", "tf", "vy", "rv", "ij", "mw",
    )
)


def _substitution(a: str, b: str) -> float:
    if a == b:
        return 0.0
    return 0.5 if frozenset((a, b)) in LOOK_ALIKES else 1.0


def _distance(a: str, b: str, limit: float) -> float:
    """Levenshtein distance where a look-alike letter counts half (``LOOK_ALIKES``), giving
    up (limit + 1) once every path costs more than ``limit``."""
    previous: list[float] = [float(j) for j in range(len(b) + 1)]
    for i, ca in enumerate(a, start=1):
        current: list[float] = [float(i)]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + _substitution(ca, cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def load_vocabulary(path: Path) -> Vocabulary:
    """Read a components file; ``VocabularyError`` says what is wrong and where."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise VocabularyError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise VocabularyError(f"{path}: not valid TOML: {exc}") from exc
    kinds: list[ComponentKind] = []
    seen: set[str] = set()
    for n, entry in enumerate(data.get("component", []), start=1):
        cid = entry.get("id")
        if not isinstance(cid, str) or not cid:
            raise VocabularyError(f"{path}: component {n} has no id")
        if cid in seen:
            raise VocabularyError(f"{path}: component id {cid!r} appears twice")
        seen.add(cid)
        lists = {key: entry.get(key, []) for key in ("synonyms", "generic", "checklist")}
        for key, value in lists.items():
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise VocabularyError(f"{path}: component {cid!r}: {key} must be a list of text")
        synonyms = tuple(tuple(words_of(s)) for s in lists["synonyms"] if words_of(s))
        if not synonyms:
            raise VocabularyError(f"{path}: component {cid!r} has no synonyms")
        kinds.append(ComponentKind(
            cid, str(entry.get("name", cid)), synonyms,
            tuple(tuple(words_of(s)) for s in lists["generic"] if words_of(s)),
            tuple(lists["checklist"]),
        ))
    if not kinds:
        raise VocabularyError(f"{path}: no [[component]] entries")
    return Vocabulary(kinds)


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The bundled components file (read once: it never changes while the app runs)."""
    from assets import asset_path

    return load_vocabulary(asset_path("diagram", "components.toml"))
