"""The scorecard's rules and the study topics as data, and the pure rules on hand-made facts.

The store-backed tests (sessions with known facts, the CLI, the exports) are in
tests/app/test_debrief.py; here: the rubric and topic files are complete and consistent with the
frameworks and the prompt library, a malformed rubric says what is wrong, and the rules never
take the interviewer's words for the candidate's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assets import asset_path
from capture.library import load_library
from framework.definition import available_frameworks
from framework.report import CoveredItem, PhaseSpan, TrackerReport
from framework.scorecard import (
    CHECKS,
    Roles,
    RubricError,
    Said,
    SessionFacts,
    load_rubric,
    parse_rubric,
    report_from_json,
    score_session,
)
from framework.study import TopicError, choose_prompt, load_topic, load_topics, suggest_study

RUBRIC = asset_path("rubrics", "system-design.toml")
REQUIRED_TOPICS = {"caching", "partitioning", "replication", "consistency", "queues",
                   "rate_limiting", "search", "cdn", "estimation", "api_design",
                   "data_modelling", "observability", "load_balancing"}


def test_the_rubric_has_four_dimensions_and_every_rule_a_rationale() -> None:
    rubric = load_rubric(RUBRIC)
    assert [d.id for d in rubric.dimensions] == ["problem_navigation", "solution_design",
                                                 "technical_depth", "communication"]
    for rule in rubric.rules:
        assert rule.check in CHECKS and len(rule.rationale) > 40, rule.id
    assert {r.dimension for r in rubric.rules} == {d.id for d in rubric.dimensions}


def test_rules_and_topics_name_things_that_exist() -> None:
    rubric = load_rubric(RUBRIC)
    topics = load_topics(asset_path("topics"))
    topic_ids = {t.id for t in topics}
    assert topic_ids >= REQUIRED_TOPICS
    library = {e.id for e in load_library()}
    items = {i.id for fw in available_frameworks().values() for i in fw.checklist}
    phases = {p for fw in available_frameworks().values() for p in fw.phase_ids}
    for rule in rubric.rules:
        assert set(rule.topics) <= topic_ids, rule.id
        assert set(rule.strings("items")) <= items, rule.id
    for t in topics:
        assert t.prompts and set(t.prompts) <= library, t.id
        assert set(t.checklist) <= items and set(t.phases) <= phases, t.id
        paragraphs = [p for p in t.summary.split("\n\n") if p.strip()]
        assert len(paragraphs) == 2 and all(len(p) > 200 for p in paragraphs), t.id
        assert t.vocabulary, t.id


@pytest.mark.parametrize(("change", "message"), [
    (('check = "phase_time"', 'check = "vibes"'), "unknown check 'vibes'"),
    (('dimension = "communication"', 'dimension = "charisma"'), "'charisma' is not declared"),
    (("weight = 2", "weight = 7"), "field 'weight' must be 1, 2 or 3"),
    (('id = "system-design-rubric-1"', 'id = ""'), "field 'id' must be a non-empty string"),
])
def test_a_malformed_rubric_says_what_is_wrong(change: tuple[str, str], message: str) -> None:
    text = RUBRIC.read_text(encoding="utf-8").replace(*change, 1)
    with pytest.raises(RubricError, match=message):
        parse_rubric(text, "my.toml")


def test_a_malformed_topic_names_its_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.toml"
    bad.write_text('title = "X"\nsummary = "s"\nprompts = "url-shortener"\n', encoding="utf-8")
    with pytest.raises(TopicError, match=r"x.toml: field 'prompts' must be a list"):
        load_topic(bad)


# -- rules on hand-made facts -------------------------------------------------------------------


def _facts(said: list[Said], silences: list[tuple[float, float]],
           signals: dict[str, object] | None = None) -> SessionFacts:
    report = TrackerReport(
        framework="t", duration_s=600.0,
        phases=(PhaseSpan("requirements", 0, 200), PhaseSpan("deep_dive", 200, 600)),
        time_per_phase={"requirements": 200.0, "deep_dive": 400.0},
        budget={"requirements": 240.0, "deep_dive": 300.0},
        checklist=(CoveredItem("consistency", "Consistency", True, 250.0, "consistency",
                               phase="deep_dive"),),
        requirements=(), nudges=(),
        signals={"words": 1500, "wpm": 150.0, "hedges": 0, "tradeoffs": 4,
                 "fillers": {"count": 0, "per_minute": 0.0, "by_word": {}},
                 "long_silences": [{"start": a, "end": b, "duration_s": b - a}
                                   for a, b in silences], **(signals or {})},
        phase_model="rules")
    return SessionFacts(report, tuple(said), 600.0, has_prompt=False, timed_by_audio=True,
                        roles=Roles("requirements", "deep_dive", None, "deep_dive"),
                        phase_order=("requirements", "deep_dive"))


def test_interviewer_lines_are_never_evidence_and_never_the_candidates_silence() -> None:
    said = [
        Said(0, 5, "Let's start with the requirements.", "candidate"),
        Said(100, 140, "Rather than that, maybe consider the trade off versus latency, um.",
             "interviewer"),
        Said(200, 206, "Let's dive into the trade off: consistency rather than speed.",
             "candidate"),
        Said(250, 256, "Strong consistency here, because a double booking costs money.",
             "candidate"),
        Said(400, 405, "The trade off is latency.", "candidate"),
    ]
    # silences 60-200 (the interviewer spoke 40 s of it), 260-280, 300-320, 420-440
    card = score_session(_facts(said, [(60, 100), (100, 200), (260, 280), (300, 320),
                                       (420, 440)]), load_rubric(RUBRIC))
    texts = [e.text for d in card.dimensions for e in d.evidence]
    texts += [e.text for d in card.dimensions for f in d.findings for e in f.evidence]
    assert texts and not any("maybe consider" in t for t in texts)
    silences = next(f for f in card.dimension("communication").findings
                    if f.rule == "silences")
    # 60-100 is 40 s silent; 100-200 minus the interviewer's 40 s is 60 s; the rest are 20 s
    assert silences.ok is False and silences.text.startswith("5 silences")
    trade = next(f for f in card.dimension("technical_depth").findings if f.rule == "tradeoffs")
    assert all("maybe consider" not in e.text for e in trade.evidence)
    assert [e.at_s for e in trade.evidence] == [200.0, 250.0, 400.0]


def test_a_silence_filled_by_the_interviewer_does_not_count() -> None:
    said = [Said(0, 5, "Let's start.", "candidate"),
            Said(6, 58, "Tell me more about the users and their traffic, please.",
                 "interviewer"),
            Said(60, 65, "Sure.", "candidate")]
    card = score_session(_facts(said, [(5, 60)]), load_rubric(RUBRIC))
    silences = next(f for f in card.dimension("communication").findings
                    if f.rule == "silences")
    assert silences.ok is True and silences.text.startswith("0 silences")


def test_a_saved_report_reads_back_as_the_same_typed_report() -> None:
    report = _facts([], [(10, 30)]).report
    assert report_from_json(report.to_json()).to_json() == report.to_json()
    assert report_from_json({}).phases == ()


def test_choose_prompt_prefers_one_not_practised_and_never_the_current_one() -> None:
    topic = next(t for t in load_topics(asset_path("topics")) if t.id == "caching")
    first, second = topic.prompts[0], topic.prompts[1]
    assert choose_prompt(topic, [], None) == first
    assert choose_prompt(topic, [first], None) == second
    assert choose_prompt(topic, [], first) == second
    assert choose_prompt(topic, topic.prompts, first) == second  # all practised: still not this


def test_study_stays_empty_when_nothing_points_anywhere() -> None:
    facts = _facts([Said(0, 5, "Let's start with the requirements.")], [])
    card = score_session(facts, load_rubric(RUBRIC))
    assert suggest_study(card, facts.report, load_topics(asset_path("topics"))) != ()
    clean = TrackerReport("t", 10.0, (), {}, {}, (), (), (), {}, "rules")
    nothing = score_session(SessionFacts(clean, (), 0.0, False, False, Roles()),
                            load_rubric(RUBRIC))
    assert all(d.score is None for d in nothing.dimensions)
    assert suggest_study(nothing, clean, load_topics(asset_path("topics"))) == ()


def test_an_item_addressed_by_the_diagram_is_shown_as_drawn_not_quoted_as_speech() -> None:
    import dataclasses

    facts = _facts([Said(240, 260, "So the writes go through here and we keep going.")], [])
    drawn = CoveredItem("consistency", "Consistency", True, 250.0, "quorum store",
                        phase="deep_dive", source="diagram")
    report = dataclasses.replace(facts.report, checklist=(drawn,))
    assert report_from_json(report.to_json()).checklist[0].source == "diagram"
    card = score_session(dataclasses.replace(facts, report=report), load_rubric(RUBRIC))
    depth = next(f for f in card.dimension("technical_depth").findings
                 if f.rule == "depth_items")
    assert [e.text for e in depth.evidence] == [
        "Consistency: drawn in the diagram (“quorum store”)"]
