"""`cxrgen graph`: the entity graph of each report (CN-RadGraph schema, RadGraph JSON).

    cxrgen graph reports.jsonl --lang zh --out graphs.jsonl
    cxrgen graph --eval-refs gold_radgraph.json --eval-hyps graphs.jsonl --lang en

The first form writes one RadGraph doc per line (``id``, ``text``, ``entities`` with ``tokens``,
``label``, ``start_ix``, ``end_ix``, ``relations``). The second scores graphs against hand
annotations (RadGraph JSON or JSONL): graph F1 (CN-CXR), entity F1 and relation F1.
"""

from __future__ import annotations

import json
import sys


def add_parser(sub) -> None:
    from cxrgen.labeling import LABELERS

    p = sub.add_parser("graph", help="entity graphs of reports (CN-RadGraph schema) and graph F1",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("file", nargs="?", help="reports: JSONL {id, report}, CSV or text")
    p.add_argument("--lang", required=True, choices=LABELERS.names())
    p.add_argument("--out", help="output JSONL of RadGraph docs")
    p.add_argument("--eval-refs", help="reference graphs (RadGraph JSON / JSONL) to score against")
    p.add_argument("--eval-hyps", help="graphs to score (RadGraph JSON / JSONL); paired by id")
    p.add_argument("--strict", action="store_true", help="error on a report not in --lang")
    p.set_defaults(func=run)


def run(args) -> int:
    from cxrgen.errors import InputError

    if args.eval_refs or args.eval_hyps:
        if not (args.eval_refs and args.eval_hyps):
            raise InputError("give both --eval-refs and --eval-hyps to score graphs")
        return _evaluate(args)
    if not args.file or not args.out:
        raise InputError("give a report FILE and --out OUT.jsonl (or --eval-refs/--eval-hyps)")
    from cxrgen.labeling.graph import get_extractor
    from cxrgen.labeling.radgraph_io import write_jsonl
    from cxrgen.labeling.reports_io import screen_reports
    from cxrgen.text.report_files import read_reports

    reports = read_reports(args.file)
    texts, _ = screen_reports(reports, args.lang, args.file, strict=args.strict)
    extractor = get_extractor(args.lang)
    n = write_jsonl((extractor.extract(t, rid) for (rid, _), t in zip(reports, texts)), args.out)
    print(f"wrote {n} graph(s) ({args.lang}) -> {args.out}", file=sys.stderr)
    return 0


def _evaluate(args) -> int:
    from cxrgen.errors import InputError
    from cxrgen.labeling.radgraph_io import read_graphs
    from cxrgen.metrics.clinical import graph_scores

    refs = read_graphs(args.eval_refs, args.lang)
    hyps = {g.id: g for g in read_graphs(args.eval_hyps, args.lang)}
    missing = [g.id for g in refs if g.id not in hyps]
    if missing:
        raise InputError(f"{args.eval_hyps} lacks {len(missing)} id(s) of {args.eval_refs}, "
                         f"e.g. {missing[:5]}")
    scores = graph_scores([hyps[g.id] for g in refs], refs)
    print(json.dumps({"n": len(refs), "lang": args.lang, **scores}, indent=1))
    return 0
