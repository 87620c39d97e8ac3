"""`cxrgen batch` on a real local Ray: outputs equal the in-process commands row for row, error
rows, --max-errors, a refused rerun with other options, corpus scores equal to 1e-12."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import make_reports, read_jsonl, write_jsonl
from cxrgen.batch.shards import read_output
from cxrgen.cli import main

pytestmark = pytest.mark.usefixtures("local_ray")


def _shards(folder, n_shards: int, per_shard: int, seed: int = 0) -> list[tuple[str, str]]:
    reports = make_reports(n_shards * per_shard, seed)
    pairs = [(f"r{i}", t) for i, t in enumerate(reports)]
    for k in range(n_shards):
        write_jsonl(folder / f"part-{k:03d}.jsonl",
                    [{"id": rid, "report": t} for rid, t in pairs[k * per_shard:(k + 1) * per_shard]])
    return pairs


def _in_process_labels(tmp_path, pairs, labels="chexpert") -> list[dict]:
    src = write_jsonl(tmp_path / "all.jsonl", [{"id": r, "report": t} for r, t in pairs])
    out = tmp_path / "labels.csv"
    assert main(["label", str(src), "--lang", "en", "--labels", labels, "--out", str(out)]) == 0
    with open(out, newline="", encoding="utf-8") as f:
        return [{k: (None if v == "" else (v if k == "id" else int(v))) for k, v in row.items()}
                for row in csv.DictReader(f)]


def test_label_equals_in_process_row_for_row_and_bad_rows_go_to_errors(tmp_path, capsys):
    pairs = _shards(tmp_path / "in", 3, 20)
    # bad rows at known places: malformed JSON, an empty report, a duplicate id, no report field
    with open(tmp_path / "in" / "part-001.jsonl", "a", encoding="utf-8") as f:
        f.write('{"id": "x1", "report": \n')
        f.write(json.dumps({"id": "x2", "report": "   "}) + "\n")
        f.write(json.dumps({"id": "r20", "report": "No effusion."}) + "\n")
        f.write(json.dumps({"id": "x3"}) + "\n")
    out = tmp_path / "out"
    assert main(["batch", "label", str(tmp_path / "in"), "--lang", "en", "--labels", "chexpert",
                 "--out", str(out), "--format", "parquet"]) == 0
    rows = [r for k in range(3) for r in read_output(out / "shards" / f"part-{k:03d}.parquet")]
    assert rows == _in_process_labels(tmp_path, pairs)
    errors = read_jsonl(out / "errors" / "part-001.jsonl")
    assert [(e["row"], e["id"], e["kind"]) for e in errors] == [
        (21, None, "malformed-row"), (22, "x2", "empty-report"), (23, "r20", "duplicate-id"),
        (24, "x3", "missing-field")]
    assert all(e["file"].endswith("part-001.jsonl") and e["reason"] for e in errors)
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["rows"], summary["ok"], summary["errors"], summary["shards_done"]) == (64, 60, 4, 3)
    assert summary["errors_by_kind"] == {"malformed-row": 1, "empty-report": 1, "duplicate-id": 1,
                                         "missing-field": 1}
    assert summary["rows_per_s"] > 0 and summary["wall_s"] > 0
    assert "4 error(s)" in capsys.readouterr().err
    # the same job again: every shard is done, nothing is redone, outputs unchanged
    before = {p.name: p.read_bytes() for p in (out / "shards").iterdir()}
    assert main(["batch", "label", str(tmp_path / "in"), "--lang", "en", "--labels", "chexpert",
                 "--out", str(out), "--format", "parquet"]) == 0
    assert json.loads((out / "summary.json").read_text())["shards_this_run"] == 0
    assert {p.name: p.read_bytes() for p in (out / "shards").iterdir()} == before
    # other options on the same folder: refused, nothing overwritten
    assert main(["batch", "label", str(tmp_path / "in"), "--lang", "en", "--labels", "chestxray14",
                 "--out", str(out), "--format", "parquet"]) == 2
    assert "holds another job (its options differ)" in capsys.readouterr().err


def test_graph_over_a_manifest_equals_in_process(tmp_path):
    reports = make_reports(7, seed=3)
    manifest = write_jsonl(tmp_path / "manifest.jsonl", [
        {"study_id": f"s{i}", "patient_id": f"p{i}", "images": [], "findings": t, "language": "en"}
        for i, t in enumerate(reports)])
    out = tmp_path / "out"
    assert main(["batch", "graph", "--dataset", "manifest", "--root", str(manifest), "--lang", "en",
                 "--shard-size", "3", "--out", str(out)]) == 0
    assert sorted(p.name for p in (out / "shards").iterdir()) == [
        "manifest-00000.jsonl", "manifest-00001.jsonl", "manifest-00002.jsonl"]
    batch = [d for k in range(3) for d in read_jsonl(out / "shards" / f"manifest-{k:05d}.jsonl")]
    src = write_jsonl(tmp_path / "r.jsonl", [{"id": f"s{i}", "report": t} for i, t in enumerate(reports)])
    assert main(["graph", str(src), "--lang", "en", "--out", str(tmp_path / "g.jsonl")]) == 0
    assert batch == read_jsonl(tmp_path / "g.jsonl")
    assert any(d["entities"] for d in batch)


def test_max_errors_stops_the_job(tmp_path, capsys):
    write_jsonl(tmp_path / "in" / "a.jsonl", [{"id": f"e{i}", "report": ""} for i in range(5)])
    (tmp_path / "in" / "b.parquet").write_bytes(b"PAR1 not really parquet")
    out = tmp_path / "out"
    assert main(["batch", "label", str(tmp_path / "in"), "--lang", "en", "--out", str(out),
                 "--max-errors", "3", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "5 error row(s), more than --max-errors 3: stopped" in err
    assert json.loads((out / "summary.json").read_text())["stopped"]
    assert len(read_jsonl(out / "errors" / "a.jsonl")) == 5
    # a higher limit goes on from there: the unreadable shard is one error row naming the file
    assert main(["batch", "label", str(tmp_path / "in"), "--lang", "en", "--out", str(out),
                 "--max-errors", "10", "--workers", "1"]) == 0
    [bad] = read_jsonl(out / "errors" / "b.jsonl")
    assert bad["kind"] == "unreadable-shard" and bad["row"] is None and "b.parquet" in bad["reason"]
    assert json.loads((out / "summary.json").read_text())["errors"] == 6


def test_corpus_scores_over_shards_equal_single_process(tmp_path):
    from cxrgen.metrics import score_corpus

    rng = random.Random(7)
    hyps = make_reports(90, seed=11)
    refs = make_reports(90, seed=12)
    hyps[5] = ""  # an empty hypothesis is scored (0), as in-process
    refs = [r if i % 4 else [r, make_reports(1, seed=100 + i)[0]] for i, r in enumerate(refs)]  # some 2-ref
    ids = [f"q{i}" for i in range(90)]
    order = list(range(90))
    cuts = sorted(rng.sample(range(1, 90), 3))  # 4 shards of unequal sizes
    for k, (a, b) in enumerate(zip([0, *cuts], [*cuts, 90])):
        write_jsonl(tmp_path / "in" / f"s{k}.jsonl",
                    [{"id": ids[i], "report": hyps[i], "reference": refs[i]} for i in order[a:b]])
    out = tmp_path / "out"
    assert main(["batch", "score", str(tmp_path / "in"), "--lang", "en", "--out", str(out)]) == 0
    batch = json.loads((out / "scores.json").read_text())
    single = score_corpus(hyps, refs, lang="en", ids=ids)
    assert set(batch["scores"]) == set(single.values()) == {
        "BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr"}
    for name, value in single.values().items():
        assert abs(batch["scores"][name] - value) <= 1e-12, name
        assert batch["signatures"][name] == str(single.scores[name].signature)
    assert batch["n"] == 90
    # CIDEr-D really needed the corpus frequencies: one shard's own would give other rows
    per_report = {r["id"]: r for k in range(4) for r in read_jsonl(out / "shards" / f"s{k}.jsonl")}
    expected = single.per_report()
    assert np.allclose([per_report[r["id"]]["CIDEr"] for r in expected], [r["CIDEr"] for r in expected],
                       atol=1e-12, rtol=0)
    first = read_jsonl(tmp_path / "in" / "s0.jsonl")
    alone = score_corpus([r["report"] for r in first], [r["reference"] for r in first], lang="en",
                         metrics=["CIDEr"])
    assert not np.allclose(alone.stats["CiderD"].rows[:, 0], [per_report[r["id"]]["CIDEr"] for r in first])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny R2Gen trained on the toy dataset of tests/train (as tests/test_inference.py)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "train"))
    from toy_data import TINY_R2GEN, write_toy_dataset

    from cxrgen.train.config import load_config
    from cxrgen.train.experiment import run

    root = write_toy_dataset(tmp_path_factory.mktemp("toy"), n=24)
    out = tmp_path_factory.mktemp("run")
    run(load_config(None, TINY_R2GEN + [f"data.root={root}", f"train.out={out}", "train.epochs=1"]))
    return root, out / "best.pt"


def test_generate_with_an_actor_pool_equals_cxrgen_generate(trained, tmp_path, capsys):
    root, ckpt = trained
    studies = [{"id": f"s{i}", "images": [f"images/s{i}.png"], "reference": f"ref {i}"} for i in range(6)]
    studies.insert(2, {"id": "bad", "images": ["images/missing.png"]})
    (root / "images" / "tiny.png").write_bytes((root / "images" / "s0.png").read_bytes()[:40])
    studies.append({"id": "cut", "images": ["images/tiny.png"]})
    (root / "shards").mkdir()
    write_jsonl(root / "shards" / "a.jsonl", [{**s, "images": [f"../{p}" for p in s["images"]]} for s in studies[:4]])
    write_jsonl(root / "shards" / "b.jsonl", [{**s, "images": [str(root / p) for p in s["images"]]} for s in studies[4:]])
    out = tmp_path / "out"
    # two actors, one model each, one shard each
    assert main(["batch", "generate", str(root / "shards"), "--ckpt", str(ckpt), "--out", str(out)]) == 0
    batch = read_jsonl(out / "shards" / "a.jsonl") + read_jsonl(out / "shards" / "b.jsonl")
    capsys.readouterr()
    expected = []
    for i in range(6):
        assert main(["generate", "--ckpt", str(ckpt), str(root / "images" / f"s{i}.png")]) == 0
        expected.append({"id": f"s{i}", "report": capsys.readouterr().out.rstrip("\n"), "reference": f"ref {i}"})
    assert batch == expected and all(r["report"] for r in batch)
    errors = read_jsonl(out / "errors" / "a.jsonl") + read_jsonl(out / "errors" / "b.jsonl")
    assert [(e["id"], e["kind"]) for e in errors] == [("bad", "unreadable-image"), ("cut", "unreadable-image")]
    assert "missing.png" in errors[0]["reason"] and "tiny.png" in errors[1]["reason"]


def _descendants(pid: int) -> list:
    import psutil  # a dependency of Ray

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_sigkilled_driver_then_rerun_gives_the_uninterrupted_output(tmp_path):
    _shards(tmp_path / "in", 12, 500, seed=5)
    # the uninterrupted run (on this module's Ray)
    assert main(["batch", "label", str(tmp_path / "in"), "--lang", "en", "--out", str(tmp_path / "whole")]) == 0
    # a driver of its own (no --address: it starts a local Ray instance), killed -9 mid-job
    out = tmp_path / "killed"
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    cmd = [sys.executable, "-m", "cxrgen", "batch", "label", str(tmp_path / "in"), "--lang", "en", "--out",
           str(out), "--workers", "1", "--num-cpus", "2", "--object-store-mb", "150"]
    driver = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = out / "done.jsonl"
    try:
        deadline = time.monotonic() + 120
        while not (done.exists() and done.read_text().count("\n") >= 1) and time.monotonic() < deadline:
            assert driver.poll() is None, "the driver ended before it could be killed"
            time.sleep(0.05)
        ray_processes = _descendants(driver.pid)
        driver.send_signal(signal.SIGKILL)
        driver.wait(30)
    finally:
        if driver.poll() is None:
            driver.kill()
    time.sleep(1)
    for p in ray_processes:  # Ray's agents outlive a SIGKILLed driver: stop the ones it started
        if p.is_running():
            p.kill()
    finished = len(done.read_text().splitlines())
    assert 1 <= finished < 12, f"{finished} shards finished before the kill; the test needs it mid-job"
    # rerun with the same folder: the finished shards are skipped, the output is the uninterrupted one
    assert main(["batch", "label", str(tmp_path / "in"), "--lang", "en", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["shards_this_run"] == 12 - finished and summary["rows"] == 6000
    names = sorted(p.name for p in (tmp_path / "whole" / "shards").iterdir())
    assert sorted(p.name for p in (out / "shards").iterdir()) == names  # no temporary left behind
    for name in names:
        assert (out / "shards" / name).read_bytes() == (tmp_path / "whole" / "shards" / name).read_bytes()
