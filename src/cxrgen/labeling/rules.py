"""The rule engine shared by every language: mentions, then negation / uncertainty scopes.

Design (NegEx, Chapman et al. 2001; NegBio, Peng et al. 2018; the CheXpert labeler, Irvin et
al. 2019, without its dependency parser):

1. The report is cut into sentences (``Lexicon.sentence_end``); no trigger reaches past one.
2. All mention patterns are compiled into ONE alternation, all trigger patterns into another,
   once per labeler (:class:`_Matcher`): labelling a report is three ``finditer`` passes over
   it (sentences, mentions, triggers), no per-report compilation (the speed goal of issue 4:
   >= 2,000 reports/s on one core).
3. A mention takes the status of the *nearest* pre-trigger within ``pre_scope`` characters
   before it, unless a scope terminator ("but", "however") lies between; a pseudo-trigger
   ("no change in") or a double negation ("not without") nearest to it makes it positive.
   A differential ("A versus B") is uncertain and flagged ``alternative``; the label set
   decides its value (``LabelSet.alternatives``), unless a hedge or negation before the pair
   decides it. Without a pre-trigger, the first post-trigger within ``post_scope`` characters after it
   decides ("... is not seen", "... cannot be excluded", "... 可能性大"). Otherwise the mention
   is positive. A high-likelihood pre-trigger ("likely", "考虑为") is lowered to uncertain by
   a hedge after the mention ("考虑肺炎可能").
   The nearest-trigger rule is what makes lists work: in "no effusion, pneumothorax or
   consolidation" every finding is nearest to "no".
4. Per label, mentions combine as CheXpert does: any positive -> 1, else any uncertain -> -1,
   else 0; a label never mentioned is ``None``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from cxrgen.labeling.labelsets import NEGATIVE, POSITIVE, UNCERTAIN, LabelSet, get_label_set
from cxrgen.labeling.lexicon import Lexicon

_PRE_KINDS = {"neg_pre": NEGATIVE, "unc_pre": UNCERTAIN, "pseudo": POSITIVE, "pos_pre": POSITIVE,
              "alternatives": UNCERTAIN}
_POST_KINDS = {"neg_post": NEGATIVE, "unc_post": UNCERTAIN, "pos_post": POSITIVE, "alternatives": UNCERTAIN}
# a clause comma; the Chinese enumeration comma 、 is not one: it joins the items of a list
# ("气胸、胸腔积液均未见"), as "and" does, so a post-trigger reaches back over it (no en / fr
# text holds 、, so their behaviour is unchanged)
_COMMA = re.compile("[,，]")


@dataclass(frozen=True)
class Mention:
    """One mention of a concept in a report, with its status and what decided it."""

    concept: str
    start: int  # character offsets in the report text
    end: int
    text: str
    status: int  # POSITIVE / NEGATIVE / UNCERTAIN
    kind: str  # "mention", "normal" (a statement of absence) or "other" (abnormal, outside labels)
    sentence: int
    trigger: str | None = None  # the trigger text that decided the status, if any
    #: named as one of alternatives ("A versus B"): uncertain here, the label set decides
    #: the value it takes (``LabelSet.alternatives``)
    alternative: bool = False


class _Matcher:
    """Many patterns as ONE compiled alternation, and which pattern (tag) a match came from.

    Speed: Python's ``re`` skips an alternative whose first literal does not match the current
    character, but only when the alternative does not start with a group; so the alternation is
    plain (no named groups, no per-alternative boundaries), matched on lower-cased text, and the
    tag of a match is found afterwards by ``fullmatch`` over the patterns, cached by matched
    string (reports repeat the same few phrases). 100x faster than named groups here.
    Longer patterns come first so that, at one position, "pleural effusion" is preferred to
    "effusion" and "no change in" to "no" (the alternation takes the first that matches).
    """

    def __init__(self, entries: Sequence[tuple[object, str]], word_boundaries: bool):
        ordered = sorted(entries, key=lambda e: -len(e[1]))
        self._entries = [(tag, re.compile(p)) for tag, p in ordered]
        body = "|".join(p for _, p in ordered) or r"(?!x)x"
        # the end boundary holds when the match ends in a non-word character ("d’", "?"),
        # so that "absence d’" matches before "épanchement"
        self.regex = re.compile(rf"(?<!\w)(?:{body})(?:(?<=\W)|(?!\w))" if word_boundaries
                                else f"(?:{body})")
        self._tags: dict[str, object] = {}

    def tags(self, matched: str) -> tuple:
        """Every distinct tag whose pattern matches all of ``matched`` ("infiltrate" is both a
        ChestX-ray14 infiltrate and a CheXpert lung opacity; "could represent" both a pre- and a
        post-trigger of uncertainty)."""
        tags = self._tags.get(matched)
        if tags is None:
            found = []
            for t, rx in self._entries:
                if t not in found and rx.fullmatch(matched):
                    found.append(t)
            tags = tuple(found)
            if len(self._tags) < 100_000:
                self._tags[matched] = tags
        return tags

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None):
        """(start, end, tags) of every match in ``text[pos:endpos]`` (already lower-cased);
        the look-behind of the word boundary still sees the character before ``pos``."""
        for m in self.regex.finditer(text, pos, len(text) if endpos is None else endpos):
            g = m.group()
            core = g.strip()  # "(?:is )?\s*possible" may start on a space: offsets of the words
            if not core:
                continue
            start = m.start() + (len(g) - len(g.lstrip()))
            yield start, start + len(core), self.tags(g) or self.tags(core)


def _lower(text: str) -> str:
    """Lower case with the length kept (offsets stay valid): the few characters whose lower
    case is longer ("İ") are left as they are."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


class RuleLabeler:
    """Labels reports of one language from a :class:`Lexicon` (see the module docstring)."""

    def __init__(self, lexicon: Lexicon, name: str | None = None):
        self.lexicon = lexicon
        self._name = name
        self.lang = lexicon.lang
        wb = lexicon.word_boundaries
        entries = []
        for concept, patterns in lexicon.mentions.items():
            entries += [(("mention", concept), p) for p in patterns]
        for concept, patterns in lexicon.normal_statements.items():
            entries += [(("normal", concept), p) for p in patterns]
        entries += [(("other", "other"), p) for p in lexicon.other_abnormal]
        self._mentions = _Matcher(entries, wb)
        triggers = []
        for kind in ("neg_pre", "neg_post", "unc_pre", "unc_post", "pseudo", "pos_pre", "pos_post", "terminators",
                     "inert", "alternatives"):
            triggers += [(kind, p) for p in getattr(lexicon, kind)]
        self._triggers = _Matcher(triggers, wb)
        self._sentence_re = re.compile(lexicon.sentence_end)

    @property
    def name(self) -> str:
        return self._name or f"rules-{self.lang}"

    # -- sentences and mentions -------------------------------------------------------------
    def sentences(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character spans of the sentences of ``text``, empty ones dropped."""
        spans, start = [], 0
        for m in self._sentence_re.finditer(text):
            if m.start() > start:
                spans.append((start, m.start()))
            start = m.end()
        if start < len(text):
            spans.append((start, len(text)))
        return [(s, e) for s, e in spans if text[s:e].strip()]

    def mentions(self, text: str) -> list[Mention]:
        """Every concept mention in ``text`` with its status, in reading order."""
        low = _lower(text)
        found = list(self._mentions.finditer(low))
        if not found:
            return []
        spans = self.sentences(low)
        ends = [e for _, e in spans]
        # the sentence of each mention; triggers are looked for in those sentences only
        sent_of = [min(bisect.bisect_right(ends, s), len(spans) - 1) for s, _, _ in found]
        trigs_by_sent: dict[int, list] = {}
        for si in sorted(set(sent_of)):
            s0, s1 = spans[si]
            # a trigger inside a mention ("no" in a name) is part of the mention, not a trigger
            trigs_by_sent[si] = [t for t in self._triggers.finditer(low, s0, s1)
                                 if not any(t[0] < e and t[1] > s for s, e, _ in found)]
        out: list[Mention] = []
        for (start, end, tags), si in zip(found, sent_of):
            context = self._status(text, trigs_by_sent[si], start, end)
            for kind, concept in tags:
                status, trig, alt = (NEGATIVE, None, False) if kind == "normal" else context
                out.append(Mention(concept, start, end, text[start:end], status, kind, si, trig, alt))
        return out

    def _status(self, text, trigs, start, end) -> tuple[int, str | None, bool]:
        """(status, deciding trigger text, named as an alternative?) of the mention at
        ``start:end`` given the triggers of its sentence."""
        lex = self.lexicon
        nearest = before = None  # the nearest pre-trigger, and the one before it
        for t0, t1, kinds in trigs:
            if t1 > start:
                break
            if "terminators" in kinds:
                nearest = before = None  # a terminator after a trigger closes its scope
                continue
            for kind in kinds:
                if kind in _PRE_KINDS and start - t1 <= lex.pre_scope:
                    # "no suspicious nodule", "没有可疑的...": a hedge right after a negation
                    # is inside its scope; the negation decides
                    if (kind == "unc_pre" and nearest is not None and nearest[2] == "neg_pre"
                            and t0 - nearest[1] <= 2):
                        break
                    nearest, before = (t0, t1, kind), nearest
                    break
        if nearest is not None and nearest[2] == "alternatives":
            # "possible infiltrate versus atelectasis", "no A versus B": a hedge or a negation
            # before the pair (and no comma between) is the pair's; else B is an alternative
            if (before is not None and before[2] in ("unc_pre", "neg_pre")
                    and not _COMMA.search(text, before[1], nearest[0])):
                nearest = before
            else:
                return UNCERTAIN, text[nearest[0]:nearest[1]], True
        if nearest is not None:
            if nearest[2] == "pos_pre":
                # "考虑肺炎可能" ("consider pneumonia possible"): a hedge after the mention
                # lowers the high-likelihood one before it
                post = self._post_status(text, trigs, end)
                if post is not None and post[0] == UNCERTAIN and not post[2]:
                    return post
            return _PRE_KINDS[nearest[2]], text[nearest[0]:nearest[1]], False
        return self._post_status(text, trigs, end) or (POSITIVE, None, False)

    def _post_status(self, text, trigs, end) -> tuple[int, str, bool] | None:
        """The status given by the first post-trigger after a mention ending at ``end``, or
        ``None`` when none reaches it."""
        for t0, t1, kinds in trigs:
            if t0 < end:
                continue
            # a post-trigger reaches back over "A and B" but not over a comma: in
            # "opacité alvéolaire, foyer de pneumopathie à confronter" the hedge is the foyer's
            if t0 - end > self.lexicon.post_scope or "terminators" in kinds or _COMMA.search(text, end, t0):
                return None
            post = [k for k in kinds if k in _POST_KINDS]
            if post:
                return _POST_KINDS[post[0]], text[t0:t1], post[0] == "alternatives"
            if any(k in _PRE_KINDS for k in kinds):  # the next clause's own trigger: stop
                return None
        return None

    # -- labels -----------------------------------------------------------------------------
    def label(self, text: str, labels: str | LabelSet = "chestxray14") -> dict[str, int | None]:
        """``{column: 1 | 0 | -1 | None}`` for one report (see :mod:`labelsets`)."""
        label_set = get_label_set(labels) if isinstance(labels, str) else labels
        if not text or not text.strip():  # an empty report says nothing, not "normal"
            return {c: None for c in label_set.columns}
        return labels_from_mentions(self.mentions(text), label_set)

    def label_many(self, texts: Iterable[str], labels: str | LabelSet = "chestxray14"):
        label_set = get_label_set(labels) if isinstance(labels, str) else labels
        return [self.label(t, label_set) for t in texts]


def labels_from_mentions(mentions: Sequence[Mention], label_set: LabelSet) -> dict[str, int | None]:
    """Combine mention statuses per column: positive > uncertain > negative > not mentioned.

    The label set's conventions apply here: a mention named as an alternative ("A versus B")
    takes ``label_set.alternatives``; a column in ``label_set.not_annotated`` stays ``None``
    (its mentions still make the study not normal)."""
    by_concept: dict[str, set[int]] = {}
    for m in mentions:
        status = label_set.alternatives if m.alternative else m.status
        by_concept.setdefault(m.concept, set()).add(status)
    values: dict[str, int | None] = {}
    not_annotated_abnormal = False
    for column in label_set.columns:
        if column == label_set.summary:
            continue
        statuses: set[int] = set()
        for concept in label_set.concepts[column]:
            statuses |= by_concept.get(concept, set())
        if column in label_set.not_annotated:
            values[column] = None
            if statuses & {POSITIVE, UNCERTAIN}:
                not_annotated_abnormal = True
            continue
        if POSITIVE in statuses:
            values[column] = POSITIVE
        elif UNCERTAIN in statuses:
            values[column] = UNCERTAIN
        elif statuses:
            values[column] = NEGATIVE
        else:
            values[column] = None
    if label_set.summary:
        abnormal = not_annotated_abnormal or any(
            v in (POSITIVE, UNCERTAIN) for c, v in values.items() if c not in label_set.summary_ignores)
        if label_set.summary_uses_other:
            for concept in ("other",) + label_set.summary_other_concepts:
                abnormal = abnormal or bool(by_concept.get(concept, set()) & {POSITIVE, UNCERTAIN})
        if abnormal:
            values[label_set.summary] = NEGATIVE if label_set.summary_binary else None
        else:
            values[label_set.summary] = POSITIVE
    return {c: values[c] for c in label_set.columns}
