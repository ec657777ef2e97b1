"""``mockcoach transcribe``: a recording (or the microphone) through exactly the live pipeline.

With ``--json`` the output is a contract (README.md, "Live transcription"): one object a line,
``{"event": "partial"|"final"|"revised", "text", "start", "end", "emitted"}`` and a last
``{"event": "summary", "audio_s", "wall_s", "rtf", "lag_max_s", "peak_rss_mb"}``. A ``revised``
event (the refine pass, off with ``--no-refine``) replaces every earlier final whose midpoint
lies in ``[start, end)``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

    from app.lines import AudioLine
    from app.partner import PartnerLine
    from app.refining import RefiningTranscriber
    from app.runner_events import RunnerEvent
    from audio.model import ResolvedModel
    from audio.sources import FileSource, MicrophoneSource
    from audio.streaming import StreamingStats, StreamingTranscriber


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "transcribe",
        help="stream a recording (or the microphone) through the live transcriber",
        description="Stream AUDIO (wav, flac, mp3, m4a, ogg…) or, with --mic, the microphone "
        "through the live pipeline: VAD, streaming Whisper, commit policy.",
    )
    parser.add_argument("audio", nargs="?", metavar="AUDIO", help="audio file to transcribe")
    parser.add_argument(
        "--mic", action="store_true", help="transcribe the microphone instead (Ctrl-C stops)"
    )
    parser.add_argument(
        "--device", metavar="D", help="input device: number or part of the name (with --mic)"
    )
    parser.add_argument(
        "--interviewer", metavar="OTHER",
        help="the partner's voice as a second source: an audio file played on the same clock "
        "(or, with --mic, a loopback/monitor device: number or part of the name; 'default' for "
        "the monitor of the default output). Every event then carries \"speaker\".",
    )
    parser.add_argument(
        "--realtime", action="store_true", help="pace the file at real time, like a microphone"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--model",
        metavar="M",
        help="model folder, or a name like base.en from the faster-whisper cache "
        "(default: the bundled tiny.en)",
    )
    parser.add_argument(
        "--download",
        action="store_true",
        help="download the --model named if it is not cached yet (the only network use)",
    )
    parser.add_argument("--threads", type=int, metavar="N", help="CPU threads for Whisper")
    parser.add_argument(
        "--glossary",
        nargs="?",
        const="default",
        metavar="TEXT",
        help="bias spelling towards these words (no TEXT: a system-design glossary)",
    )
    parser.add_argument("--record", metavar="WAV", help="also save the audio to this WAV file")
    parser.add_argument(
        "--hop", type=float, metavar="S", help="seconds of speech between decodes (default 0.5)"
    )
    parser.add_argument("--beam-size", type=int, metavar="N", help="beam size (default 1)")
    parser.add_argument(
        "--no-refine",
        action="store_true",
        help="no refine pass: only the live finals (no 'revised' events)",
    )
    parser.set_defaults(func=run)


def _peak_rss_mb() -> float:
    try:
        import resource

        peak = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    except (ImportError, OSError):
        import psutil

        return float(psutil.Process().memory_info().rss) / (1024 * 1024)


def _clock_label(seconds: float) -> str:
    minutes, secs = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes):02d}:{secs:04.1f}"


class _Printer:
    """Readable live transcript: finals as lines, the partial overwritten in place on a TTY."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.partial_len = 0

    def show(self, final: bool, text: str, start_s: float, revised: bool = False) -> None:
        if self.tty and self.partial_len:
            self.out.write("\r" + " " * self.partial_len + "\r")
            self.partial_len = 0
        line = f"[{_clock_label(start_s)}] {'(revised) ' if revised else ''}{text}"
        if final:
            self.out.write(line + "\n")
        elif self.tty and text:
            shown = line[:200] + " …"
            self.out.write(shown)
            self.partial_len = len(shown)
        self.out.flush()

    def close(self) -> None:
        if self.tty and self.partial_len:
            self.out.write("\n")
            self.out.flush()


class _Output:
    """What ``transcribe`` prints: every transcript line, then a summary; JSON lines with
    ``--json`` (the contract in README.md), readable text otherwise."""

    def __init__(self, as_json: bool, out: TextIO, speakers: bool = False) -> None:
        self.out = out
        self.printer = None if as_json else _Printer(out)
        self.speakers = speakers

    def show(self, event: RunnerEvent) -> None:
        """The runner's listener (called on its worker thread)."""
        from app.runner_events import TranscriptLine

        if not isinstance(event, TranscriptLine):
            return
        if self.printer is not None:
            text = f"{event.speaker.capitalize()}: {event.text}" if self.speakers else event.text
            self.printer.show(event.final, text, event.start_s, event.revised)
            return
        kind = "revised" if event.revised else "final" if event.final else "partial"
        record: dict[str, object] = {
            "event": kind, "text": event.text, "start": round(event.start_s, 3),
            "end": round(event.end_s, 3), "emitted": round(event.emitted_s, 3)}
        if self.speakers:
            record["speaker"] = event.speaker
        self._line(record)

    def summary(self, stats: StreamingStats, decode_s: float, wall_s: float,
                partner: dict[str, object] | None = None) -> None:
        audio_s = stats.audio_s
        rtf = round(decode_s / audio_s, 3) if audio_s > 0 else 0.0
        lag_max_s = round(stats.lag_max_s, 3)
        if self.printer is not None:
            self.printer.close()
            print(f"-- {audio_s:.1f} s of audio in {wall_s:.1f} s "
                  f"(compute {rtf}x real time, max lag {lag_max_s} s)", file=sys.stderr)
            return
        self._line({"event": "summary", "audio_s": round(audio_s, 3), "wall_s": round(wall_s, 3),
                    "rtf": rtf, "lag_max_s": lag_max_s, "peak_rss_mb": round(_peak_rss_mb(), 1),
                    **(partner or {})})

    def _line(self, record: dict[str, object]) -> None:
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.out.flush()


def _resolve_model(args: argparse.Namespace) -> ResolvedModel:
    from audio.model import ModelError, download_model, resolve_model

    try:
        return resolve_model(args.model)
    except ModelError:
        if not (args.download and args.model):
            raise
    print(f"Downloading {args.model} (Ctrl-C cancels)…", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if total:
            print(f"\r  {done / 1e6:7.1f} / {total / 1e6:.1f} MB", end="", file=sys.stderr)

    resolved = download_model(args.model, progress)
    print(f"\nSaved to {resolved.path}", file=sys.stderr)
    return resolved


def _open_source(args: argparse.Namespace) -> FileSource | MicrophoneSource:
    from audio.sources import FileSource, MicrophoneSource

    if args.mic:
        return MicrophoneSource(args.device)
    return FileSource(args.audio, realtime=args.realtime)


def _transcriber(args: argparse.Namespace, model: WhisperModel,
                 resolved: ResolvedModel) -> StreamingTranscriber | RefiningTranscriber:
    """The live streaming transcriber with the options given, and the refine pass unless
    ``--no-refine``."""
    from app.refining import with_refine
    from audio.streaming import SYSTEM_DESIGN_GLOSSARY, StreamingConfig, StreamingTranscriber

    overrides: dict[str, Any] = {}
    if args.hop:
        overrides["hop_s"] = args.hop
    if args.beam_size:
        overrides["beam_size"] = args.beam_size
    glossary = SYSTEM_DESIGN_GLOSSARY if args.glossary == "default" else args.glossary
    live = StreamingTranscriber(model, glossary=glossary, config=StreamingConfig(**overrides),
                                live=bool(args.mic or args.realtime))
    return with_refine(live, resolved, glossary=glossary, refine=not args.no_refine)


def _open_partner(args: argparse.Namespace) -> FileSource | MicrophoneSource:
    """The interviewer's source: a file (paced like the candidate's), or with --mic a
    loopback/monitor device."""
    from audio.loopback import open_loopback
    from audio.sources import FileSource

    if args.mic:
        return open_loopback(None if args.interviewer == "default" else args.interviewer)
    return FileSource(args.interviewer, realtime=args.realtime)


def _line(args: argparse.Namespace, source: FileSource | MicrophoneSource,
          transcriber: StreamingTranscriber | RefiningTranscriber, model: WhisperModel,
          ) -> tuple[AudioLine | PartnerLine, StreamingTranscriber | None]:
    """One line (the candidate alone) or, with --interviewer, the two-speaker line; and the
    partner's transcriber (for the summary)."""
    from app.lines import AudioLine
    from app.partner import INTERVIEWER_CONFIG, PartnerLine
    from audio.streaming import StreamingTranscriber

    candidate = AudioLine(source, transcriber=transcriber)
    if not args.interviewer:
        return candidate, None
    partner = StreamingTranscriber(model, glossary=getattr(transcriber, "glossary", None),
                                   config=INTERVIEWER_CONFIG, live=bool(args.mic or args.realtime))
    other = AudioLine(_open_partner(args), transcriber=partner)
    return PartnerLine(candidate, other), partner


def run(args: argparse.Namespace) -> int:
    from app.partner import PartnerLine
    from app.runner import SessionRunner, run_to_end
    from audio.errors import AudioFileError, ModelError, NoMicrophone
    from audio.model import load_model
    from audio.recorder import RecorderError

    if args.mic == bool(args.audio):
        print("mockcoach transcribe: give an AUDIO file, or --mic (not both).", file=sys.stderr)
        return 2
    try:
        source = _open_source(args)
        resolved = _resolve_model(args)
        model = load_model(resolved, threads=args.threads)
        transcriber = _transcriber(args, model, resolved)
        line, partner = _line(args, source, transcriber, model)
    except (AudioFileError, ModelError, NoMicrophone) as exc:
        print(f"mockcoach transcribe: {exc}", file=sys.stderr)
        return 2
    output = _Output(args.json, sys.stdout, speakers=partner is not None)
    # The one session pipeline, with nothing to save and no framework to track.
    runner = SessionRunner(None, None, line, listener=output.show,
                           record_to=Path(args.record) if args.record else None)
    started = time.monotonic()
    interrupted, failure = False, None
    try:
        failure = run_to_end(runner).error
    except KeyboardInterrupt:
        interrupted = True
    except RecorderError as exc:
        print(f"mockcoach transcribe: {exc}", file=sys.stderr)
        return 2
    partner_figures: dict[str, object] | None = None
    if isinstance(line, PartnerLine) and partner is not None:
        partner_figures = {"interviewer_audio_s": round(partner.stats.audio_s, 3),
                           "interviewer_lag_max_s": round(partner.stats.lag_max_s, 3),
                           "echo_dropped_words": line.echo.stats.dropped_words}
        if line.partner_error is not None:
            print(f"mockcoach transcribe: the interviewer's source: {line.partner_error}",
                  file=sys.stderr)
    output.summary(transcriber.stats, runner.decode_s, time.monotonic() - started,
                   partner_figures)
    if source.error is not None:
        print(f"mockcoach transcribe: {source.error}", file=sys.stderr)
        return 3
    if failure is not None:  # e.g. no microphone to open, the model failing mid-way
        print(f"mockcoach transcribe: {failure.message}", file=sys.stderr)
        return 2
    return 130 if interrupted else 0
