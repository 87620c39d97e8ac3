"""Report files that ``cxrgen label`` / ``ce`` / ``graph`` read, and the checks they run.

Formats: JSONL ``{"id", "report"}`` and plain text (one report per line, id = line number) are
read by :func:`cxrgen.metrics.reports.load_reports` (the same rules as ``cxrgen score``); CSV
files (``.csv``) need an ``id`` and a ``report`` column (UTF-8, a byte-order mark allowed).
"""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from pathlib import Path

from cxrgen.errors import InputError
from cxrgen.labeling.base import MAX_REPORT_CHARS, check_report
from cxrgen.metrics.reports import _read_text, load_reports


def read_reports(path: str | Path) -> list[tuple[str, str]]:
    """``[(id, report)]`` in file order; a list of references keeps its first report."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        text = _read_text(path).lstrip("\ufeff")
        reader = csv.DictReader(io.StringIO(text))
        fields = reader.fieldnames or []
        if "id" not in fields or "report" not in fields:
            raise InputError(f"{path}: a CSV report file needs 'id' and 'report' columns; "
                             f"found {fields}")
        out, seen = [], {}
        for lineno, row in enumerate(reader, start=2):
            rid = row["id"]
            if rid in seen:
                raise InputError(f"{path}:{lineno}: id {rid!r} already on line {seen[rid]}")
            seen[rid] = lineno
            out.append((rid, row["report"] or ""))
        return out
    return [(rid, r if isinstance(r, str) else r[0]) for rid, r in load_reports(path)]


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
