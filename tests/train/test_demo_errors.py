"""The demo page shows each example's clinical errors (rendered by cxrgen.train.demo_page)."""

from __future__ import annotations

from cxrgen.labeling.errors import analyze_errors
from cxrgen.train.demo_page import example_html, render_errors


def _example(ref: str, hyp: str) -> dict:
    pair = analyze_errors([hyp], [ref], "en")[0]
    return {"study_id": "s1", "images": [], "generated": hyp, "reference": ref,
            "generated_labels": {}, "reference_labels": {}, "matched": pair.matched, "mismatch": [],
            "retrieval": "", "retrieval_labels": {},
            "errors": [e.as_dict() for e in pair.errors]}


def test_page_lists_the_errors_of_each_example():
    ex = _example("Small left pleural effusion. No pneumothorax.", "Small right pleural effusion. <b>No</b> pneumothorax.")
    page = example_html(ex)
    assert "<b>wrong location</b>: effusion" in page
    assert "generated: “Small right pleural effusion”" in page and "reference: “Small left pleural effusion”" in page
    assert "<b>No</b>" not in page  # report text is escaped


def test_no_errors_and_rows_without_analysis():
    ok = _example("No effusion.", "No effusion.")
    assert "clinical errors: none (1 findings matched)" in render_errors(ok)
    assert render_errors({"study_id": "x"}) == ""
