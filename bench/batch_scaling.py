"""Benchmark: reports/s of `cxrgen batch label` on Ray with 1 and 2 workers, next to the
in-process `cxrgen label` in the same run (issue 15's goals: >= 1.8x from 1 to 2 workers, and
Ray's overhead under 15 % of the in-process rate per worker).

    .venv/bin/python bench/batch_scaling.py [--reports 1000000] [--lang en|fr|zh] [--shard-size 20000]
        [--data ../shared/data] [--seed 0] [--work DIR] [--ckpt best.pt --studies 64]

The corpus is synthetic by recombination: the real reports of ``shared/data`` (IU X-Ray OpenI
gold reports for en, CASIA-CXR for fr, the machine-translated IU reports for zh; read there,
never stored in the repo) are cut into sentences, and each synthetic report is 2-6 of them
drawn with a seeded RNG. Reports/s of a Ray run counts the job from its first shard to its
last (Ray's start-up is printed apart: it is paid once per job, not per report); the
in-process rate is the whole `cxrgen label` command on one file (read, label, write), as a
user runs it. Outputs of the first shard are checked equal to the in-process labels.

With ``--ckpt`` (e.g. ``runs/demo/best.pt`` of ``make demo``) it also times generation:
``--studies`` studies of the checkpoint's own test images in-process (``cxrgen generate``'s
per-study code) and with `cxrgen batch generate` on 1 and 2 actors.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_SPLIT = {"en": re.compile(r"(?<=\.)\s+"), "fr": re.compile(r"(?<=\.)\s+"), "zh": re.compile(r"(?<=。)")}


def sentences(data: Path, lang: str) -> list[str]:
    from labeler_accuracy import CASIA_FILES, casia_reports, iu_gold_reports, iu_zh_reports  # bench/, beside this script

    if lang == "en":
        texts = [t for _, t, _ in iu_gold_reports(data)]
    elif lang == "fr":
        texts = [t for f in CASIA_FILES for t in casia_reports(data, f)]
    else:
        texts = [t for _, t, _ in iu_zh_reports(data)]
    pool = sorted({s.strip() for t in texts for s in _SPLIT[lang].split(t) if len(s.strip()) > 3})
    return pool


def write_corpus(work: Path, pool: list[str], n: int, shard_size: int, seed: int, lang: str) -> Path:
    """``work/shards/part-*.jsonl`` and ``work/all.jsonl`` with the same ``n`` reports."""
    rng = random.Random(seed)
    joiner = "" if lang == "zh" else " "
    (work / "shards").mkdir(parents=True, exist_ok=True)
    with open(work / "all.jsonl", "w", encoding="utf-8") as whole:
        for k in range(0, n, shard_size):
            with open(work / "shards" / f"part-{k // shard_size:05d}.jsonl", "w", encoding="utf-8") as f:
                for i in range(k, min(n, k + shard_size)):
                    line = json.dumps({"id": f"r{i}", "report": joiner.join(rng.sample(pool, rng.randint(2, 6)))},
                                      ensure_ascii=False) + "\n"
                    f.write(line)
                    whole.write(line)
    return work


def in_process_label(work: Path, lang: str) -> tuple[float, int]:
    from cxrgen.cli import main

    t0 = time.perf_counter()
    assert main(["label", str(work / "all.jsonl"), "--lang", lang, "--labels", "chexpert",
                 "--out", str(work / "inproc.csv")]) == 0
    return time.perf_counter() - t0, sum(1 for _ in open(work / "inproc.csv", encoding="utf-8")) - 1


def batch(args_list: list[str], out: Path) -> dict:
    from cxrgen.cli import main

    assert main(["batch", *args_list, "--out", str(out), "--num-cpus", "2", "--object-store-mb", "300"]) == 0
    return json.loads((out / "summary.json").read_text())


def check_first_shard(work: Path, out: Path) -> None:
    import csv

    from cxrgen.batch.shards import read_output

    rows = read_output(out / "shards" / "part-00000.jsonl")
    with open(work / "inproc.csv", newline="", encoding="utf-8") as f:
        ref = [{k: (None if v == "" else (v if k == "id" else int(v))) for k, v in r.items()}
               for _, r in zip(rows, csv.DictReader(f))]
    if rows != ref:
        raise SystemExit("batch label output differs from cxrgen label on the first shard")


def label_section(args, work: Path) -> None:
    pool = sentences(args.data, args.lang)
    t0 = time.perf_counter()
    write_corpus(work, pool, args.reports, args.shard_size, args.seed, args.lang)
    print(f"corpus: {args.reports} {args.lang} reports from {len(pool)} real sentences, seed {args.seed}, "
          f"{-(-args.reports // args.shard_size)} shard(s) of {args.shard_size} ({time.perf_counter() - t0:.1f} s)")
    secs, n = in_process_label(work, args.lang)
    inproc = n / secs
    print(f"in-process cxrgen label : {n} reports in {secs:7.1f} s = {inproc:8.0f} reports/s")
    rates = {}
    for w in (1, 2):
        s = batch(["label", str(work / "shards"), "--lang", args.lang, "--labels", "chexpert", "--workers", str(w)],
                  work / f"out-w{w}")
        rates[w] = s["rows_this_run"] / s["run_s"]
        print(f"batch label, {w} worker(s): {s['rows_this_run']} reports in {s['run_s']:7.1f} s = {rates[w]:8.0f} "
              f"reports/s  (Ray start {s['startup_s']:.1f} s, wall {s['wall_s']:.1f} s, errors {s['errors']})")
    check_first_shard(work, work / "out-w1")
    speedup = rates[2] / rates[1]
    over1 = 1 - rates[1] / inproc
    over2 = 1 - rates[2] / (2 * inproc)
    print(f"speed-up 1 -> 2 workers: {speedup:.2f}x (goal >= 1.8x: {'met' if speedup >= 1.8 else 'NOT met'})")
    for w, o in ((1, over1), (2, over2)):
        print(f"Ray overhead per worker with {w} worker(s): {100 * o:5.1f} % of the in-process rate "
              f"(goal < 15 %: {'met' if o < 0.15 else 'NOT met'})")


def generate_section(args, work: Path) -> None:
    from cxrgen.batch.work import generate_batch
    from cxrgen.pipeline.checkpoint import read_checkpoint
    from cxrgen.pipeline.inference import load

    ckpt = read_checkpoint(args.ckpt)
    # the dataset root the checkpoint recorded (absolute since this round), else its config's
    root = Path((ckpt.get("dataset") or {}).get("root")
                or (ckpt.get("config") or {}).get("data", {}).get("root", ""))
    images = sorted((root / "images").glob("*.png"))[: args.studies] if root.is_dir() else []
    if not images:
        print(f"generation: no images found under the checkpoint's data root {root}; skipped")
        return
    (work / "gen").mkdir(exist_ok=True)
    with open(work / "gen" / "studies.jsonl", "w", encoding="utf-8") as f:
        for i, p in enumerate(images):
            f.write(json.dumps({"id": f"g{i}", "images": [str(p)]}) + "\n")
    gen = load(args.ckpt)
    t0 = time.perf_counter()
    expected = [r.text for r in generate_batch(gen, [[p] for p in images])]
    inproc = len(images) / (time.perf_counter() - t0)
    print(f"in-process generate     : {len(images)} studies = {inproc:6.2f} studies/s")
    for w in (1, 2):
        # one shard per actor at least: the studies are cut into 4 shards
        shards = work / "gen" / f"shards-w{w}"
        shards.mkdir(exist_ok=True)
        rows = (work / "gen" / "studies.jsonl").read_text().splitlines()
        for k in range(4):
            (shards / f"g{k}.jsonl").write_text("\n".join(rows[k::4]) + "\n")
        s = batch(["generate", str(shards), "--ckpt", str(args.ckpt), "--workers", str(w)], work / f"gen-w{w}")
        rate = s["rows_this_run"] / s["run_s"]
        got = {}
        for k in range(4):
            for line in (work / f"gen-w{w}" / "shards" / f"g{k}.jsonl").read_text().splitlines():
                r = json.loads(line)
                got[r["id"]] = r["report"]
        same = all(got[f"g{i}"] == t for i, t in enumerate(expected))
        print(f"batch generate, {w} actor(s): {rate:6.2f} studies/s ({rate / inproc:.2f}x in-process; "
              f"reports equal to in-process: {same}; Ray start {s['startup_s']:.1f} s)")


def main(argv=None) -> int:
    from cxrgen import __version__

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--lang", default="en", choices=("en", "fr", "zh"))
    ap.add_argument("--shard-size", type=int, default=20_000)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--ckpt", type=Path, default=None, help="a trained checkpoint: also time generation")
    ap.add_argument("--studies", type=int, default=64)
    args = ap.parse_args(argv)
    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cxrgen {__version__}, Ray {ray.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPU(s), load average {load:.1f} at start; args {vars(args)}")
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        work = Path(tmp)
        label_section(args, work)
        if args.ckpt:
            generate_section(args, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
