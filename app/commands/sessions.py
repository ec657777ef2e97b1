"""`mockcoach sessions list|show|export|delete|recover` — the saved mocks, from the command line.

JSON shapes (contracts, documented in README.md):
- ``list --json``: an array, newest first, of ``{"id", "started_at", "ended_at", "title",
  "framework", "round_s", "duration_s", "status", "coverage_pct", "notes"}``.
- ``show --json``: that object plus ``audio_file``, ``settings``, ``report``, ``segments``,
  ``phases``, ``phase_changes``, ``captures``, ``coverage``, ``nudges``, ``diagrams``,
  ``scorecard`` and ``study`` (``app/debrief.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.store import SessionStore

FORMATS = ("md", "html", "srt", "vtt", "jsonl")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "sessions", help="list, show, export or delete saved mock sessions",
        description="The mock sessions saved in your data folder. Without ACTION: list.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    p = actions.add_parser("list", help="saved sessions, newest first")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument("--search", metavar="TEXT", help="only sessions whose transcript or title "
                   "contains these words")
    p = actions.add_parser("show", help="one session in full")
    p.add_argument("id", type=int, metavar="ID", help="a session id from `sessions list`")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p = actions.add_parser("export", help="write a session as Markdown, HTML, SRT, VTT or JSONL")
    p.add_argument("id", type=int, metavar="ID", help="a session id from `sessions list`")
    p.add_argument("--format", "-f", choices=FORMATS, default="md",
                   help="md (default), html (self-contained report), or the transcript as "
                   "srt, vtt or jsonl")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="write here instead of standard output")
    p = actions.add_parser("delete", help="delete a session with its audio and images")
    p.add_argument("id", type=int, metavar="ID", help="a session id from `sessions list`")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p = actions.add_parser("recover", help="keep sessions cut short by a crash (all, or ID)")
    p.add_argument("id", type=int, nargs="?", metavar="ID")
    p.add_argument("--json", action="store_true")
    parser.set_defaults(func=run, action=None)


def run(args: argparse.Namespace) -> int:
    from app.settings import Settings
    from app.store import StoreError

    action = args.action or "list"
    if action in ("show", "export"):
        from app.debrief import debrief_data

        for problem in debrief_data().problems:  # a user's rubric or topic file is broken
            print(f"mockcoach: {problem}", file=sys.stderr)
    try:
        store = Settings().open_store()
    except StoreError as exc:
        print(f"mockcoach: {exc}", file=sys.stderr)
        return 1
    try:
        handler = {"list": _list, "show": _show, "export": _export, "delete": _delete,
                   "recover": _recover}[action]
        return handler(store, args)
    except StoreError as exc:
        print(f"mockcoach: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _list(store: SessionStore, args: argparse.Namespace) -> int:
    from app.presentation import clock

    sessions = store.list_sessions(search=getattr(args, "search", None))
    if getattr(args, "json", False):
        print(json.dumps([s.to_json() for s in sessions], indent=2, ensure_ascii=False))
        return 0
    if not sessions:
        print("No saved sessions yet. Start a mock in the app, or `mockcoach replay` one.")
        return 0
    print(f"{'ID':>4}  {'STARTED (UTC)':<19}  {'LENGTH':>7}  {'COVER':>5}  {'STATUS':<9}  TITLE")
    for s in sessions:
        cover = f"{s.coverage_pct:.0f}%" if s.coverage_pct is not None else "–"
        started = s.started_at[:19].replace("T", " ")
        print(f"{s.id:>4}  {started:<19}  {clock(s.duration_s):>7}  {cover:>5}  "
              f"{s.status:<9}  {s.title}")
    unfinished = [s for s in sessions if s.status == "running"]
    if unfinished:
        print(f"\n{len(unfinished)} session(s) did not finish cleanly; "
              "`mockcoach sessions recover` keeps them.", file=sys.stderr)
    return 0


def show_json(store: SessionStore, session_id: int) -> dict[str, Any]:
    from app.debrief import debrief_record, practised_prompts

    record = store.load(session_id)
    s = record.session
    audio = store.audio_file(s)
    folder = store.session_dir(s.id, create=False)
    out: dict[str, Any] = s.to_json()
    partner = any(g.speaker == "interviewer" for g in record.segments)
    out.update({
        "audio_file": str(audio) if audio else None,
        "settings": s.settings,
        "report": s.report,
        "segments": [{"start": g.start_s, "end": g.end_s, "text": g.text, "phase": g.phase,
                      **({"speaker": g.speaker} if partner else {})}
                     for g in record.segments],
        "phases": [{"phase": p.phase, "start": p.start_s, "end": p.end_s,
                    "budget_s": p.budget_s} for p in record.phase_spans],
        "phase_changes": [{"at": c.at_s, "phase": c.phase, "previous": c.previous_phase,
                           "evidence": c.evidence, "manual": c.manual}
                          for c in record.phase_changes],
        "captures": [{"at": c.at_s,
                      "image_file": str(folder / c.image_path) if c.image_path else None,
                      "ocr_text": c.ocr_text, "prompt_title": c.prompt_title,
                      "requirements": [r.to_json() for r in c.requirements]}
                     for c in record.captures],
        "coverage": [{"at": c.at_s, "item_id": c.item_id, "kind": c.kind, "label": c.label,
                      "evidence": c.evidence, "source": c.source} for c in record.coverage],
        "nudges": [{"at": n.at_s, "kind": n.kind, "text": n.text} for n in record.nudges],
        "diagrams": [{"at": d.at_s, "image_file": str(folder / d.image_path),
                      "labels": [lb.to_json() for lb in d.labels]} for d in record.diagrams],
    })
    out.update(debrief_record(record, practised=practised_prompts(store)).to_json())
    return out


def _show(store: SessionStore, args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps(show_json(store, args.id), indent=2, ensure_ascii=False))
        return 0
    from app.export import phase_rows
    from app.presentation import SPEAKER_NAMES, clock, has_partner, merge_lines

    record = store.load(args.id)
    s = record.session
    print(f"#{s.id} {s.title}")
    print(f"  started   {s.started_at}   status {s.status}")
    print(f"  length    {clock(s.duration_s)} of {clock(s.round_s)}   framework {s.framework}"
          + (f"   coverage {s.coverage_pct:.0f}%" if s.coverage_pct is not None else ""))
    audio = store.audio_file(s)
    if audio:
        print(f"  audio     {audio}")
    if s.notes:
        print(f"  notes     {s.notes}")
    rows = phase_rows(record)
    if rows:
        print("\nPhases")
        for r in rows:
            budget = clock(r.budget_s) if r.budget_s else "–"
            print(f"  {r.label:<24} {clock(r.spent_s):>7} / {budget:>7}  {r.status}")
    if record.coverage:
        print("\nAddressed")
        for c in record.coverage:
            print(f"  {clock(c.at_s):>7}  {c.kind:<11} {c.label or c.item_id}")
    from app.debrief import debrief_record, debrief_text, practised_prompts

    print()
    print("\n".join(debrief_text(debrief_record(record, practised=practised_prompts(store)))))
    print("\nTranscript")
    partner = has_partner(record.segments)
    for line in merge_lines(record.segments):
        who = f"{SPEAKER_NAMES.get(line.speaker, line.speaker)}: " if partner else ""
        print(f"  {clock(line.start_s):>7}  {who}{line.text}")
    return 0


def _export(store: SessionStore, args: argparse.Namespace) -> int:
    from app.debrief import debrief_record, practised_prompts
    from app.export import export

    record = store.load(args.id)
    debrief = debrief_record(record, practised=practised_prompts(store)) \
        if args.format in ("md", "html") else None
    text = export(record, args.format, store.session_dir(args.id, create=False), debrief)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"mockcoach: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"Wrote {args.output} ({args.format}).", file=sys.stderr)
    return 0


def _delete(store: SessionStore, args: argparse.Namespace) -> int:
    session = store.get_session(args.id)
    if not args.yes and sys.stdin.isatty():
        answer = input(f"Delete session {session.id} “{session.title}” with its audio and "
                       "images? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.", file=sys.stderr)
            return 1
    store.delete_session(args.id)
    print(f"Deleted session {args.id}.", file=sys.stderr)
    return 0


def _recover(store: SessionStore, args: argparse.Namespace) -> int:
    from app.presentation import clock
    from app.recovery import find_unfinished, recover

    candidates = find_unfinished(store)
    if args.id is not None:
        candidates = [c for c in candidates if c.session.id == args.id]
        if not candidates:
            print(f"mockcoach: session {args.id} is not waiting to be recovered.",
                  file=sys.stderr)
            return 1
    from app.batch_transcriber import terminal_progress

    recovered = [
        recover(store, c.session.id,
                progress=terminal_progress(f"transcribing session {c.session.id}'s last part"))
        for c in candidates
    ]
    if args.json:
        print(json.dumps([s.to_json() for s in recovered], indent=2, ensure_ascii=False))
    elif not recovered:
        print("Nothing to recover.")
    else:
        for s in recovered:
            print(f"Recovered session {s.id} “{s.title}” ({clock(s.duration_s)}).")
    return 0
