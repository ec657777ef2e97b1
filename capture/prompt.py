"""Turn the text of a system-design prompt (usually OCR output) into its requirements.

Pure functions over strings: no I/O, no Tesseract, so every rule is unit-testable with a
hand-written fixture. The input is messy on purpose: bullets that OCR reads as ``e`` or ``©``,
lines wrapped and hyphenated by the page width, menu bars and tab titles from a full-screen
grab, or a prompt that is one paragraph with no headings at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from capture.figures import main_figure

KINDS = ("functional", "non_functional", "scale", "out_of_scope")
_ID_PREFIX = {"functional": "F", "non_functional": "N", "scale": "S", "out_of_scope": "O"}


@dataclass(frozen=True)
class Requirement:
    """One thing the candidate is expected to address; ``value``/``unit`` only for figures."""

    id: str
    text: str
    kind: str
    value: float | None = None
    unit: str | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "text": self.text, "kind": self.kind}
        if self.value is not None:
            out["value"] = self.value
        if self.unit is not None:
            out["unit"] = self.unit
        return out


@dataclass(frozen=True)
class Prompt:
    title: str
    requirements: tuple[Requirement, ...]
    raw_text: str

    def by_kind(self, kind: str) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.kind == kind)


# --- headings ---------------------------------------------------------------------------

_HEADINGS: dict[str, tuple[str, ...]] = {
    # a plain "Requirements" list mixes both kinds: each item is classified by its words
    "requirements": (
        "requirements", "requirement", "core requirements", "key requirements",
        "main requirements", "system requirements", "must have", "must haves",
        "the system should", "what it should do", "what the system should do", "reqs",
    ),
    "functional": (
        "functional requirements", "functional requirement", "functional",
        "features", "core features", "key features", "use cases", "user stories",
        "functionality", "product requirements", "business requirements", "api",
        "extensions", "extended requirements", "bonus", "stretch goals", "follow ups",
        "follow up", "nice to have", "optional",
    ),
    "non_functional": (
        "non functional requirements", "non functional requirement", "non functional",
        "nonfunctional requirements", "nonfunctional", "nfrs", "nfr", "constraints",
        "constraints and assumptions", "assumptions", "assumptions and constraints",
        "quality attributes", "system qualities", "scale", "scale requirements",
        "scale estimates", "scale and performance", "capacity", "capacity estimates",
        "capacity estimation", "performance", "performance requirements", "traffic",
        "numbers", "back of the envelope", "sla", "slas", "technical requirements",
        "operational requirements", "design constraints", "limits", "estimates",
        "targets", "quality targets", "service levels", "service level objectives", "slos",
    ),
    "out_of_scope": (
        "out of scope", "not in scope", "outside the scope", "non goals", "non goal",
        "not required", "excluded", "exclusions", "you can ignore", "ignore", "skip",
        "won t do", "will not do", "not needed", "out of scope for this interview",
    ),
    "context": (
        "background", "context", "overview", "description", "problem", "problem statement",
        "summary", "notes", "interviewer notes", "hints", "tips", "deliverables", "goal",
        "goals", "task", "your task", "question", "prompt", "scenario", "introduction",
    ),
}
_HEADING_WORDS = {w for names in _HEADINGS.values() for n in names for w in n.split()}

# Bullets as they come out of OCR: real glyphs, and what Tesseract makes of a small "•".
_BULLET = re.compile(
    r"^(?:[•·●○◦▪■□►▸▹‣⁃∙\-–—*+©®«»¢°>~]{1,2}(?=\s|\d|[A-Z])|[eoc][¢«©®°*•]?(?=\s)|"
    r"\d{1,2}[.)](?!\d)|\(\d{1,2}\)|"
    r"[a-hA-H][.)](?=\s)|\[\s?[xX ]?\s?\])\s*"
)
_COMMENT = re.compile(r"^(?:#+|//+|--(?=\s)|;+|>+|\*/|/\*+|\"\"\"|''')\s*")
_TITLE_START = re.compile(
    r"\b(?:design|build|architect|implement|create|develop|model)\b\s+(?:a|an|the|our|your|"
    r"[A-Z0-9])",
    re.IGNORECASE,
)
_TITLE_LABEL = re.compile(
    r"^(?:system[- ]design(?: (?:interview|question|prompt|problem))?|design (?:question|prompt|"
    r"problem|exercise)|interview (?:question|prompt|problem)|question|prompt|problem|exercise|"
    r"case study)\s*(?:\d+\s*)?[:\-–—]\s*(\S.*)$",
    re.IGNORECASE,
)
_TITLE_SUFFIX = re.compile(
    r"\S\s*[:\-–—|]\s*(?:a\s+)?(?:system[- ])?design (?:exercise|question|problem|prompt|"
    r"interview|challenge)$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'(]?[A-Z0-9])")
_MODAL = re.compile(
    r"\b(?:should|must|shall|can|could|needs? to|has to|have to|will|wants? to|"
    r"(?:is|are|be) able to|supports?|allows?|lets?|requires?|needs?|expects?|"
    r"expected to|able to|may)\b",
    re.IGNORECASE,
)
_OUT_OF_SCOPE_CUE = re.compile(
    r"\b(?:(?:is|are)\s+)?(?:out of scope|not in scope|outside (?:the )?scope|"
    r"(?:you )?(?:can|may) (?:ignore|skip)|(?:do not|don't|no need to|"
    r"(?:do not|don't|doesn't|does not) need to|need not) (?:worry about|"
    r"design|build|handle|implement|cover|consider)|not required|is not needed|"
    r"are not needed|won't be needed|can be ignored|not part of (?:this|the))\b",
    re.IGNORECASE,
)
_QUALITY = re.compile(
    r"\b(?:highly available|high availability|availab\w*|latency|latencies|fast|quick\w*|"
    r"responsive|real[- ]?time|consisten\w*|durab\w*|reliab\w*|scalab\w*|scale[sd]?|"
    r"fault[- ]toleran\w*|resilien\w*|secur\w*|privacy|uptime|throughput|performan\w*|"
    r"redundan\w*|replicat\w*|partition\w*|eventual\w*|strong(?:ly)? consistent|"
    r"low[- ]latency|idempoten\w*|ordering|ordered|cost[- ]effective|efficient\w*|"
    r"not evenly distributed|read[- ]heavy|write[- ]heavy|heavy|rare|limited|"
    r"don't need to be instant|do not need to be|accurate|accuracy|exactly[- ]once|"
    r"at[- ]least[- ]once|no data loss|lose|loss|sla|slo|geo|region\w*|global\w*|"
    r"compliance|observab\w*|monitor\w*|maintainab\w*|extensib\w*|lost|never|"
    r"replica\w*|double[- ]book\w*|duplicat\w*|at most once|no two|concurren\w*)\b",
    re.IGNORECASE,
)
# fault tolerance said plainly: "keeps running when a worker machine dies"
_FAULT = re.compile(
    r"\b(?:(?:machines?|nodes?|servers?|hosts?|workers?|instances?|regions?|data ?cent(?:er|re)s?|"
    r"zones?|disks?|replicas?|process(?:es)?|brokers?|shards?|databases?)\s+(?:dies|die|crash\w*|"
    r"fails?|goes down|go down|(?:is|are) lost|restarts?)|keeps? (?:running|working|serving)|"
    r"surviv\w*|withstand\w*|graceful\w* degrad\w*|fail-?over|single point of failure)\b",
    re.IGNORECASE,
)
_DURATION_UNITS = {"ms", "s", "us", "min", "hour", "day", "week", "month", "year"}
_ACTOR_CAN = re.compile(
    r"^(?:the |a |an |each |every |any )?(?:\w+ )?(?:users?|customers?|clients?|admins?|"
    r"administrators?|owners?|drivers?|riders?|people|visitors?|members?|creators?|viewers?|"
    r"guests?|merchants?|operators?|developers?|teams?|buyers?|sellers?|players?|"
    r"authors?|editors?|readers?|senders?|recipients?|anyone|someone)\b[^.]{0,30}?\b"
    r"(?:can|could|may|should be able to|must be able to|are able to|is able to|"
    r"wants? to|needs? to be able to)\b",
    re.IGNORECASE,
)
_FLUFF = re.compile(
    r"(?:^(?:you|we|let's|let us|feel free|please|take|think|start|begin|focus|walk|explain|"
    r"draw|sketch|describe|discuss|ask|imagine|good luck|note|remember|hint|tip)\b|"
    r"\b(?:minutes|interview(?:er)?|whiteboard|diagram|trade-?offs? you|your design|"
    r"walk me through|how would you|what would you|clarifying questions?)\b)",
    re.IGNORECASE,
)
_INTERVIEW_TIME = re.compile(
    r"\b(?:you(?:'ve| have| will have| get)|we have|in the next|take)\s+(?:about\s+)?\d+\s*"
    r"(?:minutes|mins|min)\b|\b\d+[- ]minutes? (?:interview|session|round)\b",
    re.IGNORECASE,
)
_DESCRIPTION = re.compile(
    r"^(?:[A-Z][\w.]*(?: [A-Z][\w.]*)*|it|this|that) (?:is|are|was) (?:a|an|the|one of)\b",
)
_CONNECTOR_END = re.compile(
    r"\b(?:and|or|the|a|an|of|to|in|on|for|with|by|from|per|that|which|their|its|is|are|"
    r"be|as|at|into|than|via|when|while|so|but|should|must|can|will|not)$",
    re.IGNORECASE,
)
_KEEP_HYPHEN_PREFIX = {"non", "read", "write", "low", "high", "real", "multi", "cross", "self",
                       "end", "well", "long", "short", "near", "key", "peer", "rate", "fault",
                       "user", "time", "cost", "geo", "pre", "post", "auto", "at", "top"}

# --- UI noise from full-screen captures --------------------------------------------------

_MENU_WORDS = {
    "file", "edit", "view", "insert", "format", "tools", "extensions", "help", "window",
    "selection", "go", "run", "terminal", "history", "bookmarks", "profiles", "tab", "share",
    "data", "arrange", "slide", "table", "add-ons", "addons", "comments", "comment", "home",
    "layout", "review", "references", "mailings", "design", "draw", "navigate", "code",
    "refactor", "build", "debug", "vcs", "git", "project", "options", "settings", "chat",
    "people", "meet", "present", "presenting", "record", "leave", "mute", "unmute", "camera",
    "reactions", "participants", "more", "new", "open", "save", "print", "undo", "redo",
    "zoom", "outline", "normal", "text", "arial", "inter", "roboto", "bold", "italic",
    "menu", "search", "find", "replace", "explorer", "source", "control", "problems",
    "output", "console", "ports", "preview", "editing", "suggesting", "viewing",
}
_APP_NAMES = re.compile(
    r"(?:google docs|google chrome|chromium|mozilla firefox|firefox|microsoft edge|safari|"
    r"visual studio code|vs code|coderpad|hackerrank|codesignal|notion|confluence|"
    r"google meet|zoom meeting|microsoft teams|slack|excalidraw|miro|whimsical|"
    r"google slides|powerpoint|microsoft word|keynote|pages|quip|dropbox paper)",
    re.IGNORECASE,
)
_NOISE_PATTERNS = (
    re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE),
    re.compile(r"^\S+\.(?:com|org|io|net|dev|app|co)(?:/\S*)?$", re.IGNORECASE),
    re.compile(r"^\W*\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?\W*$", re.IGNORECASE),
    re.compile(r"\b(?:last edit(?:ed)?|all changes saved|saving|saved to|edited)\b.*\b"
               r"(?:ago|drive|seconds?|minutes?|now)\b", re.IGNORECASE),
    re.compile(r"\b(?:Ln|Line)\s*\d+,?\s*(?:Col|Column)\s*\d+", re.IGNORECASE),
    re.compile(r"\b(?:UTF-?8|CRLF|Spaces:\s*\d|Tab Size)\b", re.IGNORECASE),
    re.compile(r"^\s*\d{1,3}\s?%(?:\s+\w+){0,3}\s*$"),
    re.compile(r"^(?:page|slide)\s+\d+\s+(?:of|/)\s+\d+", re.IGNORECASE),
    # status lines and placeholders of docs, wikis and slide apps, as OCR reads them:
    # "Page lof1 412 words", "Last updated today", "Click to add speaker notes", a thumbnail's
    # "Slide 3" at 7 px ("Side3", "Sides")
    re.compile(r"^(?:page|slide)\s*[\dlI|]{1,3}\s*(?:of|/)\s*[\dlI|]{1,3}\b", re.IGNORECASE),
    re.compile(r"^(?:last (?:updated|modified|edited)|updated|modified)\b.{0,30}\b(?:today|"
               r"yesterday|ago|now)$", re.IGNORECASE),
    re.compile(r"^click to add (?:speaker notes|notes|title|subtitle|text)$", re.IGNORECASE),
    re.compile(r"^s(?:l|1)?ides?\s*[\dsS]{0,2}$", re.IGNORECASE),
    re.compile(r"^\W*(?:\d+\s+)?(?:words?|characters?|comments?|replies)\W*\d*\W*$",
               re.IGNORECASE),
    re.compile(r"^(?:type a message|add a comment|write a comment|search\W*|untitled.*|"
               r"candidate:.*|interviewer:.*|meeting details|interview notes|outline|"
               r"share|comment|present|normal text|you|me|interviewer|candidate|host|"
               r"participants|people|chat|files|explorer|untitled|document|comments|more|"
               r"\d+\s+participants?|participants?\s*\(\d+\))$", re.IGNORECASE),
    re.compile(r"^(?:(?:LF|CRLF|UTF-?8|Markdown|Plain Text|Python|JavaScript|TypeScript|"
               r"Java|Go|Rust|C\+\+|JSON|YAML|HTML|Spaces: ?\d+|Tab Size: ?\d+)\s*){1,4}$"),
    re.compile(r"^[\W_]*(?:[a-z]{1,2}(?:[\W_]+|$)){3,}$", re.IGNORECASE),  # "te te te te"
    # file tabs and explorer rows: "prompt.md notes.md | estimates.txt", "main.py x"
    re.compile(r"^[\s|·•×*●]*(?:[\w.-]+\.(?:md|markdown|txt|py|ipynb|js|jsx|ts|tsx|json|ya?ml|toml|"
               r"docx?|pdf|html?|css|csv|java|kt|go|rs|rb|php|cs|cpp|cc|c|h|hpp|sql|sh|swift)"
               r"\b[\s|·•×x*●]*)+$", re.IGNORECASE),
)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for bad, good in (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("\u00ad", "-"),
                      ("ﬁ", "fi"), ("ﬂ", "fl"), ("\t", " ")):
        text = text.replace(bad, good)
    # markdown emphasis and code marks: "**Scalability**: ..." reads as "Scalability: ..."
    text = re.sub(r"(\*\*|__|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    return text


def _key(text: str) -> str:
    """Lower-case letters and spaces only: the form headings are compared in."""
    letters = re.sub(r"[^a-z0-9 ]+", " ", text.lower().replace("-", " ").replace("'", " "))
    return " ".join(letters.split())


def is_noise(line: str) -> bool:
    """A line that belongs to the surrounding app (menus, tabs, status bars), not the prompt."""
    stripped = line.strip()
    if not stripped:
        return True
    letters = sum(ch.isalpha() for ch in stripped)
    if letters < 2:
        return True
    if letters / len(stripped.replace(" ", "")) < 0.45 and main_figure(stripped) is None:
        return True
    if any(p.search(stripped) for p in _NOISE_PATTERNS):
        return True
    app = _APP_NAMES.search(stripped)
    if app is not None and not stripped[app.end():].strip(" -–—|·"):
        # "prompt.md - Google Docs", "Google Chrome": a window or tab title
        before = stripped[: app.start()].rstrip()
        if not before or before[-1] in "-–—|·":
            return True
    words = [w.lower().strip(".,:;|()[]") for w in stripped.split()]
    menu = sum(w in _MENU_WORDS for w in words)
    return len(words) >= 3 and menu >= 3 and menu / len(words) >= 0.6


def heading_kind(line: str) -> tuple[str, str] | None:
    """``(kind, rest)`` when the line is a section heading; ``rest`` is text after a colon."""
    body = _COMMENT.sub("", line.strip())
    body = re.sub(r"^(?:#+|\d{1,2}[.)]|[A-Z][.)]|[IVX]+[.)])\s*", "", body).strip()
    rest = ""
    if ":" in body:
        head, _, tail = body.partition(":")
        if len(head.split()) <= 6:
            body, rest = head, tail.strip()
    key = _key(body)
    key = re.sub(r"\s*\(?(?:nfrs?|frs?)\)?$", "", key).strip() or key
    if not key or len(key.split()) > 6:
        return None
    if rest == "" and line.rstrip().endswith((".", "?", "!")):
        return None
    for kind, names in _HEADINGS.items():
        if key in names:
            return kind, rest
    # OCR-damaged headings ("Non-funct1onal requ1rements"): close to a name, heading words only
    words = key.split()
    allowed_unknown = len(words) - max(1, len(words) - 1)
    unknown = 0
    for word in words:
        if word in _HEADING_WORDS or (len(word) >= 4 and _close_heading_word(word)):
            continue
        unknown += 1
        if unknown > allowed_unknown:
            return None
    best_kind, best_ratio = "", 0.0
    for kind, names in _HEADINGS.items():
        for name in names:
            matcher = SequenceMatcher(None, key, name)
            if matcher.real_quick_ratio() < 0.86 or matcher.quick_ratio() < 0.86:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best_kind, best_ratio = kind, ratio
    return (best_kind, rest) if best_ratio >= 0.86 else None


def _close_heading_word(word: str) -> bool:
    """"requ1rements" ≈ "requirements"; cheap length and first-letter filters first."""
    for known in _HEADING_WORDS:
        if abs(len(known) - len(word)) > 2 or known[0] != word[0]:
            continue
        if SequenceMatcher(None, word, known).ratio() >= 0.8:
            return True
    return False


def strip_bullet(line: str) -> tuple[str, bool]:
    """The line without its comment marker and bullet; True when it started with a bullet."""
    body = _COMMENT.sub("", line.strip())
    bulleted = body != line.strip() and bool(body) and not body[0].isalnum()
    match = _BULLET.match(body)
    if match and match.end() < len(body):
        rest = body[match.end():]
        token = match.group(0).strip()
        # "e"/"o"/"c" as bullets only when followed by a word (not "e.g.", not "c++")
        if token[:1] in {"e", "o", "c"} and not re.match(r"[A-Za-z0-9\"'(]", rest):
            return body, bulleted
        body, bulleted = _BULLET.sub("", body, count=1), True
        # mono comment style: "# - item" leaves a second bullet behind
        match = re.match(r"^[-*•+]\s+", body)
        if match:
            body = body[match.end():]
    return body.strip(), bulleted


# --- table rows, as capture.ocr writes them: "R1 | Users shorten a URL | Functional | Must" ---

_CELL_SEP = re.compile(r"\s+\|\s+")
_HEADER_CELLS = {
    "id", "no", "nr", "ref", "requirement", "requirements", "description", "type", "kind",
    "category", "priority", "notes", "note", "quality", "target", "targets", "metric",
    "metrics", "area", "value", "goal", "status", "owner", "moscow", "details", "comment",
    "comments", "feature", "features", "attribute", "item", "scope", "name", "sla", "slo",
}
_ID_CELL = re.compile(r"^(?:#|no\.?|(?:[a-z]{1,4}[- ]?)?\d{1,3}[.)]?)$", re.IGNORECASE)
_PRIORITY_CELL = re.compile(
    r"^(?:must(?: have)?|should(?: have)?|could(?: have)?|won'?t(?: have)?|nice to have|"
    r"high|medium|med|low|p[0-4]|critical|later|now|mvp|v[1-3])$",
    re.IGNORECASE,
)
_KIND_CELLS = ("functional", "non_functional", "out_of_scope")


def table_row(line: str) -> tuple[str, str | None] | None:
    """A table row as OCR writes it: ``(text, kind)``; ``("", None)`` for a header row, None
    when the line is not a row.

    Why: a requirement in a table is one row, not one cell. Identifier cells ("R1", "#3") and
    priority cells ("Must", "P1") are dropped, a kind cell ("Non-functional") gives the kind,
    and the other cells are the requirement, joined with ": " ("Ingest rate: 10M points/s").
    """
    cells = [c.strip() for c in _CELL_SEP.split(line.strip().strip("|").strip())]
    if len(cells) < 2:
        return None
    if all(_key(c) in _HEADER_CELLS or c == "#" for c in cells if c):
        return "", None
    kind: str | None = None
    kept: list[str] = []
    for cell in cells:
        if not cell or _ID_CELL.match(cell) or _PRIORITY_CELL.match(cell):
            continue
        heading = heading_kind(cell) if len(cell.split()) <= 3 else None
        if heading is not None and heading[0] in _KIND_CELLS and not heading[1]:
            kind = heading[0]
            continue
        kept.append(cell)
    return _tidy(": ".join(kept)), kind


@dataclass(frozen=True)
class _Line:
    text: str
    bulleted: bool
    blank_before: bool


def _join(previous: str, following: str) -> str:
    if previous.endswith("-") and not previous.endswith(" -"):
        stem = previous[:-1]
        last = re.split(r"[\s/]", stem)[-1].lower()
        if following[:1].islower() and last not in _KEEP_HYPHEN_PREFIX:
            return stem + following
        return previous + following
    return f"{previous} {following}"


def _continues(previous: _Line, line: _Line, section_has_bullets: bool) -> bool:
    """Is ``line`` the wrapped tail of ``previous``?"""
    if line.bulleted or (line.blank_before and not section_has_bullets):
        return False
    prev = previous.text
    if prev.endswith("-") and not prev.endswith(" -"):
        return True
    if prev.endswith((",", "(", "/", "&")) or _CONNECTOR_END.search(prev):
        return True
    starts_lower = line.text[:1].islower() or line.text[:1] in "()&"
    if starts_lower and not prev.endswith((".", "!", "?", ";", ":")):
        return section_has_bullets or not _MODAL.match(line.text)
    return False


def _items(lines: list[_Line]) -> list[str]:
    has_bullets = sum(line.bulleted for line in lines) >= max(1, len(lines) // 3)
    if has_bullets:
        # after the list ends, short unbulleted lines are the surrounding app (status bar,
        # side panels), not requirements: "LF Markdown", "Interviewer"
        last = max(i for i, line in enumerate(lines) if line.bulleted)
        tail = lines[last + 1:]
        while tail and tail[-1].blank_before and len(tail[-1].text.split()) <= 2:
            tail.pop()
        lines = lines[: last + 1] + tail
    items: list[_Line] = []
    for line in lines:
        if items and _continues(items[-1], line, has_bullets):
            items[-1] = replace(items[-1], text=_join(items[-1].text, line.text))
        else:
            items.append(line)
    out: list[str] = []
    for item in items:
        text = _tidy(item.text)
        if text and sum(ch.isalpha() for ch in text) >= 2:
            out.append(text)
    return out


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r"([(])\s+", r"\1", text)
    text = text.strip(" ;,")
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return text


def _sentences(text: str) -> list[str]:
    """Sentences and clauses of a paragraph prompt, each a requirement candidate."""
    flat = re.sub(r"-\n(?=[a-z])", "", text)
    flat = re.sub(r"\s*\n\s*", " ", flat)
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(flat):
        sentence = sentence.strip().rstrip(".!").strip()
        if not sentence:
            continue
        # "Users can post, and followers should see ..." -> two clauses when both have a verb
        parts = re.split(r";\s+|,\s+(?:and|but|while)\s+|\s+and\s+(?=(?:it|they|the system|"
                         r"users?|the service|we|you|[A-Z]\w+ (?:should|must|can|will))\b)",
                         sentence)
        pieces.extend(p.strip() for p in parts if p and p.strip())
    return pieces


def _restates_task(text: str) -> bool:
    """"Build a platform that ...": the whole task said again, not one requirement."""
    return _TITLE_START.match(text) is not None and main_figure(text) is None


def _requirement_like(text: str) -> bool:
    """Is this sentence of a paragraph prompt something to address, not talk around it?

    Figures, scope remarks, "should/must/can" and quality words always count. Otherwise a
    plain statement counts ("Guests book a room and pay") unless it speaks to the candidate
    about the interview ("You have 45 minutes", "Walk me through ...") or only describes
    ("Pastebin is a website where ...").
    """
    if _INTERVIEW_TIME.search(text):  # "You have 45 minutes": a figure, but not the system's
        return False
    if _restates_task(text):
        return False
    if main_figure(text) is not None or _OUT_OF_SCOPE_CUE.search(text):
        return True
    if _FLUFF.search(text) and not re.search(r"\bassume\b", text, re.IGNORECASE):
        return False
    if _MODAL.search(text):
        return True
    if len(text.split()) < 3 or text.rstrip().endswith("?"):
        return False
    return not _DESCRIPTION.search(text)


def classify(text: str, section: str | None) -> tuple[str, float | None, str | None]:
    """Kind, value and unit of one requirement text within a section (None: no heading)."""
    if section == "out_of_scope":
        return "out_of_scope", None, None
    figure = main_figure(text)
    if figure is not None and (
        figure.strong
        or section == "non_functional"
        # a bare count with no heading to go by ("Show the 10 most popular completions") is
        # a feature's detail; a duration or a quality word makes it a target ("every 4 s")
        or (section != "functional" and (figure.unit in _DURATION_UNITS
                                          or _QUALITY.search(text) is not None
                                          or _FAULT.search(text) is not None))
    ):
        return "scale", figure.value, figure.unit
    if section in ("functional", "non_functional"):
        return section, None, None
    if _OUT_OF_SCOPE_CUE.search(text):
        return "out_of_scope", None, None
    if _ACTOR_CAN.search(text):  # "Owners can update prices and availability"
        return "functional", None, None
    if _QUALITY.search(text) or _FAULT.search(text):
        return "non_functional", None, None
    return "functional", None, None


def _strip_scope_cue(text: str) -> str:
    """"Analytics is out of scope" → "Analytics" (the thing, not the verdict)."""
    cut = _OUT_OF_SCOPE_CUE.search(text)
    if cut is None:
        return text
    before = text[: cut.start()].strip(" ,;:-")
    after = text[cut.end():].strip(" ,;:-")
    before = re.sub(r"\b(?:is|are)$", "", before).strip()
    before = re.sub(r"^(?:you|we|candidates?|the candidate)\b\s*", "", before,
                    flags=re.IGNORECASE).strip()
    return _tidy(before or after or text)


def _inline_items(text: str) -> list[str]:
    """"Out of scope: voice calls, video calls" → two items when every part is short."""
    if not text:
        return []
    parts = [p.strip() for p in re.split(r";\s*|,\s*(?:and\s+|or\s+)?|\s+and\s+", text)]
    parts = [p for p in parts if p]
    if len(parts) > 1 and all(len(p.split()) <= 5 for p in parts):
        return parts
    return [text]


def _find_title(lines: list[str]) -> tuple[int, str] | None:
    """Index and text of the prompt's title: the first "Design ..."-style line near the top."""
    for index, line in enumerate(lines[:40]):
        body, _ = strip_bullet(line)
        label = _TITLE_LABEL.match(body)
        if label is not None and len(body.split()) <= 16 and not body.endswith("?"):
            # "Interview question: design a web crawler" / "System design: metrics platform"
            rest = label.group(1).strip()
            return index, rest if _TITLE_START.match(rest) else body
        if _TITLE_SUFFIX.search(body) and len(body.split()) <= 16:
            return index, body  # "Food delivery platform — design exercise"
        heading = heading_kind(body)
        if heading is not None:
            if heading[0] != "context" or not heading[1]:
                continue
            body = heading[1]  # "Question: Design a notification service"
        match = _TITLE_START.search(body)
        if match is None or (match.start() > 0 and not body[match.start()].isupper()):
            continue
        words_before = body[: match.start()].split()
        if len(words_before) <= 6 and len(body.split()) <= 40:
            return index, body[match.start():].strip()
    return None


def _parse_lines(raw_lines: Iterable[str]) -> list[tuple[str | None, _Line]]:
    """Tag every kept line with its section kind (None before any heading)."""
    section: str | None = None
    tagged: list[tuple[str | None, _Line]] = []
    blank = False
    for raw in raw_lines:
        if not raw.strip():
            blank = True
            continue
        row = None if is_noise(raw) else table_row(raw)
        if row is not None:  # one requirement per row, its kind from a kind cell if any
            text, kind = row
            if text and not is_noise(text):
                tagged.append((kind or section, _Line(text, True, True)))
            blank = True
            continue
        heading = heading_kind(raw)
        if heading is not None:
            section = heading[0]
            for part in _inline_items(heading[1]):
                tagged.append((section, _Line(part, True, True)))
            blank = True
            continue
        if is_noise(raw):
            blank = True
            continue
        body, bulleted = strip_bullet(raw)
        if not body:
            continue
        tagged.append((section, _Line(body, bulleted, blank)))
        blank = False
    return tagged


def parse_prompt(text: str) -> Prompt:
    """Title and requirements of a prompt; never raises, an empty text gives an empty prompt."""
    raw_lines = _normalise(text).splitlines()
    title = ""
    found = _find_title(raw_lines)
    if found is not None:
        index, title = found
        raw_lines = raw_lines[index + 1:]
        opening, *remainder = _SENTENCE_END.split(title, maxsplit=1)
        if remainder:  # "Design X. Users should ..." on one line: the rest is the prompt body
            title = opening
            raw_lines.insert(0, remainder[0])
        else:
            # a wrapped title continues on a lower-case line before the first blank line
            while (raw_lines and raw_lines[0].strip()[:1].islower()
                   and not is_noise(raw_lines[0])):
                wrapped = raw_lines.pop(0).strip()
                head, *tail = _SENTENCE_END.split(wrapped, maxsplit=1)
                title = f"{title} {head}"
                if tail:
                    raw_lines.insert(0, tail[0])
                    break
        title = _tidy(title)
    tagged = _parse_lines(raw_lines)
    if not title and tagged and tagged[0][0] is None:
        # "System design: chat service" above the first heading
        candidate = tagged[0][1].text
        if (len(candidate.split()) <= 12 and not _MODAL.search(candidate)
                and any(section not in (None, "context") for section, _ in tagged)):
            title = _tidy(candidate)
            tagged = tagged[1:]
    have_headings = any(section not in (None, "context") for section, _ in tagged)

    texts: list[tuple[str, str | None]] = []
    if have_headings:
        groups: list[tuple[str | None, list[_Line]]] = []
        for section, line in tagged:
            if groups and groups[-1][0] == section:
                groups[-1][1].append(line)
            else:
                groups.append((section, [line]))
        lists_follow = sum(section in _KIND_CELLS for section, _ in groups) >= 2
        for section, lines in groups:
            if section in (None, "context", "requirements"):
                if sum(line.bulleted for line in lines) >= max(1, len(lines) // 2):
                    texts.extend((item, None) for item in _items(lines)
                                 if section == "requirements" or not _restates_task(item))
                elif section is not None or not lists_follow:
                    prose = "\n".join(line.text for line in lines)
                    texts.extend((s, None) for s in _sentences(prose) if _requirement_like(s))
                # else: an introduction above requirement lists sets the scene, it is not
                # itself a requirement ("Riders request a car and nearby drivers get offers")
                continue
            texts.extend((item, section) for item in _items(lines))
    else:
        kept = [line for _, line in tagged]
        if not title and kept:
            first = _sentences(kept[0].text)[:1]
            if first and len(first[0].split()) <= 16 and not _MODAL.search(first[0]):
                title = first[0]
                rest = kept[0].text[len(first[0]):].lstrip(" .!?")
                kept = ([_Line(rest, False, False)] if rest else []) + kept[1:]
        bulleted = sum(line.bulleted for line in kept) >= max(2, len(kept) // 2)
        if bulleted:
            texts.extend((item, None) for item in _items(kept))
        else:
            prose = "\n".join(line.text for line in kept)
            texts.extend((s, None) for s in _sentences(prose) if _requirement_like(s))

    requirements: list[Requirement] = []
    counters = dict.fromkeys(KINDS, 0)
    seen: set[str] = set()
    for item, section in texts:
        kind, value, unit = classify(item, section)
        if kind == "out_of_scope" and section != "out_of_scope":
            item = _strip_scope_cue(item)
        key = _key(item)
        if not key or key in seen:
            continue
        seen.add(key)
        counters[kind] += 1
        requirements.append(
            Requirement(f"{_ID_PREFIX[kind]}{counters[kind]}", item, kind, value, unit)
        )
    return Prompt(title=title, requirements=tuple(requirements), raw_text=text)
