"""`cxrgen errors`: the clinical errors of each generated report against its reference.

    cxrgen errors --refs refs.jsonl --hyps hyps.jsonl --lang en|fr|zh
                  [--format table|json|jsonl] [--out errors.jsonl]

GREEN's six categories (false / missed finding, wrong location, wrong severity, false / missed
comparison) read from the difference of the two reports' entity graphs, offline. ``jsonl``
writes one object per report: ``{"id", "matched", "errors": [{"category", "finding", "hyp",
"ref"}]}``; ``json`` and ``table`` print the corpus summary (counts, per 100 reports, the
GREEN-style score with its formula and signature). ``--out`` writes the per-report JSONL to a
file, whatever ``--format`` prints.
"""

from __future__ import annotations

import json
import sys


def add_parser(sub) -> None:
    from cxrgen.text.languages import LANGUAGES

    p = sub.add_parser("errors", help="clinical errors per report (GREEN's categories, from entity graphs)",
                       description=__doc__.split("\n\n")[0] + " " + __doc__.split("\n\n")[2])
    p.add_argument("--refs", required=True, help="reference reports: JSONL {id, report}, CSV or text")
    p.add_argument("--hyps", required=True, help="generated reports, same ids as --refs")
    p.add_argument("--lang", required=True, choices=LANGUAGES)
    p.add_argument("--format", default="table", choices=("table", "json", "jsonl"))
    p.add_argument("--out", default=None, metavar="FILE", help="write the per-report errors (JSONL) here")
    p.set_defaults(func=run)


def format_table(analysis) -> str:
    """The corpus summary as text: one line per category, then the score and its signature."""
    from cxrgen.labeling.errors import CATEGORIES

    s = analysis.summary
    lines = [f"{s['n']} report pairs, {s['matched']} matched findings, {s['errors']} errors "
             f"({s['reports_with_errors']} reports with at least one)",
             f"{'category':20s} {'count':>7s} {'per 100':>8s}"]
    lines += [f"{c:20s} {s['counts'][c]:7d} {s['per_100_reports'][c]:8.1f}" for c in CATEGORIES]
    lines.append(f"{'all':20s} {s['errors']:7d} {s['errors_per_100_reports']:8.1f}")
    lines.append(analysis.score.format())
    return "\n".join(lines)


def run(args) -> int:
    from cxrgen.commands import write_jsonl
    from cxrgen.labeling.reports_io import screen_reports
    from cxrgen.metrics.clinical_errors import FORMULA, analyze_report_errors
    from cxrgen.text.report_files import pair_by_id, read_reports

    ids, hyps, refs = pair_by_id(read_reports(args.hyps), read_reports(args.refs), args.hyps, args.refs)
    refs, _ = screen_reports(list(zip(ids, refs)), args.lang, args.refs)
    hyps, _ = screen_reports(list(zip(ids, hyps)), args.lang, args.hyps)
    analysis = analyze_report_errors(hyps, refs, args.lang, ids)
    if args.out:
        write_jsonl(args.out, analysis.per_report(), "--out")
    if args.format == "jsonl":
        for row in analysis.per_report():
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif args.format == "json":
        print(json.dumps(analysis.as_dict(), indent=1, ensure_ascii=False))
    else:
        print(format_table(analysis))
        print(f"score: {FORMULA}")
        if args.out:
            print(f"per-report errors: {args.out}")
    return 0
