"""Reports labelled per second, on one CPU core, for each language (issue 4's speed goal:
>= 2,000 English reports/s; the CheXpert labeler, the field's reference, manages about 3/s
per Irvin et al. 2019's released tool — it needs Java and NegBio's parser, so it cannot run
here and is quoted, not measured).

    .venv/bin/python bench/labeler_speed.py [--data ../shared/data] [--repeat 3] [--graph]

Texts are the real reports of ``shared/data`` (read there, never stored in the repo): IU X-Ray
FINDINGS + IMPRESSION of the 3,080 OpenI gold reports (en), the CASIA-CXR reports (fr), the
machine-translated IU reports (zh). The process is pinned to one core; the labelers are built
and warmed once (compiling the lexicons is not counted: it happens once per process). Each
figure is the best of ``--repeat`` runs. ``--graph`` also times entity-graph extraction.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from cxrgen import __version__
from cxrgen.labeling import get_labeler
from labeler_accuracy import CASIA_FILES, casia_reports, iu_gold_reports, iu_zh_reports  # bench/, beside this script

ROOT = Path(__file__).resolve().parents[1]


def load_texts(data: Path) -> dict[str, list[str]]:
    return {
        "en": [t for _, t, _ in iu_gold_reports(data)],
        "fr": [t for f in CASIA_FILES for t in casia_reports(data, f)],
        "zh": [t for _, t, _ in iu_zh_reports(data)],
    }


def best_time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--labels", default="chexpert")
    ap.add_argument("--graph", action="store_true", help="also time entity-graph extraction")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    texts = load_texts(args.data)
    print(f"cxrgen {__version__}, Python {platform.python_version()}, one core, best of {args.repeat}")
    print(f"{'lang':5s} {'reports':>8s} {'chars/report':>13s} {'labels/s':>10s} {'graphs/s':>10s}")
    for lang, items in texts.items():
        labeler = get_labeler(lang)
        labeler.label_many(items[:50], args.labels)  # warm-up: compile once, fill the trigger cache
        t = best_time(lambda: labeler.label_many(items, args.labels), args.repeat)
        graphs = ""
        if args.graph:
            from cxrgen.labeling.graph import get_extractor

            ex = get_extractor(lang)
            ex.extract(items[0])
            tg = best_time(lambda: [ex.extract(x) for x in items], 1)
            graphs = f"{len(items) / tg:10.0f}"
        chars = sum(map(len, items)) / len(items)
        print(f"{lang:5s} {len(items):8d} {chars:13.0f} {len(items) / t:10.0f} {graphs:>10s}")
    print("reference: CheXpert labeler ~3 reports/s (quoted in issue 4, not run here: Java + NegBio)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
