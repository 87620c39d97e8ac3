"""METEOR 1.5's ``-norm`` text normaliser, reimplemented from its documented behaviour.

``-norm`` (METEOR 1.5 README: "tokenize / normalize punctuation and lowercase") runs a
tokeniser "based on the Moses tokenizer Rev 3612 with additions to improve MT evaluation
accuracy" on hypothesis and references, keeps punctuation, then lowercases. The steps, in order:

1. pad with spaces and split off every character that is not a letter, a digit, whitespace or one
   of ``. ' ` , - ‘ ’``;
2. protect runs of dots (``...``) from the dot splitting;
3. split commas except between two digits;
4. normalise quotes (`` ` ‘ ’ `` to ``'``; ``“ ” ''`` to a spaced ``"``) and dashes (``–`` and
   ``--`` to ``-``), and split hyphenated words (``x-ray`` -> ``x ray``; METEOR's addition "so
   systems can get partial credit");
5. split apostrophes: English splits contractions to the right (``it's`` -> ``it 's``), French to
   the left (``l'opacité`` -> ``l' opacité``);
6. split a final dot off each word unless the word is a nonbreaking prefix (Moses lists, shipped
   in the jar) or is followed by a lowercase word, or is a dotted abbreviation (``U.S.`` -> ``US``);
7. restore protected dots, collapse whitespace, lowercase.

Java's ``\\s``, ``\\p{Digit}`` and ``\\p{Lower}`` are ASCII classes, so they are written here as
explicit ASCII sets; the letter class is METEOR's own (Latin-1, Latin Extended-A, Cyrillic).
"""

from __future__ import annotations

import re
from bisect import bisect_right

# METEOR's letter ranges: Western European and Cyrillic (Normalizer "alpha" / "alnum").
_ALPHA = "A-Za-z\u0160\u017d\u0161\u017e\u0178\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017e" \
    "\u0400-\u04ff\u0500-\u0527\ua640-\ua66e\ua67e-\ua697\u1d00-\u1d7f"
_ALNUM = "0-9" + _ALPHA
_JAVA_SPACE = " \t\n\x0b\f\r"  # java.util.regex \s

_SEP_OTHER = re.compile(f"([^{_ALNUM}{_JAVA_SPACE}.'`,\\-\u2018\u2019])")
_MULTI_DOT = re.compile(r"\.([.]+)")
_MULTI_DOT2 = re.compile(r"DOTMULTI\.([^.])")
_COMMA = re.compile(r"([^0-9])[,]([^0-9])")
_COMMA2 = re.compile(r"([0-9])[,]([^0-9])")
_COMMA3 = re.compile(r"([^0-9])[,]([0-9])")
_QUOTE = re.compile("([`\u2018\u2019])")
_QUOTE2 = re.compile("([\u201c\u201d]|'')")
_RM_DASH = re.compile(f"([{_ALNUM}.])[-]([{_ALNUM}])")
_CONT_1 = re.compile(f"([^{_ALPHA}])[']([^{_ALPHA}])")
_CONT_EN2 = re.compile(f"([^{_ALPHA}0-9])[']([{_ALPHA}])")
_CONT_3 = re.compile(f"([{_ALPHA}])[']([^{_ALPHA}])")
_CONT_4 = re.compile(f"([{_ALPHA}])[']([{_ALPHA}])")
_CONT_EN5 = re.compile(r"([0-9])[']([s])")
_CONT_FR2 = re.compile(f"([^{_ALPHA}])[']([{_ALPHA}])")
_TOKEN_SPLIT = re.compile("[ \t\n\r\f]+")  # java.util.StringTokenizer delimiters
_HAS_ALPHA = re.compile(f"[{_ALPHA}]")
_LOWER_START = re.compile("^[a-z]")
_DIGIT_START = re.compile("^[0-9]+")
_WHITE = re.compile(
    "[  \u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\u00a0]+"
)

NBP_ANY = 1
NBP_NUMERIC_ONLY = 2


def java_tokens(line: str) -> list[str]:
    """Split like ``java.util.StringTokenizer`` (space, tab, newline, carriage return, form feed)."""
    return [t for t in _TOKEN_SPLIT.split(line) if t]


def _java_trim(s: str) -> str:
    # String.trim(): strips every char <= U+0020 at both ends
    start, end = 0, len(s)
    while start < end and s[start] <= " ":
        start += 1
    while end > start and s[end - 1] <= " ":
        end -= 1
    return s[start:end]


def _multi_dots(s: str) -> str:
    """Step 2: runs of dots become DOTMULTI / DOTDOTMULTI markers (undone by :func:`_undot`)."""
    if ".." not in s and "DOTMULTI." not in s:  # nothing for these patterns to change
        return s
    s = _MULTI_DOT.sub(r" DOTMULTI\1", s)
    while "DOTMULTI." in s:
        s = _MULTI_DOT2.sub(r"DOTDOTMULTI \1", s)
        s = s.replace("DOTMULTI.", "DOTDOTMULTI")
    return s


def _comma(s: str) -> str:
    s = _COMMA.sub(r"\1 , \2", s)
    s = _COMMA2.sub(r"\1 , \2", s)
    return _COMMA3.sub(r"\1 , \2", s)


def _quotes(s: str) -> str:
    return _QUOTE.sub("'", s)


def _double_quotes(s: str) -> str:
    return _QUOTE2.sub(' " ', s)


def _dashes(s: str) -> str:
    return s.replace("\u2013", "-").replace("--", "-")


def _hyphens(s: str) -> str:
    return _RM_DASH.sub(r"\1 \2", s)


def _contractions(s: str, lang: str) -> str:
    if lang == "en":
        s = _CONT_1.sub(r"\1 ' \2", s)
        s = _CONT_EN2.sub(r"\1 ' \2", s)
        s = _CONT_3.sub(r"\1 ' \2", s)
        s = _CONT_4.sub(r"\1 '\2", s)
        return _CONT_EN5.sub(r"\1 '\2", s)
    if lang == "fr":
        s = _CONT_1.sub(r"\1 ' \2", s)
        s = _CONT_FR2.sub(r"\1 ' \2", s)
        s = _CONT_3.sub(r"\1 ' \2", s)
        return _CONT_4.sub(r"\1' \2", s)
    return s.replace("'", " ' ")


def _split_marks(s: str, lang: str) -> str:
    """Steps 1-5 on a padded line (:func:`_split_marks_many` runs the same steps on a corpus)."""
    s = _multi_dots(_SEP_OTHER.sub(r" \1 ", s))
    s = _hyphens(_dashes(_double_quotes(_quotes(_comma(s)))))
    return _contractions(s, lang)


def _split_final_dots(words: list[str], nonbreaking: dict[str, int]) -> str:
    """Step 6 on the words of one line, joined with spaces (a trailing space included)."""
    parts: list[str] = []
    n = len(words)
    for i, word in enumerate(words):
        if len(word) > 1 and word.endswith("."):
            pre = word[:-1]
            kind = nonbreaking.get(pre)
            if "." in pre and _HAS_ALPHA.search(pre):
                parts.append(word.replace(".", ""))  # U.S. -> US
            elif kind == NBP_ANY or (i < n - 1 and _LOWER_START.search(words[i + 1])):
                parts.append(word)
            elif kind == NBP_NUMERIC_ONLY and i < n - 1 and _DIGIT_START.search(words[i + 1]):
                parts.append(word)
            else:
                parts.append(pre + " .")
        else:
            parts.append(word)
        parts.append(" ")
    return "".join(parts)


def _undot(s: str) -> str:
    """Step 7: the markers of :func:`_multi_dots` back to dots (no pattern spans a newline)."""
    while "DOTDOTMULTI" in s:
        s = s.replace("DOTDOTMULTI", "DOTMULTI.")
    return s.replace("DOTMULTI", ".")


def normalize_line(line: str, lang: str, nonbreaking: dict[str, int]) -> str:
    """METEOR 1.5 ``Normalizer.normalizeLine(line, lang, keepPunctuation=True)`` (no lowercasing)."""
    words = java_tokens(_split_marks(f" {line} ", lang))
    return _java_trim(_WHITE.sub(" ", _undot(_split_final_dots(words, nonbreaking))))


def meteor_tokens(text: str, lang: str, nonbreaking: dict[str, int]) -> list[str]:
    """The words METEOR 1.5 aligns for ``text`` under ``-norm``: normalised, lowercased, split."""
    return java_tokens(normalize_line(text, lang, nonbreaking).lower())


# A word of two or more characters ending in a dot: the only words step 6 may change. Written
# with the dot first (look-behind for the character before it) so that the engine scans for the
# literal dot instead of trying the pattern at every character.
_FINAL_DOT = re.compile("(?<=[^ \t\n\r\f])\\.(?=[ \t\n\r\f]|$)")
# _WHITE restricted to the runs it changes (two or more characters, or one that is not a plain
# space): the same result without replacing each of the corpus's ~80,000 single spaces by itself.
_WHITE_CHARS = _WHITE.pattern[1:-2]
_WHITE_CHANGED = re.compile(f"[{_WHITE_CHARS}]{{2,}}|[{_WHITE_CHARS.replace(' ', '')}]")


def _on_lines_with(lines: list[str], triggers: tuple[str, ...], fn) -> None:
    """Apply ``fn`` (substitutions that act within a line) to the lines holding one of
    ``triggers`` -- without one, none of its patterns can match, so the others stay as they are."""
    joined = "\n".join(lines)
    present = [t for t in triggers if t in joined]
    if not present:
        return
    if len(present) == 1:
        t = present[0]
        hit = [k for k, line in enumerate(lines) if t in line]
    else:
        hit = [k for k, line in enumerate(lines) if any(t in line for t in present)]
    if hit:
        done = fn("\n".join([lines[k] for k in hit])).split("\n")
        for k, line in zip(hit, done):
            lines[k] = line


def _split_marks_many(joined: str, lang: str) -> list[str]:
    """:func:`_split_marks` of newline-joined padded lines, as a list of lines. Same steps in
    the same order; a step whose patterns all need a character (a comma, a quote, a hyphen, an
    apostrophe) runs only on the lines holding it."""
    lines = _multi_dots(_SEP_OTHER.sub(r" \1 ", joined)).split("\n")
    _on_lines_with(lines, (",",), _comma)
    _on_lines_with(lines, ("`", "\u2018", "\u2019"), _quotes)
    _on_lines_with(lines, ("\u201c", "\u201d", "''"), _double_quotes)
    _on_lines_with(lines, ("\u2013", "--"), _dashes)
    _on_lines_with(lines, ("-",), _hyphens)
    _on_lines_with(lines, ("'",), lambda x: _contractions(x, lang))
    return lines


def meteor_tokens_many(texts: list[str], lang: str, nonbreaking: dict[str, int]) -> list[list[str]]:
    """:func:`meteor_tokens` of many texts, equal to it text by text, faster on a corpus.

    Every regular expression of steps 1-5 and 7 matches within one line, and each padded line
    keeps its own padding spaces, so the texts are joined by newlines and each substitution runs
    once over the whole corpus (or over the lines that can match it) instead of once per text;
    step 6 (word by word) runs per line, and only on lines holding a word that ends in a dot
    after another character. Texts that contain a newline themselves are normalised one by one."""
    if not texts or any("\n" in t for t in texts):
        return [meteor_tokens(t, lang, nonbreaking) for t in texts]
    lines = _split_marks_many("\n".join(f" {t} " for t in texts), lang)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    joined = "\n".join(lines)
    for k in sorted({bisect_right(starts, m.start()) - 1 for m in _FINAL_DOT.finditer(joined)}):
        lines[k] = _split_final_dots(java_tokens(lines[k]), nonbreaking)
    s = _WHITE_CHANGED.sub(" ", _undot("\n".join(lines))).lower()
    lines = [_java_trim(line) for line in s.split("\n")]
    if "\t" in s or "\r" in s or "\f" in s:
        return [java_tokens(line) for line in lines]
    # trimmed, and every run of spaces made one space: splitting on " " is java_tokens
    return [line.split(" ") if line else [] for line in lines]
