"""`cxrgen data check DATASET --root R`: every image exists and decodes; list the bad ones.

Also holds the dataset arguments shared by the other ``data`` subcommands.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter

from cxrgen.commands.argtypes import count, positive_int
from cxrgen.data.registry import dataset_options, list_datasets, load_dataset
from cxrgen.errors import ConfigError


def add_dataset_arguments(p) -> None:
    p.add_argument("dataset", choices=list_datasets(), metavar="DATASET",
                   help="registered dataset: " + ", ".join(list_datasets()))
    p.add_argument("--root", required=True, help="folder (or manifest file) holding the dataset")
    p.add_argument("--skip-invalid", action="store_true",
                   help="skip bad rows/images instead of stopping; they are counted and reported")
    p.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                   help="loader option, e.g. -o format=xml -o image_dir=images_256 (repeatable)")
    p.add_argument("--split-file", help="split file written by `cxrgen data split`")


def _value(text: str):
    low = text.lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    try:
        return int(text)
    except ValueError:
        return text


def load_from_args(args, **extra):
    """Load the dataset named on the command line with its ``-o`` options."""
    options = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"bad --option {item!r}; write KEY=VALUE "
                              f"(options of {args.dataset}: {', '.join(dataset_options(args.dataset))})")
        options[key.strip()] = _value(value.strip())
    valid = dataset_options(args.dataset)
    if "skip_invalid" in valid:
        options.setdefault("skip_invalid", args.skip_invalid)
    options.update({k: v for k, v in extra.items() if k in valid})
    return load_dataset(args.dataset, args.root, split_file=args.split_file, **options)


def print_skipped(ds) -> None:
    if ds.skipped:
        print(f"skipped {len(ds.skipped)} rows while loading:")
        for reason, n in Counter(ds.summary()["skipped_by_reason"]).most_common():
            print(f"  {n:>7}  {reason}")


def empty_cause(ds) -> str:
    """Why a dataset loaded no study, as far as its loader's counts tell."""
    if ds.skipped:
        reason, n = Counter(ds.summary()["skipped_by_reason"]).most_common(1)[0]
        return (f"all {len(ds.skipped)} rows were skipped while loading (most often, {n}x: {reason}); "
                f"fix those rows")
    if ds.meta.get("without_image"):
        return (f"{ds.meta['without_image']} rows have no image file in the image folder (only_with_images=true); "
                f"are the images in sub-folders (images_001/images/...)? give -o image_dir=FOLDER")
    return f"no study in the files under {ds.root}; check --root, the dataset name and --split-file"


def warn_if_empty(ds, command: str) -> bool:
    """A warning with the likely cause when the dataset holds no study; True if it does."""
    if ds.studies:
        return False
    print(f"cxrgen data {command}: warning: 0 studies loaded from {ds.root} ({ds.name}): {empty_cause(ds)}",
          file=sys.stderr)
    return True


def add_parser(dsub) -> None:
    p = dsub.add_parser("check", help="verify that every image of a dataset exists and decodes")
    add_dataset_arguments(p)
    p.add_argument("--workers", type=positive_int, default=min(4, os.cpu_count() or 1), help="decoding threads")
    p.add_argument("--max-list", type=count, default=50, help="list at most this many bad images (0: all)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from cxrgen.data.check import check_images, drop_bad_studies

    ds = load_from_args(args)
    if not args.json:
        print_skipped(ds)
    if warn_if_empty(ds, "check"):
        return 1
    from cxrgen.progress import Progress

    with Progress(None, "checking images", "images") as bar:
        report = check_images(ds, workers=args.workers, progress=bar.set)
    dropped = drop_bad_studies(ds, report) if args.skip_invalid else 0
    if args.json:
        print(json.dumps({
            "dataset": report.dataset, "studies": report.studies, "images": report.images,
            "studies_without_image": report.studies_without_image, "bad_images": len(report.bad),
            "bad": [b.__dict__ for b in report.bad], "studies_skipped": dropped,
            "rows_skipped_at_load": len(ds.skipped) - dropped,
        }, ensure_ascii=False, indent=1))
    else:
        print(f"{report.dataset}: checked {report.images} images of {report.studies} studies; "
              f"{len(report.bad)} bad; {report.studies_without_image} studies list no image")
        shown = report.bad if args.max_list == 0 else report.bad[: args.max_list]
        for b in shown:
            print(f"  BAD  {b.study_id}  {b.path}  {b.reason.split(';')[0]}")
        if len(shown) < len(report.bad):
            print(f"  ... and {len(report.bad) - len(shown)} more (--max-list 0 lists all)")
        if report.bad:
            kinds = Counter(b.reason.split(";")[0] for b in report.bad).most_common()
            print(f"bad images by reason ({len(kinds)} reason(s)):")
            for reason, n in kinds if args.max_list == 0 else kinds[: args.max_list]:
                print(f"  {n:>7}  {reason}")
            if args.max_list and len(kinds) > args.max_list:
                print(f"  ... and {len(kinds) - args.max_list} more reasons (--max-list 0 lists all)")
        if dropped:
            print(f"--skip-invalid: skipped {dropped} studies with a bad image; "
                  f"{len(ds.studies)} studies remain")
    return 0 if report.ok or args.skip_invalid else 1
