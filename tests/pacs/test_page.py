"""The review page's PACS box in headless Chromium: a write-back refused by Orthanc is shown on
the study with the PACS's answer, and the page's button sends it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import chest_dicom

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def live_pacs_server(tmp_path, orthanc, shared_data):
    pytest.importorskip("uvicorn")
    from serve.conftest import FAST_HASH, USERS
    from serve.drafting import make_drafter
    from serve.live import served

    from cxrgen.pacs import StudyFilter
    from cxrgen.serve.app import create_app
    from cxrgen.serve.pacs_worker import PacsSettings
    from cxrgen.serve.settings import Settings

    data, ds = chest_dicom(shared_data)
    orthanc.upload(data)
    pacs = PacsSettings(orthanc.config(), poll=False, push_on_signoff=False,
                        filter=StudyFilter(match={"StudyInstanceUID": ds.StudyInstanceUID}))
    app = create_app(Settings(data_dir=tmp_path / "serve", bootstrap_users=USERS, pacs=pacs,
                              deidentify_dicom=True, **FAST_HASH), drafter=make_drafter())
    assert app.state.pacs.poll_once()["queued"] == 1
    with served(app) as base:
        yield app, base


def test_refused_write_back_shown_and_retried_from_the_page(live_pacs_server, orthanc):
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (dev extra)")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} absent: apt-get install chromium (.ci/setup.d/chromium.sh)")
    if orthanc.folder is None:
        pytest.skip("CXRGEN_TEST_ORTHANC_DIR unknown: cannot switch the PACS's SR filter")
    from serve.test_browser import CHROMIUM_ARGS

    _app, base = live_pacs_server
    flag = orthanc.folder / "reject-stow"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(base + "/")
        page.fill("#username", "rad")
        page.fill("#password", "rad-password")
        page.click("#login-button")
        page.click("#worklist tbody tr")
        page.wait_for_selector("#versions li", timeout=60_000)  # the draft is there
        page.wait_for_selector("#pacs-status[data-status='none']")
        flag.touch()
        try:
            page.click("#pacs-push")
            page.wait_for_selector("#pacs-status[data-status='failed']")
        finally:
            flag.unlink()
        assert "did not keep" in page.inner_text("#pacs-status")
        assert page.inner_text("#pacs-push") == "Retry sending to PACS"
        page.click("#pacs-push")
        page.wait_for_selector("#pacs-status[data-status='pushed']")
        assert "unverified draft" in page.inner_text("#pacs-status")
        browser.close()
