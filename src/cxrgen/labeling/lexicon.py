"""The data a rule-based labeler needs for one language, as one typed record.

Each language module (``lexicon_en.py``, ``lexicon_fr.py``, ``lexicon_zh.py``) builds one
:class:`Lexicon`; :mod:`cxrgen.labeling.rules` compiles it once into a few regular expressions.
Patterns are regular-expression fragments matched case-insensitively; for languages written
with spaces (``word_boundaries=True``) every fragment is wrapped in ``\\b...\\b``.

Trigger kinds follow NegEx (Chapman et al., 2001) and NegBio (Peng et al., 2018):

* ``neg_pre`` / ``neg_post``: negation before ("no", "pas de", "未见") or after the mention
  ("is not seen", "n'est pas visible", "未见显示").
* ``unc_pre`` / ``unc_post``: uncertainty ("possible", "suspicion de", "考虑"; "cannot be excluded",
  "à confronter", "待排").
* ``pseudo``: phrases that contain a trigger but do not negate ("no change in", "not only",
  "无明显变化"): the nearest trigger before a mention decides, and a pseudo trigger decides
  "positive".
* ``pos_pre``: double negations and high-likelihood hedges that assert ("not without", "non
  sans", "并非没有"; "likely", "考虑为"); a hedge *after* the mention still lowers a
  high-likelihood one to uncertain ("考虑肺炎可能": "consider pneumonia possible").
* ``pos_post``: high-likelihood hedges after the mention, which assert it ("肺炎可能性大",
  "pneumonia is likely"), as ``pos_pre`` does before it.
* ``terminators``: words that end a trigger's scope inside a sentence ("but", "however",
  "mais", "但").
* ``alternatives``: a differential of named alternatives ("atelectasis versus scarring",
  "atélectasie vs cicatrice", "肺不张与瘢痕鉴别"): the finding is one reading among two, a hedge
  *and* an assertion that something is there. Mentions it decides are uncertain and flagged
  ``alternative``; the label set says which value they take (:class:`LabelSet.alternatives`):
  uncertain for CheXpert (its labeler's "versus" rule), positive for the OpenI gold convention.
  A hedge before the pair ("possible infiltrate versus atelectasis") still decides both.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Lexicon:
    lang: str
    #: concept -> mention patterns (the concept is present / uncertain / negated by context)
    mentions: dict[str, tuple[str, ...]]
    #: concept -> phrases that state the concept is absent ("heart size is normal")
    normal_statements: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: abnormal findings outside every label set (granuloma, scoliosis, ...): they make a
    #: report "not normal" in ChestX-ray14's ``normal`` column and CheXpert's ``No Finding``.
    other_abnormal: tuple[str, ...] = ()
    neg_pre: tuple[str, ...] = ()
    neg_post: tuple[str, ...] = ()
    unc_pre: tuple[str, ...] = ()
    unc_post: tuple[str, ...] = ()
    pseudo: tuple[str, ...] = ()
    pos_pre: tuple[str, ...] = ()
    pos_post: tuple[str, ...] = ()
    terminators: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    #: phrases that contain a trigger word but are no trigger ("可疑的" "suspicious" as an
    #: adjective inside a negated list): matched so that the shorter trigger is not
    inert: tuple[str, ...] = ()
    #: characters (or a regex) that end a sentence: a trigger never reaches past it
    sentence_end: str = r"[.;!?\n]"
    #: wrap patterns in \b ... \b (languages written with spaces)
    word_boundaries: bool = True
    #: how far (characters) a pre-trigger reaches forward and a post-trigger reaches back
    pre_scope: int = 150
    post_scope: int = 40
    #: anatomy terms for the entity graph: canonical name -> patterns
    anatomy: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: modifiers (size, severity, change) for the entity graph's Modify relation
    modifiers: tuple[str, ...] = ()
    #: where the vocabulary comes from (papers, guidelines), shown by ``cxrgen label --help``
    source: str = ""
