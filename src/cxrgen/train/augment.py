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
  When no observation can be swapped, an anatomy entity of the report's entity graph
  (:mod:`cxrgen.labeling.graph`) is replaced by another form of the same anatomy type ("right
  upper lobe" -> "left lower lobe", both ``lobe``); the labels do not depend on it and stay.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import torch

from cxrgen.errors import ConfigError
from cxrgen.text.languages import get_language, split_sentences


def shuffle_sentences(text: str, lang: str) -> str:
    sentences = split_sentences(text, lang)
    if len(sentences) < 2:
        return text
    order = torch.randperm(len(sentences)).tolist()
    return get_language(lang).joiner.join(sentences[i] for i in order)


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
        self.anatomy_bank: dict[str, list[str]] = {}
        if entity_swap > 0:
            from cxrgen.labeling import get_labeler

            self.labeler = get_labeler(lang)
            self.concept_label = concept_to_label(label_names)
            bank: dict[str, set[str]] = defaultdict(set)
            for report in reports:
                for m in self._positive_mentions(report):
                    bank[m.concept].add(m.text)
            self.bank = {c: sorted(texts) for c, texts in bank.items()}
            from cxrgen.labeling.graph import ANATOMY, extract_graph

            anatomy: dict[str, set[str]] = defaultdict(set)
            for report in reports:
                for e in extract_graph(report, lang).entities:
                    if e.label == ANATOMY and e.norm:
                        anatomy[e.norm].add(e.text)
            self.anatomy_bank = {k: sorted(v) for k, v in anatomy.items()}

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
            surface = _match_case(texts[int(torch.randint(len(texts), ()))], m.text)
            swapped = report[: m.start] + surface + report[m.end :]
            old = self.concept_label[m.concept]
            still = any(self.concept_label[k.concept] == old for k in self._positive_mentions(swapped))
            labels[old] = 1 if still else 0
            labels[new] = 1
            return swapped, labels
        return self._swap_anatomy(report), labels

    def _swap_anatomy(self, report: str) -> str:
        """Replace one anatomy entity by another surface form of the same anatomy type.

        Types are the entity graph's normalised anatomy names ("right upper lobe" and "left lower
        lobe" are both ``lobe``); the forms come from the training reports.
        """
        from cxrgen.labeling.graph import ANATOMY, extract_graph

        options = []
        for e in extract_graph(report, self.lang).entities:
            if e.label == ANATOMY:
                forms = [t for t in self.anatomy_bank.get(e.norm, ()) if t.lower() != e.text.lower()]
                if forms:
                    options.append((e, forms))
        if not options:
            return report
        e, forms = options[int(torch.randint(len(options), ()))]
        return report[: e.start] + _match_case(forms[int(torch.randint(len(forms), ()))], e.text) + report[e.end :]


def _match_case(new: str, old: str) -> str:
    """``new`` with the first letter's case of ``old`` (a swap at a sentence start stays capitalised)."""
    if not new or not old:
        return new
    return (new[0].upper() if old[0].isupper() else new[0].lower()) + new[1:]
