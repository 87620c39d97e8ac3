"""`cxrgen data synth --out DIR --studies N --seed S --langs en,fr,zh`: the phantom dataset."""

from __future__ import annotations

import sys


def add_parser(dsub) -> None:
    p = dsub.add_parser("synth", help="render the learnable phantom chest X-ray dataset (the embedded default)")
    p.add_argument("--out", required=True, help="output folder (new, empty, or an earlier phantom dataset)")
    p.add_argument("--studies", type=int, default=1000, help="number of studies (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed: the same seed gives byte-identical output")
    p.add_argument("--langs", default="en,fr,zh", help="comma-separated report languages (default en,fr,zh)")
    p.add_argument("--size", type=int, default=256, help="image side in pixels (default 256)")
    p.add_argument("--workers", type=int, default=1, help="processes rendering in parallel (default 1)")
    p.add_argument("--quiet", action="store_true", help="print no progress")
    p.set_defaults(func=run)


def format_summary(s: dict) -> str:
    """The summary table: studies per split, prevalence per finding."""
    n = s["studies"]
    lines = [f"phantom dataset: {n} studies, {s['size']} px, seed {s['seed']}, langs {','.join(s['langs'])} "
             f"-> {s['out_dir']}",
             "split   studies",
             *(f"{k:<7} {v:>7}" for k, v in s["splits"].items()),
             f"{'finding':<17} {'positive':>8} {'prevalence':>10}"]
    for name, k in s["positives"].items():
        lines.append(f"{name:<17} {k:>8} {k / n:>10.1%}")
    lines.append(f"{'(no finding)':<17} {s['normal']:>8} {s['normal'] / n:>10.1%}")
    lines.append(f"{'(2+ findings)':<17} {s['multi_finding']:>8} {s['multi_finding'] / n:>10.1%}")
    if s.get("seconds") is not None:
        lines.append(f"rendered in {s['seconds']:.1f} s ({s['studies_per_second']} studies/s)")
    return "\n".join(lines)


def run(args) -> int:
    from cxrgen.data.phantom import synthesize

    def progress(done: int, total: int) -> None:
        if not args.quiet and (done == total or done % max(total // 10, 50) == 0):
            print(f"  {done}/{total} studies", file=sys.stderr, flush=True)

    langs = [x.strip() for x in args.langs.split(",") if x.strip()]
    summary = synthesize(args.out, studies=args.studies, seed=args.seed, langs=langs, size=args.size,
                         workers=args.workers, progress=progress)
    print(format_summary(summary))
    return 0
