"""The hypothesis buffer: which decoded words become final, and where the audio may be cut.

Shaped like ufal/whisper_streaming's ``HypothesisBuffer``. Each decode of the (growing) audio
buffer gives a hypothesis; ``insert`` drops the words already committed, commits the leading
words two consecutive hypotheses agree on (LocalAgreement-2) or that are followed by enough
audio to be stable, and keeps the rest as the pending guess. ``cut_point`` says where the audio
buffer may be trimmed without losing a word.

Edge words (issue 11): every word the old live path lost sat at the edge of a committed
segment. Two causes, both fixed here:

- *dropping committed words by start time*: a fresh word whose start jittered 0.1 s back over
  the edge was thrown away as "already committed". Now a word is old when its *middle* is
  before the edge, or it repeats the committed tail.
- *cutting the audio exactly at a committed word's end*: word ends are ±0.2 s off, so the next
  word's onset was cut (or left at the very edge of the buffer, where Whisper skips it). Now
  the cut goes in the middle of a pause between committed words, else at the *start* of the
  last committed word, which the next decode re-reads and ``drop_committed`` removes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from audio.words import Word, norm, norm_words

__all__ = ["CommitPolicy", "HypothesisBuffer"]

_SENTENCE_END = (".", "?", "!")


@dataclass(frozen=True)
class CommitPolicy:
    """When a word is final. Defaults measured with tiny.en on 2 cores (benchmarks/stream.py)."""

    stable_after_s: float = 1.0
    """Commit, without waiting for a second decode to agree, the leading hypothesis words that
    end at least this long before the newest audio: Whisper heard enough after them that they
    rarely change, and waiting for agreement is what made long sentences slow (0 = off)."""
    min_commit_prob: float = 0.3
    """…but only words at least this probable (a doubtful word waits for agreement)."""
    min_agree_prob: float = 0.2
    """Agreement commits only words at least this probable: two early decodes of a short buffer
    can agree on the same mishearing ("What you are" for "What your"); an unsure word waits for
    a surer decode or the end of the utterance."""
    doubtful_streak: int = 0
    """…unless this many consecutive hypotheses agree on it (and on every word before it) and
    ``doubtful_after_s`` of audio follows it (0 = never: off by default). Why it exists: a
    synthetic "database," at 0.02-0.08 kept "so we add replicas and warm the new cache" pending
    for 4 s. Measured with 3: live p95 1.44 s with the cap below (1.59 s without it), but it
    moves where long utterances are split for the refine pass, and the refined long read
    gained an invented word ("now. as all books. Thanks not primarily": 5 errors against 4
    offline); the cap alone meets the partner's latency target (p95 1.82 s at real time)."""
    doubtful_after_s: float = 0.5
    """Audio after such a word: it is not at the edge of the buffer, where a word may be cut
    ("14" for "fourteen fifty-five"). Three decodes half a second apart already put about 1 s
    after it; 1 s exactly missed words whose end moved by 10 ms between decodes."""
    doubt_cap_s: float = 1.5
    """Commit a word that ended this long before the newest audio however unsure it is: no word
    waits longer than this for a better decode (0 = off: it waits for the pause). A word heard
    a different way in each decode ("Keend", "key", "Keem", "keys" for "keyed") never agrees;
    waiting held it and the clause behind it for 3 s, while the refine pass rewrites the
    utterance seconds later anyway. Measured (stream.py --cpu-clock --no-refine, 569 words):
    p95 1.81 -> 1.59 s, live WER 16.3 -> 16.5 %; 1.2 s: 18.8 % (unsure words too soon)."""
    min_pause_s: float = 0.12
    """A gap between two words at least this long is a pause: the safest place to cut audio."""
    keep_committed: int = 200
    """Committed words remembered (for the prompt and to recognise re-decoded words)."""


class HypothesisBuffer:
    """Committed words, the pending hypothesis, and the edge between them. No audio, no model."""

    def __init__(self, policy: CommitPolicy | None = None) -> None:
        self.policy = policy or CommitPolicy()
        self._committed: list[Word] = []
        self._pending: list[Word] = []
        self._streak: list[int] = []
        """Per pending word: how many consecutive hypotheses agreed on it and on all before it."""
        self.edge_s = 0.0
        """End of the last committed word: nothing committed later may start before it."""
        self.last_rule = ""
        """Which rule committed the words of the last ``insert``: "agree" or "stable"."""

    @property
    def committed(self) -> tuple[Word, ...]:
        return tuple(self._committed)

    @property
    def pending(self) -> tuple[Word, ...]:
        """The current guess after the committed words (shown as the partial)."""
        return tuple(self._pending)

    def insert(self, words: Sequence[Word], audio_end_s: float) -> list[Word]:
        """A new hypothesis of the buffer ending at ``audio_end_s``; the words it commits."""
        fresh = self.drop_committed(words)
        streak = self._streaks(fresh)
        agreed = self._agreed(fresh, streak, audio_end_s)
        stable = self._stable(fresh, audio_end_s)
        count = max(agreed, stable)
        self.last_rule = "agree" if agreed >= stable else "stable"
        self._pending, self._streak = fresh[count:], streak[count:]
        return self._commit(fresh[:count])

    def commit_all(self, words: Sequence[Word] | None = None) -> list[Word]:
        """Commit everything: a last hypothesis (end of utterance), else the pending guess."""
        fresh = self.drop_committed(words) if words is not None else list(self._pending)
        self.drop_pending()
        return self._commit(fresh)

    def drop_pending(self) -> None:
        self._pending, self._streak = [], []

    def forget_context(self) -> None:
        """After a long pause the previous words no longer help as a prompt."""
        self._committed = []

    def drop_committed(self, words: Sequence[Word]) -> list[Word]:
        """The words of a new hypothesis that are not yet committed.

        A word is old if its middle lies before the edge (edges jitter between decodes; middles
        much less), or if the first new words repeat the committed tail (a re-decoded word that
        drifted past the edge).
        """
        fresh = [w for w in words if not self._is_old(w)] if self._committed else list(words)
        tail = norm_words(self._committed[-5:])
        head = norm_words(fresh[:5])
        for n in range(min(len(tail), len(head)), 0, -1):
            if tail[-n:] == head[:n] and fresh[0].start_s < self.edge_s + 0.5:
                return fresh[n:]
        return fresh

    def _is_old(self, word: Word) -> bool:
        """Committed already: its middle is before the edge, or it starts with the last
        committed word and is spelt like it (that word decoded again, longer: "14" → "1455")."""
        if word.mid_s < self.edge_s:
            return True
        last = self._committed[-1]
        if abs(word.start_s - last.start_s) < 0.05:
            # The first word of a window cut at the last committed word's start: that word
            # again, or (when Whisper skips the re-read word) the next word with its time
            # snapped to the window start ("the" then "brothels" at the same instant).
            return norm(word.text)[:2] == norm(last.text)[:2]
        return False

    def cut_point(self, buffer_start_s: float, min_keep_s: float = 1.0) -> float | None:
        """Where the audio buffer may be cut, at least ``min_keep_s`` after its start.

        The last committed sentence end followed by a pause, else the last pause between two
        committed words (cut in its middle), else the start of the last committed word: that
        word is decoded again and dropped as committed, so the next word's onset stays whole.
        """
        inside = [w for w in self._committed if w.start_s > buffer_start_s + min_keep_s]
        if not inside:
            return None
        following = [*inside[1:], *self._pending[:1]]
        pauses: list[tuple[bool, float]] = []
        for word, nxt in zip(inside, following, strict=False):
            gap = nxt.start_s - word.end_s
            if gap >= self.policy.min_pause_s:
                sentence = word.text.rstrip().endswith(_SENTENCE_END)
                pauses.append((sentence, word.end_s + gap / 2))
        sentence_cuts = [at for sentence, at in pauses if sentence]
        if sentence_cuts:
            return sentence_cuts[-1]
        if pauses:
            return pauses[-1][1]
        return inside[-1].start_s

    def prompt_words(self, before_s: float, count: int) -> list[Word]:
        """The last ``count`` committed words ending before ``before_s`` (the audio buffer's
        start): words inside the buffer would be heard twice and make Whisper repeat them."""
        before = [w for w in self._committed if w.end_s <= before_s + 0.05]
        return before[-count:]

    # ------------------------------------------------------------------ commit policy

    def _streaks(self, new: list[Word]) -> list[int]:
        """For each word of ``new``: consecutive hypotheses, this one included, that agree on it
        and on every word before it (1: only this one)."""
        out: list[int] = []
        for i, word in enumerate(new):
            same = (
                i < len(self._pending)
                and (not out or out[-1] > 1)
                and norm(self._pending[i].text) == norm(word.text)
            )
            out.append(self._streak[i] + 1 if same and i < len(self._streak) else 1)
        return out

    def _agreed(self, new: list[Word], streak: list[int], audio_end_s: float) -> int:
        """How many leading words of ``new`` the previous hypothesis agrees on (LocalAgreement-2),
        up to the first unsure one: two guesses can agree on a mishearing ("What you are"). An
        unsure word passes once ``doubtful_streak`` hypotheses in a row agree on it and it is
        followed by ``doubtful_after_s`` of audio."""
        policy = self.policy
        agreed = 0
        for i, (old_word, new_word) in enumerate(zip(self._pending, new, strict=False)):
            if norm(old_word.text) != norm(new_word.text):
                break
            if new_word.probability < policy.min_agree_prob and not (
                policy.doubtful_streak
                and streak[i] >= policy.doubtful_streak
                and new_word.end_s <= audio_end_s - policy.doubtful_after_s
            ):
                break
            agreed += 1
        return agreed

    def _stable(self, new: list[Word], audio_end_s: float) -> int:
        """How many leading words of ``new`` may be committed without a second decode: those
        followed by at least ``stable_after_s`` of audio, up to the first doubtful one."""
        policy = self.policy
        if policy.stable_after_s <= 0:
            return 0
        edge = audio_end_s - policy.stable_after_s
        capped = audio_end_s - policy.doubt_cap_s if policy.doubt_cap_s > 0 else -1.0
        count = 0
        for w in new:
            if w.end_s > edge or (w.probability < policy.min_commit_prob and w.end_s > capped):
                break
            count += 1
        return count

    def _commit(self, words: list[Word]) -> list[Word]:
        """Append to the committed words, never starting before the edge (finals never overlap)."""
        if not words:
            return []
        start = max(words[0].start_s, self.edge_s)
        fixed = [
            replace(w, start_s=max(w.start_s, start), end_s=max(w.end_s, start)) for w in words
        ]
        self._committed.extend(fixed)
        del self._committed[: max(0, len(self._committed) - self.policy.keep_committed)]
        self.edge_s = fixed[-1].end_s
        return fixed
