"""A pure-Python tokeniser whose output equals pycocoevalcap's ``PTBTokenizer``.

pycocoevalcap 1.2 runs Stanford CoreNLP 3.4.1's Java ``PTBTokenizer -preserveLines -lowerCase``
on each caption (newlines replaced by spaces) and then drops the tokens in a fixed list
(:data:`COCO_PUNCTUATIONS`). This module reproduces the result without Java:

* whitespace separates chunks; inside a chunk a scanner applies, in order, the rules of
  CoreNLP's ``PTBLexer`` that matter for report text: SGML tags (``<BR>``), dotted acronyms
  (``p.m.``, ``e.g.``), the lexer's abbreviation lists (``Dr.``, ``etc.``, ``CT.`` -- "Ct" is
  Connecticut in ``ABSTATE``; the lexer is caseless except for the letters it writes in
  brackets, so ``Mass.`` keeps its period and ``mass.`` does not), the split of ``n't`` and of
  ``'s 're 've 'll 'd 'm`` (a single letter and an apostrophe stay on the word: ``l'apex``),
  the word splits ``cannot -> can not``, ``gonna -> gon na``, numbers
  with separators (``1.5``, ``5:30``, ``1,000``, ``,786.2``, ``V76.12 -> v76 .12``;
  ``1.5cm -> 1.5 cm``), words joined by hyphens, by up to two slashes or by a period before a
  letter (``left-sided``, ``and/or``, ``effusion.Heart`` but ``1.Severe -> 1 . severe``), HTML
  entities (``&gt;`` -> ``>``), then single punctuation characters (``...``, ``--`` and runs of
  ``*`` stay together);
* brackets become ``-LRB- -RRB- -LSB- -RSB- -LCB- -RCB-`` and quotes become
  ````` / ``''`` / ````` / ``'``, as the lexer writes them;
* everything is lower-cased (``-lowerCase``), and then the COCO list is removed. The list is
  compared *after* lower-casing, so ``-lrb-`` and ``-rrb-`` survive in pycocoevalcap's output
  -- a quirk kept here, since scores must stay equal.

Verified equal to the Java tokeniser on every IU X-Ray report of annotation.json (2,955) and on
all but 3 of the 14,544 non-empty indication/comparison/findings/impression sections of the
3,955 IU X-Ray XML reports (tests/text/test_ptb.py). Known differences, all from lexer rules that
look beyond one whitespace-separated chunk or are too rare to copy: a single capital and a
period followed by a capitalised word (``C. Hepatocellular``: Java keeps ``c.`` here but splits
``B. The``), ``XXXX.r/o`` (Java: ``xxxx.r / o``), ``iv''s`` (Java: ``s``), ``y'all`` and
``rock'n'roll``, ``AT&T``-style words (split here). Text outside report language (URLs, e-mail
addresses, emoticons, currency amounts) may differ too: CoreNLP's lexer has hundreds of rules
and this keeps the ones report text exercises.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: pycocoevalcap/tokenizer/ptbtokenizer.py PUNCTUATIONS, removed after tokenisation.
COCO_PUNCTUATIONS = frozenset(
    ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-",
     ".", "?", "!", ",", ":", "-", "--", "...", ";"]
)

# PTBLexer 3.4.1 abbreviation classes. The lexer is %caseless; a letter written in brackets
# there ("[M]ass") is case-sensitive, written here as a literal outside the (?i:...) group.
_CASELESS = [
    # ABMONTH, ABDAYS
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
    "Mon", "Tue", "Tues", "Wed", "Thu", "Thurs", "Fri",
    # ABSTATE (without the bracketed ones)
    "Ala", "Ariz", "Calif", "Colo", "Conn", "Ct", "Dak", "Fla", "Ga", "Ind", "Kans", "Kan",
    "Ky", "La", "Md", "Mich", "Minn", "Mo", "Mont", "Neb", "Nev", "Okla", "Penn", "Tenn",
    "Tex", "Va", "Vt", "Wisc", "Wis", "Wyo",
    # ABCOMP, ABNUM, ABPTIT and the rest of ABBREV1
    "Inc", "Cos", "Co", "Corp", "Pty", "Ptys", "Pte", "Ptes", "Ltd", "Plc", "Rt", "Bancorp",
    "Dept", "Bhd", "Assn", "Univ", "Intl", "Sys", "tel", "est", "ext", "sq",
    "Jr", "Sr", "Bros", "Ed.D", "Ph.D", "Blvd", "Rd", "Esq", "etc", "al", "seq",
    # ABTITLE (ABBREV2) without the bracketed ones
    "Mr", "Mrs", "Ms", "Dr", "Drs", "Prof", "Profs", "Sen", "Sens", "Rep", "Reps", "Atty",
    "Attys", "Lt", "Col", "Gen", "Messrs", "Gov", "Govs", "Adm", "Rev", "Maj", "Sgt", "Cpl",
    "Pvt", "Mt", "Capt", "St", "Ste", "Ave", "Pres", "Lieut", "Hon", "Brig", "Cmdr", "Comdr",
    "Mdr", "Pfc", "Spc", "Supt", "Supts", "Det", "Mme", "Mmes", "Mlle", "Mlles", "vs",
]
# first letter case-sensitive: [A]z [A]rk [D]el [I]ll [M]ass [M]iss [O]re [P]a [W]ash.
# (Single-letter "M." and "MM." are left out: the 3.4.1 jar splits "mm." and "M." alike.)
_CASED = [("A", "z"), ("A", "rk"), ("D", "el"), ("I", "ll"), ("M", "ass"), ("M", "iss"),
          ("O", "re"), ("P", "a"), ("W", "ash")]

_ABBREV = "|".join(
    sorted(
        [f"(?i:{re.escape(a)})" for a in _CASELESS]
        + [f"{first}(?i:{rest})" for first, rest in _CASED],
        key=len,
        reverse=True,
    )
)

_ALNUM = r"[^\W_]"
# a word may continue over ".letter" (effusion.Heart) only if it has a letter (1.Severe splits)
_ATOM = rf"(?:{_ALNUM}*[^\W\d_]{_ALNUM}*(?:\.[^\W\d_]{_ALNUM}*)*|{_ALNUM}+)"
# hyphens join any number of parts; slashes join at most three (xxxx/xxxx/weakness / lp)
_HYPHENATED = rf"{_ATOM}(?:-{_ATOM})*"

_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<sgml></?[A-Za-z][A-Za-z0-9]*>)",
            r"(?P<entity>&(?:gt|lt|amp|quot);)",
            rf"(?P<acro>[A-Za-z](?:\.[A-Za-z])+\.?)(?!{_ALNUM})",
            rf"(?P<abbrev>(?:{_ABBREV})\.)(?!{_ALNUM})",
            rf"(?P<split2>(?i:cannot|gonna|gotta|lemme|gimme|wanna))(?!{_ALNUM})",
            rf"(?P<before_nt>{_ALNUM}+?)(?=(?i:n['\u2019]t)(?!{_ALNUM}))",
            rf"(?P<nt>(?i:n['\u2019]t))(?!{_ALNUM})",
            rf"(?P<clitic>['\u2019](?i:s|re|ve|ll|d|m))(?!{_ALNUM})",
            rf"(?P<elided>[^\W\d_]['\u2019]{_ALNUM}+)",
            r"(?P<initial>[A-Za-z]\.)(?=\d)",
            rf"(?P<dotted>{_ALNUM}+\.)(?=[,;])",
            r"(?P<number>[-+]?\d*(?:[.,:]\d+)+(?:-\d+)*|[-+]\d+)",
            rf"(?P<word>{_HYPHENATED}(?:/{_HYPHENATED}){{0,2}})",
            r"(?P<punct>\.\.\.|--|\*+|.)",
        ]
    )
)

# A chunk of letters and digits only is one token, except the words the lexer splits in two.
_PLAIN = re.compile(r"[^\W_]+")
_SPLIT_WORDS = frozenset(["cannot", "gonna", "gotta", "lemme", "gimme", "wanna"])

# HTML entities as the lexer normalises them (&quot; is a quote, in the COCO list)
_ENTITIES = {"&gt;": ">", "&lt;": "<", "&amp;": "&", "&quot;": "''"}

_BRACKETS = {"(": "-LRB-", ")": "-RRB-", "[": "-LSB-", "]": "-RSB-", "{": "-LCB-", "}": "-RCB-"}
# Unicode quotes, dashes and ellipsis as the lexer writes them (all in the COCO list)
_UNICODE_PUNCT = {"\u201c": "``", "\u201d": "''", "\u00ab": "``", "\u00bb": "''",
                  "\u2018": "`", "\u2019": "'", "\u2014": "--", "\u2026": "..."}


def clear_cache() -> None:
    """Forget the memoised chunk tokenisations (benchmarks time a first call from an empty cache)."""
    _chunk_tokens.cache_clear()


@lru_cache(maxsize=1 << 16)
def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    """Lower-cased tokens of one whitespace-free chunk, COCO punctuation removed (cached:
    report text repeats the same few thousand chunks)."""
    if _PLAIN.fullmatch(chunk) and chunk.lower() not in _SPLIT_WORDS:
        return (chunk.lower(),)
    raw: list[str] = []
    _lex_chunk(chunk, raw)
    # Java lower-cases first, pycocoevalcap filters after: "-lrb-" is not "-LRB-" and stays
    lowered = (tok.lower() for tok in raw)
    return tuple(tok for tok in lowered if tok not in COCO_PUNCTUATIONS)


def _lex_chunk(chunk: str, out: list[str]) -> None:
    pos = 0
    while pos < len(chunk):
        m = _TOKEN.match(chunk, pos)
        kind = m.lastgroup
        text = m.group()
        if kind == "split2":  # cannot, gonna, gotta, lemme, gimme, wanna: split after 3
            out.extend((text[:3], text[3:]))
        elif kind == "punct" and text in _BRACKETS:
            out.append(_BRACKETS[text])
        elif kind == "punct" and text in _UNICODE_PUNCT:
            out.append(_UNICODE_PUNCT[text])
        elif kind in ("clitic", "nt"):
            out.append(text.replace("\u2019", "'"))
        elif kind == "entity":
            out.append(_ENTITIES[text])
        elif kind == "punct" and text == '"':
            # PTB writes `` or '' depending on the side; both are in the COCO list
            out.append("``" if pos == 0 else "''")
        else:
            out.append(text)
        pos = m.end()


def ptb_tokens(text: str) -> list[str]:
    """Tokens of ``text`` as pycocoevalcap's PTBTokenizer returns them (lower-cased,
    COCO punctuation removed)."""
    out: list[str] = []
    for chunk in text.split():
        out.extend(_chunk_tokens(chunk))
    return out
