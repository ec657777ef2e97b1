"""`mockcoach replay` end to end: shared walkthroughs, saving, bad input, real audio."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli import main

GROUPS = {
    "requirements": 0, "estimation": 0, "api": 1, "data_model": 1, "high_level": 1,
    "deep_dive": 2, "scaling": 2, "wrap_up": 3,
}
REPORT_KEYS = ["framework", "duration_s", "phases", "time_per_phase", "budget", "checklist",
               "requirements", "nudges", "signals", "phase_model"]

SMALL_TXT = """[00:00] Before I design, let me confirm scope: users can shorten a link and open it.
[00:12] We need low latency and high availability, about 100 million links per month.
[00:25] Let me do a quick back of the envelope: that is about 40 writes per second.
[00:40] The API would be a REST API with a POST request that returns the short link.
[00:55] At a high level, clients go through a load balancer to stateless app servers.
[01:10] Let's dive into how we generate unique keys with a hash and base 62 encoding.
"""


def replay_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["replay", *args, "--json"]) == 0
    out = capsys.readouterr().out
    report: dict[str, object] = json.loads(out)
    return report


def agreement(report: dict, truth: list[dict]) -> tuple[float, float, float]:
    """Seconds (sampled every 0.5 s) where the tracked phase equals the label."""
    phases = report["phases"]
    same = same4 = n = 0
    t, li, pi = 0.0, 0, 0
    end = truth[-1]["end"]
    while t < end:
        while li + 1 < len(truth) and truth[li + 1]["start"] <= t:
            li += 1
        while pi + 1 < len(phases) and phases[pi + 1]["start"] <= t:
            pi += 1
        a, b = truth[li]["phase"], phases[pi]["id"]
        same += a == b
        same4 += GROUPS[a] == GROUPS[b]
        n += 1
        t += 0.5
    return same, same4, n


def test_replay_of_the_shared_walkthroughs_agrees_with_the_labels(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    total = [0, 0, 0]
    for path in sorted((shared_data / "transcripts").glob("*.jsonl")):
        prompt = shared_data / "prompts" / f"{path.stem}.json"
        report = replay_json([str(path), "--prompt", str(prompt), "--no-save"], capsys)
        assert list(report) == REPORT_KEYS
        truth = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        same, same4, n = agreement(report, truth)
        assert same4 / n >= 0.74, (path.stem, same4 / n)  # sdp_twitter, the lowest: 0.76
        total = [total[0] + same, total[1] + same4, total[2] + n]
        reqs = report["requirements"]
        assert isinstance(reqs, list) and reqs
        assert sum(r["addressed"] for r in reqs) / len(reqs) >= 0.85, path.stem
        assert report["duration_s"] == truth[-1]["end"]
    # the learned tracker measured 85.9 % / 89.7 % here (the model of 2026-12-03 morning 87.3 %
    # / 91.2 %; the rules of the last stop, tuned on these five files over many stops, 93.5 %
    # / 96.8 %): floors a couple of points under
    assert total[0] / total[2] >= 0.84
    assert total[1] / total[2] >= 0.88


def test_replay_saves_a_session_with_the_same_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.store import SessionStore

    path = tmp_path / "mock.txt"
    path.write_text(SMALL_TXT)
    saved = replay_json([str(path)], capsys)
    unsaved = replay_json([str(path), "--no-save"], capsys)
    assert saved == unsaved
    assert [p["id"] for p in saved["phases"]] == [  # type: ignore[union-attr]
        "requirements", "estimation", "api", "high_level", "deep_dive"]
    with SessionStore() as store:
        sessions = store.list_sessions()
        assert len(sessions) == 1
        assert store.get_session(sessions[0].id).report == saved


def test_readable_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mock.txt"
    path.write_text("\n".join(line.split("] ", 1)[1] for line in SMALL_TXT.splitlines()))
    assert main(["replay", str(path), "--no-save", "--minutes", "30"]) == 0
    out = capsys.readouterr().out
    assert "Time per phase" in out and "Requirements" in out and "Checklist" in out
    assert "estimation check" in out
    assert "phases by the learned model" in out


def test_prompt_text_file_goes_through_the_prompt_parser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mock.txt"
    path.write_text(SMALL_TXT)
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("Design a URL shortener\n\nFunctional requirements\n"
                      "- Users shorten a link\n- Users open a short link\n"
                      "Non-functional requirements\n- Low latency\n")
    report = replay_json([str(path), "--prompt", str(prompt), "--no-save"], capsys)
    assert report["requirements"]


def test_prompt_from_the_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from capture.library import load_library

    entry = load_library()[0]
    path = tmp_path / "mock.txt"
    path.write_text(SMALL_TXT)
    report = replay_json([str(path), "--prompt", entry.id, "--no-save"], capsys)
    assert [r["id"] for r in report["requirements"]] == [  # type: ignore[union-attr]
        r.id for r in entry.prompt.requirements]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.jsonl"], "no such file"),
        (["{mock}", "--framework", "nope"], "unknown framework id 'nope'"),
        (["{mock}", "--prompt", "no-such-prompt-id"], "no-such-prompt-id"),
        (["{bad}"], "line 1"),
        (["{mock}", "--minutes", "0"], "--minutes"),
    ],
)
def test_bad_input_gets_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    mock = tmp_path / "mock.txt"
    mock.write_text(SMALL_TXT)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    args = [a.format(mock=mock, bad=bad) for a in args]
    assert main(["replay", *args, "--no-save"]) == 2
    assert message in capsys.readouterr().err


def test_a_malformed_user_framework_is_reported_with_file_line_and_field(
    tmp_path: Path, private_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mock = tmp_path / "mock.txt"
    mock.write_text(SMALL_TXT)
    folder = private_home / "frameworks"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(
        'name = "Mine"\n\n[[phases]]\nid = "talk"\nlabel = "Talk"\nbudget_minutes = "ten"\n'
    )
    assert main(["replay", str(mock), "--framework", "mine", "--no-save"]) == 2
    err = capsys.readouterr().err
    assert "mine.toml, line 6, field 'phases[0].budget_minutes'" in err
    (folder / "mine.toml").write_text(
        'name = "Mine"\n\n[[phases]]\nid = "talk"\nlabel = "Talk"\nbudget_minutes = 10\n'
    )
    report = replay_json([str(mock), "--framework", "mine", "--no-save"], capsys)
    assert report["framework"] == "mine" and report["budget"] == {"talk": 600.0}
    assert report["phase_model"] == "rules"  # a framework of yours with no trained model
    assert replay_json([str(mock), "--no-save"], capsys)["phase_model"] == "learned"


@pytest.mark.slow
def test_replay_of_audio_through_the_real_transcriber(
    test_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import soundfile

    samples, rate = soundfile.read(test_data / "spoken_pastebin_25s.flac", dtype="float32")
    audio = tmp_path / "first12s.wav"  # the first sentences keep the test short
    soundfile.write(audio, samples[: 12 * rate], rate)
    report = replay_json([str(audio), "--no-save"], capsys)
    assert 8.0 < float(report["duration_s"]) <= 12.5  # type: ignore[arg-type]
    assert report["phases"][0]["id"] == "requirements"  # type: ignore[index]
    assert report["signals"]["words"] > 10  # type: ignore[index]
    addressed = {c["id"] for c in report["checklist"] if c["addressed"]}  # type: ignore[union-attr]
    assert "functional" in addressed

def test_prompt_from_a_screenshot(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = shared_data / "ocr" / "rendered" / "sdp_pastebin__light__region.png"
    transcript = shared_data / "transcripts" / "sdp_pastebin.jsonl"
    report = replay_json([str(transcript), "--prompt", str(image), "--no-save"], capsys)
    reqs = report["requirements"]
    assert isinstance(reqs, list) and len(reqs) >= 3
    assert sum(r["addressed"] for r in reqs) >= len(reqs) - 1


def test_an_empty_transcript_gives_an_empty_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    report = replay_json([str(path), "--no-save"], capsys)
    assert report["duration_s"] == 0.0
    assert report["phases"] == [{"id": "requirements", "start": 0.0, "end": 0.0}]
    assert report["signals"]["words"] == 0  # type: ignore[index]


OWN_DATA = Path(__file__).parent / "data"


@dataclass
class SetFigures:
    """What one set of our own walkthroughs scores through the CLI."""

    agreement_8: float
    agreement_4: float
    recall: float
    wrongly_addressed: int
    files_4: dict[str, float]


def replay_set(folder: Path, capsys: pytest.CaptureFixture[str]) -> SetFigures:
    total = [0, 0, 0]
    addressed = addressable = wrongly = 0
    files_4 = {}
    for path in sorted(folder.glob("*.jsonl")):
        prompt = path.with_suffix(".json")
        report = replay_json([str(path), "--prompt", str(prompt), "--no-save"], capsys)
        truth = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        same, same4, n = agreement(report, truth)
        files_4[path.stem] = same4 / n
        total = [total[0] + same, total[1] + same4, total[2] + n]
        never = set(json.loads(prompt.read_text())["not_addressed"])
        for req in report["requirements"]:  # type: ignore[attr-defined]
            if req["text"] in never:
                wrongly += req["addressed"]
            else:
                addressable += 1
                addressed += req["addressed"]
    return SetFigures(total[0] / total[2], total[1] / total[2], addressed / addressable, wrongly,
                      files_4)


def test_replay_of_our_own_spoken_walkthroughs_agrees_with_the_labels(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Our own spoken-style walkthroughs (fillers, back-tracking, phases without their cue
    phrases, ASR slips): present on a fresh clone, unlike the shared set."""
    figures = replay_set(OWN_DATA, capsys)
    assert min(figures.files_4.values()) >= 0.80, figures.files_4
    assert figures.agreement_8 >= 0.80
    assert figures.agreement_4 >= 0.90
    assert figures.recall >= 0.70
    assert figures.wrongly_addressed <= 2


@pytest.mark.parametrize("folder", ["blind3", "blind4", "blind5", "blind6"])
def test_replay_of_realistic_length_walkthroughs_keeps_its_measured_floor(
    folder: str, capsys: pytest.CaptureFixture[str],
) -> None:
    """The 10-14 minute walkthroughs written without sight of the tracker's vocabulary (the
    learned model has since trained on them): this guards the figures reached, a few points
    below what was measured, against regressions. Since the coverage threshold is chosen for
    precision 0.95 on the dev split's own prompts (recall 0.63-0.70 -> 0.74-0.83 here), one
    folder has two false ticks (a requirement its prompt lists as not addressed)."""
    figures = replay_set(OWN_DATA / folder, capsys)
    assert figures.agreement_8 >= 0.80, figures
    assert figures.agreement_4 >= 0.85, figures
    assert figures.recall >= 0.70, figures
    assert figures.wrongly_addressed <= 2, figures
