"""The demo page: computed from the numbers (no fixed claim), everything issue 12 item 8 lists, and
what Chromium shows of it (a screenshot kept in ``test-artifacts/demo/report_page.png``, gitignored).

A tiny demo (40 phantom studies, 2 epochs, a 2-step warm start; the demo's 64 px crops, so that the
attention map has 2 x 2 patches) makes a real run folder, real
evaluations and a real page in ~30 s; its numbers are poor, which exercises the page's "not met" and
"do not show" branches. The other branches are checked on the same data with changed values.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from cxrgen.train import demo_page

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "test-artifacts" / "demo"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from cxrgen.train import demo

    out = tmp_path_factory.mktemp("demo")
    captured = {}
    original = demo_page.write

    def keep(path, data):  # the page's data, to check the sentences against it
        captured["data"] = data
        return original(path, data)

    demo_page.write = keep
    try:
        result = demo.run_demo(out, studies=40, size=64, overrides=[
            "train.epochs=2", "pretrain.steps=2", "train.progress=false", "train.log_every=1",
            "data.num_workers=0"])
    finally:
        demo_page.write = original
    return out, result, captured["data"]


def test_intervals_hold_the_evaluated_values(tiny):
    _, result, data = tiny
    for name, ev in result.systems.items():
        ci = data.intervals[name].ci
        for key in ("BLEU-4", "METEOR", "CIDEr", "CE-F1-micro", "CE-F1-example"):
            lo, hi = ci[key]
            assert lo - 1e-9 <= ev.values[key] <= hi + 1e-9, (name, key)
        # the rows behind the intervals (NLG scored again, CE from the saved labels) give the evaluation's values
        for metric, rows in data.intervals[name].rows.values():
            for score, value in metric.aggregate(rows).items():
                if score in ev.values:
                    assert value == pytest.approx(ev.values[score], abs=1e-12), (name, score)


def test_page_shows_what_a_researcher_checks(tiny):
    out, result, data = tiny
    page = (out / "report.html").read_text(encoding="utf-8")
    for text in ("95% CI", "R2Gen, images shuffled", "constant report", "Per finding", "Support Devices",
                 "<svg", "training loss", "validation", "Goals (", "Resolved config", "torch:", "git sha",
                 "Timings", "retrieval</b>", "mismatched", "cross-attention", "paired approximate randomisation"):
        assert text in page, text
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    for sentence in demo_page.summary(data):
        assert demo_page.esc(sentence) in page
    shuffled = result.controls["R2Gen, images shuffled"].values["CE-F1-micro"]
    assert f"{shuffled:.3f}" in demo_page.summary(data)[2]
    met = [g for g in result.goals if g[3]]
    assert f"Goals ({len(met)} of {len(result.goals)} met)" in page


def test_sentences_follow_the_numbers(tiny):
    _, _, data = tiny
    d = copy.deepcopy(data)
    ours = d.systems["R2Gen (demo)"]
    ours.values["CE-F1-micro"] = 0.9
    d.intervals["R2Gen (demo)"].ci["CE-F1-micro"] = (0.85, 0.93)
    d.controls["R2Gen, images shuffled"].values["CE-F1-micro"] = 0.2
    assert "falls from 0.900 to 0.200, below its 95% interval: its reports depend on the image" in demo_page.summary(d)[2]
    d.controls["R2Gen, images shuffled"].values["CE-F1-micro"] = 0.88
    assert "do not show that the model reads the image" in demo_page.summary(d)[2]
    d.controls["constant report"].values.update({"CE-F1-example": 0.96, "CE-F1-micro": 0.0})
    assert "so compare systems on CE-F1-micro" in demo_page.summary(d)[3]


def test_page_in_chromium(tiny):
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (dev extra)")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} absent: apt-get install chromium (.ci/setup.d/chromium.sh)")
    out, _, _ = tiny
    requests, errors = [], []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "report.html").as_uri())
        assert page.locator("svg polyline").count() >= 2  # the curves drew
        assert page.locator("img").count() >= 4 and page.locator(".chip.fp, .chip.fn").count() >= 1
        widths = page.evaluate("[...document.images].map(i => i.naturalWidth)")
        assert all(w > 0 for w in widths)  # every inline image decodes
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report_page.png"), full_page=True)
        browser.close()
    assert not errors
    # nothing fetched: the page itself, then only inline data
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
