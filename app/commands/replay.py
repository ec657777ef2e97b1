"""`mockcoach replay`: a whole mock (audio or transcript) through the tracker, with its report.

A transcript file or an audio file (decoded by the batch decoder, ``audio.batch``: offline-grade
text at about 0.05x real time, its lines released as the audio passes) goes through the one
session pipeline (``app.runner.SessionRunner``).
Unless ``--no-save`` it is saved as a session, so it shows up in ``mockcoach sessions`` and the
review window; the report is the same either way.
The ``--json`` shape is a contract documented in README.md ("Framework tracker and replay").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.presentation import clock

if TYPE_CHECKING:
    from app.lines import AudioLine, Line
    from app.partner import PartnerLine
    from capture.prompt import Prompt
    from framework.definition import Framework
    from framework.types import Utterance

AUDIO_SUFFIXES = frozenset(
    {".wav", ".flac", ".mp3", ".m4a", ".ogg", ".oga", ".opus", ".webm", ".aac", ".mp4", ".wma"}
)
TRANSCRIPT_SUFFIXES = frozenset({".jsonl", ".ndjson", ".srt", ".vtt", ".txt"})
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
)


class ReplayInputError(Exception):
    """Bad input that the user can fix: the message says how."""


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "replay",
        help="run a recorded or transcribed mock through the phase tracker and print its report",
        description="Replay a mock interview: an audio file (transcribed as fast as possible) "
        "or a transcript (.jsonl with start/end/text, .srt, .vtt, or .txt with optional "
        "[mm:ss] stamps; without stamps it is paced at 150 words per minute). Prints the "
        "tracker's report and saves the mock as a session unless --no-save.",
    )
    parser.add_argument("input", metavar="INPUT", help="audio file or transcript")
    parser.add_argument(
        "--interviewer", metavar="OTHER",
        help="the partner's side of the mock, same kind as INPUT (audio: played beside it on "
        "one clock, the partner's words labelled 'interviewer' and removed from INPUT where "
        "they leaked in; transcript: its lines are the interviewer's)",
    )
    parser.add_argument(
        "--prompt",
        metavar="IMAGE|TEXT_FILE|LIBRARY_ID",
        help="the interview prompt: a screenshot (OCR), a text file, or a prompt library id",
    )
    parser.add_argument(
        "--framework", default="system-design", metavar="ID",
        help="framework id (bundled, or a TOML file in your data folder's frameworks/); "
        "default: system-design",
    )
    parser.add_argument(
        "--minutes", type=float, default=45.0, help="length of the round (default: 45)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument("--no-save", action="store_true", help="do not save a session")
    parser.add_argument(
        "--model", default=None, metavar="MODEL",
        help="speech model for audio input (default: the bundled tiny.en)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from framework.definition import FrameworkError

    try:
        return _run(args)
    except (ReplayInputError, FrameworkError) as exc:
        print(f"mockcoach replay: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from app.paths import user_frameworks_dir
    from framework.definition import get_framework

    path = Path(args.input).expanduser()
    if not path.is_file():
        raise ReplayInputError(f"no such file: {path}")
    if not args.minutes or args.minutes <= 0:
        raise ReplayInputError("--minutes must be a positive number")
    round_s = float(args.minutes) * 60.0
    framework = get_framework(args.framework, user_frameworks_dir())
    prompt = _load_prompt(args.prompt) if args.prompt else None
    suffix = path.suffix.lower()
    is_audio = suffix in AUDIO_SUFFIXES
    if not is_audio and suffix not in TRANSCRIPT_SUFFIXES:
        raise ReplayInputError(
            f"{path.name}: not a transcript (.jsonl, .srt, .vtt, .txt) nor audio "
            f"({', '.join(sorted(AUDIO_SUFFIXES))})"
        )
    from app.lines import TranscriptFeed

    line: Line | PartnerLine
    if args.interviewer:
        line = _partner_line(path, Path(args.interviewer).expanduser(), is_audio, args.model)
    elif is_audio:
        line = _audio_line(path, args.model)
    else:
        line = TranscriptFeed(_read_transcript(path))
    report = _replay(line, framework, prompt, round_s, save=not args.no_save,
                     fallback_title=f"Replay of {path.name}")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(format_report(report, framework))
    return 0


def _read_transcript(path: Path) -> list[Utterance]:
    from framework.transcript import TranscriptError, parse_transcript

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReplayInputError(f"{path.name}: not UTF-8 text") from exc
    try:
        return parse_transcript(text, path.suffix)
    except TranscriptError as exc:
        raise ReplayInputError(f"{path.name}: {exc}") from exc


def _partner_line(path: Path, other: Path, is_audio: bool,
                  model_spec: str | None) -> Line | PartnerLine:
    """The candidate's file and the partner's: two audio lines on one clock (echo removed), or
    two transcripts merged with the partner's lines as the interviewer's."""
    import dataclasses

    from app.lines import TranscriptFeed
    from app.partner import PartnerLine

    if not other.is_file():
        raise ReplayInputError(f"no such file: {other}")
    other_audio = other.suffix.lower() in AUDIO_SUFFIXES
    if other_audio != is_audio:
        raise ReplayInputError(
            f"{path.name} and {other.name}: give two audio files or two transcripts")
    if is_audio:
        return PartnerLine(_audio_line(path, model_spec), _audio_line(other, model_spec))
    mine = [dataclasses.replace(u, speaker="candidate") for u in _read_transcript(path)]
    theirs = [dataclasses.replace(u, speaker="interviewer") for u in _read_transcript(other)]
    return TranscriptFeed(sorted(mine + theirs, key=lambda u: (u.start_s, u.end_s)))


def _audio_line(path: Path, model_spec: str | None) -> AudioLine:
    """The file through the batch decoder (offline-grade, far faster than the live path), its
    lines released as the audio passes through the same pipeline, with a progress bar."""
    from app.batch_transcriber import batch_transcriber_factory, terminal_progress
    from app.lines import AudioLine
    from audio.sources import FileSource

    progress = terminal_progress(f"transcribing {path.name}")
    return AudioLine(FileSource(path, realtime=False),
                     transcriber_factory=batch_transcriber_factory(path, model_spec,
                                                                   progress=progress))


def _replay(line: Line | PartnerLine, framework: Framework, prompt: Prompt | None,
            round_s: float, *,
            save: bool, fallback_title: str) -> dict[str, Any]:
    """The mock through the one session pipeline, saved as a session unless ``save`` is False
    (same transcriber, same step, same tracker: the report does not depend on the flag).
    The session is titled after the prompt when there is one, else ``fallback_title``."""
    from app.runner import SessionRunner, run_to_end
    from app.settings import Settings

    with contextlib.ExitStack() as stack:
        store = stack.enter_context(Settings().open_store()) if save else None
        result = run_to_end(SessionRunner(store, framework, line, prompt=prompt,
                                          fallback_title=fallback_title, round_s=round_s))
    if result.error is not None:
        raise ReplayInputError(result.error.message)
    if result.session is not None:
        print(f"saved as session {result.session.id} "
              f"(`mockcoach sessions show {result.session.id}`)", file=sys.stderr)
    assert result.report is not None
    return result.report


# ------------------------------------------------------------------------------------- prompt


def _load_prompt(spec: str) -> Prompt:
    path = Path(spec).expanduser()
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            return _prompt_from_image(path)
        if suffix == ".json":
            return _prompt_from_json(path)
        from capture.prompt import parse_prompt

        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ReplayInputError(f"{path.name}: the prompt file is not UTF-8 text") from exc
        return parse_prompt(text)
    if any(sep in spec for sep in ("/", "\\")) or Path(spec).suffix:
        raise ReplayInputError(f"no such prompt file: {path}")
    return _prompt_from_library(spec)


def _prompt_from_image(path: Path) -> Prompt:
    from capture.ocr import read_text
    from capture.prompt import parse_prompt

    result = read_text(path)
    if not result.text.strip():
        raise ReplayInputError(f"{path.name}: no text found in the prompt image")
    return parse_prompt(result.text)


def _prompt_from_json(path: Path) -> Prompt:
    """A prompt as JSON: ``title`` plus ``functional``/``non_functional``/``out_of_scope``
    lists (the shape of the shared prompt truth files)."""
    from capture.prompt import Prompt, Requirement

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReplayInputError(f"{path.name}: not valid JSON ({exc})") from exc
    reqs = []
    for kind, prefix in (("functional", "f"), ("non_functional", "n"), ("scale", "s"),
                         ("out_of_scope", "o")):
        for i, text in enumerate(data.get(kind, []) or [], start=1):
            reqs.append(Requirement(id=f"{prefix}{i}", text=str(text), kind=kind))
    if not reqs:
        raise ReplayInputError(
            f"{path.name}: no requirements (expected lists 'functional', 'non_functional', "
            "'out_of_scope')"
        )
    lines = [str(data.get("title", path.stem))] + [f"- {r.text}" for r in reqs]
    return Prompt(title=str(data.get("title", path.stem)), requirements=tuple(reqs),
                  raw_text="\n".join(lines))


def _prompt_from_library(prompt_id: str) -> Prompt:
    from app.paths import user_prompts_dir
    from assets import asset_path
    from capture.library import LibraryError, load_library

    try:
        entries = load_library(asset_path("prompts"), user_prompts_dir())
    except LibraryError as exc:
        raise ReplayInputError(f"the prompt library has a bad file: {exc}") from exc
    for entry in entries:
        if entry.id == prompt_id:
            return entry.prompt
    known = ", ".join(sorted({e.id for e in entries})) or "none"
    raise ReplayInputError(
        f"'{prompt_id}' is neither a file nor a prompt library id (library ids: {known})"
    )


# ------------------------------------------------------------------------------------- text


def _mmss(seconds: float | None) -> str:
    return "-" if seconds is None else clock(seconds)


def format_report(report: dict[str, Any], framework: Framework) -> str:
    """The report for a person: timers, timeline, what is covered, nudges, delivery."""
    labels = {p.id: p.label for p in framework.phases}
    how = ("phases by the learned model" if report.get("phase_model") == "learned"
           else "phases by cue phrases and vocabulary (this framework has no trained model)")
    out = [f"Framework {report['framework']} · {_mmss(float(report['duration_s']))} of speech"
           f" · {how}"]
    for section in (_timers(report, labels), _timeline(report, labels),
                    _checklist(report, labels), _requirements(report), _nudges(report),
                    _delivery(report)):
        if section:
            out += ["", *section]
    return "\n".join(out)


def _timers(report: dict[str, Any], labels: dict[str, str]) -> list[str]:
    out = ["Time per phase (spent / budget)"]
    for pid, spent in report["time_per_phase"].items():
        budget = float(report["budget"].get(pid, 0.0))
        status = "over" if spent > budget else ("near" if spent >= 0.8 * budget else "under")
        mark = {"over": "!!", "near": " !", "under": "  "}[status]
        out.append(f"  {mark} {labels.get(pid, pid):22} {_mmss(spent):>6} / {_mmss(budget):>5}"
                   f"  {status}")
    return out


def _timeline(report: dict[str, Any], labels: dict[str, str]) -> list[str]:
    return ["Timeline", "  " + " → ".join(f"{_mmss(p['start'])} {labels.get(p['id'], p['id'])}"
                                          for p in report["phases"])]


def _addressed(item: dict[str, Any]) -> str:
    return f"  at {_mmss(item['at'])} — \"{item['evidence']}\"" if item["addressed"] else ""


def _checklist(report: dict[str, Any], labels: dict[str, str]) -> list[str]:
    items = report["checklist"]
    done = sum(1 for i in items if i["addressed"])
    return [f"Checklist ({done}/{len(items)} addressed)"] + [
        f"  {'[x]' if i['addressed'] else '[ ]'} {labels.get(i['phase'], i['phase'])}: "
        f"{i['label']}{_addressed(i)}" for i in items]


def _requirements(report: dict[str, Any]) -> list[str]:
    reqs = report["requirements"]
    if not reqs:
        return []
    done = sum(1 for r in reqs if r["addressed"])
    return [f"Prompt requirements ({done}/{len(reqs)} addressed)"] + [
        f"  {'[x]' if r['addressed'] else '[ ]'} ({r['kind']}) {r['text']}{_addressed(r)}"
        for r in reqs]


def _nudges(report: dict[str, Any]) -> list[str]:
    nudges = report["nudges"]
    return ["Nudges" if nudges else "Nudges: none"] + [
        f"  {_mmss(n['at'])}  {n['text']}" for n in nudges]


def _delivery(report: dict[str, Any]) -> list[str]:
    sig = report.get("signals") or {}
    if not sig:
        return []
    fillers = sig.get("fillers", {})
    out = ["Delivery",
           f"  {sig.get('words', 0)} words, {sig.get('wpm', 0)} words per minute; "
           f"{fillers.get('count', 0)} fillers ({fillers.get('per_minute', 0)}/min)",
           f"  hedges {sig.get('hedges', 0)} vs trade-off language {sig.get('tradeoffs', 0)}"]
    talk = sig.get("talk_time") or {}
    if talk.get("interviewer_s"):
        out.append(f"  talk time: you {_mmss(talk['candidate_s'])}, the interviewer "
                   f"{_mmss(talk['interviewer_s'])} ({100 * talk['candidate_share']:.0f} % you)")
    answers = sig.get("answers") or {}
    if answers.get("questions"):
        median = answers.get("median_s")
        out.append(f"  {answers['questions']} interviewer questions, {answers['answered']} "
                   "answered" + (f", after {median:.1f} s (median), {answers['max_s']:.1f} s "
                                 "at most" if median is not None else ""))
    silences = sig.get("long_silences", [])
    if silences:
        longest = max(s["duration_s"] for s in silences)
        out.append(f"  {len(silences)} long silences (longest {longest:.0f} s)")
    est = sig.get("estimation", {})
    checks = est.get("checks", [])
    if not checks:
        out.append("  estimation check: no derived figure (QPS, storage) to re-compute")
        return out
    out.append(f"  estimation check: {len(checks)} figures re-computed, "
               f"{est.get('flagged', 0)} off by more than 2x")
    out += [f"    {_mmss(c['at'])}  {c['text']}" for c in checks if not c["ok"]]
    return out
