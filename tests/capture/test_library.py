"""The bundled prompt library and matching a capture against it."""

from __future__ import annotations

from pathlib import Path

import pytest

from capture.library import LibraryError, load_library, load_prompt_file, match_library
from capture.prompt import parse_prompt

CLASSICS = {
    "url-shortener", "pastebin", "news-feed", "chat", "ride-sharing", "video-streaming",
    "payment-system", "rate-limiter", "web-crawler", "search-autocomplete",
    "notification-system", "distributed-cache", "file-storage", "ticket-booking", "top-k",
    "ad-click-aggregation", "collaborative-editor", "job-scheduler", "proximity-search",
    "metrics-monitoring",
}


def test_bundled_library_has_the_classics_with_all_kinds() -> None:
    library = load_library()
    assert len(library) >= 20
    assert {entry.id for entry in library} >= CLASSICS
    for entry in library:
        kinds = {r.kind for r in entry.prompt.requirements}
        assert {"functional", "non_functional", "scale"} <= kinds, entry.id
        for requirement in entry.prompt.by_kind("scale"):
            assert requirement.value is not None and requirement.unit, requirement
        ids = [r.id for r in entry.prompt.requirements]
        assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Design Uber\n\nFunctional requirements\n- Riders request a ride", "ride-sharing"),
        ("Design a URL shortener. Users shorten long links.", "url-shortener"),
        ("Design a rate limiter for a public API gateway", "rate-limiter"),
        ("Design Google Docs: many people edit one document at once", "collaborative-editor"),
    ],
)
def test_match_and_suggestions(text: str, expected: str) -> None:
    match = match_library(parse_prompt(text), load_library())
    assert match is not None and match.entry.id == expected
    assert match.suggestions  # the library knows more than this short capture
    assert all(s.id.startswith(f"lib-{expected}-") for s in match.suggestions)
    assert all(s.kind != "out_of_scope" for s in match.suggestions)


def test_no_match_for_an_unrelated_prompt() -> None:
    assert match_library(parse_prompt("Design a smart cat feeder"), load_library()) is None


def test_suggestions_skip_what_the_capture_already_has() -> None:
    library = load_library()
    chat = next(e for e in library if e.id == "chat")
    full = parse_prompt(chat.prompt.raw_text.replace(chat.title, "Design a chat service", 1))
    match = match_library(full, library)
    assert match is not None and match.entry.id == "chat"
    assert match.suggestions == ()


def test_user_folder_adds_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(
        'id = "mine"\ntitle = "Design my thing"\nfunctional = ["It works"]\n'
        'scale = ["5 million users"]\n', encoding="utf-8",
    )
    (tmp_path / "chat.toml").write_text(
        'id = "chat"\ntitle = "Design our chat"\nfunctional = ["Send a message"]\n',
        encoding="utf-8",
    )
    from capture.library import default_dirs

    library = {e.id: e for e in load_library(*default_dirs(), tmp_path)}
    assert library["mine"].prompt.by_kind("scale")[0].value == 5e6
    assert library["chat"].title == "Design our chat"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('title = "x"\nfunctional = "not a list"\n', "'functional' must be a list"),
        ('functional = ["a"]\n', "'title'"),
        ("title = [unclosed\n", "not valid TOML"),
    ],
)
def test_malformed_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LibraryError, match=message) as info:
        load_prompt_file(path)
    assert "bad.toml" in str(info.value)
