"""`cxrgen ce`: clinical efficacy of generated reports against references.

    cxrgen ce --refs refs.jsonl --hyps hyps.jsonl --lang en --labels chexpert \
              [--uncertain negative|positive|ignore] [--per-label] [--format json]

Both files are labelled by the rule labeler of --lang; precision, recall and F1 are printed
micro, macro and example-based, each with a signature naming the labeler, the label set, the
uncertain-mention policy and the averaging.
"""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    from cxrgen.labeling import LABEL_SETS, LABELERS
    from cxrgen.labeling.base import MT_VARIANTS_HELP
    from cxrgen.metrics.clinical import UNCERTAIN_POLICIES

    p = sub.add_parser("ce", help="clinical efficacy (CE) precision / recall / F1 of reports",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--refs", required=True, help="reference reports: JSONL {id, report}, CSV or text")
    p.add_argument("--hyps", required=True, help="generated reports, same ids as --refs")
    p.add_argument("--lang", required=True, choices=LABELERS.names())
    p.add_argument("--labels", default="chexpert", choices=LABEL_SETS.names())
    p.add_argument("--uncertain", default="negative", choices=UNCERTAIN_POLICIES,
                   help="an uncertain mention counts as negative (R2Gen's CE, default), as positive, "
                        "or is left out of the counts")
    p.add_argument("--per-label", action="store_true", help="also print P/R/F1 of each label")
    p.add_argument("--mt-variants", action="store_true", help=MT_VARIANTS_HELP)
    p.add_argument("--strict", action="store_true", help="error on a report not in --lang")
    p.add_argument("--format", default="table", choices=("table", "json"))
    p.set_defaults(func=run)


def _pair(refs, hyps, refs_path, hyps_path):
    from cxrgen.errors import InputError

    hyp_by_id = dict(hyps)
    missing = [rid for rid, _ in refs if rid not in hyp_by_id]
    extra = sorted(set(hyp_by_id) - {rid for rid, _ in refs})
    if missing or extra:
        raise InputError(f"{refs_path} and {hyps_path} hold different ids "
                         f"({len(missing)} missing from --hyps, e.g. {missing[:5]}; {len(extra)} "
                         f"only in --hyps, e.g. {extra[:5]}); every report needs both")
    return [rid for rid, _ in refs], [t for _, t in refs], [hyp_by_id[rid] for rid, _ in refs]


def run(args) -> int:
    from cxrgen.labeling.reports_io import screen_reports
    from cxrgen.text.report_files import read_reports
    from cxrgen.metrics.clinical import ClinicalEfficacy, iter_scores, per_label_scores

    ids, refs, hyps = _pair(read_reports(args.refs), read_reports(args.hyps), args.refs, args.hyps)
    refs, _ = screen_reports(list(zip(ids, refs)), args.lang, args.refs, strict=args.strict)
    hyps, _ = screen_reports(list(zip(ids, hyps)), args.lang, args.hyps, strict=args.strict)
    ce = ClinicalEfficacy(args.lang, args.labels, args.uncertain, mt_variants=args.mt_variants)
    rows = ce.statistics(hyps, refs)
    scores = ce.scores_from_rows(rows)
    per_label = per_label_scores(rows, ce.columns) if args.per_label else None
    if args.format == "json":
        out = {"n": len(ids), "scores": iter_scores(scores)}
        if per_label is not None:
            out["per_label"] = per_label
        print(json.dumps(out, indent=1, ensure_ascii=False))
        return 0
    print(f"{len(ids)} report pairs")
    for s in scores:
        print(s.format())
    if per_label:
        print(f"{'label':28s} {'P':>7s} {'R':>7s} {'F1':>7s} {'support':>8s}")
        for name, v in per_label.items():
            print(f"{name:28s} {v['P']:7.4f} {v['R']:7.4f} {v['F1']:7.4f} {v['support']:8d}")
    return 0
