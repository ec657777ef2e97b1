"""Data files shipped with mockcoach (frameworks, prompt library, self-test media, icons).

A package rather than a loose folder so that one lookup works from a source checkout, an
installed wheel and the PyInstaller bundle alike: the files always sit beside this module.
"""

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent


def asset_path(*parts: str) -> Path:
    """Path of a shipped data file, e.g. ``asset_path("frameworks", "system-design.toml")``."""
    return ASSETS_DIR.joinpath(*parts)
