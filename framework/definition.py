"""Interview frameworks as data: phases with budgets, cue phrases, vocabulary and checklists.

Frameworks live in TOML files (bundled ones in ``assets/frameworks/``, a user's own in their data
directory) so that people can add or edit one without touching Python. Loading validates the whole
file up front and reports the first problem with the file, line and field, because a typo in a
hand-written file must be fixable from the message alone.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from assets import asset_path

DEFAULT_FRAMEWORK_ID = "system-design"
DEFAULT_ROUND_S = 45 * 60.0
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


class FrameworkError(ValueError):
    """A framework file that cannot be used; the message names file, line and field."""

    def __init__(
        self, message: str, *, path: Path | str | None = None, line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.reason = message
        where = self.path or "<framework>"
        if line is not None:
            where += f", line {line}"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ChecklistItem:
    """Something a good answer says in a phase; ``synonyms`` are the phrasings that count."""

    id: str
    label: str
    phase: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phase:
    id: str
    label: str
    budget_s: float
    cues: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()
    template: str = ""
    # what a speaker calls the phase when moving to it ("let's start with *the estimates*");
    # without any, the label ("Estimation")
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    """Which phases and items the nudges refer to (all optional; a missing one disables the
    nudge). ``design_starts``: entering this phase or a later one is "moving to design";
    ``high_level``: once past it, untouched prompt requirements get a nudge; ``deep_dive``: the
    phase that must be reached before the last ten minutes; ``non_functional_item``: the
    checklist item that records non-functional requirements."""

    design_starts: str | None = None
    high_level: str | None = None
    deep_dive: str | None = None
    non_functional_item: str | None = None


@dataclass(frozen=True)
class PhaseModelRef:
    """Where a framework's learned phase model is (``[phase_model]`` in the TOML): ``file``
    relative to the TOML's folder, and ``mapping`` from the model's phases to this framework's
    when the model was trained on another framework's labels."""

    file: str
    mapping: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Framework:
    """Phases in their usual order; budgets sum to about ``round_s``. Without ``phase_model``
    the tracker decides phases by cue phrases and vocabulary alone."""

    id: str
    name: str
    phases: tuple[Phase, ...]
    round_s: float = DEFAULT_ROUND_S
    description: str = ""
    rules: Rules = Rules()
    source: str | None = field(default=None, compare=False)
    phase_model: PhaseModelRef | None = None

    def phase_model_path(self) -> Path | None:
        """The model file, resolved beside the framework's TOML (None: rules only)."""
        if self.phase_model is None:
            return None
        base = Path(self.source).parent if self.source else bundled_frameworks_dir()
        return base / self.phase_model.file

    @property
    def phase_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.phases)

    @property
    def checklist(self) -> tuple[ChecklistItem, ...]:
        return tuple(item for p in self.phases for item in p.checklist)

    def phase(self, phase_id: str) -> Phase:
        for p in self.phases:
            if p.id == phase_id:
                return p
        raise KeyError(f"framework '{self.id}' has no phase '{phase_id}'")

    def index(self, phase_id: str) -> int:
        return self.phase_ids.index(phase_id)

    def scaled(self, round_s: float) -> Framework:
        """The same framework with every budget scaled to a round of ``round_s`` seconds."""
        if round_s <= 0:
            raise ValueError("round_s must be positive")
        factor = round_s / self.round_s
        phases = tuple(replace(p, budget_s=p.budget_s * factor) for p in self.phases)
        return replace(self, phases=phases, round_s=float(round_s))


# --------------------------------------------------------------------------------------------
# Loading


def bundled_frameworks_dir() -> Path:
    return asset_path("frameworks")


def load_framework(path: Path | str) -> Framework:
    """Read and validate one framework file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FrameworkError(f"not UTF-8 text ({exc.reason})", path=path) from exc
    except OSError as exc:
        raise FrameworkError(f"cannot read the file: {exc.strerror or exc}", path=path) from exc
    return parse_framework(text, source=path, default_id=path.stem)


def parse_framework(
    text: str, *, source: Path | str | None = None, default_id: str | None = None
) -> Framework:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _decode_error_line(exc)
        raise FrameworkError(f"invalid TOML: {exc}", path=source, line=line, field=None) from exc
    return _Validator(text, source).framework(data, default_id)


def available_frameworks(
    *dirs: Path | str | None, errors: list[FrameworkError] | None = None
) -> dict[str, Framework]:
    """Bundled frameworks plus every ``*.toml`` in ``dirs`` (later files override earlier ids).

    A malformed file raises ``FrameworkError`` unless ``errors`` is given, in which case the
    error is appended there and the file skipped, so one bad user file does not hide the rest.
    """
    found: dict[str, Framework] = {}
    for directory in (bundled_frameworks_dir(), *dirs):
        if directory is None:
            continue
        directory = Path(directory)
        if not directory.is_dir():
            continue
        for file in sorted(directory.glob("*.toml")):
            try:
                fw = load_framework(file)
            except FrameworkError as exc:
                if errors is None:
                    raise
                errors.append(exc)
                continue
            found[fw.id] = fw
    return found


def get_framework(framework_id: str, *dirs: Path | str | None) -> Framework:
    """The framework with this id, or a ``FrameworkError`` that lists the ids there are."""
    errors: list[FrameworkError] = []
    frameworks = available_frameworks(*dirs, errors=errors)
    if framework_id in frameworks:
        return frameworks[framework_id]
    for err in errors:
        if Path(err.path or "").stem == framework_id:
            raise err
    known = ", ".join(sorted(frameworks)) or "none"
    raise FrameworkError(f"unknown framework id '{framework_id}' (available: {known})")


# --------------------------------------------------------------------------------------------
# Validation


def _decode_error_line(exc: Exception) -> int | None:
    line = getattr(exc, "lineno", None)
    if isinstance(line, int):
        return line
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


_TOP_KEYS = {"id", "name", "description", "round_minutes", "phases", "rules", "phase_model"}
_RULE_KEYS = ("design_starts", "high_level", "deep_dive", "non_functional_item")
_PHASE_KEYS = {"id", "label", "budget_minutes", "cues", "vocabulary", "checklist", "template",
               "names"}
_ITEM_KEYS = {"id", "label", "synonyms"}


class _Validator:
    """Checks the decoded TOML against the schema and finds source lines for messages."""

    def __init__(self, text: str, source: Path | str | None) -> None:
        self.lines = text.splitlines()
        self.source = source

    # -- line lookup: the TOML parser forgets positions, so find the key in the source text
    def _header_lines(self, header: str) -> list[int]:
        pattern = re.compile(r"^\s*\[\[\s*" + re.escape(header) + r"\s*\]\]")
        return [i for i, line in enumerate(self.lines) if pattern.match(line)]

    def _block(self, phase: int | None, item: int | None) -> tuple[int, int]:
        """Line range (0-based, end exclusive) of the top level, a phase or a checklist item."""
        phase_heads = self._header_lines("phases")
        if phase is None:
            first_table = next(
                (i for i, line in enumerate(self.lines) if line.lstrip().startswith("[")),
                len(self.lines),
            )
            return 0, first_table
        if phase >= len(phase_heads):
            return 0, len(self.lines)
        start = phase_heads[phase]
        end = phase_heads[phase + 1] if phase + 1 < len(phase_heads) else len(self.lines)
        item_heads = [i for i in self._header_lines("phases.checklist") if start < i < end]
        if item is None:
            return start, item_heads[0] if item_heads else end
        if item >= len(item_heads):
            return start, end
        item_end = item_heads[item + 1] if item + 1 < len(item_heads) else end
        return item_heads[item], item_end

    def line_of(self, phase: int | None = None, item: int | None = None,
                key: str | None = None) -> int | None:
        start, end = self._block(phase, item)
        if key is not None:
            pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
            for i in range(start, end):
                if pattern.match(self.lines[i]):
                    return i + 1
        if phase is None and key is None:
            return None
        return start + 1 if start < len(self.lines) else None

    def fail(self, message: str, field_name: str, phase: int | None = None,
             item: int | None = None, key: str | None = None) -> FrameworkError:
        return FrameworkError(
            message, path=self.source, line=self.line_of(phase, item, key), field=field_name
        )

    # -- schema
    def framework(self, data: dict[str, Any], default_id: str | None) -> Framework:
        for key in data:
            if key not in _TOP_KEYS:
                raise self.fail(f"unknown key (expected one of {sorted(_TOP_KEYS)})", key, key=key)
        fw_id = data.get("id", default_id)
        if not isinstance(fw_id, str) or not _ID_RE.match(fw_id):
            raise self.fail("must be lower-case letters, digits, '-' or '_'", "id", key="id")
        name = self._str(data.get("name", fw_id), "name", key="name")
        description = self._str(data.get("description", ""), "description", key="description")
        round_min = data.get("round_minutes", DEFAULT_ROUND_S / 60)
        if isinstance(round_min, bool) or not isinstance(round_min, int | float) or round_min <= 0:
            raise self.fail("must be a positive number of minutes", "round_minutes",
                            key="round_minutes")
        raw_phases = data.get("phases")
        if not isinstance(raw_phases, list) or not raw_phases:
            raise self.fail("at least one [[phases]] table is required", "phases", key="phases")
        phases: list[Phase] = []
        seen_items: set[str] = set()
        for index, raw in enumerate(raw_phases):
            phase = self.phase(raw, index, seen_items)
            if any(p.id == phase.id for p in phases):
                raise self.fail(f"duplicate phase id '{phase.id}'", f"phases[{index}].id",
                                phase=index, key="id")
            phases.append(phase)
        rules = self.rules(data.get("rules", {}), phases)
        return Framework(
            id=fw_id, name=name, description=description, phases=tuple(phases),
            round_s=float(round_min) * 60.0, rules=rules,
            source=str(self.source) if self.source is not None else None,
            phase_model=self.phase_model(data.get("phase_model"), phases),
        )

    def phase_model(self, raw: Any, phases: list[Phase]) -> PhaseModelRef | None:
        if raw is None:
            return None
        line = next((i + 1 for i, text in enumerate(self.lines)
                     if re.match(r"^\s*\[\s*phase_model\s*\]", text)), None)

        def fail(message: str, name: str) -> FrameworkError:
            return FrameworkError(message, path=self.source, line=line, field=name)

        if not isinstance(raw, dict):
            raise fail("must be a table", "phase_model")
        unknown = set(raw) - {"file", "map"}
        if unknown:
            raise fail("unknown key (expected 'file' and optionally 'map')",
                       f"phase_model.{sorted(unknown)[0]}")
        file = raw.get("file")
        if not isinstance(file, str) or not file.strip():
            raise fail("must name the model file, relative to this TOML", "phase_model.file")
        mapping = raw.get("map", {})
        ids = {p.id for p in phases}
        if not isinstance(mapping, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v in ids
                for k, v in mapping.items()):
            raise fail("must map the model's phase ids to phases of this framework",
                       "phase_model.map")
        return PhaseModelRef(file, tuple(sorted(mapping.items())))

    def rules(self, raw: Any, phases: list[Phase]) -> Rules:
        line = next((i + 1 for i, text in enumerate(self.lines)
                     if re.match(r"^\s*\[\s*rules\s*\]", text)), None)
        if not isinstance(raw, dict):
            raise FrameworkError("must be a table", path=self.source, line=line, field="rules")
        phase_ids = {p.id for p in phases}
        item_ids = {i.id for p in phases for i in p.checklist}
        values: dict[str, str | None] = {}
        for key, value in raw.items():
            key_line = line
            if line is not None:
                key_line = next((i + 1 for i in range(line, len(self.lines))
                                 if re.match(r"^\s*" + re.escape(key) + r"\s*=", self.lines[i])),
                                line)
            if key not in _RULE_KEYS:
                raise FrameworkError(f"unknown key (expected one of {list(_RULE_KEYS)})",
                                     path=self.source, line=key_line, field=f"rules.{key}")
            known = item_ids if key == "non_functional_item" else phase_ids
            if not isinstance(value, str) or value not in known:
                what = "checklist item" if key == "non_functional_item" else "phase"
                raise FrameworkError(f"must name a {what} of this framework (got {value!r})",
                                     path=self.source, line=key_line, field=f"rules.{key}")
            values[key] = value
        return Rules(**values)

    def phase(self, raw: Any, index: int, seen_items: set[str]) -> Phase:
        where = f"phases[{index}]"
        if not isinstance(raw, dict):
            raise self.fail("must be a table", where, phase=index)
        for key in raw:
            if key not in _PHASE_KEYS:
                raise self.fail(f"unknown key (expected one of {sorted(_PHASE_KEYS)})",
                                f"{where}.{key}", phase=index, key=key)
        if "id" not in raw:
            raise self.fail("missing", f"{where}.id", phase=index)
        phase_id = raw["id"]
        if not isinstance(phase_id, str) or not _ID_RE.match(phase_id):
            raise self.fail("must be lower-case letters, digits, '-' or '_'", f"{where}.id",
                            phase=index, key="id")
        label = self._str(raw.get("label", phase_id), f"{where}.label", phase=index, key="label")
        budget = raw.get("budget_minutes")
        if isinstance(budget, bool) or not isinstance(budget, int | float) or budget <= 0:
            raise self.fail("must be a positive number of minutes", f"{where}.budget_minutes",
                            phase=index, key="budget_minutes")
        cues = self._strings(raw.get("cues", []), f"{where}.cues", phase=index, key="cues")
        vocab = self._strings(raw.get("vocabulary", []), f"{where}.vocabulary", phase=index,
                              key="vocabulary")
        names = self._strings(raw.get("names", []), f"{where}.names", phase=index, key="names")
        template = self._str(raw.get("template", ""), f"{where}.template", phase=index,
                             key="template")
        raw_items = raw.get("checklist", [])
        if not isinstance(raw_items, list):
            raise self.fail("must be a list of [[phases.checklist]] tables", f"{where}.checklist",
                            phase=index, key="checklist")
        items: list[ChecklistItem] = []
        for j, raw_item in enumerate(raw_items):
            iwhere = f"{where}.checklist[{j}]"
            if not isinstance(raw_item, dict):
                raise self.fail("must be a table", iwhere, phase=index, item=j)
            for key in raw_item:
                if key not in _ITEM_KEYS:
                    raise self.fail(f"unknown key (expected one of {sorted(_ITEM_KEYS)})",
                                    f"{iwhere}.{key}", phase=index, item=j, key=key)
            item_id = raw_item.get("id")
            if not isinstance(item_id, str) or not _ID_RE.match(item_id):
                raise self.fail("must be lower-case letters, digits, '-' or '_'", f"{iwhere}.id",
                                phase=index, item=j, key="id")
            if item_id in seen_items:
                raise self.fail(f"duplicate checklist id '{item_id}'", f"{iwhere}.id",
                                phase=index, item=j, key="id")
            seen_items.add(item_id)
            item_label = self._str(raw_item.get("label", item_id), f"{iwhere}.label",
                                   phase=index, item=j, key="label")
            synonyms = self._strings(raw_item.get("synonyms", []), f"{iwhere}.synonyms",
                                     phase=index, item=j, key="synonyms")
            items.append(ChecklistItem(item_id, item_label, phase_id, synonyms))
        return Phase(
            id=phase_id, label=label, budget_s=float(budget) * 60.0, cues=cues,
            vocabulary=vocab, checklist=tuple(items), template=template, names=names,
        )

    def _str(self, value: Any, field_name: str, phase: int | None = None,
             item: int | None = None, key: str | None = None) -> str:
        if not isinstance(value, str):
            raise self.fail("must be a string", field_name, phase=phase, item=item, key=key)
        return value.strip()

    def _strings(self, value: Any, field_name: str, phase: int | None = None,
                 item: int | None = None, key: str | None = None) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail("must be a list of strings", field_name, phase=phase, item=item,
                            key=key)
        cleaned = tuple(v.strip() for v in value if v.strip())
        return cleaned


def phase_order(framework: Framework, ids: Iterable[str]) -> list[str]:
    """``ids`` sorted in the framework's usual order (unknown ids last)."""
    order = {pid: i for i, pid in enumerate(framework.phase_ids)}
    return sorted(ids, key=lambda pid: order.get(pid, len(order)))


__all__: Sequence[str] = (
    "DEFAULT_FRAMEWORK_ID", "ChecklistItem", "Framework", "FrameworkError", "Phase", "Rules",
    "available_frameworks", "bundled_frameworks_dir", "get_framework", "load_framework",
    "parse_framework",
)
