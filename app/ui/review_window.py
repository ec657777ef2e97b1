"""Come back after the mock: the session library, and one session in detail.

The library (date, title, duration, framework, coverage; full-text search) sits on the left. A
session opens on the right: its transcript coloured by phase (click a line to hear it), the phase
timeline against the budgets with the pace underneath, coverage with evidence, delivery signals,
the captured prompt, notes, and export. Loading runs on a worker; rendering takes one pass.
"""

from __future__ import annotations

import contextlib
import html
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPixmap,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSlider,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.debrief import Debrief, debrief_record, debrief_rich_text, practised_prompts
from app.presentation import clock, local_date, marked
from app.settings import Key, Settings
from app.store import SearchHit, SessionStore, StoreError
from app.ui.diagram_page import diagram_page
from app.ui.player import AudioPlayer
from app.ui.review_model import ReviewData, build_review
from app.ui.tasks import TaskRunner
from app.ui.theme import colors, icon
from app.ui.timeline import PhaseTimeline
from framework.definition import Framework

if TYPE_CHECKING:
    from app.ui.progress_view import ProgressView

log = logging.getLogger(__name__)

EXPORT_FORMATS = (
    ("md", "Markdown report", "Markdown (*.md)"),
    ("html", "HTML report (self-contained)", "HTML (*.html)"),
    ("srt", "Transcript as SRT subtitles", "SubRip (*.srt)"),
    ("vtt", "Transcript as WebVTT", "WebVTT (*.vtt)"),
    ("jsonl", "Transcript as JSON lines", "JSON lines (*.jsonl)"),
)


class _SortItem(QTableWidgetItem):
    """Sorts by a hidden key (seconds, percent, date) instead of the shown text."""

    def __init__(self, text: str, key: object) -> None:
        super().__init__(text)
        self._key = key

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, _SortItem):
            try:
                return bool(self._key < other._key)  # type: ignore[operator]
            except TypeError:
                pass
        return super().__lt__(other)


class TranscriptPane(QTextBrowser):
    """The whole transcript in one document; a click on a line asks to play from there."""

    line_clicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setReadOnly(True)
        self.document().setDocumentMargin(12)
        self._starts: list[float] = []
        self.viewport().installEventFilter(self)
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click a line to play the recording from there")

    def show_data(self, data: ReviewData) -> None:
        c = colors()
        phase_colour = {p.id: c.phase(p.index).name() for p in data.phases}
        phase_label = {p.id: p.label for p in data.phases}
        hedge_bg, muted = c.hedge.name(), c.muted.name()
        parts = [f"<html><body style='color:{c.text.name()}'>"]
        previous: str | None = "\0"
        self._starts = []
        for line in data.lines:
            colour = phase_colour.get(line.phase or "", muted)
            if line.phase != previous and line.phase:
                parts.append(
                    f"<p style='margin-top:10px;margin-bottom:2px;color:{colour};"
                    f"font-weight:600'>{html.escape(phase_label.get(line.phase, line.phase))}</p>")
                self._starts.append(line.start_s)
            previous = line.phase
            text = _highlight(line.text, line.hedges, hedge_bg)
            parts.append(
                f"<p style='margin:0 0 3px 0'><span style='color:{colour};font-family:monospace'>"
                f"{clock(line.start_s)}</span>&nbsp;&nbsp;{text}</p>")
            self._starts.append(line.start_s)
        if not data.lines:
            parts.append(f"<p style='color:{muted}'>Nothing was transcribed in this session.</p>")
        parts.append("</body></html>")
        self.setHtml("".join(parts))

    def start_of_block(self, block_number: int) -> float | None:
        if 0 <= block_number < len(self._starts):
            return self._starts[block_number]
        return None

    def select_time(self, t_s: float) -> None:
        """Scroll the line spoken at ``t_s`` into view and select it."""
        index = 0
        for i, start in enumerate(self._starts):
            if start <= t_s + 1e-6:
                index = i
        block = self.document().findBlockByNumber(index)
        if block.isValid():
            cursor = QTextCursor(block)
            cursor.select(QTextCursor.SelectionType.BlockUnderCursor)
            self.setTextCursor(cursor)
            self.ensureCursorVisible()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.viewport() and event.type() == QEvent.Type.MouseButtonRelease
                and isinstance(event, QMouseEvent)
                and event.button() == Qt.MouseButton.LeftButton
                and not self.textCursor().hasSelection()):
            cursor = self.cursorForPosition(event.position().toPoint())
            start = self.start_of_block(cursor.blockNumber())
            if start is not None:
                self.line_clicked.emit(start)
        return super().eventFilter(watched, event)


def _highlight(text: str, spans: tuple[tuple[int, int], ...], background: str) -> str:
    return "".join(
        f"<span style='background:{background}' title='hedge'>{html.escape(run)}</span>"
        if hedge else html.escape(run) for run, hedge in marked(text, spans))


class PlayerBar(QWidget):
    """Play/pause, position slider and time, over an ``AudioPlayer``."""

    def __init__(self, player: AudioPlayer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self.button = QToolButton(self)
        self.button.setIcon(icon("play"))
        self.button.setToolTip("Play / pause the recording (Space)")
        self.button.setAutoRaise(True)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setToolTip("Position in the recording")
        self.time = QLabel("0:00 / 0:00", self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.time)
        self.button.clicked.connect(self.toggle)
        self.slider.sliderReleased.connect(lambda: self.player.seek(self.slider.value() / 10))
        player.position_changed.connect(self._on_position)
        player.state_changed.connect(self._on_state)
        player.failed.connect(self.show_message)

    def set_source(self, path: Path | None) -> None:
        problem = self.player.load(path)
        self.slider.setRange(0, int(self.player.duration_s * 10))
        self.slider.setValue(0)
        self.button.setEnabled(problem is None)
        self.slider.setEnabled(problem is None)
        self._on_position(0.0)
        self.show_message(problem or "")

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {colors().near.name()};")
        self.message.setVisible(bool(text))

    def toggle(self) -> None:
        if self.player.playing:
            self.player.pause()
        else:
            self.player.play()

    def _on_position(self, t_s: float) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(int(t_s * 10))
        self.time.setText(f"{clock(t_s)} / {clock(self.player.duration_s)}")

    def _on_state(self, playing: bool) -> None:
        self.button.setIcon(icon("pause" if playing else "play"))


class ReviewWindow(QMainWindow):
    session_shown = Signal(int)
    exported = Signal(str)
    practise_requested = Signal(str)  # from the progress view: a library prompt id

    def __init__(self, store: SessionStore, settings: Settings, frameworks: dict[str, Framework],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.frameworks = frameworks
        self.tasks = TaskRunner(self)
        self.player = AudioPlayer(self)
        self.data: ReviewData | None = None
        self.debrief: Debrief | None = None
        self.last_load_s = 0.0
        self._loading_id: int | None = None
        self.progress_view: ProgressView | None = None
        self.setWindowTitle("mockcoach — review")
        self.setWindowIcon(icon("app"))
        self.setMinimumSize(980, 640)
        self._dark_shown = colors().dark
        self._build()
        geometry = settings.get_bytes(Key.REVIEW_GEOMETRY)
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(1360, 860)

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        library = self._build_library()
        splitter.addWidget(library)
        splitter.addWidget(self._build_detail())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        library.setMinimumWidth(440)
        splitter.setSizes([500, 900])
        splitter.setChildrenCollapsible(False)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.addWidget(splitter)
        self.setCentralWidget(central)
        self._build_shortcuts()
        self._set_detail_enabled(False)

    def _build_library(self) -> QWidget:
        """Search box, search hits and the table of sessions."""
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search all transcripts…")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setToolTip("Full-text search across every session's transcript (Ctrl+F)")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(self._search_timer.start)
        self.table = self._build_table()
        self.empty_label = QLabel("No sessions yet. Practise a mock and it appears here.", self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.search_hits = QLabel(self)
        self.search_hits.setWordWrap(True)
        self.search_hits.setTextFormat(Qt.TextFormat.RichText)
        self.btn_progress = self._tool("lag", "Progress", "How your mocks trend, and what keeps "
                                       "going wrong (Ctrl+Shift+P)", self.show_progress,
                                       "Ctrl+Shift+P")
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.btn_progress)
        library = QWidget(self)
        lib_layout = QVBoxLayout(library)
        lib_layout.setContentsMargins(0, 0, 0, 0)
        lib_layout.addLayout(search_row)
        lib_layout.addWidget(self.search_hits)
        lib_layout.addWidget(self.table, 1)
        lib_layout.addWidget(self.empty_label)
        return library

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, 5, self)
        table.setHorizontalHeaderLabels(["Date", "Prompt", "Length", "Framework", "Covered"])
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        table.setSortingEnabled(True)
        table.setWordWrap(False)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        header = table.horizontalHeader()
        header.setMinimumSectionSize(48)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(3, 96)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.itemSelectionChanged.connect(self._on_selection)
        return table

    def _build_head(self) -> QHBoxLayout:
        """The session's title and facts, with rename / export / delete."""
        self.title = QLabel("Select a session", self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel(self)
        self.subtitle.setWordWrap(True)
        self.subtitle.setStyleSheet(f"color: {colors().muted.name()};")
        self.btn_rename = self._tool("rename", "Rename", "Rename this session (F2)", self.rename,
                                     "F2")
        self.btn_export = self._tool("export", "Export", "Export the session (Ctrl+E)", None,
                                     "Ctrl+E")
        menu = QMenu(self.btn_export)
        for fmt, label, _filter in EXPORT_FORMATS:
            act = menu.addAction(label)
            act.setData(fmt)
        menu.triggered.connect(lambda act: self.export(str(act.data())))
        self.btn_export.setMenu(menu)
        self.btn_export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.btn_delete = self._tool("delete", "Delete", "Delete this session (Del)",
                                     self.delete_current, "Delete")
        head_buttons = QHBoxLayout()
        head_buttons.setSpacing(2)
        for button in (self.btn_rename, self.btn_export, self.btn_delete):
            head_buttons.addWidget(button)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        head.addLayout(titles, 1)
        head.addLayout(head_buttons)
        return head

    def _build_detail(self) -> QWidget:
        """One session: header, phase timeline, player, transcript beside the tabs."""
        head = self._build_head()
        self.player_bar = PlayerBar(self.player, self)
        self.timeline = PhaseTimeline(self)
        self.timeline.seek_requested.connect(self.play_from)
        self.player.position_changed.connect(self.timeline.set_cursor)

        self.transcript = TranscriptPane(self)
        self.transcript.line_clicked.connect(self.play_from)
        body = QSplitter(Qt.Orientation.Horizontal, self)
        body.addWidget(self.transcript)
        body.addWidget(self._build_tabs())
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        body.setChildrenCollapsible(False)
        self.detail = QWidget(self)
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.setContentsMargins(12, 4, 4, 4)
        detail_layout.setSpacing(8)
        detail_layout.addLayout(head)
        detail_layout.addWidget(self.timeline)
        detail_layout.addWidget(self.player_bar)
        detail_layout.addWidget(self.player_bar.message)
        detail_layout.addWidget(body, 1)
        return self.detail

    def _build_tabs(self) -> QTabWidget:
        """Coverage, delivery, the prompt and the user's notes."""
        # One rich-text page: labels and their evidence wrap instead of being cut off.
        self.coverage = QTextBrowser(self)
        self.coverage.setOpenLinks(False)
        self.coverage.setToolTip("Click a time to see that moment in the transcript")
        self.coverage.anchorClicked.connect(self._coverage_clicked)
        self.delivery = QTextBrowser(self)
        self.delivery.setOpenLinks(False)
        self.scorecard = QTextBrowser(self)  # the scorecard and study list (app/debrief.py)
        self.scorecard.setOpenLinks(False)
        self.scorecard.anchorClicked.connect(self._coverage_clicked)
        self.prompt_image = QLabel(self)
        self.prompt_image.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.prompt_text = QPlainTextEdit(self)
        self.prompt_text.setReadOnly(True)
        prompt_page = QWidget(self)
        prompt_layout = QVBoxLayout(prompt_page)
        scroll = QScrollArea(self)
        scroll.setWidget(self.prompt_image)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        prompt_layout.addWidget(scroll, 3)
        prompt_layout.addWidget(self.prompt_text, 2)
        self.notes = QPlainTextEdit(self)
        self.notes.setPlaceholderText("Your notes on this mock: what to practise next time…")
        self._notes_timer = QTimer(self)
        self._notes_timer.setSingleShot(True)
        self._notes_timer.setInterval(600)
        self._notes_timer.timeout.connect(self._save_notes)
        self.notes.textChanged.connect(self._notes_timer.start)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.scorecard, icon("scorecard"), "Scorecard")
        self.tabs.addTab(self.coverage, icon("check"), "Coverage")
        self.tabs.addTab(self.delivery, icon("lag"), "Delivery")
        self.tabs.addTab(prompt_page, icon("capture"), "Prompt")
        self.diagram_view = QTextBrowser(self)  # captures of the candidate's diagram
        self.diagram_view.setOpenLinks(False)
        self.diagram_view.anchorClicked.connect(self._coverage_clicked)
        self.tabs.addTab(self.diagram_view, icon("capture"), "Diagram")
        self.tabs.addTab(self.notes, icon("rename"), "Notes")
        return self.tabs

    def _build_shortcuts(self) -> None:
        find = QAction(self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: self.search.setFocus())
        self.addAction(find)
        space = QAction(self)
        space.setShortcut(QKeySequence(Qt.Key.Key_Space))
        space.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        space.triggered.connect(self._space)
        self.addAction(space)
        close = QAction(self)
        close.setShortcut(QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        self.addAction(close)

    def _tool(self, name: str, label: str, tip: str, slot: Callable[[], None] | None,
              shortcut: str) -> QToolButton:
        button = QToolButton(self)
        button.setIcon(icon(name))
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setText(label)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        action = QAction(self)
        action.setShortcut(QKeySequence(shortcut))
        if slot is not None:
            button.clicked.connect(slot)
            action.triggered.connect(slot)
        else:
            action.triggered.connect(button.showMenu)
        self.addAction(action)
        return button

    def _set_detail_enabled(self, enabled: bool) -> None:
        for widget in (self.btn_rename, self.btn_export, self.btn_delete, self.player_bar,
                       self.tabs):
            widget.setEnabled(enabled)

    # ------------------------------------------------------------------ library

    @Slot()
    def reload(self) -> None:
        query = self.search.text().strip()
        selected = self.current_id()
        try:
            sessions = self.store.list_sessions(search=query or None)
            hits = self.store.search(query, limit=8) if query else []
        except Exception as exc:
            log.exception("cannot list sessions")
            self.empty_label.setText(f"The session library cannot be read: {exc}")
            self.empty_label.show()
            return
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(sessions))
        for row, session in enumerate(sessions):
            date = _SortItem(local_date(session.started_at), session.started_at)
            date.setData(Qt.ItemDataRole.UserRole, session.id)
            date.setToolTip(session.started_at)
            title = QTableWidgetItem(session.title or "Untitled session")
            title.setToolTip(session.notes or session.title)
            if session.status != "finished":
                title.setIcon(icon("recover"))
                title.setToolTip(f"{session.status}: recovered after the app stopped")
            length = _SortItem(clock(session.duration_s), session.duration_s)
            framework = QTableWidgetItem(
                self._framework_name(session.framework).split(" (")[0])
            framework.setToolTip(self._framework_name(session.framework))
            pct = session.coverage_pct
            covered = _SortItem("—" if pct is None else f"{pct:.0f} %", pct or -1.0)
            for col, item in enumerate((date, title, length, framework, covered)):
                if col in (2, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self.table.setSortingEnabled(True)
        self.table.sortItems(0, Qt.SortOrder.DescendingOrder)
        self.empty_label.setVisible(not sessions)
        if query and not sessions:
            self.empty_label.setText(f"No session mentions “{query}”.")
        elif not sessions:
            self.empty_label.setText("No sessions yet. Practise a mock and it appears here.")
        self._show_hits(hits)
        if selected is not None:
            self.select_session(selected)

    def _show_hits(self, hits: list[SearchHit]) -> None:
        if not hits:
            self.search_hits.hide()
            return
        c = colors()
        lines = []
        for hit in hits[:5]:
            snippet = html.escape(hit.snippet).replace("[", f"<b style='color:{c.accent.name()}'>")
            snippet = snippet.replace("]", "</b>")
            lines.append(f"<span style='color:{c.muted.name()}'>{html.escape(hit.session_title)}"
                         f" · {clock(hit.start_s)}</span> {snippet}")
        self.search_hits.setText("<br>".join(lines))
        self.search_hits.show()

    def _framework_name(self, framework_id: str) -> str:
        fw = self.frameworks.get(framework_id)
        return str(fw.name) if fw is not None else framework_id

    def current_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return int(value) if value is not None else None

    def select_session(self, session_id: int) -> bool:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == session_id:
                self.table.selectRow(row)
                return True
        return False

    def session_ids(self) -> list[int]:
        ids = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None:
                ids.append(int(item.data(Qt.ItemDataRole.UserRole)))
        return ids

    def _on_selection(self) -> None:
        session_id = self.current_id()
        if session_id is not None and (self.data is None or self.data.session_id != session_id):
            self.open_session(session_id)

    def _context_menu(self, pos: QPoint) -> None:
        if self.current_id() is None:
            return
        menu = QMenu(self)
        menu.addAction(icon("rename"), "Rename…", self.rename)
        export = menu.addMenu(icon("export"), "Export")
        for fmt, label, _filter in EXPORT_FORMATS:
            action = export.addAction(label)
            action.setData(fmt)
        export.triggered.connect(lambda act: self.export(str(act.data())))
        menu.addSeparator()
        menu.addAction(icon("delete"), "Delete…", self.delete_current)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    # ------------------------------------------------------------------ one session

    def open_session(self, session_id: int) -> None:
        """Load on a worker, render on the GUI thread; ``session_shown`` when done."""
        if self._loading_id == session_id and self.tasks.busy:
            return  # already on its way
        self._loading_id = session_id
        self.table.blockSignals(True)
        try:
            if not self.select_session(session_id):
                self.reload()
                self.select_session(session_id)
        finally:
            self.table.blockSignals(False)
        started = time.perf_counter()
        framework_of = self.frameworks.get
        store = self.store

        def load() -> ReviewData:
            record = store.load(session_id)
            return build_review(record, framework_of(record.session.framework),
                                store.files_root)

        def scored() -> Debrief:
            return debrief_record(store.load(session_id), practised=practised_prompts(store))

        def show_scorecard(debrief: Debrief) -> None:
            if self.data is not None and self.data.session_id == session_id:
                self._show_scorecard(debrief)

        def shown(data: ReviewData) -> None:
            if self._loading_id != session_id:
                return
            self.show_data(data)
            # the scorecard second: a session saved without a report replays the tracker
            self.tasks.submit(scored, on_done=show_scorecard, on_error=self._score_failed,
                              name="mockcoach-score-session")
            self.last_load_s = time.perf_counter() - started
            self.session_shown.emit(session_id)

        self.tasks.submit(load, on_done=shown, on_error=self._load_failed,
                          name="mockcoach-load-session")

    def _load_failed(self, error: BaseException) -> None:
        self.title.setText("This session cannot be opened")
        self.subtitle.setText(str(error))
        self._set_detail_enabled(False)

    def _show_scorecard(self, debrief: Debrief | None) -> None:
        self.debrief = debrief
        if debrief is None:
            self.scorecard.setHtml(f"<p style='color:{colors().muted.name()}'>Scoring…</p>")
            return
        c = colors()
        self.scorecard.setHtml(debrief_rich_text(
            debrief, muted=c.muted.name(), ok=c.under.name(), low=c.over.name(),
            accent=c.accent.name()))

    def _score_failed(self, error: BaseException) -> None:
        self.scorecard.setPlainText(f"The scorecard could not be computed: {error}")

    def show_data(self, data: ReviewData, debrief: Debrief | None = None) -> None:
        """``debrief``: the scorecard when already known; otherwise "Scoring…" until it is."""
        self.player.stop()
        self.data = data
        self.title.setText(data.title)
        coverage = "" if data.coverage_pct is None else f" · {data.coverage_pct:.0f} % covered"
        self.subtitle.setText(
            f"{local_date(data.started_at)} · {clock(data.duration_s)} of "
            f"{clock(data.round_s)} · {self._framework_name(data.framework)} · "
            f"{data.words} words{coverage}")
        self.timeline.set_data(data)
        self.transcript.show_data(data)
        self._show_scorecard(debrief)
        self._show_coverage(data)
        self._show_delivery(data)
        self._show_prompt(data)
        document = self.diagram_view.document()
        for index, view in enumerate(data.diagrams):  # thumbnails made off the GUI thread
            document.addResource(QTextDocument.ResourceType.ImageResource,
                                 QUrl(f"diagram:{index}"), QImage.fromData(view.thumbnail))
        self.diagram_view.setHtml(diagram_page(data, colors()))
        if self._notes_timer.isActive():  # pending edits belong to the previous session
            self._notes_timer.stop()
            self._save_notes()
        self.notes.blockSignals(True)
        self.notes.setPlainText(data.notes)
        self.notes.blockSignals(False)
        self.player_bar.set_source(data.audio_path)
        self._set_detail_enabled(True)

    def _show_coverage(self, data: ReviewData) -> None:
        c = colors()
        muted, ok, missing = c.muted.name(), c.under.name(), c.over.name()
        parts = []
        for group, title in (("requirement", "Prompt requirements"), ("checklist", "Checklist")):
            rows = [r for r in data.coverage if r.group == group]
            if not rows:
                continue
            done = sum(r.addressed for r in rows)
            parts.append(f"<h3 style='margin:8px 0 4px 0'>{title} "
                         f"<span style='color:{muted};font-weight:normal'>{done}/{len(rows)}"
                         "</span></h3><table width='100%' cellspacing='0' cellpadding='3'>")
            for row in sorted(rows, key=lambda r: (r.addressed, r.at_s or 0.0)):
                mark = (f"<span style='color:{ok}'>✓</span>" if row.addressed
                        else f"<span style='color:{missing}'>○</span>")
                if row.addressed and row.source == "diagram":  # drawn, not (yet) said
                    mark = f"<span style='color:{c.accent.name()}' title='drawn'>✎</span>"
                label = html.escape(row.label)
                if row.kind == "out_of_scope":
                    label += f" <span style='color:{muted}'>(out of scope)</span>"
                evidence = (f"<br><span style='color:{muted}'>“{html.escape(row.evidence)}”"
                            "</span>" if row.evidence else "")
                when = (f"<a href='t:{row.at_s}' style='color:{c.accent.name()};"
                        f"text-decoration:none'>{clock(row.at_s)}</a>"
                        if row.at_s is not None else
                        f"<span style='color:{muted}'>not addressed</span>")
                parts.append(f"<tr><td width='18' valign='top'>{mark}</td>"
                             f"<td valign='top'>{label}{evidence}</td>"
                             f"<td valign='top' align='right' width='90'>{when}</td></tr>")
            parts.append("</table>")
        if not data.coverage:
            parts.append(f"<p style='color:{muted}'>No prompt or checklist was tracked in this "
                         "session.</p>")
        self.coverage.setHtml("".join(parts))

    def coverage_text(self) -> str:
        return self.coverage.toPlainText()

    def _coverage_clicked(self, url: QUrl) -> None:
        target = url.toString()
        if target.startswith("t:"):
            with contextlib.suppress(ValueError):
                self.transcript.select_time(float(target[2:]))

    def _show_delivery(self, data: ReviewData) -> None:
        c = colors()
        muted = c.muted.name()
        minutes = max(data.duration_s / 60.0, 1e-6)
        average = data.words / minutes if data.duration_s else 0.0
        rows = [f"<h3>Pace</h3><p>{average:.0f} words per minute on average "
                f"<span style='color:{muted}'>(a calm interview pace is 120–160)</span>.</p>"]
        hedges = sum(data.hedges.values())
        rows.append(f"<h3>Hedges <span style='background:{c.hedge.name()}'>&nbsp;highlighted"
                    "&nbsp;</span> in the transcript</h3>")
        if hedges:
            detail = ", ".join(f"“{w}” ×{n}" for w, n in data.hedges.items())
            rows.append(f"<p>{hedges} hedges ({detail}) against {data.trade_offs} trade-off "
                        "phrases. Commit to a choice and give its trade-off instead.</p>")
        else:
            rows.append(f"<p>No hedging words; {data.trade_offs} trade-off phrases.</p>")
        fillers = sum(data.fillers.values())
        rows.append("<h3>Fillers</h3>")
        if fillers:
            detail = ", ".join(f"“{w}” ×{n}" for w, n in list(data.fillers.items())[:8])
            rows.append(f"<p>{fillers} fillers ({fillers / minutes:.1f} a minute): {detail}.</p>")
        else:
            rows.append("<p>No filler words were transcribed (Whisper drops many of them).</p>")
        rows.append("<h3>Long silences</h3>")
        if data.silences:
            items = "".join(f"<li>{clock(a)} – {clock(b)} ({b - a:.0f} s)</li>"
                            for a, b in data.silences[:12])
            rows.append(f"<ul>{items}</ul>")
        else:
            rows.append("<p>No pause longer than 5 seconds.</p>")
        rows.append("<h3>Estimation check</h3>")
        if data.estimation:
            rows.append("<ul>" + "".join(f"<li>{html.escape(e)}</li>" for e in data.estimation)
                        + "</ul>")
        else:
            rows.append(f"<p style='color:{muted}'>No estimate to check (say the numbers: "
                        "users, requests per user, bytes per item).</p>")
        if data.nudges:
            rows.append("<h3>Nudges during the mock</h3><ul>" + "".join(
                f"<li><span style='color:{muted}'>{clock(t)}</span> {html.escape(x)}</li>"
                for t, x in data.nudges) + "</ul>")
        self.delivery.setHtml("".join(rows))

    def _show_prompt(self, data: ReviewData) -> None:
        if data.image_path is not None:
            pixmap = QPixmap(str(data.image_path))
            if not pixmap.isNull() and pixmap.width() > 560:
                pixmap = pixmap.scaledToWidth(560, Qt.TransformationMode.SmoothTransformation)
            self.prompt_image.setPixmap(pixmap)
        else:
            self.prompt_image.setText("No captured image for this session.")
        self.prompt_text.setPlainText(data.prompt_text or "No prompt text was saved.")

    # ------------------------------------------------------------------ actions

    def play_from(self, t_s: float) -> None:
        self.transcript.select_time(t_s)
        self.timeline.set_cursor(t_s)
        if self.data is None or self.data.audio_path is None:
            self.player_bar.show_message("This session has no recording to play.")
            return
        self.player.play(t_s)

    def _space(self) -> None:
        if self.notes.hasFocus() or self.search.hasFocus():
            return
        self.player_bar.toggle()

    def rename(self) -> None:
        session_id = self.current_id()
        if session_id is None or self.data is None:
            return
        title, ok = QInputDialog.getText(self, "Rename session", "Title:", text=self.data.title)
        if ok and title.strip():
            try:
                self.store.rename_session(session_id, title.strip())
            except StoreError as exc:
                self._store_refused("Rename session", exc)
                return
            self.title.setText(title.strip())
            self.reload()

    def delete_current(self) -> None:
        session_id = self.current_id()
        if session_id is None:
            return
        name = self.data.title if self.data else f"session #{session_id}"
        answer = QMessageBox.question(
            self, "Delete session",
            f"Delete “{name}” with its recording and screenshots? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.delete_session(session_id)

    def delete_session(self, session_id: int) -> bool:
        """Delete with its files; refused (with a message) while it is being recorded or when
        the database is busy or unreadable. Returns whether it was deleted."""
        self.player.stop()
        try:
            self.store.delete_session(session_id)
        except StoreError as exc:
            self._store_refused("Delete session", exc)
            return False
        self.data = None
        self.title.setText("Select a session")
        self.subtitle.setText("")
        self.timeline.set_data(None)
        self.transcript.clear()
        self._set_detail_enabled(False)
        self.reload()
        return True

    def _store_refused(self, action: str, error: StoreError) -> None:
        log.warning("%s refused: %s", action, error)
        QMessageBox.warning(self, action, str(error))

    def _save_notes(self) -> None:
        if self.data is not None:
            try:
                self.store.set_notes(self.data.session_id, self.notes.toPlainText())
            except StoreError as exc:  # typed as they go: a status line, not a dialog per key
                self.statusBar().showMessage(f"Notes not saved: {exc}", 10000)

    def export(self, fmt: str, path: Path | None = None) -> Path | None:
        """Write the session in ``fmt``; asks where unless ``path`` is given."""
        session_id = self.current_id()
        if session_id is None or self.data is None:
            return None
        if path is None:
            filt = next(f for k, _l, f in EXPORT_FORMATS if k == fmt)
            safe = "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in self.data.title)
            suggested = str(Path.home() / f"{safe.strip() or 'session'}.{fmt}")
            chosen, _ = QFileDialog.getSaveFileName(self, "Export session", suggested, filt)
            if not chosen:
                return None
            path = Path(chosen)
        store = self.store

        def write() -> Path:
            from app.export import export as render

            record = store.load(session_id)
            debrief = debrief_record(record, practised=practised_prompts(store)) \
                if fmt in ("md", "html") else None
            text = render(record, fmt, store.session_dir(session_id, create=False), debrief)
            partial = path.with_name(path.name + ".part")
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)  # never a half-written export
            return path

        self.tasks.submit(write, on_done=self._exported, on_error=self._export_failed,
                          name="mockcoach-export")
        return path

    def _exported(self, path: Path) -> None:
        self.statusBar().showMessage(f"Exported to {path}", 8000)
        self.exported.emit(str(path))

    def _export_failed(self, error: BaseException) -> None:
        QMessageBox.warning(self, "Export failed", f"The export could not be written: {error}")

    # ------------------------------------------------------------------ theme


    def changeEvent(self, event: QEvent) -> None:
        """The theme changed: redraw the pages that were rendered with the old colours."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            dark = colors().dark
            if dark != self._dark_shown:
                self.subtitle.setStyleSheet(f"color: {colors().muted.name()};")
                for button, name in ((self.btn_rename, "rename"), (self.btn_export, "export"),
                                     (self.btn_delete, "delete"), (self.btn_progress, "lag")):
                    button.setIcon(icon(name))
                if self.data is not None:
                    notes = self.notes.toPlainText()
                    self.show_data(self.data, self.debrief)
                    self.notes.blockSignals(True)
                    self.notes.setPlainText(notes)  # keep edits not saved yet
                    self.notes.blockSignals(False)
            self._dark_shown = dark

    def show_progress(self) -> None:
        """The progress view (its own window), computed afresh each time it is opened."""
        from app.ui.progress_view import ProgressView

        if self.progress_view is None:
            self.progress_view = ProgressView(self.store, self.frameworks)
            self.progress_view.practise_requested.connect(self.practise_requested)
        self.progress_view.show()
        self.progress_view.raise_()
        self.progress_view.activateWindow()
        self.progress_view.reload()

    # ------------------------------------------------------------------ closing

    def shutdown(self) -> None:
        if self.progress_view is not None:
            self.progress_view.shutdown()
            self.progress_view.close()
            self.progress_view.deleteLater()
            self.progress_view = None
        self._notes_timer.stop()
        if self.data is not None and self.notes.document().isModified():
            self._save_notes()
        self.player.stop()
        self.tasks.wait_all()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._notes_timer.isActive():
            self._notes_timer.stop()
            self._save_notes()
        self.player.stop()
        self.settings.set(Key.REVIEW_GEOMETRY, bytes(self.saveGeometry().data()))
        super().closeEvent(event)

