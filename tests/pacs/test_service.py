"""The review service's PACS link against the real Orthanc: pull, draft, edit, sign, SR back.

One service per test (SQLite; the PACS link is the subject here, the database backends are
covered by tests/serve), the tiny drafter of tests/serve, polling driven by ``POST
/api/pacs/poll`` so that each step is observed, pushes by the link's own thread.
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3

import pytest

from .conftest import PLANTED, chest_dicom, wait_for

pytest.importorskip("dicomweb_client")
pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def drafter():
    from serve.drafting import make_drafter

    return make_drafter()


@pytest.fixture
def make_service(tmp_path, drafter):
    from serve.conftest import FAST_HASH, USERS, start_service

    from cxrgen.pacs import StudyFilter
    from cxrgen.serve.pacs_worker import PacsSettings
    from cxrgen.serve.settings import Settings

    started = []

    def make(config, *, match=None, deidentify=True, service=None, **pacs_options):
        settings = Settings(data_dir=tmp_path / f"serve{len(started)}", bootstrap_users=USERS,
                            deidentify_dicom=deidentify, queue_size=8, **FAST_HASH,
                            **(service or {}),
                            pacs=PacsSettings(config, filter=StudyFilter(match=match or {}),
                                              **{"poll": False, "backoff_s": 0.2,
                                                 "max_backoff_s": 1.0, **pacs_options}))
        svc = start_service(settings, drafter)
        started.append(svc)
        return svc

    yield make
    for svc in started:
        svc.client.__exit__(None, None, None)
        svc.app.state.engine.dispose()


def _poll(svc) -> dict:
    r = svc.client.post("/api/pacs/poll", headers=svc.h("rad"))
    assert r.status_code == 200, r.text
    return r.json()


def _one_study(svc) -> dict:
    rows = svc.client.get("/api/pacs/studies", headers=svc.h("rad")).json()
    assert len(rows) == 1, rows
    return rows[0]


def _pulled_and_drafted(svc) -> int:
    """Poll, and wait for the draft of the one study pulled; its id."""
    _poll(svc)
    study_id = _one_study(svc)["study_id"]
    job = svc.client.get(f"/api/studies/{study_id}", headers=svc.h("rad")).json()["job"]
    assert svc.wait_job(job["id"])["status"] == "done"
    return study_id


def _read_back_sr(orthanc, study_uid: str, sop_uid: str):
    import highdicom as hd
    from pydicom import dcmwrite

    from cxrgen.pacs import PacsClient

    client = PacsClient(orthanc.config())
    found = client._dw.search_for_instances(study_instance_uid=study_uid,
                                            search_filters={"Modality": "SR"})
    assert [i["00080018"]["Value"][0] for i in found] == [sop_uid]
    series = found[0]["0020000E"]["Value"][0]
    ds = client._dw.retrieve_instance(study_uid, series, sop_uid)
    buf = io.BytesIO()
    dcmwrite(buf, ds)
    return hd.sr.srread(io.BytesIO(buf.getvalue()))  # highdicom parses and checks it


def test_round_trip_pull_draft_edit_sign_sr_back(orthanc, shared_data, make_service,
                                                 fhir_endpoint, caplog):
    from cxrgen.pacs.fhir import validate
    from cxrgen.pacs.sr import report_text

    caplog.set_level(logging.DEBUG)  # every logger, HTTP clients included

    data, ds = chest_dicom(shared_data)
    orthanc.upload(data)
    svc = make_service(orthanc.config(), match={"StudyInstanceUID": ds.StudyInstanceUID},
                       fhir_url=fhir_endpoint.url)
    assert _poll(svc)["last_poll"] == {"found": 1, "queued": 1, "skipped": 0, "exists": 0,
                                       "waiting": 0}
    # idempotent by Study Instance UID: a second poll creates no second study
    assert _poll(svc)["last_poll"]["exists"] == 1
    row = _one_study(svc)
    assert row["status"] == "queued" and row["study_uid"] == ds.StudyInstanceUID
    study_id = row["study_id"]
    job = svc.client.get(f"/api/studies/{study_id}", headers=svc.h("rad")).json()["job"]
    assert svc.wait_job(job["id"])["status"] == "done"
    draft_fhir = validate(svc.client.get(f"/api/studies/{study_id}/fhir",
                                         headers=svc.h("rad")).json())
    assert draft_fhir.status == "preliminary"

    # a radiologist edits and signs through the API
    report = svc.client.get(f"/api/studies/{study_id}/report", headers=svc.h("rad")).json()
    signed_text = "Small left pleural effusion.\nNo pneumothorax."
    r = svc.client.put(f"/api/studies/{study_id}/report", headers=svc.h("rad"),
                       json={"text": signed_text, "base_version": report["version"]})
    assert r.status_code == 200, r.text
    r = svc.client.post(f"/api/studies/{study_id}/signoff", headers=svc.h("rad"),
                        json={"version": r.json()["version"]})
    assert r.status_code == 200, r.text

    pushed = wait_for(lambda: (lambda p: p if p["push"]["status"] == "pushed" else None)(
        svc.client.get(f"/api/studies/{study_id}/pacs", headers=svc.h("rad")).json()),
        what="SR push")
    assert pushed["push"]["verified"] is True
    sr = _read_back_sr(orthanc, ds.StudyInstanceUID, pushed["sr_uid"])
    assert report_text(sr) == signed_text
    assert (sr.VerificationFlag, sr.CompletionFlag, sr.PreliminaryFlag) == \
        ("VERIFIED", "COMPLETE", "FINAL")
    assert sr.VerifyingObserverSequence[0].VerifyingObserverName.family_name == "rad"
    assert sr.StudyInstanceUID == ds.StudyInstanceUID and str(sr.PatientID) == PLANTED["PatientID"]

    # FHIR: the same text and status, validated, and POSTed to the configured endpoint
    fhir = validate(svc.client.get(f"/api/studies/{study_id}/fhir", headers=svc.h("rad")).json())
    assert (fhir.status, fhir.conclusion) == ("final", signed_text)
    assert fhir.resultsInterpreter[0].display == "rad"
    wait_for(lambda: svc.client.get(f"/api/studies/{study_id}/pacs", headers=svc.h("rad"))
             .json()["fhir"]["status"] == "sent", what="FHIR POST recorded")
    assert validate(fhir_endpoint.received[0]).conclusion == signed_text

    # de-identification on: the planted identifiers are nowhere in what cxrgen stored
    data_dir = svc.app.state.settings.data_dir
    stored = b"".join(p.read_bytes() for p in (data_dir / "store").rglob("*") if p.is_file())
    with sqlite3.connect(data_dir / "cxrgen-serve.db") as con:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        dump = json.dumps([con.execute(f"SELECT * FROM {t}").fetchall() for t in tables],
                          default=str)
    for value in PLANTED.values():
        assert value.encode() not in stored, value
        assert value not in dump, value
    assert "phi" not in svc.client.get(f"/api/studies/{study_id}", headers=svc.h("rev")).json()
    assert orthanc.password not in caplog.text  # credentials never logged
    assert all(value not in caplog.text for value in PLANTED.values())


def test_identifiers_kept_for_phi_roles_without_deidentification(orthanc, shared_data,
                                                                 make_service):
    data, ds = chest_dicom(shared_data)
    orthanc.upload(data)
    svc = make_service(orthanc.config(), match={"StudyInstanceUID": ds.StudyInstanceUID},
                       deidentify=False)
    _poll(svc)
    study = svc.client.get(f"/api/studies/{_one_study(svc)['study_id']}",
                           headers=svc.h("rad")).json()
    assert study["images"][0]["phi"]["PatientID"] == PLANTED["PatientID"]


def test_non_chest_study_skipped_with_reason(orthanc, shared_data, make_service):
    data, ds = chest_dicom(shared_data, body_part="KNEE")
    orthanc.upload(data)
    svc = make_service(orthanc.config(), match={"StudyInstanceUID": ds.StudyInstanceUID})
    assert _poll(svc)["last_poll"]["skipped"] == 1
    row = _one_study(svc)
    assert (row["status"], row["study_id"]) == ("skipped", None)
    assert row["reason"].endswith("body part KNEE is not CHEST")
    assert svc.client.get("/api/studies", headers=svc.h("rad")).json()["total"] == 0
    assert _poll(svc)["last_poll"]["exists"] == 1  # not fetched again


def test_pacs_down_then_back_nothing_lost(orthanc, shared_data, make_service, relay):
    from cxrgen.pacs import PacsConfig

    data, ds = chest_dicom(shared_data)
    orthanc.upload(data)
    relay.mode = "down"
    config = PacsConfig(f"http://127.0.0.1:{relay.port}/dicom-web", orthanc.user,
                        orthanc.password, timeout_s=1, retries=1, backoff_s=0.05)
    svc = make_service(config, match={"StudyInstanceUID": ds.StudyInstanceUID})
    state = _poll(svc)
    assert state["state"] == "waiting" and state["consecutive_failures"] == 1
    assert "unreachable or too slow" in state["last_error"] and state["next_poll_at"]
    status = svc.client.get("/api/pacs/status", headers=svc.h("rev")).json()
    assert status["state"] == "waiting" and orthanc.password not in json.dumps(status)
    relay.mode = "up"
    state = _poll(svc)
    assert state["state"] == "idle" and state["last_poll"]["queued"] == 1


def test_stow_rejected_reported_on_study_then_retried(orthanc, shared_data, make_service):
    if orthanc.folder is None:
        pytest.skip("CXRGEN_TEST_ORTHANC_DIR unknown: cannot switch the PACS's SR filter")
    data, ds = chest_dicom(shared_data)
    orthanc.upload(data)
    svc = make_service(orthanc.config(), match={"StudyInstanceUID": ds.StudyInstanceUID},
                       push_on_signoff=False)
    study_id = _pulled_and_drafted(svc)
    flag = orthanc.folder / "reject-stow"
    flag.touch()
    try:  # the machine draft, pushed on demand, is refused by the PACS
        r = svc.client.post(f"/api/studies/{study_id}/pacs/push", headers=svc.h("rad"))
    finally:
        flag.unlink()
    assert r.status_code == 502 and "did not keep" in r.json()["detail"]["message"]
    shown = svc.client.get(f"/api/studies/{study_id}/pacs", headers=svc.h("rad")).json()
    assert shown["push"]["status"] == "failed" and "did not keep" in shown["push"]["error"]
    audit = svc.client.get(f"/api/studies/{study_id}/audit", headers=svc.h("rad")).json()
    assert "pacs_push_failed" in [e["action"] for e in audit]
    r = svc.client.post(f"/api/studies/{study_id}/pacs/push", headers=svc.h("rad"))
    assert r.status_code == 200, r.text
    assert (r.json()["push"]["status"], r.json()["push"]["verified"]) == ("pushed", False)
    sr = _read_back_sr(orthanc, ds.StudyInstanceUID, r.json()["sr_uid"])
    assert sr.VerificationFlag == "UNVERIFIED"


def test_wrong_credentials_one_clear_error(orthanc, make_service, caplog):
    from cxrgen.pacs import PacsConfig

    caplog.set_level(logging.DEBUG)

    svc = make_service(PacsConfig(orthanc.dicomweb, orthanc.user, "wrong-password-123"))
    state = _poll(svc)
    assert state["state"] == "error"
    assert state["last_error"].startswith(f"PACS at {orthanc.dicomweb} refused user")
    assert "wrong-password-123" not in json.dumps(state)
    assert "wrong-password-123" not in caplog.text


def test_pulled_study_meets_the_upload_limits(orthanc, shared_data, make_service):
    """The pull path applies the upload's limits: the 1024 x 1024 radiograph is refused by a
    service that accepts at most 500,000 pixels, with the upload's own message."""
    data, ds = chest_dicom(shared_data)
    orthanc.upload(data)
    svc = make_service(orthanc.config(), match={"StudyInstanceUID": ds.StudyInstanceUID},
                       service={"max_pixels": 500_000})
    assert _poll(svc)["last_poll"]["skipped"] == 1
    assert _one_study(svc)["reason"] == ("image 1 of the PACS study: image of 1024 x 1024 pixels "
                                         "exceeds the limit of 500000 pixels; downsample it "
                                         "before upload")


def test_push_waits_while_pacs_down_then_goes_through(orthanc, shared_data, make_service, relay):
    """Sign-off while the PACS is unreachable: the push waits (visible, with its next attempt)
    and the link's thread stores the SR once the PACS is back; nothing is lost."""
    from cxrgen.pacs import PacsConfig

    data, ds = chest_dicom(shared_data)
    orthanc.upload(data)
    config = PacsConfig(f"http://127.0.0.1:{relay.port}/dicom-web", orthanc.user,
                        orthanc.password, timeout_s=2, retries=0)
    svc = make_service(config, match={"StudyInstanceUID": ds.StudyInstanceUID})
    study_id = _pulled_and_drafted(svc)
    relay.mode = "down"
    version = svc.client.get(f"/api/studies/{study_id}/report", headers=svc.h("rad")).json()["version"]
    r = svc.client.post(f"/api/studies/{study_id}/signoff", headers=svc.h("rad"), json={"version": version})
    assert r.status_code == 200, r.text

    def push_state(wanted):
        push = svc.client.get(f"/api/studies/{study_id}/pacs", headers=svc.h("rad")).json()["push"]
        return push if push["status"] == wanted else None

    waiting = wait_for(lambda: push_state("waiting"), what="push waiting")
    assert "unreachable or too slow" in waiting["error"] and waiting["retry_at"]
    relay.mode = "up"
    pushed = wait_for(lambda: push_state("pushed"), what="push after the PACS came back")
    assert pushed["verified"] is True and pushed["attempts"] >= 2


def test_draft_pushed_unverified_when_configured(orthanc, shared_data, make_service):
    data, ds = chest_dicom(shared_data)
    orthanc.upload(data)
    svc = make_service(orthanc.config(), match={"StudyInstanceUID": ds.StudyInstanceUID},
                       push_drafts=True)
    _poll(svc)
    study_id = _one_study(svc)["study_id"]
    pushed = wait_for(lambda: (lambda p: p if p["push"]["status"] == "pushed" else None)(
        svc.client.get(f"/api/studies/{study_id}/pacs", headers=svc.h("rad")).json()),
        what="draft SR push")
    sr = _read_back_sr(orthanc, ds.StudyInstanceUID, pushed["sr_uid"])
    draft = svc.client.get(f"/api/studies/{study_id}/draft", headers=svc.h("rad")).json()
    assert sr.VerificationFlag == "UNVERIFIED" and sr.PreliminaryFlag == "PRELIMINARY"
    from cxrgen.pacs.sr import report_text

    assert report_text(sr) == draft["text"]


def test_uploaded_study_has_fhir_but_no_pacs_link(orthanc, make_service):
    from cxrgen.pacs.fhir import validate

    svc = make_service(orthanc.config(), match={"StudyInstanceUID": "1.2.3.4.5.6.7"})
    study_id = svc.drafted_study()
    fhir = validate(svc.client.get(f"/api/studies/{study_id}/fhir", headers=svc.h("rev")).json())
    assert fhir.status == "preliminary" and not fhir.imagingStudy
    r = svc.client.post(f"/api/studies/{study_id}/pacs/push", headers=svc.h("rad"))
    assert r.status_code == 404 and r.json()["detail"] == f"study {study_id} did not come from a PACS"


def test_polling_thread_pulls_by_itself(orthanc, shared_data, make_service):
    data, ds = chest_dicom(shared_data)
    orthanc.upload(data)
    svc = make_service(orthanc.config(), match={"StudyInstanceUID": ds.StudyInstanceUID},
                       poll=True, poll_interval_s=0.5)
    rows = wait_for(lambda: svc.client.get("/api/pacs/studies", headers=svc.h("rad")).json(),
                    what="a study pulled by the polling thread")
    assert rows[0]["status"] == "queued"
    status = svc.client.get("/api/pacs/status", headers=svc.h("rad")).json()
    assert status["studies"] == {"queued": 1} and status["last_poll_at"]
