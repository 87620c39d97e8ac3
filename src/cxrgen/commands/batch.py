"""`cxrgen batch label|graph|score|generate`: archive-scale jobs on Ray Data, resumable.

    cxrgen batch label  SHARDS/ --lang en --labels chexpert --out runs/labels [--workers 2]
    cxrgen batch graph  --dataset manifest --root manifest.jsonl --lang en --out runs/graphs
    cxrgen batch score  GENERATED/ --lang en --out runs/scores
    cxrgen batch generate --dataset iu_xray --root IU/ --split test --ckpt best.pt --out runs/gen

Input: a folder of JSONL/Parquet shards (or one shard file), or a dataset of the registry.
Output in --out: one file per input shard (shards/), error rows (errors/), done.jsonl, and
summary.json. Rerunning the same command on the same --out resumes: finished shards are kept.
Without --address (or RAY_ADDRESS) a local Ray instance runs the job on this machine.
"""

from __future__ import annotations

import json
import sys

SUBCOMMANDS = ("label", "graph", "score", "generate")


def add_parser(sub) -> None:
    p = sub.add_parser("batch", help="label, graph, score or generate over an archive on Ray (resumable)",
                       description=__doc__.split("\n\n")[0])
    cmds = p.add_subparsers(dest="batch_command", metavar="JOB", required=True)
    for name in SUBCOMMANDS:
        q = cmds.add_parser(name, help=f"`cxrgen {name}` over shards on Ray", description=__doc__.split("\n\n")[0])
        _common(q)
        globals()[f"_{name}_options"](q)
        q.set_defaults(func=run)


def _common(q) -> None:
    from cxrgen.batch.shards import DEFAULT_SHARD_SIZE, FORMATS

    q.add_argument("input", nargs="?", help="folder of *.jsonl / *.parquet shards, or one shard file")
    q.add_argument("--dataset", help="a registered dataset instead of INPUT (e.g. manifest, iu_xray)")
    q.add_argument("--root", help="the dataset's folder or manifest file (with --dataset)")
    q.add_argument("--split", choices=("train", "val", "test"), help="one split of --dataset")
    q.add_argument("--section", default="findings", help="report section of --dataset studies (default findings)")
    q.add_argument("--shard-size", type=int, default=DEFAULT_SHARD_SIZE,
                   help=f"studies per shard of --dataset (default {DEFAULT_SHARD_SIZE})")
    q.add_argument("--out", required=True, help="output folder (rerun with the same folder to resume)")
    q.add_argument("--format", default="jsonl", choices=FORMATS, help="output shards' format (default jsonl)")
    q.add_argument("--workers", type=int, default=2, help="Ray workers (tasks or model actors) at once (default 2)")
    q.add_argument("--max-errors", type=int, default=None,
                   help="stop the job when more rows than this are errors (default: never)")
    q.add_argument("--address", default=None,
                   help="Ray cluster (ray://host:10001 or host:6379; default RAY_ADDRESS, else a local instance)")
    q.add_argument("--min-nodes", type=int, default=1,
                   help="wait (up to 2 minutes) until the cluster has this many live nodes (default 1)")
    q.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local instance (default: all)")
    q.add_argument("--object-store-mb", type=int, default=None, help="object store of the local instance, MB")


def _label_options(q) -> None:
    from cxrgen.labeling import LABEL_SETS, LABELERS
    from cxrgen.labeling.base import MT_VARIANTS_HELP

    q.add_argument("--lang", required=True, choices=LABELERS.names())
    q.add_argument("--labels", default="chestxray14", choices=LABEL_SETS.names())
    q.add_argument("--mt-variants", action="store_true", help=MT_VARIANTS_HELP)


def _graph_options(q) -> None:
    from cxrgen.labeling import LABELERS

    q.add_argument("--lang", required=True, choices=LABELERS.names())


def _score_options(q) -> None:
    from cxrgen.metrics.base import LANGUAGES

    q.add_argument("--lang", default="en", choices=LANGUAGES)
    q.add_argument("--metrics", nargs="+", default=None, metavar="NAME", help="metrics (default: all for --lang)")
    q.add_argument("--tokenized", action="store_true", help="reports are tokenised: split on whitespace")
    q.add_argument("--tokenizer", default=None, help="tokeniser (default: the language's)")
    q.add_argument("--normalizer", default="none", help="normaliser applied first")


def _generate_options(q) -> None:
    q.add_argument("--ckpt", required=True, help="checkpoint written by `cxrgen train`")
    q.add_argument("--beam-size", type=int, default=None, help="beam width (default: the checkpoint's)")
    q.add_argument("--device", default=None, help="cpu or cuda (default: cuda when the cluster has GPUs)")


def _options(args) -> dict:
    c = args.batch_command
    if c == "label":
        return {"lang": args.lang, "labels": args.labels, "mt_variants": args.mt_variants}
    if c == "graph":
        return {"lang": args.lang}
    if c == "score":
        from cxrgen.metrics.scoring import resolve_metrics, tokenizer_name

        names = None if args.metrics is None else [n for v in args.metrics for n in v.split(",") if n]
        resolve_metrics(names, args.lang)  # an unknown name fails here, before Ray starts
        return {"lang": args.lang, "metrics": names, "normalizer": args.normalizer,
                "tokenizer": tokenizer_name(args.lang, args.tokenized, args.tokenizer)}
    from pathlib import Path

    from cxrgen.pipeline.checkpoint import read_checkpoint

    read_checkpoint(args.ckpt)  # a wrong file fails here, with its one-line reason
    return {"ckpt": str(Path(args.ckpt).resolve()), "beam_size": args.beam_size}


def run(args) -> int:
    from cxrgen.batch.engine import run_job
    from cxrgen.batch.jobs import Job
    from cxrgen.batch.shards import dataset_shards, file_shards
    from cxrgen.errors import InputError, require_extra

    require_extra("ray", "batch", "cxrgen batch")
    if bool(args.input) == bool(args.dataset):
        raise InputError("give either INPUT (a folder of shards or a shard file) or --dataset NAME --root ROOT")
    if args.workers < 1:
        raise InputError(f"--workers must be at least 1, got {args.workers}")
    options = _options(args)
    if args.dataset:
        if not args.root:
            raise InputError(f"--dataset {args.dataset} needs --root (its folder or manifest file)")
        shards, skipped = dataset_shards(args.dataset, args.root, args.split, args.section, args.shard_size)
        describe = {"input": f"{args.dataset}:{args.root}", "split": args.split, "section": args.section,
                    "shard_size": args.shard_size, "skipped_by_loader": skipped}
    else:
        shards, describe = file_shards(args.input), {"input": args.input}
    job = Job(args.batch_command, options, args.out, args.format)
    store = args.object_store_mb * 1024 * 1024 if args.object_store_mb else None
    summary = run_job(job, shards, describe, workers=args.workers, address=args.address,
                      max_errors=args.max_errors, num_cpus=args.num_cpus, object_store_memory=store,
                      device=getattr(args, "device", None), min_nodes=args.min_nodes)
    _print_summary(summary)
    return 0


def _print_summary(s: dict) -> None:
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(s["errors_by_kind"].items())) or "none"
    print(f"cxrgen batch {s['command']}: {s['rows']} row(s) in {s['shards_done']}/{s['shards']} shard(s): "
          f"{s['ok']} done, {s['errors']} error(s) ({kinds}); this run {s['rows_this_run']} row(s) in "
          f"{s['run_s']:.1f} s ({s['rows_per_s'] or 0:.0f} rows/s, {s['workers']} worker(s), Ray start "
          f"{s['startup_s']:.1f} s, wall {s['wall_s']:.1f} s) -> {s['out']}", file=sys.stderr)
    if s["warnings"]:
        print(f"  labelled anyway: {json.dumps(s['warnings'])}", file=sys.stderr)
    if s["errors"]:
        print(f"  error rows (row, id, file, reason): {s['out']}/errors/", file=sys.stderr)
    corpus = s.get("corpus")
    if corpus:
        for name, value in corpus["scores"].items():
            print(f"{name:<8} {value:8.4f}  {corpus['signatures'][name]}")
