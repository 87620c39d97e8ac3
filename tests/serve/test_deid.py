"""De-identification to the DICOM PS3.15 Basic Profile, PNG text chunks and JPEG EXIF/comments
stripped (issue 13): with ``deidentify_dicom`` on, the stored files and the database hold none of
the identifiers planted in the uploads. Its own module: a fresh database per backend."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from .conftest import FAST_HASH, USERS, start_service
from .test_phi_logs import ACCESSION, MRN, _exercise, planted_files


@pytest.fixture
def deid_service(db_url, drafter, tmp_path):
    from cxrgen.serve.settings import Settings

    svc = start_service(Settings(db_url=db_url, data_dir=tmp_path / "serve", bootstrap_users=USERS,
                                 deidentify_dicom=True, **FAST_HASH), drafter)
    yield svc
    svc.client.__exit__(None, None, None)
    svc.app.state.engine.dispose()


def test_deidentified_files_and_database_hold_no_planted_identifier(deid_service):
    svc = deid_service
    sid = _exercise(svc, planted_files())
    body = svc.client.get(f"/api/studies/{sid}", headers=svc.h("rad")).json()
    assert all(im["phi"] == {} for im in body["images"])
    store = svc.app.state.settings.storage_dir
    blobs = [p.read_bytes() for p in store.rglob("*") if p.is_file()]
    assert len(blobs) >= 6  # 3 originals, 3 display copies (and heatmaps)
    for secret in ("Doe", "Jane", MRN, ACCESSION, "19600101", "Elsewhere"):
        assert not [b for b in blobs if secret.encode() in b], secret
    # the stored originals still decode, and say they were de-identified
    import pydicom

    dcm = [b for b in blobs if b[128:132] == b"DICM"]
    ds = pydicom.dcmread(io.BytesIO(dcm[0]))
    assert ds.PatientIdentityRemoved == "YES" and ds.pixel_array.shape == (64, 64)
    assert ds.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    # the database: every row of every table, except what people typed themselves: the report
    # text and its audit diffs, and staff user names (_exercise plants identifiers there too,
    # to check the log)
    from cxrgen.serve.db.models import Base

    dump = []
    with svc.app.state.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in ("report_versions", "audit_events", "users"):
                continue
            dump += [str(tuple(row)) for row in conn.execute(select(table))]
    for secret in ("Doe^Jane", MRN, ACCESSION, "19600101", "Elsewhere"):
        assert not [row for row in dump if secret in row], secret
