"""A self-contained HTML page of an evaluation: images inline, generated vs reference reports, metrics.

Nothing is fetched when the page opens (images are base64 PNG data URIs, the style is inline),
so the file can be mailed or archived as is. Text is HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from cxrgen.data.image_io import load_image

THUMBNAIL = 256  # pixels on the longer side of an inline image

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.sig{font-family:monospace;font-size:11px;color:#555}
.study{display:flex;gap:1em;border-top:1px solid #ddd;padding:1em 0}.study img{width:200px;height:auto}
.rep{flex:1}.rep p{margin:.3em 0 .8em}.lab{font-size:12px;color:#555}.hl{font-weight:600;background:#ffe9a8}
"""


def image_data_uri(path: str | Path, size: int = THUMBNAIL) -> str:
    arr = load_image(path)
    img = Image.fromarray((np.clip(arr, 0, 1) * 255).astype(np.uint8), mode="L")
    img.thumbnail((size, size))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _labels_line(labels: dict) -> str:
    pos = [k for k, v in (labels or {}).items() if v == 1]
    return ", ".join(pos) if pos else "no finding"


def render_page(title: str, systems: dict, examples: Sequence[dict], notes: Sequence[str] = ()) -> str:
    """``systems``: name -> :class:`cxrgen.pipeline.evaluation.Evaluation`; ``examples``: prediction rows
    (``study_id``, ``images``, ``generated``, ``reference``, ``generated_labels``, ``reference_labels``)."""
    from cxrgen.pipeline.evaluation import TABLE_ROWS

    esc = html.escape
    names = list(systems)
    rows = [r for r in TABLE_ROWS if any(r in ev.values for ev in systems.values())]
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>",
           f"<style>{_STYLE}</style></head><body><h1>{esc(title)}</h1>"]
    out += [f"<p>{esc(n)}</p>" for n in notes]
    out.append("<h2>Metrics</h2><table><tr><th class='l'>metric</th>")
    out += [f"<th>{esc(n)}</th>" for n in names]
    out.append("<th class='l'>signature</th></tr>")
    first = systems[names[0]]
    for r in rows:
        cells = "".join(f"<td>{systems[n].values[r]:.4f}</td>" if r in systems[n].values else "<td>-</td>"
                        for n in names)
        out.append(f"<tr><td class='l'>{esc(r)}</td>{cells}<td class='l sig'>{esc(first.signatures.get(r, ''))}</td></tr>")
    out.append("</table>")
    out.append(f"<h2>Generated and reference reports ({len(examples)} test studies)</h2>")
    for ex in examples:
        imgs = "".join(f"<img alt='{esc(Path(p).name)}' src='{image_data_uri(p)}'>" for p in ex["images"])
        out.append(
            f"<div class='study'><div>{imgs}<div class='lab'>{esc(ex['study_id'])}</div></div><div class='rep'>"
            f"<b>Generated</b><p>{esc(ex['generated'])}</p>"
            f"<div class='lab'>labels read from it: {esc(_labels_line(ex.get('generated_labels')))}</div>"
            f"<b>Reference</b><p>{esc(ex['reference'])}</p>"
            f"<div class='lab'>true labels: {esc(_labels_line(ex.get('reference_labels')))}</div></div></div>"
        )
    stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    out.append(f"<p class='sig'>written {stamp} by cxrgen</p></body></html>")
    return "\n".join(out)


def write_page(path: str | Path, title: str, systems: dict, examples: Sequence[dict], notes: Sequence[str] = ()) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_page(title, systems, examples, notes), encoding="utf-8")
    return path
