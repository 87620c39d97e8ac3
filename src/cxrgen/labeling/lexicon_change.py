"""Side, lung level, severity and comparison words per language, for the clinical error analysis.

The entity graph (:mod:`cxrgen.labeling.graph`) says *which* finding a report states and with
which polarity; :mod:`cxrgen.labeling.errors` also needs *where* (side, lung level), *how much*
(severity grade) and whether the report compares with a prior study. Those words live here, one
:class:`ChangeLexicon` per language, apart from the labeler's lexicons (a word added here never
moves a label).

* Severity is an ordinal grade, the four steps radiologists use for effusions and cardiomegaly
  (trace / small / moderate / large, Fleischner glossary, Hansell et al. 2008; fr "faible /
  moyenne / grande abondance"; zh 少量 / 中等量 / 大量, 轻度 / 中度 / 重度): 1 trace or minimal,
  2 small or mild, 3 moderate, 4 large, severe or marked. Two words of one grade ("small",
  "mild") agree; a change of grade is a severity error.
* Comparison cues say the report compares with a prior study; each carries the direction of the
  change it states: ``same`` (stable, unchanged), ``worse`` (increased, new, progression),
  ``better`` (decreased, improved, resolved) or ``ref`` (a mere reference: "compared with the
  prior radiograph").

Patterns are regular-expression fragments on lower-cased text, word-bounded for en / fr.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

DIRECTIONS = ("same", "worse", "better", "ref")


@dataclass(frozen=True)
class ChangeLexicon:
    lang: str
    #: pattern -> side: "left", "right" or "bilateral"
    sides: dict[str, str]
    #: pattern -> lung level: "upper", "middle", "lower" (lobes, zones, apex and base)
    levels: dict[str, str]
    #: pattern -> severity grade 1..4 (module docstring)
    severity: dict[str, int]
    #: pattern -> direction of the change the comparison states (:data:`DIRECTIONS`)
    comparison: dict[str, str]
    #: what separates two clauses of a sentence (a descriptor does not reach over it)
    clause_break: str
    #: do descriptors come before the finding ("small left effusion", 左侧少量积液) or after it
    #: ("épanchement pleural gauche de faible abondance")?
    descriptors_before: bool
    word_boundaries: bool = True


EN = ChangeLexicon(
    lang="en",
    sides={r"left(?:-sided)?": "left", r"right(?:-sided)?": "right",
           r"bilateral(?:ly)?|both|bibasilar|bibasal|bilaterally": "bilateral"},
    levels={r"upper|apex|apices|apical": "upper", r"middle|mid|midlung|lingula\w*": "middle",
            r"lower|base|bases|basilar|basal|bibasilar|retrocardiac": "lower"},
    severity={r"trace|minimal|tiny|minute|slight(?:ly)?|subtle|faint": 1,
              r"small|mild(?:ly)?|minor|borderline": 2,
              r"moderate(?:ly)?|medium": 3,
              r"large|severe(?:ly)?|marked(?:ly)?|extensive|massive|significant(?:ly)?": 4},
    comparison={
        r"stable|unchanged|no (?:significant |interval )?change|similar (?:to|in)|not changed": "same",
        # "increased / decreased" alone describe findings ("increased markings", "decreased lung
        # volumes"); only their comparative uses are cues
        r"new(?:ly)?|(?:increas|enlarg)\w+ (?:in size|since|from)|(?:has|have) (?:increased|enlarged)|worsen\w+"
        r"|progress\w+|interval (?:increase|development)": "worse",
        r"decreas\w+ (?:in size|since|from)|(?:has|have) decreased|improv\w+|resolv\w+|resolution"
        r"|less (?:prominent|conspicuous)": "better",
        # "prior" alone is mostly "prior granulomatous disease": the prior *study* is the cue
        r"compared (?:to|with)|comparison|prior (?:study|exam\w*|radiograph\w*|films?|images?|chest\w*|ct)"
        r"|previous(?:ly)?|since|interval\w*|redemonstrat\w+"
        r"|again (?:seen|noted|demonstrated|identified)|persist\w*": "ref",
    },
    clause_break=r",|;|\band\b|\bwith\b|\bwhich\b",
    descriptors_before=True,
)

FR = ChangeLexicon(
    lang="fr",
    sides={r"gauches?": "left", r"droite?s?": "right", r"bilat[eé]ra(?:le?s?|ux)|des deux c[oô]t[eé]s": "bilateral"},
    levels={r"sup[eé]rieure?s?|apex|apical\w*|sommets?": "upper", r"moyenne?s?|lingula\w*": "middle",
            r"inf[eé]rieure?s?|bases?|basal\w*|basa\w*|r[eé]trocardiaque\w*": "lower"},
    severity={r"minime\w*|discr[eè]te?s?|infime\w*|traces?": 1,
              r"faible abondance|petite?s?|l[eé]g[eè]re?s?|mod[eé]r[eé]ment": 2,
              r"moyenne abondance|mod[eé]r[eé]e?s?": 3,
              r"grande abondance|importante?s?|volumineu\w+|s[eé]v[eè]res?|massi\w+|abondante?s?|marqu[eé]e?s?": 4},
    comparison={
        r"stables?|inchang[eé]e?s?|sans (?:modification|changement|[eé]volution)|superposable\w*|identique\w*": "same",
        # "augmentation / diminution de" mostly describe findings ("augmentation de l'index
        # cardio-thoracique"), "antérieur" anatomy ("arc antérieur"): not cues on their own
        r"majoration|aggravation|apparition|nouvel(?:le)?s?|nouveaux?|progression": "worse",
        r"r[eé]gression|am[eé]lioration|disparition|r[eé]solution": "better",
        r"par rapport (?:au|à|a)(?: (?:clich[eé]|examen|radiographie)\w*)?|comparativement|en comparaison|comparaison"
        r"|pr[eé]c[eé]dent\w*|(?:clich[eé]|examen|radiographie)s? ant[eé]rieure?s?"
        r"|persist\w*|connue?s?|d[eé]j[aà] (?:vue?s?|visible\w*|connue?s?)": "ref",
    },
    clause_break=r",|;|\bet\b|\bavec\b",
    descriptors_before=False,
)

ZH = ChangeLexicon(
    lang="zh",
    sides={r"左": "left", r"右": "right", r"双侧|两侧|双肺|两肺|双": "bilateral"},
    levels={r"上叶|上野|上部|肺尖|尖部": "upper", r"中叶|中野|舌叶|舌段": "middle", r"下叶|下野|下部|肺底|底部|基底": "lower"},
    severity={r"微量|极少量|稍|些许|轻微|细微": 1,
              r"少量|少许|轻度": 2,
              r"中等量|中量|中度|中等": 3,
              r"大量|重度|大片|显著|严重|明显": 4},
    comparison={
        r"稳定|无(?:明显)?变化|没有(?:明显)?变化|未见(?:明显)?变化|大致同前|同前|相仿|相似": "same",
        # 增大 / 增多 / 增宽 alone describe findings (心影增大 is cardiomegaly): 较前增大 is a
        # comparison through 较前
        r"新出现|新发|新的|加重|进展|恶化": "worse",
        r"吸收|好转|改善|消失|缩小|消退": "better",
        r"较前|与前片(?:比较|相比|对比)?|与(?:之前|以前|上次|前次)\S{0,6}?(?:比较|相比|对比)|(?:之前|以前|前次|上次)|对比|相比|比较|仍": "ref",
    },
    clause_break=r"[，,;；、]|和|及|伴",
    descriptors_before=True,
    word_boundaries=False,
)

CHANGE_LEXICONS = {"en": EN, "fr": FR, "zh": ZH}


class _Tagger:
    """The patterns of one ``{pattern: tag}`` table as one alternation (longest first)."""

    def __init__(self, table: dict[str, object], word_boundaries: bool):
        self._entries = [(re.compile(p), tag) for p, tag in sorted(table.items(), key=lambda e: -len(e[0]))]
        body = "|".join(f"(?:{p})" for p, _ in sorted(table.items(), key=lambda e: -len(e[0])))
        self.regex = re.compile(rf"(?<!\w)(?:{body})(?!\w)" if word_boundaries else f"(?:{body})")
        self._cache: dict[str, object] = {}

    def find(self, text: str, pos: int = 0, endpos: int | None = None):
        """(start, end, tag) of every match in ``text[pos:endpos]`` (lower-cased text)."""
        for m in self.regex.finditer(text, pos, len(text) if endpos is None else endpos):
            word = m.group()
            tag = self._cache.get(word)
            if tag is None:
                tag = next((t for rx, t in self._entries if rx.fullmatch(word)), None)
                self._cache[word] = tag
            yield m.start(), m.end(), tag


@dataclass(frozen=True)
class CompiledChange:
    lexicon: ChangeLexicon
    sides: _Tagger
    levels: _Tagger
    severity: _Tagger
    comparison: _Tagger
    clause_break: re.Pattern


@functools.lru_cache(maxsize=None)
def compiled(lang: str) -> CompiledChange:
    """The compiled :class:`ChangeLexicon` of ``lang`` (once per process)."""
    if lang not in CHANGE_LEXICONS:
        raise ValueError(f"no change lexicon for language {lang!r}; valid choices: {', '.join(CHANGE_LEXICONS)}")
    lex = CHANGE_LEXICONS[lang]
    wb = lex.word_boundaries
    return CompiledChange(lex, _Tagger(lex.sides, wb), _Tagger(lex.levels, wb), _Tagger(lex.severity, wb),
                          _Tagger(lex.comparison, wb), re.compile(lex.clause_break))
