"""`cxrgen label`: label reports with findings (ChestX-ray14 or CheXpert columns).

    cxrgen label reports.jsonl --lang en --labels chexpert --out labels.csv [--strict]

OUT has ``id`` and one column per label: 1 positive, 0 negative, -1 uncertain, empty when the
report does not mention it.
"""

from __future__ import annotations

import csv
import sys


def add_parser(sub) -> None:
    from cxrgen.labeling import LABEL_SETS, LABELERS
    from cxrgen.labeling.base import MT_VARIANTS_HELP

    p = sub.add_parser("label", help="label reports with findings (rule labelers, en/fr/zh)",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("file", help="reports: JSONL {id, report}, CSV with id and report columns, or text")
    p.add_argument("--lang", required=True, choices=LABELERS.names())
    p.add_argument("--labels", default="chestxray14", choices=LABEL_SETS.names())
    p.add_argument("--out", required=True, help="output CSV (id + one column per label)")
    p.add_argument("--mt-variants", action="store_true", help=MT_VARIANTS_HELP)
    p.add_argument("--strict", action="store_true",
                   help="error on a report that is not in --lang (default: warn and label it)")
    p.set_defaults(func=run)


def run(args) -> int:
    from cxrgen.labeling import get_label_set, get_labeler
    from cxrgen.labeling.reports_io import screen_reports
    from cxrgen.text.report_files import read_reports

    reports = read_reports(args.file)
    texts, _ = screen_reports(reports, args.lang, args.file, strict=args.strict)
    label_set = get_label_set(args.labels)
    labels = get_labeler(args.lang, mt_variants=args.mt_variants).label_many(texts, label_set)
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", *label_set.columns])
        for (rid, _), row in zip(reports, labels):
            writer.writerow([rid, *("" if row[c] is None else row[c] for c in label_set.columns)])
    print(f"labelled {len(reports)} report(s) ({args.lang}, {args.labels}) -> {args.out}",
          file=sys.stderr)
    return 0
