"""`cxrgen demo`: the main job on the embedded default data (phantom chest X-rays)."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="run the main job on the embedded phantom data")
    p.add_argument("--out", default="runs/demo", help="output folder")
    p.set_defaults(func=run)


def run(args) -> int:
    raise NotImplementedError("the demo is assembled by the data and model issues")
