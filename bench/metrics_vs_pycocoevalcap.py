"""cxrgen metrics against pycocoevalcap 1.2: same pairs, one run, each metric's time and ratio.

    .venv/bin/python bench/metrics_vs_pycocoevalcap.py [--data ../shared/data] [--repeat 3] [--sets iu-test-590]

Two sets, both of real IU X-Ray reports (read from ../shared/data, never stored in the repo):
  * iu-test-590: the 590 test reports, each scored against the next one (shifted pairing);
  * pairs-3858: 3,858 pairs (the size of the MIMIC-CXR test split), every IU report paired with
    another IU report.
Both sides get the same whitespace-tokenised strings (what R2Gen feeds pycocoevalcap); our time
includes splitting them. METEOR rows appear when a METEOR metric is registered; pycocoevalcap's
METEOR time includes starting its Java process, as every caller of ``Meteor()`` pays it. A
separate row times tokenisation: pycocoevalcap's Java PTBTokenizer against ``cxrgen.text.ptb``.
The "process" rows time what users run: a whole ``cxrgen score --tokenized`` process against a
whole Python process scoring the same files with pycocoevalcap's four scorers (interpreter start,
imports, Java start, scoring), wall and CPU seconds (children included).
Each time is the best of ``--repeat`` runs (wall clock), shown with the CPU seconds of that run
(pycocoevalcap / cxrgen, child processes included: Java, a forked METEOR half) and the load
average, since the machine may be shared. Scores are printed side by side as a check.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cxrgen.metrics import METRICS
from cxrgen.text.ptb import clear_cache, ptb_tokens

ROOT = Path(__file__).resolve().parents[1]


def load_sets(data: Path) -> dict[str, tuple[list[str], list[str]]]:
    ann = json.loads((data / "iu_xray" / "annotation.json").read_text(encoding="utf-8"))
    test = [r["report"] for r in ann["test"]]
    every = [r["report"] for s in ("train", "val", "test") for r in ann[s]]
    n = len(every)
    big_refs = [every[i % n] for i in range(3858)]
    big_hyps = [every[(7 * i + 13) % n] for i in range(3858)]
    return {"iu-test-590": (test, test[1:] + test[:1]), "pairs-3858": (big_refs, big_hyps)}


def cpu_seconds() -> float:
    # this process and its waited-for children (pycocoevalcap's Java, a forked METEOR half)
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def best_of(repeat: int, fn):
    """(best wall time, CPU time of that run, value): the CPU time tells a loaded machine (wall
    well above CPU) from a slow program."""
    best, cpu, value = float("inf"), 0.0, None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        value = fn()
        wall = time.perf_counter() - start
        if wall < best:
            best, cpu = wall, cpu_seconds() - start_cpu
    return best, cpu, value


def cold_ptb(texts):
    clear_cache()  # time the tokeniser from an empty cache, as a first call would
    return [ptb_tokens(t) for t in texts]


def coco_scorers():
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    scorers = {"BLEU": Bleu(4), "ROUGE-L": Rouge(), "CIDEr": Cider()}
    if "METEOR" in METRICS:
        from pycocoevalcap.meteor.meteor import Meteor

        scorers["METEOR"] = Meteor  # constructed inside the timed call (starts the JVM)
    return scorers


def coco_run(scorer, gts, res):
    if isinstance(scorer, type):  # METEOR: start, score, stop
        scorer = scorer()
        try:
            return scorer.compute_score(gts, res)[0]
        finally:
            with scorer.lock:
                scorer.meteor_p.stdin.close()
                scorer.meteor_p.kill()
                scorer.meteor_p.wait()
    with contextlib.redirect_stdout(io.StringIO()):
        score = scorer.compute_score(gts, res)[0]
    return score


def ours_run(name, refs, hyps):
    metric = METRICS.get(name)(lang="en")
    rows = metric.statistics([h.split() for h in hyps], [[r.split()] for r in refs])
    values = metric.aggregate(rows)
    return values if len(values) > 1 else next(iter(values.values()))


#: a whole pycocoevalcap process: read the two files, score with the four scorers R2Gen uses
COCO_PROCESS = """
import sys
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.meteor.meteor import Meteor
from pycocoevalcap.rouge.rouge import Rouge
refs = open(sys.argv[1], encoding="utf-8").read().splitlines()
hyps = open(sys.argv[2], encoding="utf-8").read().splitlines()
gts = {i: [r] for i, r in enumerate(refs)}
res = {i: [h] for i, h in enumerate(hyps)}
for scorer in (Bleu(4), Meteor(), Rouge(), Cider()):
    print(type(scorer).__name__, scorer.compute_score(gts, res)[0])
"""


def child_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def best_process(repeat: int, argv: list[str]) -> tuple[float, float]:
    """(best wall, CPU of that run) of a whole process, its children included."""
    best, cpu = float("inf"), 0.0
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), child_seconds()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        if wall < best:
            best, cpu = wall, child_seconds() - start_cpu
    return best, cpu


def whole_processes(refs: list[str], hyps: list[str], repeat: int) -> str:
    """The "process" row: whole `cxrgen score` against a whole pycocoevalcap process, same files."""
    with tempfile.TemporaryDirectory() as tmp:
        r, h = Path(tmp) / "refs.txt", Path(tmp) / "hyps.txt"
        r.write_text("\n".join(refs) + "\n", encoding="utf-8")
        h.write_text("\n".join(hyps) + "\n", encoding="utf-8")
        t_coco, c_coco = best_process(repeat, [sys.executable, "-c", COCO_PROCESS, str(r), str(h)])
        t_ours, c_ours = best_process(repeat, [sys.executable, "-m", "cxrgen", "score", "--refs", str(r),
                                               "--hyps", str(h), "--tokenized"])
    return (f"{'process':<10}{t_coco:>10.3f}{t_ours:>10.3f}{t_coco / t_ours:>9.1f}x{c_coco:>9.2f} /{c_ours:>5.2f}"
            f"   (whole processes: python + pycocoevalcap / cxrgen score; CPU ratio {c_coco / c_ours:.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sets", nargs="+", default=["iu-test-590", "pairs-3858"], help="sets to run")
    args = parser.parse_args()

    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    order = [n for n in ("BLEU", "METEOR", "ROUGE-L", "CIDEr") if n in METRICS]
    scorers = coco_scorers()
    print(f"metrics: {', '.join(order)}  (best of {args.repeat})")
    for set_name, (raw_refs, raw_hyps) in load_sets(args.data).items():
        if set_name not in args.sets:
            continue
        caps = {i: [{"caption": r}] for i, r in enumerate(raw_refs + raw_hyps)}
        t_java, _, _ = best_of(args.repeat, lambda: PTBTokenizer().tokenize(caps))
        t_py, _, _ = best_of(args.repeat, lambda: cold_ptb(raw_refs + raw_hyps))
        refs = [" ".join(ptb_tokens(r)) for r in raw_refs]
        hyps = [" ".join(ptb_tokens(h)) for h in raw_hyps]
        gts = {i: [r] for i, r in enumerate(refs)}
        res = {i: [h] for i, h in enumerate(hyps)}
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"\n{set_name}: {len(refs)} pairs  (1-min load average {load:.2f} on {os.cpu_count()} cores)")
        print(f"{'metric':<10}{'pycoco s':>10}{'cxrgen s':>10}{'speed-up':>10}{'CPU s':>16}   score pycoco / cxrgen")
        total_coco = total_ours = cpu_coco = cpu_ours = 0.0
        for name in order:
            t_coco, c_coco, v_coco = best_of(1 if name == "METEOR" else args.repeat,
                                             lambda: coco_run(scorers[name], gts, res))
            t_ours, c_ours, v_ours = best_of(args.repeat, lambda: ours_run(name, refs, hyps))
            total_coco += t_coco
            total_ours += t_ours
            cpu_coco += c_coco
            cpu_ours += c_ours
            if isinstance(v_ours, dict):
                shown = f"B4 {v_coco[3]:.6f} / {v_ours['BLEU-4']:.6f}"
            else:
                shown = f"{float(v_coco):.6f} / {v_ours:.6f}"
            print(f"{name:<10}{t_coco:>10.3f}{t_ours:>10.3f}{t_coco / t_ours:>9.1f}x"
                  f"{c_coco:>9.2f} /{c_ours:>5.2f}   {shown}")
        print(f"{'all':<10}{total_coco:>10.3f}{total_ours:>10.3f}{total_coco / total_ours:>9.1f}x"
              f"{cpu_coco:>9.2f} /{cpu_ours:>5.2f}")
        print(f"{'tokenise':<10}{t_java:>10.3f}{t_py:>10.3f}{t_java / t_py:>9.1f}x   (Java PTBTokenizer / cxrgen ptb)")
        print(whole_processes(refs, hyps, args.repeat))


if __name__ == "__main__":
    main()
