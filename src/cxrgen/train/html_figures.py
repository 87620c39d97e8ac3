"""Pieces of self-contained HTML pages: images inline, attention overlays, line charts as SVG.

Nothing is fetched when a page opens (images are base64 PNG data URIs, charts inline SVG, the
style inline), so the file can be mailed or archived as is. Text is HTML-escaped by the callers
(``html.escape``); the functions here take numbers and paths only.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from cxrgen.data.image_io import load_image

THUMBNAIL = 256  # pixels on the longer side of an inline image
#: line colours of the charts (colour-blind safe: Okabe & Ito, 2008)
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _png_uri(img: Image.Image) -> str:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def image_data_uri(path: str | Path, size: int = THUMBNAIL) -> str:
    arr = load_image(path)
    img = Image.fromarray((np.clip(arr, 0, 1) * 255).astype(np.uint8), mode="L")
    img.thumbnail((size, size))
    return _png_uri(img)


def attention_data_uri(path: str | Path, attention: np.ndarray, crop_fraction: float = 1.0,
                       size: int = THUMBNAIL) -> str:
    """The image's centre crop (what the model saw: ``crop / resize`` of the shorter side) with the
    (h, w) attention map laid over it in red, scaled to its own maximum."""
    arr = load_image(path)
    h, w = arr.shape
    side = int(round(min(h, w) * crop_fraction))
    top, left = (h - side) // 2, (w - side) // 2
    crop = Image.fromarray((np.clip(arr[top:top + side, left:left + side], 0, 1) * 255).astype(np.uint8))
    crop = crop.resize((size, size), Image.BILINEAR)
    att = np.asarray(attention, dtype=np.float64)
    att = (att - att.min()) / (att.max() - att.min()) if att.max() > att.min() else np.zeros_like(att)
    heat = np.asarray(Image.fromarray((att * 255).astype(np.uint8)).resize((size, size), Image.BILINEAR)) / 255.0
    gray = np.asarray(crop, dtype=np.float64)[..., None].repeat(3, axis=-1)
    red = np.array([255.0, 40.0, 0.0])
    alpha = 0.6 * heat[..., None]
    return _png_uri(Image.fromarray((gray * (1 - alpha) + red * alpha).astype(np.uint8), mode="RGB"))


def svg_chart(series: dict[str, Sequence[tuple[float, float]]], title: str, xlabel: str,
              width: int = 440, height: int = 230, mark_x: float | None = None) -> str:
    """A line chart as inline SVG: one polyline per series, min / max on each axis, a legend;
    ``mark_x`` draws a dashed vertical line (the best epoch)."""
    import html

    pts = [p for s in series.values() for p in s]
    if not pts:
        return f"<p>{html.escape(title)}: no data</p>"
    left, right, top, bottom = 48, 12, 24, 36
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)

    def sx(x):
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def sy(y):
        return height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom)

    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img' "
           f"aria-label='{html.escape(title)}' style='font:11px sans-serif'>",
           f"<text x='{left}' y='14' font-weight='600'>{html.escape(title)}</text>",
           f"<line x1='{left}' y1='{sy(y0):.1f}' x2='{width - right}' y2='{sy(y0):.1f}' stroke='#888'/>",
           f"<line x1='{left}' y1='{top}' x2='{left}' y2='{sy(y0):.1f}' stroke='#888'/>",
           f"<text x='{left - 4}' y='{sy(y1) + 4:.1f}' text-anchor='end'>{y1:.3g}</text>",
           f"<text x='{left - 4}' y='{sy(y0):.1f}' text-anchor='end'>{y0:.3g}</text>",
           f"<text x='{left}' y='{height - 20}' text-anchor='middle'>{x0:g}</text>",
           f"<text x='{width - right}' y='{height - 20}' text-anchor='end'>{x1:g}</text>",
           f"<text x='{(left + width - right) / 2:.0f}' y='{height - 6}' text-anchor='middle'>{html.escape(xlabel)}</text>"]
    if mark_x is not None:
        out.append(f"<line x1='{sx(mark_x):.1f}' y1='{top}' x2='{sx(mark_x):.1f}' y2='{sy(y0):.1f}' "
                   f"stroke='#555' stroke-dasharray='4 3'/>")
    for i, (name, s) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s)
        out.append(f"<polyline fill='none' stroke='{colour}' stroke-width='1.6' points='{path}'/>")
        if len(s) == 1:
            out.append(f"<circle cx='{sx(s[0][0]):.1f}' cy='{sy(s[0][1]):.1f}' r='3' fill='{colour}'/>")
        out.append(f"<text x='{width - right - 4}' y='{top + 12 * (i + 1)}' text-anchor='end' fill='{colour}'>"
                   f"{html.escape(name)}</text>")
    out.append("</svg>")
    return "".join(out)
