"""Loaders on the real files in ../shared/data (skipped when that folder is absent)."""

from __future__ import annotations

import pytest

from cxrgen.data.registry import load_dataset
from cxrgen.data.study import View
from cxrgen.errors import InputError


def test_iu_xray_r2gen(shared_data):
    ds = load_dataset("iu_xray", shared_data / "iu_xray")
    assert ds.meta["format"] == "r2gen" and len(ds) == 2955 and not ds.skipped
    assert {k: len(ds.split(k)) for k in ("train", "val", "test")} == {"train": 2069, "val": 296, "test": 590}
    s = next(s for s in ds.studies if s.study_id == "CXR2384_IM-0942")
    assert s.patient_id == "CXR2384" and s.split == "train" and s.language == "en"
    assert s.findings.startswith("The heart size and pulmonary vascularity appear within normal limits.")
    assert [i.path for i in s.images] == [str(shared_data / "iu_xray/images/CXR2384_IM-0942" / n)
                                          for n in ("0.png", "1.png")]


def test_iu_xray_xml(shared_data, iu_xml):
    with pytest.raises(InputError, match=r"ecgen-radiology/\d+\.xml: study CXR\d+: empty report"):
        load_dataset("iu_xray", shared_data / "iu_xray", format="xml")  # stops at the first empty one
    ds = iu_xml
    # 3,955 reports = 3,927 with findings or impression + 28 with neither, each counted
    assert len(ds) == 3927 and len(ds.skipped) == 28 and len(ds) + len(ds.skipped) == 3955
    assert ds.summary()["skipped_by_reason"] == {"empty report": 28}
    s = next(s for s in ds.studies if s.study_id == "CXR1")
    assert s.indication == "Positive TB test" and s.comparison == "None."
    assert s.impression == "Normal chest x-XXXX." and s.meta["mesh_major"] == ["normal"]
    assert [i.image_id for i in s.images] == ["CXR1_1_IM-0001-3001", "CXR1_1_IM-0001-4001"]
    assert s.images[0].path == str(shared_data / "iu_xray/NLMCXR_png/CXR1_1_IM-0001-3001.png")
    views = [i.view for st in ds.studies for i in st.images]
    # views come from the DICOM header table: PA, AP, lateral (LL/RL/LATERAL) and blank -> UNKNOWN
    assert {View.PA, View.AP, View.LATERAL, View.UNKNOWN} == set(views)
    assert sum(v is View.PA for v in views) > 3000 and sum(not st.images for st in ds.studies) > 0


def test_casia_cxr_fr(shared_data):
    ds = load_dataset("casia_cxr_fr", shared_data / "casia_cxr_fr")
    assert len(ds) == 3848 and all(s.language == "fr" for s in ds.studies)
    counts = {}
    for s in ds.studies:
        (label,) = s.labels
        counts[label] = counts.get(label, 0) + 1
    assert counts == {"Cardiomegaly": 1317, "Mass": 477, "Pleural Effusion": 695, "Pneumonia": 681,
                      "Pneumothorax": 678}
    assert ds.summary()["skipped_by_reason"] == {"blank filler row": 3698, "vocabulary footer row": 15}
    s = next(s for s in ds.studies if s.study_id == "CASIA-CXR_Mass_ImgID_0001")
    assert "/" not in s.findings and s.findings.startswith("Opacité ovalaire, de faible densité")
    assert "Absence d’épanchement pleural. Absence d’anomalie du gril costal." in s.findings
    assert s.comparison == ""  # the "None" placeholder
    assert s.indication == "Douleurs thoraciques + toux."
    assert not s.images and ds.meta["without_image"] == 3848
    # a "/" between digits is a fraction, not a sentence break
    assert any("2/3" in s.findings for s in ds.studies)


def test_chestxray14_labels(shared_data):
    ds = load_dataset("chestxray14", shared_data / "nih_cxr14", image_dir="images_256", only_with_images=True)
    assert len(ds) == 621 and ds.meta["without_image"] == 112120 - 621
    s = next(s for s in ds.studies if s.study_id == "00000075_000")
    assert s.images[0].path == str(shared_data / "nih_cxr14/images_256/00000075_000.png")
    assert len(s.labels) == 14 and all(v in (0, 1) for v in s.labels.values())
    assert all(s.findings == "" for s in ds.studies)  # labels only
    assert all(len(s.images) == 1 and s.images[0].view in (View.PA, View.AP) for s in ds.studies)


def test_chestxray14_all_rows(shared_data):
    ds = load_dataset("chestxray14", shared_data / "nih_cxr14")
    assert len(ds) == 112120 and len({s.patient_id for s in ds.studies}) == 30805
    first = ds.studies[0]
    assert first.study_id == "00000001_000" and first.labels["Cardiomegaly"] == 1 and sum(first.labels.values()) == 1
    no_finding = sum(1 for s in ds.studies if not any(s.labels.values()))
    assert no_finding == 60361  # NIH README: 60,361 "No Finding" images
