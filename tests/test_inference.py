"""cxrgen.load / generate / evaluate on a tiny R2Gen trained here on a generated toy dataset."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

import cxrgen
from cxrgen.cli import main
from cxrgen.errors import InputError

from train.toy_data import TINY_R2GEN, write_toy_dataset  # tests/ is on pytest's path (rootdir conftest)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from cxrgen.train.config import load_config
    from cxrgen.train.experiment import run

    root = write_toy_dataset(tmp_path_factory.mktemp("toy"), n=40)
    out = tmp_path_factory.mktemp("run")
    run(load_config(None, TINY_R2GEN + [f"data.root={root}", f"train.out={out}", "train.epochs=2"]))
    return root, out / "best.pt"


def test_checkpoint_alone_generates(trained):
    root, ckpt = trained
    gen = cxrgen.load(ckpt)
    report = gen.generate([root / "images" / "s35.png"])
    assert report.text and report.tokens and isinstance(report.labels, dict)
    # the same image as bytes and as an RGB array gives the same report
    data = (root / "images" / "s35.png").read_bytes()
    rgb = np.repeat(np.asarray(Image.open(root / "images" / "s35.png"))[..., None], 3, axis=-1)
    assert gen.generate([data]).text == report.text == gen.generate([rgb]).text
    with_att = gen.generate([root / "images" / "s35.png"], return_attention=True)
    assert with_att.attention is not None and with_att.attention.shape[0] == 1


def test_bad_inputs_have_clear_errors(trained, tmp_path):
    root, ckpt = trained
    gen = cxrgen.load(ckpt)
    with pytest.raises(InputError, match="smaller than 64 px"):
        gen.generate([np.zeros((20, 20), dtype=np.uint8)])
    with pytest.raises(InputError, match="channel-first"):
        gen.generate([np.zeros((3, 80, 80), dtype=np.uint8)])
    with pytest.raises(InputError, match="RGBA"):
        gen.generate([np.zeros((80, 80, 4), dtype=np.uint8)])
    with pytest.raises(InputError, match=r"in \[0, 1\]"):
        gen.generate([np.full((80, 80), 2.0)])
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(InputError, match="cannot decode image"):
        gen.generate([bad])
    with pytest.raises(InputError, match="at most 1 view per study"):
        gen.generate([root / "images" / "s1.png"] * 2)
    with pytest.raises(InputError, match="does not exist"):
        cxrgen.load(tmp_path / "missing.pt")
    with pytest.raises(InputError, match="not a readable cxrgen checkpoint"):
        cxrgen.load(root / "manifest.jsonl")


def test_generate_cli(trained, capsys):
    root, ckpt = trained
    assert main(["generate", "--ckpt", str(ckpt), str(root / "images" / "s36.png"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["text"] and "labels" in out and "entities" in out["graph"]
    # the graph in the schema `cxrgen graph` writes (a RadGraph doc), not another one
    from cxrgen.labeling.graph import extract_graph
    from cxrgen.labeling.radgraph_io import graph_to_doc

    assert out["graph"] == graph_to_doc(extract_graph(out["text"], "en"))
    assert out["graph"]["schema"] == "cn-radgraph"
    assert main(["generate", "--ckpt", str(root / "manifest.jsonl"), str(root / "images" / "s36.png")]) == 2
    assert "not a readable cxrgen checkpoint" in capsys.readouterr().err


def test_evaluate_cli_writes_predictions_and_signed_metrics(trained, tmp_path, capsys):
    root, ckpt = trained
    assert main(["evaluate", "--ckpt", str(ckpt), "--split", "test", "--out", str(tmp_path),
                 "--metrics", "BLEU", "ROUGE-L"]) == 0
    assert "clinical micro-F1" in capsys.readouterr().out
    rows = [json.loads(line) for line in (tmp_path / "predictions_test.jsonl").read_text().splitlines()]
    assert len(rows) == 8 and {"study_id", "generated", "reference", "generated_labels"} <= set(rows[0])
    metrics = json.loads((tmp_path / "metrics_test.json").read_text())
    assert metrics["signatures"]["BLEU-4"].startswith("BLEU-4|tok:ptb")
    assert "ref:true-labels" in metrics["signatures"]["CE-F1-micro"]
    assert metrics["seed"] == 9223 and metrics["split"] == "test"
    # clinical errors next to each prediction, as `cxrgen errors` gives them, and their summary
    from cxrgen.labeling.errors import analyze_errors

    for row in rows:
        expected = analyze_errors([row["generated"]], [row["reference"]], "en", ids=[row["study_id"]])[0]
        assert row["errors"] == expected.as_dict()["errors"] and row["matched"] == expected.matched
    assert metrics["signatures"]["GREEN-rules"].startswith("GREEN-rules|tok:graph-en")
    assert metrics["errors"]["n"] == 8 and 0.0 <= metrics["values"]["GREEN-rules"] <= 1.0
