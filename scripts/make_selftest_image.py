"""Render ``assets/selftest/prompt.png`` from ``assets/selftest/prompt.txt`` (DejaVu Sans).

The self-test OCRs this image and compares the result with the text it was drawn from, so the
two files must stay in step: edit the text, then run
``.venv/bin/python scripts/make_selftest_image.py``. The text is our own, written for this.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
SELFTEST = ROOT / "assets" / "selftest"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
FONT_PX = 26
MARGIN_PX = 40
LINE_GAP_PX = 14


def main() -> int:
    font_file = next((Path(f) for f in FONT_CANDIDATES if Path(f).is_file()), None)
    if font_file is None:
        print("DejaVuSans.ttf not found: install fonts-dejavu-core", file=sys.stderr)
        return 1
    font = ImageFont.truetype(str(font_file), FONT_PX)
    lines = (SELFTEST / "prompt.txt").read_text(encoding="utf-8").strip().splitlines()
    line_h = FONT_PX + LINE_GAP_PX
    width = max(int(font.getlength(line)) for line in lines) + 2 * MARGIN_PX
    height = len(lines) * line_h + 2 * MARGIN_PX
    image = Image.new("L", (width, height), color=255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((MARGIN_PX, MARGIN_PX + i * line_h), line, font=font, fill=0)
    out = SELFTEST / "prompt.png"
    image.save(out, optimize=True)
    print(f"wrote {out} ({width}x{height})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
