"""The speech model, loaded once and ahead of time, so pressing Start does not load it.

Loading Whisper takes about a second, and parts of it hold Python's GIL for a few hundred
milliseconds at a time (the tokenizer is parsed by a Rust extension that keeps the GIL, and the
first session imports faster-whisper, onnxruntime and PyAV). Done at Start, that froze the window
in the first seconds of every mock. The app instead warms the model on a low-priority thread
while the set-up is on screen, and every session (and the mic test) reuses it. Nothing is
downloaded here: a model that is not on disk fails exactly as it would at Start.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.ui.priority import in_background

if TYPE_CHECKING:
    from app.lines import Transcriber

log = logging.getLogger(__name__)

ModelLoader = Callable[[str | None], Any]


def load_whisper(spec: str | None) -> Any:
    from audio.model import load_model, resolve_model

    return load_model(resolve_model(spec))


class ModelCache:
    """Holds the last model loaded; ``get`` is thread-safe and loads at most once per spec."""

    def __init__(self, loader: ModelLoader = load_whisper) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._spec: str | None = None
        self._model: Any = None
        self.loads = 0

    def get(self, spec: str | None) -> Any:
        """The model for ``spec``; a concurrent caller waits for the same load."""
        with self._lock:
            if self._model is None or self._spec != spec:
                self._model = None  # free the old one before loading another
                self._model = self._load_at_low_priority(spec)
                self._spec = spec
                self.loads += 1
            return self._model

    def _load_at_low_priority(self, spec: str | None) -> Any:
        """Load on a throwaway thread that first lowers its priority: CTranslate2 creates its
        compute threads while the model is built, and they inherit that priority, so every
        later transcription computes behind the GUI. The caller keeps its own priority: the
        runner's transcription thread runs Python (holding the GIL the GUI also needs) between
        model calls, and a low-priority GIL holder would keep the GUI waiting for longer."""
        box: dict[str, Any] = {}

        def load() -> None:
            try:
                box["model"] = self._loader(spec)
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc

        thread = threading.Thread(target=in_background(load), name="mockcoach-model-load")
        thread.start()
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["model"]

    def cached(self, spec: str | None) -> bool:
        return self._model is not None and self._spec == spec

    def warm(self, spec: str | None) -> None:
        """Load ``spec`` now (call on a worker thread), then move everything loaded so far out
        of the garbage collector's way: a full collection that walks the imported modules
        holds the GIL for tens of ms (hundreds under load)."""
        from audio.streaming import StreamingTranscriber  # noqa: F401 — import cost paid here

        self.get(spec)
        gc.freeze()

    def transcriber_factory(self, spec: str | None,
                            glossary: str | None = None) -> Callable[[], Transcriber]:
        """For ``SessionRunner(transcriber_factory=...)``: runs on the runner's transcription
        thread and reuses the preloaded model (loading it there if the warm-up has not)."""

        def make() -> Transcriber:
            from app.refining import with_refine
            from audio.streaming import StreamingTranscriber

            live = StreamingTranscriber(self.get(spec), glossary=glossary)
            return with_refine(live, spec, glossary=glossary)

        return make
