"""`mockcoach prompts list|show ID`: the bundled prompt library plus the user's own prompts."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "prompts",
        help="list or show the library of system-design prompts",
        description="The prompt library: bundled classics plus *.toml files in your data "
        "folder's prompts/ directory.",
    )
    actions = parser.add_subparsers(dest="prompts_action", metavar="ACTION")
    listing = actions.add_parser("list", help="one line per prompt")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="a prompt's requirements")
    show.add_argument("id", help="prompt id, as shown by `mockcoach prompts list`")
    show.add_argument("--json", action="store_true")
    parser.set_defaults(func=run, prompts_action=None, json=False)


def run(args: argparse.Namespace) -> int:
    from app.paths import user_prompts_dir
    from capture.library import LibraryError, default_dirs, load_library

    try:
        library = load_library(*default_dirs(), user_prompts_dir())
    except LibraryError as exc:
        print(f"mockcoach prompts: {exc}", file=sys.stderr)
        return 2
    action = args.prompts_action or "list"
    if action == "list":
        if args.json:
            rows = [{"id": e.id, "title": e.title, "requirements": len(e.prompt.requirements)}
                    for e in library]
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            width = max((len(e.id) for e in library), default=2)
            for e in library:
                print(f"{e.id:<{width}}  {e.title}")
        return 0
    entry = next((e for e in library if e.id == args.id), None)
    if entry is None:
        close = [e.id for e in library if args.id.lower() in e.id or e.id in args.id.lower()]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        print(f"mockcoach prompts: no prompt {args.id!r}.{hint} "
              "See `mockcoach prompts list`.", file=sys.stderr)
        return 2
    if args.json:
        payload = {"id": entry.id, "title": entry.title,
                   "requirements": [r.to_json() for r in entry.prompt.requirements]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    print(entry.title)
    labels = {"functional": "Functional", "non_functional": "Non-functional",
              "scale": "Scale", "out_of_scope": "Out of scope"}
    for kind, label in labels.items():
        items = entry.prompt.by_kind(kind)
        if items:
            print(f"\n{label}")
            for r in items:
                print(f"  {r.id:>4}  {r.text}")
    print(f"\n(file: {entry.path})")
    return 0
