"""The prompt parser on OCR-noisy text we wrote ourselves (no shared prompt text is copied)."""

from __future__ import annotations

import pytest

from capture.prompt import Prompt, heading_kind, is_noise, parse_prompt, strip_bullet

MANGLED = """\
Design a photo sharing app

Functional Requirements:
e Users upload photos from their phone
© Users follow other users and see a feed of
their photos in reverse chronological order
* Users can like and comment on a photo
- Users can search photos by hash-
tag

NON-FUNCTIONAL REQUIREMENTS
+ The feed should load in under 300 ms at p99
« Highly available; eventual consistency is fine
1. 50M daily active users
2) 2 million new photos per day

Out of Scope
e Direct messages
e Ads
"""

FULL_SCREEN = """\
File  Edit  View  Insert  Format  Tools  Help
prompt.md - Google Docs
https://docs.google.com/document/d/abc123/edit
10:42 AM
Design a rate limiter
Requirements
- Limit each API key to a fixed number of requests per minute
- Return HTTP 429 with a retry hint when over the limit
Constraints
- 1M requests/second peak
- p99 < 10 ms added latency
- The limiter must keep working if one node fails
Ln 3, Col 14   UTF-8
"""

PARAGRAPH = """\
Design a URL shortener like bit.ly. Users should be able to paste a long URL and get a
short one, and visiting the short URL should redirect to the original. The service must
handle 100M new URLs per day with a 10:1 read/write ratio. Redirects should be fast, with
p99 latency under 50 ms. Custom aliases and analytics are out of scope.
"""

OTHER_HEADINGS = """\
System design: chat service

Assumptions
e 20 million daily users, each sending about 40 messages a day
e Messages must be delivered in order within a conversation

Features
e One-to-one messaging
e Read receipts and online presence

Non-goals: voice calls, video calls
"""


def texts(prompt: Prompt, kind: str) -> list[str]:
    return [r.text for r in prompt.requirements if r.kind == kind]


def test_mangled_bullets_wraps_and_hyphenation() -> None:
    prompt = parse_prompt(MANGLED)
    assert prompt.title == "Design a photo sharing app"
    assert texts(prompt, "functional") == [
        "Users upload photos from their phone",
        "Users follow other users and see a feed of their photos in reverse chronological order",
        "Users can like and comment on a photo",
        "Users can search photos by hashtag",
    ]
    assert texts(prompt, "non_functional") == ["Highly available; eventual consistency is fine"]
    assert texts(prompt, "out_of_scope") == ["Direct messages", "Ads"]
    scale = {r.text: (r.value, r.unit) for r in prompt.requirements if r.kind == "scale"}
    assert scale == {
        "The feed should load in under 300 ms at p99": (300.0, "ms"),
        "50M daily active users": (50e6, "daily active users"),
        "2 million new photos per day": (2e6, "new photos/day"),
    }
    assert prompt.raw_text == MANGLED


def test_full_screen_noise_is_dropped() -> None:
    prompt = parse_prompt(FULL_SCREEN)
    assert prompt.title == "Design a rate limiter"
    assert texts(prompt, "functional") == [
        "Limit each API key to a fixed number of requests per minute",
        "Return HTTP 429 with a retry hint when over the limit",
    ]
    assert texts(prompt, "non_functional") == ["The limiter must keep working if one node fails"]
    scale = [(r.value, r.unit) for r in prompt.requirements if r.kind == "scale"]
    assert scale == [(1e6, "requests/s"), (10.0, "ms")]
    everything = " ".join(r.text for r in prompt.requirements)
    for noise in ("Google Docs", "http", "10:42", "UTF-8", "Format"):
        assert noise not in everything


def test_paragraph_prompt_without_headings() -> None:
    prompt = parse_prompt(PARAGRAPH)
    assert prompt.title == "Design a URL shortener like bit.ly"
    kinds = [(r.kind, r.text) for r in prompt.requirements]
    assert kinds[0] == (
        "functional", "Users should be able to paste a long URL and get a short one"
    )
    assert kinds[1] == ("functional", "visiting the short URL should redirect to the original")
    first_scale, latency = prompt.by_kind("scale")
    assert (first_scale.value, first_scale.unit) == (100e6, "new URLs/day")
    assert (latency.value, latency.unit) == (50.0, "ms")
    assert texts(prompt, "out_of_scope") == ["Custom aliases and analytics"]


def test_other_heading_words_and_inline_lists() -> None:
    prompt = parse_prompt(OTHER_HEADINGS)
    assert prompt.title == "System design: chat service"
    assert texts(prompt, "functional") == [
        "One-to-one messaging", "Read receipts and online presence"
    ]
    assert texts(prompt, "out_of_scope") == ["voice calls", "video calls"]
    assert texts(prompt, "non_functional") == [
        "Messages must be delivered in order within a conversation"
    ]
    (users,) = prompt.by_kind("scale")
    assert users.value == 20e6


def test_ids_are_unique_and_prefixed_by_kind() -> None:
    prompt = parse_prompt(MANGLED)
    ids = [r.id for r in prompt.requirements]
    assert len(ids) == len(set(ids))
    assert {r.id[0] for r in prompt.requirements} == {"F", "N", "S", "O"}
    as_json = prompt.requirements[0].to_json()
    assert set(as_json) == {"id", "text", "kind"}
    assert set(prompt.by_kind("scale")[0].to_json()) == {"id", "text", "kind", "value", "unit"}


@pytest.mark.parametrize("text", ["", "   \n\n", "@@ ## ~~", "te te te te\n= = = ="])
def test_empty_or_garbage_text_gives_an_empty_prompt(text: str) -> None:
    prompt = parse_prompt(text)
    assert prompt.requirements == ()


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Functional requirements", "functional"),
        ("# Functional Requirements", "functional"),
        ("Non-functional requirements:", "non_functional"),
        ("NON FUNCTIONAL REQUIREMENTS (NFRs)", "non_functional"),
        ("Non-funct1onal requ1rements", "non_functional"),
        ("Constraints and assumptions", "non_functional"),
        ("Out of scope", "out_of_scope"),
        ("Non-goals", "out_of_scope"),
        ("2. Use cases", "functional"),
    ],
)
def test_headings(line: str, kind: str) -> None:
    found = heading_kind(line)
    assert found is not None and found[0] == kind


@pytest.mark.parametrize(
    "line", ["Users can post photos", "Service has high availability", "10 million users"]
)
def test_requirement_lines_are_not_headings(line: str) -> None:
    assert heading_kind(line) is None


@pytest.mark.parametrize(
    ("line", "body"),
    [
        ("e Users post photos", "Users post photos"),
        ("© Users post photos", "Users post photos"),
        ("« Users post photos", "Users post photos"),
        ("¢10 million users", "10 million users"),
        ("# - Users post photos", "Users post photos"),
        ("3) Users post photos", "Users post photos"),
        ("e.g. caching helps", "e.g. caching helps"),
    ],
)
def test_bullets(line: str, body: str) -> None:
    assert strip_bullet(line)[0] == body


@pytest.mark.parametrize(
    "line",
    [
        "File Edit View Insert Format Tools Extensions Help",
        "https://example.com/doc/123",
        "10:42",
        "Ln 12, Col 4",
        "prompt.md - Google Docs",
        "te te te te",
        "Last edit was seconds ago",
        "Participants (2)",
    ],
)
def test_noise_lines(line: str) -> None:
    assert is_noise(line)


@pytest.mark.parametrize(
    "line", ["User views the home timeline", "10:1 read to write ratio", "Search is read-heavy"]
)
def test_prompt_lines_are_not_noise(line: str) -> None:
    assert not is_noise(line)


def test_kept_compound_hyphen_across_lines() -> None:
    prompt = parse_prompt("Design a feed\n\nNon-functional\n- Updates appear in real-\ntime\n")
    assert texts(prompt, "non_functional") == ["Updates appear in real-time"]


MARKDOWN = """\
# Design a Web Crawler

## Requirements
### Functional
1. Crawl pages starting from a list of seed URLs
2. Extract links and add new ones to the frontier
### Non-Functional
- **Politeness**: respect robots.txt
- **Scalability**: 1 billion pages per month
## Out of Scope
- Indexing
"""

QUESTION = """\
Question: Design a notification service

The system should let other teams send notifications via push, SMS and email. Users must be
able to opt out per channel. We expect around 10 million notifications per day, with spikes up
to 5x during promotions. Notifications should be delivered within 30 seconds. You don't need to
design the email provider itself.
"""

CODE_COMMENT = """\
/*
 * Design a key-value store
 *
 * Requirements:
 *  - put(key, value) and get(key)
 *  - values up to 1 MB
 *  - highly available, eventually consistent
 */
"""

SLIDE = """\
Interview 2 of 4 — System Design
Design Instagram
• Users can upload photos
• Users can follow others and see
  a feed of recent photos
Requirements
• Feed loads in < 400ms
• Photos are never lost once uploaded
"""


def test_markdown_layout() -> None:
    prompt = parse_prompt(MARKDOWN)
    assert prompt.title == "Design a Web Crawler"
    assert texts(prompt, "functional") == [
        "Crawl pages starting from a list of seed URLs",
        "Extract links and add new ones to the frontier",
    ]
    assert texts(prompt, "non_functional") == ["Politeness: respect robots.txt"]
    assert prompt.by_kind("scale")[0].unit == "pages/month"
    assert texts(prompt, "out_of_scope") == ["Indexing"]


def test_question_paragraph() -> None:
    prompt = parse_prompt(QUESTION)
    assert prompt.title == "Design a notification service"
    assert [r.kind for r in prompt.requirements] == [
        "functional", "functional", "scale", "scale", "out_of_scope"
    ]
    assert prompt.by_kind("scale")[1].unit == "s"
    assert texts(prompt, "out_of_scope") == ["the email provider itself"]


def test_code_comment_with_a_mixed_requirements_list() -> None:
    prompt = parse_prompt(CODE_COMMENT)
    assert prompt.title == "Design a key-value store"
    assert [(r.kind, r.text) for r in prompt.requirements] == [
        ("functional", "put(key, value) and get(key)"),
        ("scale", "values up to 1 MB"),
        ("non_functional", "highly available, eventually consistent"),
    ]


def test_slide_with_bullets_before_any_heading() -> None:
    prompt = parse_prompt(SLIDE)
    assert prompt.title == "Design Instagram"
    assert texts(prompt, "functional") == [
        "Users can upload photos",
        "Users can follow others and see a feed of recent photos",
    ]
    assert texts(prompt, "non_functional") == ["Photos are never lost once uploaded"]
    assert [(r.value, r.unit) for r in prompt.by_kind("scale")] == [(400.0, "ms")]


def test_actor_abilities_are_functional_even_with_quality_words() -> None:
    prompt = parse_prompt(
        "Design a garage booking app. Garage owners can update prices and availability. "
        "The booking page should be highly available."
    )
    assert [(r.kind, r.text) for r in prompt.requirements] == [
        ("functional", "Garage owners can update prices and availability"),
        ("non_functional", "The booking page should be highly available"),
    ]


def test_paragraph_keeps_statements_and_drops_talk_about_the_interview() -> None:
    prompt = parse_prompt(
        "Design a hotel booking site. Hotelify is a startup that rents rooms. Guests search "
        "hotels by city and dates. Guests book a room and pay. A room is never double-booked. "
        "You have 45 minutes. Walk me through your design and the trade-offs you make."
    )
    assert prompt.title == "Design a hotel booking site"
    assert [(r.kind, r.text) for r in prompt.requirements] == [
        ("functional", "Guests search hotels by city and dates"),
        ("functional", "Guests book a room and pay"),
        ("non_functional", "A room is never double-booked"),
    ]
