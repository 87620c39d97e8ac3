"""Numpy drawing primitives for the phantoms: coordinate grids, smooth noise, soft shapes.

Everything works in normalised coordinates (x, y in [0, 1], y downwards) so that one phantom
renders at any pixel size. Small shapes are drawn inside their bounding box only, which keeps a
study at a few milliseconds.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

F32 = np.float32
MIN_LINE_PX = 1.3  # narrowest line drawn, in pixels


@lru_cache(maxsize=8)
def unit_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates ``(X, Y)`` in [0, 1], each of shape (size, size)."""
    c = (np.arange(size, dtype=F32) + F32(0.5)) / F32(size)
    X, Y = np.meshgrid(c, c)
    X.setflags(write=False)
    Y.setflags(write=False)
    return X, Y


def rotated_grid(size: int, angle_deg: float, cx: float = 0.5, cy: float = 0.5):
    """The unit grid rotated by ``angle_deg`` about (cx, cy): a patient rotated on the detector."""
    X, Y = unit_grid(size)
    a = np.deg2rad(angle_deg)
    c, s = F32(np.cos(a)), F32(np.sin(a))
    dx, dy = X - F32(cx), Y - F32(cy)
    return F32(cx) + c * dx - s * dy, F32(cy) + s * dx + c * dy


@lru_cache(maxsize=16)
def _interp_weights(size: int, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower knot index and weight of the upper knot, for linear interpolation to ``size`` pixels."""
    pos = (np.arange(size) + 0.5) / size * (cells - 1)
    lo = np.clip(np.floor(pos).astype(np.intp), 0, cells - 2)
    return lo, (pos - lo).astype(F32)


def smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Zero-mean, unit-scale noise varying smoothly over about ``size / cells`` pixels.

    Bilinear upsampling written with indexing, not matrix products: a multi-threaded BLAS on a
    busy machine made the tiny products a hundred times slower.
    """
    lo, w = _interp_weights(size, cells)
    knots = rng.standard_normal((cells, cells)).astype(F32)
    rows = knots[lo] * (1 - w)[:, None] + knots[lo + 1] * w[:, None]  # (size, cells)
    return rows[:, lo] * (1 - w)[None, :] + rows[:, lo + 1] * w[None, :]


def ramp(v, width: float):
    """Soft step from 0 (v <= -width/2) to 1 (v >= width/2): a linear edge, cheaper than a sigmoid."""
    out = v * F32(1 / width)
    out += F32(0.5)
    return np.clip(out, 0.0, 1.0, out=out)


def box(size: int, x0: float, y0: float, x1: float, y1: float) -> tuple[slice, slice] | None:
    """Pixel slices (rows, cols) covering the normalised box, or None when it is off the image."""
    r0, r1 = max(int(np.floor(y0 * size)), 0), min(int(np.ceil(y1 * size)) + 1, size)
    c0, c1 = max(int(np.floor(x0 * size)), 0), min(int(np.ceil(x1 * size)) + 1, size)
    if r0 >= r1 or c0 >= c1:
        return None
    return slice(r0, r1), slice(c0, c1)


def add_disc(D, X, Y, x, y, r, density, *, lobulation=None, edge=0.004):
    """Add a ball-like opacity (projected sphere: thickest in the centre) of radius ``r``.

    ``lobulation`` is a list of (amplitude, frequency, phase): a lobulated outline, as masses have.
    """
    size = D.shape[0]
    pad = r * 1.4 + edge
    sl = box(size, x - pad, y - pad, x + pad, y + pad)
    if sl is None:
        return
    dx, dy = X[sl] - F32(x), Y[sl] - F32(y)
    rho = np.sqrt(dx * dx + dy * dy)
    R = np.full_like(rho, F32(r))
    if lobulation:
        theta = np.arctan2(dy, dx)
        for amp, freq, phase in lobulation:
            R = R * (1 + F32(amp) * np.sin(freq * theta + phase)).astype(F32)
    q = np.clip(1 - (rho / R) ** 2, 0, 1)
    D[sl] += F32(density) * (np.sqrt(q) * F32(0.6) + F32(0.4) * ramp(R - rho, edge))


def ellipse(X, Y, x, y, a, b, edge: float = 0.06, tilt: float = 0.0) -> np.ndarray:
    """Soft mask (0..1) of an ellipse with semi-axes ``a``, ``b`` tilted by ``tilt`` radians;
    computed inside its bounding box only. ``edge`` is the soft margin in the implicit function."""
    out = np.zeros_like(X)
    r = max(a, b) * (1 + edge)
    sl = box(X.shape[0], x - r, y - r, x + r, y + r)
    if sl is None:
        return out
    dx, dy = X[sl] - F32(x), Y[sl] - F32(y)
    c, s = F32(np.cos(tilt)), F32(np.sin(tilt))
    u, v = (c * dx + s * dy) / F32(a), (c * dy - s * dx) / F32(b)
    out[sl] = ramp(1 - u * u - v * v, edge)
    return out


def _segment_distance(X, Y, ax, ay, bx, by):
    vx, vy = bx - ax, by - ay
    L2 = vx * vx + vy * vy or 1e-12
    t = np.clip(((X - ax) * vx + (Y - ay) * vy) / F32(L2), 0, 1)
    px, py = X - (ax + t * vx), Y - (ay + t * vy)
    return np.sqrt(px * px + py * py)


def add_polyline(D, X, Y, points, width, density, *, mask=None, soft=0.0015):
    """Add a line of ``width`` (normalised) through ``points``: tubes, catheters, leads, bones."""
    size = D.shape[0]
    width = max(width, MIN_LINE_PX / size)  # thin wires stay visible on small images
    pts = np.asarray(points, dtype=np.float64)
    pad = width + 2 * soft
    sl = box(size, pts[:, 0].min() - pad, pts[:, 1].min() - pad, pts[:, 0].max() + pad, pts[:, 1].max() + pad)
    if sl is None:
        return
    Xs, Ys = X[sl], Y[sl]
    dist = np.full(Xs.shape, np.inf, dtype=F32)
    for (ax, ay), (bx, by) in zip(pts[:-1], pts[1:]):
        dist = np.minimum(dist, _segment_distance(Xs, Ys, F32(ax), F32(ay), F32(bx), F32(by)))
    val = ramp(F32(width / 2) - dist, max(soft, 1.0 / size))
    if mask is not None:
        val = val * mask[sl]
    D[sl] += F32(density) * val


def bezier(p0, p1, p2, n: int = 12) -> np.ndarray:
    """Points of a quadratic Bezier curve: smooth catheter and lead paths."""
    t = np.linspace(0, 1, n)[:, None]
    p0, p1, p2 = (np.asarray(p, dtype=np.float64) for p in (p0, p1, p2))
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2
