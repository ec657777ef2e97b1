"""A diagram in a session: a real capture read with Tesseract, its components fed to the real
tracker as "by diagram" evidence, saved in a real SQLite store, compared with the words."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from app.diagrams import ChangeFilter, compare, drawn_evidence, read_if_new
from app.pipeline import SessionStep, event_from
from app.store import CoverageEvent, DiagramCapture, DrawnLabel, Segment, SessionStore
from capture.diagram_vocabulary import default_vocabulary
from framework.definition import get_framework
from framework.types import Drawn, Utterance

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _whiteboard(*labels: str) -> Image.Image:
    """A small diagram: one box per label in a row, arrows between them."""
    image = Image.new("RGB", (1280, 400), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(SANS, 15)
    for n, text in enumerate(labels):
        x = 60 + n * 300
        draw.rectangle((x, 150, x + 180, 210), outline=(0, 0, 0), width=2,
                       fill=(218, 232, 252))
        draw.text((x + 30, 170), text, font=face, fill=(0, 0, 0))
        if n:
            draw.line((x - 120, 180, x, 180), fill=(0, 0, 0), width=2)
    return image


def test_a_capture_is_read_once_until_the_picture_changes() -> None:
    changes = ChangeFilter()
    board = _whiteboard("Load Balancer", "Redis Cache")
    first = read_if_new(board, 30.0, changes)
    assert first is not None
    assert {"load_balancer", "cache"} <= first.reading.component_ids
    assert read_if_new(board.copy(), 50.0, changes) is None  # unchanged: nothing to add
    second = read_if_new(_whiteboard("Load Balancer", "Redis Cache", "Kafka"), 70.0, changes)
    assert second is not None and "stream" in second.reading.component_ids


def test_drawn_components_address_checklist_items_by_diagram() -> None:
    step = SessionStep(get_framework("system-design"))
    step.start()
    said = Utterance("so the client calls our service through a load balancer", 5.0, 9.0)
    step.take([(event_from(said), "candidate")], 9.0)
    result = read_if_new(_whiteboard("Load Balancer", "Redis Cache", "Postgres"), 20.0, None)
    assert result is not None
    out = step.drawn(drawn_evidence(result.labels, result.at_s, default_vocabulary()))
    rows = [r for r in out.rows if isinstance(r, CoverageEvent)]
    by_diagram = {r.item_id for r in rows if r.source == "diagram"}
    assert {"cache", "caching", "stores"} <= by_diagram
    assert all(r.at_s == 20.0 for r in rows)
    assert "gateway_lb" not in by_diagram  # said first: the words keep it
    step.finish(60.0)
    assert step.report is not None
    checklist = {c["id"]: c for c in step.report["checklist"]}
    assert checklist["cache"]["source"] == "diagram"
    assert checklist["cache"]["evidence"] == "Redis Cache"
    assert "source" not in checklist["gateway_lb"]  # spoken items keep the replay shape
    state = step.state()
    assert state is not None
    assert {i.id: i.source for i in state.items}["cache"] == "diagram"


def test_a_rebuilt_tracker_keeps_what_was_drawn() -> None:
    from app.pipeline import prompt_items
    from capture.prompt import parse_prompt

    step = SessionStep(get_framework("system-design"))
    step.start()
    step.drawn([Drawn("Kafka", 12.0, ("queue", "queueing"))])
    prompt = parse_prompt("Design a chat app\n\nFunctional requirements\n- Send messages\n")
    replay = step.replay_with(prompt_items(prompt), step.past())
    step.adopt(replay)
    state = step.state()
    assert state is not None
    assert {i.id: i.source for i in state.items if i.addressed}.get("queue") == "diagram"


def test_diagrams_are_saved_with_the_session_and_cascade(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "db.sqlite", tmp_path / "files")
    session = store.create_session(title="diagram", framework="system-design")
    result = read_if_new(_whiteboard("API Gateway", "S3 Bucket"), 42.0, None)
    assert result is not None
    from app.diagrams import png_bytes

    saved = store.add_diagram(session.id, result.at_s, png_bytes(result.image), result.labels)
    store.write_batch(session.id, coverage=[CoverageEvent(
        at_s=42.0, item_id="stores", kind="checklist", label="Data stores",
        evidence="S3 Bucket", source="diagram")])
    record = store.load(session.id)
    assert record.diagrams == (saved,)
    assert set(record.diagrams[0].components) >= {"api_gateway", "object_store"}
    assert record.coverage[0].source == "diagram"
    image_file = store.file_path(session.id, saved.image_path)
    with Image.open(image_file) as reopened:
        assert reopened.size == (1280, 400)
    store.delete_session(session.id)
    assert not image_file.exists()
    store.close()


def test_said_but_not_drawn_and_drawn_but_not_explained() -> None:
    diagram = DiagramCapture(12.0, "diagrams/a.png", (
        DrawnLabel("Redis Cache", (0, 0, 10, 10), "cache"),
        DrawnLabel("Feed Service", (0, 20, 10, 10), "service"),
        DrawnLabel("Cassandra", (0, 40, 10, 10), "nosql_db"),
        DrawnLabel("HTTPS", (0, 60, 10, 10), None),
    ))
    spoken = ["the feed service writes to cassandra", "and we publish events through kafka"]
    result = compare([diagram], spoken)
    assert result is not None
    assert result.said_not_drawn == ("stream",)
    assert result.drawn_not_explained == ("cache",)
    assert result.name("stream") == "Stream / log"
    assert compare([], spoken) is None  # no diagram captured: nothing "not drawn"


def test_segments_feed_the_comparison_as_the_review_does() -> None:
    segments = [Segment(start_s=1.0, end_s=2.0, text="we use a CDN for images")]
    diagram = DiagramCapture(3.0, "x.png", (DrawnLabel("CDN", (0, 0, 1, 1), "cdn"),))
    result = compare([diagram], [s.text for s in segments])
    assert result is not None and result.drawn_not_explained == () and result.drawn == ("cdn",)


def test_sessions_show_json_lists_diagrams_and_coverage_sources(tmp_path: Path) -> None:
    from app.commands.sessions import show_json
    from app.diagrams import png_bytes

    store = SessionStore(tmp_path / "db.sqlite", tmp_path / "files")
    session = store.create_session(title="diagram", framework="system-design")
    labels = (DrawnLabel("Kafka", (10, 20, 40, 12), "stream"), DrawnLabel("HTTPS", (5, 5, 9, 9)))
    store.add_diagram(session.id, 7.5, png_bytes(_whiteboard("Kafka")), labels)
    store.write_batch(session.id, coverage=[CoverageEvent(
        at_s=7.5, item_id="queue", kind="checklist", label="Queue", evidence="Kafka",
        source="diagram")])
    shown = show_json(store, session.id)
    assert shown["coverage"][0]["source"] == "diagram"
    (diagram,) = shown["diagrams"]
    assert diagram["at"] == 7.5 and Path(diagram["image_file"]).is_file()
    assert diagram["labels"][0] == {"text": "Kafka", "box": [10, 20, 40, 12],
                                    "component": "stream"}
    store.close()
