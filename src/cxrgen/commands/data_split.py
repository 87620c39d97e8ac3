"""`cxrgen data split DATASET --root R`: write the dataset's split to a versioned JSON file.

Official splits are kept (and written); otherwise a seeded patient-level 7:1:2 split.
"""

from __future__ import annotations

from cxrgen.commands.dataset_args import add_dataset_arguments, load_from_args, print_skipped


def add_parser(dsub) -> None:
    p = dsub.add_parser("split", help="write the official or a seeded patient-level 7:1:2 split")
    add_dataset_arguments(p)
    p.add_argument("--seed", type=int, default=0, help="seed of the patient shuffle (default 0)")
    p.add_argument("--ratios", default="0.7,0.1,0.2", help="train,val,test ratios (CN-CXR: 0.7,0.1,0.2)")
    p.add_argument("--resplit", action="store_true", help="ignore an official split and make a seeded one")
    p.add_argument("--out", help="split file to write (default splits/<dataset>_<seedS|official>_v1.json)")
    p.set_defaults(func=run)


def run(args) -> int:
    from cxrgen.data.splits import default_split_path, make_split, patient_overlap, write_split
    from cxrgen.errors import ConfigError

    try:
        ratios = [float(x) for x in args.ratios.split(",")]
    except ValueError:
        raise ConfigError(f"--ratios must be three numbers like 0.7,0.1,0.2; got {args.ratios!r}") from None
    ds = load_from_args(args)
    print_skipped(ds)
    record = make_split(ds, seed=args.seed, ratios=ratios, resplit=args.resplit)
    path = write_split(record, args.out or default_split_path(ds.name, record["seed"], record["method"]))
    print(f"{ds.name}: {record['method']} split"
          + (f" (seed {record['seed']}, ratios {record['ratios']})" if record["seed"] is not None else ""))
    for name, c in record["counts"].items():
        print(f"  {name:<6} {c['studies']:>8} studies {c['patients']:>8} patients")
    for s in ds.studies:
        s.split = record["assignments"][s.study_id]
    overlap = patient_overlap(ds.studies)
    if overlap:
        print(f"WARNING: {len(overlap)} patients are in more than one split of this (official) split, "
              f"e.g. {next(iter(overlap))}; --resplit makes a patient-level one")
    print(f"wrote {path}")
    return 0
