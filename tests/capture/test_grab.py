"""Screen geometry (pure) and real grabs of an Xvfb screen with mss."""

from __future__ import annotations

import pytest

from capture.grab import GrabError, Region, ScreenMap, grab, logical_to_physical, match_screens


def test_region_parse_and_errors() -> None:
    assert Region.parse("10, 20,300,400") == Region(10, 20, 300, 400)
    assert Region.parse("-1920,0,800,600").x == -1920
    for bad in ("1,2,3", "a,b,c,d", "0,0,0,10", "0,0,10,-5"):
        with pytest.raises(ValueError, match=r"X,Y,W,H|positive"):
            Region.parse(bad)


def test_intersect() -> None:
    screen = Region(0, 0, 1920, 1080)
    assert Region(1800, 1000, 400, 400).intersect(screen) == Region(1800, 1000, 120, 80)
    assert Region(2000, 0, 10, 10).intersect(screen) is None


def test_scale_one_is_identity() -> None:
    screens = [ScreenMap(Region(0, 0, 1920, 1080), Region(0, 0, 1920, 1080))]
    assert logical_to_physical(Region(10, 20, 300, 400), screens) == Region(10, 20, 300, 400)
    assert logical_to_physical(Region(5, 5, 5, 5), []) == Region(5, 5, 5, 5)


def test_hidpi_200_percent() -> None:
    # a 2880x1800 panel at 200 %: Qt sees 1440x900 logical pixels
    screens = [ScreenMap(Region(0, 0, 1440, 900), Region(0, 0, 2880, 1800))]
    assert logical_to_physical(Region(100, 50, 400, 300), screens) == Region(200, 100, 800, 600)


def test_fractional_150_percent() -> None:
    # 10..111 logical -> 15..166.5 physical: every touched pixel is covered (15..167)
    screens = [ScreenMap(Region(0, 0, 2560, 1440), Region(0, 0, 3840, 2160))]
    assert logical_to_physical(Region(10, 10, 101, 51), screens) == Region(15, 15, 152, 77)


def test_two_monitors_with_different_scales() -> None:
    # left: 4K at 200 % (logical 1920x1080); right: 1080p at 100 %, to its right
    screens = [
        ScreenMap(Region(0, 0, 1920, 1080), Region(0, 0, 3840, 2160)),
        ScreenMap(Region(1920, 0, 1920, 1080), Region(3840, 0, 1920, 1080)),
    ]
    on_right = logical_to_physical(Region(2000, 100, 200, 100), screens)
    assert on_right == Region(3920, 100, 200, 100)
    on_left = logical_to_physical(Region(100, 100, 200, 100), screens)
    assert on_left == Region(200, 200, 400, 200)
    # a selection across the seam: each corner goes through its own screen
    across = logical_to_physical(Region(1820, 0, 200, 100), screens)
    assert across == Region(3640, 0, 3940 - 3640, 100)


def test_monitor_left_of_primary_has_negative_coordinates() -> None:
    screens = [
        ScreenMap(Region(0, 0, 1280, 800), Region(0, 0, 2560, 1600)),
        ScreenMap(Region(-1920, 0, 1920, 1080), Region(-1920, 0, 1920, 1080)),
    ]
    assert logical_to_physical(Region(-1000, 10, 100, 100), screens) == Region(-1000, 10, 100, 100)


def test_match_screens_pairs_by_size_not_order() -> None:
    logical = [(Region(0, 0, 1440, 900), 2.0), (Region(1440, 0, 1920, 1080), 1.0)]
    physical = [Region(2880, 0, 1920, 1080), Region(0, 0, 2880, 1800)]
    pairs = match_screens(logical, physical)
    assert pairs[0].physical == Region(0, 0, 2880, 1800)
    assert pairs[1].physical == Region(2880, 0, 1920, 1080)


def test_grab_real_screen(xvfb_display: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", xvfb_display)
    whole = grab()
    assert whole.size == (1920, 1080) and whole.mode == "RGB"
    assert grab(monitor=1).size == (1920, 1080)
    part = grab(region=Region(100, 200, 320, 240))
    assert part.size == (320, 240)
    clipped = grab(region=Region(1800, 1000, 400, 400))
    assert clipped.size == (120, 80)
    with pytest.raises(GrabError, match="No monitor 5"):
        grab(monitor=5)
    with pytest.raises(GrabError, match="outside"):
        grab(region=Region(5000, 5000, 10, 10))


def test_grab_without_display_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":239")
    with pytest.raises(GrabError, match="Cannot"):
        grab()
