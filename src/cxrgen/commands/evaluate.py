"""`cxrgen evaluate --ckpt C --split test`: generate a split's reports and score them.

Writes ``predictions_<split>.jsonl`` (one study per line: generated and reference report, images,
labels of both, per-report scores) and ``metrics_<split>.json`` (every NLG and clinical score
with its signature, the checkpoint's seed, versions and git sha) and prints the table.
"""

from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="score a checkpoint on a split: NLG metrics + clinical efficacy")
    p.add_argument("--ckpt", required=True, help="checkpoint written by `cxrgen train` (best.pt)")
    p.add_argument("--split", default="test", choices=("train", "val", "test"))
    p.add_argument("--dataset", help="dataset name (default: the one the checkpoint was trained on)")
    p.add_argument("--root", help="dataset folder (default: the checkpoint's)")
    p.add_argument("--out", help="output folder (default: <checkpoint folder>/eval_<split>)")
    p.add_argument("--beam-size", type=int, help="beam width (default: the checkpoint's decode.beam_size)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--max-studies", type=int, default=0, help="score only the first N studies (0 = all)")
    p.add_argument("--metrics", nargs="+", help="NLG metrics (default: every one that supports the language)")
    p.add_argument("--device", default="cpu")
    p.set_defaults(func=run)


def run(args) -> int:
    from cxrgen.pipeline.evaluation import evaluate_checkpoint, format_table

    out = Path(args.out) if args.out else Path(args.ckpt).resolve().parent / f"eval_{args.split}"
    ev = evaluate_checkpoint(args.ckpt, split=args.split, dataset=args.dataset, root=args.root, out=out,
                             beam_size=args.beam_size, batch_size=args.batch_size, max_studies=args.max_studies,
                             metrics=args.metrics, device=args.device)
    print(format_table({"model": ev}))
    print(f"clinical micro-F1 (CE-F1-micro, {ev.signatures['CE-F1-micro']}): {ev.micro_f1:.4f}")
    print(f"predictions: {out / f'predictions_{args.split}.jsonl'}  metrics: {out / f'metrics_{args.split}.json'}",
          file=sys.stderr)
    return 0
