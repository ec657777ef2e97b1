"""Prompt pages as people share them, rendered as full 1920x1080 screens with their truth.

The pages (``tests/capture/data/pages/pages.json``, our own words) are a doc in two columns
with a narrow gutter, a wiki page with a requirements table, and a slide in a presentation app,
each in a light and a dark variant with its own font and size. Pillow draws them (no browser,
so a render is exact and the same on every machine); the truth comes from the same blocks the
page is drawn from, so it cannot drift from the picture:

- a list item is one requirement of its section's kind;
- a table row is one requirement: its text cells joined with ": ", its kind from the kind cell
  (or the table's kind).

Used by ``scripts/render_prompt_pages.py`` (writes PNGs + truth), ``benchmarks/ocr_layout.py``
(requirement F1 on full screens) and ``tests/capture/test_layout.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO / "tests" / "capture" / "data" / "pages" / "pages.json"
SCREEN = (1920, 1080)

_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation2",
              "/usr/share/fonts/truetype/liberation")
FONTS = {  # name: (regular, bold)
    "dejavu-sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "liberation-sans": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    "liberation-serif": ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
}
THEMES = {  # page, text, chrome, muted text, rules, zebra stripe, slide canvas
    "light": ("#ffffff", "#1f2328", "#f1f3f4", "#5f6368", "#c9d1d9", "#f3f5f8", "#ffffff"),
    "dark": ("#1e1f22", "#dcdddf", "#2b2d31", "#9aa0a6", "#4a4f57", "#26282c", "#2a2c30"),
}
KIND_WORDS = {"functional": "functional", "non-functional": "non_functional",
              "out of scope": "out_of_scope"}


@dataclass(frozen=True)
class Rendered:
    """One rendered page: its name (``<page>__<theme>``), the screen and the truth."""

    name: str
    image: Image.Image
    title: str
    requirements: tuple[tuple[str, str], ...]  # (text, kind)
    heldout: bool
    batch: int = 1  # 2: written after the reader was finished, measured once


def load_pages(path: Path = PAGES) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["pages"]
    return pages


def truth(page: dict[str, Any]) -> list[tuple[str, str]]:
    """The requirements the page shows, in reading order, as ``(text, kind)``."""
    out: list[tuple[str, str]] = []

    def section(sec: dict[str, Any]) -> None:
        out.extend((str(item), str(sec["kind"])) for item in sec["items"])

    for block in page["blocks"]:
        if block["type"] == "section":
            section(block)
        elif block["type"] == "columns":
            for column in block["columns"]:
                for sec in column:
                    section(sec)
        elif block["type"] == "table":
            for row in block["rows"]:
                text = ": ".join(str(row[c]) for c in block["text_cols"])
                kind = block.get("kind")
                if "kind_col" in block:
                    kind = KIND_WORDS[str(row[block["kind_col"]]).lower()]
                out.append((text, str(kind)))
    return out


def _font(name: str, px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    file = FONTS[name][1 if bold else 0]
    for folder in _FONT_DIRS:
        candidate = Path(folder) / file
        if candidate.is_file():
            return ImageFont.truetype(str(candidate), px)
    raise FileNotFoundError(f"font {file} not found (install fonts-dejavu and fonts-liberation)")


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont,
          width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and draw.textlength(trial, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


class _Painter:
    """Draws blocks top to bottom in a content box; returns where it ended."""

    def __init__(self, image: Image.Image, variant: dict[str, Any], theme: str) -> None:
        self.draw = ImageDraw.Draw(image)
        self.px = int(variant["px"])
        self.font = _font(variant["font"], self.px)
        self.bold = _font(variant["font"], self.px, bold=True)
        self.heading = _font(variant["font"], round(self.px * 1.15), bold=True)
        self.pitch = round(self.px * 1.45)
        self.colours = THEMES[theme]
        self.rules_override = variant.get("rules")

    @property
    def ink(self) -> str:
        return self.colours[1]

    def text_lines(self, x: float, y: float, width: float, text: str,
                   font: ImageFont.FreeTypeFont | None = None) -> float:
        for line in _wrap(self.draw, text, font or self.font, width):
            self.draw.text((x, y), line, fill=self.ink, font=font or self.font)
            y += self.pitch
        return y

    def section(self, x: float, y: float, width: float, sec: dict[str, Any]) -> float:
        if sec.get("heading"):
            self.draw.text((x, y), sec["heading"], fill=self.ink, font=self.heading)
            y += round(self.pitch * 1.5)
        indent = round(self.px * 1.6)
        size = max(3, round(self.px / 3))
        _l, x_top, _r, x_bottom = self.font.getbbox("x")
        for item in sec["items"]:
            top = y + (x_top + x_bottom - size) / 2
            left = x + round(self.px * 0.5)
            self.draw.ellipse((left, top, left + size - 1, top + size - 1), fill=self.ink)
            y = self.text_lines(x + indent, y, width - indent, str(item))
            y += round(self.px * 0.25)
        return y + round(self.px * 0.8)

    def columns(self, x: float, y: float, width: float, block: dict[str, Any]) -> float:
        count = len(block["columns"])
        gutter = float(block["gutter_em"]) * self.px
        col_w = (width - gutter * (count - 1)) / count
        bottom = y
        for index, column in enumerate(block["columns"]):
            cy = y
            for sec in column:
                cy = self.section(x + index * (col_w + gutter), cy, col_w, sec)
            bottom = max(bottom, cy)
        return bottom

    def table(self, x: float, y: float, width: float, block: dict[str, Any]) -> float:
        if block.get("heading"):
            self.draw.text((x, y), block["heading"], fill=self.ink, font=self.heading)
            y += round(self.pitch * 1.6)
        rules = self.rules_override or block.get("rules", "grid")
        pad = round(self.px * 0.6)
        width *= float(block.get("width", 1.0))
        widths = [float(w) * width for w in block["widths"]]
        lefts = [x + sum(widths[:i]) for i in range(len(widths))]
        rows = [block["header"], *block["rows"]]
        tops = [y]
        for r, row in enumerate(rows):
            font = self.bold if r == 0 else self.font
            wrapped = [_wrap(self.draw, str(cell), font, w - 2 * pad)
                       for cell, w in zip(row, widths, strict=True)]
            height = max(len(lines) for lines in wrapped) * self.pitch + 2 * pad
            if rules == "none" and r % 2 == 1:
                self.draw.rectangle((x, y, x + width, y + height), fill=self.colours[5])
            for lines, left in zip(wrapped, lefts, strict=True):
                for n, line in enumerate(lines):
                    self.draw.text((left + pad, y + pad + n * self.pitch), line, fill=self.ink,
                                   font=font)
            y += height
            tops.append(y)
        rule = self.colours[4]
        if rules in ("grid", "rows"):
            for top in tops:
                self.draw.line((x, top, x + width, top), fill=rule, width=1)
        if rules == "grid":
            for left in [*lefts, x + width]:
                self.draw.line((left, tops[0], left, tops[-1]), fill=rule, width=1)
        return y + round(self.px * 1.2)

    def blocks(self, x: float, y: float, width: float, page: dict[str, Any],
               title_scale: float = 1.6) -> float:
        title_font = _font(page["variant_font"], round(self.px * title_scale), bold=True)
        self.draw.text((x, y), page["title"], fill=self.ink, font=title_font)
        y += round(self.px * title_scale * 2.0)
        for block in page["blocks"]:
            if block["type"] == "para":
                y = self.text_lines(x, y, width, block["text"]) + round(self.px * 0.8)
            elif block["type"] == "section":
                y = self.section(x, y, width, block)
            elif block["type"] == "columns":
                y = self.columns(x, y, width, block)
            elif block["type"] == "table":
                y = self.table(x, y, width, block)
        return y


def _chrome(draw: ImageDraw.ImageDraw, app: str, theme: str) -> None:
    """What surrounds the page on a shared screen: menus, a sidebar, a status line."""
    page, _ink, chrome, muted, rule, _zebra, _canvas = THEMES[theme]
    ui = _font("dejavu-sans", 13)
    w, h = SCREEN
    draw.rectangle((0, 0, w, 34), fill=chrome)
    menus = {"doc": "File   Edit   View   Insert   Format   Tools   Help",
             "wiki": "Home   Spaces   People   Apps   Create",
             "slides": "File   Edit   View   Insert   Slide   Arrange   Tools   Help"}[app]
    draw.text((16, 9), menus, fill=muted, font=ui)
    draw.text((w - 260, 9), "Share     Last edit was 2 minutes ago"[:34], fill=muted, font=ui)
    draw.line((0, 34, w, 34), fill=rule)
    side = {"doc": ["Outline", "Summary", "Requirements", "Notes"],
            "wiki": ["Engineering", "Interview prep", "System design", "Archive",
                     "Space settings"],
            "slides": []}[app]
    if side:
        draw.rectangle((0, 35, 240, h), fill=chrome)
        for n, item in enumerate(side):
            draw.text((20, 60 + n * 26), item, fill=muted, font=ui)
    draw.rectangle((0, h - 26, w, h), fill=chrome)
    draw.text((16, h - 20), {"doc": "Page 1 of 1    412 words", "wiki": "Last updated today",
                             "slides": "Slide 3 of 9"}[app], fill=muted, font=ui)
    del page


def render(page: dict[str, Any], variant: dict[str, Any]) -> Image.Image:
    """The page as a full screen in ``variant`` (theme, font, px, optional rules)."""
    theme = str(variant["theme"])
    colours = THEMES[theme]
    image = Image.new("RGB", SCREEN, colours[0])
    draw = ImageDraw.Draw(image)
    _chrome(draw, page["app"], theme)
    painter = _Painter(image, variant, theme)
    spec = dict(page, variant_font=variant["font"])
    if page["app"] == "slides":
        draw.rectangle((0, 35, 1920, 1054), fill=colours[2])
        ui = _font("dejavu-sans", 7)
        for n in range(5):  # the thumbnail strip: tiny slides with unreadable text
            top = 60 + n * 150
            draw.rectangle((24, top, 204, top + 101), fill=colours[6], outline=colours[4])
            draw.text((34, top + 10), f"Slide {n + 1}", fill=colours[3], font=ui)
        draw.rectangle((300, 70, 1840, 936), fill=colours[6])
        painter.blocks(380, 130, 1380, spec, title_scale=1.5)
        draw.text((300, 960), "Click to add speaker notes", fill=colours[3],
                  font=_font("dejavu-sans", 14))
    elif page["app"] == "wiki":
        ui = _font("dejavu-sans", 13)
        draw.text((330, 56), "Engineering  /  Interview prep", fill=colours[3], font=ui)
        painter.blocks(330, 96, 1240, spec)
    else:
        painter.blocks(420, 80, 1080, spec)
    return image


def render_all(path: Path = PAGES) -> list[Rendered]:
    out: list[Rendered] = []
    for page in load_pages(path):
        reqs = tuple(truth(page))
        for variant in page["variants"]:
            out.append(Rendered(f"{page['name']}__{variant['theme']}", render(page, variant),
                                str(page["title"]), reqs, bool(page["heldout"]),
                                int(page.get("batch", 1))))
    return out
