"""Content store, upload sniffing, the PHI split and de-identification of stored DICOM, and the
migrations (the schema Alembic builds is the schema the models declare)."""

from __future__ import annotations

import io
import warnings

import pydicom
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from cxrgen.errors import InputError
from cxrgen.serve.db import pacs as _pacs_tables  # noqa: F401 (in Base.metadata)
from cxrgen.serve.db.models import Base
from cxrgen.serve.db.session import make_engine
from cxrgen.serve.dicom_safety import PHI_KEYWORDS, Limits, decode_upload, sniff
from cxrgen.serve.migrations import alembic_config, current_revision, upgrade
from cxrgen.serve.storage import ContentStore

from .fixtures import FAKE_PHI, dicom_bytes, jpeg_bytes, png_bytes


def test_store_is_content_addressed_and_refuses_bad_hashes(tmp_path):
    store = ContentStore(tmp_path)
    sha = store.put(b"abc")
    # SHA-256("abc"), FIPS 180-2 appendix B.1
    assert sha == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert store.put(b"abc") == sha and store.get(sha) == b"abc" and sha in store
    assert store.path(sha).relative_to(tmp_path).parts[:2] == ("ba", "78")
    assert not list(tmp_path.rglob(".tmp-*"))
    for bad in ("../../etc/passwd", "BA" * 32, "ab"):
        with pytest.raises(InputError, match="invalid content hash"):
            store.path(bad)
    with pytest.raises(InputError, match="missing"):
        store.get("0" * 64)


@pytest.mark.parametrize("data, kind", [
    (png_bytes(), "png"), (jpeg_bytes(), "jpeg"), (dicom_bytes(), "dicom"),
    (b"GIF89a...", None), (b"", None), (bytes(128) + b"DICX", None),
])
def test_sniff_by_magic_bytes(data, kind):
    assert sniff(data) == kind


def test_phi_split_and_deidentification():
    raw = dicom_bytes(seed=1)
    limits = Limits(max_pixels=10**6, max_decoded_bytes=2**24, max_display_side=2048)
    kept = decode_upload(raw, "Dupont.dcm", label="file 1", limits=limits, deidentify=False)
    assert kept.kind == "dicom" and kept.stored_bytes == raw
    assert {k: kept.phi[k] for k in FAKE_PHI} == FAKE_PHI and kept.phi["filename"] == "Dupont.dcm"
    assert kept.meta["Modality"] == "CR" and not set(kept.meta) & set(PHI_KEYWORDS)
    clean = decode_upload(raw, "Dupont.dcm", label="file 1", limits=limits, deidentify=True)
    assert clean.phi == {}
    ds = pydicom.dcmread(io.BytesIO(clean.stored_bytes))
    # PS3.15 Basic Profile: removed ("X") or kept empty where the IOD requires them ("Z")
    assert not [k for k in PHI_KEYWORDS if k in ds and str(ds.data_element(k).value or "")]
    assert ds.PatientIdentityRemoved == "YES"
    original = pydicom.dcmread(io.BytesIO(raw))
    assert ds.StudyInstanceUID != original.StudyInstanceUID  # linking UIDs replaced
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert (ds.pixel_array == original.pixel_array).all()  # the image itself is untouched
    for value in FAKE_PHI.values():
        assert value.encode("utf-8") not in clean.stored_bytes


def test_deidentify_setting_keeps_no_phi_in_api(tmp_path, drafter):
    from cxrgen.serve.settings import Settings

    from .conftest import FAST_HASH, USERS, start_service

    svc = start_service(Settings(data_dir=tmp_path, bootstrap_users=USERS, deidentify_dicom=True,
                                 **FAST_HASH), drafter)
    try:
        sid = svc.drafted_study([("Dupont.dcm", dicom_bytes(seed=2))])
        body = svc.client.get(f"/api/studies/{sid}", headers=svc.h("rad"))
        assert body.json()["images"][0]["phi"] == {}
        assert all(v not in body.text for v in FAKE_PHI.values())
        stored = list((tmp_path / "store").rglob("*"))
        blobs = b"".join(p.read_bytes() for p in stored if p.is_file())
        assert all(v.encode() not in blobs for v in FAKE_PHI.values())
    finally:
        svc.client.__exit__(None, None, None)
        svc.app.state.engine.dispose()


def test_migrations_build_the_declared_schema(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        upgrade(engine)  # idempotent: a restart does not migrate twice
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
        assert current_revision(engine) == head
        with engine.connect() as conn, warnings.catch_warnings():
            # SQLite cannot reflect the expression index on lower(username), so Alembic skips it
            # there (PostgreSQL compares it)
            if engine.dialect.name == "sqlite":
                warnings.filterwarnings("ignore", message=".*ux_users_username_lower")
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()
