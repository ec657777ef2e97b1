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
from typing import Any, TextIO


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


def _resolve_model(args: argparse.Namespace) -> Any:
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


def run(args: argparse.Namespace) -> int:
    from app.lines import AudioLine
    from app.refining import with_refine
    from app.runner import SessionRunner, run_to_end
    from app.runner_events import RunnerEvent, TranscriptLine
    from audio.errors import AudioFileError, ModelError, NoMicrophone
    from audio.model import load_model
    from audio.recorder import RecorderError
    from audio.sources import AudioSource, FileSource, MicrophoneSource
    from audio.streaming import SYSTEM_DESIGN_GLOSSARY, StreamingConfig, StreamingTranscriber

    if args.mic == bool(args.audio):
        print("mockcoach transcribe: give an AUDIO file, or --mic (not both).", file=sys.stderr)
        return 2
    try:
        source: AudioSource
        if args.mic:
            source = MicrophoneSource(args.device)
        else:
            source = FileSource(args.audio, realtime=args.realtime)
        resolved = _resolve_model(args)
        model = load_model(resolved, threads=args.threads)
    except (AudioFileError, ModelError, NoMicrophone) as exc:
        print(f"mockcoach transcribe: {exc}", file=sys.stderr)
        return 2

    overrides: dict[str, Any] = {}
    if args.hop:
        overrides["hop_s"] = args.hop
    if args.beam_size:
        overrides["beam_size"] = args.beam_size
    glossary = SYSTEM_DESIGN_GLOSSARY if args.glossary == "default" else args.glossary
    live = StreamingTranscriber(
        model,
        glossary=glossary,
        config=StreamingConfig(**overrides),
        live=bool(args.mic or args.realtime),
    )
    transcriber = with_refine(live, resolved, glossary=glossary, refine=not args.no_refine)
    out = sys.stdout
    printer = None if args.json else _Printer(out)

    def show(event: RunnerEvent) -> None:
        if not isinstance(event, TranscriptLine):
            return
        revised = bool(getattr(event, "revised", False))
        if printer is not None:
            printer.show(event.final, event.text, event.start_s, revised)
            return
        record = {
            "event": "revised" if revised else "final" if event.final else "partial",
            "text": event.text,
            "start": round(event.start_s, 3),
            "end": round(event.end_s, 3),
            "emitted": round(event.emitted_s, 3),
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()

    # The one session pipeline, with nothing to save and no framework to track.
    runner = SessionRunner(None, None, AudioLine(source, transcriber=transcriber), listener=show,
                           record_to=Path(args.record) if args.record else None)
    started = time.monotonic()
    interrupted = False
    failure = None
    try:
        failure = run_to_end(runner).error
    except KeyboardInterrupt:
        interrupted = True
    except RecorderError as exc:
        print(f"mockcoach transcribe: {exc}", file=sys.stderr)
        return 2
    wall_s = time.monotonic() - started
    audio_s = transcriber.stats.audio_s
    summary = {
        "event": "summary",
        "audio_s": round(audio_s, 3),
        "wall_s": round(wall_s, 3),
        "rtf": round(runner.decode_s / audio_s, 3) if audio_s > 0 else 0.0,
        "lag_max_s": round(transcriber.stats.lag_max_s, 3),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    if printer is not None:
        printer.close()
        print(
            f"-- {audio_s:.1f} s of audio in {wall_s:.1f} s "
            f"(compute {summary['rtf']}x real time, max lag {summary['lag_max_s']} s)",
            file=sys.stderr,
        )
    else:
        out.write(json.dumps(summary) + "\n")
        out.flush()
    if source.error is not None:
        print(f"mockcoach transcribe: {source.error}", file=sys.stderr)
        return 3
    if failure is not None:  # e.g. no microphone to open, the model failing mid-way
        print(f"mockcoach transcribe: {failure.message}", file=sys.stderr)
        return 2
    return 130 if interrupted else 0
