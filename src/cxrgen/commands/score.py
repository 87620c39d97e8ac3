"""`cxrgen score`: BLEU-1..4, METEOR, ROUGE-L and CIDEr-D of hypotheses against references.

    cxrgen score --refs refs.jsonl --hyps hyps.jsonl [--lang en|fr|zh] [--metrics BLEU CIDEr]
                 [--per-report out.jsonl] [--format json|table] [--tokenized]
                 [--bootstrap 1000 --seed 12345] [--compare other_hyps.jsonl]

Files are JSONL (``{"id", "report"}``, paired by id) or text (one report per line, paired by
line). Values are fractions, as pycocoevalcap returns them; every score is printed with its
signature.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cxrgen.text.languages import LANGUAGES
from cxrgen.metrics.stats import DEFAULT_SEED, DEFAULT_TRIALS


def add_parser(sub) -> None:
    from cxrgen.metrics import default_metric_names
    from cxrgen.text.normalize import NORMALIZERS
    from cxrgen.text.tokenize import TOKENIZERS

    metrics = ", ".join(default_metric_names())
    p = sub.add_parser(
        "score",
        help="score generated reports: BLEU, METEOR, ROUGE-L, CIDEr (pycocoevalcap numbers)",
        description="Score hypotheses against references with the field's metrics. "
        f"Registered metrics: {metrics}.",
    )
    p.add_argument("--refs", required=True, help="reference reports: JSONL {id, report} or text")
    p.add_argument("--hyps", required=True, help="generated reports: JSONL {id, report} or text")
    p.add_argument("--lang", default="en", choices=LANGUAGES, help="report language (default en)")
    p.add_argument("--metrics", nargs="+", default=None, metavar="NAME",
                   help=f"metrics to compute (default: all that support the language: {metrics})")
    p.add_argument("--tokenized", action="store_true",
                   help="reports are already tokenised: split on whitespace only (as R2Gen does)")
    p.add_argument("--tokenizer", default=None,
                   help=f"tokeniser ({', '.join(TOKENIZERS.names())}; default: the language's)")
    p.add_argument("--normalizer", default="none",
                   help=f"normaliser applied first ({', '.join(NORMALIZERS.names())})")
    p.add_argument("--per-report", default=None, metavar="OUT", help="write per-report scores (JSONL)")
    p.add_argument("--format", default="table", choices=("table", "json"))
    p.add_argument("--bootstrap", type=int, default=0, metavar="N",
                   help="add a 95%% bootstrap confidence interval from N resamples")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of bootstrap and test")
    p.add_argument("--compare", default=None, metavar="HYPS2",
                   help="second system: paired approximate randomisation test of --hyps against it")
    p.add_argument("--trials", type=int, default=DEFAULT_TRIALS,
                   help=f"trials of the randomisation test (default {DEFAULT_TRIALS})")
    p.set_defaults(func=run)


def _metric_names(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [name for v in values for name in v.split(",") if name]


def run(args) -> int:
    from cxrgen.metrics import compare_systems, score_corpus
    from cxrgen.errors import InputError
    from cxrgen.text.report_files import pair_reports

    ids, hyps, refs = pair_reports(args.hyps, args.refs)
    options = dict(
        lang=args.lang,
        metrics=_metric_names(args.metrics),
        tokenized=args.tokenized,
        tokenizer=args.tokenizer,
        normalizer=args.normalizer,
        ids=ids,
    )
    result = score_corpus(hyps, refs, bootstrap=args.bootstrap, seed=args.seed, **options)
    comparisons = []
    if args.compare:
        ids2, hyps2, _ = pair_reports(args.compare, args.refs)
        other = score_corpus(hyps2, refs, **options)
        comparisons = compare_systems(result, other, trials=args.trials, seed=args.seed)

    if args.per_report:
        try:
            with open(args.per_report, "w", encoding="utf-8") as f:
                for row in result.per_report():
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise InputError(f"--per-report {args.per_report}: cannot write ({exc.strerror})") from None
    for name, reason in result.skipped.items():
        print(f"cxrgen score: note: {name} left out: {reason}", file=sys.stderr)

    if args.format == "json":
        out = result.as_dict()
        if comparisons:
            out["compare"] = [c.__dict__ for c in comparisons]
        print(json.dumps(out, ensure_ascii=False))
        return 0

    print(f"{len(ids)} reports  refs={args.refs}  hyps={args.hyps}")
    for score in result.scores.values():
        ci = f"  [{score.ci[0]:.4f}, {score.ci[1]:.4f}]" if score.ci else ""
        print(f"{score.name:<8} {score.value:8.4f}{ci}  {score.signature}")
    if comparisons:
        print(f"\npaired approximate randomisation: {args.hyps} (A) vs {args.compare} (B)")
        for c in comparisons:
            print(f"{c.name:<8} A={c.a:.4f} B={c.b:.4f} A-B={c.delta:+.4f} p={c.p_value:.4f}  {c.signature}")
    if args.per_report:
        print(f"per-report scores: {Path(args.per_report)}")
    return 0
