"""Report pairs per second of the clinical error analysis, on one CPU core, per language
(issue 17's goal: >= 500 English pairs/s). The peer, GREEN (Ostmeier et al. 2024), runs a 7B
language model on a GPU at about 2.2 s per report (issue 17); it needs the model weights and a
GPU, so it is quoted, not run, and the ratio to it is printed. In the same run, the clinical
efficacy labelling of the same pairs (both reports labelled) is timed as the local baseline.

    .venv/bin/python bench/error_analysis_speed.py [--data ../shared/data] [--repeat 3]

Pairs are real reports of ``shared/data`` (IU X-Ray en, CASIA-CXR fr, machine-translated IU zh),
each against the next one, so that every pair differs. The per-report cache is bypassed: each
pair reads both its reports, the cost of pairs never seen before. Best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from labeler_speed import best_time, load_texts  # noqa: E402  (the same texts as the labeler bench)

from cxrgen import __version__  # noqa: E402
from cxrgen.labeling import get_labeler  # noqa: E402
from cxrgen.labeling.errors import ErrorAnalyzer  # noqa: E402

GREEN_SECONDS_PER_REPORT = 2.2  # GREEN-RadLlama2-7b on one GPU, as quoted in issue 17


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pairs", type=int, default=2000, help="pairs per language (at most)")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    texts = load_texts(args.data)
    print(f"cxrgen {__version__}, Python {platform.python_version()}, one core, best of {args.repeat}, "
          f"no per-report cache")
    print(f"{'lang':5s} {'pairs':>6s} {'errors pairs/s':>15s} {'CE pairs/s':>11s} {'x GREEN':>9s}")
    for lang, items in texts.items():
        refs = items[:args.pairs]
        hyps = items[1:args.pairs + 1]
        n = min(len(refs), len(hyps))
        analyzer = ErrorAnalyzer(lang)
        analyzer.compare(analyzer.read_facts(hyps[0]), analyzer.read_facts(refs[0]))  # warm-up: compile once
        t = best_time(lambda: [analyzer.compare(analyzer.read_facts(h), analyzer.read_facts(r))
                               for h, r in zip(hyps[:n], refs[:n])], args.repeat)
        labeler = get_labeler(lang)
        tc = best_time(lambda: (labeler.label_many(refs[:n], "chexpert"), labeler.label_many(hyps[:n], "chexpert")),
                       args.repeat)
        rate = n / t
        print(f"{lang:5s} {n:6d} {rate:15.0f} {n / tc:11.0f} {rate * GREEN_SECONDS_PER_REPORT:9.0f}")
    print(f"peer: GREEN ~{GREEN_SECONDS_PER_REPORT} s per report on a GPU (quoted, not run: 7B weights + GPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
