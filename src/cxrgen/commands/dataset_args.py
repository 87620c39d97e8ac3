"""The dataset arguments the ``cxrgen data`` subcommands share (``DATASET --root R -o KEY=VALUE``)."""

from __future__ import annotations

import sys
from collections import Counter

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
