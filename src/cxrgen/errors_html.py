"""HTML of one example's clinical errors (:mod:`cxrgen.labeling.errors`), for the demo page.

Kept apart from :mod:`cxrgen.report_html` (which calls it once per example): a prediction row of
``cxrgen evaluate`` carries ``matched`` and ``errors``; a row without them renders nothing.
"""

from __future__ import annotations

import html

#: what each category means on a generated report, in the page's words
CATEGORY_TEXT = {
    "false_finding": "false finding", "missed_finding": "missed finding", "wrong_location": "wrong location",
    "wrong_severity": "wrong severity", "false_comparison": "false comparison",
    "missed_comparison": "missed comparison",
}


def render_errors(example: dict) -> str:
    """``<div class='lab'>`` listing the example's errors (category, finding, both spans)."""
    if "errors" not in example:
        return ""
    esc = html.escape
    errors = example["errors"]
    if not errors:
        return f"<div class='lab'>clinical errors: none ({example.get('matched', 0)} findings matched)</div>"
    items = []
    for e in errors:
        spans = "; ".join(f"{side}: “{esc(e[key]['text'])}”"
                          for side, key in (("generated", "hyp"), ("reference", "ref")) if e.get(key))
        items.append(f"<li><b>{esc(CATEGORY_TEXT.get(e['category'], e['category']))}</b>: "
                     f"{esc(e['finding'])}{' — ' + spans if spans else ''}</li>")
    return (f"<div class='lab'>clinical errors ({len(errors)}; {example.get('matched', 0)} findings matched):"
            f"<ul>{''.join(items)}</ul></div>")
