"""The entity graph of a report, in the CN-RadGraph schema, for en, fr and zh.

Schema (CN-CXR paper, Tang et al., MICCAI 2023 workshops, after RadGraph, Jain et al. 2021):

* entities: ``Anatomy``, ``Disease-Positive-Observation``, ``Disease-Negative-Observation``,
  ``Neutral-Observation`` (descriptors such as size, side, severity, change);
* relations: ``Located At`` (observation -> anatomy) and ``Modify`` (descriptor -> observation);
* the observation that decides presence is the *outermost* node: descriptors modify it, it is
  located at anatomy, and nothing modifies out of it. A finding of the graph is that node with
  its anatomy: ``(polarity, lesion, anatomy)``; graph F1 (:mod:`cxrgen.metrics.clinical`) matches
  these.

Extraction is rule-based and reuses the labeler: observations are the labeler's mentions (their
status gives the entity type; an uncertain mention is a positive observation with
``"uncertain": true``, the "as positive" policy), anatomy and descriptors come from the
lexicon's ``anatomy`` and ``modifiers`` patterns, and each observation is linked to the nearest
anatomy and descriptors of its sentence. Lesions and anatomy are normalised to the lexicon's
concept and anatomy names, so graphs of different languages and hand-annotated graphs compare.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from cxrgen.labeling.base import get_labeler
from cxrgen.labeling.labelsets import NEGATIVE, UNCERTAIN
from cxrgen.labeling.rules import RuleLabeler, _lower, _Matcher
from cxrgen.text.tokenize import jieba_tokenizer

ANATOMY = "Anatomy"
POSITIVE_OBS = "Disease-Positive-Observation"
NEGATIVE_OBS = "Disease-Negative-Observation"
NEUTRAL_OBS = "Neutral-Observation"
ENTITY_TYPES = (ANATOMY, POSITIVE_OBS, NEGATIVE_OBS, NEUTRAL_OBS)
LOCATED_AT = "Located At"
MODIFY = "Modify"
RELATION_TYPES = (LOCATED_AT, MODIFY)

#: how far (characters) an observation looks for its anatomy / descriptors in its sentence
LINK_WINDOW = {"en": 60, "fr": 60, "zh": 15}


@dataclass
class Entity:
    id: str
    text: str
    label: str
    start: int  # character offsets in the report
    end: int
    norm: str = ""  # concept or anatomy name, language independent where the lexicon has one
    uncertain: bool = False
    relations: list[tuple[str, str]] = field(default_factory=list)  # (relation type, target id)


@dataclass
class ReportGraph:
    """Entities and relations of one report; ``tokens`` are the report's tokens (RadGraph
    indexes entities by token, ``start_ix`` / ``end_ix`` inclusive)."""

    id: str
    text: str
    lang: str
    entities: list[Entity]
    tokens: list[tuple[str, int, int]] = field(default_factory=list)  # (token, start, end)

    def by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    def findings(self) -> set[tuple[str, str, str]]:
        """``(polarity, lesion, anatomy)`` of every outermost observation (anatomy ``""`` when
        none is linked); descriptors are not findings."""
        ents = self.by_id()
        out = set()
        for e in self.entities:
            if e.label not in (POSITIVE_OBS, NEGATIVE_OBS):
                continue
            if any(rel == MODIFY and t in ents and ents[t].label != ANATOMY for rel, t in e.relations):
                continue  # it modifies another observation: not the outermost node
            polarity = "positive" if e.label == POSITIVE_OBS else "negative"
            anatomies = {ents[t].norm or ents[t].text.lower() for rel, t in e.relations
                         if rel == LOCATED_AT and t in ents}
            for anat in anatomies or {""}:
                out.add((polarity, e.norm or e.text.lower(), anat))
        return out

    def entity_keys(self) -> set[tuple[str, str]]:
        return {(e.norm or e.text.lower(), e.label) for e in self.entities}

    def relation_keys(self) -> set[tuple[str, str, str]]:
        ents = self.by_id()
        out = set()
        for e in self.entities:
            for rel, t in e.relations:
                if t in ents:
                    out.add((e.norm or e.text.lower(), rel, ents[t].norm or ents[t].text.lower()))
        return out


_WORD_TOKENS = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str, lang: str) -> list[tuple[str, int, int]]:
    """(token, start, end): words and punctuation for en/fr, jieba words for zh."""
    if lang == "zh":
        return [(w, s, e) for w, s, e in jieba_tokenizer().tokenize(text, HMM=False) if w.strip()]
    return [(m.group(), m.start(), m.end()) for m in _WORD_TOKENS.finditer(text)]


class GraphExtractor:
    """Builds :class:`ReportGraph` s for one language (compiled once, like the labeler)."""

    def __init__(self, lang: str):
        labeler = get_labeler(lang)
        if not isinstance(labeler, RuleLabeler):
            raise TypeError(f"the graph extractor needs the rule labeler's lexicon, got {labeler!r}")
        self.lang = lang
        self.labeler = labeler
        lex = labeler.lexicon
        wb = lex.word_boundaries
        self._anatomy = _Matcher([(name, p) for name, ps in lex.anatomy.items() for p in ps], wb)
        self._modifiers = _Matcher([("mod", p) for p in lex.modifiers], wb)
        self.window = LINK_WINDOW.get(lang, 60)

    def extract(self, text: str, report_id: str = "", with_tokens: bool = True) -> ReportGraph:
        """The graph of ``text``; ``with_tokens=False`` leaves ``tokens`` empty (RadGraph export
        needs them, the error analysis does not: jieba is most of the time of a Chinese graph)."""
        low = _lower(text)
        mentions = self.labeler.mentions(text)
        spans = self.labeler.sentences(low)
        entities: list[Entity] = []
        taken: list[tuple[int, int]] = []

        def free(s, e):
            return not any(s < b and e > a for a, b in taken)

        obs_by_span: dict[tuple[int, int], Entity] = {}
        for m in mentions:
            key = (m.start, m.end)
            if key in obs_by_span:  # one span, several concepts (infiltrate / opacity): one node
                continue
            label = NEGATIVE_OBS if m.status == NEGATIVE else POSITIVE_OBS
            norm = m.concept if m.kind != "other" else m.text.lower()
            ent = Entity(str(len(entities) + 1), m.text, label, m.start, m.end, norm,
                         uncertain=m.status == UNCERTAIN)
            entities.append(ent)
            obs_by_span[key] = ent
            taken.append(key)
        anatomy = []
        for s, e, tags in self._anatomy.finditer(low):
            if free(s, e):
                ent = Entity(str(len(entities) + 1), text[s:e], ANATOMY, s, e, str(tags[0]))
                entities.append(ent)
                anatomy.append(ent)
                taken.append((s, e))
        modifiers = []
        for s, e, _ in self._modifiers.finditer(low):
            if free(s, e):
                ent = Entity(str(len(entities) + 1), text[s:e], NEUTRAL_OBS, s, e, low[s:e])
                entities.append(ent)
                modifiers.append(ent)
                taken.append((s, e))

        def sentence_of(pos):
            for i, (a, b) in enumerate(spans):
                if a <= pos < b:
                    return i
            return -1

        observations = list(obs_by_span.values())
        for obs in observations:
            si = sentence_of(obs.start)
            near = [a for a in anatomy if sentence_of(a.start) == si and _gap(a, obs) <= self.window]
            if near:
                target = min(near, key=lambda a: _gap(a, obs))
                obs.relations.append((LOCATED_AT, target.id))
        for mod in modifiers:
            si = sentence_of(mod.start)
            near = [o for o in observations if sentence_of(o.start) == si and _gap(mod, o) <= self.window]
            if near:
                target = min(near, key=lambda o: (_gap(mod, o), o.start < mod.start))
                mod.relations.append((MODIFY, target.id))
        entities.sort(key=lambda e: e.start)
        tokens = tokenize(text, self.lang) if with_tokens else []
        return ReportGraph(report_id, text, self.lang, _renumber(entities), tokens)


def _gap(a: Entity, b: Entity) -> int:
    """Characters between two entities (0 when adjacent or overlapping)."""
    return max(0, max(a.start, b.start) - min(a.end, b.end))


def _renumber(entities: list[Entity]) -> list[Entity]:
    """Ids "1", "2", ... in reading order, relations rewritten to match (RadGraph numbering)."""
    new_ids = {e.id: str(i + 1) for i, e in enumerate(entities)}
    for e in entities:
        e.id = new_ids[e.id]
        e.relations = [(r, new_ids[t]) for r, t in e.relations]
    return entities


@functools.lru_cache(maxsize=None)
def get_extractor(lang: str) -> GraphExtractor:
    return GraphExtractor(lang)


def extract_graph(text: str, lang: str, report_id: str = "") -> ReportGraph:
    """The entity graph of one report (see the module docstring)."""
    return get_extractor(lang).extract(text, report_id)


class GraphKeywordExtractor:
    """Keywords of a report for ``cxrgen.data.stats.keyword_table(studies, lang, extractor=...)``:
    ``extractor(text, lang) -> [(category, keyword), ...]`` with category ``anatomy`` or
    ``lesion``; ``keywords()`` lists every keyword, so tables of two datasets line up.

    * en / fr: the anatomy names and the lesion (concept) names of the report's entity graph;
    * zh: the 48 anatomy and lesion keywords of CN-CXR's Table 1
      (:data:`cxrgen.labeling.lexicon_zh.CN_CXR_KEYWORDS`, a documented reconstruction), found as
      substrings (overlaps count: "双肺纹理" holds 双肺 and 肺纹理).

    Like the stats table, a mention counts whether affirmed or negated; ``present_only=True``
    drops lesions the labeler reads as negated ("未见气胸" then does not count 气胸).
    """

    def __init__(self, lang: str, present_only: bool = False):
        self.lang = lang
        self.present_only = present_only
        self.labeler = get_labeler(lang)
        if lang == "zh":
            from cxrgen.labeling.lexicon_zh import CN_CXR_ANATOMY, CN_CXR_LESIONS

            self._anatomy_kw, self._lesion_kw = CN_CXR_ANATOMY, CN_CXR_LESIONS
        else:
            lex = self.labeler.lexicon
            self._anatomy_kw = tuple(lex.anatomy)
            self._lesion_kw = tuple(lex.mentions)
            self._graph = get_extractor(lang)

    def keywords(self) -> list[tuple[str, str]]:
        return [("anatomy", k) for k in self._anatomy_kw] + [("lesion", k) for k in self._lesion_kw]

    def __call__(self, text: str, lang: str | None = None) -> list[tuple[str, str]]:
        if lang is not None and lang != self.lang:
            raise ValueError(f"this keyword extractor reads {self.lang!r} reports, not {lang!r}; "
                             f"build one with GraphKeywordExtractor({lang!r})")
        if self.lang == "zh":
            return self._zh(text)
        out = set()
        for e in self._graph.extract(text).entities:
            if e.label == ANATOMY:
                out.add(("anatomy", e.norm))
            elif e.label in (POSITIVE_OBS, NEGATIVE_OBS) and e.norm in self.labeler.lexicon.mentions:
                if not (self.present_only and e.label == NEGATIVE_OBS):
                    out.add(("lesion", e.norm))
        return sorted(out)

    def _zh(self, text: str) -> list[tuple[str, str]]:
        found = {("anatomy", k) for k in self._anatomy_kw if k in text}
        negated = []
        if self.present_only:
            negated = [(m.start, m.end) for m in self.labeler.mentions(text) if m.status == NEGATIVE]
        for k in self._lesion_kw:
            start = text.find(k)
            while start >= 0:
                end = start + len(k)
                if not any(a < end and start < b for a, b in negated):
                    found.add(("lesion", k))
                    break
                start = text.find(k, start + 1)
        return sorted(found)


def keyword_extractor(lang: str, present_only: bool = False) -> GraphKeywordExtractor:
    """The keyword extractor of ``lang`` (see :class:`GraphKeywordExtractor`)."""
    return GraphKeywordExtractor(lang, present_only)
