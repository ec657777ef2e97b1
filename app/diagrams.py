"""The candidate's diagram in a session: capture → reading → tracker evidence, and what the
review compares. Qt-free, so the live window, the CLI, the review and the exports share it.

``capture.diagram`` reads an image (labels, components); ``framework`` takes ``Drawn`` evidence.
This module is where the two meet (the libraries never import each other): it maps component
ids to checklist items through the vocabulary, decides whether a new capture is worth reading
(the picture changed), and works out "said but not drawn" / "drawn but not explained".
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.store import DiagramCapture, DrawnLabel
from framework.types import Drawn

if TYPE_CHECKING:
    from PIL.Image import Image

    from capture.diagram import DiagramReading
    from capture.diagram_vocabulary import Vocabulary

EMBED_MAX_SIDE_PX = 960  # the HTML report embeds diagrams no wider/taller than this
DEFAULT_INTERVAL_S = 20  # a pinned region is captured this often


@dataclass(frozen=True)
class DiagramResult:
    """A capture that was read: the image, what it held, and when (session seconds)."""

    image: Image
    reading: DiagramReading
    at_s: float

    @property
    def labels(self) -> tuple[DrawnLabel, ...]:
        return drawn_labels(self.reading)


def drawn_labels(reading: DiagramReading) -> tuple[DrawnLabel, ...]:
    """The store's rows for a reading: each label with the component it names, if any."""
    named = {(c.label, c.box): c.id for c in reading.components}
    return tuple(DrawnLabel(lb.text, lb.box, named.get((lb.text, lb.box)))
                 for lb in reading.labels)


def drawn_evidence(labels: Iterable[DrawnLabel], at_s: float,
                   vocabulary: Vocabulary) -> list[Drawn]:
    """One ``Drawn`` per component label: the checklist items its component addresses."""
    out = []
    for label in labels:
        kind = vocabulary.get(label.component) if label.component else None
        if kind is not None and kind.checklist:
            out.append(Drawn(label=label.text, at_s=at_s, items=kind.checklist))
    return out


class ChangeFilter:
    """Says whether a capture differs from the last one read, so a pinned region captured
    every N seconds adds nothing while the diagram is unchanged. Thread-safe: the timer's
    worker asks, a manual capture resets."""

    def __init__(self) -> None:
        self._last: bytes | None = None
        self._lock = threading.Lock()

    def is_new(self, image: Image) -> bool:
        from capture.diagram import fingerprint, same_picture

        mark = fingerprint(image)
        with self._lock:
            if self._last is not None and same_picture(self._last, mark):
                return False
            self._last = mark
            return True

    def reset(self) -> None:
        with self._lock:
            self._last = None


def read_if_new(image: Image, at_s: float, changes: ChangeFilter | None) -> DiagramResult | None:
    """Read a capture (blocking: call it off the GUI thread); None when it shows the same
    picture as the last one read."""
    from capture.diagram import read_diagram

    if changes is not None and not changes.is_new(image):
        return None
    return DiagramResult(image, read_diagram(image), at_s)


def png_bytes(image: Image, max_side_px: int | None = None) -> bytes:
    """The image as PNG, optionally downscaled so its longer side is at most ``max_side_px``."""
    from PIL import Image as PILImage

    picture = image.convert("RGB")
    if max_side_px is not None and max(picture.size) > max_side_px:
        picture = picture.copy()
        picture.thumbnail((max_side_px, max_side_px), PILImage.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=max_side_px is not None)
    return buffer.getvalue()


def data_uri(png_file: bytes, max_side_px: int = EMBED_MAX_SIDE_PX) -> str:
    """A PNG file's bytes as a downscaled ``data:`` URI for a self-contained HTML report."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(png_file)) as opened:
        small = png_bytes(opened, max_side_px)
    return "data:image/png;base64," + base64.b64encode(small).decode("ascii")


@dataclass(frozen=True)
class DrawnVsSaid:
    """Components compared between the diagram and the words (component ids, in the order of
    the vocabulary; names for display in ``name``)."""

    said_not_drawn: tuple[str, ...]
    drawn_not_explained: tuple[str, ...]
    drawn: tuple[str, ...]
    names: dict[str, str]

    def name(self, component_id: str) -> str:
        return self.names.get(component_id, component_id)


def compare(diagrams: Sequence[DiagramCapture], spoken: Iterable[str],
            vocabulary: Vocabulary | None = None) -> DrawnVsSaid | None:
    """What the diagram and the talk disagree on; None when no diagram was captured (then
    nothing was "not drawn": the candidate may have drawn on paper).

    "Said but not drawn" needs a specific word ("Redis", "load balancer"): "service" or
    "database" are said of everything. A drawn component is explained by any of its words,
    generic ones included ("the URL service" explains a "URL Service" box).
    """
    if not diagrams:
        return None
    if vocabulary is None:
        from capture.diagram_vocabulary import default_vocabulary

        vocabulary = default_vocabulary()
    text = " ".join(spoken)
    said = vocabulary.mentioned(text)
    explained = said | vocabulary.mentioned(text, generic=True)
    drawn = {c for d in diagrams for c in d.components}
    order = [k.id for k in vocabulary.kinds]
    return DrawnVsSaid(
        said_not_drawn=tuple(c for c in order if c in said and c not in drawn),
        drawn_not_explained=tuple(c for c in order if c in drawn and c not in explained),
        drawn=tuple(c for c in order if c in drawn),
        names={k.id: k.name for k in vocabulary.kinds},
    )
