"""Practise with a partner: speaker accuracy, echo removal and the candidate's latency.

A scripted mock (benchmarks/_dialogue.py: our own sentences, two espeak-ng voices, 72 s) goes
through the two-speaker line (app.partner.PartnerLine) exactly as ``mockcoach transcribe
CANDIDATE --interviewer OTHER`` runs it: one session runner, one worker, the candidate's
transcriber with the refine pass, the interviewer's decoding half as often. Printed:

1. **speaker accuracy** (two-file mode, clean tracks): the share of transcribed words whose
   speaker label is the speaker of the turn they fall in;
2. **echo**: the interviewer mixed into the candidate's microphone at -12 dB; the words the
   candidate's stream shows inside interviewer turns (leaked), with the filter off and on, and
   the share dropped; also the candidate's own WER both ways (the filter must not eat them);
3. **latency** (``--realtime``, both files paced at the speed of speech, echo on): the
   candidate's final-word latency p50/p95 (emit time - the word's end in an offline pass of
   the candidate track), with the load average beside it (the machine may be shared).

    .venv/bin/python benchmarks/partner.py              # 1 and 2 (about 1-2 min)
    .venv/bin/python benchmarks/partner.py --realtime   # and 3 (plus 75 s of real time)
    .venv/bin/python benchmarks/partner.py --cpu-clock  # and 3 on a simulated clock
    .venv/bin/python benchmarks/partner.py --latency-only --realtime --breakdown
                                        # 3 only, and where each late word's time went

``--cpu-clock`` measures 3 without waiting and without the other programs' load: both tracks'
frames are fed in time order to the two-speaker line on one thread (as the runner's worker
does) while a virtual clock advances with the audio and with the process's CPU time (the refine
worker's too: pessimistic on 2 cores, where it would run beside the worker). It is what a
machine with the cores to itself would see.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from app.lines import AudioLine, SpeakerFrame  # noqa: E402
from app.partner import PartnerLine, partner_transcribers  # noqa: E402
from app.refining import with_refine  # noqa: E402
from app.runner import SessionRunner, run_to_end  # noqa: E402
from app.runner_events import RunnerEvent, TranscriptLine  # noqa: E402
from audio.echo import EchoConfig, EchoFilter, spread_words  # noqa: E402
from audio.events import AudioFrame, TranscriptEvent  # noqa: E402
from audio.metrics import word_error_rate  # noqa: E402
from audio.model import load_model, resolve_model  # noqa: E402
from audio.refine import apply_revision  # noqa: E402
from audio.sources import FileSource  # noqa: E402
from audio.streaming import DecodeTrace, StreamingConfig  # noqa: E402
from benchmarks._audio_bench import (  # noqa: E402
    VirtualClock,
    final_latencies,
    offline_tokens,
    pct,
)
from benchmarks._dialogue import (  # noqa: E402
    Dialogue,
    build_dialogue,
    espeak_available,
    write_wav,
)
from benchmarks._latency import breakdown, print_breakdown  # noqa: E402


def run_pair(model: Any, resolved: Any, candidate: Path, interviewer: Path, *, echo: bool,
             realtime: bool, refine: bool = True, traces: list[DecodeTrace] | None = None,
             config: StreamingConfig | None = None,
             ) -> tuple[list[tuple[TranscriptEvent, str]], PartnerLine, float]:
    """Both files through the two-speaker line; the events with their speaker, the line, and
    the wall time. ``traces`` collects the candidate transcriber's decodes (for --breakdown)."""
    cand_t, intv_t = partner_transcribers(model, live=realtime, candidate_config=config)
    if traces is not None:
        cand_t.trace = traces.append
    live = with_refine(cand_t, resolved, refine=refine)
    line = PartnerLine(AudioLine(FileSource(candidate, realtime=realtime), transcriber=live),
                       AudioLine(FileSource(interviewer, realtime=realtime),
                                 transcriber=intv_t),
                       EchoFilter(EchoConfig(enabled=echo)))
    heard: list[tuple[TranscriptEvent, str]] = []

    def listen(event: RunnerEvent) -> None:
        if isinstance(event, TranscriptLine):
            heard.append(delivered(TranscriptEvent(event.text, event.start_s, event.end_s,
                                                   event.final, event.emitted_s, event.revised),
                                   event.speaker, cand_t.now_s()))

    started = time.monotonic()
    result = run_to_end(SessionRunner(None, None, line, listener=listen))
    if result.error is not None:
        raise SystemExit(result.error.message)
    return heard, line, time.monotonic() - started


class _Fed:
    """The source of a line whose frames the benchmark hands to ``decode`` itself."""

    realtime = True
    error: Exception | None = None

    def frames(self) -> Iterator[AudioFrame]:
        return iter(())

    def stop(self) -> None:
        """Nothing to stop."""


def simulate_pair(model: Any, resolved: Any, candidate: Any, interviewer: Any,
                  traces: list[DecodeTrace] | None = None,
                  config: StreamingConfig | None = None,
                  ) -> list[tuple[TranscriptEvent, str]]:
    """Both tracks through the two-speaker line on a virtual CPU-time clock (see --cpu-clock);
    ``traces`` collects the candidate transcriber's decodes (for --breakdown)."""
    clock = VirtualClock(cpu=True)
    cand_t, intv_t = partner_transcribers(model, live=True, candidate_config=config)
    if traces is not None:
        cand_t.trace = traces.append
    cand_t.clock = intv_t.clock = clock
    line = PartnerLine(AudioLine(_Fed(), transcriber=with_refine(cand_t, resolved)),
                       AudioLine(_Fed(), transcriber=intv_t))
    step = round(0.1 * 16_000)
    heard: list[tuple[TranscriptEvent, str]] = []
    for i in range(0, min(len(candidate), len(interviewer)), step):
        for speaker, track in (("candidate", candidate), ("interviewer", interviewer)):
            frame = SpeakerFrame(track[i:i + step], i / 16_000, speaker)
            clock.arrive(frame.end_s)
            heard += [delivered(e, who, cand_t.now_s()) for e, who in line.decode(frame)]
            clock.done()
    clock.arrive(clock.now_s)
    heard += [delivered(e, who, cand_t.now_s()) for e, who in line.finish()]
    clock.done()
    return heard


def delivered(event: TranscriptEvent, speaker: str, now_s: float) -> tuple[TranscriptEvent, str]:
    """The event stamped with when it left the line, if later than when the transcriber made
    it: the echo filter holds a candidate final that overlaps the partner's sound until the
    partner's words are known, and the user sees it only then."""
    if speaker != "candidate" or now_s <= event.emitted_s:
        return event, speaker
    return dataclasses.replace(event, emitted_s=now_s), speaker


def transcript(heard: list[tuple[TranscriptEvent, str]], speaker: str) -> list[TranscriptEvent]:
    """One speaker's finals once every revision replaced what it covers."""
    lines: list[TranscriptEvent] = []
    for event, who in heard:
        if who != speaker or not event.final:
            continue
        lines = apply_revision(lines, event) if event.revised else [*lines, event]
    return [e for e in lines if e.text.strip()]


def labelled_words(heard: list[tuple[TranscriptEvent, str]]) -> list[tuple[str, float, str]]:
    out = []
    for speaker in ("candidate", "interviewer"):
        for event in transcript(heard, speaker):
            out += [(raw, word.mid_s, speaker) for raw, word in spread_words(event)]
    return out


def speaker_accuracy(dialogue: Dialogue, heard: list[tuple[TranscriptEvent, str]]
                     ) -> tuple[int, int]:
    words = labelled_words(heard)
    right = sum(1 for _, at, who in words if dialogue.speaker_at(at) == who)
    return right, len(words)


def leaked(dialogue: Dialogue, heard: list[tuple[TranscriptEvent, str]]) -> list[str]:
    """Candidate-labelled words that fall inside an interviewer turn."""
    return [raw for raw, at, who in labelled_words(heard)
            if who == "candidate" and dialogue.speaker_at(at) == "interviewer"]


def candidate_wer(dialogue: Dialogue, heard: list[tuple[TranscriptEvent, str]]) -> float:
    words = [raw for raw, at, who in labelled_words(heard)
             if who == "candidate" and dialogue.speaker_at(at) == "candidate"]
    return word_error_rate(dialogue.text_of("candidate"), " ".join(words))


def accuracy_and_echo(dialogue: Dialogue, model: Any, resolved: Any,
                      files: tuple[Path, Path, Path], leak_db: float,
                      config: StreamingConfig | None = None) -> None:
    """Prints 1 (speaker accuracy, two clean files) and 2 (echo with the partner in the mic)."""
    cand, intv, mix = files
    heard, _, wall = run_pair(model, resolved, cand, intv, echo=True, realtime=False,
                              config=config)
    right, total = speaker_accuracy(dialogue, heard)
    print(f"1. speaker accuracy, two files: {right}/{total} words = "
          f"{100.0 * right / max(1, total):.1f} % (target >= 98 %; {wall:.0f} s wall)")

    off, _, _ = run_pair(model, resolved, mix, intv, echo=False, realtime=False, config=config)
    on, line, _ = run_pair(model, resolved, mix, intv, echo=True, realtime=False, config=config)
    before, after = leaked(dialogue, off), leaked(dialogue, on)
    dropped = 1.0 - len(after) / max(1, len(before))
    right_on, total_on = speaker_accuracy(dialogue, on)
    print(f"2. echo at {leak_db:.0f} dB: leaked words {len(before)} without the filter, "
          f"{len(after)} with it: {100.0 * dropped:.1f} % dropped (target >= 90 %); "
          f"{line.echo.stats.dropped_words} dropped "
          f"({line.echo.stats.dropped_by_level} by level)")
    print(f"   candidate WER in own turns: {100 * candidate_wer(dialogue, off):.1f} % without, "
          f"{100 * candidate_wer(dialogue, on):.1f} % with the filter; speaker accuracy with "
          f"echo: {100.0 * right_on / max(1, total_on):.1f} %")
    if after:
        print(f"   still leaked: {' '.join(after)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realtime", action="store_true",
                        help="also measure the candidate's latency at real time")
    parser.add_argument("--cpu-clock", action="store_true",
                        help="also measure the latency on a simulated CPU-time clock")
    parser.add_argument("--breakdown", action="store_true",
                        help="where each late word's time went (waiting for a decode, decoding, "
                             "unheard, waiting for the commit); without --realtime it implies "
                             "--cpu-clock")
    parser.add_argument("--latency-only", action="store_true",
                        help="skip 1 and 2 (speaker accuracy and echo)")
    parser.add_argument("--leak-db", type=float, default=-12.0)
    parser.add_argument("--doubt-cap", type=float, default=StreamingConfig.doubt_cap_s,
                        help="the candidate's transcriber commits any word this long behind "
                             "the newest audio, however unsure (0: off)")
    parser.add_argument("--doubtful-streak", type=int, default=StreamingConfig.doubtful_streak,
                        help="the candidate's transcriber commits an unsure word once this many "
                             "decodes in a row agree on it (0: never)")
    parser.add_argument("--keep", metavar="DIR", help="keep the dialogue's WAV files here")
    args = parser.parse_args()
    if not espeak_available():
        raise SystemExit("benchmarks/partner.py needs espeak-ng (apt-get install espeak-ng)")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="partner-"))
    dialogue = build_dialogue(work / "turns")
    cand = write_wav(work / "candidate.wav", dialogue.candidate)
    intv = write_wav(work / "interviewer.wav", dialogue.interviewer)
    mix = write_wav(work / "mic_mix.wav", dialogue.mic_mix(args.leak_db))
    resolved = resolve_model(None)
    model = load_model(resolved)
    config = StreamingConfig(doubt_cap_s=args.doubt_cap, doubtful_streak=args.doubtful_streak)
    n_turns = len(dialogue.turns)
    print(f"dialogue: {dialogue.duration_s:.1f} s, {n_turns} turns, "
          f"{len(dialogue.text_of('candidate').split())} candidate words, "
          f"{len(dialogue.text_of('interviewer').split())} interviewer words; "
          f"load average {os.getloadavg()[0]:.2f}")

    if not args.latency_only:
        accuracy_and_echo(dialogue, model, resolved, (cand, intv, mix), args.leak_db, config)
    _, reference = offline_tokens(model, dialogue.candidate)
    if args.cpu_clock or (args.breakdown and not args.realtime):
        silent = dialogue.interviewer * 0.0
        for what, mic, other in (
                ("candidate alone (the partner's source silent)", dialogue.candidate, silent),
                ("both streams, echo on", dialogue.mic_mix(args.leak_db), dialogue.interviewer)):
            traces: list[DecodeTrace] = []
            simulated = simulate_pair(model, resolved, mic, other, traces, config)
            finals = [e for e, who in simulated
                      if who == "candidate" and e.final and not e.revised]
            lat = [d for _, d in final_latencies(finals, reference)]
            print(f"3. candidate final-word latency, {what}, CPU-time clock: "
                  f"p50 {pct(lat, 50):.2f} s, p95 {pct(lat, 95):.2f} s over {len(lat)} words "
                  f"(targets 1.2 / 2.0 s); load average {os.getloadavg()[0]:.2f}")
            if args.breakdown:
                print_breakdown(breakdown(finals, reference, traces))
    if args.realtime:
        load_before = os.getloadavg()[0]
        rt_traces: list[DecodeTrace] = []
        live, _, wall = run_pair(model, resolved, mix, intv, echo=True, realtime=True,
                                 traces=rt_traces, config=config)
        finals = [e for e, who in live if who == "candidate" and e.final and not e.revised]
        lat = [d for _, d in final_latencies(finals, reference)]
        print(f"3. candidate final-word latency, both streams at real time, echo on: "
              f"p50 {pct(lat, 50):.2f} s, p95 {pct(lat, 95):.2f} s over {len(lat)} words "
              f"(targets 1.2 / 2.0 s); {wall:.0f} s wall; load average "
              f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after, "
              f"{os.cpu_count()} cores")
        if args.breakdown:
            print_breakdown(breakdown(finals, reference, rt_traces))


if __name__ == "__main__":
    main()
