"""A torch ``Dataset`` over :class:`~cxrgen.data.study.Study` records.

Images are opened lazily in ``__getitem__`` (so building the dataset costs nothing and
workers decode in parallel); views are ordered so that slot 0 is frontal where the study has
a frontal image, which is how R2Gen feeds IU X-Ray (image 0 = frontal, image 1 = lateral).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import torch
from torch.utils.data import Dataset as TorchDataset

from cxrgen.data.image_io import load_image
from cxrgen.data.study import ImageRef, Study, View
from cxrgen.errors import ConfigError, InputError

VIEW_ORDERS = ("frontal-first", "frontal-only", "as-is")

_RANK = {View.PA: 0, View.AP: 1, View.UNKNOWN: 2, View.LATERAL: 3}


def order_views(images: Sequence[ImageRef], order: str = "frontal-first") -> list[ImageRef]:
    """Order a study's images: ``frontal-first`` puts PA, then AP, then unknown, then lateral
    (stable within each kind); ``frontal-only`` keeps PA/AP (and unknown views when the study
    has no known frontal); ``as-is`` keeps the dataset's order."""
    if order not in VIEW_ORDERS:
        raise ConfigError(f"unknown view order {order!r}; valid: {', '.join(VIEW_ORDERS)}")
    images = list(images)
    if order == "as-is":
        return images
    ranked = sorted(images, key=lambda r: _RANK[r.view])
    if order == "frontal-only":
        frontal = [r for r in ranked if r.view.is_frontal]
        return frontal or [r for r in ranked if r.view is View.UNKNOWN]
    return ranked


class StudyImageDataset(TorchDataset):
    """Items: ``{"images": (V, 3, H, W), "study_id", "report", "labels", "language"}``.

    ``image_root`` resolves relative image paths (loaders already store resolved paths).
    ``section`` picks the report text (see :meth:`Study.report`).
    ``cache`` (a dict, possibly shared by datasets with the same ``transform.resize``) keeps each
    image decoded and resized (float32, e.g. 20 KB at 72 px, 260 KB at 256 px): later epochs only
    crop and normalise. Meant for small data sets that fit in memory. DataLoader workers fill
    their own copies, lost when the epoch's workers exit: fill the cache in the main process first
    (the encoder warm start does) and forked workers inherit it.
    """

    def __init__(
        self,
        studies: Sequence[Study],
        transform: Callable,
        max_views: int = 2,
        views: str = "frontal-first",
        section: str = "findings",
        image_root: str | Path | None = None,
        cache: dict | None = None,
    ):
        if max_views < 1:
            raise ConfigError(f"max_views must be >= 1, got {max_views}")
        if views not in VIEW_ORDERS:
            raise ConfigError(f"unknown view order {views!r}; valid: {', '.join(VIEW_ORDERS)}")
        self.studies = list(studies)
        self.transform = transform
        self.max_views = max_views
        self.views = views
        self.section = section
        self.image_root = Path(image_root) if image_root is not None else None
        self.cache = cache
        for s in self.studies:
            if not s.images:
                raise InputError(f"study {s.study_id} ({s.dataset or 'dataset'}) has no image; "
                                 f"filter image-less studies out before building an image dataset")

    def __len__(self) -> int:
        return len(self.studies)

    def image_paths(self, index: int) -> list[Path]:
        refs = order_views(self.studies[index].images, self.views)[: self.max_views]
        return [self._resolve(r.path) for r in refs]

    def _resolve(self, path: str) -> Path:
        p = Path(path)
        if self.image_root is not None and not p.is_absolute():
            p = self.image_root / p
        return p

    def __getitem__(self, index: int) -> dict[str, Any]:
        study = self.studies[index]
        paths = self.image_paths(index)
        if not paths:
            raise InputError(f"study {study.study_id}: no image left with views={self.views!r}")
        images = torch.stack([self._image(p) for p in paths])  # (V, 3, H, W)
        return {
            "images": images,
            "study_id": study.study_id,
            "report": study.report(self.section),
            "labels": study.labels,
            "language": study.language,
        }

    def _image(self, path: Path) -> torch.Tensor:
        if self.cache is None:
            return self.transform(load_image(path))
        resized = self.cache.get(path)
        if resized is None:
            resized = self.cache[path] = self.transform.resized(load_image(path))
        return self.transform.from_resized(resized)


def seed_transform_worker(worker_id: int) -> None:
    """``DataLoader(worker_init_fn=seed_transform_worker)``: give a seeded transform's generator a
    distinct seed in each worker. Without it every worker holds a copy of the same generator
    and draws the same crops. ``get_worker_info().seed`` is the loader's per-epoch base seed plus
    the worker id, so the crops stay reproducible for a seeded ``DataLoader``."""
    from torch.utils.data import get_worker_info

    info = get_worker_info()
    transform = getattr(info.dataset, "transform", None) if info is not None else None
    generator = getattr(transform, "generator", None)
    if generator is not None:
        generator.manual_seed(info.seed)


def study_batches(studies: Sequence[Study], transform: Callable, *, max_views: int, section: str = "findings",
                  batch_size: int = 16) -> Iterator[dict[str, Any]]:
    """Collated batches of ``studies`` in order (``images`` (B, V, 3, H, W), ``view_mask`` (B, V), ...):
    what generation, evaluation and the retrieval index read, without a DataLoader's workers."""
    from cxrgen.data.collate import collate_studies

    images = StudyImageDataset(studies, transform, max_views=max_views, section=section)
    for start in range(0, len(studies), batch_size):
        yield collate_studies([images[i] for i in range(start, min(start + batch_size, len(studies)))])
