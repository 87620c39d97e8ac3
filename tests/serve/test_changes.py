"""What the radiologist changed (draft vs signed report, per error category) and the edit burden
per model, through the real service (SQLite, and PostgreSQL where a server is set up)."""

from __future__ import annotations

import pytest

from cxrgen.labeling.errors import CATEGORIES, analyze_errors

SIGNED_TEXT = "Large left pleural effusion. Compared with the prior study, the heart is unchanged."


def test_changes_of_a_study_and_edit_burden_per_model(service):
    c = service.client
    sid = service.drafted_study(reference="ACC-CHANGES")
    r = c.get(f"/api/studies/{sid}/changes", headers=service.h("rev"))
    assert r.status_code == 200, r.text
    unedited = r.json()
    assert unedited["edited"] is False and unedited["errors"] == [] and not unedited["signed"]
    draft = c.get(f"/api/studies/{sid}/draft", headers=service.h("rev")).json()

    assert c.put(f"/api/studies/{sid}/report", json={"text": SIGNED_TEXT, "base_version": 1},
                 headers=service.h("rad")).status_code == 200
    assert c.post(f"/api/studies/{sid}/signoff", json={"version": 2}, headers=service.h("rad")).status_code == 200
    changed = c.get(f"/api/studies/{sid}/changes", headers=service.h("rev")).json()
    expected = analyze_errors([draft["text"]], [SIGNED_TEXT], "en", ids=[str(sid)])[0]
    assert changed["edited"] and changed["signed"] and changed["version"] == 2
    assert changed["errors"] == expected.as_dict()["errors"] and changed["matched"] == expected.matched
    cats = {e["category"] for e in changed["errors"]}
    # the signed report adds a comparison the draft (a tiny model's text) never makes
    assert "missed_comparison" in cats
    assert set(changed["counts"]) == set(CATEGORIES)

    burden = c.get("/api/edit-burden", headers=service.h("rev")).json()["models"]
    row = next(m for m in burden if m["model"] == changed["model"] and m["language"] == "en")
    assert row["signed_reports"] >= 1 and row["reports_changed"] >= 1
    n = row["signed_reports"]
    for cat in CATEGORIES:
        assert row["edits_per_100_signed"][cat] == pytest.approx(100.0 * row["edits"][cat] / n)
    assert row["signature"].startswith("GREEN-rules|")


def test_changes_needs_login_and_a_known_study(service):
    c = service.client
    assert c.get("/api/edit-burden").status_code == 401
    assert c.get("/api/studies/999999/changes", headers=service.h("rev")).status_code == 404
