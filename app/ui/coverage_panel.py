"""What is still open: the prompt's requirements and the framework's checklist.

Open items come first so the eye lands on what is left; an addressed item drops below with a tick
and the round time it was addressed (its evidence in the tooltip).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.presentation import clock
from app.ui.theme import colors, icon

KIND_LABELS = {
    "functional": "functional",
    "non_functional": "non-functional",
    "scale": "scale",
    "out_of_scope": "out of scope",
    "checklist": "checklist",
}


@dataclass(frozen=True)
class CoverageItem:
    id: str
    label: str
    kind: str  # a requirement kind, or "checklist"
    group: str  # "requirement" | "checklist"
    phase: str = ""


@dataclass(frozen=True)
class Addressed:
    at_s: float
    evidence: str
    source: str = "speech"  # "speech" | "diagram"


class CoveragePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tree = QTreeWidget(self)
        self._tree.setColumnCount(2)
        self._tree.setHeaderHidden(True)
        self._tree.setRootIsDecorated(False)
        self._tree.setIndentation(8)
        self._tree.setUniformRowHeights(True)
        self._tree.setWordWrap(False)
        self._tree.setAlternatingRowColors(False)
        header = self._tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._tree)
        self._items: dict[str, CoverageItem] = {}
        self._addressed: dict[str, Addressed] = {}
        self._groups: dict[str, QTreeWidgetItem] = {}
        self._rows: dict[str, QTreeWidgetItem] = {}
        self._rebuild()

    def set_items(self, items: list[CoverageItem]) -> None:
        self._items = {item.id: item for item in items}
        self._addressed = {k: v for k, v in self._addressed.items() if k in self._items}
        self._rebuild()

    def set_addressed(self, item_id: str, at_s: float, evidence: str = "",
                      source: str = "speech") -> None:
        """Tick one item: only its row moves (below the open ones, in time order). An item
        addressed by the diagram shows "drawn" and a pencil instead of a tick."""
        if item_id in self._addressed or item_id not in self._items:
            return
        self._addressed[item_id] = Addressed(at_s, evidence, source)
        item = self._items[item_id]
        parent = self._groups.get(item.group)
        old = self._rows.get(item_id)
        if parent is None or old is None:
            self._rebuild()
            return
        parent.takeChild(parent.indexOfChild(old))
        insert_at = parent.childCount()
        for index in range(parent.childCount()):
            child = parent.child(index)
            if child is None:
                continue
            done = self._addressed.get(str(child.data(0, Qt.ItemDataRole.UserRole)))
            if done is not None and done.at_s > at_s:
                insert_at = index
                break
        row = self._row(item)
        parent.insertChild(insert_at, row)
        self._rows[item_id] = row
        done_count, total = self.counts(item.group)
        parent.setText(1, f"{done_count}/{total}")

    def restyle(self) -> None:
        """Redraw in the current palette (the theme changed)."""
        self._rebuild()

    def reset_addressed(self) -> None:
        self._addressed.clear()
        self._rebuild()

    def addressed(self) -> dict[str, Addressed]:
        return dict(self._addressed)

    def counts(self, group: str) -> tuple[int, int]:
        ids = [i for i, item in self._items.items() if item.group == group]
        return sum(1 for i in ids if i in self._addressed), len(ids)

    def rows(self, group: str) -> list[str]:
        """Item labels as shown (open first), for tests and accessibility."""
        parent = self._groups.get(group)
        if parent is None:
            return []
        children = (parent.child(i) for i in range(parent.childCount()))
        return [child.text(0) for child in children if child is not None]

    def _rebuild(self) -> None:
        c = colors()
        self._tree.setUpdatesEnabled(False)
        self._tree.clear()
        self._groups = {}
        self._rows = {}
        for group, title in (("requirement", "Prompt requirements"), ("checklist", "Checklist")):
            members = [item for item in self._items.values() if item.group == group]
            if group == "requirement":
                members = [m for m in members if m.kind != "out_of_scope"] + [
                    m for m in members if m.kind == "out_of_scope"
                ]
            done, total = self.counts(group)
            header = QTreeWidgetItem([title, f"{done}/{total}" if total else ""])
            font = QFont(self._tree.font())
            font.setBold(True)
            header.setFont(0, font)
            header.setForeground(1, QBrush(c.muted))
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self._tree.addTopLevelItem(header)
            self._groups[group] = header
            if not members:
                empty = QTreeWidgetItem(
                    ["Capture or type a prompt to see its requirements here."
                     if group == "requirement" else "Pick a framework to see its checklist."]
                )
                empty.setForeground(0, QBrush(c.muted))
                empty.setFlags(Qt.ItemFlag.NoItemFlags)
                header.addChild(empty)
            open_items = [m for m in members if m.id not in self._addressed]
            done_items = sorted(
                (m for m in members if m.id in self._addressed),
                key=lambda m: self._addressed[m.id].at_s,
            )
            for member in open_items + done_items:
                row = self._row(member)
                self._rows[member.id] = row
                header.addChild(row)
            header.setExpanded(True)
        self._tree.setUpdatesEnabled(True)

    def _row(self, item: CoverageItem) -> QTreeWidgetItem:
        c = colors()
        addressed = self._addressed.get(item.id)
        kind = KIND_LABELS.get(item.kind, item.kind)
        drawn = addressed is not None and addressed.source == "diagram"
        when = ("drawn " if drawn else "") + clock(addressed.at_s) if addressed else ""
        row = QTreeWidgetItem([item.label, when])
        row.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        row.setData(0, Qt.ItemDataRole.UserRole, item.id)
        tip = f"<b>{item.label}</b><br>{kind}"
        if item.phase:
            tip += f" · {item.phase}"
        if addressed and drawn:
            row.setIcon(0, icon("rename", c.accent.name()))
            row.setForeground(0, QBrush(c.muted))
            row.setForeground(1, QBrush(c.accent))
            tip += (f"<br>Drawn on your diagram at {clock(addressed.at_s)}: "
                    f"“{addressed.evidence}”. Say why it is there, too.")
        elif addressed:
            row.setIcon(0, icon("check", c.under.name()))
            row.setForeground(0, QBrush(c.muted))
            row.setForeground(1, QBrush(c.muted))
            tip += f"<br>Addressed at {clock(addressed.at_s)}"
            if addressed.evidence:
                tip += f": “{addressed.evidence}”"
        else:
            row.setIcon(0, icon("open", c.partial.name()))
            if item.kind == "out_of_scope":
                row.setForeground(0, QBrush(c.muted))
                tip += "<br>Out of scope: mention it, but do not design it."
        row.setToolTip(0, tip)
        row.setToolTip(1, tip)
        return row
