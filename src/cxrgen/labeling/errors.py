"""Clinical errors of a generated report against its reference, from the two entity graphs.

GREEN (Ostmeier et al., "GREEN: Generative Radiology Report Evaluation and Error Notation",
Findings of EMNLP 2024) asks a 7B language model to count six kinds of clinically significant
error and the matched findings. This module derives the same six categories, offline and in
milliseconds, from the difference of the two reports' entity graphs
(:mod:`cxrgen.labeling.graph`, CN-RadGraph schema) and the side / level / severity / comparison
words of :mod:`cxrgen.labeling.lexicon_change`, in en, fr and zh:

* ``false_finding`` (GREEN a): a finding the hypothesis states present (positive or uncertain
  observation) that the reference does not (absent, or not mentioned);
* ``missed_finding`` (b): a finding present in the reference that the hypothesis does not state;
* ``wrong_location`` (c): a finding present in both, but on another side (left / right /
  bilateral) or at another lung level (upper / middle / lower: lobes, zones, apex, base);
* ``wrong_severity`` (d): a finding present in both with another severity grade (trace /
  small / moderate / large; "small" and "mild" agree);
* ``false_comparison`` (e): a comparison with a prior study the reference does not make (one
  more comparison statement, or an opposite change: "increased" where the reference says
  "stable");
* ``missed_comparison`` (f): a comparison of the reference the hypothesis leaves out.

A finding is a concept (the labeler's concept, or the normalised text of an abnormality outside
the label sets); its descriptors are the side, level and severity words of its *clause*: the
sentence cut at the clause breaks (",", "and", "et", "，", ...) between it and its neighbour
findings, descriptors falling to the finding they stand before (en, zh) or after (fr) when no
break separates them. (The graph's Located At / Modify links use a fixed window; French
descriptors trail further than it: "opacité ... du tiers inférieur de l'hémichamp pulmonaire
droit".) A descriptor absent on one side is not an error (less specific, not wrong).

``matched``: findings stated with the same polarity in both reports (present with the same
side, level and severity, or absent in both), plus comparisons made by both.
"""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Sequence

from cxrgen.errors import InputError
from cxrgen.labeling.graph import MODIFY, NEGATIVE_OBS, POSITIVE_OBS, ANATOMY, get_extractor
from cxrgen.labeling.lexicon_change import compiled
from cxrgen.labeling.rules import _lower

CATEGORIES = ("false_finding", "missed_finding", "wrong_location", "wrong_severity",
              "false_comparison", "missed_comparison")
_CACHE_SIZE = 20_000
# a plural "s" at the end of a word of more than 3 letters ("granulomas", "calcifications",
# "nodulaires"), not "ss" ("mass")
_PLURAL = re.compile(r"(?<=\w{3})(?<!s)s(?=\W|$)")
_TRIM = " \t\n/,;，；、"


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class FindingMention:
    concept: str
    positive: bool
    uncertain: bool
    span: Span
    sides: frozenset
    levels: frozenset
    severity: frozenset


@dataclass(frozen=True)
class ComparisonStatement:
    direction: str  # lexicon_change.DIRECTIONS
    concepts: frozenset
    span: Span


@dataclass(frozen=True)
class ReportFacts:
    """What the error analysis reads from one report."""

    findings: tuple[FindingMention, ...]
    comparisons: tuple[ComparisonStatement, ...]

    def positive(self) -> dict[str, list[FindingMention]]:
        out: dict[str, list[FindingMention]] = {}
        for f in self.findings:
            if f.positive:
                out.setdefault(f.concept, []).append(f)
        return out

    def negative(self) -> dict[str, list[FindingMention]]:
        out: dict[str, list[FindingMention]] = {}
        for f in self.findings:
            if not f.positive:
                out.setdefault(f.concept, []).append(f)
        return out


@dataclass(frozen=True)
class ClinicalError:
    category: str
    finding: str
    hyp: Span | None
    ref: Span | None

    def as_dict(self) -> dict:
        return {"category": self.category, "finding": self.finding,
                "hyp": self.hyp.as_dict() if self.hyp else None,
                "ref": self.ref.as_dict() if self.ref else None}


@dataclass
class PairErrors:
    """The errors of one hypothesis against its reference (one JSONL line of ``cxrgen errors``)."""

    id: str
    matched: int
    errors: list[ClinicalError] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(CATEGORIES, 0)
        for e in self.errors:
            out[e.category] += 1
        return out

    def score(self) -> float:
        """``matched / (matched + errors)``; 1.0 when neither report states anything."""
        total = self.matched + len(self.errors)
        return self.matched / total if total else 1.0

    def as_dict(self) -> dict:
        return {"id": self.id, "matched": self.matched, "errors": [e.as_dict() for e in self.errors]}


class ErrorAnalyzer:
    """Reads :class:`ReportFacts` from reports of one language and compares two of them."""

    def __init__(self, lang: str):
        self.lang = lang
        self.extractor = get_extractor(lang)
        self.change = compiled(lang)
        self._cache: OrderedDict[str, ReportFacts] = OrderedDict()
        self._keys: dict[str, str] = {}

    # -- reading one report ----------------------------------------------------------------
    def facts(self, text: str) -> ReportFacts:
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        facts = self.read_facts(text)
        self._cache[text] = facts
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return facts

    def read_facts(self, text: str) -> ReportFacts:
        graph = self.extractor.extract(text, with_tokens=False)
        ents = graph.by_id()
        low = _lower(text)
        observations = [e for e in graph.entities if e.label in (POSITIVE_OBS, NEGATIVE_OBS)
                        and not any(r == MODIFY and t in ents and ents[t].label != ANATOMY
                                    for r, t in e.relations)]
        findings, comparisons = [], []
        for s0, s1 in self.extractor.labeler.sentences(low):
            obs = [o for o in observations if s0 <= o.start < s1]
            for o, (c0, c1) in zip(obs, self._clauses(low, s0, s1, obs)):
                a, b = _strip(text, c0, c1)  # the span shown is the finding's clause
                findings.append(FindingMention(
                    self._concept(o.norm or o.text.lower()), o.label == POSITIVE_OBS, o.uncertain,
                    Span(text[a:b], a, b),
                    _sides(t for *_, t in self.change.sides.find(low, c0, c1)),
                    frozenset(t for *_, t in self.change.levels.find(low, c0, c1)),
                    frozenset(t for *_, t in self.change.severity.find(low, c0, c1))))
            cues = [t for *_, t in self.change.comparison.find(low, s0, s1)]
            if cues:
                direction = next((d for d in cues if d != "ref"), "ref")
                a, b = _strip(text, s0, s1)
                comparisons.append(ComparisonStatement(
                    direction, frozenset(self._concept(o.norm or o.text.lower()) for o in obs), Span(text[a:b], a, b)))
        return ReportFacts(tuple(findings), tuple(comparisons))

    def _concept(self, norm: str) -> str:
        """The labeler's concept name as is; the text of an abnormality outside the label sets
        ("calcified granulomas", "surélévation") without accents and plural "s", so that
        "calcified granuloma" / "granulomas" and "surélévation" / "surelevation" agree."""
        lex = self.extractor.labeler.lexicon
        if norm in lex.mentions or norm in lex.normal_statements:
            return norm
        key = self._keys.get(norm)
        if key is None:
            plain = "".join(c for c in unicodedata.normalize("NFKD", norm) if not unicodedata.combining(c))
            key = _PLURAL.sub("", plain) if self.change.lexicon.word_boundaries else norm
            self._keys[norm] = key
        return key

    def _clauses(self, low: str, s0: int, s1: int, obs) -> list[tuple[int, int]]:
        """The clause (start, end) of each observation of one sentence (module docstring)."""
        cuts = [s0]
        for a, b in zip(obs, obs[1:]):
            brk = self.change.clause_break.search(low, a.end, b.start)
            if brk is not None:
                cuts.append(brk.start())
            else:
                cuts.append(a.end if self.change.lexicon.descriptors_before else b.start)
        cuts.append(s1)
        return [(max(cuts[i], s0), cuts[i + 1]) for i in range(len(obs))]

    # -- comparing two reports -------------------------------------------------------------
    def compare(self, hyp: ReportFacts, ref: ReportFacts, pair_id: str = "") -> PairErrors:
        out = PairErrors(pair_id, 0)
        rpos, hpos, rneg, hneg = ref.positive(), hyp.positive(), ref.negative(), hyp.negative()
        for concept in sorted(rpos.keys() | hpos.keys()):
            r, h = rpos.get(concept), hpos.get(concept)
            if r and h:
                found = _descriptor_errors(concept, r, h)
                out.errors += found
                out.matched += not found
            elif r:
                other = hneg.get(concept)
                out.errors.append(ClinicalError("missed_finding", concept, other[0].span if other else None, r[0].span))
            else:
                other = rneg.get(concept)
                out.errors.append(ClinicalError("false_finding", concept, h[0].span, other[0].span if other else None))
        out.matched += len((rneg.keys() & hneg.keys()) - rpos.keys() - hpos.keys())
        self._compare_comparisons(ref.comparisons, hyp.comparisons, out)
        return out

    @staticmethod
    def _compare_comparisons(ref, hyp, out: PairErrors) -> None:
        """One-to-one: each reference comparison takes the free hypothesis comparison about the
        most of its findings (same set, overlap, any); leftovers are false / missed."""
        free = list(hyp)
        for rc in ref:
            if not free:
                out.errors.append(ClinicalError("missed_comparison", _topic(rc), None, rc.span))
                continue
            best = max(free, key=lambda hc: (hc.concepts == rc.concepts, len(hc.concepts & rc.concepts)))
            free.remove(best)
            if "ref" not in (rc.direction, best.direction) and rc.direction != best.direction:
                out.errors.append(ClinicalError("false_comparison", _topic(best), best.span, rc.span))
            else:
                out.matched += 1
        for hc in free:
            out.errors.append(ClinicalError("false_comparison", _topic(hc), hc.span, None))

    def analyze(self, hyp: str, ref: str, pair_id: str = "") -> PairErrors:
        return self.compare(self.facts(hyp), self.facts(ref), pair_id)

    def analyze_many(self, hyps: Sequence[str], refs: Sequence[str],
                     ids: Sequence[str] | None = None) -> list[PairErrors]:
        if len(refs) != len(hyps):
            raise InputError(f"{len(refs)} references but {len(hyps)} hypotheses: give one hypothesis "
                             "per reference, in the same order")
        ids = [str(i) for i in (ids if ids is not None else range(1, len(refs) + 1))]
        return [self.analyze(h, r, i) for h, r, i in zip(hyps, refs, ids)]


def _sides(tags) -> frozenset:
    """Sides of a clause; "bilateral" is left and right (so "bilateral" = "left and right")."""
    out = set()
    for t in tags:
        out |= {"left", "right"} if t == "bilateral" else {t}
    return frozenset(out)


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _TRIM:
        a += 1
    while b > a and text[b - 1] in _TRIM:
        b -= 1
    return a, b


def _topic(c: ComparisonStatement) -> str:
    return ", ".join(sorted(c.concepts)) or f"comparison ({c.direction})"


def _differs(r: list[FindingMention], h: list[FindingMention], attr: str) -> tuple | None:
    """The (ref mention, hyp mention) that show ``attr`` differing, or None. Mentions without
    the descriptor are left out; with as many mentions on both sides, the multisets of values
    are compared (one of two effusions switched side is an error), else their unions."""
    rv = [(m, getattr(m, attr)) for m in r if getattr(m, attr)]
    hv = [(m, getattr(m, attr)) for m in h if getattr(m, attr)]
    if not rv or not hv:
        return None
    if len(r) == len(h) and len(rv) == len(hv):
        rs, hs = sorted(tuple(sorted(v)) for _, v in rv), sorted(tuple(sorted(v)) for _, v in hv)
        if rs == hs:
            return None
    elif frozenset().union(*(v for _, v in rv)) == frozenset().union(*(v for _, v in hv)):
        return None
    hyp_values = {v for _, v in hv}
    ref_values = {v for _, v in rv}
    rm = next((m for m, v in rv if v not in hyp_values), rv[0][0])
    hm = next((m for m, v in hv if v not in ref_values), hv[0][0])
    return rm, hm


def _descriptor_errors(concept: str, r: list[FindingMention], h: list[FindingMention]) -> list[ClinicalError]:
    out = []
    loc = _differs(r, h, "sides") or _differs(r, h, "levels")
    if loc:
        out.append(ClinicalError("wrong_location", concept, loc[1].span, loc[0].span))
    sev = _differs(r, h, "severity")
    if sev:
        out.append(ClinicalError("wrong_severity", concept, sev[1].span, sev[0].span))
    return out


def summarize(pairs: Sequence[PairErrors]) -> dict:
    """Corpus summary: counts per category, the same per 100 reports, matched findings, and the
    GREEN-style score (:func:`green_score`)."""
    n = len(pairs)
    counts = dict.fromkeys(CATEGORIES, 0)
    for p in pairs:
        for k, v in p.counts().items():
            counts[k] += v
    total = sum(counts.values())
    return {"n": n, "matched": sum(p.matched for p in pairs), "errors": total, "counts": counts,
            "per_100_reports": {k: 100.0 * v / n if n else 0.0 for k, v in counts.items()},
            "errors_per_100_reports": 100.0 * total / n if n else 0.0,
            "reports_with_errors": sum(1 for p in pairs if p.errors),
            "green_style": green_score(pairs)}


def green_score(pairs: Sequence[PairErrors]) -> float:
    """GREEN-style score: the mean over reports of ``matched / (matched + significant errors)``.

    As GREEN (Ostmeier et al. 2024, eq. 1) averages its per-report score; a report where neither
    side states a finding or a comparison scores 1. Every error found here counts as clinically
    significant: GREEN's model also grades errors "insignificant", a judgement rules cannot make,
    so this is the strict reading (significant = all six categories).
    """
    return sum(p.score() for p in pairs) / len(pairs) if pairs else 0.0


_ANALYZERS: dict[str, ErrorAnalyzer] = {}


def get_error_analyzer(lang: str) -> ErrorAnalyzer:
    """The analyzer of ``lang`` (built once per process)."""
    if lang not in _ANALYZERS:
        _ANALYZERS[lang] = ErrorAnalyzer(lang)
    return _ANALYZERS[lang]


def analyze_errors(hyps: Sequence[str], refs: Sequence[str], lang: str,
                   ids: Sequence[str] | None = None) -> list[PairErrors]:
    """Errors of each hypothesis against its reference (see the module docstring)."""
    return get_error_analyzer(lang).analyze_many(hyps, refs, ids)
