"""`cxrgen data check DATASET --root R`: every image exists and decodes; list the bad ones."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter

from cxrgen.commands.argtypes import count, positive_int
from cxrgen.commands.dataset_args import add_dataset_arguments, load_from_args, print_skipped, warn_if_empty


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
