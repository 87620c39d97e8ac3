"""The review page in headless Chromium (Debian's chromium, driven by Playwright): log in,
upload, see the highlighted draft, use the viewer, edit, sign off through the confirmation;
the AI-draft marking and its explicit tick, window/level reset per study, and a clean page after
logout; then check the database.

Screenshots are kept in ``test-artifacts/serve/`` (gitignored): review_page.png,
signoff_confirm.png, ai_draft_confirm.png, after_logout.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from .conftest import FAST_HASH, REPO, USERS
from .fixtures import dicom_bytes, png_bytes
from .live import served

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "test-artifacts" / "serve"
EDITED = ("Pas d'épanchement pleural. Cardiomégalie modérée.\n"
          "No pleural effusion. Mild cardiomegaly.\n心影增大，双肺未见实变。")


@pytest.fixture
def live_server(tmp_path, drafter):
    pytest.importorskip("uvicorn")
    from cxrgen.serve.app import create_app
    from cxrgen.serve.settings import Settings

    app = create_app(Settings(data_dir=tmp_path / "serve", bootstrap_users=USERS, **FAST_HASH), drafter=drafter)
    with served(app) as base:
        yield app, base


@pytest.fixture
def sync_api():
    """Playwright's sync API, or a skip naming what to install."""
    api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (dev extra)")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} absent: apt-get install chromium (.ci/setup.d/chromium.sh)")
    return api


def test_review_page_upload_edit_sign(live_server, sync_api, tmp_path):
    app, base = live_server
    png, dcm = tmp_path / "frontal.png", tmp_path / "DUPONT_ZOE.dcm"
    png.write_bytes(png_bytes(size=128, seed=11))
    dcm.write_bytes(dicom_bytes(size=128, seed=12))
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # JS errors fail the test; expected HTTP errors (the 401 of the wrong password, the 404
        # of the report while the job runs) show up as "Failed to load resource" and are not
        page.on("console", lambda m: errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/")
        page.fill("#username", "rad")
        page.fill("#password", "wrong-password")
        page.click("#login-button")
        page.wait_for_selector("#login-error:has-text('wrong username or password')")
        page.fill("#password", "rad-password")
        page.click("#login-button")
        page.wait_for_selector("#worklist-view", state="visible")
        page.set_input_files("#upload-files", [str(png), str(dcm)])
        page.fill("#upload-reference", "BROWSER-1")
        page.click("#upload-button")
        # the page polls the job, then shows the draft and its version history
        page.wait_for_selector("#versions li", timeout=60_000)
        draft_text = page.inner_text("#report-view")
        assert draft_text.strip() and "not ready" not in draft_text
        assert "Dupont" in page.inner_text("#patient-banner")  # radiologist sees the patient
        # viewer: two images, heatmap overlay, zoom and window/level change the pixels
        assert page.locator("#image-select option").count() == 2
        before = page.evaluate("() => document.getElementById('canvas').toDataURL()")
        page.check("#heatmap-toggle")
        with_heat = page.evaluate("() => document.getElementById('canvas').toDataURL()")
        page.click("#zoom-in")
        page.fill("#window", "80")
        page.dispatch_event("#window", "input")
        after = page.evaluate("() => document.getElementById('canvas').toDataURL()")
        assert len({before, with_heat, after}) == 3
        # edit, save, sign off
        page.fill("#report-edit", EDITED)
        # highlighted live, before Save: the labeler runs on the text being typed
        page.wait_for_selector("#report-view .finding:has-text('cardiomegaly')")
        assert "心影增大" in page.inner_text("#report-view")
        page.click("#save")
        page.wait_for_selector("#report-message:has-text('saved as version 2')")
        assert "心影增大" in page.inner_text("#report-view")
        # findings highlighted and colour-coded: "No pleural effusion" negative, "Mild
        # cardiomegaly" positive (the English labeler; the study's language is the model's, en)
        marks = page.eval_on_selector_all(
            "#report-view .finding", "els => els.map(e => [e.textContent, e.dataset.status, "
            "getComputedStyle(e).backgroundColor])")
        found = {(text, status) for text, status, _ in marks}
        assert {("effusion", "negative"), ("cardiomegaly", "positive")} <= found, marks
        colours = {status: colour for _, status, colour in marks}
        assert colours["negative"] != colours["positive"]
        assert page.locator("#versions li").count() == 2
        page.click("#signoff")
        page.wait_for_selector("#signoff-dialog[open]")
        assert page.inner_text("#signoff-text") == EDITED  # exactly the text being signed
        assert page.is_hidden("#signoff-ai") and page.is_enabled("#signoff-confirm")
        assert page.is_hidden("#signoff-ack-label")  # no AI-draft tick for an edited report
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "signoff_confirm.png"))
        page.click("#signoff-confirm")
        page.wait_for_selector("#study-status:has-text('signed')")
        page.wait_for_selector("#report-message:has-text('signed by rad')")  # report reloaded
        assert page.is_disabled("#report-edit") and page.is_disabled("#save")
        assert page.is_disabled("#signoff")
        # what the radiologist changed: the draft against the signed report (changes.js)
        page.wait_for_selector("#changes p:has-text('clinical change')")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "review_page.png"), full_page=True)
        # the worklist shows the signed study, searchable by its Chinese text
        page.click("#back")
        page.fill("#search", "心影增大")
        page.wait_for_selector("#worklist tbody tr >> text=signed")
        browser.close()
    assert not errors, errors
    # the stored result
    from cxrgen.serve.db.models import ReportVersion, Study, User

    with app.state.sessionmaker() as db:
        study = db.scalar(select(Study).where(Study.reference == "BROWSER-1"))
        assert study.status == "signed"
        assert db.get(User, study.signed_by).username == "rad"
        assert study.signed_version == 2
        versions = db.scalars(select(ReportVersion).where(ReportVersion.study_id == study.id)
                              .order_by(ReportVersion.version)).all()
        assert [v.version for v in versions] == [1, 2]
        assert versions[0].author_id is None and versions[0].text.split() == draft_text.split()
        assert versions[1].text == EDITED


def _launch(sync_api):
    pw = sync_api.sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    return pw, browser


def test_ai_draft_confirmation_window_reset_and_clean_logout(live_server, sync_api, tmp_path):
    _app, base = live_server
    first, second = tmp_path / "DUPONT_ZOE.dcm", tmp_path / "second.png"
    first.write_bytes(dicom_bytes(size=128, seed=21))
    second.write_bytes(png_bytes(size=128, seed=22))
    errors: list[str] = []
    pw, browser = _launch(sync_api)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/")
        page.fill("#username", "rad")
        page.fill("#password", "rad-password")
        page.click("#login-button")
        page.wait_for_selector("#worklist-view", state="visible")
        page.set_input_files("#upload-files", [str(first)])
        page.fill("#upload-reference", "WL-ONE")
        page.click("#upload-button")
        page.wait_for_selector("#versions li", timeout=60_000)
        draft = page.inner_text("#report-view")
        # an unedited machine draft is marked, and signing it needs the explicit tick
        assert page.is_visible("#ai-draft-banner")
        assert "AI draft, unreviewed" in page.inner_text("#ai-draft-banner")
        # window/level: presets with their numbers; changed here...
        default = page.evaluate("() => document.getElementById('canvas').toDataURL()")
        page.click("[data-preset=bone]")
        assert (page.input_value("#window-value"), page.input_value("#level-value")) == ("90", "200")
        assert page.evaluate("() => document.getElementById('canvas').toDataURL()") != default
        page.click("#signoff")
        page.wait_for_selector("#signoff-dialog[open]")
        assert page.is_visible("#signoff-ai") and page.is_disabled("#signoff-confirm")
        assert page.inner_text("#signoff-text").split() == draft.split()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ai_draft_confirm.png"))
        page.check("#signoff-ack")
        assert page.is_enabled("#signoff-confirm")
        page.click("#signoff-confirm")
        page.wait_for_selector("#study-status:has-text('signed')")
        page.wait_for_selector("#report-message:has-text('signed by rad')")  # report reloaded
        assert page.is_hidden("#ai-draft-banner")
        # ... and reset for the next study: never the previous study's contrast
        page.click("#back")
        page.set_input_files("#upload-files", [str(second)])
        page.fill("#upload-reference", "WL-TWO")
        page.click("#upload-button")
        page.wait_for_selector("#study-title:has-text('WL-TWO')")
        assert (page.input_value("#window"), page.input_value("#level")) == ("255", "128")
        assert (page.input_value("#window-value"), page.input_value("#level-value")) == ("255", "128")
        # logout on a shared workstation: nothing of this user's session remains
        page.click("#back")
        page.fill("#search", "WL-ONE")
        page.wait_for_selector("#worklist tbody tr >> text=WL-ONE")
        page.click("#logout")
        page.wait_for_selector("#login-view", state="visible")
        html = page.content()
        for left_over in ("Dupont", "WL-ONE", "WL-TWO", draft.split()[0] if draft.split() else "x"):
            assert left_over not in html, left_over
        assert page.input_value("#search") == ""
        page.screenshot(path=str(ARTIFACTS / "after_logout.png"))
        page.fill("#username", "rev")
        page.fill("#password", "rev-password")
        page.click("#login-button")
        page.wait_for_selector("#worklist tbody tr >> text=WL-TWO")  # no filter carried over
        assert page.locator("#worklist tbody tr").count() == 2
        assert page.is_hidden("#worklist th.phi-col")  # a reviewer has no patient column
    finally:
        browser.close()
        pw.stop()
    assert not errors, errors
