"""The checks run on the reports ``cxrgen label`` / ``ce`` / ``graph`` read.

The files themselves are read by :func:`cxrgen.text.report_files.read_reports` (JSONL, plain
text, CSV: the same rules as ``cxrgen score``).
"""

from __future__ import annotations

import sys
from collections import Counter

from cxrgen.errors import InputError
from cxrgen.labeling.base import MAX_REPORT_CHARS, check_report


def screen_reports(reports: list[tuple[str, str]], lang: str, source: str, strict: bool = False,
                   stream=None) -> tuple[list[str], Counter]:
    """Check every report (:func:`cxrgen.labeling.base.check_report`); returns the texts to
    label (too-long reports cut at :data:`MAX_REPORT_CHARS`) and the count of each problem.

    Empty reports are labelled (every column empty: nothing mentioned). A report in another
    script than ``lang`` is an :class:`InputError` with ``strict``, else labelled and counted.
    A warning with the counts and the first ids goes to ``stream`` (stderr).
    """
    stream = sys.stderr if stream is None else stream
    problems: Counter = Counter()
    first: dict[str, list[str]] = {}
    texts = []
    for rid, text in reports:
        issue = check_report(text, lang)
        if issue:
            problems[issue] += 1
            first.setdefault(issue, [])
            if len(first[issue]) < 5:
                first[issue].append(rid)
            if issue == "wrong-language" and strict:
                raise InputError(f"{source}: report id {rid!r} does not look like {lang!r} text; "
                                 f"check --lang (or drop --strict to label it anyway)")
            if issue == "too-long":
                text = text[:MAX_REPORT_CHARS]
        texts.append(text)
    explain = {"empty": "labelled as mentioning nothing",
               "wrong-language": f"not {lang!r} text by its script/words, labelled anyway",
               "too-long": f"longer than {MAX_REPORT_CHARS} characters, cut there"}
    for issue, n in sorted(problems.items()):
        print(f"warning: {source}: {n} report(s) {explain[issue]} (ids: {', '.join(first[issue])})",
              file=stream)
    return texts, problems
