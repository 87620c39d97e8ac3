"""The metric framework: a metric is a class, a score and a signature (the sacrebleu pattern).

A metric turns each report into a row of *sufficient statistics* (``statistics``), then turns
any set of rows into the corpus score (``aggregate``), exactly as the reference implementation
aggregates. Because the corpus score is a function of the rows, bootstrap confidence intervals
and the paired approximate-randomisation test (:mod:`cxrgen.metrics.stats`) resample rows and
never re-tokenise or re-match a report.

Registering a metric
--------------------
Every metric is a :class:`Metric` subclass registered in the :data:`METRICS` registry under the
name the user types (``--metrics METEOR``)::

    import numpy as np
    from cxrgen.metrics.base import Metric, register_metric

    @register_metric("METEOR")
    class Meteor(Metric):
        '''METEOR 1.5 (Denkowski & Lavie, 2014), equal to ``java -jar meteor-1.5.jar - - -stdio
        -l en -norm`` as pycocoevalcap's ``Meteor()`` runs it.'''

        score_names = ("METEOR",)      # the keys this metric reports, in order
        impl = "meteor-1.5"            # goes in the signature ("impl:meteor-1.5")
        languages = ("en", "fr")       # others raise ConfigError at construction

        def statistics(self, hyps, refs):
            # hyps: list[list[str]] tokens of each hypothesis (already tokenised once by
            # score_corpus); refs: list[list[list[str]]], one or more references per report.
            # Return a float64 array of shape (N, k): anything the aggregate needs.
            ...

        def aggregate(self, stats):
            # stats: (M, k) rows (a subset or a resample of the rows above) -> corpus scores
            return {"METEOR": float(...)}

        def per_report(self, stats):
            # (N, k) rows -> one score per report for each name, arrays of shape (N,)
            return {"METEOR": ...}

        def aggregate_totals(self, totals, n):
            # optional: when the score depends on the rows only through their column sums
            # (METEOR 1.5 sums its statistics), score T resampled corpora at once:
            # totals (T, k) -> {"METEOR": array of shape (T,)}. Bootstrap and the paired test
            # then cost one matrix product instead of T calls to aggregate.
            ...

A metric package is imported by :mod:`cxrgen.metrics` (``cxrgen/metrics/__init__.py``), which
makes it appear in :func:`default_metric_names`, in ``cxrgen score --metrics`` choices and in the
default metric list, with no other change. The constructor receives the language (``lang``);
a metric keeps whatever it needs (stemmer, resources) on ``self``.

Statistics of a report never depend on the *other* hypotheses (a metric that needs corpus-level
context, like CIDEr-D's document frequencies, takes it from the references only, which are shared
by every system being compared), so rows of two systems can be swapped in a paired test.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import ClassVar, Sequence

import numpy as np

from cxrgen import __version__
from cxrgen.errors import ConfigError
from cxrgen.registry import Registry
from cxrgen.text.languages import LANGUAGES  # a metric narrows them with ``Metric.languages``


Tokens = Sequence[str]


@dataclass(frozen=True)
class Signature:
    """Every choice that moves a number, printed beside it.

    ``BLEU-4|tok:ptb|norm:none|lang:en|nrefs:1|impl:coco|version:0.1.0``; the bootstrap and the
    significance test add their own fields (``bootstrap:1000|seed:12345``) through ``extra``.
    """

    metric: str
    tok: str
    norm: str
    lang: str
    nrefs: int | str
    impl: str
    version: str = __version__
    extra: tuple[tuple[str, str], ...] = ()

    def with_extra(self, **fields: object) -> "Signature":
        """A copy with more ``key:value`` fields (e.g. ``seed``), appended in the given order."""
        added = tuple((k, str(v)) for k, v in fields.items())
        return Signature(
            self.metric, self.tok, self.norm, self.lang, self.nrefs, self.impl, self.version,
            self.extra + added,
        )

    def format(self) -> str:
        parts = [
            self.metric,
            f"tok:{self.tok}",
            f"norm:{self.norm}",
            f"lang:{self.lang}",
            f"nrefs:{self.nrefs}",
            f"impl:{self.impl}",
            f"version:{self.version}",
        ]
        parts += [f"{k}:{v}" for k, v in self.extra]
        return "|".join(parts)

    def __str__(self) -> str:
        return self.format()


@dataclass(frozen=True)
class Score:
    """One corpus-level number (a fraction, as pycocoevalcap returns it) and its signature.

    ``ci`` is the bootstrap confidence interval ``(low, high)`` when one was asked for.
    """

    name: str
    value: float
    signature: Signature
    ci: tuple[float, float] | None = None
    n: int = 0

    def format(self, digits: int = 4) -> str:
        text = f"{self.name} = {self.value:.{digits}f}"
        if self.ci is not None:
            text += f" [{self.ci[0]:.{digits}f}, {self.ci[1]:.{digits}f}]"
        return f"{text}  ({self.signature})"

    def __str__(self) -> str:
        return self.format()


@dataclass
class ReportStats:
    """The per-report sufficient statistics of one metric over one corpus.

    ``rows`` has shape ``(N, k)``; ``metric.aggregate(rows)`` is the corpus score and any
    resample ``rows[idx]`` gives the score of the resampled corpus.
    """

    metric: "Metric"
    rows: np.ndarray
    nrefs: int | str
    tok: str = "none"
    norm: str = "none"
    extra: dict = field(default_factory=dict)

    def scores(self) -> dict[str, float]:
        return self.metric.aggregate(self.rows)

    def signature(self, name: str) -> Signature:
        return self.metric.signature(name, tok=self.tok, norm=self.norm, nrefs=self.nrefs)


class Metric(abc.ABC):
    """Base class of every corpus metric. See the module docstring for how to register one."""

    #: names of the numbers this metric reports (``BLEU-1`` ... ``BLEU-4`` for BLEU)
    score_names: ClassVar[tuple[str, ...]] = ()
    #: implementation tag in the signature: ``coco`` means "equal to pycocoevalcap 1.2"
    impl: ClassVar[str] = "coco"
    #: languages this metric supports
    languages: ClassVar[tuple[str, ...]] = LANGUAGES

    def __init__(self, lang: str = "en"):
        if lang not in LANGUAGES:
            raise ConfigError(f"unknown language {lang!r}; valid choices: {', '.join(LANGUAGES)}")
        if lang not in self.languages:
            raise ConfigError(
                f"{type(self).__name__} does not support language {lang!r}; "
                f"it supports: {', '.join(self.languages)}"
            )
        self.lang = lang

    @abc.abstractmethod
    def statistics(self, hyps: Sequence[Tokens], refs: Sequence[Sequence[Tokens]]) -> np.ndarray:
        """Per-report sufficient statistics, float64 array of shape ``(N, k)``."""

    @abc.abstractmethod
    def aggregate(self, stats: np.ndarray) -> dict[str, float]:
        """Corpus scores (``{name: value}`` for every ``score_names``) from ``(M, k)`` rows."""

    @abc.abstractmethod
    def per_report(self, stats: np.ndarray) -> dict[str, np.ndarray]:
        """One score per report for each of ``score_names``: arrays of shape ``(N,)``."""

    def aggregate_totals(self, totals: np.ndarray, n: int) -> dict[str, np.ndarray] | None:
        """Optional fast path for bootstrap and significance tests.

        A metric whose corpus score depends on the rows only through their column sums and
        their number (BLEU sums counts; ROUGE-L and CIDEr-D average a per-report score)
        returns ``{name: scores}`` for ``totals`` of shape ``(T, k)`` -- the column sums of T
        resampled corpora of ``n`` reports each -- so that thousands of resamples cost one
        matrix product. ``None`` (the default) means "not available": ``aggregate`` is then
        called once per resample.
        """
        return None

    def signature(self, name: str, *, tok: str, norm: str, nrefs: int | str) -> Signature:
        return Signature(metric=name, tok=tok, norm=norm, lang=self.lang, nrefs=nrefs, impl=self.impl)


#: Every metric, by the name users type. Filled by ``@register_metric``.
METRICS: Registry[type[Metric]] = Registry("metric")


def register_metric(name: str):
    """Class decorator: ``@register_metric("BLEU")`` adds the class to :data:`METRICS`."""
    return METRICS.register(name)


def count_refs(refs: Sequence[Sequence[Tokens]]) -> int | str:
    """The ``nrefs`` field of the signature: the number of references per report, or ``var``."""
    counts = {len(r) for r in refs}
    if len(counts) == 1:
        return counts.pop()
    return "var"
