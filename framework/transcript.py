"""Transcript files as utterances: JSON lines, SubRip, WebVTT and plain text.

Pure text parsing (the caller reads the file) so replays of saved or hand-written transcripts
go through exactly the same tracker as live speech.
"""

from __future__ import annotations

import json
import re

from framework.types import Utterance

PLAIN_TEXT_WPM = 150.0
_PAUSE_S = 0.6


class TranscriptError(ValueError):
    """A transcript that cannot be read; the message names the line."""


def parse_transcript(text: str, fmt: str) -> list[Utterance]:
    """``fmt`` is the file suffix: "jsonl", "srt", "vtt" or "txt"."""
    fmt = fmt.lower().lstrip(".")
    if fmt in ("jsonl", "json", "ndjson"):
        return parse_jsonl(text)
    if fmt == "srt":
        return parse_cues(text, vtt=False)
    if fmt == "vtt":
        return parse_cues(text, vtt=True)
    if fmt in ("txt", "text", "md"):
        return parse_plain(text)
    raise TranscriptError(f"unknown transcript format '.{fmt}' (use .jsonl, .srt, .vtt or .txt)")


def parse_jsonl(text: str) -> list[Utterance]:
    """Objects with ``start``, ``end``, ``text`` and optionally ``speaker`` ("candidate" or
    "interviewer"; anything else is the candidate). Other keys, e.g. ``phase``, are ignored."""
    out: list[Utterance] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            start = float(obj["start"])
            end = float(obj["end"])
            words = str(obj["text"])
        except (ValueError, KeyError, TypeError) as exc:
            raise TranscriptError(
                f"line {n}: expected a JSON object with start, end and text ({exc})"
            ) from exc
        if obj.get("final", True) is False:
            continue
        speaker = "interviewer" if obj.get("speaker") == "interviewer" else "candidate"
        out.append(Utterance(words.strip(), start, max(start, end), speaker=speaker))
    out.sort(key=lambda u: (u.start_s, u.end_s))
    return out


_CUE_TIME = re.compile(
    r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})\s*-->\s*(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
)


def _seconds(h: str | None, m: str, s: str, frac: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(frac.ljust(3, "0")) / 1000


def parse_cues(text: str, *, vtt: bool) -> list[Utterance]:
    out: list[Utterance] = []
    start = end = None
    lines: list[str] = []

    def flush() -> None:
        if start is not None and lines:
            words = re.sub(r"<[^>]+>", "", " ".join(lines)).strip()
            if words:
                out.append(Utterance(words, start, max(start, end or start)))

    for raw in text.splitlines():
        line = raw.strip().lstrip("\ufeff")
        match = _CUE_TIME.search(line)
        if match:
            flush()
            g = match.groups()
            start, end = _seconds(*g[0:4]), _seconds(*g[4:8])
            lines = []
        elif not line:
            flush()
            start, lines = None, []
        elif start is not None:
            lines.append(line)
    flush()
    if not out and text.strip():
        kind = "WebVTT" if vtt else "SubRip"
        raise TranscriptError(f"no {kind} cues found (expected lines like 00:00:01.000 --> ...)")
    return out


_STAMP = re.compile(r"^\s*\[(?:(\d+):)?(\d{1,3}):(\d{2})(?:\.(\d+))?\]\s*")


def parse_plain(text: str) -> list[Utterance]:
    """Lines, optionally starting with ``[mm:ss]`` stamps; without stamps, paced at 150 wpm."""
    stamped: list[tuple[float, str]] = []
    plain: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _STAMP.match(line)
        if match:
            h, m, s, frac = match.groups()
            t = int(h or 0) * 3600 + int(m) * 60 + int(s) + float("0." + (frac or "0"))
            stamped.append((t, line[match.end():].strip()))
        elif stamped:
            t, words = stamped[-1]
            stamped[-1] = (t, f"{words} {line.strip()}")
        else:
            plain.append(line.strip())
    if stamped:
        out = []
        for i, (t, words) in enumerate(stamped):
            natural = t + len(words.split()) * 60.0 / PLAIN_TEXT_WPM
            nxt = stamped[i + 1][0] if i + 1 < len(stamped) else natural
            out.append(Utterance(words, t, max(t, min(natural, nxt))))
        return out
    out = []
    t = 0.0
    for line in plain:
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            n = len(sentence.split())
            if not n:
                continue
            dur = n * 60.0 / PLAIN_TEXT_WPM
            out.append(Utterance(sentence, t, t + dur))
            t += dur + _PAUSE_S
    return out
