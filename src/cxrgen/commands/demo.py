"""`cxrgen demo`: the main job on the embedded default data (phantom chest X-rays).

Writes the phantoms, trains the `demo` R2Gen, fits the retrieval baseline, evaluates both on the
held-out phantoms, prints the metric table and generated reports, writes ``OUT/report.html``.
"""

from __future__ import annotations

from cxrgen.commands.argtypes import positive_int


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="run the main job on the embedded phantom data",
                       description="Phantom chest X-rays -> R2Gen (preset demo) -> evaluation next to a "
                                   "retrieval baseline -> report.html. About 5 minutes on 2 CPU cores.")
    p.add_argument("--out", default="runs/demo", help="output folder")
    p.add_argument("--studies", type=positive_int, default=2000,
                   help="phantom studies to write (7:1:2 train/val/test; more studies teach the encoder more)")
    p.add_argument("--size", type=positive_int, default=96, help="phantom image size in pixels")
    p.add_argument("--epochs", type=positive_int, help="training epochs (default: the demo preset's)")
    p.add_argument("--seed", type=int, default=0, help="phantom seed")
    p.add_argument("--overwrite", action="store_true",
                   help="move the previous demo's runs (OUT/r2gen, OUT/retrieval) aside to *.old-<time> "
                        "instead of refusing to train over them; the phantoms are reused")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="demo preset overrides, e.g. train.epochs=4")
    p.set_defaults(func=run)


def run(args) -> int:
    from cxrgen.train.demo import run_demo

    run_demo(args.out, studies=args.studies, size=args.size, epochs=args.epochs, seed=args.seed,
             overrides=args.overrides, overwrite=args.overwrite)
    return 0
