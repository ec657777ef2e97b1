"""The architecture's boundaries, checked: the libraries never import Qt nor each other."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

LIBRARIES = ("audio", "capture", "framework")

BLOCK_QT = """
import importlib.abc, sys
class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is blocked: ' + name)
        return None
sys.meta_path.insert(0, BlockQt())
import importlib, pkgutil
for lib in {libs!r}:
    pkg = importlib.import_module(lib)
    for info in pkgutil.walk_packages(pkg.__path__, lib + '.'):
        importlib.import_module(info.name)
print('ok')
"""


def test_libraries_import_with_qt_blocked() -> None:
    code = BLOCK_QT.format(libs=LIBRARIES)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize("library", LIBRARIES)
def test_library_imports_no_other_library_nor_app(library: str) -> None:
    forbidden = ({"app", "PySide6", "shiboken6"} | set(LIBRARIES)) - {library}
    for source in sorted((REPO_ROOT / library).rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{source}: imports {name}"


def test_python_dash_m_app_shows_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "--help"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "mockcoach" in done.stdout


def test_assets_resolve_from_the_package() -> None:
    from assets import ASSETS_DIR, asset_path

    assert asset_path("x").parent == ASSETS_DIR
    assert (ASSETS_DIR / "__init__.py").is_file()


def test_xvfb_fixture_gives_a_screen(xvfb_display: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import mss

    monkeypatch.setenv("DISPLAY", xvfb_display)
    with mss.MSS() as grabber:
        monitor = grabber.monitors[0]
    assert (monitor["width"], monitor["height"]) == (1920, 1080)


OURS = {"app", "assets", *LIBRARIES}


def _imports_ours(body: list[ast.stmt]) -> list[str]:
    found = []
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [n for n in names if n.split(".")[0] in OURS]
    return found


def test_the_app_has_no_import_fallbacks_for_modules_of_this_repo() -> None:
    """Our own modules are always there (the bundle included): an ``except ImportError`` around
    them only hides a real error behind a quieter, different behaviour."""
    fallbacks = []
    for source in sorted((REPO_ROOT / "app").rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            caught = {n.id for h in node.handlers if h.type is not None
                      for n in ast.walk(h.type) if isinstance(n, ast.Name)}
            if caught & {"ImportError", "ModuleNotFoundError"} and _imports_ours(node.body):
                fallbacks.append(f"{source.relative_to(REPO_ROOT)}:{node.lineno}")
    assert fallbacks == []


def _imports(source: str) -> set[str]:
    tree = ast.parse((REPO_ROOT / source).read_text(encoding="utf-8"), filename=source)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


# The session pipeline's seams (app/runner.py composes them): the step is the one place where
# a transcript becomes tracker events, store rows and UI events, and stays testable alone.
PIPELINE_FORBIDDEN = {
    "app/pipeline.py": {"threading", "queue", "time", "sqlite3", "PySide6", "app.store.store",
                        "app.writer", "app.lines", "app.runner"},
    "app/lines.py": {"sqlite3", "PySide6", "app.store.store", "app.writer", "app.runner",
                     "framework.tracker"},
    "app/writer.py": {"PySide6", "framework.tracker", "app.lines", "app.runner"},
    "app/runner.py": {"PySide6", "sqlite3", "framework.tracker"},
}


@pytest.mark.parametrize("source", sorted(PIPELINE_FORBIDDEN))
def test_the_pipeline_parts_keep_to_their_job(source: str) -> None:
    """The step has no thread, clock, database or Qt; the line has no tracker or database;
    the writer no tracker; the runner only composes (no Qt, no SQL, no tracker of its own)."""
    found = {name for name in _imports(source)
             if any(name == f or name.startswith(f + ".") for f in PIPELINE_FORBIDDEN[source])}
    assert not found, f"{source} imports {sorted(found)}"
