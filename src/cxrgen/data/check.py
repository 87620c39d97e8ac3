"""Verify that every image of a dataset exists and decodes (``cxrgen data check``).

Loaders never open images (reports must load without them); this is the pass that does, once,
and lists every bad image with the reason, so nothing fails later in a training worker.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable
from dataclasses import dataclass, field

from cxrgen.data.dataset import Dataset, Skipped
from cxrgen.data.image_io import load_image
from cxrgen.errors import InputError


@dataclass
class BadImage:
    study_id: str
    path: str
    reason: str


@dataclass
class CheckReport:
    dataset: str
    studies: int
    images: int
    studies_without_image: int
    bad: list[BadImage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad

    @property
    def bad_studies(self) -> set[str]:
        return {b.study_id for b in self.bad}


def _probe(path: str) -> str | None:
    try:
        img = load_image(path)
    except InputError as exc:
        msg = str(exc)
        return msg[len(path) + 2:] if msg.startswith(path + ": ") else msg
    if img.size == 0:
        return "image has no pixels"
    return None


def check_images(dataset: Dataset, workers: int = 2,
                 progress: Callable[[int, int], None] | None = None) -> CheckReport:
    """Open and decode every image (threads: Pillow and pydicom's decoders release the GIL);
    ``progress(done, total)`` is called as images are checked."""
    refs = [(s.study_id, ref.path) for s in dataset.studies for ref in s.images]
    reasons: list[str | None] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for reason in pool.map(_probe, [p for _, p in refs]):
            reasons.append(reason)
            if progress:
                progress(len(reasons), len(refs))
    bad = [BadImage(sid, path, r) for (sid, path), r in zip(refs, reasons) if r is not None]
    return CheckReport(
        dataset=dataset.name, studies=len(dataset.studies), images=len(refs),
        studies_without_image=sum(1 for s in dataset.studies if not s.images), bad=bad,
    )


def drop_bad_studies(dataset: Dataset, report: CheckReport) -> int:
    """Remove the studies with a bad image, recording each in ``dataset.skipped``; returns how many."""
    bad = report.bad_studies
    reasons = {}
    for b in report.bad:
        reasons.setdefault(b.study_id, f"bad image ({b.reason.split(';')[0]})")
    kept = [s for s in dataset.studies if s.study_id not in bad]
    dataset.skipped.extend(Skipped(sid, reasons[sid]) for sid in sorted(bad))
    n = len(dataset.studies) - len(kept)
    dataset.studies = kept
    return n
