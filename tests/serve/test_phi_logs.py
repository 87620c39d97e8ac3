"""No PHI leaves (issue 13): identifiers planted everywhere a client can put them (DICOM tags, file
names, report text, search terms, user names, request paths) never appear in a log line; with
de-identification on, neither in the stored files nor in the database. Logs are JSON lines with
timestamp, level, request id, route, status and duration."""

from __future__ import annotations

import io
import json
import logging

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from .fixtures import chest_like, dicom_bytes

NAME, MRN, ACCESSION = "Doe^Jane", "MRN12345", "ACC98765"
PLANTED = ("Doe", "Jane", MRN, ACCESSION, "19600101", "St Elsewhere")


def planted_dicom(seed: int = 0) -> bytes:
    return dicom_bytes(seed=seed, phi={
        "PatientName": NAME, "PatientID": MRN, "AccessionNumber": ACCESSION,
        "PatientBirthDate": "19600101", "InstitutionName": "St Elsewhere",
        "IssuerOfPatientID": "St Elsewhere MRN", "PatientComments": f"{NAME} {MRN}",
        "ImageComments": f"{NAME} {MRN}", "SeriesDescription": f"Doe Jane {MRN}",
        "StudyDescription": f"chest {ACCESSION}"})


def planted_png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", f"Patient: {NAME} {MRN}")
    info.add_itxt("Author", f"St Elsewhere {ACCESSION}")
    buf = io.BytesIO()
    Image.fromarray(chest_like(96, 4)).save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def planted_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = f"{NAME} {MRN}"  # ImageDescription
    exif[0x013B] = "St Elsewhere"  # Artist
    buf = io.BytesIO()
    Image.fromarray(chest_like(96, 5)).save(buf, format="JPEG", exif=exif,
                                            comment=f"{ACCESSION} Jane".encode())
    return buf.getvalue()


class JsonLines(logging.Handler):
    """Every record of the process, formatted as the service writes it."""

    def __init__(self):
        from cxrgen.serve.logs import JsonFormatter

        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record):
        if not record.name.startswith("httpx"):  # the test's own HTTP client, not the server
            self.lines.append(self.format(record))


def planted_files():
    return [(f"DOE_JANE_{MRN}.dcm", planted_dicom(1)), (f"{NAME}.png", planted_png()),
            (f"{ACCESSION}.jpg", planted_jpeg())]


def _exercise(svc, files) -> int:
    """Use every kind of endpoint with the planted identifiers; returns the study id."""
    c = svc.client
    sid = svc.drafted_study(files[:2])  # the tiny model reads 2 views
    svc.drafted_study(files[2:])
    h = svc.h("rad")
    for q in ("Doe", MRN, f"{NAME}%", ACCESSION):
        assert c.get("/api/studies", params={"q": q}, headers=h).status_code == 200
    assert c.get(f"/api/studies/{sid}", headers=h).status_code == 200
    for url in (f"/api/studies/{sid}/report", f"/api/studies/{sid}/draft",
                f"/api/studies/{sid}/images/0", f"/api/studies/{sid}/audit",
                f"/api/nothing/{MRN}", f"/api/studies/{MRN}"):
        c.get(url, headers=h)
    text = f"Patient Jane Doe {MRN}: no pleural effusion."
    assert c.put(f"/api/studies/{sid}/report", json={"text": text, "base_version": 1},
                 headers=h).status_code == 200
    c.put(f"/api/studies/{sid}/report", json={"text": f"{text} again", "base_version": 1},
          headers=h)  # 409
    c.post("/api/findings/highlight", json={"text": text, "language": "en"}, headers=h)
    c.post("/api/auth/login", json={"username": f"{NAME}", "password": f"{MRN}-wrong"})
    c.post("/api/users", json={"username": f"Doe{MRN}", "password": "Jane-Doe-1960-x",
                               "role": "reviewer"}, headers=svc.h("adm"))
    assert c.post(f"/api/studies/{sid}/signoff", json={"version": 2}, headers=h).status_code == 200
    return sid


def test_planted_identifiers_never_reach_the_log(service):
    files = planted_files()  # before the capture: Pillow's own debug log quotes EXIF values
    handler = JsonLines()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        r = service.client.get("/api/auth/me", headers={**service.h("rad"),
                                                        "X-Request-ID": "abc-123"})
        assert r.headers["X-Request-ID"] == "abc-123"
        bad = service.client.get("/api/auth/me", headers={"X-Request-ID": f"{NAME} {MRN}"})
        assert MRN not in bad.headers["X-Request-ID"]  # not a plain token: replaced
        _exercise(service, files)
        # a failed database write does not quote its parameters
        with pytest.raises(IntegrityError) as err, service.app.state.engine.begin() as conn:
            from cxrgen.serve.db.models import User

            conn.execute(insert(User).values(username="rad", password_hash=MRN, role=NAME,
                                             active=True))
        logging.getLogger("cxrgen.serve").error("db error: %s", err.value)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    lines = handler.lines
    leaks = [line for line in lines for secret in PLANTED if secret in line]
    assert not leaks, leaks[:5]
    records = [json.loads(line) for line in lines]
    assert all({"ts", "level", "logger", "msg"} <= set(r) for r in records)
    access = [r for r in records if r.get("event") == "request"]
    assert len(access) > 20
    assert all({"request_id", "route", "status", "duration_ms", "method"} <= set(r) for r in access)
    assert any(r["request_id"] == "abc-123" and r["user_id"] for r in access)
    assert "/api/studies/{study_id}" in {r["route"] for r in access}
    events = {r.get("event") for r in records}
    assert {"upload", "job_start", "job_end", "edit", "sign_off", "login_failed"} <= events
