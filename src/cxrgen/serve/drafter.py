"""What the service needs from a model: a ``Drafter`` turns image files into a ``Draft``.

The service depends on this one small protocol, not on the model code, so the API and its tests
do not change when the model does. :class:`CheckpointDrafter` is the real implementation: it
wraps ``cxrgen.load(ckpt)`` and its ``generate`` (beam search, attention maps).
"""

from __future__ import annotations

import inspect
import io
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np
from PIL import Image


@dataclass
class Draft:
    text: str
    language: str
    labels: dict[str, Any] = field(default_factory=dict)  # the model's findings labels
    graph: dict[str, Any] = field(default_factory=dict)  # entity graph {"entities", "relations"}
    heatmaps: list[np.ndarray | None] = field(default_factory=list)  # one (h, w) map per image
    model: dict[str, Any] = field(default_factory=dict)  # what produced it (name, ckpt, version)


class Drafter(Protocol):
    def draft(self, image_paths: Sequence[Path]) -> Draft: ...


class CheckpointDrafter:
    """A drafter backed by a trained checkpoint (``cxrgen.load``, :mod:`cxrgen.pipeline.inference`).

    ``generate`` is called under a lock: one model instance is shared by the worker threads and
    torch already spreads one forward pass over the cores. ``max_images`` is the number of views
    the model reads; the API refuses larger studies up front rather than dropping images.
    """

    def __init__(self, ckpt: str | Path, beam_size: int = 3, device: str = "cpu"):
        import cxrgen

        self.ckpt = str(ckpt)
        self.beam_size = beam_size
        self.generator = cxrgen.load(self.ckpt, device=device)
        self.max_images: int | None = getattr(self.generator, "max_views", None)
        self.language: str = getattr(self.generator, "lang", None) or "en"
        params = inspect.signature(self.generator.generate).parameters
        self._extra = {"graph": True} if "graph" in params else {}
        self._lock = threading.Lock()

    def draft(self, image_paths: Sequence[Path]) -> Draft:
        with self._lock:
            out = self.generator.generate([str(p) for p in image_paths], beam_size=self.beam_size,
                                          return_attention=True, **self._extra)
        attention = getattr(out, "attention", None)
        maps = [] if attention is None else [_as_numpy(a) for a in attention]  # (V, h, w)
        maps += [None] * (len(image_paths) - len(maps))
        return Draft(text=out.text, language=getattr(out, "language", None) or self.language,
                     labels=_plain(getattr(out, "labels", None) or {}),
                     graph=_plain(getattr(out, "graph", None) or {}),
                     heatmaps=maps[: len(image_paths)],
                     model={"ckpt": Path(self.ckpt).name, "beam_size": self.beam_size,
                            "model": getattr(getattr(self.generator, "checkpoint", None), "model_name", None)})


def _as_numpy(a: Any) -> np.ndarray | None:
    if a is None:
        return None
    if hasattr(a, "detach"):  # a torch tensor
        a = a.detach().cpu().float().numpy()
    a = np.asarray(a, dtype=np.float32)
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    return a if a.ndim == 2 else None


def _plain(obj: Any) -> Any:
    """JSON-ready copy of labels / graph objects (dataclasses, numpy scalars, tuples)."""
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _plain(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "to_dict"):
        return _plain(obj.to_dict())
    return obj


def heatmap_png(heat: np.ndarray, width: int, height: int) -> bytes:
    """An RGBA PNG of an attention map, resized to the image, for overlay in the viewer.

    Colour: a blue -> green -> yellow -> red ramp; alpha grows with attention so that unattended
    regions stay transparent and the radiograph remains readable under the overlay.
    """
    h = np.asarray(heat, dtype=np.float64)
    if h.ndim != 2 or h.size == 0 or not np.all(np.isfinite(h)):
        raise ValueError(f"attention map must be a finite 2-D array, got shape {h.shape}")
    lo, hi = float(h.min()), float(h.max())
    h = (h - lo) / (hi - lo) if hi > lo else np.zeros_like(h)
    small = Image.fromarray((h * 255).astype(np.uint8), mode="L")
    v = np.asarray(small.resize((width, height), Image.BILINEAR), dtype=np.float64) / 255.0
    stops = np.array([[0, 0, 255], [0, 255, 0], [255, 255, 0], [255, 0, 0]], dtype=np.float64)
    pos = v * (len(stops) - 1)
    i0 = np.clip(np.floor(pos).astype(int), 0, len(stops) - 2)
    frac = (pos - i0)[..., None]
    rgb = stops[i0] * (1 - frac) + stops[i0 + 1] * frac
    alpha = (v * 200)[..., None]
    rgba = np.concatenate([rgb, alpha], axis=-1).clip(0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG")
    return buf.getvalue()
