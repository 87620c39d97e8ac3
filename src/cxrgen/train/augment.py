"""Report augmentations of the CN-X2RG data pipeline: sentence shuffling and entity swaps.

Both act on the training report (and its labels) only, once per sample, drawing from torch's
global RNG (saved in checkpoints, reseeded per DataLoader worker), so runs repeat exactly.

- **Sentence shuffling**: the sentences of a findings section describe independent
  observations, and their order varies between radiologists; permuting them teaches the decoder
  that order, not content, is free.
- **Entity swap**: one positive mention of an observation is replaced by a mention of another
  observation of the same type that the study does not have ("small left pleural effusion" ->
  "small left pneumothorax"), and the labels are changed to match: the swapped-out finding
  becomes 0 unless another positive mention of it remains, the swapped-in finding becomes 1.
  Mentions and their status come from the language's labeler (:mod:`cxrgen.labeling`); the
  replacement words are the surface forms of positive mentions seen in the training reports.
  An anatomy swap exchanges laterality (left <-> right); labels do not depend on side and stay.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Sequence

import torch

from cxrgen.errors import ConfigError

# sentence ends per language (Chinese reports end sentences with full-width punctuation)
_SENTENCE_END = {"en": r"(?<=[.!?;])\s+", "fr": r"(?<=[.!?;])\s+", "zh": r"(?<=[。！？；])"}

# laterality words per language: an anatomy entity of the same type ("side")
SIDES = {
    "en": (("left", "right"),),
    "fr": (("gauche", "droit"), ("gauche", "droite")),
    "zh": (("左", "右"),),
}


def split_sentences(text: str, lang: str) -> list[str]:
    if lang not in _SENTENCE_END:
        raise ConfigError(f"no sentence splitter for language {lang!r}; valid: {', '.join(_SENTENCE_END)}")
    return [s for s in re.split(_SENTENCE_END[lang], text.strip()) if s.strip()]


def shuffle_sentences(text: str, lang: str) -> str:
    sentences = split_sentences(text, lang)
    if len(sentences) < 2:
        return text
    order = torch.randperm(len(sentences)).tolist()
    return ("" if lang == "zh" else " ").join(sentences[i] for i in order)


def _norm(name: str) -> str:
    return name.lower().replace("_", " ").strip()


def concept_to_label(label_names: Sequence[str]) -> dict[str, str]:
    """Labeler concept -> the dataset label it sets, through the CheXpert / ChestX-ray14 label sets.

    Only concepts that feed exactly one of the dataset's labels are swappable.
    """
    from cxrgen.labeling import LABEL_SETS

    wanted = {_norm(n): n for n in label_names}
    out: dict[str, set[str]] = defaultdict(set)
    for set_name in LABEL_SETS.names():
        label_set = LABEL_SETS.get(set_name)
        for column, concepts in label_set.concepts.items():
            if _norm(column) in wanted:
                for c in concepts:
                    out[c].add(wanted[_norm(column)])
    return {c: labels.pop() for c, labels in out.items() if len(labels) == 1}


class ReportAugmenter:
    """``(report, labels) -> (report, labels)`` for the training split."""

    def __init__(self, lang: str, label_names: Sequence[str], reports: Sequence[str],
                 sentence_shuffle: float = 0.0, entity_swap: float = 0.0):
        for name, p in (("sentence_shuffle", sentence_shuffle), ("entity_swap", entity_swap)):
            if not 0.0 <= p <= 1.0:
                raise ConfigError(f"data.{name} is a probability in [0, 1], got {p}")
        self.lang = lang
        self.sentence_shuffle = sentence_shuffle
        self.entity_swap = entity_swap
        self.labeler = None
        self.bank: dict[str, list[str]] = {}
        self.concept_label: dict[str, str] = {}
        if entity_swap > 0:
            from cxrgen.labeling import get_labeler

            self.labeler = get_labeler(lang)
            self.concept_label = concept_to_label(label_names)
            bank: dict[str, set[str]] = defaultdict(set)
            for report in reports:
                for m in self._positive_mentions(report):
                    bank[m.concept].add(m.text)
            self.bank = {c: sorted(texts) for c, texts in bank.items()}

    def _positive_mentions(self, report: str):
        return [m for m in self.labeler.mentions(report)
                if m.kind == "mention" and m.status == 1 and m.concept in self.concept_label]

    def __call__(self, report: str, labels: dict | None) -> tuple[str, dict | None]:
        if self.entity_swap > 0 and float(torch.rand(())) < self.entity_swap:
            report, labels = self.swap(report, labels)
        if self.sentence_shuffle > 0 and float(torch.rand(())) < self.sentence_shuffle:
            report = shuffle_sentences(report, self.lang)
        return report, labels

    def swap(self, report: str, labels: dict | None) -> tuple[str, dict | None]:
        """One observation swap if possible, else a laterality swap, else the report unchanged."""
        labels = dict(labels or {})
        mentions = self._positive_mentions(report)
        candidates = []
        for m in mentions:
            old = self.concept_label[m.concept]
            if labels.get(old) != 1:
                continue  # the text and the labels disagree already: do not make it worse
            for concept, texts in self.bank.items():
                new = self.concept_label[concept]
                if new != old and labels.get(new) == 0 and texts:
                    candidates.append((m, concept, new))
        if candidates:
            m, concept, new = candidates[int(torch.randint(len(candidates), ()))]
            texts = self.bank[concept]
            surface = texts[int(torch.randint(len(texts), ()))]
            swapped = report[: m.start] + surface + report[m.end :]
            old = self.concept_label[m.concept]
            still = any(self.concept_label[k.concept] == old for k in self._positive_mentions(swapped))
            labels[old] = 1 if still else 0
            labels[new] = 1
            return swapped, labels
        return self._swap_side(report), labels

    def _swap_side(self, report: str) -> str:
        for a, b in SIDES.get(self.lang, ()):
            if self.lang == "zh":
                pattern = re.compile(f"{a}|{b}")
            else:
                pattern = re.compile(rf"\b({a}|{b})\b", re.IGNORECASE)
            if pattern.search(report):
                def flip(m, a=a, b=b):
                    word = m.group(0)
                    out = b if word.lower() == a else a
                    return out.capitalize() if word[:1].isupper() else out
                return pattern.sub(flip, report)
        return report
