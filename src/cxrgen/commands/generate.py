"""`cxrgen generate --ckpt C IMAGE [IMAGE ...]`: the report of one study from its image files."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("generate", help="write the report of one study (1..n PNG/JPEG/DICOM images)")
    p.add_argument("--ckpt", required=True, help="checkpoint written by `cxrgen train` (best.pt)")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="the study's images, frontal first")
    p.add_argument("--beam-size", type=int, help="beam width (default: the checkpoint's decode.beam_size)")
    p.add_argument("--json", action="store_true", help="print JSON with the labels and the entity graph")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N")
    p.set_defaults(func=run)


def run(args) -> int:
    from cxrgen.pipeline.inference import load

    generator = load(args.ckpt, device=args.device)
    report = generator.generate(args.images, beam_size=args.beam_size, labels=args.json, graph=args.json)
    if args.json:
        print(json.dumps({"images": args.images, **report.to_dict()}, ensure_ascii=False, indent=2))
    else:
        print(report.text)
    return 0
