"""The prompt library: classic system-design prompts as TOML data, and matching against it.

A user can pick a library prompt instead of capturing one, or drop their own ``*.toml`` into
the user prompts folder. When a captured prompt resembles a library prompt, the library's
extra requirements are offered as suggestions (the capture stays the source of truth).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from capture.figures import main_figure
from capture.prompt import KINDS, Prompt, Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_ID_PREFIX = {"functional": "F", "non_functional": "N", "scale": "S", "out_of_scope": "O"}
_STOP = {"a", "an", "the", "of", "to", "and", "or", "for", "in", "on", "with", "by", "is",
         "are", "be", "can", "should", "must", "design", "system", "service", "like", "that",
         "from", "at", "as", "it", "its", "their", "each", "per", "user", "users", "build"}


class LibraryError(Exception):
    """A prompt file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class LibraryPrompt:
    id: str
    title: str
    prompt: Prompt
    aliases: tuple[str, ...]
    path: Path


@dataclass(frozen=True)
class LibraryMatch:
    entry: LibraryPrompt
    score: float  # 0..1, how sure we are the capture is this prompt
    suggestions: tuple[Requirement, ...]  # library requirements the capture does not mention


def default_dirs() -> list[Path]:
    """The bundled prompts shipped in ``assets/prompts``."""
    from assets import asset_path

    return [asset_path("prompts")]


def load_prompt_file(path: Path) -> LibraryPrompt:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LibraryError(f"{path}: not valid TOML: {exc}") from exc
    prompt_id = data.get("id", path.stem)
    title = data.get("title")
    if not isinstance(prompt_id, str) or not prompt_id:
        raise LibraryError(f"{path}: field 'id' must be a non-empty string")
    if not isinstance(title, str) or not title:
        raise LibraryError(f"{path}: field 'title' must be a non-empty string")
    requirements: list[Requirement] = []
    for kind in KINDS:
        items = data.get(kind, [])
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise LibraryError(f"{path}: field {kind!r} must be a list of strings")
        for number, text in enumerate(items, 1):
            value = unit = None
            if kind == "scale":
                figure = main_figure(text)
                if figure is not None:
                    value, unit = figure.value, figure.unit
            requirements.append(
                Requirement(f"{_ID_PREFIX[kind]}{number}", text, kind, value, unit)
            )
    aliases = data.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise LibraryError(f"{path}: field 'aliases' must be a list of strings")
    raw = "\n".join([title, *(r.text for r in requirements)])
    return LibraryPrompt(
        id=prompt_id,
        title=title,
        prompt=Prompt(title=title, requirements=tuple(requirements), raw_text=raw),
        aliases=tuple(aliases),
        path=path,
    )


def load_library(*dirs: Path) -> list[LibraryPrompt]:
    """Every ``*.toml`` prompt in ``dirs`` (default: the bundled ones); later dirs override ids.

    A malformed file raises ``LibraryError`` naming it, rather than silently vanishing.
    """
    folders = list(dirs) if dirs else default_dirs()
    by_id: dict[str, LibraryPrompt] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            entry = load_prompt_file(path)
            by_id[entry.id] = entry
    return sorted(by_id.values(), key=lambda e: e.id)


def _mentions(text: str, alias: str) -> bool:
    return re.search(r"(?<![a-z])" + re.escape(alias.lower()) + r"(?![a-z])", text) is not None


def _tokens(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {w.rstrip("s") if len(w) > 3 else w for w in words if w not in _STOP}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a) if a else 0.0


def match_library(
    prompt: Prompt, library: Sequence[LibraryPrompt], *, min_score: float = 0.35
) -> LibraryMatch | None:
    """The library prompt the capture most resembles, with the requirements it adds."""
    captured = _tokens(prompt.title + " " + prompt.raw_text)
    title_tokens = _tokens(prompt.title)
    title_text, body_text = prompt.title.lower(), prompt.raw_text.lower()
    best: tuple[float, LibraryPrompt] | None = None
    for entry in library:
        # an alias in the title ("Design Uber") is strong evidence; in the body, weaker
        in_title = sum(_mentions(title_text, a) for a in entry.aliases)
        in_body = sum(_mentions(body_text, a) for a in entry.aliases)
        title_score = _overlap(_tokens(entry.title), title_tokens)
        body_score = _overlap(_tokens(entry.prompt.raw_text), captured)
        score = 0.5 * title_score + 0.3 * body_score
        score += 0.4 * min(in_title, 2) / 2 + 0.1 * min(in_body, 2) / 2 + 0.2 * (in_title > 0)
        score = min(1.0, score)
        if best is None or score > best[0]:
            best = (score, entry)
    if best is None or best[0] < min_score:
        return None
    score, entry = best
    return LibraryMatch(entry, score, tuple(suggestions(prompt.requirements, entry)))


def suggestions(have: Iterable[Requirement], entry: LibraryPrompt) -> list[Requirement]:
    """Library requirements with no close counterpart among ``have``."""
    have_tokens = [_tokens(r.text) for r in have]
    out: list[Requirement] = []
    for requirement in entry.prompt.requirements:
        if requirement.kind == "out_of_scope":
            continue
        wanted = _tokens(requirement.text)
        if not any(_overlap(wanted, t) >= 0.5 for t in have_tokens):
            out.append(Requirement(f"lib-{entry.id}-{requirement.id}", requirement.text,
                                   requirement.kind, requirement.value, requirement.unit))
    return out
