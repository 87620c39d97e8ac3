"""From a dataset's studies to training batches: vocabulary, token ids, label vectors, collate.

Images come from the data layer (:class:`cxrgen.data.torch_dataset.StudyImageDataset`, R2Gen's
preprocessing); this module adds what training needs on top: the report as ``[bos .. eos]``
token ids (truncated to ``max_seq_length`` words, as R2Gen does), the study's labels as a
float vector over ``label_names`` with a mask (unknown and uncertain labels are not trained
on), and the CN-X2RG text augmentations for the training split.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch
from torch.utils.data import Dataset as TorchDataset

from cxrgen.data.collate import collate_studies
from cxrgen.data.registry import load_dataset
from cxrgen.data.study import Study
from cxrgen.data.torch_dataset import StudyImageDataset
from cxrgen.data.transforms import build_transform
from cxrgen.errors import InputError
from cxrgen.text.tokenize import generation_tokenizer_name, get_tokenizer
from cxrgen.text.vocab import Vocab
from cxrgen.train.config import Config, DataConfig

def load_studies(cfg: DataConfig, root: str | None = None) -> Any:
    """The dataset named in the config (``root`` overrides ``data.root``)."""
    root = root or cfg.root
    if not root:
        raise InputError(f"no dataset folder: set data.root in the config or pass --root for {cfg.dataset!r}")
    return load_dataset(cfg.dataset, root, **cfg.options)


def split_studies(dataset, split: str, limit: int = 0) -> list[Study]:
    studies = [s for s in dataset.split(split) if s.images]
    if not studies:
        raise InputError(f"dataset {dataset.name} at {dataset.root}: split {split!r} has no study with images")
    return studies[:limit] if limit else studies


def label_names_of(studies: Sequence[Study]) -> list[str]:
    """Label columns of the training studies, in first-seen order (stable across runs)."""
    names: list[str] = []
    for s in studies:
        for k in (s.labels or {}):
            if k not in names:
                names.append(k)
    return names


def build_vocab(studies: Sequence[Study], cfg: DataConfig) -> Vocab:
    name = generation_tokenizer_name(cfg.tokenizer, cfg.language)
    tok = get_tokenizer(name, cfg.language)
    reports = [s.report(cfg.section) for s in studies]
    return Vocab.build(reports, tokenizer=tok, tokenizer_name=name, lang=cfg.language, min_freq=cfg.threshold)


def label_vector(labels: dict | None, names: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """(values, mask) over ``names``: 1/0 are trained on, uncertain (-1) and missing are masked."""
    values = torch.zeros(len(names))
    mask = torch.zeros(len(names))
    for i, n in enumerate(names):
        v = (labels or {}).get(n)
        if v in (0, 1):
            values[i] = float(v)
            mask[i] = 1.0
    return values, mask


class ReportDataset(TorchDataset):
    """Items ``{"images", "tokens", "labels", "label_mask", "study_id", "report"}`` for one split.

    ``augment`` (training only) maps ``(report, labels) -> (report, labels)``: sentence
    shuffling and entity swaps, see :mod:`cxrgen.train.augment`. ``indices`` repeats studies
    for oversampling (:mod:`cxrgen.train.sampling`). ``image_cache``: see
    :class:`~cxrgen.data.torch_dataset.StudyImageDataset` (``data.cache_images``).
    """

    def __init__(self, studies: Sequence[Study], vocab: Vocab, label_names: Sequence[str], cfg: DataConfig,
                 train: bool, augment: Callable | None = None, indices: Sequence[int] | None = None,
                 image_cache: dict | None = None):
        self.studies = list(studies)
        self.vocab = vocab
        self.label_names = list(label_names)
        self.cfg = cfg
        self.augment = augment if train else None
        self.transform = build_transform(train, resize=cfg.resize, crop=cfg.crop)
        self.images = StudyImageDataset(self.studies, self.transform, max_views=cfg.max_views, section=cfg.section,
                                        cache=image_cache)
        self.indices = list(indices) if indices is not None else list(range(len(self.studies)))

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> dict[str, Any]:
        j = self.indices[i]
        item = self.images[j]
        report, labels = item["report"], self.studies[j].labels
        if self.augment is not None:
            report, labels = self.augment(report, labels)
        ids = self.vocab.encode(report, add_special=True, max_len=self.cfg.max_seq_length)
        values, mask = label_vector(labels, self.label_names)
        return {"images": item["images"], "tokens": torch.tensor(ids, dtype=torch.long), "labels": values,
                "label_mask": mask, "study_id": item["study_id"], "report": report}


def make_collate(pad_id: int) -> Callable[[list[dict]], dict]:
    """Collate of the data layer (views padded, ``view_mask``) plus padded tokens and label tensors."""

    def collate(items: list[dict]) -> dict:
        batch = collate_studies(items)
        longest = max(len(t) for t in batch["tokens"])
        tokens = torch.full((len(items), longest), pad_id, dtype=torch.long)  # (B, T)
        for b, t in enumerate(batch["tokens"]):
            tokens[b, : len(t)] = t
        batch["tokens"] = tokens
        batch["labels"] = torch.stack(batch["labels"])  # (B, L)
        batch["label_mask"] = torch.stack(batch["label_mask"])  # (B, L)
        return batch

    return collate


def preprocessing_of(cfg: DataConfig) -> dict:
    """What inference must repeat: the evaluation transform and how views are fed."""
    return {**build_transform(False, resize=cfg.resize, crop=cfg.crop).describe(), "max_views": cfg.max_views,
            "views": "frontal-first"}


def text_meta(vocab: Vocab, cfg: Config) -> dict:
    return {"tokenizer": vocab.tokenizer_name, "language": cfg.data.language, "section": cfg.data.section,
            "max_seq_length": cfg.data.max_seq_length}
