"""Top-level windows on the desktop and where they are, so a diagram can be captured by picking
its window instead of dragging a region.

The platforms differ only in how the raw list is fetched (``_x11_windows``, ``_win32_windows``,
``_quartz_windows``); which of them a person can pick from is one pure rule,
``pickable_windows``, tested alone. Coordinates are PHYSICAL virtual-desktop pixels, the space
``capture.grab`` works in (X11 and Win32 report them; macOS reports points, which mss also
uses there). Where a platform gives no window list (Wayland: by design a client cannot see
other clients' windows; macOS without PyObjC's Quartz), ``WindowListUnavailable`` says so and
the caller offers the region picker. Blocking, a few milliseconds; no Qt.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from capture.grab import Region

MIN_SIDE_PX = 80  # a window smaller than this each way holds no diagram (tool tips, docks)


class WindowListUnavailable(Exception):
    """This desktop gives no list of windows; the message says why and what to do instead."""


@dataclass(frozen=True)
class RawWindow:
    """A window as the platform reports it, before deciding whether it can be picked."""

    id: int
    title: str
    region: Region
    visible: bool = True
    pid: int | None = None


@dataclass(frozen=True)
class WindowInfo:
    """A window a person may pick: its platform id (to find it again when it moves), its title
    and the part of it on screen."""

    id: int
    title: str
    region: Region

    @property
    def description(self) -> str:
        return f"{self.title} ({self.region.width}×{self.region.height})"


def pickable_windows(raw: Iterable[RawWindow], desktop: Region | None = None, *,
                     exclude_pid: int | None = None) -> list[WindowInfo]:
    """The windows worth offering, front-most first (``raw`` comes front-most first): shown,
    titled, at least ``MIN_SIDE_PX`` each way once clipped to the desktop, not our own (a
    capture of mockcoach's practice window reads nothing of the design)."""
    out: list[WindowInfo] = []
    seen: set[int] = set()
    for window in raw:
        if not window.visible or window.id in seen:
            continue
        title = " ".join(window.title.split())
        if not title or (exclude_pid is not None and window.pid == exclude_pid):
            continue
        region = window.region if desktop is None else window.region.intersect(desktop)
        if region is None or region.width < MIN_SIDE_PX or region.height < MIN_SIDE_PX:
            continue
        seen.add(window.id)
        out.append(WindowInfo(window.id, title, region))
    return out


def list_windows(*, exclude_pid: int | None = None) -> list[WindowInfo]:
    """The top-level windows a diagram can be captured from, front-most first.

    Raises ``WindowListUnavailable`` where the platform cannot list them.
    """
    if exclude_pid is None:
        exclude_pid = os.getpid()
    if sys.platform == "win32":
        raw, desktop = _win32_windows(), None
    elif sys.platform == "darwin":
        raw, desktop = _quartz_windows(), None
    else:
        raw, desktop = _x11_windows()
    return pickable_windows(raw, desktop, exclude_pid=exclude_pid)


def find_window(window_id: int) -> WindowInfo | None:
    """Where the window is now (watch mode follows a moved window), or None once it is closed
    or hidden."""
    try:
        windows = list_windows(exclude_pid=-1)
    except WindowListUnavailable:
        return None
    return next((w for w in windows if w.id == window_id), None)


# --- X11 -------------------------------------------------------------------------------------

def _x11_windows() -> tuple[list[RawWindow], Region]:
    """Client windows from the window manager's stacking list (EWMH), or with no window
    manager the root's mapped children; each with its position on the root window."""
    if not os.environ.get("DISPLAY"):
        if os.environ.get("WAYLAND_DISPLAY"):
            raise WindowListUnavailable(
                "Wayland does not let one app see another's windows: pick a region instead "
                "(or run mockcoach under XWayland with QT_QPA_PLATFORM=xcb).")
        raise WindowListUnavailable("No X display (DISPLAY is not set): pick a region instead.")
    try:
        from Xlib import X, display, error
    except ImportError as exc:
        raise WindowListUnavailable(
            "Listing windows needs python-xlib (pip install python-xlib): pick a region "
            "instead.") from exc
    try:
        screen = display.Display()
    except Exception as exc:  # Xlib raises DisplayError and plain socket errors
        raise WindowListUnavailable(f"Cannot open the X display: {exc}") from exc
    try:
        root = screen.screen().root
        root_geometry = root.get_geometry()
        desktop = Region(0, 0, root_geometry.width, root_geometry.height)
        stacking = _x11_property(screen, root, "_NET_CLIENT_LIST_STACKING")
        if stacking:
            candidates = [screen.create_resource_object("window", wid)
                          for wid in reversed(stacking)]  # EWMH lists bottom-most first
        else:
            candidates = list(reversed(root.query_tree().children))
        raw = []
        for window in candidates:
            try:
                attributes = window.get_attributes()
                geometry = window.get_geometry()
                origin = window.translate_coords(root, 0, 0)
                title = _x11_title(screen, window)
                pids = _x11_property(screen, window, "_NET_WM_PID")
            except error.XError:  # closed while we looked
                continue
            raw.append(RawWindow(
                window.id, title,
                Region(-origin.x, -origin.y, max(1, geometry.width), max(1, geometry.height)),
                visible=(attributes.map_state == X.IsViewable
                         and attributes.win_class != X.InputOnly),
                pid=pids[0] if pids else None,
            ))
        return raw, desktop
    finally:
        screen.close()


def _x11_property(screen: Any, window: Any, name: str) -> list[int]:
    value = window.get_full_property(screen.intern_atom(name), 0)
    return list(value.value) if value is not None else []


def _x11_title(screen: Any, window: Any) -> str:
    for name, kind in (("_NET_WM_NAME", screen.intern_atom("UTF8_STRING")),
                       ("WM_NAME", 0)):
        value = window.get_full_property(screen.intern_atom(name), kind)
        if value is not None and value.value:
            raw = value.value
            return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return ""


# --- Windows ---------------------------------------------------------------------------------

def _win32_windows() -> list[RawWindow]:  # pragma: no cover - Windows only
    """Visible, not minimised top-level windows, in z-order (EnumWindows walks it front to
    back), with DWM's bounds (GetWindowRect adds invisible resize borders on Windows 10+)."""
    import ctypes
    from ctypes import wintypes

    user32 = ctypes.windll.user32  # type: ignore[attr-defined]
    dwmapi = ctypes.windll.dwmapi  # type: ignore[attr-defined]
    extended_frame_bounds = 9
    found: list[RawWindow] = []

    def visit(hwnd: int, _: int) -> bool:
        if not user32.IsWindowVisible(hwnd) or user32.IsIconic(hwnd):
            return True
        length = user32.GetWindowTextLengthW(hwnd)
        buffer = ctypes.create_unicode_buffer(length + 1)
        user32.GetWindowTextW(hwnd, buffer, length + 1)
        rect = wintypes.RECT()
        if dwmapi.DwmGetWindowAttribute(hwnd, extended_frame_bounds, ctypes.byref(rect),
                                        ctypes.sizeof(rect)) != 0:
            user32.GetWindowRect(hwnd, ctypes.byref(rect))
        pid = wintypes.DWORD()
        user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        found.append(RawWindow(int(hwnd), buffer.value,
                               Region(rect.left, rect.top, max(1, rect.right - rect.left),
                                      max(1, rect.bottom - rect.top)),
                               pid=int(pid.value)))
        return True

    prototype = ctypes.WINFUNCTYPE  # type: ignore[attr-defined]
    callback = prototype(ctypes.c_bool, wintypes.HWND, wintypes.LPARAM)(visit)
    user32.EnumWindows(callback, 0)
    return found


# --- macOS -----------------------------------------------------------------------------------

def _quartz_windows() -> list[RawWindow]:  # pragma: no cover - macOS only
    """On-screen windows of the normal layer, front to back, from Quartz (PyObjC)."""
    try:
        import Quartz
    except ImportError as exc:
        raise WindowListUnavailable(
            "Listing windows on macOS needs PyObjC (pip install pyobjc-framework-Quartz): "
            "pick a region instead.") from exc
    options = (Quartz.kCGWindowListOptionOnScreenOnly
               | Quartz.kCGWindowListExcludeDesktopElements)
    found: list[RawWindow] = []
    for info in Quartz.CGWindowListCopyWindowInfo(options, Quartz.kCGNullWindowID) or []:
        if info.get("kCGWindowLayer", 0) != 0:
            continue
        bounds = info.get("kCGWindowBounds", {})
        title = " — ".join(part for part in (info.get("kCGWindowOwnerName", ""),
                                             info.get("kCGWindowName", "")) if part)
        found.append(RawWindow(int(info["kCGWindowNumber"]), title,
                               Region(int(bounds.get("X", 0)), int(bounds.get("Y", 0)),
                                      max(1, int(bounds.get("Width", 1))),
                                      max(1, int(bounds.get("Height", 1)))),
                               pid=int(info.get("kCGWindowOwnerPID", 0))))
    return found

