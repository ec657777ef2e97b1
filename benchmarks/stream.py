"""Streaming transcription benchmark: latency, accuracy, cost — and an hour-long endurance run.

Quick mode (default) streams every recording of ../shared/data/audio/references.tsv through the
live pipeline (FileSource at real time → StreamingTranscriber) and prints per file and overall:
final-word latency p50/p95 (emit time − the word's end time from an offline pass of the same
model), partial (first-seen) latency p50, streaming WER and offline WER vs the references, RTF,
mean CPU % of all cores, peak RSS.

    .venv/bin/python benchmarks/stream.py                  # real time (~2 min)
    .venv/bin/python benchmarks/stream.py --simulate       # same figures, virtual clock (faster)
    .venv/bin/python benchmarks/stream.py --long-minutes 60

``--simulate`` replaces waiting for the audio by a virtual clock that advances with the audio and
with the measured compute time (exactly what a live run on one worker sees, minus scheduling
noise). ``--long-minutes N`` loops the recordings with pauses and stretches of pure silence and
noise for N minutes (simulated clock) and reports p95 latency, RSS and CPU per 5-minute window
and the words emitted during silence/noise.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from audio.events import SAMPLE_RATE, AudioFrame, TranscriptEvent  # noqa: E402
from audio.metrics import ErrorCounts, edit_distance, error_counts, normalize_words  # noqa: E402
from audio.model import load_model, resolve_model  # noqa: E402
from audio.refine import apply_revision  # noqa: E402
from audio.sources import FileSource  # noqa: E402
from audio.streaming import DecodeTrace, StreamingConfig, StreamingTranscriber  # noqa: E402
from audio.vad import VadSettings  # noqa: E402
from benchmarks._audio_bench import (  # noqa: E402
    TimedToken,
    VirtualClock,
    final_latencies,
    first_seen_latencies,
    median,
    offline_tokens,
    pct,
)
from benchmarks._latency import WordTiming, breakdown, print_breakdown  # noqa: E402

SHARED = Path(os.environ.get("MOCKCOACH_SHARED_DATA", ROOT.parent / "shared" / "data"))
FRAME_S = 0.1


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def load_references() -> list[tuple[Path, str]]:
    tsv = SHARED / "audio" / "references.tsv"
    if not tsv.is_file():
        sys.exit(f"benchmark needs the shared data: {tsv} not found (set MOCKCOACH_SHARED_DATA)")
    with tsv.open(encoding="utf-8") as fh:
        return [(SHARED / "audio" / row[0], row[1]) for row in csv.reader(fh, delimiter="\t")]


def decode_file(path: Path) -> np.ndarray:
    frames = [f.samples for f in FileSource(path).frames()]
    return np.concatenate(frames) if frames else np.zeros(0, np.float32)


def make_config(args: argparse.Namespace) -> StreamingConfig:
    vad = VadSettings(threshold=args.vad_threshold, min_silence_s=args.min_silence, pad_s=args.pad)
    return StreamingConfig(
        hop_s=args.hop,
        beam_size=args.beam_size,
        vad=vad,
        max_buffer_s=args.max_buffer,
        without_timestamps=args.without_timestamps,
        stable_after_s=args.stable_after,
        doubtful_streak=args.doubtful_streak,
        doubt_cap_s=args.doubt_cap,
    )


@dataclass
class Run:
    events: list[TranscriptEvent]
    audio_s: float
    busy_s: float
    cpu_s: float
    wall_s: float
    lag_max_s: float


def stream_frames(
    frames: Iterator[AudioFrame], transcriber: Any, clock: VirtualClock | None
) -> Run:
    events: list[TranscriptEvent] = []
    busy = 0.0
    cpu0, wall0 = cpu_s(), time.monotonic()
    audio_s = 0.0
    for frame in frames:
        if clock is not None:
            clock.arrive(frame.end_s)
        t = time.perf_counter()
        events += transcriber.insert(frame)
        busy += time.perf_counter() - t
        if clock is not None:
            clock.done()
        audio_s = frame.end_s
    if clock is not None:
        clock.arrive(audio_s)
    t = time.perf_counter()
    events += transcriber.finish()
    busy += time.perf_counter() - t
    if clock is not None:
        clock.done()
    return Run(
        events, audio_s, busy, cpu_s() - cpu0, time.monotonic() - wall0, transcriber.stats.lag_max_s
    )


def fmt(x: float, nd: int = 2) -> str:
    return "   n/a" if x != x else f"{x:6.{nd}f}"


def spoken_reference(seconds: float, tmp_dir: Path) -> tuple[Path, str]:
    """The first ``seconds`` of the spoken system-design mock (espeak-ng) and its words."""
    import json

    import soundfile as sf

    flac = SHARED / "spoken" / "sdp_pastebin.flac"
    lines = (SHARED / "spoken" / "sdp_pastebin.jsonl").read_text(encoding="utf-8").splitlines()
    utterances = [json.loads(line) for line in lines if line.strip()]
    kept = [u for u in utterances if u["end"] <= seconds]
    cut_s = kept[-1]["end"] + 0.8
    audio = decode_file(flac)[: int(cut_s * SAMPLE_RATE)]
    path = tmp_dir / f"sdp_pastebin_first_{int(cut_s)}s.wav"
    sf.write(path, audio, SAMPLE_RATE, subtype="PCM_16")
    return path, " ".join(u["text"] for u in kept)


def long_read(tmp_dir: Path) -> tuple[Path, str]:
    """The six LJ Speech clips back to back: 52 s of one reader (a long read, no long pause)."""
    import soundfile as sf

    rows = [(p, r) for p, r in load_references() if p.name.startswith("coqui_LJ")]
    path = tmp_dir / "lj_long_read.wav"
    sf.write(path, np.concatenate([decode_file(p) for p, _ in rows]), SAMPLE_RATE)
    return path, " ".join(r for _, r in rows)


def refined_text(events: list[TranscriptEvent]) -> str:
    """The transcript once every revision replaced the finals it covers (the saved text)."""
    lines: list[TranscriptEvent] = []
    for ev in sorted((e for e in events if e.final), key=lambda e: e.emitted_s):
        lines = apply_revision(lines, ev) if ev.revised else [*lines, ev]
    return " ".join(e.text for e in lines)


def revision_delays(events: list[TranscriptEvent]) -> tuple[list[float], list[float]]:
    """Per revised utterance: emit − its end of the first revision (when its line first reads
    refined) and of the last (a span is decoded again as it grows: the text that is saved)."""
    first: dict[tuple[float, float], float] = {}
    last: dict[tuple[float, float], float] = {}
    for e in events:
        if e.revised:
            key = (round(e.start_s, 3), round(e.end_s, 3))
            first.setdefault(key, e.emitted_s - e.end_s)
            last[key] = e.emitted_s - e.end_s
    return list(first.values()), list(last.values())


def quick(args: argparse.Namespace) -> None:
    import tempfile

    refs = load_references()[: args.files or None]
    if args.long_read:
        refs = [*refs, long_read(Path(tempfile.mkdtemp(prefix="mockcoach-bench-")))]
    if args.spoken:
        spoken = spoken_reference(args.spoken, Path(tempfile.mkdtemp(prefix="mockcoach-bench-")))
        refs = [*refs, spoken] if args.files else [spoken]
    resolved = resolve_model(args.model)
    model = load_model(resolved, threads=args.threads, encoder_min_s=args.encoder_min)
    offline_model = load_model(resolved, threads=args.threads, short_window=False)
    cores = os.cpu_count() or 1
    mode = "real time"
    if args.cpu_clock:
        mode = "simulated clock advanced by process CPU time"
    elif args.simulate:
        mode = "simulated clock advanced by wall time"
    print(
        f"model {resolved.name} ({resolved.source}), int8, threads={args.threads or 'auto'}, "
        f"cores={cores}, mode={mode}, "
        f"hop={args.hop}s beam={args.beam_size} min_silence={args.min_silence}s "
        f"vad_threshold={args.vad_threshold} pad={args.pad}s"
    )
    load_before = os.getloadavg()[0]
    header = (
        "file                          audio_s  fin_p50 fin_p95 part_p50  WER_str WER_off"
        "   RTF  CPU%  WER_ref del_str del_ref rev_p95"
    )
    print(header)
    all_final: list[float] = []
    all_first: list[float] = []
    errs_s = errs_o = n_ref = 0
    tot_live = tot_ref = ErrorCounts(0, 0, 0, 0)
    all_revised: list[float] = []
    all_settled: list[float] = []
    tot_audio = tot_busy = tot_cpu = 0.0
    timings: list[WordTiming] = []
    for path, ref in refs:
        audio = decode_file(path)
        off_text, off_tokens = offline_tokens(offline_model, audio, beam_size=args.offline_beam)
        clock = VirtualClock(cpu=args.cpu_clock) if args.simulate or args.cpu_clock else None
        traces: list[DecodeTrace] = []
        live = StreamingTranscriber(
            model,
            config=make_config(args),
            clock=clock or time.monotonic,
            glossary=args.glossary,
            trace=traces.append if args.breakdown else None,
        )
        tr: Any = live
        if args.refine:
            from app.refining import RefiningTranscriber, refining_factory

            tr = RefiningTranscriber(live, refining_factory(resolved, glossary=args.glossary))
        frames = FileSource(path, realtime=clock is None, frame_s=FRAME_S).frames()
        run = stream_frames(frames, tr, clock)
        finals = " ".join(e.text for e in run.events if e.final and not e.revised)
        refined = refined_text(run.events) if args.refine else finals
        first_rev, last_rev = revision_delays(run.events)
        revised_lat = first_rev
        all_revised += first_rev
        all_settled += last_rev
        c_live = error_counts(ref, finals)
        c_ref = error_counts(ref, refined)
        tot_live, tot_ref = tot_live + c_live, tot_ref + c_ref
        lat = [d for _, d in final_latencies([e for e in run.events if not e.revised], off_tokens)]
        if args.breakdown:
            timings += breakdown([e for e in run.events if not e.revised], off_tokens, traces)
        first = first_seen_latencies([e for e in run.events if not e.revised], off_tokens)
        ref_words = normalize_words(ref)
        e_s = edit_distance(ref_words, normalize_words(finals))
        e_o = edit_distance(ref_words, normalize_words(off_text))
        errs_s, errs_o, n_ref = errs_s + e_s, errs_o + e_o, n_ref + len(ref_words)
        all_final += lat
        all_first += first
        tot_audio += run.audio_s
        tot_busy += run.busy_s
        tot_cpu += run.cpu_s
        print(
            f"{path.name[:29]:29s} {run.audio_s:7.1f} {fmt(median(lat))} {fmt(pct(lat, 95))} "
            f"{fmt(median(first))}  {100 * e_s / len(ref_words):6.1f}% "
            f"{100 * e_o / len(ref_words):6.1f}% "
            f"{run.busy_s / run.audio_s:5.2f} {100 * run.cpu_s / run.audio_s / cores:5.1f}"
            f"  {100 * c_ref.errors / c_ref.words:6.1f}% {c_live.deletions:7d} "
            f"{c_ref.deletions:7d} {fmt(pct(revised_lat, 95))}"
        )
        if args.verbose:
            print(f"    streamed: {finals}\n    offline:  {off_text}")
    print("-" * len(header))
    print(
        f"{'OVERALL':29s} {tot_audio:7.1f} {fmt(median(all_final))} {fmt(pct(all_final, 95))} "
        f"{fmt(median(all_first))}  {100 * errs_s / n_ref:6.1f}% {100 * errs_o / n_ref:6.1f}% "
        f"{tot_busy / tot_audio:5.2f} {100 * tot_cpu / tot_audio / cores:5.1f}"
        f"  {100 * tot_ref.errors / tot_ref.words:6.1f}% {tot_live.deletions:7d} "
        f"{tot_ref.deletions:7d} {fmt(pct(all_revised, 95))}"
    )
    print(
        f"live finals: {tot_live}; refined: {tot_ref}; utterances revised {len(all_revised)}, "
        f"first revision - utterance end p50/p95 "
        f"{fmt(median(all_revised))}/{fmt(pct(all_revised, 95))} s, last (the text saved) "
        f"p50/p95 {fmt(median(all_settled))}/{fmt(pct(all_settled, 95))} s"
        + ("" if args.refine else " (--no-refine)")
    )
    print(
        f"peak RSS {peak_rss_mb():.0f} MB (models loaded: streaming, offline reference"
        f"{', refine' if args.refine else ''}); "
        f"final words matched {len(all_final)}; load average before/after "
        f"{load_before:.2f}/{os.getloadavg()[0]:.2f} on {cores} cores"
    )
    if args.breakdown:
        print_breakdown(timings)
    print(
        "RTF = seconds spent in the transcriber / audio seconds. CPU% = process CPU seconds "
        "during the streaming loop / (audio seconds x cores): the share of the machine a live "
        "session uses while speech streams."
    )


# ----------------------------------------------------------------------------- long run


@dataclass(frozen=True)
class Piece:
    start_s: float
    end_s: float
    kind: str  # "speech" | "pause" | "silence" | "noise-white" | "noise-pink" | "hum"
    clip: int = -1


def noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "silence":
        return np.zeros(n, np.float32)
    if kind == "noise-white":
        return (rng.standard_normal(n) * 10 ** (-45 / 20)).astype(np.float32)
    if kind == "noise-pink":
        white = rng.standard_normal(n + 64)
        pink = np.convolve(white, np.ones(64) / 8.0, mode="valid")[:n]
        return (pink / (np.abs(pink).max() + 1e-9) * 10 ** (-30 / 20)).astype(np.float32)
    if kind == "clicks":  # keyboard-like transients on room tone
        out = rng.standard_normal(n) * 10 ** (-60 / 20)
        for at in rng.integers(0, max(1, n - 200), size=max(1, n // 2400)):
            out[at : at + 200] += rng.standard_normal(200) * np.exp(-np.arange(200) / 30) * 0.3
        return out.astype(np.float32)
    if kind == "noise-loud":
        return (rng.standard_normal(n) * 10 ** (-20 / 20)).astype(np.float32)
    if kind == "hum":
        t = np.arange(n) / SAMPLE_RATE
        sig = sum(np.sin(2 * np.pi * 50 * k * t) / k for k in (1, 2, 3))
        return (sig * 10 ** (-30 / 20)).astype(np.float32)
    # "pause": room tone
    return (rng.standard_normal(n) * 10 ** (-60 / 20)).astype(np.float32)


def long_run(args: argparse.Namespace) -> None:
    refs = load_references()
    resolved = resolve_model(args.model)
    offline_model = load_model(resolved, threads=args.threads, short_window=False)
    clips = [decode_file(p) for p, _ in refs]
    clip_tokens = [offline_tokens(offline_model, c, beam_size=args.offline_beam)[1] for c in clips]
    del offline_model
    model = load_model(resolved, threads=args.threads, encoder_min_s=args.encoder_min)
    rng = np.random.default_rng(7)
    pyrng = random.Random(7)
    total_s = args.long_minutes * 60.0
    pieces: list[Piece] = []
    t = 0.0
    i = 0
    noise_kinds = ["silence", "noise-white", "noise-pink", "hum"]
    while t < total_s:
        clip = i % len(clips)
        d = len(clips[clip]) / SAMPLE_RATE
        pieces.append(Piece(t, t + d, "speech", clip))
        t += d
        if i % 8 == 7:  # every 8 clips: 30 s of pure silence or noise
            kind = noise_kinds[(i // 8) % len(noise_kinds)]
            pieces.append(Piece(t, t + 30.0, kind))
            t += 30.0
        else:
            gap = pyrng.uniform(0.8, 4.0)
            pieces.append(Piece(t, t + gap, "pause"))
            t += gap
        i += 1

    def frames() -> Iterator[AudioFrame]:
        pending = np.zeros(0, np.float32)
        pos = 0
        step = int(FRAME_S * SAMPLE_RATE)
        for piece in pieces:
            n = round((piece.end_s - piece.start_s) * SAMPLE_RATE)
            body = clips[piece.clip][:n] if piece.kind == "speech" else noise(piece.kind, n, rng)
            pending = np.concatenate((pending, body))
            while len(pending) >= step:
                yield AudioFrame(pending[:step].copy(), pos / SAMPLE_RATE)
                pending = pending[step:]
                pos += step
        if len(pending):
            yield AudioFrame(pending, pos / SAMPLE_RATE)

    clock = VirtualClock(cpu=args.cpu_clock)
    tr = StreamingTranscriber(model, config=make_config(args), clock=clock, glossary=args.glossary)
    window_s = 300.0
    print(
        f"long run: {args.long_minutes} min simulated, {len(pieces)} pieces "
        f"({sum(1 for p in pieces if p.kind not in ('speech', 'pause'))} stretches of 30 s "
        f"silence/noise), model {resolved.name}, hop={args.hop}s, cores={os.cpu_count()}"
    )
    print("window      p50_s  p95_s  words  RSS_MB  CPU%  RTF   lag_max_s")
    events: list[TranscriptEvent] = []
    w_index = 0
    cpu0 = cpu_s()
    busy = 0.0
    w_lag = 0.0
    rows = []

    def close_window(idx: int, cpu_used: float, busy_s: float) -> None:
        lo, hi = idx * window_s, (idx + 1) * window_s
        # Matched clip by clip: the clips repeat, and one alignment over a whole window can pair
        # a word with the same word of another repetition (latency off by minutes).
        finals = [e for e in events if e.final and e.end_s >= lo - 30.0]
        lat: list[float] = []
        for p in pieces:
            if p.kind == "speech" and lo <= p.start_s < hi:
                ref = [
                    TimedToken(tk.token, tk.start_s + p.start_s, tk.end_s + p.start_s)
                    for tk in clip_tokens[p.clip]
                ]
                own = [
                    e
                    for e in finals
                    if p.start_s - 0.5 <= (e.start_s + e.end_s) / 2 <= p.end_s + 0.5
                ]
                lat += [d for _, d in final_latencies(own, ref)]
        rows.append((idx, median(lat), pct(lat, 95)))
        print(
            f"{int(lo // 60):3d}-{int(hi // 60):3d} min {fmt(median(lat))} {fmt(pct(lat, 95))} "
            f"{len(lat):6d} {rss_mb():7.0f} "
            f"{100 * cpu_used / window_s / (os.cpu_count() or 1):5.1f} "
            f"{busy_s / window_s:5.2f} {w_lag:6.2f}",
            flush=True,
        )

    w_cpu0 = cpu0
    w_busy = 0.0
    for frame in frames():
        idx = int(frame.start_s // window_s)
        if idx != w_index:
            close_window(w_index, cpu_s() - w_cpu0, w_busy)
            w_index, w_cpu0, w_busy, w_lag = idx, cpu_s(), 0.0, 0.0
        clock.arrive(frame.end_s)
        t0 = time.perf_counter()
        new = tr.insert(frame)
        dt = time.perf_counter() - t0
        clock.done()
        busy += dt
        w_busy += dt
        w_lag = max(w_lag, tr.lag_s)
        events += new
    clock.arrive(clock.now_s)
    new = tr.finish()
    clock.done()
    events += new
    close_window(w_index, cpu_s() - w_cpu0, w_busy)

    # Words emitted in pure silence/noise: finals whose middle is inside such a stretch, more
    # than 1 s away from any speech.
    quiet = [p for p in pieces if p.kind not in ("speech", "pause")]
    quiet_s = sum(p.end_s - p.start_s for p in quiet)
    phantom_words = 0
    phantom_texts = []
    for ev in events:
        if not ev.final:
            continue
        mid = (ev.start_s + ev.end_s) / 2
        for p in quiet:
            if p.start_s + 1.0 <= mid <= p.end_s - 0.5:
                phantom_words += len(normalize_words(ev.text))
                phantom_texts.append(f"{p.kind}@{ev.start_s:.1f}: {ev.text}")
    full = [r for r in rows if r[2] == r[2]]  # windows with words (a short tail window has none)
    first, last = full[0], full[-1]
    print(
        f"silence/noise: {quiet_s / 60:.1f} min in {len(quiet)} stretches -> {phantom_words} "
        f"words emitted {phantom_texts[:5]}"
    )
    print(
        f"p95 latency first window {fmt(first[2])} s, last window {fmt(last[2])} s "
        f"(ratio {last[2] / first[2]:.2f}); peak RSS {peak_rss_mb():.0f} MB; "
        f"total compute {busy:.0f} s for {pieces[-1].end_s:.0f} s audio "
        f"(RTF {busy / pieces[-1].end_s:.2f}); decodes {tr.stats.decodes}; "
        f"max lag {tr.stats.lag_max_s:.2f} s"
    )


def noise_run(args: argparse.Namespace) -> None:
    """Only silence and noise for N minutes: every word emitted is a phantom."""
    resolved = resolve_model(args.model)
    model = load_model(resolved, threads=args.threads, encoder_min_s=args.encoder_min)
    kinds = ["silence", "noise-white", "noise-pink", "hum", "clicks", "noise-loud"]
    rng = np.random.default_rng(11)
    tr = StreamingTranscriber(model, config=make_config(args), live=False, glossary=args.glossary)
    step = int(FRAME_S * SAMPLE_RATE)
    total = int(args.noise_minutes * 60 * SAMPLE_RATE)
    stretch = 60 * SAMPLE_RATE
    events: list[TranscriptEvent] = []
    cpu0, wall0 = cpu_s(), time.monotonic()
    per_kind: dict[str, int] = {}
    for pos in range(0, total, step):
        kind = kinds[(pos // stretch) % len(kinds)]
        new = tr.insert(AudioFrame(noise(kind, step, rng), pos / SAMPLE_RATE))
        new_words = sum(len(normalize_words(e.text)) for e in new if e.final)
        per_kind[kind] = per_kind.get(kind, 0) + new_words
        events += new
    events += tr.finish()
    finals = [e for e in events if e.final]
    print(
        f"silence/noise only: {args.noise_minutes:g} min ({', '.join(kinds)}; 1 min each in "
        f"turn) -> {sum(len(normalize_words(e.text)) for e in finals)} final words, "
        f"{sum(1 for e in events if not e.final)} partials, {tr.stats.decodes} decodes, "
        f"{tr.stats.dropped_phantoms} phantom segments dropped; per kind {per_kind}; "
        f"CPU {cpu_s() - cpu0:.1f} s, wall {time.monotonic() - wall0:.1f} s"
    )
    for ev in finals[:10]:
        print(f"  {ev.start_s:8.1f}s {ev.text}")


def replay_run(args: argparse.Namespace) -> None:
    """A recording through the batch decoder (replay, recovery) against the offline pass."""
    from audio.batch import BatchDecoder, read_audio

    path = Path(args.replay)
    ref_path = path.with_suffix(".jsonl")
    import json

    reference = " ".join(
        json.loads(line)["text"]
        for line in ref_path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    resolved = resolve_model(args.model)
    model = load_model(resolved, threads=args.threads, short_window=False)
    audio = read_audio(path)
    audio_s = len(audio) / SAMPLE_RATE
    load_before = os.getloadavg()[0]
    started, cpu0 = time.monotonic(), cpu_s()
    events = BatchDecoder(model).transcribe(audio)
    wall, cpu = time.monotonic() - started, cpu_s() - cpu0
    batch = error_counts(reference, " ".join(e.text for e in events))
    print(
        f"batch decode of {path.name}: {audio_s:.0f} s audio in {wall:.1f} s wall "
        f"({wall / audio_s:.3f}x real time, CPU {cpu:.0f} s), "
        f"WER {100 * batch.errors / batch.words:.1f} % "
        f"({batch}); load average before/after {load_before:.2f}/{os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} cores"
    )
    if args.offline_too:
        started = time.monotonic()
        off_text, _ = offline_tokens(model, audio, beam_size=args.offline_beam)
        off = error_counts(reference, off_text)
        print(
            f"offline pass (beam {args.offline_beam}, word timestamps): "
            f"{time.monotonic() - started:.1f} s, WER {100 * off.errors / off.words:.1f} % ({off})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--simulate", action="store_true", help="virtual clock instead of waiting")
    parser.add_argument(
        "--cpu-clock",
        action="store_true",
        help="simulate, advancing the clock by process CPU time (ignores other programs' load)",
    )
    parser.add_argument("--long-minutes", type=float, default=0.0)
    parser.add_argument("--noise-minutes", type=float, default=0.0, help="only silence/noise")
    parser.add_argument("--files", type=int, default=0, help="only the first N recordings")
    parser.add_argument(
        "--spoken",
        type=float,
        default=0.0,
        metavar="S",
        help="instead: the first S seconds of the spoken system-design mock (espeak-ng)",
    )
    parser.add_argument("--model", default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--hop", type=float, default=StreamingConfig.hop_s)
    parser.add_argument("--beam-size", type=int, default=StreamingConfig.beam_size)
    parser.add_argument("--offline-beam", type=int, default=5)
    parser.add_argument("--min-silence", type=float, default=VadSettings.min_silence_s)
    parser.add_argument("--vad-threshold", type=float, default=VadSettings.threshold)
    parser.add_argument("--pad", type=float, default=VadSettings.pad_s)
    parser.add_argument("--max-buffer", type=float, default=StreamingConfig.max_buffer_s)
    parser.add_argument(
        "--stable-after",
        type=float,
        default=StreamingConfig.stable_after_s,
        help="commit words followed by this much audio without waiting for agreement (0: off)",
    )
    parser.add_argument(
        "--doubtful-streak",
        type=int,
        default=StreamingConfig.doubtful_streak,
        help="commit an unsure word once this many decodes in a row agree on it (0: never)",
    )
    parser.add_argument(
        "--doubt-cap",
        type=float,
        default=StreamingConfig.doubt_cap_s,
        help="commit any word this long behind the newest audio, however unsure (0: off)",
    )
    parser.add_argument(
        "--encoder-min",
        type=float,
        default=5.0,
        help="shortest encoder window of the streaming model, seconds",
    )
    parser.add_argument(
        "--without-timestamps",
        action=argparse.BooleanOptionalAction,
        default=StreamingConfig.without_timestamps,
        help="decode without timestamp tokens (default: as the app, StreamingConfig)",
    )
    parser.add_argument("--glossary", default=None)
    parser.add_argument(
        "--refine",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the refine pass beside the live path (real time: its own low-priority thread)",
    )
    parser.add_argument(
        "--long-read",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also the six LJ clips back to back (52 s long-form read)",
    )
    parser.add_argument(
        "--replay",
        metavar="AUDIO",
        help="batch-decode AUDIO (with AUDIO.jsonl as reference, e.g. the spoken mock)",
    )
    parser.add_argument("--offline-too", action="store_true", help="with --replay: offline pass")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="where each late final word's time went (waiting for a decode, decoding, unheard, "
        "waiting for the commit); the late words are listed",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if args.replay:
        replay_run(args)
    elif args.noise_minutes:
        noise_run(args)
    elif args.long_minutes:
        long_run(args)
    else:
        quick(args)


if __name__ == "__main__":
    main()
