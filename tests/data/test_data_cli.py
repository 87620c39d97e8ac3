"""`cxrgen data check | stats | split` called in-process through main(argv)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from cxrgen.cli import main
from cxrgen.data.registry import list_datasets

from .dicom_fixtures import write_dicom


@pytest.fixture
def manifest_dir(tmp_path):
    (tmp_path / "img").mkdir()
    Image.fromarray(np.full((8, 8), 50, np.uint8)).save(tmp_path / "img/ok.png")
    (tmp_path / "img/broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    (tmp_path / "img/broken.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\xff" * 40)
    write_dicom(tmp_path / "img/ok.dcm", np.arange(16, dtype=np.uint16).reshape(4, 4), photometric="MONOCHROME1")
    recs = [
        {"study_id": "good", "patient_id": "p1", "images": [{"path": "img/ok.png", "view": "PA"},
                                                           {"path": "img/ok.dcm", "view": "LATERAL"}],
         "findings": "No pleural effusion.", "language": "en", "split": "train"},
        {"study_id": "missing", "patient_id": "p2", "images": [{"path": "img/gone.png"}],
         "findings": "Heart normal.", "language": "en", "split": "val"},
        {"study_id": "corrupt", "patient_id": "p3", "images": [{"path": "img/broken.png"}, {"path": "img/broken.dcm"}],
         "findings": "Small nodule.", "language": "en", "split": "test"},
    ]
    (tmp_path / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    return tmp_path


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydicom warns while reading the corrupt DICOM
def test_check_lists_bad_images(manifest_dir, capsys):
    assert main(["data", "check", "manifest", "--root", str(manifest_dir)]) == 1
    out = capsys.readouterr().out
    assert "checked 5 images of 3 studies; 3 bad" in out
    assert "BAD  missing" in out and "gone.png  image file not found" in out
    assert "broken.png  cannot decode image" in out and "BAD  corrupt" in out and "broken.dcm" in out


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_check_skip_invalid_reports_count(manifest_dir, capsys):
    assert main(["data", "check", "manifest", "--root", str(manifest_dir), "--skip-invalid", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["bad_images"] == 3 and report["studies_skipped"] == 2 and report["images"] == 5


def test_stats(manifest_dir, capsys):
    assert main(["data", "stats", "manifest", "--root", str(manifest_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tokenizer"] == "ptb" and out["splits"]["train"]["images"] == 2
    assert out["splits"]["all"]["tokens_mean"] == pytest.approx((3 + 2 + 2) / 3)
    row = next(k for k in out["keywords"] if k["keyword"] == "effusion")
    assert row["train"] == 1 and row["all"] == 1


def test_split_and_reuse(manifest_dir, tmp_path, capsys):
    out = tmp_path / "split.json"
    assert main(["data", "split", "manifest", "--root", str(manifest_dir), "--out", str(out)]) == 0
    assert "official split" in capsys.readouterr().out
    assert json.loads(out.read_text())["assignments"] == {"corrupt": "test", "good": "train", "missing": "val"}
    assert main(["data", "split", "manifest", "--root", str(manifest_dir), "--resplit", "--seed", "2",
                 "--out", str(out)]) == 0
    assert json.loads(out.read_text())["seed"] == 2
    assert main(["data", "stats", "manifest", "--root", str(manifest_dir), "--split-file", str(out)]) == 0


def test_errors_exit_2(manifest_dir, capsys):
    assert main(["data", "stats", "manifest", "--root", str(manifest_dir / "nowhere")]) == 2
    assert "dataset root not found" in capsys.readouterr().err
    assert main(["data", "stats", "manifest", "--root", str(manifest_dir), "-o", "colour=red"]) == 2
    assert "valid options" in capsys.readouterr().err
    (manifest_dir / "manifest.jsonl").write_text('{"study_id": "x"}\n')
    assert main(["data", "check", "manifest", "--root", str(manifest_dir)]) == 2
    assert "manifest.jsonl:1: missing required field(s)" in capsys.readouterr().err


def test_unknown_dataset_lists_choices(capsys):
    with pytest.raises(SystemExit):
        main(["data", "stats", "nope", "--root", "."])
    err = capsys.readouterr().err
    assert all(name in err for name in list_datasets())


def test_real_chestxray14_images_decode(shared_data, capsys):
    argv = ["data", "check", "chestxray14", "--root", str(shared_data / "nih_cxr14"),
            "-o", "image_dir=images_256", "-o", "only_with_images=true"]
    assert main(argv) == 0
    assert "checked 621 images of 621 studies; 0 bad" in capsys.readouterr().out
