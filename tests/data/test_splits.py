"""Splits: official kept; otherwise seeded, patient-level 7:1:2, never a patient in two splits."""

from __future__ import annotations

import json

import pytest

from cxrgen.data.dataset import Dataset
from cxrgen.data.splits import (SPLIT_FORMAT_VERSION, apply_split, make_split, patient_overlap,
                                patient_split, read_split, write_split)
from cxrgen.data.study import Study
from cxrgen.errors import ConfigError, InputError


def _studies(n_patients=100, per_patient=3):
    return [Study(f"s{p}_{k}", f"p{p}", findings="x") for p in range(n_patients) for k in range(per_patient)]


def test_patient_level_7_1_2():
    studies = _studies()
    assign = patient_split(studies, seed=0)
    for s in studies:
        s.split = assign[s.study_id]
    assert patient_overlap(studies) == {}  # no patient in two splits
    patients = {name: {s.patient_id for s in studies if s.split == name} for name in ("train", "val", "test")}
    assert {k: len(v) for k, v in patients.items()} == {"train": 70, "val": 10, "test": 20}
    assert sum(s.split == "train" for s in studies) == 210


def test_seeded_and_reproducible():
    studies = _studies(50, 1)
    assert patient_split(studies, seed=3) == patient_split(list(reversed(studies)), seed=3)
    assert patient_split(studies, seed=3) != patient_split(studies, seed=4)


def test_overlap_detected():
    a, b = Study("a", "p1", split="train"), Study("b", "p1", split="test")
    assert patient_overlap([a, b]) == {"p1": ["test", "train"]}


@pytest.mark.parametrize("ratios", [(0.7, 0.1), (0.8, 0.1, 0.2), (1.2, -0.1, -0.1)])
def test_bad_ratios(ratios):
    with pytest.raises(ConfigError, match="summing to 1"):
        patient_split(_studies(5, 1), ratios=ratios)


def test_file_roundtrip_and_apply(tmp_path):
    ds = Dataset("toy", _studies(20, 2))
    record = make_split(ds, seed=1)
    assert record["method"] == "patient-level seeded" and record["version"] == SPLIT_FORMAT_VERSION
    assert record["seed"] == 1 and record["ratios"] == [0.7, 0.1, 0.2]
    assert record["counts"]["train"] == {"studies": 28, "patients": 14}
    path = write_split(record, tmp_path / "toy.json")
    fresh = Dataset("toy", _studies(20, 2))
    apply_split(fresh, path)
    assert [s.split for s in fresh.studies] == [record["assignments"][s.study_id] for s in fresh.studies]
    assert fresh.meta["split_file"]["seed"] == 1 and len(fresh.split("val")) == 4


def test_official_split_is_kept():
    studies = _studies(4, 1)
    for s, name in zip(studies, ("train", "train", "val", "test")):
        s.split = name
    record = make_split(Dataset("toy", studies), seed=9)
    assert record["method"] == "official" and record["seed"] is None
    assert record["assignments"] == {"s0_0": "train", "s1_0": "train", "s2_0": "val", "s3_0": "test"}
    assert make_split(Dataset("toy", studies), resplit=True)["method"] == "patient-level seeded"
    studies[0].split = None
    with pytest.raises(InputError, match="3 of 4 studies have a split"):
        make_split(Dataset("toy", studies))


def test_bad_split_files(tmp_path):
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"format": "cxrgen-split", "version": 99, "assignments": {}}))
    with pytest.raises(InputError, match="version 99 is not supported"):
        read_split(p)
    with pytest.raises(InputError, match="split file not found"):
        read_split(tmp_path / "none.json")
    record = make_split(Dataset("toy", _studies(3, 1)))
    with pytest.raises(InputError, match=r"does not cover 1 studies of toy \(first: s9_0\)"):
        apply_split(Dataset("toy", [Study("s9_0", "p9")]), record)


def test_real_iu_xml_split_has_no_patient_in_two_splits(iu_xml, tmp_path):
    path = write_split(make_split(iu_xml, seed=0), tmp_path / "iu.json")
    ds2 = apply_split(iu_xml, path)
    assert patient_overlap(ds2.studies) == {}
    assert [len(ds2.split(k)) for k in ("train", "val", "test")] == [2749, 393, 785]
