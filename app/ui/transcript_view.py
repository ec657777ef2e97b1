"""The live transcript: finals in normal text, the partial greyed at the end and replaced in place.

Auto-scroll follows the newest line only while the user is at the bottom; scrolling up to re-read
pauses it and shows a "jump to live" button. Lines that moved the phase or addressed an item get a
subtle tint and a short muted tag.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QTextBlock, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPushButton, QTextEdit, QVBoxLayout, QWidget

from app.presentation import Line, clock, continues, joins
from app.ui.theme import colors, icon


@dataclass
class _Line:
    start_s: float
    end_s: float
    block: int
    tags: list[str]
    text: str = ""
    phase: str | None = None
    prefix: str = ""  # the time stamp before the words
    speaker: str = "candidate"  # a revision replaces only its own speaker's lines


def _utf16_len(text: str) -> int:
    """Qt counts document positions in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class TranscriptView(QWidget):
    """Read-only live transcript with in-place partials and pausable auto-scroll."""

    follow_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._edit = QTextEdit(self)
        self._edit.setReadOnly(True)
        self._edit.setObjectName("transcript")
        self._edit.setFrameShape(QTextEdit.Shape.NoFrame)
        # an hour of transcript must not keep an undo history of every word
        self._edit.setUndoRedoEnabled(False)
        self._edit.setPlaceholderText(
            "Your words appear here as you speak. Press Start (Ctrl+Return) to begin a mock."
        )
        font = self._edit.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.0) * 1.2)
        self._edit.setFont(font)
        self._edit.document().setDocumentMargin(14)
        self._lines: list[_Line] = []
        self._starts: list[float] = []
        self._waiting_tags: list[str] = []  # marks made before any line: they go on the first
        self._partial_text = ""
        self._follow = True
        self._jump = QPushButton(icon("play"), "Jump to live", self)
        self._jump.setToolTip("Auto-scroll is paused while you read back. Click to follow again.")
        self._jump.setCursor(Qt.CursorShape.PointingHandCursor)
        self._jump.hide()
        self._jump.clicked.connect(self.follow_live)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._edit)
        bar = self._edit.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)

    # --- feeding -------------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group several edits: the document is relaid out and repainted once, at the end."""
        cursor = QTextCursor(self._edit.document())
        cursor.beginEditBlock()
        try:
            yield
        finally:
            cursor.endEditBlock()

    def clear(self) -> None:
        self._edit.clear()
        self._lines.clear()
        self._starts.clear()
        self._waiting_tags.clear()
        self._partial_text = ""
        self.follow_live()

    def add_final(
        self, text: str, start_s: float, end_s: float, phase: str | None = None,
        speaker: str = "candidate",
    ) -> None:
        """Append committed words (they replace the partial that preceded them), continuing the
        last line when they follow it closely within the same sentence and phase."""
        text = text.strip()
        self._remove_partial()
        if not text:
            return
        last = self._lines[-1] if self._lines else None
        # the streaming transcriber commits a few words at a time: the exports' joining rule
        if (last is not None and last.speaker == speaker
                and joins(last, Line(start_s, end_s, text, phase))):
            # insert after the line's words, before any tags already appended to it
            block = self._edit.document().findBlockByNumber(last.block)
            cursor = QTextCursor(self._edit.document())
            cursor.setPosition(block.position() + _utf16_len(last.prefix + last.text))
            cursor.insertText(f" {text}", self._text_format())
            last.text = f"{last.text} {text}"
            last.end_s = max(last.end_s, end_s)
            return
        line = _Line(start_s, end_s, 0, [], text, phase, f"{clock(start_s)}  ", speaker)
        self._append_block(line)
        index = bisect.bisect_right(self._starts, start_s)
        self._starts.insert(index, start_s)
        self._lines.insert(index, line)
        waiting, self._waiting_tags = self._waiting_tags, []
        for tag in waiting:
            self.mark(start_s, tag)

    def revise(self, text: str, start_s: float, end_s: float, phase: str | None = None,
               speaker: str = "candidate") -> None:
        """The refine pass decoded [start_s, end_s) of one speaker again: that speaker's lines
        that started in it become this one line, edited in place (their first block keeps its
        tags; the other speaker's lines stay); the scroll position stays where the user left
        it (or keeps following the live end)."""
        text = text.strip()
        covered = [
            i for i, line in enumerate(self._lines)
            if start_s - 0.05 <= line.start_s < end_s and line.speaker == speaker
        ]
        if not covered:
            if text:
                self.add_final(text, start_s, end_s, phase, speaker)
            return
        bar = self._edit.verticalScrollBar()
        scrolled = bar.value()
        partial, partial_start = self._partial_text, self._partial_start_s
        self._remove_partial()
        doc = self._edit.document()
        first = self._lines[covered[0]]
        for index in reversed(covered[1:]):  # later blocks first: earlier numbers stay valid
            gone = self._lines.pop(index)
            self._starts.pop(index)
            gone_block = doc.findBlockByNumber(gone.block)
            cursor = QTextCursor(doc)
            cursor.setPosition(max(0, gone_block.position() - 1))  # its line break too
            end = gone_block.position() + gone_block.length() - 1
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            for later in self._lines:
                if later.block > gone.block:
                    later.block -= 1
        block = doc.findBlockByNumber(first.block)
        cursor = QTextCursor(block)
        cursor.setPosition(block.position() + _utf16_len(first.prefix))
        words_end = block.position() + _utf16_len(first.prefix + first.text)
        cursor.setPosition(words_end, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text, self._text_format())
        first.text = text
        first.end_s = max(end_s, first.end_s)
        if phase is not None:
            first.phase = phase
        if partial:
            self.set_partial(partial, partial_start)
        if self._follow:
            self._scroll_to_end()
        else:
            self._programmatic = True
            try:
                bar.setValue(min(scrolled, bar.maximum()))
            finally:
                self._programmatic = False

    def set_partial(self, text: str, start_s: float) -> None:
        """Show the current hypothesis greyed at the end, replacing the previous one: on the
        last line when the words will join it, else on a line of its own."""
        self._remove_partial()
        text = text.strip()
        if not text:
            return
        cursor = self._end_cursor()
        self._partial_pos = cursor.position()
        self._partial_start_s = start_s
        fmt = self._text_format()
        fmt.setForeground(colors().partial)
        fmt.setFontItalic(True)
        last = self._lines[-1] if self._lines else None
        inline = (last is not None and not last.tags and continues(last, start_s)
                  and last.block == self._edit.document().blockCount() - 1)
        if inline:
            cursor.insertText(f" {text}", fmt)
        else:
            if not self._edit.document().isEmpty():
                cursor.insertBlock(self._block_format())
            cursor.insertText(f"{clock(start_s)}  ", self._time_format())
            cursor.insertText(text, fmt)
        self._partial_text = text

    def mark(self, at_s: float, tag: str) -> bool:
        """Tint the final line spoken at ``at_s`` and append a muted ``tag``. Before any line
        has come (a diagram captured before the first words are transcribed), the tag waits for
        the first line; False then."""
        index = bisect.bisect_right(self._starts, at_s + 0.05) - 1
        if index < 0:
            if tag not in self._waiting_tags:
                self._waiting_tags.append(tag)
            return False
        line = self._lines[index]
        if tag in line.tags:
            return True
        partial, partial_start = self._partial_text, self._partial_start_s
        self._remove_partial()  # it may sit on the line that gets the tag
        line.tags.append(tag)
        block = self._edit.document().findBlockByNumber(line.block)
        if block.isValid():
            self._decorate(block, [tag])
        if partial:
            self.set_partial(partial, partial_start)
        self._keep_following()
        return block.isValid()

    def restyle(self) -> None:
        """Redraw every line in the current palette (the theme changed)."""
        partial, partial_start = self._partial_text, self._partial_start_s
        self._partial_text = ""
        self._edit.clear()
        for line in self._lines:
            self._append_block(line)
            if line.tags:
                self._decorate(self._edit.document().lastBlock(), line.tags)
        if partial:
            self.set_partial(partial, partial_start)
        self._keep_following()

    @property
    def partial_text(self) -> str:
        return self._partial_text

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def line_texts(self) -> list[str]:
        return [line.text for line in self._lines]

    def plain_text(self) -> str:
        return self._edit.toPlainText()

    @property
    def following(self) -> bool:
        return self._follow

    def follow_live(self) -> None:
        self._follow = True
        self._jump.hide()
        self._scroll_to_end()
        self.follow_changed.emit(True)

    # --- internals -----------------------------------------------------------------------

    _partial_pos = 0
    _partial_start_s = 0.0

    def _append_block(self, line: _Line) -> None:
        cursor = self._end_cursor()
        if not self._edit.document().isEmpty():
            cursor.insertBlock(self._block_format())
        else:
            cursor.setBlockFormat(self._block_format())
        cursor.insertText(line.prefix, self._time_format())
        cursor.insertText(line.text, self._text_format())
        line.block = cursor.blockNumber()

    def _decorate(self, block: QTextBlock, tags: list[str]) -> None:
        """The subtle mark of a line that moved the phase or addressed an item."""
        cursor = QTextCursor(block)
        fmt = QTextBlockFormat(block.blockFormat())
        fmt.setBackground(colors().marker)
        cursor.setBlockFormat(fmt)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
        tag_fmt = self._time_format()
        tag_fmt.setForeground(colors().accent)
        for tag in tags:
            cursor.insertText(f"   {tag}", tag_fmt)

    def _remove_partial(self) -> None:
        """Everything from where the partial began (its line break included) to the end."""
        if not self._partial_text:
            return
        cursor = QTextCursor(self._edit.document())
        cursor.setPosition(min(self._partial_pos, self._end_cursor().position()))
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        self._partial_text = ""

    def _end_cursor(self) -> QTextCursor:
        cursor = QTextCursor(self._edit.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor

    def _block_format(self) -> QTextBlockFormat:
        fmt = QTextBlockFormat()
        fmt.setTopMargin(3)
        fmt.setBottomMargin(3)
        return fmt

    def _text_format(self) -> QTextCharFormat:
        fmt = QTextCharFormat()
        fmt.setForeground(colors().text)
        return fmt

    def _time_format(self) -> QTextCharFormat:
        fmt = QTextCharFormat()
        fmt.setForeground(colors().muted)
        fmt.setFontPointSize(max(self._edit.font().pointSizeF() * 0.78, 7.0))
        fmt.setFontWeight(QFont.Weight.Normal)
        fmt.setFontItalic(False)
        return fmt

    def _scroll_to_end(self) -> None:
        bar = self._edit.verticalScrollBar()
        self._programmatic = True
        try:
            bar.setValue(bar.maximum())
        finally:
            self._programmatic = False

    def _keep_following(self) -> None:
        if self._follow:
            self._scroll_to_end()

    def _on_range_changed(self, _min: int, _max: int) -> None:
        self._keep_following()

    def _on_scrolled(self, value: int) -> None:
        """Any scroll we did not make ourselves is the user's: pause unless at the bottom."""
        if self._programmatic:
            return
        bar = self._edit.verticalScrollBar()
        at_bottom = value >= bar.maximum() - 4
        if at_bottom and not self._follow:
            self._follow = True
            self._jump.hide()
            self.follow_changed.emit(True)
        elif not at_bottom and self._follow:
            self._follow = False
            self._place_jump()
            self._jump.show()
            self.follow_changed.emit(False)

    _programmatic = False

    def scroll_by_user(self, pixels: int) -> None:
        """Scroll as a user would with the wheel (used by tests)."""
        bar = self._edit.verticalScrollBar()
        bar.setValue(bar.value() + pixels)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._place_jump()

    def _place_jump(self) -> None:
        self._jump.adjustSize()
        margin = 16
        self._jump.move(
            self.width() - self._jump.width() - margin - 12,
            self.height() - self._jump.height() - margin,
        )
        self._jump.raise_()
