"""The generic manifest (JSONL and CSV), the registry and the Dataset record."""

from __future__ import annotations

import json

import pytest

from cxrgen.data.manifest import load_manifest, write_manifest
from cxrgen.data.registry import list_datasets, load_dataset
from cxrgen.data.study import View
from cxrgen.errors import ConfigError, InputError, UnknownNameError

GOOD = [
    {"study_id": "s1", "patient_id": "p1",
     "images": [{"path": "img/s1_pa.png", "view": "PA"}, {"path": "img/s1_lat.png", "view": "LATERAL"}],
     "findings": "Heart size normal.", "impression": "No acute disease.", "indication": "Cough.",
     "comparison": "None.", "language": "en", "split": "train", "labels": {"Cardiomegaly": 0}},
    {"study_id": "s2", "patient_id": "p1", "images": [{"path": "/abs/x.dcm"}],
     "findings": "", "impression": "Épanchement pleural gauche.", "language": "fr"},
    {"study_id": "s3", "patient_id": "p2", "images": [], "findings": "双肺纹理清晰。", "language": "zh",
     "split": "test"},
]


def _jsonl(path, records):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                            for r in records), encoding="utf-8")
    return path


def test_jsonl_fields(tmp_path):
    ds = load_manifest(_jsonl(tmp_path / "manifest.jsonl", GOOD))
    assert [s.study_id for s in ds.studies] == ["s1", "s2", "s3"]
    s1, s2, s3 = ds.studies
    assert s1.images[0].path == str(tmp_path / "img/s1_pa.png") and s1.images[1].view is View.LATERAL
    assert s1.labels == {"Cardiomegaly": 0} and s1.split == "train" and s1.indication == "Cough."
    assert s2.images[0].path == "/abs/x.dcm" and s2.images[0].view is View.UNKNOWN
    assert s2.language == "fr" and s2.split is None and s2.labels is None
    assert s3.findings == "双肺纹理清晰。"
    summary = ds.summary()
    assert summary["studies"] == 3 and summary["images"] == 3 and summary["patients"] == 2
    assert summary["splits"]["train"] == {"studies": 1, "images": 2, "patients": 1}
    assert summary["splits"]["unassigned"]["studies"] == 1
    assert [s.study_id for s in ds.split("test")] == ["s3"]


def test_folder_root_and_registry(tmp_path):
    _jsonl(tmp_path / "manifest.jsonl", GOOD)
    ds = load_dataset("manifest", tmp_path)
    assert len(ds) == 3 and ds.name == "manifest"
    assert {"manifest", "phantom"} <= set(list_datasets())


def test_write_then_read_roundtrip(tmp_path):
    ds = load_manifest(_jsonl(tmp_path / "a.jsonl", GOOD))
    out = write_manifest(ds.studies, tmp_path / "b.jsonl")
    again = load_manifest(out)
    assert [s.to_dict() for s in again.studies] == [s.to_dict() for s in ds.studies]
    assert json.loads(out.read_text().splitlines()[0])["images"][0]["path"] == "img/s1_pa.png"


CSV_TEXT = (
    "study_id,patient_id,image_paths,views,findings,impression,indication,comparison,language,split,"
    "label:Cardiomegaly,label:Pneumothorax\n"
    "s1,p1,a.png|b.png,PA|LATERAL,Normal heart.,No acute disease.,,,en,train,0,\n"
    's2,p2,c.png,AP,"Large effusion, left.",,,,en,val,-1,1\n'
)


def test_csv(tmp_path):
    p = tmp_path / "manifest.csv"
    p.write_text(CSV_TEXT, encoding="utf-8")
    ds = load_dataset("manifest", p)
    s1, s2 = ds.studies
    assert [i.view for i in s1.images] == [View.PA, View.LATERAL] and s1.images[1].path == str(tmp_path / "b.png")
    assert s1.labels == {"Cardiomegaly": 0} and s2.labels == {"Cardiomegaly": -1, "Pneumothorax": 1}
    assert s2.findings == "Large effusion, left." and s2.split == "val"


@pytest.mark.parametrize(
    "bad, match",
    [
        ({**GOOD[0], "colour": "red"}, r":2: unknown key\(s\) colour"),
        ({k: v for k, v in GOOD[0].items() if k != "patient_id"}, r":2: missing required field\(s\) patient_id"),
        ({**GOOD[0], "findings": "", "impression": "  "}, r":2: study s1: empty report"),
        ({**GOOD[0], "language": "de"}, r":2: study s1: unknown language 'de'"),
        ({**GOOD[0], "split": "dev"}, r":2: study s1: unknown split 'dev'"),
        ({**GOOD[0], "images": [{"path": "a.png", "view": "OBLIQUE"}]}, r":2: images\[0\] has view 'OBLIQUE'"),
        ({**GOOD[0], "labels": {"Edema": 2}}, r":2: study s1: label 'Edema' has value 2"),
        ("{not json", r":2: not valid JSON"),
        (GOOD[0], r":2: duplicate study_id 's1' \(first at .*:1\)"),
    ],
)
def test_malformed_line_named(tmp_path, bad, match):
    p = _jsonl(tmp_path / "m.jsonl", [GOOD[0], bad])
    with pytest.raises(InputError, match=match):
        load_manifest(p)
    ds = load_manifest(p, skip_invalid=True)  # skipping keeps the good row and counts the bad one
    assert len(ds) == 1 and len(ds.skipped) == 1 and ds.skipped[0].where.endswith("m.jsonl:2")
    assert ds.summary()["skipped"] == 1


def test_csv_bad_header_and_row(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("study_id,patient_id,image_paths,language,colour\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"m\.csv:1: bad header \(unknown column\(s\) colour"):
        load_manifest(p)
    p.write_text(CSV_TEXT.replace("c.png,AP", "c.png,AP|PA"), encoding="utf-8")
    with pytest.raises(InputError, match=r"m\.csv:3: 1 image_paths but 2 views"):
        load_manifest(p)


def test_unknown_dataset_lists_choices(tmp_path):
    with pytest.raises(UnknownNameError, match=r"unknown dataset 'iu-xray'; valid choices: .*manifest"):
        load_dataset("iu-xray", tmp_path)


def test_unknown_option_and_missing_root(tmp_path):
    _jsonl(tmp_path / "manifest.jsonl", GOOD)
    with pytest.raises(ConfigError, match=r"no option 'langage'; valid options: .*skip_invalid"):
        load_dataset("manifest", tmp_path, langage="en")
    with pytest.raises(InputError, match="dataset root not found"):
        load_dataset("manifest", tmp_path / "nowhere")


def test_split_errors(tmp_path):
    ds = load_manifest(_jsonl(tmp_path / "m.jsonl", [GOOD[1]]))
    with pytest.raises(InputError, match="no split assigned"):
        ds.split("train")
    with pytest.raises(ConfigError, match="valid: train, val, test"):
        ds.split("dev")


def test_phantom_loader(tmp_path):
    _jsonl(tmp_path / "manifest_zh.jsonl", [GOOD[2]])
    ds = load_dataset("phantom", tmp_path, lang="zh")
    assert ds.name == "phantom" and ds.studies[0].language == "zh" and ds.meta["lang"] == "zh"
    with pytest.raises(InputError, match=r"found: manifest_zh.jsonl.*cxrgen data synth"):
        load_dataset("phantom", tmp_path, lang="fr")


def test_manifest_images_load_lazily(tmp_path):
    """Loading reads no image: a manifest whose images do not exist yet loads fine."""
    ds = load_manifest(_jsonl(tmp_path / "m.jsonl", GOOD[:1]))
    assert not (tmp_path / "img").exists() and len(ds) == 1 and len(ds.studies[0].images) == 2
