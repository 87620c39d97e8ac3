"""The DICOMweb client against the real Orthanc: search, fetch, store, and each failure kind."""

from __future__ import annotations

import time

import pytest

from .conftest import chest_dicom

pytest.importorskip("dicomweb_client")


def test_search_fetch_store_round_trip(orthanc, shared_data):
    from cxrgen.pacs import PacsClient, StudyFilter
    from cxrgen.pacs.pull import pull_study
    from cxrgen.pacs.selection import json_value

    data, ds = chest_dicom(shared_data)
    orthanc.upload(data)
    client = PacsClient(orthanc.config(timeout_s=10))
    found = client.search_studies({**StudyFilter().qido(), "StudyInstanceUID": ds.StudyInstanceUID})
    assert [json_value(s, "StudyInstanceUID") for s in found] == [ds.StudyInstanceUID]
    pulled = pull_study(client, ds.StudyInstanceUID, StudyFilter())
    assert pulled.reason is None and [p.sop_uid for p in pulled.instances] == [ds.SOPInstanceUID]
    assert pulled.instances[0].data[128:132] == b"DICM"


def test_non_chest_study_is_skipped_with_the_reason(orthanc, shared_data):
    from cxrgen.pacs import PacsClient, StudyFilter
    from cxrgen.pacs.pull import pull_study

    data, ds = chest_dicom(shared_data, body_part="KNEE")
    orthanc.upload(data)
    pulled = pull_study(PacsClient(orthanc.config()), ds.StudyInstanceUID, StudyFilter())
    assert pulled.instances == []
    assert pulled.reason == (f"not a chest radiograph: series {ds.SeriesInstanceUID}: body part "
                             f"KNEE is not CHEST")


def test_wrong_credentials_give_one_clear_error(orthanc):
    from cxrgen.pacs import PacsAuthError, PacsClient, PacsConfig

    client = PacsClient(PacsConfig(orthanc.dicomweb, orthanc.user, "not-the-password", retries=3))
    t0 = time.monotonic()
    with pytest.raises(PacsAuthError) as err:
        client.search_studies({"ModalitiesInStudy": "CR"})
    assert time.monotonic() - t0 < 5  # not retried: a wrong password stays wrong
    assert str(err.value) == (
        f"PACS at {orthanc.dicomweb} refused user '{orthanc.user}' (HTTP 401) while searching "
        f"studies (QIDO-RS): check the credentials (CXRGEN_PACS_USER/CXRGEN_PACS_PASSWORD or "
        f"the auth file)")
    assert "not-the-password" not in str(err.value)


def test_pacs_down_is_retried_with_back_off_then_reported(orthanc, relay):
    from cxrgen.pacs import PacsClient, PacsConfig, PacsUnavailable

    relay.mode = "down"
    cfg = PacsConfig(f"http://127.0.0.1:{relay.port}/dicom-web", orthanc.user, orthanc.password,
                     timeout_s=2, retries=3, backoff_s=0.2)
    t0 = time.monotonic()
    with pytest.raises(PacsUnavailable, match="unreachable or too slow while searching studies"):
        PacsClient(cfg).search_studies({})
    # urllib3's back-off before retries 2 and 3: 0.2 * 2 + 0.2 * 4 = 1.2 s (the first is 0)
    assert time.monotonic() - t0 >= 1.2
    relay.mode = "up"
    assert PacsClient(cfg).search_studies({"StudyInstanceUID": "1.2.3"}) == []


def test_slow_pacs_times_out(orthanc, relay):
    from cxrgen.pacs import PacsClient, PacsConfig, PacsUnavailable

    relay.mode = "slow"
    cfg = PacsConfig(f"http://127.0.0.1:{relay.port}/dicom-web", orthanc.user, orthanc.password,
                     timeout_s=0.5, retries=1, backoff_s=0.1)
    t0 = time.monotonic()
    with pytest.raises(PacsUnavailable, match=r"timeout 0.5 s, 1 retries"):
        PacsClient(cfg).search_studies({})
    assert 1.0 <= time.monotonic() - t0 < 10  # two attempts of 0.5 s, not a hang


def test_stow_rejected_by_the_pacs(orthanc, shared_data):
    from cxrgen.pacs import PacsClient, PacsRejected
    from cxrgen.pacs.document import ReportDocument, SourceImage
    from cxrgen.pacs.sr import build_sr

    if orthanc.folder is None:
        pytest.skip("CXRGEN_TEST_ORTHANC_DIR unknown: cannot switch the PACS's SR filter")
    data, ds = chest_dicom(shared_data)
    orthanc.upload(data)
    doc = ReportDocument("No acute findings.", "en", ds.StudyInstanceUID, 1,
                         [SourceImage(ds.SeriesInstanceUID, ds.SOPInstanceUID, ds.SOPClassUID)],
                         {"name": "r2gen"})
    client = PacsClient(orthanc.config())
    flag = orthanc.folder / "reject-stow"
    flag.touch()
    try:
        with pytest.raises(PacsRejected, match="refused"):
            client.store([build_sr(doc, [ds])], study_uid=ds.StudyInstanceUID)
    finally:
        flag.unlink()
    assert client.store([build_sr(doc, [ds])], study_uid=ds.StudyInstanceUID) == \
        [build_sr(doc, [ds]).SOPInstanceUID]
