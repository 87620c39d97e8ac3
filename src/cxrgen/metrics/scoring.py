"""``score_corpus``: tokenise once, compute every metric's statistics, aggregate, sign.

    >>> from cxrgen.metrics import score_corpus
    >>> result = score_corpus(["the heart is normal ."], ["the heart is normal ."], lang="en")  # hyps, refs
    >>> round(result.values()["BLEU-4"], 6)
    1.0

References may be one string per report or a list of strings per report (several references).
The same tokens feed every metric (no metric re-tokenises), and the tokeniser, normaliser,
language and number of references are in each score's signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from cxrgen.errors import ConfigError, InputError
from cxrgen.metrics.base import METRICS, Metric, ReportStats, Score, count_refs
from cxrgen.metrics.stats import DEFAULT_SEED, DEFAULT_TRIALS, bootstrap_ci, paired_randomization
from cxrgen.text.languages import LANGUAGES
from cxrgen.text.normalize import get_normalizer
from cxrgen.text.tokenize import default_tokenizer_name, get_tokenizer

#: The order scores are printed in (the field's table order); other metrics follow.
TABLE_ORDER = ("BLEU", "METEOR", "ROUGE-L", "CIDEr")


def default_metric_names(lang: str | None = None) -> list[str]:
    """Registered metrics in table order; with ``lang``, only those that support it."""
    names = [n for n in TABLE_ORDER if n in METRICS]
    names += [n for n in METRICS.names() if n not in names]
    if lang is not None:
        names = [n for n in names if lang in METRICS.get(n).languages]
    return names


@dataclass
class CorpusResult:
    """Scores of one system: ``scores`` by score name, the statistics behind them per metric,
    the report ids, and the metrics left out of the default list (name -> reason)."""

    scores: dict[str, Score]
    stats: dict[str, ReportStats]
    ids: list[str]
    tok: str
    norm: str
    lang: str
    nrefs: int | str
    skipped: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, float]:
        return {name: s.value for name, s in self.scores.items()}

    def signature(self) -> str:
        """The fields every score shares, e.g. ``tok:ptb|norm:none|lang:en|nrefs:1|version:0.1.0``."""
        from cxrgen import __version__

        parts = [f"tok:{self.tok}", f"norm:{self.norm}", f"lang:{self.lang}",
                 f"nrefs:{self.nrefs}", f"version:{__version__}"]
        parts += [f"{k}:{v}" for k, v in self.extra.items()]
        return "|".join(parts)

    def per_report(self) -> list[dict]:
        """One dict per report: ``{"id": ..., "BLEU-1": ..., ..., "CIDEr": ...}``."""
        columns: dict[str, np.ndarray] = {}
        for st in self.stats.values():
            columns.update(st.metric.per_report(st.rows))
        return [
            {"id": rid, **{name: float(col[i]) for name, col in columns.items()}}
            for i, rid in enumerate(self.ids)
        ]

    def as_dict(self) -> dict:
        """What ``cxrgen score --format json`` prints."""
        out: dict = dict(self.values())
        out["signature"] = self.signature()
        out["signatures"] = {name: str(s.signature) for name, s in self.scores.items()}
        cis = {name: list(s.ci) for name, s in self.scores.items() if s.ci is not None}
        if cis:
            out["ci"] = cis
        if self.skipped:
            out["skipped"] = dict(self.skipped)
        return out


def _as_ref_lists(refs: Sequence[str | Sequence[str]]) -> list[list[str]]:
    out = []
    for i, r in enumerate(refs):
        if isinstance(r, str):
            out.append([r])
        else:
            r = list(r)
            if not r or not all(isinstance(x, str) for x in r):
                raise InputError(
                    f"reference {i}: expected a string or a non-empty list of strings, got {r!r}"
                )
            out.append(r)
    return out


def resolve_metrics(names: Sequence[str] | None, lang: str) -> tuple[list[Metric], dict[str, str]]:
    """Metric instances for ``names`` (default: every registered one that supports ``lang``)."""
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown language {lang!r}; valid choices: {', '.join(LANGUAGES)}")
    skipped: dict[str, str] = {}
    if names is None:
        names = default_metric_names()
        for n in list(names):
            if lang not in METRICS.get(n).languages:
                skipped[n] = f"does not support lang {lang} (supports {', '.join(METRICS.get(n).languages)})"
        names = [n for n in names if n not in skipped]
    metrics = [METRICS.get(n)(lang=lang) for n in names]  # unknown names list valid ones
    return metrics, skipped


def tokenize_all(texts: Sequence[str], tokenizer: str, normalizer: str) -> list[list[str]]:
    tok = get_tokenizer(tokenizer)
    norm = get_normalizer(normalizer)
    if normalizer == "none":
        return [tok(t) for t in texts]
    return [tok(norm(t)) for t in texts]


def score_corpus(
    hyps: Sequence[str],
    refs: Sequence[str | Sequence[str]],
    lang: str = "en",
    metrics: Sequence[str] | None = None,
    tokenized: bool = False,
    tokenizer: str | None = None,
    normalizer: str = "none",
    ids: Sequence[str] | None = None,
    bootstrap: int = 0,
    seed: int = DEFAULT_SEED,
) -> CorpusResult:
    """Score hypotheses against references (``hyps, refs``, sacrebleu's order); see the module docstring.

    ``tokenized=True`` splits on whitespace only (what R2Gen passes to pycocoevalcap);
    otherwise ``tokenizer`` (default: the language's, ``ptb`` for English) is used.
    ``bootstrap=N`` adds an N-resample percentile 95% interval to each score.
    """
    if len(refs) != len(hyps):
        raise InputError(f"{len(refs)} references but {len(hyps)} hypotheses; they must pair up")
    if not hyps:
        raise InputError("nothing to score: no reports")
    for i, h in enumerate(hyps):
        if not isinstance(h, str):
            raise InputError(f"hypothesis {i}: expected a string, got {type(h).__name__}")
    if tokenized and tokenizer not in (None, "whitespace"):
        raise ConfigError(f"--tokenized splits on whitespace; it cannot be combined with tokenizer {tokenizer!r}")
    ids = [str(i) for i in (ids if ids is not None else range(1, len(hyps) + 1))]
    selected, skipped = resolve_metrics(metrics, lang)
    tok_name = "whitespace" if tokenized else (tokenizer or default_tokenizer_name(lang))
    ref_lists = _as_ref_lists(refs)

    hyp_tokens = tokenize_all(hyps, tok_name, normalizer)
    flat = [r for rs in ref_lists for r in rs]
    flat_tokens = tokenize_all(flat, tok_name, normalizer)
    ref_tokens, pos = [], 0
    for rs in ref_lists:
        ref_tokens.append(flat_tokens[pos:pos + len(rs)])
        pos += len(rs)
    nrefs = count_refs(ref_lists)

    extra = {"bootstrap": str(bootstrap), "seed": str(seed)} if bootstrap else {}
    scores: dict[str, Score] = {}
    stats: dict[str, ReportStats] = {}
    for metric in selected:
        rows = metric.statistics(hyp_tokens, ref_tokens)
        st = ReportStats(metric=metric, rows=rows, nrefs=nrefs, tok=tok_name, norm=normalizer)
        stats[type(metric).__name__] = st
        cis = bootstrap_ci(metric, rows, bootstrap, seed) if bootstrap else {}
        for name, value in metric.aggregate(rows).items():
            sig = st.signature(name)
            if bootstrap:
                sig = sig.with_extra(**extra)
            scores[name] = Score(name, value, sig, ci=cis.get(name), n=len(rows))
    return CorpusResult(scores, stats, ids, tok_name, normalizer, lang, nrefs, skipped, extra)


@dataclass(frozen=True)
class Comparison:
    """System A against system B on one score, with the test's signature."""

    name: str
    a: float
    b: float
    delta: float
    p_value: float
    signature: str


def compare_systems(
    result_a: CorpusResult, result_b: CorpusResult, trials: int = DEFAULT_TRIALS, seed: int = DEFAULT_SEED
) -> list[Comparison]:
    """Paired approximate randomisation between two results on the same references."""
    if result_a.ids != result_b.ids:
        raise InputError("the two systems were scored on different report ids; compare on the same references")
    out = []
    for key, st_a in result_a.stats.items():
        st_b = result_b.stats.get(key)
        if st_b is None:
            continue
        tests = paired_randomization(st_a.metric, st_a.rows, st_b.rows, trials=trials, seed=seed)
        for name, r in tests.items():
            sig = st_a.signature(name).with_extra(test="paired-ar", trials=trials, seed=seed)
            out.append(Comparison(name, r.a, r.b, r.delta, r.p_value, str(sig)))
    return out
