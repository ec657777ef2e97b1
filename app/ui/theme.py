"""Light and dark looks, following the system unless the user picked one.

Qt's Fusion style with an explicit palette for each scheme looks the same on every platform and
lets the custom-painted widgets (phase bar, timeline, meter) ask one place for their colours.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from assets import asset_path


@dataclass(frozen=True)
class Colors:
    """Semantic colours for the painted widgets, one set per scheme."""

    dark: bool
    text: QColor
    muted: QColor
    partial: QColor
    surface: QColor
    surface_alt: QColor
    border: QColor
    accent: QColor
    under: QColor
    near: QColor
    over: QColor
    marker: QColor
    hedge: QColor
    phases: tuple[QColor, ...]

    def phase(self, index: int) -> QColor:
        return self.phases[index % len(self.phases)]

    def status(self, status: str) -> QColor:
        return {"near": self.near, "over": self.over}.get(status, self.under)


LIGHT = Colors(
    dark=False,
    text=QColor("#1f2328"),
    muted=QColor("#656d76"),
    partial=QColor("#8c959f"),
    surface=QColor("#ffffff"),
    surface_alt=QColor("#f3f4f6"),
    border=QColor("#d0d7de"),
    accent=QColor("#2f6fdf"),
    under=QColor("#2da44e"),
    near=QColor("#d4a72c"),
    over=QColor("#cf222e"),
    marker=QColor("#ddf4ff"),
    hedge=QColor("#fff1c2"),
    phases=tuple(
        QColor(c)
        for c in ("#3b7dd8", "#8250df", "#1a7f37", "#bc4c00", "#bf3989", "#0a7c86", "#6e7781")
    ),
)

DARK = Colors(
    dark=True,
    text=QColor("#e6edf3"),
    muted=QColor("#9198a1"),
    partial=QColor("#6e7681"),
    surface=QColor("#1e2227"),
    surface_alt=QColor("#272c33"),
    border=QColor("#3d444d"),
    accent=QColor("#4c8df6"),
    under=QColor("#3fb950"),
    near=QColor("#d29922"),
    over=QColor("#f85149"),
    marker=QColor("#1d2c3e"),
    hedge=QColor("#4d3c0a"),
    phases=tuple(
        QColor(c)
        for c in ("#6cb6ff", "#b083f0", "#57ab5a", "#f0883e", "#e275ad", "#39c5cf", "#9198a1")
    ),
)


def is_dark() -> bool:
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    return bool(app.palette().color(QPalette.ColorRole.Window).lightness() < 128)


def colors() -> Colors:
    return DARK if is_dark() else LIGHT


def system_prefers_dark() -> bool:
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, theme: str) -> None:
    """Apply "system", "light" or "dark"; "system" follows the desktop's colour scheme."""
    app.setStyle("Fusion")
    dark = system_prefers_dark() if theme == "system" else theme == "dark"
    c = DARK if dark else LIGHT
    app.setPalette(_palette(c))
    app.setStyleSheet(_stylesheet(c))
    icon.cache_clear()


def _stylesheet(c: Colors) -> str:
    """A little air and rounding on top of Fusion; colours stay in the palette."""
    return f"""
    QToolBar {{ spacing: 6px; padding: 4px 8px; border: none;
               border-bottom: 1px solid {c.border.name()}; }}
    QToolBar QToolButton {{ padding: 4px 8px; border-radius: 6px; }}
    QTreeView::item, QTableView::item {{ padding: 3px 2px; }}
    QHeaderView::section {{ padding: 4px 6px; }}
    #cueCard {{ background: {c.surface.name()}; border: 1px solid {c.border.name()};
               border-radius: 8px; }}
    #transcriptFrame {{ background: {c.surface.name()}; border: 1px solid {c.border.name()};
                      border-radius: 8px; }}
    QStatusBar {{ border-top: 1px solid {c.border.name()}; }}
    QStatusBar QLabel {{ padding: 0 6px; }}
    """


def _palette(c: Colors) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    window = QColor("#f6f7f9") if not c.dark else QColor("#16191d")
    p.setColor(role.Window, window)
    p.setColor(role.WindowText, c.text)
    p.setColor(role.Base, c.surface)
    p.setColor(role.AlternateBase, c.surface_alt)
    p.setColor(role.Text, c.text)
    p.setColor(role.PlaceholderText, c.muted)
    p.setColor(role.Button, c.surface_alt if c.dark else QColor("#f9fafb"))
    p.setColor(role.ButtonText, c.text)
    p.setColor(role.ToolTipBase, c.surface_alt)
    p.setColor(role.ToolTipText, c.text)
    p.setColor(role.Highlight, c.accent)
    p.setColor(role.HighlightedText, QColor("#ffffff"))
    p.setColor(role.Link, c.accent)
    p.setColor(role.BrightText, c.over)
    p.setColor(role.Mid, c.border)
    p.setColor(role.Midlight, c.surface_alt)
    p.setColor(role.Dark, c.border.darker(130))
    p.setColor(role.Light, c.surface)
    p.setColor(role.Shadow, QColor(0, 0, 0, 90))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(disabled, r, c.partial)
    return p


@cache
def icon(name: str, color: str | None = None) -> QIcon:
    """An icon from ``assets/icons/NAME.svg`` drawn in the palette's text colour (or ``color``)."""
    path = asset_path("icons", f"{name}.svg")
    svg = path.read_text(encoding="utf-8")
    fill = color or colors().text.name()
    data = QByteArray(svg.replace("currentColor", fill).encode("utf-8"))
    renderer = QSvgRenderer(data)
    result = QIcon()
    for size in (16, 20, 24, 32, 48):
        pixmap = QPixmap(size * 2, size * 2)
        pixmap.setDevicePixelRatio(2.0)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result
