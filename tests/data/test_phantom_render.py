"""Phantom images: deterministic, and each finding changes the image where a reader looks for it.

The renderer draws the patient and the noise from streams that do not depend on the findings,
so the effect of a finding is exactly the difference of two renders from the same seed.
"""

import numpy as np
import pytest

from cxrgen.data.phantom import render_study
from cxrgen.data.phantom.render import render_views

SIZE = 256


def rng(seed=3):
    return np.random.default_rng(seed)


def pixel_of(scene, x, y):
    """Row and column of the pixel whose patient coordinates are nearest (x, y)."""
    d = (scene.X - x) ** 2 + (scene.Y - y) ** 2
    return np.unravel_index(int(np.argmin(d)), d.shape)


def window(img, rc, half=3):
    r, c = rc
    return img[max(r - half, 0): r + half + 1, max(c - half, 0): c + half + 1].astype(float)


def pair(findings, seed=3):
    """(normal, with findings) renders of the same patient."""
    return render_views({}, rng(seed), SIZE), render_views(findings, rng(seed), SIZE)


def test_same_seed_same_pixels_other_seed_other_pixels():
    f = {"Nodule": {"side": "left", "zone": "upper", "size_cm": 2.0}}
    a, b = render_study(f, rng(5), SIZE), render_study(f, rng(5), SIZE)
    c = render_study(f, rng(6), SIZE)
    assert a[0].dtype == np.uint8 and a[0].shape == (SIZE, SIZE) and a[1].shape == (SIZE, SIZE)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_size_out_of_range_is_a_clear_error():
    with pytest.raises(ValueError, match="out of range"):
        render_study({}, rng(), 32)


def measured_ctr(r) -> float:
    """Cardiothoracic ratio read off the frontal image: widest bright run around the heart
    (right and left extents from the midline measured separately, as radiologists do) over 2W."""
    fr = r.frontal_scene
    xh, yh, ah, bh = fr.heart
    img = r.frontal.astype(float)
    r0, mid_col = pixel_of(fr, fr.p.cx, yh)
    lung_level = np.median(img[(fr.lung["right"] > 0.9) | (fr.lung["left"] > 0.9)])
    heart_level = np.median(window(img, pixel_of(fr, xh, yh)))
    thr = (lung_level + heart_level) / 2
    right = left = 0
    for row in range(r0 - int(0.35 * bh * SIZE), r0 + int(0.1 * bh * SIZE)):
        line = np.convolve(img[row - 2: row + 3].mean(axis=0), np.ones(5) / 5, mode="same")
        c = mid_col
        while c > 0 and line[c] > thr:
            c -= 1
        right = max(right, mid_col - c)
        c = mid_col
        while c < SIZE - 1 and line[c] > thr:
            c += 1
        left = max(left, c - mid_col)
    return (right + left) / (2 * fr.p.W * SIZE)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cardiomegaly_widens_the_heart_silhouette(seed):
    normal, big = pair({"Cardiomegaly": {"ctr": 0.64, "severity": "marked"}}, seed)
    ctr_normal, ctr_big = measured_ctr(normal), measured_ctr(big)
    assert ctr_normal < 0.5 < ctr_big
    assert ctr_normal == pytest.approx(normal.frontal_scene.p.ctr, abs=0.03)  # the drawn ratio is read back
    assert ctr_big == pytest.approx(0.64, abs=0.03)
    # Lateral view: the heart is larger there too (brighter anterior-inferior region).
    la = big.lateral_scene
    xh, yh, al, bl = la.heart
    rows, cols = pixel_of(la, xh + 0.9 * al, yh)
    assert window(big.lateral, (rows, cols)).mean() > window(normal.lateral, (rows, cols)).mean() + 10


@pytest.mark.parametrize("side,other", [("right", "left"), ("left", "right")])
def test_effusion_whitens_its_costophrenic_angle_only(side, other):
    normal, eff = pair({"Pleural Effusion": {"side": side, "size": "small"}})
    fr = eff.frontal_scene
    at = pixel_of(fr, *fr.point(side, 0.9, 0.95))
    not_at = pixel_of(fr, *fr.point(other, 0.9, 0.95))
    assert window(eff.frontal, at).mean() > window(normal.frontal, at).mean() + 40
    assert abs(window(eff.frontal, not_at).mean() - window(normal.frontal, not_at).mean()) < 1
    # Lateral: the posterior costophrenic sulcus fills.
    la = eff.lateral_scene
    sulcus = pixel_of(la, *la.point(0.95, 1.02))
    assert window(eff.lateral, sulcus).mean() > window(normal.lateral, sulcus).mean() + 15


def test_effusion_size_orders_the_fluid_height():
    heights = []
    for size in ("small", "moderate", "large"):
        normal, eff = pair({"Pleural Effusion": {"side": "right", "size": size}})
        diff = eff.frontal.astype(int) - normal.frontal.astype(int)
        rows = np.nonzero((diff > 30).sum(axis=1) > 3)[0]
        heights.append(rows.max() - rows.min())
    assert heights[0] < heights[1] < heights[2]


def detail(img, mask):
    """High-frequency energy (image minus its 3x3 mean) inside ``mask``: the vessel markings."""
    f = img.astype(float)
    k = sum(np.roll(np.roll(f, dr, 0), dc, 1) for dr in (-1, 0, 1) for dc in (-1, 0, 1)) / 9
    return float(np.abs(f - k)[mask].mean())


@pytest.mark.parametrize("side,other", [("right", "left"), ("left", "right")])
def test_pneumothorax_removes_peripheral_markings_on_its_side(side, other):
    normal, ptx = pair({"Pneumothorax": {"side": side, "size": "moderate"}}, seed=4)
    fr = ptx.frontal_scene
    band = lambda s: (fr.lung[s] > 0.95) & (fr.u[s] > 0.9) & (fr.t > 0.15) & (fr.t < 0.5)  # noqa: E731
    # Same patient and noise: the difference of the two images is what the pneumothorax took away.
    removed = normal.frontal.astype(float) - ptx.frontal.astype(float)
    assert detail(removed, band(side)) > 1.0  # the vessel markings, gone beyond the pleural line
    assert np.array_equal(ptx.frontal[band(other)], normal.frontal[band(other)])  # other lung untouched
    assert removed[band(side)].mean() > 5  # and that space is darker: air, no lung


def centroid(mask):
    rows, cols = np.nonzero(mask)
    return rows.mean(), cols.mean(), len(rows)


@pytest.mark.parametrize("name,side,zone", [("Nodule", "right", "upper"), ("Nodule", "left", "lower"),
                                            ("Mass", "left", "middle"), ("Mass", "right", "upper")])
def test_lesion_sits_at_its_side_and_zone_in_both_views(name, side, zone):
    cm = 2.0 if name == "Nodule" else 5.0
    normal, les = pair({name: {"side": side, "zone": zone, "size_cm": cm}})
    fr = les.frontal_scene
    r, c, n = centroid(les.frontal.astype(int) - normal.frontal.astype(int) > 15)
    mid = pixel_of(fr, fr.p.cx, 0.5)[1]
    assert (c < mid) if side == "right" else (c > mid)
    t = (r / SIZE - fr.p.y_apex) / fr.p.height
    lo, hi = {"upper": (0.0, 0.4), "middle": (0.33, 0.66), "lower": (0.6, 1.0)}[zone]
    assert lo <= t <= hi
    expected_area = np.pi * (cm / 2 / 38 * fr.p.scale * SIZE) ** 2
    assert 0.3 * expected_area < n < 2.0 * expected_area
    rl, _, nl = centroid(les.lateral.astype(int) - normal.lateral.astype(int) > 10)
    assert nl > 0.2 * expected_area and abs(rl - r) < 0.06 * SIZE  # same height on the lateral


@pytest.mark.parametrize("side,zone", [("right", "lower"), ("left", "upper"), ("right", "middle")])
def test_consolidation_fills_its_zone(side, zone):
    normal, cons = pair({"Consolidation": {"side": side, "zone": zone}})
    fr = cons.frontal_scene
    diff = cons.frontal.astype(float) - normal.frontal.astype(float)
    lo, hi = {"upper": (0.0, 0.33), "middle": (0.36, 0.63), "lower": (0.68, 1.0)}[zone]
    inside = (fr.lung[side] > 0.9) & (fr.t > lo) & (fr.t < hi)
    other = "left" if side == "right" else "right"
    assert diff[inside].mean() > 15
    assert abs(diff[fr.lung[other] > 0.5].mean()) < 0.5


@pytest.mark.parametrize("side", ["right", "left"])
def test_atelectasis_draws_a_band_and_raises_its_hemidiaphragm(side):
    normal, atel = pair({"Atelectasis": {"side": side, "zone": "lower", "type": "plate-like"}})
    fr = normal.frontal_scene
    d = 0.6 * fr.p.W
    x = fr.p.cx + (-d if side == "right" else d)
    just_above_dome = pixel_of(fr, x, float(fr.dome_y(side, d)) - 0.012)
    assert window(atel.frontal, just_above_dome, 2).mean() > window(normal.frontal, just_above_dome, 2).mean() + 30
    diff = atel.frontal.astype(int) - normal.frontal.astype(int)
    r, c, n = centroid(diff > 25)
    assert n > 40


def test_edema_hazes_both_hila():
    normal, edema = pair({"Edema": {"severity": "moderate"}})
    fr = edema.frontal_scene
    diff = edema.frontal.astype(float) - normal.frontal.astype(float)
    gains = []
    for side in ("right", "left"):
        hx, hy = fr.hilum[side]
        near = (fr.lung[side] > 0.9) & ((fr.X - hx) ** 2 + (fr.Y - hy) ** 2 < 0.1**2)
        gains.append(diff[near].mean())
    assert min(gains) > 10 and max(gains) / min(gains) < 2


@pytest.mark.parametrize("device", ["endotracheal_tube", "central_line", "pacemaker", "nasogastric_tube"])
def test_each_support_device_is_a_bright_thin_structure(device):
    attrs = {"devices": [device], "ett_tip_cm": 4.0, "line_side": "right"}
    normal, dev = pair({"Support Devices": attrs})
    diff = dev.frontal.astype(int) - normal.frontal.astype(int)
    bright = diff > 25
    assert 30 < bright.sum() < 0.05 * SIZE * SIZE
    assert (dev.lateral.astype(int) - normal.lateral.astype(int) > 25).sum() > 20
