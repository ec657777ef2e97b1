"""Screen grabs with mss, and the geometry that puts a selection on the right pixels.

Coordinates here are PHYSICAL virtual-desktop pixels, the space mss works in. Qt reports
logical (device-independent) pixels; ``logical_to_physical`` converts a selection made in a Qt
overlay, screen by screen, because each monitor may have its own scale factor.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image


class GrabError(Exception):
    """The screen could not be captured (no display, bad monitor index, region off-screen)."""


@dataclass(frozen=True)
class Region:
    """A rectangle in physical virtual-desktop pixels (x, y may be negative on multi-monitor)."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @classmethod
    def parse(cls, text: str) -> Region:
        """``"X,Y,W,H"`` as typed on the command line."""
        parts = [p.strip() for p in text.replace("x", ",").split(",")]
        try:
            x, y, width, height = (int(p) for p in parts)
        except ValueError:
            raise ValueError(
                f"region must be X,Y,W,H in pixels, e.g. 0,0,800,600; got {text!r}"
            ) from None
        if width <= 0 or height <= 0:
            raise ValueError(f"region width and height must be positive; got {text!r}")
        return cls(x, y, width, height)

    def intersect(self, other: Region) -> Region | None:
        left, top = max(self.x, other.x), max(self.y, other.y)
        right, bottom = min(self.right, other.right), min(self.bottom, other.bottom)
        if right <= left or bottom <= top:
            return None
        return Region(left, top, right - left, bottom - top)

    def contains_point(self, x: float, y: float) -> bool:
        return self.x <= x < self.right and self.y <= y < self.bottom


@dataclass(frozen=True)
class ScreenMap:
    """One monitor seen twice: by Qt in logical pixels and by mss in physical pixels."""

    logical: Region
    physical: Region

    @property
    def scale_x(self) -> float:
        return self.physical.width / self.logical.width

    @property
    def scale_y(self) -> float:
        return self.physical.height / self.logical.height


def match_screens(
    logical: Sequence[tuple[Region, float]], physical: Sequence[Region]
) -> list[ScreenMap]:
    """Pair Qt screens (logical geometry, device pixel ratio) with mss monitors.

    Qt and mss may list monitors in different orders, so pair by size (logical size times the
    ratio must equal the physical size) and then by relative position.
    """
    remaining = list(physical)
    pairs: list[ScreenMap] = []
    for geometry, ratio in logical:
        if not remaining:
            break
        costs = [_match_cost(candidate, geometry, ratio) for candidate in remaining]
        best = remaining[costs.index(min(costs))]
        remaining.remove(best)
        pairs.append(ScreenMap(logical=geometry, physical=best))
    return pairs


def _match_cost(candidate: Region, geometry: Region, ratio: float) -> float:
    size = abs(candidate.width - round(geometry.width * ratio)) + abs(
        candidate.height - round(geometry.height * ratio)
    )
    position = abs(candidate.x - geometry.x * ratio) + abs(candidate.y - geometry.y * ratio)
    return size * 1000.0 + position


def _screen_at(x: float, y: float, screens: Sequence[ScreenMap]) -> ScreenMap:
    screen = next((s for s in screens if s.logical.contains_point(x, y)), None)
    if screen is None:  # on an edge or between screens: use the nearest one
        screen = min(screens, key=lambda s: _distance(s.logical, x, y))
    return screen


def _to_physical(x: float, y: float, screen: ScreenMap) -> tuple[float, float]:
    return (
        screen.physical.x + (x - screen.logical.x) * screen.scale_x,
        screen.physical.y + (y - screen.logical.y) * screen.scale_y,
    )


def _distance(region: Region, x: float, y: float) -> float:
    dx = max(region.x - x, 0.0, x - region.right)
    dy = max(region.y - y, 0.0, y - region.bottom)
    return float(dx * dx + dy * dy)


def logical_to_physical(region: Region, screens: Sequence[ScreenMap]) -> Region:
    """A selection in Qt logical pixels → the same pixels in mss physical coordinates.

    Each corner is converted through the screen that holds it, so a selection on a 200 %
    monitor next to a 100 % one lands on the right pixels. With no screen information the
    region is returned unchanged (scale 1).
    """
    if not screens:
        return region
    left, top = _to_physical(region.x, region.y, _screen_at(region.x, region.y, screens))
    # the bottom-right edge is exclusive: find its screen from the last pixel inside
    last = _screen_at(region.right - 0.5, region.bottom - 0.5, screens)
    right, bottom = _to_physical(region.right, region.bottom, last)
    # cover every physical pixel the selection touches
    x0, y0 = math.floor(left + 1e-9), math.floor(top + 1e-9)
    x1, y1 = math.ceil(right - 1e-9), math.ceil(bottom - 1e-9)
    return Region(x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def _open_screen(attempts: int = 5) -> Any:
    """An ``mss.MSS()`` grabber, retrying a refused connection.

    An X server under load (seen with Xvfb on a busy 2-core machine) now and then refuses a
    new client; a retry a few tens of milliseconds later succeeds.
    """
    import mss

    for attempt in range(attempts):
        try:
            return mss.MSS()
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(0.03 * (attempt + 1))
    raise AssertionError("unreachable")


def monitors() -> list[Region]:
    """mss's monitors: index 0 is the whole virtual desktop, 1.. each physical monitor."""
    try:
        with _open_screen() as grabber:
            return [
                Region(m["left"], m["top"], m["width"], m["height"]) for m in grabber.monitors
            ]
    except Exception as exc:  # mss raises ScreenShotError and plain OS errors alike
        raise GrabError(f"Cannot read the screen layout: {exc}") from exc


def grab(monitor: int | None = None, region: Region | None = None) -> Image.Image:
    """Capture the screen as an RGB Pillow image.

    ``monitor=None`` and no region: the whole virtual desktop (mss monitor 0). ``monitor=N``:
    that monitor (1-based, as mss numbers them). ``region``: those physical pixels, clipped to
    the desktop; with a monitor it is relative to that monitor's top-left corner.
    """
    try:
        with _open_screen() as grabber:
            screens = grabber.monitors
            index = 0 if monitor is None else monitor
            if not 0 <= index < len(screens):
                raise GrabError(
                    f"No monitor {index}: this desktop has {len(screens) - 1} monitor(s) "
                    f"(use 1..{len(screens) - 1}, or 0 for all of them)."
                )
            base = screens[index]
            area = Region(base["left"], base["top"], base["width"], base["height"])
            if region is not None:
                if monitor is not None:
                    region = Region(area.x + region.x, area.y + region.y, region.width,
                                    region.height)
                clipped = region.intersect(area)
                if clipped is None:
                    raise GrabError(f"Region {region} lies outside the screen {area}.")
                area = clipped
            shot = grabber.grab(
                {"left": area.x, "top": area.y, "width": area.width, "height": area.height}
            )
            return Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")
    except GrabError:
        raise
    except Exception as exc:
        raise GrabError(
            f"Cannot capture the screen: {exc}. On Linux a running X session is needed "
            "(Wayland: run under XWayland); on macOS allow screen recording for the terminal."
        ) from exc
