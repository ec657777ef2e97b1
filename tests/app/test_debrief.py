"""The scorecard and study list of saved sessions whose facts are known.

Each session is saved through the real store (SQLite): its transcript, timeline, prompt and the
tracker report it ended with. A well-run 45-minute mock is the baseline; each variant breaks one
fact (deep dive never reached, an estimate off by 10x, no non-functional requirement, long
silences, many fillers) and the matching dimension must drop, with that reason and the moment
that shows it. Two variants go through the real tracker too (``SessionRunner`` over a
transcript), so the reasons agree with what the tracker itself measured.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.debrief import Debrief, debrief_data, practised_prompts, session_debrief
from app.store import Capture, PhaseChange, RequirementRow, Segment, SessionStore
from framework.report import CoveredItem, PhaseSpan, TrackerReport
from tests.app.sessions_support import bundled_framework

# The well-run mock: (phase, start, end) and what the candidate says in it, one line per ~20 s.
TIMELINE = [("requirements", 0, 290), ("estimation", 290, 520), ("api", 520, 750),
            ("data_model", 750, 930), ("high_level", 930, 1530), ("deep_dive", 1530, 2250),
            ("scaling", 2250, 2560), ("wrap_up", 2560, 2680)]
LINES = {
    "requirements": ["Let's start with the requirements: users paste text and get a link.",
                     "For non-functional requirements, reads should be fast, with high "
                     "availability.", "We have about 10 million users, read heavy, 10 to 1."],
    "estimation": ["Let me do a quick back of the envelope estimate.",
                   "10 million pastes per month is about 4 writes per second.",
                   "Storage is about 1 KB per paste, so 120 GB a year."],
    "api": ["Now let's define the API: a POST endpoint creates a paste and returns its key.",
            "A GET endpoint with the key returns the text, with an auth token for owners."],
    "data_model": ["Let's talk about the data model: a pastes table keyed by the short key.",
                   "The primary key is the short key; we look up by key only."],
    "high_level": ["At a high level, clients go through a load balancer to stateless app "
                   "servers.", "Writes land in the database, reads go through a cache.",
                   "Expiry runs as a job fed by a queue."],
    "deep_dive": ["Let's dive into key generation: we hash the content and take base 62.",
                  "We partition the table by key with consistent hashing.",
                  "The trade off is strong consistency at the cost of write latency, rather "
                  "than eventual consistency.", "If a node fails, a replica takes over."],
    "scaling": ["To scale this, the bottleneck is reads, so we add read replicas and a CDN.",
                "Hot keys get their own cache entries; we watch metrics and alerts."],
    "wrap_up": ["To wrap up: a simple design, the main trade off was consistency versus "
                "latency, and with more time I would revisit expiry."],
}
CHECKLIST_AT = {  # checklist item -> phase where it is addressed
    "functional": "requirements", "non_functional": "requirements", "scale": "requirements",
    "read_write_ratio": "requirements", "out_of_scope": "requirements", "qps": "estimation",
    "storage": "estimation", "bandwidth": "estimation", "peak": "estimation",
    "endpoints": "api", "request_response": "api", "auth": "api", "pagination": "api",
    "entities": "data_model", "keys": "data_model", "access_patterns": "data_model",
    "store_choice": "data_model", "clients_services": "high_level", "gateway_lb": "high_level",
    "stores": "high_level", "cache": "high_level", "queue": "high_level",
    "partitioning": "deep_dive", "indexing": "deep_dive", "consistency": "deep_dive",
    "failure_modes": "deep_dive", "hard_component": "deep_dive", "hot_keys": "scaling",
    "caching": "scaling", "replication": "scaling", "queueing": "scaling",
    "observability": "scaling", "growth": "scaling", "tradeoffs": "scaling",
    "summary": "wrap_up", "would_change": "wrap_up",
}
PROMPT = (RequirementRow("F1", "A user pastes text and gets a link", "functional"),
          RequirementRow("N1", "Reading a paste should be fast", "non_functional"),
          RequirementRow("S1", "10 million users", "scale", 1e7, "users"))
ESTIMATE_LINE_AT = 290 + (520 - 290) / 3 + 1.0  # "10 million pastes per month is ..."


@dataclasses.dataclass
class Mock:
    """The facts of one mock, to change one at a time before saving it."""

    timeline: list[tuple[str, float, float]]
    lines: list[tuple[float, float, str, str]]  # start, end, text, speaker
    addressed: dict[str, float]  # checklist item -> when
    requirements_addressed: dict[str, float]
    signals: dict[str, Any]
    prompt: tuple[RequirementRow, ...] = PROMPT
    prompt_title: str = "Design a text-sharing service like Pastebin"
    audio: bool = True
    duration_s: float = 2680.0


def well_run() -> Mock:
    lines: list[tuple[float, float, str, str]] = []
    addressed: dict[str, float] = {}
    for phase, start, end in TIMELINE:
        said = LINES[phase]
        step = (end - start) / len(said)
        for n, text in enumerate(said):
            t = start + n * step + 1.0
            lines.append((t, t + 6.0, text, "candidate"))
        for item, where in CHECKLIST_AT.items():
            if where == phase:
                addressed[item] = start + 2.0
    signals = {
        "words": 5400, "wpm": 125.0,
        "wpm_by_minute": [{"minute": m, "wpm": 125} for m in range(45)],
        "fillers": {"count": 18, "per_minute": 0.4, "by_word": {"um": 10, "uh": 8}},
        "hedges_vs_tradeoffs": {}, "hedges": 2, "tradeoffs": 9, "long_silences": [],
        "estimation": {"quantities": [], "checks": [
            {"at": ESTIMATE_LINE_AT, "kind": "qps", "stated": 4.0, "expected": 3.9,
             "ratio": 1.03, "ok": True, "text": "stated 4 per second; it comes to about 3.9"}],
            "flagged": 0},
    }
    return Mock(list(TIMELINE), lines, addressed, {"F1": 20.0, "N1": 40.0, "S1": 60.0},
                signals)


def report_of(mock: Mock) -> TrackerReport:
    framework = bundled_framework()
    spent: dict[str, float] = {p.id: 0.0 for p in framework.phases}
    for phase, start, end in mock.timeline:
        spent[phase] += end - start
    checklist = tuple(
        CoveredItem(item.id, item.label, item.id in mock.addressed, mock.addressed.get(item.id),
                    item.label if item.id in mock.addressed else "", phase=item.phase)
        for item in framework.checklist)
    requirements = tuple(
        CoveredItem(r.id, r.text, r.id in mock.requirements_addressed,
                    mock.requirements_addressed.get(r.id), "", kind=r.kind)
        for r in mock.prompt)
    return TrackerReport(
        framework=framework.id, duration_s=mock.duration_s,
        phases=tuple(PhaseSpan(p, s, e) for p, s, e in mock.timeline),
        time_per_phase=spent, budget={p.id: p.budget_s for p in framework.phases},
        checklist=checklist, requirements=requirements, nudges=(), signals=mock.signals,
        phase_model="learned")


def save(store: SessionStore, mock: Mock) -> int:
    """The mock as the runner would have left it: rows, prompt capture, audio, final report."""
    sid = store.create_session(title=mock.prompt_title or "Mock", framework="system-design",
                               settings={"microphone": "test"} if mock.audio else {}).id
    phase_at = [(s, p) for p, s, _ in mock.timeline]

    def phase_of(t: float) -> str:
        return [p for s, p in phase_at if s <= t][-1]

    store.write_batch(
        sid, segments=[Segment(a, b, text, phase_of(a), speaker=who)
                       for a, b, text, who in mock.lines],
        phase_changes=[(PhaseChange(s, p), None) for p, s, _ in mock.timeline],
        duration_s=mock.duration_s)
    if mock.prompt:
        store.add_capture(sid, Capture(0.0, None, mock.prompt_title, mock.prompt_title,
                                       mock.prompt))
    if mock.audio:
        (store.session_dir(sid) / "audio.wav").write_bytes(b"RIFF")
        store.set_audio_path(sid, "audio.wav")
    store.finish_session(sid, duration_s=mock.duration_s, report=report_of(mock).to_json())
    return sid


@pytest.fixture()
def store(tmp_path: Path) -> SessionStore:
    with SessionStore(tmp_path / "sessions.db") as s:
        yield s


def debrief(store: SessionStore, change: Callable[[Mock], None] | None = None) -> Debrief:
    mock = well_run()
    if change is not None:
        change(mock)
    return session_debrief(store, save(store, mock))


def score(d: Debrief, dimension: str) -> int | None:
    return d.scorecard.dimension(dimension).score


# -- the baseline ------------------------------------------------------------------------------


def test_a_well_run_mock_scores_high_on_every_dimension(store: SessionStore) -> None:
    d = debrief(store)
    assert d.scorecard.scores == {"problem_navigation": 4, "solution_design": 4,
                                  "technical_depth": 4, "communication": 4}
    assert d.scorecard.rubric == "system-design-rubric-1"
    assert d.prompt_id == "pastebin"
    for dim in d.scorecard.dimensions:
        assert dim.reason and "not measured" not in dim.reason.lower()
        assert dim.evidence, dim.id  # a high score shows its moments too
    depth = d.scorecard.dimension("technical_depth")
    assert depth.evidence[0].at_s == pytest.approx(1531.0)  # the deep dive's first words
    assert "dive into key generation" in depth.evidence[0].text
    assert d.study == ()  # nothing open, nothing over budget, nothing failed


# -- one fact broken at a time -----------------------------------------------------------------


def _no_deep_dive(m: Mock) -> None:
    m.timeline = [(p, s, e) for p, s, e in m.timeline if p != "deep_dive"]
    m.timeline = [("high_level", 930, 2250) if p == "high_level" else (p, s, e)
                  for p, s, e in m.timeline]
    for item in ("partitioning", "indexing", "consistency", "failure_modes", "hard_component"):
        m.addressed.pop(item)


def test_deep_dive_never_reached_drops_technical_depth_with_that_reason(
    store: SessionStore,
) -> None:
    d = debrief(store, _no_deep_dive)
    depth = d.scorecard.dimension("technical_depth")
    assert depth.score is not None and depth.score <= 2
    assert depth.reason.startswith("The deep dive was never reached")
    assert any("most time went to High-level design (22:00)" in e.text for e in depth.evidence)
    assert score(d, "solution_design") == 4  # the rest of the mock is unchanged
    assert {s.topic for s in d.study} & {"partitioning", "consistency", "replication"}


def _estimate_off(m: Mock) -> None:
    m.signals["estimation"]["checks"] = [
        {"at": ESTIMATE_LINE_AT, "kind": "qps", "stated": 40.0, "expected": 3.9, "ratio": 10.26,
         "ok": False, "text": "stated 40 per second ('40 writes per second'); from '10 million "
         "pastes per month' it comes to about 3.9 per second: off by 10.3x, re-check the "
         "arithmetic"}]
    m.signals["estimation"]["flagged"] = 1


def test_an_estimate_off_by_10x_drops_technical_depth_and_points_to_estimation(
    store: SessionStore,
) -> None:
    d = debrief(store, _estimate_off)
    depth = d.scorecard.dimension("technical_depth")
    assert depth.score == 3
    assert "off by 10.3x" in depth.reason and depth.reason.startswith("1 estimate(s) off")
    assert depth.evidence[0].at_s == pytest.approx(ESTIMATE_LINE_AT, abs=0.01)
    assert "4 writes per second" in depth.evidence[0].text
    assert "off by 10.3x" in depth.evidence[0].text
    assert d.study[0].topic == "estimation" and "off by 10.3x" in d.study[0].why
    assert d.study[0].prompt_id not in (None, "pastebin")  # not the prompt just practised


def _no_non_functional(m: Mock) -> None:
    m.addressed.pop("non_functional")
    m.requirements_addressed.pop("N1")


def test_no_non_functional_requirement_drops_problem_navigation(store: SessionStore) -> None:
    d = debrief(store, _no_non_functional)
    nav = d.scorecard.dimension("problem_navigation")
    assert nav.score == 3
    assert nav.reason.startswith("No non-functional requirement (latency, availability, "
                                 "consistency) was addressed")
    assert [s.topic for s in d.study][:1] == ["consistency"]
    assert "never addressed: Non-functional requirements" in d.study[0].why


SILENT_AFTER = (3, 8, 12, 16)  # the candidate's lines after which a 25 s silence falls


def _silences(m: Mock) -> None:
    """25 s of silence after four lines: the next line moves 25 s later, the gap before it is
    the silence (as the tracker measures it: from the end of one line to the next)."""
    for k in SILENT_AFTER:
        a, b, text, who = m.lines[k + 1]
        start = m.lines[k][1] + 25.0
        m.lines[k + 1] = (start, start + b - a, text, who)
    m.signals["long_silences"] = [
        {"start": m.lines[k][1], "end": m.lines[k + 1][0], "duration_s": 25.0}
        for k in SILENT_AFTER]


def test_long_silences_drop_communication_with_the_moments(store: SessionStore) -> None:
    d = debrief(store, _silences)
    com = d.scorecard.dimension("communication")
    assert com.score == 3
    assert com.reason.startswith("4 silences of 10 s or more (longest 25 s)")
    mock = well_run()
    _silences(mock)
    after = [mock.lines[k + 1] for k in SILENT_AFTER[:3]]
    assert [e.at_s for e in com.evidence[:3]] == [a for a, *_ in after]  # the words after each
    assert com.evidence[0].text == f"after 25 s of silence: “{after[0][2]}”"


def test_a_silence_the_interviewer_filled_is_not_the_candidates(store: SessionStore) -> None:
    def change(m: Mock) -> None:
        _silences(m)
        for k in SILENT_AFTER[:3]:  # the interviewer talks through three of the four
            a = m.lines[k][1]
            m.lines.append((a + 1.0, a + 24.0, "How would you handle a viral paste, um, maybe?",
                            "interviewer"))
        m.lines.sort()

    d = debrief(store, change)
    com = d.scorecard.dimension("communication")
    assert com.score == 4
    assert "1 silences" in " ".join(f.text for f in com.findings)
    every = [e.text for dim in d.scorecard.dimensions for e in dim.evidence]
    assert not any("viral paste" in t for t in every)  # never the interviewer's words


def _fillers(m: Mock) -> None:
    m.signals["fillers"] = {"count": 270, "per_minute": 6.0,
                            "by_word": {"um": 150, "uh": 90, "you know": 30}}
    m.lines.append((1200.0, 1205.0, "Um, so, uh, the cache, um, you know, sits here.",
                    "candidate"))
    m.lines.sort()


def test_many_fillers_drop_communication_with_the_lines_that_have_them(
    store: SessionStore,
) -> None:
    d = debrief(store, _fillers)
    com = d.scorecard.dimension("communication")
    assert com.score == 3
    assert com.reason == "270 fillers, 6.0 a minute (most: “um” ×150, “uh” ×90, “you know” ×30)."
    assert com.evidence[0].at_s == 1200.0 and "Um, so, uh" in com.evidence[0].text


# -- what it cannot know -----------------------------------------------------------------------


def test_no_prompt_and_no_audio_are_not_measured_rather_than_guessed(
    store: SessionStore,
) -> None:
    def change(m: Mock) -> None:
        m.prompt = ()
        m.prompt_title = ""
        m.requirements_addressed = {}
        m.audio = False

    d = debrief(store, change)
    nav = d.scorecard.dimension("problem_navigation")
    assert nav.score == 4 and "no prompt was captured" in nav.reason
    coverage = next(f for f in nav.findings if f.rule == "prompt_coverage")
    assert coverage.ok is None
    com = d.scorecard.dimension("communication")
    pace = next(f for f in com.findings if f.rule == "pace")
    assert pace.ok is None and "not measured" in pace.text
    assert d.prompt_id is None


def test_a_dimension_with_nothing_measurable_scores_null(store: SessionStore) -> None:
    def change(m: Mock) -> None:
        m.audio = False
        m.signals["words"] = 40  # too few words for fillers
        m.timeline = [("requirements", 0, 2680)]  # no phase change to signpost

    d = debrief(store, change)
    com = d.scorecard.dimension("communication")
    assert com.score is None and com.evidence == ()
    assert com.reason.startswith("Not measured: no audio-timed transcript")
    assert d.to_json()["scorecard"]["dimensions"][3]["score"] is None


def test_a_session_saved_without_a_report_is_scored_from_its_transcript(
    store: SessionStore,
) -> None:
    """A mock cut short and never recovered: the tracker is replayed over the saved lines."""
    sid = store.create_session(title="cut short", framework="system-design").id
    store.write_batch(sid, segments=[
        Segment(0, 5, "Let's start with the requirements: users paste text and get a link."),
        Segment(6, 12, "Reads should be fast with high availability, 10 million users."),
    ], duration_s=12.0)
    d = session_debrief(store, sid)
    nav = d.scorecard.dimension("problem_navigation")
    nf = next(f for f in nav.findings if f.rule == "non_functional")
    assert nf.ok is True and nf.evidence[0].at_s == pytest.approx(6.0)


# -- study next --------------------------------------------------------------------------------


def test_study_is_at_most_three_topics_and_prefers_prompts_not_practised(
    store: SessionStore,
) -> None:
    def everything_wrong(m: Mock) -> None:
        _no_deep_dive(m)
        _estimate_off(m)
        _no_non_functional(m)
        for item in ("cache", "caching", "queue", "queueing", "endpoints", "request_response"):
            m.addressed.pop(item)

    mock = well_run()
    everything_wrong(mock)
    first = session_debrief(store, save(store, mock), practised=set())
    assert len(first.study) == 3
    assert all(s.why and s.title and s.prompt_id for s in first.study)
    prompts = [s.prompt_id for s in first.study]
    assert len(set(prompts)) == 3  # one prompt each, not the same one three times
    # practise the first suggestion; the next debrief suggests another prompt for that topic
    other = well_run()
    other.prompt_title = next(e.title for e in debrief_data().library if e.id == prompts[0])
    save(store, other)
    assert prompts[0] in practised_prompts(store)
    again = session_debrief(store, save(store, mock))
    same_topic = next(s for s in again.study if s.topic == first.study[0].topic)
    assert same_topic.prompt_id not in (prompts[0], "pastebin")


# -- the contracts: `sessions show` -----------------------------------------------------------


def _home_store() -> SessionStore:
    from app.settings import Settings

    return Settings().open_store()


def test_sessions_show_json_adds_scorecard_and_study_and_keeps_every_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from app.cli import main

    with _home_store() as store:
        sid = save(store, _changed(_estimate_off))
    assert main(["sessions", "show", str(sid), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"id", "started_at", "ended_at", "title", "framework", "round_s", "duration_s",
            "status", "coverage_pct", "notes", "audio_file", "settings", "report", "segments",
            "phases", "phase_changes", "captures", "coverage", "nudges", "scorecard",
            "study"} <= set(out)
    card = out["scorecard"]
    assert card["rubric"] == "system-design-rubric-1"
    assert [d["id"] for d in card["dimensions"]] == [
        "problem_navigation", "solution_design", "technical_depth", "communication"]
    for d in card["dimensions"]:
        assert {"id", "label", "score", "reason", "evidence"} <= set(d)
        assert d["score"] is None or d["score"] in (1, 2, 3, 4)
        for e in d["evidence"]:
            assert set(e) == {"at", "text"} and isinstance(e["at"], float)
    depth = card["dimensions"][2]
    assert depth["score"] == 3 and "off by 10.3x" in depth["reason"]
    assert out["study"] and all(set(s) == {"topic", "title", "why", "prompt_id"}
                                for s in out["study"])
    assert out["study"][0]["topic"] == "estimation"


def test_sessions_show_prints_the_scorecard_and_study_readably(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import main

    with _home_store() as store:
        sid = save(store, _changed(_no_deep_dive))
    assert main(["sessions", "show", str(sid)]) == 0
    out = capsys.readouterr().out
    block = out[out.index("Scorecard"):out.index("Transcript")]
    assert "Technical depth" in block and "The deep dive was never reached" in block
    assert "Communication                 4/4" in block
    assert "Study next\n  1. " in block and "mockcoach prompts show" in block


def _changed(change: Callable[[Mock], None]) -> Mock:
    mock = well_run()
    change(mock)
    return mock


# -- the exports -----------------------------------------------------------------------------


def test_markdown_and_html_exports_carry_the_scorecard_and_study(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    import re
    from html.parser import HTMLParser

    from app.cli import main

    with _home_store() as store:
        sid = save(store, _changed(_no_deep_dive))
    assert main(["sessions", "export", str(sid), "-f", "md"]) == 0
    md = capsys.readouterr().out
    card = md[md.index("## Scorecard"):md.index("## Study next")]
    assert "| Technical depth | 2/4 | The deep dive was never reached" in card
    assert "| Solution design | 4/4 |" in card
    assert "- ✗ The deep dive was never reached." in card  # every check, passed or not
    assert "- ✓ Components named: " in card
    study = md[md.index("## Study next"):md.index("## Phases")]
    assert re.search(r"^1\. \*\*.+\*\* — ", study, re.M)
    assert "Practise next: *" in study and "   > " in study  # the prompt and the summary

    out = tmp_path / "report.html"
    assert main(["sessions", "export", str(sid), "-f", "html", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page)  # self-contained
    assert "<script" not in page and "<link" not in page

    class Sections(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.h2: list[str] = []
            self.dims = 0
            self._in_h2 = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self._in_h2 = tag == "h2"
            classes = (dict(attrs).get("class") or "").split()
            self.dims += "dim" in classes

        def handle_data(self, data: str) -> None:
            if self._in_h2:
                self.h2.append(data)
                self._in_h2 = False

    parsed = Sections()
    parsed.feed(page)
    assert parsed.h2.index("Scorecard") < parsed.h2.index("Study next") < parsed.h2.index(
        "Phases")
    assert parsed.dims == 4
    assert "The deep dive was never reached." in page and "class='dim low'" in page
    assert "<details><summary>Every check</summary>" in page
    assert re.search(r"<li class='fault' title='Depth is where senior candidates separate[^']*'>"
                     r"✗ The deep dive was never reached\.</li>", page)


# -- through the real tracker ------------------------------------------------------------------


def _replayed(store: SessionStore, lines: list[str | tuple[str, str]], gap_s: float = 1.0,
              prompt_id: str | None = None) -> int:
    """The lines as a mock through the real runner and tracker, saved in ``store``; each line
    takes 150 words a minute, ``gap_s`` apart; a ``(speaker, text)`` pair names its speaker."""
    from app.runner import SessionRunner, run_to_end
    from capture.library import load_library
    from framework.types import Utterance

    said, t = [], 0.0
    for line in lines:
        speaker, text = line if isinstance(line, tuple) else ("candidate", line)
        length = len(text.split()) / 2.5  # 150 words a minute
        said.append(Utterance(text, t, t + length, speaker=speaker))
        t += length + gap_s
    prompt = next(e.prompt for e in load_library() if e.id == prompt_id) if prompt_id else None
    result = run_to_end(SessionRunner(store, bundled_framework(), utterances=said,
                                      prompt=prompt, fallback_title="replayed"))
    assert result.error is None and result.session is not None
    return result.session.id


ESTIMATION = [
    "Let's start with the requirements: users paste text and get a short link back.",
    "Reads should be fast and the service highly available.",
    "Let me do a quick back of the envelope estimate.",
    "We have 10 million users and they write 10 million pastes per day.",
    "So that is about 1,200 writes per second on average.",
    "Each paste is about 1 KB, so storage is about 10 GB per day.",
]


def test_the_tracker_own_estimation_check_drives_the_technical_depth_reason(
    store: SessionStore,
) -> None:
    sid = _replayed(store, ESTIMATION)
    checks = store.get_session(sid).report["signals"]["estimation"]["checks"]  # type: ignore
    flagged = [c for c in checks if not c["ok"]]
    assert flagged and flagged[0]["kind"] == "qps"  # precondition: the tracker caught it
    depth = session_debrief(store, sid).scorecard.dimension("technical_depth")
    estimation = next(f for f in depth.findings if f.rule == "estimation_checked")
    assert estimation.ok is False
    assert f"off by {flagged[0]['ratio']:.1f}x" in estimation.text
    assert "1,200 writes per second" in estimation.evidence[0].text
    assert estimation.text in depth.reason or "more fault" in depth.reason


def test_the_tracker_filler_count_drives_the_communication_reason(store: SessionStore) -> None:
    lines = [f"Um, so, uh, for part {n} we, um, basically put a cache, uh, in front of the "
             "database, you know." for n in range(40)]
    sid = _replayed(store, lines)
    fillers = store.get_session(sid).report["signals"]["fillers"]  # type: ignore[index]
    assert fillers["per_minute"] > 3.0  # precondition: the tracker counted them
    com = session_debrief(store, sid).scorecard.dimension("communication")
    finding = next(f for f in com.findings if f.rule == "fillers")
    assert finding.ok is False and com.score is not None and com.score <= 3
    assert finding.text.startswith(f"{fillers['count']} fillers, {fillers['per_minute']:.1f} "
                                   "a minute (most: “uh” ×80, “um” ×80")
    assert finding.evidence and all("Um, so, uh" in e.text for e in finding.evidence)
    pace = next(f for f in com.findings if f.rule == "pace")
    assert pace.ok is None  # a typed transcript has no audio behind its times


def test_a_topic_the_prompt_calls_for_but_never_came_up_is_suggested(
    store: SessionStore,
) -> None:
    title = next(e.title for e in debrief_data().library if e.id == "rate-limiter")

    def rate_limiter(m: Mock) -> None:
        m.prompt_title = title

    d = debrief(store, rate_limiter)
    assert d.prompt_id == "rate-limiter"
    item = next(s for s in d.study if s.topic == "rate_limiting")
    assert item.why.startswith("this prompt calls for rate limiting, and none of its words "
                               "came up (“rate limit”")
    assert item.prompt_id not in (None, "rate-limiter")

    def said_once(m: Mock) -> None:  # said once by the candidate: no longer missing
        rate_limiter(m)
        m.lines.append((2300.0, 2305.0, "A token bucket per API key limits each caller.",
                        "candidate"))

    assert all(s.topic != "rate_limiting" for s in debrief(store, said_once).study)


def test_with_a_partner_talk_share_and_unanswered_questions_are_graded(
    store: SessionStore,
) -> None:
    long_q = ("So before you go on, let me explain how our current system works in detail, it "
              "has a lot of moving parts and a lot of history behind it, we built it years ago")
    lines: list[str | tuple[str, str]] = [
        ("interviewer", "How would you store the pastes?"),
        "We keep them in a key value store keyed by the short link.",
        ("interviewer", long_q), ("interviewer", long_q), ("interviewer", long_q),
        ("interviewer", "What happens when a paste expires?"),
        ("interviewer", "And how would you scale the reads?"),
        "A cache in front of the store.",
    ]
    sid = _replayed(store, lines)
    signals = store.get_session(sid).report["signals"]  # type: ignore[index]
    assert signals["talk_time"]["candidate_share"] < 0.6  # preconditions from the tracker
    assert [q["after_s"] is None for q in signals["answers"]["items"]] == [False, True, False]
    com = session_debrief(store, sid).scorecard.dimension("communication")
    share = next(f for f in com.findings if f.rule == "talk_share")
    assert share.ok is False and "the interviewer led" in share.text
    answers = next(f for f in com.findings if f.rule == "answers")
    assert answers.ok is False and answers.text.startswith("1 of 3 interviewer questions")
    assert answers.evidence[0].text.startswith("asked “… ")
    assert "What happens when a paste expires?”, never answered; next: “A cache in front" \
        in answers.evidence[0].text
    # the interviewer's words never stand as the candidate's
    assert not any(e.text.startswith("“So before you go on") for e in com.evidence)


def test_a_solo_mock_leaves_the_partner_rules_unsaid(store: SessionStore) -> None:
    com = debrief(store).scorecard.dimension("communication")
    partner = [f for f in com.findings if f.rule in ("talk_share", "answers")]
    assert [f.ok for f in partner] == [None, None]
    assert "interviewer" not in com.reason


# -- the seam ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "forbidden"), [
    ("app/debrief.py", {"PySide6", "threading", "app.ui", "app.runner"}),
    ("framework/scorecard.py", {"time", "datetime", "app", "capture", "audio"}),
    ("framework/study.py", {"time", "datetime", "app", "capture", "audio"}),
])
def test_the_debrief_is_qt_free_and_the_scoring_pure(source: str, forbidden: set[str]) -> None:
    """The CLI, the exports and progress share ``app/debrief.py`` without Qt; the scorecard and
    study list read no clock, so the same session always scores the same."""
    import ast

    tree = ast.parse((Path(__file__).resolve().parents[2] / source).read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree)
              if isinstance(n, ast.ImportFrom) and n.level == 0 and n.module}
    bad = {n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)}
    assert not bad, f"{source} imports {sorted(bad)}"


def test_a_session_whose_framework_is_gone_and_has_no_report_still_scores_what_it_can(
    store: SessionStore,
) -> None:
    sid = store.create_session(title="old", framework="a-framework-since-deleted").id
    store.write_batch(
        sid, segments=[Segment(0, 5, "Let's start with the requirements."),
                       Segment(400, 405, "Let's dive into the storage layer.")],
        phase_changes=[(PhaseChange(0, "requirements"), 300.0),
                       (PhaseChange(400, "deep_dive", "requirements"), 720.0)],
        duration_s=900.0)
    d = session_debrief(store, sid)
    depth = d.scorecard.dimension("technical_depth")
    reached = next(f for f in depth.findings if f.rule == "deep_dive_reached")
    assert reached.ok is True and reached.evidence[0].at_s == 400.0
    assert d.scorecard.dimension("communication").score is None  # no signals saved: no guess


# -- the user's own rules and topics -------------------------------------------------------------


def test_a_users_rubric_replaces_the_bundled_one_and_a_broken_one_is_reported(
    capsys: pytest.CaptureFixture[str], private_home: Path,
) -> None:
    import json

    from app.cli import main
    from assets import asset_path

    rubric = asset_path("rubrics", "system-design.toml").read_text(encoding="utf-8")
    mine = private_home / "rubrics" / "system-design.toml"
    mine.parent.mkdir(parents=True)
    # stricter on pace: the well-run mock's 125 wpm is now too slow
    mine.write_text(rubric.replace('id = "system-design-rubric-1"', 'id = "my-rubric"')
                    .replace("min_wpm = 110", "min_wpm = 130"), encoding="utf-8")
    topic = private_home / "topics" / "caching.toml"
    topic.parent.mkdir()
    topic.write_text(asset_path("topics", "caching.toml").read_text(encoding="utf-8")
                     .replace('title = "Caching"', 'title = "Caching, my notes"'),
                     encoding="utf-8")
    with _home_store() as store:
        sid = save(store, well_run())
        late = save(store, _changed(lambda m: m.addressed.pop("cache")))
    assert main(["sessions", "show", str(sid), "--json"]) == 0
    card = json.loads(capsys.readouterr().out)["scorecard"]
    assert card["rubric"] == "my-rubric"
    assert card["dimensions"][3]["score"] == 3
    assert card["dimensions"][3]["reason"].startswith("125 words per minute on average "
                                                      "(comfortable: 130-160)")
    assert main(["sessions", "show", str(late), "--json"]) == 0
    study = json.loads(capsys.readouterr().out)["study"]
    assert any(s["title"] == "Caching, my notes" for s in study)


def test_a_broken_user_rubric_is_named_and_the_bundled_one_used(
    capsys: pytest.CaptureFixture[str], private_home: Path,
) -> None:
    import json

    from app.cli import main

    mine = private_home / "rubrics" / "system-design.toml"
    mine.parent.mkdir(parents=True)
    mine.write_text('id = "mine"\n[[dimensions]]\nid = "x"\nlabel = "X"\n[[rules]]\n'
                    'id = "r"\ndimension = "x"\ncheck = "vibes"\n', encoding="utf-8")
    with _home_store() as store:
        sid = save(store, well_run())
    assert main(["sessions", "show", str(sid), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["scorecard"]["rubric"] == "system-design-rubric-1"
    assert f"mockcoach: {mine}: rule 1 (r): unknown check 'vibes'" in err
    assert "(the bundled rubric is used instead)" in err


def test_a_spoken_mock_through_the_real_model_has_its_pace_measured(
    capsys: pytest.CaptureFixture[str], test_data: Path,
) -> None:
    """Audio behind the times (the real tiny.en model, the session's recording kept): pace and
    silences are measured, from the tracker's own figures."""
    import json

    from app.cli import main

    assert main(["replay", str(test_data / "spoken_pastebin_25s.flac"), "--prompt", "pastebin",
                 "--json"]) == 0
    capsys.readouterr()
    with _home_store() as store:
        sid = store.list_sessions()[0].id
    assert main(["sessions", "show", str(sid), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["audio_file"] is not None
    wpm = shown["report"]["signals"]["wpm"]
    com = next(d for d in shown["scorecard"]["dimensions"] if d["id"] == "communication")
    pace = next(c for c in com["checks"] if c["rule"] == "pace")
    assert pace["ok"] is (110 <= wpm <= 160)
    assert pace["text"].startswith(f"{wpm:.0f} words per minute on average")
    silences = next(c for c in com["checks"] if c["rule"] == "silences")
    assert silences["ok"] is not None
    nav = next(d for d in shown["scorecard"]["dimensions"] if d["id"] == "problem_navigation")
    assert nav["score"] is not None and nav["score"] <= 2  # 25 s of a 45-minute round


def test_the_light_read_and_the_full_record_debrief_the_same(store: SessionStore) -> None:
    """``session_debrief`` reads only the transcript rows and captures of a session with a
    saved report; the CLI's full record must give the same scorecard and study list."""
    from app.debrief import debrief_record

    mock = well_run()
    _estimate_off(mock)
    _fillers(mock)
    mock.lines.append((900.0, 930.0, "Which store would you pick, and why?", "interviewer"))
    mock.lines.sort()
    sid = save(store, mock)
    light = session_debrief(store, sid, practised=set())
    full = debrief_record(store.load(sid), practised=set())
    assert light.to_json() == full.to_json() and light.prompt_id == full.prompt_id == "pastebin"
