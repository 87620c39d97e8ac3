"""`cxrgen pacs pull` against the real Orthanc, in-process (``main(argv)``)."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from .conftest import chest_dicom

pytest.importorskip("dicomweb_client")


def test_pull_by_query_queues_chest_skips_knee_and_is_idempotent(orthanc, shared_data, tmp_path,
                                                                 monkeypatch, capsys):
    from cxrgen.cli import main

    patient = f"CLI-{uuid.uuid4().hex[:8]}"
    chest, chest_ds = chest_dicom(shared_data, PatientID=patient)
    knee, knee_ds = chest_dicom(shared_data, body_part="KNEE", PatientID=patient)
    orthanc.upload(chest)
    orthanc.upload(knee)
    monkeypatch.setenv("CXRGEN_PACS_USER", orthanc.user)
    monkeypatch.setenv("CXRGEN_PACS_PASSWORD", orthanc.password)
    argv = ["pacs", "pull", "--url", orthanc.dicomweb, "--query", f"PatientID={patient}",
            "--data-dir", str(tmp_path), "--deidentify-dicom"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"{chest_ds.StudyInstanceUID}: study 1, job 1 queued" in out
    assert f"{knee_ds.StudyInstanceUID}: skipped: not a chest radiograph" in out
    assert "2 studies: 1 queued, 1 skipped, 0 already there" in out
    assert main(argv) == 0
    assert "2 studies: 0 queued, 0 skipped, 2 already there" in capsys.readouterr().out
    with sqlite3.connect(tmp_path / "cxrgen-serve.db") as con:
        assert con.execute("SELECT count(*), min(status) FROM jobs").fetchone() == (1, "queued")
        (phi,), = con.execute("SELECT phi FROM images").fetchall()
    assert json.loads(phi) is None  # de-identified: no identifiers kept (JSON null)


def test_pull_with_wrong_credentials_is_one_line(orthanc, tmp_path, capsys):
    from cxrgen.cli import main

    auth = tmp_path / "pacs.auth"
    auth.write_text(f"{orthanc.user}:not-it\n")
    rc = main(["pacs", "pull", "--url", orthanc.dicomweb, "--auth-file", str(auth), "--query",
               "PatientID=nobody", "--data-dir", str(tmp_path / "serve")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert err.startswith(f"cxrgen pacs: error: PACS at {orthanc.dicomweb} refused user")
    assert "not-it" not in err
