"""API tests: every endpoint, each role, and bad input; run on SQLite and on PostgreSQL."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from .fixtures import FAKE_PHI, dicom_bytes, jpeg_bytes, png_bytes

# ----------------------------------------------------------------------------- auth


def test_login_wrong_password_is_401_and_audited(service):
    r = service.client.post("/api/auth/login", json={"username": "rad", "password": "nope-nope"})
    assert r.status_code == 401
    assert r.json()["detail"] == "wrong username or password"
    r = service.client.post("/api/auth/login", json={"username": "ghost", "password": "nope-nope"})
    assert r.status_code == 401
    log = service.client.get("/api/audit", headers=service.h("adm")).json()
    assert {"login_failed"} <= {e["action"] for e in log}


def test_me_and_logout(service):
    c = service.client
    assert c.get("/api/auth/me").status_code == 401
    assert c.get("/api/auth/me", headers={"Authorization": "Bearer forged"}).status_code == 401
    me = c.get("/api/auth/me", headers=service.h("rev")).json()
    assert (me["username"], me["role"]) == ("rev", "reviewer")
    assert "edit" not in me["permissions"] and "read" in me["permissions"]
    token = c.post("/api/auth/login", json={"username": "rev", "password": "rev-password"}).json()["token"]
    hdr = {"Authorization": f"Bearer {token}"}
    assert c.get("/api/auth/me", headers=hdr).status_code == 200
    assert c.post("/api/auth/logout", headers=hdr).json() == {"ok": True}
    assert c.get("/api/auth/me", headers=hdr).status_code == 401


def test_users_admin_only(service):
    c = service.client
    assert c.get("/api/users", headers=service.h("rad")).status_code == 403
    names = {u["username"] for u in c.get("/api/users", headers=service.h("adm")).json()}
    assert {"rad", "rad2", "rev", "adm"} <= names
    body = {"username": "newrev", "password": "long-enough-pw", "role": "reviewer"}
    assert c.post("/api/users", json=body, headers=service.h("rev")).status_code == 403
    r = c.post("/api/users", json=body, headers=service.h("adm"))
    assert r.status_code == 201 and r.json()["role"] == "reviewer"
    assert c.post("/api/users", json=body, headers=service.h("adm")).status_code == 409
    bad = dict(body, username="x2", role="surgeon")
    r = c.post("/api/users", json=bad, headers=service.h("adm"))
    assert r.status_code == 400 and "radiologist, reviewer, admin" in r.json()["detail"]
    short = dict(body, username="x3", password="short")
    assert c.post("/api/users", json=short, headers=service.h("adm")).status_code == 422
    login = c.post("/api/auth/login", json={"username": "newrev", "password": "long-enough-pw"})
    assert login.status_code == 200


# ----------------------------------------------------------------------------- upload


def test_upload_png_jpeg_dicom_and_get_draft(service):
    files = [("frontal.png", png_bytes(seed=1)), ("DUPONT_ZOE.dcm", dicom_bytes(seed=3))]
    r = service.upload(files, reference="ACC-UP-1")
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "queued"
    job = service.wait_job(body["job_id"])
    assert job["status"] == "done" and job["attempts"] == 1 and job["duration_s"] > 0
    study = service.client.get(f"/api/studies/{body['study_id']}", headers=service.h("rad")).json()
    assert [im["kind"] for im in study["images"]] == ["png", "dicom"]
    assert study["images"][1]["meta"]["ViewPosition"] == "PA"
    assert all(im["has_heatmap"] for im in study["images"])
    draft = service.client.get(f"/api/studies/{body['study_id']}/draft", headers=service.h("rev"))
    assert draft.status_code == 200
    d = draft.json()
    assert d["text"] and d["language"] in ("en", "fr", "zh")
    assert isinstance(d["labels"], list) and isinstance(d["graph"], dict)
    report = service.client.get(f"/api/studies/{body['study_id']}/report", headers=service.h("rad")).json()
    assert report["version"] == 1 and report["author"] == "model" and report["text"] == d["text"]
    for sp in report["labels"]:  # highlight spans point at the text they name
        assert report["text"][sp["start"]:sp["end"]] == sp["text"]
        assert sp["status"] in ("positive", "negative", "uncertain")


def test_images_and_heatmaps_are_pngs_of_the_image_size(service):
    sid = service.drafted_study([("a.jpg", jpeg_bytes(size=80, seed=4))])
    c = service.client
    img = c.get(f"/api/studies/{sid}/images/0", headers=service.h("rev"))
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(img.content)).size == (80, 80)
    heat = c.get(f"/api/studies/{sid}/images/0/heatmap", headers=service.h("rev"))
    assert heat.status_code == 200
    h = Image.open(io.BytesIO(heat.content))
    assert h.size == (80, 80) and h.mode == "RGBA"
    assert c.get(f"/api/studies/{sid}/images/5", headers=service.h("rev")).status_code == 404
    assert c.get(f"/api/studies/{sid}/images/0").status_code == 401


def test_phi_shown_to_radiologist_and_admin_only(service, caplog):
    caplog.set_level("DEBUG")
    sid = service.drafted_study([("DUPONT_ZOE.dcm", dicom_bytes(seed=5))])
    c = service.client
    rad = c.get(f"/api/studies/{sid}", headers=service.h("rad")).json()
    assert rad["phi_visible"] and rad["images"][0]["phi"]["PatientName"] == FAKE_PHI["PatientName"]
    assert rad["images"][0]["phi"]["filename"] == "DUPONT_ZOE.dcm"
    adm = c.get(f"/api/studies/{sid}", headers=service.h("adm")).json()
    assert adm["images"][0]["phi"]["PatientID"] == FAKE_PHI["PatientID"]
    rev = c.get(f"/api/studies/{sid}", headers=service.h("rev"))
    assert rev.json()["phi_visible"] is False and "phi" not in rev.json()["images"][0]
    for secret in (*FAKE_PHI.values(), "DUPONT_ZOE"):
        assert secret not in rev.text
        assert secret not in caplog.text  # never logged
    audit = c.get(f"/api/studies/{sid}/audit", headers=service.h("rev")).text
    assert all(secret not in audit for secret in FAKE_PHI.values())


@pytest.mark.parametrize("name, data, status, needle", [
    ("report.pdf", b"%PDF-1.4 not an image", 415, "not a PNG, JPEG or DICOM"),
    ("fake.png", b"GIF89a" + bytes(100), 415, "checked by content"),
    ("truncated.png", png_bytes()[:60], 400, "file 1 of the upload"),
    ("corrupt.dcm", bytes(128) + b"DICM" + b"\x02\x00\x10\x00garbage" * 5, 400, "DICOM"),
    ("cut.dcm", dicom_bytes()[:-1000], 400, "corrupt DICOM pixel data"),
    ("huge.png", b"\x89PNG\r\n\x1a\n" + bytes(200_001), 413, "exceeds the limit"),
])
def test_bad_files_are_refused_with_a_clear_reason(service, name, data, status, needle):
    before = service.client.get("/api/studies", headers=service.h("rad")).json()["total"]
    r = service.upload([(name, data)])
    assert r.status_code == status, r.text
    assert needle in r.json()["detail"]
    after = service.client.get("/api/studies", headers=service.h("rad")).json()["total"]
    assert after == before  # nothing half-made


def test_dicom_without_pixels_and_oversized_header_are_refused(service):
    r = service.upload([("x.dcm", dicom_bytes(size=64)[:400])])  # cut before the pixels
    assert r.status_code == 400 and "no pixel data" in r.json()["detail"]
    big = dicom_bytes(size=16, Rows=5000, Columns=5000)  # header claims 25 Mpx > 1 Mpx limit
    r = service.upload([("big.dcm", big)])
    assert r.status_code == 400 and "exceeds the limit" in r.json()["detail"]


def test_upload_limits_roles_and_fields(service):
    c = service.client
    four = [(f"{i}.png", png_bytes(seed=i)) for i in range(4)]
    r = service.upload(four)
    assert r.status_code == 400 and "1 to 3 images" in r.json()["detail"]
    model_max = service.app.state.runner.drafter.max_images
    r = service.upload(four[: model_max + 1])
    assert r.status_code == 400 and f"at most {model_max} images" in r.json()["detail"]
    assert service.upload([("a.png", png_bytes())], user="rev").status_code == 403
    assert c.post("/api/studies", files=[("files", ("a.png", png_bytes(), "image/png"))]).status_code == 401
    r = service.upload([("a.png", png_bytes())], language="de")
    assert r.status_code == 400 and "en, fr, zh" in r.json()["detail"]
    # whole body over max_request_bytes (1 MB) even though each file is under its own limit
    r = c.post("/api/studies", content=b"x" * 1_100_000, headers={**service.h("rad"),
               "Content-Type": "multipart/form-data; boundary=zz"})
    assert r.status_code == 413
    # the same without Content-Length (chunked): counted as it arrives
    head = (b'--zz\r\nContent-Disposition: form-data; name="files"; filename="a.png"\r\n'
            b"Content-Type: image/png\r\n\r\n")
    chunks = (head if i == 0 else b"x" * 100_000 for i in range(12))
    r = c.post("/api/studies", content=chunks, headers={**service.h("rad"),
               "Content-Type": "multipart/form-data; boundary=zz"})
    assert r.status_code == 413


# ----------------------------------------------------------------------------- reports


def test_edit_versions_signoff_lock_and_audit(service):
    c = service.client
    sid = service.drafted_study(reference="ACC-EDIT")
    v1 = c.get(f"/api/studies/{sid}/report", headers=service.h("rad")).json()
    text2 = "Pas d'épanchement pleural. Cœur de taille normale.\n心影大小正常，双肺未见实变。"
    r = c.put(f"/api/studies/{sid}/report", json={"text": text2, "base_version": 1},
              headers=service.h("rad"))
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["text"] == text2 and r.json()["author"] == "rad"
    # a stale base version is a conflict, not a silent overwrite
    r = c.put(f"/api/studies/{sid}/report", json={"text": "other", "base_version": 1},
              headers=service.h("rad2"))
    assert r.status_code == 409 and "reload" in r.json()["detail"]
    assert c.put(f"/api/studies/{sid}/report", json={"text": "x", "base_version": 2},
                 headers=service.h("rev")).status_code == 403
    assert c.put(f"/api/studies/{sid}/report", json={"text": "  ", "base_version": 2},
                 headers=service.h("rad")).status_code == 400
    versions = c.get(f"/api/studies/{sid}/report/versions", headers=service.h("rev")).json()
    assert [(v["version"], v["author"]) for v in versions] == [(1, "model"), (2, "rad")]
    assert versions[0]["text"] == v1["text"]
    # sign-off: reviewers and admins cannot sign; a signature locks the report
    assert c.post(f"/api/studies/{sid}/signoff", headers=service.h("rev")).status_code == 403
    assert c.post(f"/api/studies/{sid}/signoff", headers=service.h("adm")).status_code == 403
    r = c.post(f"/api/studies/{sid}/signoff", headers=service.h("rad2"))
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["signed_by"] == "rad2"
    r = c.put(f"/api/studies/{sid}/report", json={"text": "late change", "base_version": 2},
              headers=service.h("rad"))
    assert r.status_code == 409 and "locked" in r.json()["detail"]
    assert c.post(f"/api/studies/{sid}/signoff", headers=service.h("rad")).status_code == 409
    report = c.get(f"/api/studies/{sid}/report", headers=service.h("rad")).json()
    assert report["signed"] and report["signed_by"] == "rad2" and report["text"] == text2
    events = c.get(f"/api/studies/{sid}/audit", headers=service.h("rev")).json()
    assert [e["action"] for e in events] == ["upload", "edit", "sign_off"]
    edit = events[1]
    assert edit["user"] == "rad" and edit["detail"]["from_version"] == 1
    assert "+心影大小正常，双肺未见实变。" in edit["detail"]["diff"]
    assert events[2]["user"] == "rad2" and events[2]["detail"] == {"version": 2}
    assert c.get("/api/audit", headers=service.h("rad")).status_code == 403
    assert any(e["study_id"] == sid for e in c.get("/api/audit", headers=service.h("rev")).json())


def test_search_list_and_filter(service):
    c = service.client
    sid = service.drafted_study(reference="REF-ZH-搜索")
    c.put(f"/api/studies/{sid}/report", json={"text": "右下肺野见斑片状阴影。", "base_version": 1},
          headers=service.h("rad"))
    hits = c.get("/api/studies", params={"q": "斑片状"}, headers=service.h("rev")).json()
    assert [s["id"] for s in hits["items"]] == [sid] and hits["total"] == 1
    assert hits["items"][0]["excerpt"] == "右下肺野见斑片状阴影。"
    # only the current version is searched: the draft's words no longer match once edited
    draft_word = c.get(f"/api/studies/{sid}/draft", headers=service.h("rev")).json()["text"].split()[0]
    old = c.get("/api/studies", params={"q": draft_word}, headers=service.h("rev")).json()
    assert sid not in [s["id"] for s in old["items"]]
    by_ref = c.get("/api/studies", params={"q": "ref-zh"}, headers=service.h("rev")).json()
    assert [s["id"] for s in by_ref["items"]] == [sid]
    by_id = c.get("/api/studies", params={"q": str(sid)}, headers=service.h("rev")).json()
    assert sid in [s["id"] for s in by_id["items"]]
    edited = c.get("/api/studies", params={"status": "edited"}, headers=service.h("rev")).json()
    assert all(s["status"] == "edited" for s in edited["items"]) and sid in [s["id"] for s in edited["items"]]
    everything = c.get("/api/studies", headers=service.h("rev")).json()
    page = c.get("/api/studies", params={"limit": 1}, headers=service.h("rev")).json()
    assert len(page["items"]) == 1 and page["total"] == everything["total"]
    assert page["items"][0]["id"] == max(s["id"] for s in everything["items"])  # newest first
    assert c.get("/api/studies").status_code == 401


def test_unknown_ids_are_404(service):
    c, h = service.client, service.h("rad")
    for url in ("/api/studies/999999", "/api/jobs/999999", "/api/studies/999999/report",
                "/api/studies/999999/draft", "/api/studies/999999/report/versions",
                "/api/studies/999999/audit", "/api/studies/999999/images/0",
                "/api/studies/999999/images/0/heatmap"):
        r = c.get(url, headers=h)
        assert r.status_code == 404, url
        assert "not found" in r.json()["detail"]
    assert c.put("/api/studies/999999/report", json={"text": "x", "base_version": 1},
                 headers=h).status_code == 404
    assert c.post("/api/studies/999999/signoff", headers=h).status_code == 404
    assert c.post("/api/studies/999999/retry", headers=h).status_code == 404


def test_retry_only_failed_studies(service):
    sid = service.drafted_study()
    r = service.client.post(f"/api/studies/{sid}/retry", headers=service.h("rad"))
    assert r.status_code == 409 and "only a failed study" in r.json()["detail"]


def test_generation_failure_is_visible_and_retryable(service):
    # the model refuses images under 64 px (cxrgen.pipeline.inference.MIN_IMAGE_SIDE): a real failure
    c = service.client
    r = service.upload([("thumb.png", png_bytes(size=32))])
    assert r.status_code == 202
    job = service.wait_job(r.json()["job_id"])
    assert job["status"] == "failed" and "smaller than 64 px" in job["error"]
    sid = r.json()["study_id"]
    study = c.get(f"/api/studies/{sid}", headers=service.h("rev")).json()
    assert study["status"] == "failed" and study["job"]["status"] == "failed"
    assert c.get(f"/api/studies/{sid}/report", headers=service.h("rad")).status_code == 404
    assert c.post(f"/api/studies/{sid}/retry", headers=service.h("rev")).status_code == 403
    again = c.post(f"/api/studies/{sid}/retry", headers=service.h("rad"))
    assert again.status_code == 202 and again.json()["job_id"] != job["id"]
    assert service.wait_job(again.json()["job_id"])["status"] == "failed"
    metrics = c.get("/metrics").text
    assert 'cxrgen_jobs_total{outcome="failed"}' in metrics


# ----------------------------------------------------------------------------- service


def test_health_metrics_openapi_and_page(service):
    c = service.client
    sid = service.drafted_study()
    assert service.upload([("x.gif", b"GIF89a" + bytes(64))]).status_code == 415
    assert c.get(f"/api/studies/{sid}/report", headers=service.h("rev")).status_code == 200
    health = c.get("/healthz").json()
    assert health["status"] == "ok" and health["database"] is True and health["workers_alive"] == 1
    metrics = c.get("/metrics")
    assert metrics.status_code == 200 and "text/plain" in metrics.headers["content-type"]
    assert 'cxrgen_jobs_total{outcome="done"}' in metrics.text
    assert 'cxrgen_uploads_rejected_total{reason="wrong_type"}' in metrics.text
    assert 'route="/api/studies/{study_id}/report"' in metrics.text
    schema = c.get("/openapi.json").json()
    paths = set(schema["paths"])
    for p in ("/api/studies", "/api/studies/{study_id}/report", "/api/studies/{study_id}/signoff",
              "/api/jobs/{job_id}", "/api/studies/{study_id}/images/{position}/heatmap",
              "/api/studies/{study_id}/report/versions", "/api/auth/login", "/healthz", "/metrics",
              "/api/eval/sessions"):
        assert p in paths, p
    page = c.get("/")
    assert page.status_code == 200 and "text/html; charset=utf-8" == page.headers["content-type"]
    assert 'id="login-form"' in page.text
    assert c.get("/static/app.js").status_code == 200
    assert 'id="rating-form"' in c.get("/eval").text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
