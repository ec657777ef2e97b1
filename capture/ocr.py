"""Text from an image with Tesseract, fast and predictable on a small laptop.

We drive the ``tesseract`` binary the way pytesseract does (image in, text out through a
subprocess) but with our own environment and command per call: pytesseract reads both from
process-wide globals (``os.environ``, ``pytesseract.tesseract_cmd``), and we need
``OMP_THREAD_LIMIT=1`` (Tesseract's OpenMP threads make it 2-3x slower on 2 cores) and a
per-call command without mutating anything global.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from capture.preprocess import Box, PreprocessOptions, prepare

NO_TEXT_FOUND = "no text found"
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_PSM = 3  # automatic page segmentation: screens hold columns, sidebars and toolbars
BLOCK_PSM = 6  # one uniform block: what each page is once ``prepare`` has cut the layout

INSTALL_HELP = (
    "Tesseract OCR is not installed (or not on PATH). Install it:\n"
    "  Debian/Ubuntu: sudo apt-get install tesseract-ocr\n"
    "  macOS:         brew install tesseract\n"
    "  Windows:       winget install UB-Mannheim.TesseractOCR "
    "(then add C:\\Program Files\\Tesseract-OCR to PATH)"
)


class TesseractMissing(Exception):
    """The tesseract binary cannot be run; the message says how to install it."""

    def __init__(self, command: str, detail: str = "") -> None:
        extra = f" ({detail})" if detail else ""
        super().__init__(f"{INSTALL_HELP}\nTried: {command}{extra}")
        self.command = command


class OcrError(Exception):
    """Tesseract ran but failed or took longer than the timeout."""


@dataclass(frozen=True)
class OcrResult:
    """What Tesseract read. ``text`` is empty when the image holds no text (see ``message``)."""

    text: str
    seconds: float
    steps: tuple[str, ...] = ()

    @property
    def no_text(self) -> bool:
        return not self.text.strip()

    @property
    def message(self) -> str:
        return NO_TEXT_FOUND if self.no_text else ""


def read_text(
    image: Image.Image | str | Path,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    tesseract_cmd: str | None = None,
    psm: int | None = None,
    lang: str = "eng",
    preprocess: PreprocessOptions | None = None,
    workers: int | None = None,
) -> OcrResult:
    """OCR one image. Blocking (run it off the GUI thread); never raises for a text-free image.

    The text blocks found by ``prepare`` go to Tesseract as pages of one multi-page image; a
    large capture is split in two runs of consecutive blocks that run side by side (``workers``,
    default: 2 when a second core is free, see ``default_workers``). Raises
    ``TesseractMissing`` when the binary cannot be started, ``OcrError`` on timeout or a
    Tesseract failure, ``OSError``/``ValueError`` for a file that is not an image.
    """
    started = time.perf_counter()
    command = resolve_tesseract(tesseract_cmd)
    if isinstance(image, (str, Path)):
        image = load_image(Path(image))
    prepared = prepare(image, preprocess)
    if prepared.blank:
        return OcrResult("", time.perf_counter() - started, prepared.steps)
    pages = [page.image for page in prepared.pages]
    bullets = {id(page.image): page.bullets for page in prepared.pages}
    groups = split_pages(pages, workers if workers is not None else default_workers())
    steps = prepared.steps + ((f"{len(groups)} tesseract runs",) if len(groups) > 1 else ())

    if psm is None:  # cut into blocks already: read each row by row (tables stay rows)
        psm = BLOCK_PSM if any(s.startswith("blocks") for s in prepared.steps) else DEFAULT_PSM
    mode = psm

    def run(group: list[Image.Image]) -> list[str]:
        return run_tesseract(group, command=command, psm=mode, lang=lang, timeout_s=timeout_s,
                             bullets=[bullets[id(page)] for page in group])

    if len(groups) == 1:
        texts = run(groups[0])
    else:
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            texts = [text for done in pool.map(run, groups) for text in done]
    text = ""
    row: tuple[int, int] | None = None
    for page, page_text in zip(prepared.pages, texts, strict=True):
        if not page_text.strip():
            continue
        if page.cell is not None:  # a table cell: its lines are one text, a row one line
            cell = " ".join(page_text.split())
            here = page.cell[:2]
            if row == here:
                text += TABLE_CELL_SEP + cell
            else:
                new_table = row is None or row[0] != here[0]
                text += ("\n\n" if new_table else "\n") + cell if text else cell
            row = here
            continue
        row = None
        text += ("\n" if page.continues else "\n\n") + page_text if text else page_text
    return OcrResult(clean_text(text), time.perf_counter() - started, steps)


TABLE_CELL_SEP = " | "  # between the cells of a table row in ``OcrResult.text``


PARALLEL_MIN_PX = 700_000  # below this a second Tesseract's start-up (~0.1 s CPU) is not repaid


def default_workers() -> int:
    """2 Tesseract runs when a second core is free, else 1.

    Measured on the 2-core build machine (Qt full screens): side by side the runs finish in
    ~60 % of the time when the machine is idle, but when other work keeps the cores busy (load
    average at or above cores - 1, e.g. Whisper transcribing during a mock) the second run only
    competes with it and adds its start-up cost (~0.1-0.2 s CPU), so one run is faster.
    """
    cores = os.cpu_count() or 1
    if cores < 2:
        return 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows has no load average: assume a free core
        load = 0.0
    return 2 if load + 1.0 <= cores else 1


def split_pages(pages: list[Image.Image], workers: int) -> list[list[Image.Image]]:
    """Consecutive runs of pages with about equal pixel counts (Tesseract's cost follows pixels).

    Consecutive, so that joining the runs' texts keeps the reading order.
    """
    areas = [p.width * p.height for p in pages]
    total = sum(areas)
    if workers < 2 or len(pages) < 2 or total < PARALLEL_MIN_PX:
        return [pages]
    best, best_cost = 1, total
    running = 0
    for cut in range(1, len(pages)):
        running += areas[cut - 1]
        cost = max(running, total - running)
        if cost < best_cost:
            best, best_cost = cut, cost
    if best_cost > 0.85 * total:  # one block holds nearly everything: a second run buys nothing
        return [pages]
    return [pages[:best], pages[best:]]


def load_image(path: Path) -> Image.Image:
    """Open an image file with an actionable error for the common mistakes."""
    if not path.is_file():
        raise FileNotFoundError(f"No such image: {path}")
    try:
        with Image.open(path) as opened:
            opened.load()
            return opened.copy()
    except (OSError, Image.DecompressionBombError) as exc:
        raise ValueError(
            f"{path} is not an image Pillow can read (PNG, JPEG, TIFF, BMP, WebP): {exc}"
        ) from exc


def resolve_tesseract(tesseract_cmd: str | None = None) -> str:
    """The tesseract executable to run, or ``TesseractMissing``.

    Order: the explicit argument, ``MOCKCOACH_TESSERACT``, PATH, and the usual install folders
    on Windows and macOS (GUI apps there often start without the shell's PATH).
    """
    wanted = tesseract_cmd or os.environ.get("MOCKCOACH_TESSERACT") or "tesseract"
    found = shutil.which(wanted)
    if found:
        return found
    if tesseract_cmd is None and "MOCKCOACH_TESSERACT" not in os.environ:
        for candidate in _usual_locations():
            if candidate.is_file():
                return str(candidate)
    raise TesseractMissing(wanted, "not found")


def _usual_locations() -> list[Path]:
    if sys.platform == "win32":
        roots = [os.environ.get("PROGRAMFILES", r"C:\Program Files"),
                 os.environ.get("LOCALAPPDATA", "")]
        return [Path(r) / "Tesseract-OCR" / "tesseract.exe" for r in roots if r]
    if sys.platform == "darwin":
        return [Path("/opt/homebrew/bin/tesseract"), Path("/usr/local/bin/tesseract")]
    return [Path("/usr/bin/tesseract"), Path("/usr/local/bin/tesseract")]


def tesseract_env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def run_tesseract(
    pages: list[Image.Image], *, command: str, psm: int, lang: str, timeout_s: float,
    bullets: Sequence[Sequence[Box]] | None = None,
) -> list[str]:
    """One Tesseract run over ``pages`` (an uncompressed multi-page TIFF on stdin, so no encode
    or decode cost and one model load); word boxes (TSV) come back on stdout and give one text
    per page. ``bullets``: per page, the bullet glyphs ``prepare`` erased; the lines they
    stood before start with "• ". Killed after ``timeout_s``."""
    tsv = tesseract_tsv(pages, command=command, psm=psm, lang=lang, timeout_s=timeout_s)
    return page_texts(tsv, len(pages), bullets)


def tesseract_tsv(
    pages: list[Image.Image], *, command: str, psm: int, lang: str, timeout_s: float
) -> str:
    """Tesseract's word boxes (TSV) for ``pages``, with the errors a person can act on (also
    what ``capture.diagram`` reads its labels from)."""
    buffer = io.BytesIO()
    first, *rest = pages
    first.save(buffer, format="TIFF", save_all=True, append_images=rest, compression="raw")
    args = [command, "stdin", "stdout", "--psm", str(psm), "-l", lang, "tsv"]
    try:
        done = subprocess.run(
            args,
            input=buffer.getvalue(),
            capture_output=True,
            timeout=timeout_s,
            env=tesseract_env(),
            check=False,
        )
    except FileNotFoundError as exc:
        raise TesseractMissing(command, str(exc)) from exc
    except PermissionError as exc:
        raise TesseractMissing(command, f"not executable: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise OcrError(
            f"Tesseract took longer than {timeout_s:.0f} s; try a smaller region."
        ) from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        message = detail[-1] if detail else f"exit code {done.returncode}"
        if "Failed loading language" in done.stderr.decode("utf-8", "replace"):
            message += f" (install the Tesseract language data for {lang!r})"
        raise OcrError(f"Tesseract failed: {message}")
    return done.stdout.decode("utf-8", "replace")


def page_texts(tsv: str, count: int,
               bullets: Sequence[Sequence[Box]] | None = None) -> list[str]:
    """The text of each page of a multi-page TSV (``""`` for a page with no words)."""
    lines = tsv.splitlines()
    header, rows = (lines[0], lines[1:]) if lines else ("", [])
    by_page: dict[int, list[str]] = {}
    for row in rows:
        page = row.split("\t", 2)[1] if row.count("\t") >= 2 else ""
        if page.isdigit():
            by_page.setdefault(int(page), []).append(row)
    marks = list(bullets or [])
    marks += [()] * (count - len(marks))
    return [text_from_tsv("\n".join([header, *by_page.get(n, [])]), bullets=marks[n - 1])
            for n in range(1, count + 1)]


@dataclass
class _Segment:
    """Part of a line as Tesseract boxed it: where it sits and its words."""

    block: str
    par: tuple[str, str]
    left: int
    right: int
    tops: list[int]
    bottoms: list[int]
    words: list[str]

    # medians, so that one tall glyph ("=", "|") does not stretch the line
    @property
    def top(self) -> int:
        return sorted(self.tops)[len(self.tops) // 2]

    @property
    def bottom(self) -> int:
        return sorted(self.bottoms)[len(self.bottoms) // 2]

    @property
    def height(self) -> int:
        return max(1, self.bottom - self.top)


def text_from_tsv(tsv: str, *, gap_factor: float = 8.0, join_factor: float = 1.5,
                  bullets: Sequence[Box] = ()) -> str:
    """Rebuild lines from Tesseract's word boxes, fixing its two layout slips on screenshots.

    - A gap many times the text height inside one line means two columns (a sidebar item next
      to the document line: "Meeting details Design Pastebin"): the parts become two lines.
    - A line cut in two at an ordinary word gap, its tail put in a block of its own (seen with
      long monospace lines), is joined back.
    Blank lines separate Tesseract's paragraphs and blocks, as in its plain-text output.
    A line that had a bullet glyph before it (``bullets``, found and erased by ``prepare``)
    starts with "• ".
    """
    rows: dict[tuple[str, str, str], list[tuple[int, int, int, int, str]]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        if _is_ghost(cells[11].strip(), cells[10]):
            continue
        left, top, width, height = (int(c) for c in cells[6:10])
        rows.setdefault((cells[2], cells[3], cells[4]), []).append(
            (left, top, left + width, top + height, cells[11].strip())
        )
    segments: list[_Segment] = []
    for (block, par, _line), words in rows.items():
        heights = sorted(b - t for _, t, _, b, _ in words)
        limit = gap_factor * max(8, heights[len(heights) // 2])
        current: _Segment | None = None
        for left, top, right, bottom, text in words:
            if current is not None and left - current.right <= limit:
                current.right = right
                current.words.append(text)
                current.tops.append(top)
                current.bottoms.append(bottom)
                continue
            current = _Segment(block, (block, par), left, right, [top], [bottom], [text])
            segments.append(current)
    kept: list[_Segment] = []
    for segment in segments:
        host = next((k for k in kept if _continues_line(k, segment, join_factor)), None)
        if host is None:
            kept.append(segment)
        else:
            host.words, host.right = host.words + segment.words, segment.right
            host.tops, host.bottoms = host.tops + segment.tops, host.bottoms + segment.bottoms
    for dot in bullets:
        marked = _bulleted_segment(kept, dot)
        if marked is not None:
            marked.words.insert(0, BULLET_MARK)
    lines: list[str] = []
    previous: tuple[str, str] | None = None
    for segment in kept:
        if previous is not None and segment.par != previous:
            lines.append("")
        lines.append(" ".join(segment.words))
        previous = segment.par
    return "\n".join(lines)


BULLET_MARK = "•"


def _bulleted_segment(segments: list[_Segment], dot: Box) -> _Segment | None:
    """The line a bullet stood before: level with it, starting just right of it."""
    x0, y0, x1, y1 = dot
    centre = (y0 + y1) / 2
    best: _Segment | None = None
    for segment in segments:
        if segment.words[:1] == [BULLET_MARK]:
            continue
        slack = 0.35 * segment.height
        if not segment.top - slack <= centre <= segment.bottom + slack:
            continue
        gap = segment.left - x1
        if -1 <= gap <= 3 * max(segment.height, x1 - x0) and (
            best is None or segment.left < best.left
        ):
            best = segment
    return best


_BULLET_GLYPHS = set("•·●○◦▪■-–—*+>#")


def _is_ghost(word: str, confidence: str) -> bool:
    """A lone symbol Tesseract is unsure of: what it makes of a wide gap or a UI glyph ("=")."""
    if len(word) != 1 or word.isalnum() or word in _BULLET_GLYPHS:
        return False
    try:
        return float(confidence) < 50.0
    except ValueError:
        return False


def _continues_line(host: _Segment, tail: _Segment, join_factor: float) -> bool:
    if host.block == tail.block or max(host.height, tail.height) > 1.5 * min(
        host.height, tail.height
    ):
        return False
    if _is_rule_garbage(" ".join(host.words)) or _is_rule_garbage(" ".join(tail.words)):
        return False
    overlap = min(host.bottom, tail.bottom) - max(host.top, tail.top)
    if overlap < 0.6 * min(host.height, tail.height):
        return False
    gap = tail.left - host.right
    return 0 <= gap <= join_factor * max(host.height, tail.height)


def clean_text(text: str) -> str:
    """Normalise what Tesseract prints: no form feeds, no trailing blanks, one blank line max."""
    lines = [line.rstrip() for line in text.replace("\f", "\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if _is_rule_garbage(line):
            line = ""
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _is_rule_garbage(line: str) -> bool:
    """What Tesseract makes of a dashed rule or a row of dots: "te te te te", "te th Hh te FR"."""
    tokens = line.split()
    if not all(len(t) <= 2 for t in tokens):
        return False
    return len(tokens) >= 5 or (len(tokens) >= 4 and len(set(tokens)) <= 3)


def tesseract_version(tesseract_cmd: str | None = None) -> str:
    """``"5.3.0"``-style version, or ``TesseractMissing`` (used by ``mockcoach doctor``)."""
    command = resolve_tesseract(tesseract_cmd)
    try:
        done = subprocess.run(
            [command, "--version"], capture_output=True, timeout=10, env=tesseract_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TesseractMissing(command, str(exc)) from exc
    first = (done.stdout or done.stderr).decode("utf-8", "replace").strip().splitlines()
    return first[0].split()[-1] if first else "unknown"
