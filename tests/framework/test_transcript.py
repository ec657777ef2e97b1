"""Transcript files as utterances."""

from __future__ import annotations

import pytest

from framework.transcript import TranscriptError, parse_transcript
from framework.types import Utterance


def test_jsonl_ignores_other_keys_and_partials() -> None:
    text = (
        '{"start": 0.0, "end": 2.5, "text": "Hello there", "phase": "requirements"}\n'
        '{"start": 2.6, "end": 3.0, "text": "par", "final": false}\n'
        "\n"
        '{"start": 3.0, "end": 4.0, "text": " next ", "speaker": 1}\n'
    )
    assert parse_transcript(text, ".jsonl") == [
        Utterance("Hello there", 0.0, 2.5), Utterance("next", 3.0, 4.0)]


def test_jsonl_error_names_the_line() -> None:
    with pytest.raises(TranscriptError, match="line 2"):
        parse_transcript('{"start": 0, "end": 1, "text": "a"}\n{"start": 1}\n', "jsonl")


def test_srt_and_vtt() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:03,500\nLet me clarify\nthe scope.\n\n"
        "2\n00:01:02,250 --> 00:01:04,000\nNext.\n"
    )
    assert parse_transcript(srt, ".srt") == [
        Utterance("Let me clarify the scope.", 1.0, 3.5), Utterance("Next.", 62.25, 64.0)]
    vtt = (
        "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Me>Hello</v>\n\n"
        "01:00:00.500 --> 01:00:01.000\nLate\n"
    )
    assert parse_transcript(vtt, ".vtt") == [
        Utterance("Hello", 0.0, 2.0), Utterance("Late", 3600.5, 3601.0)]
    with pytest.raises(TranscriptError):
        parse_transcript("just words", ".srt")


def test_txt_with_stamps() -> None:
    text = "[00:00] Let me clarify the scope.\n[01:30] Back of the envelope:\n100 million users.\n"
    out = parse_transcript(text, ".txt")
    assert [(u.text, u.start_s) for u in out] == [
        ("Let me clarify the scope.", 0.0), ("Back of the envelope: 100 million users.", 90.0)]
    assert out[0].end_s == pytest.approx(5 * 60 / 150)


def test_txt_without_stamps_is_paced_at_150_wpm() -> None:
    words = " ".join(["word"] * 150)
    out = parse_transcript(f"{words}. Second sentence here.\n", ".txt")
    assert out[0].start_s == 0.0 and out[0].end_s == pytest.approx(60.0)
    assert out[1].start_s == pytest.approx(60.6)


def test_unknown_format() -> None:
    with pytest.raises(TranscriptError, match="unknown transcript format"):
        parse_transcript("x", ".docx")
