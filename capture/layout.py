"""Reading order for columns and tables on a prompt page, from the ink alone (before OCR).

The XY cut in ``capture.preprocess`` separates columns only at gutters of about three line
heights or more. Docs, wikis and slides use narrower ones, and a table's cells sit closer than
that, so without this module:

- two columns with a narrow gutter are read line by line across both ("Riders request a ride
  ... A driver is matched within 5 s"), each requirement interleaved with its neighbour's;
- a table on a full screen comes out cell by cell and line by line, a wrapped cell's second
  line far from its first.

Here, working on the line boxes ("leaves") of the XY cut:

- ``split_columns`` finds a gutter as an x-interval blank in every line of a run of lines
  stacked one under another (a word gap is never blank in all of them), and cuts each line
  of the run there; the run is then read column after column.
- ``find_tables`` finds tables by what separates their rows: horizontal rules (grid or
  "rows" style) or zebra stripes, three or more of them spanning the same width, with cells
  in two or more columns between them. Each row's lines are cut at the column gutters of the
  whole table; a cell is every line of one row in one column, so a requirement wrapped inside
  its cell comes back whole, and ``capture.ocr`` joins a row's cells into one line (" | ").

Plain aligned text with no rules or stripes is not taken for a table: without a separator the
rows of a table and two text columns look alike, and reading a table column-wise loses less
than reading prose row-wise.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

Box = tuple[int, int, int, int]  # left, top, right, bottom
Interval = tuple[int, int]
MAX_ROW_LINES = 8  # a table row (a cell wrapped over several lines) is at most this high


def runs(flags: np.ndarray, min_gap: int) -> list[Interval]:
    """``[start, end)`` of the inked stretches, bridging blank gaps shorter than ``min_gap``."""
    padded = np.concatenate(([False], flags, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    if starts.size == 0:
        return []
    keep = np.flatnonzero(starts[1:] - ends[:-1] >= min_gap)
    begin = np.concatenate(([starts[0]], starts[keep + 1]))
    finish = np.concatenate((ends[keep], [ends[-1]]))
    return [(int(a), int(b)) for a, b in zip(begin, finish, strict=True)]


def long_runs(mask: np.ndarray, length: int, axis: int = 1) -> np.ndarray:
    """Pixels inside a run of ink at least ``length`` long along ``axis`` (1: horizontal).

    A morphological opening with a 1 x ``length`` line, by doubling shifts: ~2 log2(length)
    whole-array boolean operations, no per-pixel Python.
    """
    if mask.shape[axis] < length:
        return np.zeros_like(mask)
    moved = np.moveaxis(mask, axis, 0)
    eroded = moved.copy()  # eroded[i]: ink all along [i, i + length)
    span = 1
    while span < length:
        step = min(span, length - span)
        eroded[:-step] &= eroded[step:]
        eroded[-step:] = False
        span += step
    opened = eroded.copy()  # opened[i]: some such run covers i
    span = 1
    while span < length:
        step = min(span, length - span)
        opened[step:] |= opened[:-step].copy()
        span += step
    return np.moveaxis(opened, 0, axis)


def _ink_box(mask: np.ndarray, box: Box) -> Box | None:
    """``box`` shrunk to the ink inside it; None when it holds none."""
    x0, y0, x1, y1 = box
    sub = mask[y0:y1, x0:x1]
    rows, cols = np.flatnonzero(sub.any(axis=1)), np.flatnonzero(sub.any(axis=0))
    if rows.size == 0:
        return None
    return x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1


def _ink_spans(mask: np.ndarray, box: Box, min_gap: int) -> list[Interval]:
    """The inked x-stretches of a line box (absolute x), gaps under ``min_gap`` bridged."""
    x0, y0, x1, y1 = box
    return [(x0 + a, x0 + b) for a, b in runs(np.asarray(mask[y0:y1, x0:x1].any(axis=0)),
                                               min_gap)]


def _word_gap(mask: np.ndarray, box: Box, line: float) -> float:
    """The median gap between the words of a line box (px): a gutter is much wider than it,
    while in monospaced text a space is as wide as a narrow gutter and lines up across lines."""
    x0, y0, x1, y1 = box
    glyphs = runs(np.asarray(mask[y0:y1, x0:x1].any(axis=0)), 1)
    gaps = [b[0] - a[1] for a, b in pairwise(glyphs) if b[0] - a[1] >= 0.35 * line]
    return float(np.median(gaps)) if gaps else 0.0


# --- columns ------------------------------------------------------------------------------


def _stacks(leaves: list[Box], line: float) -> list[list[int]]:
    """Leaves grouped into vertical stacks: each one directly under the last of its stack."""
    stacks: list[list[int]] = []
    for index, leaf in enumerate(leaves):
        best: list[int] | None = None
        for stack in stacks:
            last = leaves[stack[-1]]
            gap = leaf[1] - last[3]
            overlap = min(leaf[2], last[2]) - max(leaf[0], last[0])
            if -0.3 * line <= gap <= 2.5 * line and overlap > 0 and (
                best is None or last[3] > leaves[best[-1]][3]
            ):
                best = stack
        if best is None:
            stacks.append([index])
        else:
            best.append(index)
    return stacks


def _gutter(mask: np.ndarray, leaves: list[Box], min_gap: int,
            line: float) -> tuple[Interval, int] | None:
    """The widest x-interval blank in the first ``n`` leaves (``n`` >= 3, as many as hold),
    with text on both sides of it in two or more of them; ``(interval, n)``."""
    first = _ink_spans(mask, leaves[0], min_gap)
    word_gap = _word_gap(mask, leaves[0], line)
    candidates = [(a[1], b[0]) for a, b in pairwise(first)
                  if a[1] - first[0][0] >= 4 * line and first[-1][1] - b[0] >= 4 * line
                  and b[0] - a[1] >= 2 * word_gap]
    best: tuple[Interval, int] | None = None
    for candidate in candidates:
        left, right = candidate
        both = 1
        count = 1
        for leaf in leaves[1:]:
            spans = _ink_spans(mask, leaf, min_gap)
            crossing = [s for s in spans if s[0] < right and s[1] > left]
            if crossing:
                # the gutter narrows to what this line leaves blank, if enough is left
                narrowed = (left, right)
                for a, b in crossing:
                    if a <= left + min_gap // 2 and b < right:
                        narrowed = (max(narrowed[0], b), narrowed[1])
                    elif b >= right - min_gap // 2 and a > left:
                        narrowed = (narrowed[0], min(narrowed[1], a))
                    else:
                        narrowed = (0, 0)
                if narrowed[1] - narrowed[0] < min_gap:
                    break
                left, right = narrowed
            count += 1
            if any(s[1] <= left for s in spans) and any(s[0] >= right for s in spans):
                both += 1
        if count >= 3 and both >= 2 and (best is None or count > best[1]):
            best = ((left, right), count)
    return best


def _split_bridges(mask: np.ndarray, leaves: list[Box], min_gap: int,
                   line: float) -> list[Box]:
    """Cut a line that bridges two columns: one of its gaps lies between a line just above or
    below it on the left and one on the right, neither of which crosses that gap."""
    out: list[Box] = []
    boxes = np.array(leaves, dtype=np.int64).reshape(-1, 4)
    for leaf in leaves:
        x0, y0, x1, y1 = leaf
        above, below = y0 - boxes[:, 3], boxes[:, 1] - y1
        close = ((above >= 0) & (above <= 2.5 * line)) | ((below >= 0) & (below <= 2.5 * line))
        close &= boxes[:, 2] - boxes[:, 0] >= 4 * line  # lines of text, not a table's cells
        if x1 - x0 < 8 * line or y1 - y0 > 2 * line or not close.any():  # one line only
            out.append(leaf)
            continue
        near = [tuple(int(v) for v in row) for row in boxes[close]]
        spans = _ink_spans(mask, leaf, min_gap)
        word_gap = _word_gap(mask, leaf, line)
        cut_at: Interval | None = None
        for a, b in pairwise(spans):
            left, right = a[1], b[0]
            if right - left < 2 * word_gap:
                continue
            on_left = any(o[2] <= right and o[2] > spans[0][0] and o[0] < left for o in near)
            on_right = any(o[0] >= left and o[0] < spans[-1][1] and o[2] > right for o in near)
            if on_left and on_right and left - spans[0][0] >= 4 * line \
                    and spans[-1][1] - right >= 4 * line:
                cut_at = (left, right)
                break
        if cut_at is None:
            out.append(leaf)
            continue
        for part in ((x0, y0, cut_at[0], y1), (cut_at[1], y0, x1, y1)):
            inked = _ink_box(mask, part)
            if inked is not None:
                out.append(inked)
    return out


def split_columns(mask: np.ndarray, leaves: list[Box], line: float) -> list[Box]:
    """Leaves with narrow-gutter columns cut apart, each run of them read column by column.

    A gutter must be at least a line height wide (word gaps are a third of that) and blank in
    three or more stacked lines, with at least four line heights of text on each side (so a
    numbered list's numbers are not a column). A single line that runs across the gutter (the
    two columns' lines so close that the cut kept them as one) is cut where lines of the left
    and of the right column sit just above or below it.
    """
    min_gap = max(6, round(1.0 * line))
    order = list(leaves)
    for _ in range(4):  # each cut can expose the next bridging line's neighbours
        cut = _split_bridges(mask, order, min_gap, line)
        if len(cut) == len(order):
            break
        order = cut
    replaced: dict[int, list[Box]] = {}
    dropped: set[int] = set()
    for stack in _stacks(order, line):
        start = 0
        while start < len(stack) - 2:
            found = _gutter(mask, [order[k] for k in stack[start:]], min_gap, line)
            if found is None:
                start += 1
                continue
            (left, right), count = found
            members = stack[start:start + count]
            lefts: list[Box] = []
            rights: list[Box] = []
            for k in members:
                x0, y0, x1, y1 = order[k]
                for part, into in (((x0, y0, min(x1, left), y1), lefts),
                                   ((max(x0, right), y0, x1, y1), rights)):
                    if part[2] > part[0]:
                        inked = _ink_box(mask, part)
                        if inked is not None:
                            into.append(inked)
            replaced[members[0]] = lefts + rights
            dropped.update(members[1:])
            start += count
    out: list[Box] = []
    for index, leaf in enumerate(order):
        if index in dropped:
            continue
        out.extend(replaced.get(index, [leaf]))
    return out


def reading_order(leaves: list[Box], line: float) -> list[Box]:
    """Side-by-side text columns read one after the other, everything else as the cut gave it.

    The XY cut yields lines strip by strip across the whole screen, so the lines of two
    columns come interleaved. A stack is a run of lines each directly under the last (at most
    2.5 line heights below, overlapping it); a stack at least 12 line heights wide that has
    another such stack beside it (two or more of its lines level with that stack's lines) is a
    text column and is read whole where it starts, and so is a stack left of every wide one
    with lines level with it (a sidebar). Other narrow stacks
    (the columns of an unruled table) keep the cut's row-by-row order, which keeps a table's
    figures next to their labels.
    """
    stacks = [s for s in _stacks(leaves, line) if len(s) >= 2]
    boxes = [(min(leaves[k][0] for k in s), min(leaves[k][1] for k in s),
              max(leaves[k][2] for k in s), max(leaves[k][3] for k in s)) for s in stacks]
    wide = [i for i, b in enumerate(boxes) if b[2] - b[0] >= 12 * line]

    def beside(a: Box, b: Box) -> bool:  # level with each other, not overlapping across
        return a[1] < b[3] and b[1] < a[3] and (a[0] >= b[2] or a[2] <= b[0])

    owner: dict[int, int] = {}
    for i in range(len(stacks)):
        others = [j for j in wide if j != i]
        if not (i in wide or boxes[i][2] <= min((boxes[j][0] for j in others), default=0)):
            continue
        for j in others:  # two or more of its lines level with lines of the other stack
            level = sum(any(beside(leaves[a], leaves[b]) for b in stacks[j]) for a in stacks[i])
            if level >= 2:
                owner.update(dict.fromkeys(stacks[i], i))
                break
    out: list[Box] = []
    done: set[int] = set()
    for k, leaf in enumerate(leaves):
        if k not in owner:
            out.append(leaf)
        elif owner[k] not in done:
            done.add(owner[k])
            out.extend(leaves[m] for m in stacks[owner[k]])
    return out


# --- tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """The line pieces of one table cell; ``row``/``column`` count from 0 within ``table``."""

    table: int
    row: int
    column: int
    leaves: tuple[Box, ...]


@dataclass(frozen=True)
class Table:
    box: Box
    cells: tuple[Cell, ...]  # row by row, left to right
    members: frozenset[int]  # indices of the leaves it took


def separators(pixels: np.ndarray, mask: np.ndarray, line: float) -> list[tuple[int, Interval]]:
    """Horizontal rules and the top and bottom edges of stripes: ``(y, (x0, x1))``.

    Where "not the page colour" (ink, a rule, a tinted stripe with its text) running at least
    six line heights across starts or stops from one pixel row to the next, over at least
    that width. A panel beside the page (a sidebar) is the same on every row, so it makes no
    separator except at its own top and bottom; a rule gives two edges a pixel apart, merged.
    """
    background = int(np.bincount(pixels.ravel(), minlength=256).argmax())
    not_page = np.abs(pixels.astype(np.int16) - background) >= 3
    length = max(60, round(6 * line))
    across = long_runs(not_page | mask, length, axis=1)
    edges = long_runs(across[1:] ^ across[:-1], length, axis=1)
    out: list[tuple[int, Interval]] = []
    for top, bottom in runs(np.asarray(edges.any(axis=1)), 6):
        for x0, x1 in runs(np.asarray(edges[top:bottom].any(axis=0)), max(6, round(line))):
            if x1 - x0 >= length:  # each rule of the band apart (a thumbnail's beside a table's)
                out.append(((top + bottom) // 2 + 1, (x0, x1)))
    return out


def _same_extent(a: Interval, b: Interval, line: float) -> bool:
    return abs(a[0] - b[0]) <= 1.5 * line and abs(a[1] - b[1]) <= 1.5 * line


def find_tables(pixels: np.ndarray, mask: np.ndarray, leaves: list[Box],
                line: float) -> list[Table]:
    """Ruled or striped tables among the leaves, their cells in reading order."""
    seps = sorted(separators(pixels, mask, line))
    used: set[int] = set()
    tables: list[Table] = []
    for i, (_y, extent) in enumerate(seps):
        if i in used:
            continue
        chain = [i]
        for j in range(i + 1, len(seps)):
            if seps[j][0] - seps[chain[-1]][0] > MAX_ROW_LINES * line:
                break  # a table's rows are a few lines high; this is the page around it
            if _same_extent(seps[j][1], extent, line):
                chain.append(j)
        if len(chain) < 3:
            continue
        table = _table(mask, leaves, [seps[j][0] for j in chain], extent, line, len(tables))
        if table is not None:
            used.update(chain)
            tables.append(table)
    return tables


def _table(mask: np.ndarray, leaves: list[Box], ys: list[int], extent: Interval, line: float,
           number: int) -> Table | None:
    x0, x1 = extent

    def within(top: float, bottom: float) -> list[int]:
        return [k for k, leaf in enumerate(leaves)
                if top <= (leaf[1] + leaf[3]) / 2 < bottom and leaf[0] >= x0 - line
                and leaf[2] <= x1 + line and not leaf[1] < top < leaf[3]
                and not leaf[1] < bottom < leaf[3]]

    rows = [inside for top, bottom in pairwise(ys) if (inside := within(top, bottom))]
    if len(rows) < 2:
        return None
    region = np.zeros(mask.shape[1], dtype=bool)
    for k in {k for row in rows for k in row}:
        lx0, ly0, lx1, ly1 = leaves[k]
        region[lx0:lx1] |= mask[ly0:ly1, lx0:lx1].any(axis=0)
    columns = runs(region, max(6, round(0.8 * line)))
    if len(columns) < 2:
        return None
    split = [_cells(mask, leaves, row, columns) for row in rows]
    if sum(len(cells) >= 2 for cells in split) < 2:
        return None
    # a striped table: its unstriped first (header) and last rows lie outside the stripes
    heights = sorted(bottom - top for top, bottom in pairwise(ys))
    step = heights[len(heights) // 2]
    for top, bottom, at_end in ((ys[0] - step, ys[0], False), (ys[-1], ys[-1] + step, True)):
        extra = within(top, bottom)
        if not extra:
            continue
        near = (ys[0] - max(leaves[k][3] for k in extra) if not at_end
                else min(leaves[k][1] for k in extra) - ys[-1])
        cells = _cells(mask, leaves, extra, columns) if near <= line else {}
        if len(cells) >= 2:  # a heading over the table is apart from it, and one piece
            rows = [*rows, extra] if at_end else [extra, *rows]
            split = [*split, cells] if at_end else [cells, *split]
    out = tuple(Cell(number, r, c, tuple(sorted(pieces, key=lambda b: (b[1], b[0]))))
                for r, cells in enumerate(split) for c, pieces in sorted(cells.items()))
    members = frozenset(k for row in rows for k in row)
    top_y = min(leaves[k][1] for k in members)
    bottom_y = max(leaves[k][3] for k in members)
    return Table((x0, top_y, x1, bottom_y), out, members)


def _cells(mask: np.ndarray, leaves: list[Box], row: list[int],
           columns: list[Interval]) -> dict[int, list[Box]]:
    """One row's line boxes cut at the table's column gutters: column -> pieces (the outer
    columns reach to the row's ends: a header or last row wider than the others is kept)."""
    cuts = [(a[1] + b[0]) // 2 for a, b in pairwise(columns)]  # the middle of each gutter
    bounds = list(zip([-(10**9), *cuts], [*cuts, 10**9], strict=True))
    pieces: dict[int, list[Box]] = {}
    for k in row:
        lx0, ly0, lx1, ly1 = leaves[k]
        for c, (cx0, cx1) in enumerate(bounds):
            part = (max(lx0, cx0), ly0, min(lx1, cx1), ly1)
            if part[2] > part[0]:
                inked = _ink_box(mask, part)
                if inked is not None:
                    pieces.setdefault(c, []).append(inked)
    return pieces
