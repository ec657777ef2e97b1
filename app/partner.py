"""Practise with a partner: the microphone and the partner's voice as two lines on one clock.

``PartnerLine`` is a line (``app.lines``) made of two ``AudioLine``\\s: the candidate's (the
microphone, or a file) and the interviewer's (the system output's loopback/monitor source, or a
file). Both pumps put their frames, tagged with the speaker (``SpeakerFrame``), into the runner's
one inbox, so they run on one session clock (seconds of audio taken in, from the same start)
and the runner's one worker decodes both: the two transcribers never run at once, which is how
they share the CPU. The candidate's transcriber keeps the live settings and the refine pass; the
interviewer's decodes half as often (``INTERVIEWER_CONFIG``) and has no refine pass, so its
words may lag a second more while the candidate's keep their latency.

Everything the candidate's transcriber emits goes through ``audio.echo.EchoFilter``, which drops
the partner's words that leaked into the microphone (heard through speakers) when the
interviewer's stream has the same words at the same moment.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.lines import AudioLine, Gate, Inbox, PumpEnd, SpeakerFrame, Transcriber
from app.pipeline import Heard
from audio.echo import EchoFilter
from audio.events import AudioFrame
from audio.meter import dbfs
from audio.recorder import Recorder
from audio.streaming import StreamingConfig
from framework.types import Utterance

log = logging.getLogger(__name__)

CANDIDATE = "candidate"
INTERVIEWER = "interviewer"
INTERVIEWER_AUDIO_FILENAME = "interviewer.wav"
"""The partner's recording, beside the session's ``audio.wav``."""

INTERVIEWER_CONFIG = StreamingConfig(hop_s=1.0, degraded_hop_s=2.5, degrade_above_s=4.0)
"""The interviewer's transcriber decodes every second of speech instead of every half second
(about half the CPU), and degrades later: its words may lag, the candidate's may not."""


class PartnerLine:
    """The candidate's line and the interviewer's, one inbox, one clock, echo removed.

    Behaves as one line for the runner: ``fed_s``/``recorder``/``on_level``/``switch_device``
    are the candidate's (the session clock, ``audio.wav``, the microphone meter); the partner's
    recording goes to ``interviewer_recorder``. The pumps end together: the runner hears the end
    once both inputs are over. A lost partner source only ends the partner's line (a warning in
    ``partner_error``); the candidate goes on as a solo session.
    """

    def __init__(self, candidate: AudioLine, interviewer: AudioLine,
                 echo: EchoFilter | None = None) -> None:
        candidate.speaker, interviewer.speaker = CANDIDATE, INTERVIEWER
        self.candidate = candidate
        self.interviewer = interviewer
        self.echo = echo if echo is not None else EchoFilter()
        self.partner_error: BaseException | None = None
        self._lock = threading.Lock()
        self._ends: dict[str, PumpEnd] = {}
        self._on_end: Callable[[PumpEnd], None] | None = None
        self._interviewer_done_s: float | None = None  # the partner's input ended here
        self._interviewer_decoded_s = 0.0
        self._interviewer_finished = False

    # ------------------------------------------------------------------ the runner's line surface

    @property
    def source(self) -> Any:
        return self.candidate.source

    @property
    def source_factory(self) -> Callable[[str | None], Any] | None:
        return self.candidate.source_factory

    @property
    def realtime(self) -> bool:
        return self.candidate.realtime

    @property
    def fed_s(self) -> float:
        return self.candidate.fed_s

    @property
    def recorder(self) -> Recorder | None:
        return self.candidate.recorder

    @recorder.setter
    def recorder(self, recorder: Recorder | None) -> None:
        self.candidate.recorder = recorder

    @property
    def interviewer_recorder(self) -> Recorder | None:
        return self.interviewer.recorder

    @interviewer_recorder.setter
    def interviewer_recorder(self, recorder: Recorder | None) -> None:
        self.interviewer.recorder = recorder

    @property
    def on_level(self) -> Callable[[float, float], None] | None:
        return self.candidate.on_level

    @on_level.setter
    def on_level(self, callback: Callable[[float, float], None] | None) -> None:
        self.candidate.on_level = callback

    def start(self, inbox: Inbox, gate: Gate, on_end: Callable[[PumpEnd], None]) -> None:
        self._on_end = on_end
        if self._devices():  # opened one after the other: the second joins the first's clock
            self.interviewer.starts_at = lambda: self.candidate.fed_s
        self.candidate.start(inbox, gate, lambda end: self._ended(CANDIDATE, end))
        self.interviewer.start(inbox, gate, lambda end: self._ended(INTERVIEWER, end))

    def _devices(self) -> bool:
        """Two live devices (two files both start at 0 s by definition, even at real time)."""
        from audio.sources import FileSource

        lines = (self.candidate, self.interviewer)
        return all(line.realtime and not isinstance(line.source, FileSource) for line in lines)

    def stop(self) -> None:
        self.candidate.stop()
        self.interviewer.stop()

    def join(self, timeout_s: float | None = None) -> None:
        self.candidate.join(timeout_s)
        self.interviewer.join(timeout_s)

    def alive(self) -> bool:
        return self.candidate.alive() or self.interviewer.alive()

    def resume(self) -> None:
        self.candidate.resume()
        self.interviewer.resume()

    def switch_device(self, device: str | None, inbox: Inbox, gate: Gate,
                      on_end: Callable[[PumpEnd], None]) -> None:
        """Another microphone: the candidate's line goes on with it; the partner's is untouched."""
        self.candidate.switch_device(device, inbox, gate,
                                     lambda end: self._ended(CANDIDATE, end))

    def _ended(self, speaker: str, end: PumpEnd) -> None:
        """A pump stopped (on its thread). The runner hears one end: the candidate's failure at
        once, otherwise when both inputs are over."""
        with self._lock:
            if speaker == INTERVIEWER:
                self._interviewer_done_s = self.interviewer.fed_s
                if end.reason in ("device_lost", "error"):
                    self.partner_error = end.error
                    log.warning("the partner's source ended: %s; going on without it", end.error)
            self._ends[speaker] = end
            candidate_failed = speaker == CANDIDATE and end.reason not in (
                "end_of_input", "stopped")
            if not candidate_failed and len(self._ends) < 2:
                return
            report = self._ends.get(CANDIDATE, end)
        if candidate_failed:
            self.interviewer.stop()  # the session cannot go on without its microphone
        if self._on_end is not None:
            self._on_end(report)

    # ------------------------------------------------------------------ decoder side (the worker)

    def open(self) -> None:
        self.candidate.open()
        self.interviewer.open()

    def decode(self, item: AudioFrame | Utterance) -> list[Heard]:
        assert isinstance(item, AudioFrame)
        speaker = item.speaker if isinstance(item, SpeakerFrame) else CANDIDATE
        if speaker == INTERVIEWER:
            return self._interviewer_frame(item)
        self.echo.levels.add("mic", item.start_s, item.end_s, dbfs(item.samples))
        out = self._candidate_events(self.candidate.decode(item))
        return self._maybe_finish_interviewer() + out

    def finish(self) -> list[Heard]:
        out = self._maybe_finish_interviewer(force=True)
        out += self._candidate_events(self.candidate.finish())
        return out + [(e, CANDIDATE) for e in self.echo.flush()]

    @property
    def lag_s(self) -> float | None:
        """The candidate's lag: the one the user waits on (the partner's may trail on purpose)."""
        return self.candidate.lag_s

    def close(self) -> None:
        self.candidate.close()
        self.interviewer.close()

    # ------------------------------------------------------------------ internals

    def _interviewer_frame(self, frame: AudioFrame) -> list[Heard]:
        level = dbfs(frame.samples)
        self.echo.track.add(frame.start_s, frame.end_s, level)
        self.echo.levels.add("loop", frame.start_s, frame.end_s, level)
        if self._interviewer_finished:
            return []
        heard = self.interviewer.decode(frame)
        self._interviewer_decoded_s = frame.end_s
        for event, _ in heard:
            self.echo.interviewer_event(event)
        released = self.echo.interviewer_heard(frame.end_s)
        out = heard + [(e, CANDIDATE) for e in released]
        return out + self._maybe_finish_interviewer()

    def _maybe_finish_interviewer(self, force: bool = False) -> list[Heard]:
        """Once the partner's input is over and all of it decoded, commit its last words and let
        every held candidate final go."""
        if self._interviewer_finished:
            return []
        with self._lock:
            done_s = self._interviewer_done_s
        if not force and (done_s is None or self._interviewer_decoded_s < done_s - 1e-6):
            return []
        self._interviewer_finished = True
        heard = self.interviewer.finish()
        for event, _ in heard:
            self.echo.interviewer_event(event)
        released = self.echo.interviewer_heard(float("inf"), ended=True)
        return heard + [(e, CANDIDATE) for e in released]

    def _candidate_events(self, heard: list[Heard]) -> list[Heard]:
        out: list[Heard] = []
        for event, _ in heard:
            out += [(e, CANDIDATE) for e in self.echo.candidate(event)]
        return out


# ---------------------------------------------------------------------------- building one


def partner_transcribers(model: Any, *, glossary: str | None = None, live: bool | None = None,
                         candidate_config: StreamingConfig | None = None,
                         ) -> tuple[Any, Any]:
    """The candidate's and the interviewer's streaming transcribers over one loaded model (they
    run one at a time on the runner's worker, so one model serves both: no second load)."""
    from audio.streaming import StreamingTranscriber

    candidate = StreamingTranscriber(model, glossary=glossary, config=candidate_config, live=live)
    interviewer = StreamingTranscriber(model, glossary=glossary, config=INTERVIEWER_CONFIG,
                                       live=live)
    return candidate, interviewer


def interviewer_recorder_for(candidate_path: Path | None) -> Recorder | None:
    """The partner's recording beside the candidate's (``x.wav`` → ``x.interviewer.wav``; in a
    session folder: ``interviewer.wav``)."""
    if candidate_path is None:
        return None
    if candidate_path.name == "audio.wav":
        return Recorder(candidate_path.with_name(INTERVIEWER_AUDIO_FILENAME))
    return Recorder(candidate_path.with_name(f"{candidate_path.stem}.interviewer.wav"))


def transcriber_pair_factories(
    model_spec: str | None = None, *, glossary: str | None = None, threads: int | None = None,
    live: bool | None = None,
) -> tuple[Callable[[], Transcriber], Callable[[], Transcriber]]:
    """Two factories that share one model load, made on the worker thread (the first call
    loads it; the second reuses it)."""
    made: dict[str, Any] = {}

    def load() -> Any:
        if "model" not in made:
            from audio.model import load_model, resolve_model

            made["model"] = load_model(resolve_model(model_spec), threads=threads)
        return made["model"]

    def candidate() -> Transcriber:
        from audio.streaming import StreamingTranscriber

        return StreamingTranscriber(load(), glossary=glossary, live=live)

    def interviewer() -> Transcriber:
        from audio.streaming import StreamingTranscriber

        return StreamingTranscriber(load(), glossary=glossary, config=INTERVIEWER_CONFIG,
                                    live=live)

    return candidate, interviewer


def live_line(candidate: AudioLine, partner_source: str,
              model: Callable[[], Any]) -> AudioLine | PartnerLine:
    """The live window's line: the microphone alone, or with the partner's source chosen in
    Settings beside it. A partner source that cannot be opened leaves a solo session (logged):
    the mock goes on as it would without a partner."""
    if not partner_source:
        return candidate
    from audio.errors import NoMicrophone
    from audio.loopback import open_loopback

    try:
        source = open_loopback(partner_source)
    except NoMicrophone as exc:
        log.warning("the partner's source %r is not available (%s): practising alone",
                    partner_source, exc)
        return candidate

    def make() -> Transcriber:
        from audio.streaming import StreamingTranscriber

        return StreamingTranscriber(model(), config=INTERVIEWER_CONFIG)

    return PartnerLine(candidate, AudioLine(source, transcriber_factory=make))
