"""Render the prompt pages (two-column docs, wiki tables, slides) as 1920x1080 PNGs with truth.

    .venv/bin/python scripts/render_prompt_pages.py OUT_DIR

Writes ``<page>__<theme>.png`` (the full screen) and ``<page>__<theme>.json`` (``title``,
``heldout``, ``requirements``: ``[[kind, text], ...]`` in reading order) for every page and
variant of ``tests/capture/data/pages/pages.json``; the drawing is
``benchmarks/_prompt_pages.py``. ``mockcoach ocr OUT_DIR/<page>__<theme>.png`` reads one back.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._prompt_pages import render_all


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    pages = render_all()
    for page in pages:
        page.image.save(out / f"{page.name}.png")
        truth = {"title": page.title, "heldout": page.heldout,
                 "requirements": [[kind, text] for text, kind in page.requirements]}
        (out / f"{page.name}.json").write_text(json.dumps(truth, indent=1) + "\n",
                                               encoding="utf-8")
    print(f"{len(pages)} pages written to {out} "
          f"({sum(p.heldout for p in pages)} held out)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
