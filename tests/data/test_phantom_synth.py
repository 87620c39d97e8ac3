"""`cxrgen data synth` and `synthesize`: the dataset layout, determinism, splits, bad arguments."""

import csv
import json

import numpy as np
import pytest
from PIL import Image

from cxrgen.cli import main
from cxrgen.data.phantom import FINDINGS, synthesize
from cxrgen.data.phantom.synth import assign_splits
from cxrgen.data.registry import load_dataset
from cxrgen.data.study import Study, View
from cxrgen.errors import ConfigError

SIZE = 96  # small images keep the suite fast; the layout does not depend on the size
KEYS = {"study_id", "patient_id", "images", "findings", "impression", "indication", "comparison", "language",
        "split", "labels", "meta"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("phantom")
    summary = synthesize(out, studies=20, seed=7, langs=("en", "fr", "zh"), size=SIZE)
    return out, summary


def read_manifest(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_layout_files(dataset):
    out, summary = dataset
    assert sorted(p.name for p in out.iterdir()) == [
        "images", "labels.csv", "manifest_en.jsonl", "manifest_fr.jsonl", "manifest_zh.jsonl", "synth.json"]
    assert len(list((out / "images").iterdir())) == 40
    assert summary["studies"] == 20 and summary["splits"] == {"train": 14, "val": 2, "test": 4}


@pytest.mark.parametrize("lang", ["en", "fr", "zh"])
def test_manifest_lines_follow_the_layout(dataset, lang):
    out, _ = dataset
    rows = read_manifest(out / f"manifest_{lang}.jsonl")
    assert len(rows) == 20
    for row in rows:
        assert set(row) == KEYS
        sid = row["study_id"]
        assert row["images"] == [{"path": f"images/{sid}_frontal.png", "view": "PA"},
                                 {"path": f"images/{sid}_lateral.png", "view": "LATERAL"}]
        for im in row["images"]:
            with Image.open(out / im["path"]) as img:
                assert img.mode == "L" and img.size == (SIZE, SIZE)
        assert row["language"] == lang and row["split"] in ("train", "val", "test")
        assert list(row["labels"]) == list(FINDINGS) and set(row["labels"].values()) <= {0, 1}
        present = {n for n, v in row["labels"].items() if v}
        assert set(row["meta"]["attributes"]) == present
        assert row["findings"] and row["impression"] and row["indication"] and row["comparison"]
        study = Study.from_dict(row)  # the one record type reads it as is
        assert [i.view for i in study.images] == [View.PA, View.LATERAL]


def test_languages_share_images_labels_and_splits(dataset):
    out, _ = dataset
    en, fr, zh = (read_manifest(out / f"manifest_{lang}.jsonl") for lang in ("en", "fr", "zh"))
    for a, b, c in zip(en, fr, zh):
        assert a["study_id"] == b["study_id"] == c["study_id"]
        assert a["labels"] == b["labels"] == c["labels"] and a["split"] == b["split"] == c["split"]
        assert a["images"] == b["images"] == c["images"] and a["findings"] != b["findings"]


def test_labels_csv_and_card_match_the_manifest(dataset):
    out, summary = dataset
    rows = read_manifest(out / "manifest_en.jsonl")
    with open(out / "labels.csv", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert list(table[0]) == ["study_id", "patient_id", "split", *FINDINGS]
    for row, line in zip(rows, table):
        assert line["study_id"] == row["study_id"] and line["split"] == row["split"]
        assert {n: int(line[n]) for n in FINDINGS} == row["labels"]
    card = json.loads((out / "synth.json").read_text(encoding="utf-8"))
    assert card["seed"] == 7 and card["size"] == SIZE and card["langs"] == ["en", "fr", "zh"]
    assert card["positives"] == {n: sum(r["labels"][n] for r in rows) for n in FINDINGS}
    assert card["cxrgen_version"] and card["parameters"]["prevalence"]["Pneumothorax"] == 0.15
    assert summary["positives"] == card["positives"]


def test_no_patient_in_two_splits(dataset):
    out, _ = dataset
    seen = {}
    for row in read_manifest(out / "manifest_en.jsonl"):
        assert seen.setdefault(row["patient_id"], row["split"]) == row["split"]
    splits = assign_splits(1000, seed=3)
    assert [splits.count(s) for s in ("train", "val", "test")] == [700, 100, 200]
    assert splits == assign_splits(1000, seed=3) and splits != assign_splits(1000, seed=4)


def test_the_phantom_loader_reads_it(dataset):
    out, _ = dataset
    ds = load_dataset("phantom", out, lang="fr")
    assert len(ds.studies) == 20 and all(s.language == "fr" for s in ds.studies)
    assert not ds.skipped


def test_same_seed_gives_byte_identical_output_with_any_worker_count(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    synthesize(a, studies=6, seed=3, langs=("en", "zh"), size=64)
    synthesize(b, studies=6, seed=3, langs=("en", "zh"), size=64, workers=2)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    c = tmp_path / "c"
    synthesize(c, studies=6, seed=4, langs=("en", "zh"), size=64)
    assert (c / "manifest_en.jsonl").read_bytes() != (a / "manifest_en.jsonl").read_bytes()


def test_regenerating_replaces_an_earlier_dataset_and_leaves_no_stale_images(tmp_path):
    synthesize(tmp_path, studies=5, seed=0, langs=("en",), size=64)
    synthesize(tmp_path, studies=3, seed=0, langs=("fr",), size=64)
    assert len(list((tmp_path / "images").iterdir())) == 6
    assert sorted(p.name for p in tmp_path.glob("manifest_*")) == ["manifest_fr.jsonl"]


def test_cli_prints_the_summary(tmp_path, capsys):
    assert main(["data", "synth", "--out", str(tmp_path / "d"), "--studies", "10", "--seed", "1",
                 "--langs", "en,fr", "--size", "64", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "10 studies" in out and "train" in out and "Pleural Effusion" in out and "prevalence" in out
    assert (tmp_path / "d" / "manifest_fr.jsonl").is_file()


@pytest.mark.parametrize("args,message", [
    (["--studies", "0"], "--studies must be a positive number"),
    (["--langs", "en,de"], "unknown language(s) 'de' in --langs; valid choices: en, fr, zh"),
    (["--langs", ","], "--langs is empty"),
    (["--size", "16"], "--size 16 is out of range"),
    (["--seed", "-1"], "--seed must be a non-negative integer"),
])
def test_bad_arguments_are_clear_errors(tmp_path, capsys, args, message):
    assert main(["data", "synth", "--out", str(tmp_path / "d"), "--quiet", *args]) == 2
    assert message in capsys.readouterr().err


def test_refuses_a_folder_that_is_not_a_phantom_dataset(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="holds no phantom dataset"):
        synthesize(tmp_path, studies=2, size=64)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_prevalence_override_and_unknown_finding(tmp_path):
    s = synthesize(tmp_path / "p", studies=8, seed=0, langs=("en",), size=64,
                   prevalence={name: 1.0 if name == "Edema" else 0.0 for name in FINDINGS})
    assert s["positives"]["Edema"] == 8 and sum(s["positives"].values()) == 8
    with pytest.raises(ConfigError, match="unknown finding"):
        synthesize(tmp_path / "q", studies=2, size=64, prevalence={"Fracture": 0.5})
    assert np.isclose(s["parameters"]["prevalence"]["Edema"], 1.0)
