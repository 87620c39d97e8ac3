"""Clinical efficacy (CE): precision / recall / F1 of findings read from reports, and graph F1.

Each reference and hypothesis report is labelled by the rule labeler of its language
(:mod:`cxrgen.labeling`), then compared label by label. Papers differ silently on two choices
that move the number (Nicolson et al. 2023 list four CE variants in use); both are arguments here
and both are printed in the signature:

* ``uncertain``: an uncertain mention (-1) counts as ``negative`` (the CheXpert-labeler CE of
  R2Gen, Chen et al. 2020: only 1 is positive), as ``positive`` (the "U-Ones" policy of Irvin et
  al. 2019), or is ``ignore``-d: that (report, label) cell is left out of the counts whenever the
  reference or the hypothesis is uncertain. A label not mentioned is negative.
* ``average``: ``micro`` (counts summed over labels and reports, R2Gen's CE), ``macro`` (F1 per
  label, then the mean over the labels with at least one positive reference: a label absent
  from the references has no defined recall), ``example`` (P/R/F1 per report, then the mean;
  a report where neither side has a positive scores 1, where only one side has, 0).

Signature (:func:`ce_signature`, the one CE signature of the toolkit; the labeler stands where a text
metric names its tokeniser, since it is what turns a report into the compared units):
``CE-F1|tok:rules-en|norm:none|lang:en|nrefs:1|impl:cxrgen-ce|version:...|avg:micro|labels:chexpert|uncertain:negative``,
plus ``ref:true-labels`` or ``ref:labeler`` when the reference labels come from a dataset.

The summary column (``normal`` / ``No Finding``) is not among the scored labels: it is a function
of the others and would double-count them.

Graph F1 follows the CN-CXR paper (Tang et al., MICCAI 2023 workshops, CN-RadGraph): a lesion
(outermost observation) with its anatomy is a true positive when the reference graph has the
same lesion at the same anatomy, a false positive otherwise (wrong lesion or wrong anatomy), and a
reference lesion the hypothesis misses is a false negative. Entity F1 (text + type) and relation
F1 (head text, tail text, relation type) are the RadGraph F1 variants of Jain et al. 2021.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from cxrgen.errors import ConfigError, InputError
from cxrgen.labeling.labelsets import POSITIVE, UNCERTAIN, LabelSet, get_label_set
from cxrgen.metrics.base import Score, Signature

UNCERTAIN_POLICIES = ("negative", "positive", "ignore")
AVERAGES = ("micro", "macro", "example")


def ce_signature(name: str, *, labeler: str, lang: str, average: str, labels: str, uncertain: str,
                 ref: str | None = None) -> Signature:
    """The signature of a CE score: every choice that moves it (see the module docstring)."""
    extra = (("avg", average), ("labels", labels), ("uncertain", uncertain))
    if ref is not None:
        extra += (("ref", ref),)
    return Signature(metric=name, tok=labeler, norm="none", lang=lang, nrefs=1, impl="cxrgen-ce", extra=extra)


def _binary(value, uncertain: str) -> tuple[int, bool]:
    """(0/1 value, keep?) of one label value under the uncertain-mention policy."""
    if value == POSITIVE:
        return 1, True
    if value == UNCERTAIN:
        if uncertain == "positive":
            return 1, True
        if uncertain == "ignore":
            return 0, False
    return 0, True


def ce_statistics(hyp_labels: Sequence[dict], ref_labels: Sequence[dict], columns: Sequence[str],
                  uncertain: str = "negative") -> np.ndarray:
    """Per-report sufficient statistics: shape ``(N, 3 * L)``, (tp, fp, fn) for each label.

    Any aggregate (micro, macro, example; on a bootstrap resample of reports) is computed from
    these rows without labelling again.
    """
    if uncertain not in UNCERTAIN_POLICIES:
        raise ConfigError(f"unknown uncertain-mention policy {uncertain!r}; valid choices: "
                          f"{', '.join(UNCERTAIN_POLICIES)}")
    if len(ref_labels) != len(hyp_labels):
        raise InputError(f"{len(ref_labels)} references but {len(hyp_labels)} hypotheses: "
                         "give one hypothesis per reference, in the same order")
    rows = np.zeros((len(ref_labels), 3 * len(columns)), dtype=np.float64)
    for i, (ref, hyp) in enumerate(zip(ref_labels, hyp_labels)):
        for j, col in enumerate(columns):
            r, keep_r = _binary(ref.get(col), uncertain)
            h, keep_h = _binary(hyp.get(col), uncertain)
            if not (keep_r and keep_h):
                continue
            rows[i, 3 * j] = r * h
            rows[i, 3 * j + 1] = (1 - r) * h
            rows[i, 3 * j + 2] = r * (1 - h)
    return rows


def _prf(tp, fp, fn):
    p = np.divide(tp, tp + fp, out=np.zeros_like(tp, dtype=float), where=(tp + fp) > 0)
    r = np.divide(tp, tp + fn, out=np.zeros_like(tp, dtype=float), where=(tp + fn) > 0)
    f = np.divide(2 * p * r, p + r, out=np.zeros_like(p), where=(p + r) > 0)
    return p, r, f


def ce_aggregate(rows: np.ndarray) -> dict[str, float]:
    """Micro, macro and example-based P/R/F1 (fractions) from :func:`ce_statistics` rows."""
    n_labels = rows.shape[1] // 3
    counts = rows.reshape(len(rows), n_labels, 3)
    per_label = counts.sum(axis=0)  # (L, 3)
    tp, fp, fn = per_label[:, 0], per_label[:, 1], per_label[:, 2]
    out = {}
    p, r, f = _prf(np.array([tp.sum()]), np.array([fp.sum()]), np.array([fn.sum()]))
    out.update({"P-micro": float(p[0]), "R-micro": float(r[0]), "F1-micro": float(f[0])})
    lp, lr, lf = _prf(tp, fp, fn)
    supported = (tp + fn) > 0
    for name, arr in (("P-macro", lp), ("R-macro", lr), ("F1-macro", lf)):
        out[name] = float(arr[supported].mean()) if supported.any() else 0.0
    ep, er, ef = example_scores(rows)
    out.update({"P-example": float(ep.mean()) if len(ep) else 0.0,
                "R-example": float(er.mean()) if len(er) else 0.0,
                "F1-example": float(ef.mean()) if len(ef) else 0.0})
    return out


def example_scores(rows: np.ndarray):
    """Per-report P, R, F1 (arrays of shape (N,)); both sides empty scores 1."""
    n_labels = rows.shape[1] // 3
    c = rows.reshape(len(rows), n_labels, 3).sum(axis=1)
    tp, fp, fn = c[:, 0], c[:, 1], c[:, 2]
    p, r, f = _prf(tp, fp, fn)
    empty = (tp + fp + fn) == 0
    return np.where(empty, 1.0, p), np.where(empty, 1.0, r), np.where(empty, 1.0, f)


def per_label_scores(rows: np.ndarray, columns: Sequence[str]) -> dict[str, dict[str, float]]:
    """``{label: {"P", "R", "F1", "support"}}`` from :func:`ce_statistics` rows."""
    counts = rows.reshape(len(rows), len(columns), 3).sum(axis=0)
    p, r, f = _prf(counts[:, 0], counts[:, 1], counts[:, 2])
    return {c: {"P": float(p[i]), "R": float(r[i]), "F1": float(f[i]),
                "support": int(counts[i, 0] + counts[i, 2])} for i, c in enumerate(columns)}


@dataclass
class ClinicalEfficacy:
    """CE of hypothesis reports against references, labelled by the rule labeler of ``lang``.

    ``ClinicalEfficacy("en", "chexpert", uncertain="negative").score(hyps, refs)`` returns
    :class:`~cxrgen.metrics.base.Score` objects named ``CE-P`` / ``CE-R`` / ``CE-F1`` for each
    average, each with a signature naming every choice.
    """

    lang: str = "en"
    labels: str = "chexpert"
    uncertain: str = "negative"
    mt_variants: bool = False  # Chinese: add the machine-translation renderings (lexicon_zh.MT_VARIANTS)

    def __post_init__(self):
        from cxrgen.labeling import get_labeler

        if self.uncertain not in UNCERTAIN_POLICIES:
            raise ConfigError(f"unknown uncertain-mention policy {self.uncertain!r}; valid choices: "
                              f"{', '.join(UNCERTAIN_POLICIES)}")
        self.label_set: LabelSet = get_label_set(self.labels)
        self.labeler = get_labeler(self.lang, mt_variants=self.mt_variants)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.label_set.findings

    def statistics(self, hyps: Sequence[str], refs: Sequence[str]) -> np.ndarray:
        hyp_labels = self.labeler.label_many(hyps, self.label_set)
        ref_labels = self.labeler.label_many(refs, self.label_set)
        return ce_statistics(hyp_labels, ref_labels, self.columns, self.uncertain)

    def signature(self, name: str, average: str) -> Signature:
        return ce_signature(name, labeler=self.labeler.name, lang=self.lang, average=average,
                            labels=self.labels, uncertain=self.uncertain)

    def scores_from_rows(self, rows: np.ndarray) -> list[Score]:
        values = ce_aggregate(rows)
        out = []
        for average in AVERAGES:
            for stat in ("P", "R", "F1"):
                name = f"CE-{stat}"
                out.append(Score(name, values[f"{stat}-{average}"], self.signature(name, average),
                                 n=len(rows)))
        return out

    def score(self, hyps: Sequence[str], refs: Sequence[str]) -> list[Score]:
        return self.scores_from_rows(self.statistics(hyps, refs))


# -- graph F1 --------------------------------------------------------------------------------


def _f1_counts(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"P": p, "R": r, "F1": f, "tp": tp, "fp": fp, "fn": fn}


def graph_scores(hyp_graphs: Sequence, ref_graphs: Sequence) -> dict[str, dict[str, float]]:
    """Graph F1 (CN-CXR), entity F1 and relation F1, micro over the corpus.

    Each graph is a :class:`cxrgen.labeling.graph.ReportGraph` (or anything with ``findings()``,
    ``entity_keys()`` and ``relation_keys()`` returning sets of hashable keys).
    """
    if len(ref_graphs) != len(hyp_graphs):
        raise InputError(f"{len(ref_graphs)} reference graphs but {len(hyp_graphs)} hypothesis "
                         "graphs: give one hypothesis per reference, in the same order")
    out = {}
    for name, key in (("graph", "findings"), ("entity", "entity_keys"), ("relation", "relation_keys")):
        tp = fp = fn = 0
        for ref, hyp in zip(ref_graphs, hyp_graphs):
            r, h = getattr(ref, key)(), getattr(hyp, key)()
            tp += len(r & h)
            fp += len(h - r)
            fn += len(r - h)
        out[name] = _f1_counts(tp, fp, fn)
    return out


def iter_scores(scores: Iterable[Score]) -> list[dict]:
    """JSON-ready rows of scores (name, value, signature)."""
    return [{"name": s.name, "value": s.value, "signature": str(s.signature), "n": s.n}
            for s in scores]
