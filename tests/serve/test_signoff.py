"""A signature binds the text that was read (issue 13): stale and concurrent sign-offs, concurrent
edits; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor


def test_stale_signoff_is_409_naming_who_changed_the_report(service):
    c = service.client
    sid = service.drafted_study(reference="SIGN-STALE")
    on_screen = c.get(f"/api/studies/{sid}/report", headers=service.h("rad2")).json()
    assert on_screen["version"] == 1 and on_screen["ai_draft"] is True
    text2 = "No pleural effusion. Mild cardiomegaly."
    assert c.put(f"/api/studies/{sid}/report", json={"text": text2, "base_version": 1},
                 headers=service.h("rad")).status_code == 200
    # rad2 still has version 1 on screen: signing it now would sign a text rad2 never saw
    r = c.post(f"/api/studies/{sid}/signoff", json={"version": 1}, headers=service.h("rad2"))
    assert r.status_code == 409, r.text
    assert "now version 2, by rad" in r.json()["detail"]
    assert c.post(f"/api/studies/{sid}/signoff", headers=service.h("rad2")).status_code == 422
    r = c.post(f"/api/studies/{sid}/signoff", json={"version": 2}, headers=service.h("rad2"))
    assert r.status_code == 200, r.text
    digest = hashlib.sha256(text2.encode("utf-8")).hexdigest()
    assert r.json()["sha256"] == digest and r.json()["version"] == 2
    study = c.get(f"/api/studies/{sid}", headers=service.h("rev")).json()
    assert (study["signed_version"], study["signed_sha256"], study["signed_by"]) == (2, digest, "rad2")
    signed = [e for e in c.get(f"/api/studies/{sid}/audit", headers=service.h("rev")).json()
              if e["action"] == "sign_off"]
    assert [e["detail"] for e in signed] == [{"version": 2, "sha256": digest}]
    report = c.get(f"/api/studies/{sid}/report", headers=service.h("rad")).json()
    assert report["ai_draft"] is False and report["signed_sha256"] == digest


def test_concurrent_signoffs_exactly_one_wins(service):
    c = service.client
    sid = service.drafted_study(reference="SIGN-RACE")
    users = ["rad", "rad2"] * 4

    def sign(user):
        return c.post(f"/api/studies/{sid}/signoff", json={"version": 1}, headers=service.h(user))

    with ThreadPoolExecutor(len(users)) as pool:
        codes = sorted(r.status_code for r in pool.map(sign, users))
    assert codes == [200] + [409] * (len(users) - 1), codes
    events = c.get(f"/api/studies/{sid}/audit", headers=service.h("rev")).json()
    assert [e["action"] for e in events].count("sign_off") == 1
    study = c.get(f"/api/studies/{sid}", headers=service.h("rev")).json()
    assert study["signed_by"] == next(e["user"] for e in events if e["action"] == "sign_off")


def test_concurrent_edits_on_one_base_version_give_409_not_500(service):
    c = service.client
    sid = service.drafted_study(reference="EDIT-RACE")

    def edit(i):
        return c.put(f"/api/studies/{sid}/report", json={"text": f"edit number {i}",
                                                         "base_version": 1},
                     headers=service.h("rad" if i % 2 else "rad2"))

    with ThreadPoolExecutor(12) as pool:
        codes = sorted(r.status_code for r in pool.map(edit, range(12)))
    assert codes == [200] + [409] * 11, codes
    versions = c.get(f"/api/studies/{sid}/report/versions", headers=service.h("rev")).json()
    assert [v["version"] for v in versions] == [1, 2]


def test_admin_neither_uploads_nor_edits_nor_signs(service):
    from .fixtures import png_bytes

    c = service.client
    sid = service.drafted_study(reference="ADMIN-ROLE")
    assert service.upload([("a.png", png_bytes())], user="adm").status_code == 403
    assert c.put(f"/api/studies/{sid}/report", json={"text": "admin text", "base_version": 1},
                 headers=service.h("adm")).status_code == 403
    assert c.post(f"/api/studies/{sid}/signoff", json={"version": 1},
                  headers=service.h("adm")).status_code == 403
    assert c.post(f"/api/studies/{sid}/retry", headers=service.h("adm")).status_code == 403
    me = c.get("/api/auth/me", headers=service.h("adm")).json()
    assert "manage_users" in me["permissions"] and not {"upload", "edit", "sign"} & set(me["permissions"])
