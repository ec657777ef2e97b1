"""Frameworks as data: the bundled files, the loader's validation and its error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework.definition import (
    FrameworkError,
    available_frameworks,
    get_framework,
    load_framework,
    parse_framework,
)
from framework.matching import phase_names
from framework.text import pattern_keys

SYSTEM_DESIGN_IDS = (
    "requirements", "estimation", "api", "data_model", "high_level", "deep_dive", "scaling",
    "wrap_up",
)

MINIMAL = """
id = "tiny"
name = "Tiny"
round_minutes = 30

[[phases]]
id = "scope"
label = "Scope"
budget_minutes = 10
cues = ["let me scope"]

  [[phases.checklist]]
  id = "users"
  label = "Users"
  synonyms = ["who are the users"]

[[phases]]
id = "design"
label = "Design"
budget_minutes = 20
"""


def test_default_framework_has_the_agreed_phases_and_budgets() -> None:
    fw = get_framework("system-design")
    assert fw.phase_ids == SYSTEM_DESIGN_IDS
    minutes = [p.budget_s / 60 for p in fw.phases]
    assert minutes == [5, 4, 4, 3, 10, 12, 5, 2]
    assert sum(minutes) == 45
    for phase in fw.phases:
        assert phase.label and phase.template and phase.cues and phase.vocabulary
        assert phase.checklist, phase.id
        assert all(item.synonyms for item in phase.checklist)


@pytest.mark.parametrize("minutes", [30, 60])
def test_budgets_scale_with_the_round(minutes: int) -> None:
    fw = get_framework("system-design").scaled(minutes * 60)
    assert sum(p.budget_s for p in fw.phases) == pytest.approx(minutes * 60)
    assert fw.phase("deep_dive").budget_s == pytest.approx(12 * 60 * minutes / 45)


def test_all_bundled_frameworks_load() -> None:
    frameworks = available_frameworks()
    assert {"system-design", "four-step", "five-step", "delivery"} <= set(frameworks)
    assert len(frameworks["four-step"].phases) == 4
    assert len(frameworks["five-step"].phases) == 5
    assert frameworks["delivery"].phase_ids[:3] == ("requirements", "core_entities", "api")


def test_a_user_framework_is_picked_up_and_can_override(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(MINIMAL)
    frameworks = available_frameworks(tmp_path)
    assert frameworks["tiny"].phase_ids == ("scope", "design")
    assert frameworks["tiny"].round_s == 1800
    assert frameworks["tiny"].checklist[0].phase == "scope"
    assert "system-design" in frameworks


def test_unknown_framework_id_lists_the_known_ones() -> None:
    with pytest.raises(FrameworkError) as err:
        get_framework("no-such-framework")
    assert "no-such-framework" in str(err.value)
    assert "system-design" in str(err.value)


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text(MINIMAL.replace('label = "Design"', 'label = "Design'))
    with pytest.raises(FrameworkError) as err:
        load_framework(bad)
    assert err.value.path == str(bad)
    assert err.value.line == MINIMAL.splitlines().index('label = "Design"') + 1
    assert "broken.toml" in str(err.value) and "line" in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "field", "line_text"),
    [
        ("budget_minutes = 20", "budget_minutes = -1", "phases[1].budget_minutes",
         "budget_minutes = -1"),
        ('cues = ["let me scope"]', 'cues = "let me scope"', "phases[0].cues",
         'cues = "let me scope"'),
        ('cues = ["let me scope"]', 'cues = ["let me scope"]\nnames = "scope"', "phases[0].names",
         'names = "scope"'),
        ('  synonyms = ["who are the users"]', "  synonyms = [1, 2]",
         "phases[0].checklist[0].synonyms", "  synonyms = [1, 2]"),
        ('label = "Scope"', 'labl = "Scope"', "phases[0].labl", 'labl = "Scope"'),
        ('id = "design"', 'id = "scope"', "phases[1].id", 'id = "scope"'),
    ],
)
def test_schema_errors_name_the_field_and_its_line(
    old: str, new: str, field: str, line_text: str
) -> None:
    text = MINIMAL.replace(old, new)
    with pytest.raises(FrameworkError) as err:
        parse_framework(text, source="mine.toml")
    assert err.value.field == field
    lines = text.splitlines()
    last = len(lines) - 1 - lines[::-1].index(line_text)  # the offending (last) occurrence
    assert err.value.line == last + 1
    assert f"mine.toml, line {err.value.line}, field '{field}'" in str(err.value)


def test_phase_names_are_read_and_default_to_the_label() -> None:
    named = 'cues = ["let me scope"]\nnames = ["the scope", "use cases"]'
    fw = parse_framework(MINIMAL.replace('cues = ["let me scope"]', named), source="mine.toml")
    assert fw.phases[0].names == ("the scope", "use cases")
    assert get_framework("system-design").phase("estimation").names  # the bundled ones name them
    bare = parse_framework(MINIMAL, source="mine.toml").phases[0]
    assert bare.names == ()
    assert phase_names(bare.label, bare.names) == [(pattern_keys(bare.label), bare.label)]
    named = [(pattern_keys("the scope"), "the scope"), (pattern_keys("use cases"), "use cases")]
    assert phase_names(fw.phases[0].label, fw.phases[0].names) == named  # not the label


def test_rules_must_name_real_phases() -> None:
    text = MINIMAL + '\n[rules]\ndeep_dive = "nowhere"\n'
    with pytest.raises(FrameworkError) as err:
        parse_framework(text, source="mine.toml")
    assert err.value.field == "rules.deep_dive"
    assert err.value.line == text.splitlines().index('deep_dive = "nowhere"') + 1


def test_one_bad_user_file_does_not_hide_the_others(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(MINIMAL)
    (tmp_path / "bad.toml").write_text("id = [")
    errors: list[FrameworkError] = []
    frameworks = available_frameworks(tmp_path, errors=errors)
    assert "tiny" in frameworks
    assert len(errors) == 1 and "bad.toml" in str(errors[0])
    with pytest.raises(FrameworkError):
        available_frameworks(tmp_path)
    with pytest.raises(FrameworkError) as err:
        get_framework("bad", tmp_path)
    assert "bad.toml" in str(err.value)
