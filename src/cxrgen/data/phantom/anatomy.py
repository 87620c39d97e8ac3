"""The normal chest of a phantom: a patient's geometry, and its frontal (PA) and lateral scenes.

A scene is a map of X-ray attenuation ("density": 0 air outside the body, about 1 soft tissue)
built from simple analytic shapes, the way the XCAT-like phantoms of image-simulation work are
(Segars et al., Med. Phys. 2010), only far simpler: lung fields with vascular markings radiating
from the hila, heart and mediastinum, trachea, ribs, clavicles, spine, diaphragm domes with sharp
costophrenic angles, soft tissue and a gastric bubble. Findings are drawn on the scene by
:mod:`cxrgen.data.phantom.lesions` before :mod:`cxrgen.data.phantom.render` turns densities into
pixels.

Conventions: coordinates are normalised (x right, y down, both in [0, 1]). The frontal view is
shown as radiologists read it: the patient's right on the image's left, so side ``"right"`` has
sign -1 in x. In the lateral view x runs from anterior (left) to posterior (right). Both views
share the vertical coordinate, so a finding sits at the same height in both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cxrgen.data.phantom.findings import CTR_NORMAL
from cxrgen.data.phantom.raster import F32, add_disc, add_polyline, ellipse, ramp, rotated_grid, smooth_noise

SIGN = {"right": -1.0, "left": 1.0}  # x direction of each side of the patient on a PA image
CM_PER_UNIT = 38.0  # an adult thorax (about 28 cm inner width) spans 0.72 of the image width
HEART_TILT = np.deg2rad(28)  # long axis of the heart, from the horizontal, apex down-left
HEART_ASPECT = 0.72  # short / long axis


@dataclass
class Patient:
    """One patient's geometry and exposure; everything a normal study varies by."""

    cx: float  # midline
    rotation: float  # degrees, the patient slightly rotated on the detector
    scale: float  # body size
    W: float  # hemithorax half-width at the costophrenic angles (inner rib margin)
    y_apex: float
    y_cp: float  # height of the lateral costophrenic angles
    dome_rise: dict[str, float]  # height of each diaphragm dome above the costophrenic angle
    ctr: float  # cardiothoracic ratio
    med_hw: float  # half-width of the upper mediastinum
    depth: float  # antero-posterior diameter (lateral view)
    rib_spacing: float
    rib_phase: float
    exposure: float
    gamma: float
    noise: float

    @property
    def height(self) -> float:
        return self.y_cp - self.y_apex

    @property
    def carina_y(self) -> float:
        return self.y_apex + 0.22 * self.height


def sample_patient(rng: np.random.Generator, ctr: float | None = None) -> Patient:
    """A random adult; ``ctr`` (cardiothoracic ratio) is drawn normal unless given."""
    normal_ctr = float(rng.uniform(*CTR_NORMAL))  # drawn always, so the rest of the patient is the same
    scale = float(rng.uniform(0.9, 1.04))
    y_apex = float(rng.uniform(0.12, 0.16))
    y_cp = float(min(y_apex + rng.uniform(0.56, 0.64) * scale, 0.86))
    right_rise = float(rng.uniform(0.065, 0.095))
    return Patient(
        cx=float(0.5 + rng.uniform(-0.02, 0.02)),
        rotation=float(rng.uniform(-4, 4)),
        scale=scale,
        W=0.36 * scale,
        y_apex=y_apex,
        y_cp=y_cp,
        # the right dome sits higher than the left one (liver below it)
        dome_rise={"right": right_rise, "left": right_rise - float(rng.uniform(0.01, 0.025))},
        ctr=float(ctr) if ctr is not None else normal_ctr,
        med_hw=float(rng.uniform(0.045, 0.06)) * scale,
        depth=float(rng.uniform(0.48, 0.56)) * scale,
        rib_spacing=(y_cp - y_apex) / float(rng.uniform(8.0, 9.0)),
        rib_phase=float(rng.uniform(-0.3, 0.3)),
        exposure=float(rng.uniform(1.15, 1.5)),
        gamma=float(rng.uniform(0.85, 1.15)),
        noise=float(rng.uniform(0.006, 0.015)),
    )


@dataclass
class Frontal:
    """A PA scene: the density map and the geometry that findings are placed with."""

    p: Patient
    size: int
    X: np.ndarray  # patient coordinates of every pixel (the grid, rotated)
    Y: np.ndarray
    D: np.ndarray  # density without lung markings
    markings: dict[str, np.ndarray] = field(default_factory=dict)  # per side, added last
    lung: dict[str, np.ndarray] = field(default_factory=dict)  # soft lung mask per side
    hemi: dict[str, np.ndarray] = field(default_factory=dict)  # hemithorax without diaphragm cut
    u: dict[str, np.ndarray] = field(default_factory=dict)  # 0 medial .. 1 chest wall
    t: np.ndarray = None  # 0 apex .. 1 costophrenic angle
    width: np.ndarray = None  # lung width (chest wall - medial edge) at each height
    heart: tuple[float, float, float, float] = (0, 0, 0, 0)  # centre x, y, semi-axes a, b
    hilum: dict[str, tuple[float, float]] = field(default_factory=dict)

    # --- lung-relative coordinates: (side, u across, t down) -> image point -------------------
    def d_lat(self, t):
        return self.p.W * (0.5 + 0.5 * np.sqrt(np.sin(np.pi / 2 * np.clip(t / 0.7, 0, 1))))

    def d_med(self, t):
        return np.maximum(self.p.med_hw, self.p.W * (0.5 - 0.42 * np.sqrt(np.clip(t / 0.35, 0, 1))))

    def dome_y(self, side: str, d):
        """Height of the diaphragm dome of ``side`` at distance ``d`` from the midline."""
        p = self.p
        rise = p.dome_rise[side]
        return p.y_cp - rise + rise * ((d - 0.4 * p.W) / (0.6 * p.W)) ** 2

    def point(self, side: str, u: float, t: float) -> tuple[float, float]:
        """Image point at fraction ``u`` across the lung (medial 0 -> lateral 1), ``t`` down."""
        p = self.p
        d_med = float(self.d_med(t))
        if t > 0.45:  # below the hila the heart border is the medial edge
            xh, yh, ah, bh = self.heart
            y = p.y_apex + t * p.height
            q = 1 - ((y - yh) / bh) ** 2
            if q > 0:
                edge = xh + SIGN[side] * ah * np.sqrt(q)
                d_med = max(d_med, SIGN[side] * (edge - p.cx) + 0.01)
        d = d_med + u * (float(self.d_lat(t)) - d_med)
        return p.cx + SIGN[side] * d, p.y_apex + t * p.height


def build_frontal(p: Patient, size: int, rng: np.random.Generator) -> Frontal:
    X, Y = rotated_grid(size, p.rotation, p.cx, 0.5)
    sc = Frontal(p=p, size=size, X=X, Y=Y, D=np.zeros((size, size), F32))
    ax = np.abs(X - F32(p.cx))
    D = sc.D

    # Body: an elliptical cross-section (thicker in the middle), neck above the shoulders.
    y_sh = p.y_apex - 0.02
    chest_hw = p.W * (1.3 - 0.25 * ((Y - F32(p.y_cp)) / 0.5) ** 2)  # narrower at the waist
    body_hw = np.where(Y < y_sh, 0.13 * p.scale, 0.13 * p.scale + (chest_hw - 0.13 * p.scale)
                       * np.clip((Y - y_sh) / 0.07, 0, 1) ** 0.5).astype(F32)
    inside = ramp(body_hw - ax, 0.012)
    D += inside * (F32(0.75) + F32(0.35) * np.sqrt(np.clip(1 - (ax / body_hw) ** 2, 0, 1)))

    # Heart: an ellipse tilted with its apex down and to the left, whose horizontal extent over
    # the thoracic width (2 W) is the cardiothoracic ratio.
    ah = p.ctr * p.W  # horizontal half-extent
    A = ah / np.sqrt(np.cos(HEART_TILT) ** 2 + HEART_ASPECT**2 * np.sin(HEART_TILT) ** 2)
    B = HEART_ASPECT * A
    bh = A * np.sqrt(np.sin(HEART_TILT) ** 2 + HEART_ASPECT**2 * np.cos(HEART_TILT) ** 2)
    xh = p.cx + 0.25 * ah
    yh = p.y_cp - p.dome_rise["left"] - 0.35 * bh
    sc.heart = (xh, yh, ah, bh)
    heart = ellipse(X, Y, xh, yh, A, B, tilt=HEART_TILT)

    t = (Y - F32(p.y_apex)) / F32(p.height)
    d_lat, d_med = sc.d_lat(t).astype(F32), sc.d_med(t).astype(F32)
    sc.t, sc.width = t, d_lat - d_med
    below = np.zeros_like(D)  # abdomen under the domes
    for side in ("right", "left"):
        # Each side is computed in its half of the image only (with a margin for the rotation).
        cols = _columns(size, 0.0, p.cx + 0.05) if side == "right" else _columns(size, p.cx - 0.05, 1.0)
        Xs, Ys, dl, dm = X[:, cols], Y[:, cols], d_lat[:, cols], d_med[:, cols]
        d = F32(SIGN[side]) * (Xs - F32(p.cx))
        dome = sc.dome_y(side, d).astype(F32)
        hemi = ramp(dl - d, 0.006) * ramp(d - dm, 0.006) * ramp(Ys - F32(p.y_apex), 0.006)
        for name in ("hemi", "lung", "u"):
            getattr(sc, name)[side] = np.zeros_like(D)
        sc.hemi[side][:, cols] = hemi * (1 - heart[:, cols])
        sc.lung[side][:, cols] = sc.hemi[side][:, cols] * ramp(dome - Ys, 0.004)
        sc.u[side][:, cols] = np.clip((d - dm) / np.maximum(dl - dm, F32(1e-3)), 0, 1)
        below[:, cols] += (d > 0) * ramp(Ys - dome, 0.004)
    lungs = sc.lung["right"] + sc.lung["left"]

    # Mediastinum, aortic knob, heart, abdomen: soft-tissue dense; lungs: air.
    D += F32(0.2) * ramp(p.med_hw + 0.01 - ax, 0.01) * (Y < yh)
    add_disc(D, X, Y, p.cx + p.med_hw + 0.008, p.y_apex + 0.16 * p.height, 0.028 * p.scale, 0.12)
    D += F32(0.28) * heart + F32(0.22) * below * inside
    D -= F32(0.72) * lungs
    # Gastric bubble under the left dome.
    gx, gy = p.cx + 0.45 * p.W, float(sc.dome_y("left", 0.45 * p.W)) + 0.035
    D -= F32(0.35) * ellipse(X, Y, gx, gy, 0.045, 0.022, 0.3)

    # Trachea down to the carina, then the two main bronchi.
    cy = p.carina_y
    add_polyline(D, X, Y, [(p.cx - 0.004, 0.0), (p.cx - 0.004, cy)], 0.032 * p.scale, -0.25)
    for side, ang in (("right", 0.55), ("left", 0.85)):
        bx = p.cx + SIGN[side] * 0.06 * np.sin(ang)
        add_polyline(D, X, Y, [(p.cx - 0.004, cy - 0.005), (bx, cy + 0.06 * np.cos(ang))], 0.02 * p.scale, -0.15)

    # Hila: pulmonary arteries at the medial lung, a bit below the carina.
    for side in ("right", "left"):
        hx = p.cx + SIGN[side] * (p.med_hw + 0.045 * p.scale)
        hy = cy + 0.07 * p.scale + (0.01 if side == "left" else 0.02)
        sc.hilum[side] = (hx, hy)
        add_disc(D, X, Y, hx, hy, 0.035 * p.scale, 0.16)
        x0, x1 = (0.0, p.cx + 0.08) if side == "right" else (p.cx - 0.08, 1.0)
        box = (x0, p.y_apex - 0.06, x1, p.y_cp + 0.06)
        sc.markings[side] = _vessel_markings(X, Y, hx, hy, SIGN[side], rng, box) * sc.lung[side]

    # Spine: a vertical strip with vertebral bodies, faint behind the mediastinum.
    cols = _columns(size, p.cx - 0.09, p.cx + 0.09)
    vert = F32(0.5) + F32(0.5) * np.cos((Y[:, cols] - F32(p.y_apex)) * F32(2 * np.pi / (p.rib_spacing * 0.95)))
    D[:, cols] += ramp(0.04 * p.scale - ax[:, cols], 0.01) * (F32(0.22) + F32(0.1) * vert) * inside[:, cols]

    _ribs(D, X, Y, ax, p, inside, d_lat)
    # Clavicles: from the sternal notch out and slightly up to the shoulders.
    for side in ("right", "left"):
        s = SIGN[side]
        pts = [(p.cx + s * 0.03, p.y_apex + 0.05), (p.cx + s * 0.16 * p.scale, p.y_apex + 0.01),
               (p.cx + s * 0.3 * p.scale, p.y_apex - 0.035)]
        add_polyline(D, X, Y, pts, 0.026 * p.scale, 0.3, mask=inside, soft=0.006)
    return sc


def _columns(size: int, x0: float, x1: float) -> slice:
    return slice(max(int(x0 * size), 0), min(int(np.ceil(x1 * size)), size))


def _vessel_markings(X, Y, hx, hy, sign, rng: np.random.Generator, box: tuple[float, float, float, float],
                     n: int = 720) -> np.ndarray:
    """Branching vascular markings radiating from a hilum, fading towards the periphery.

    An angular profile of sharp random peaks gives the vessels, a smooth angular wiggle bends
    them, and shifting the profile at a few radii gives their branching. The markings reach the
    chest wall faintly, so that their absence beyond a pleural line (pneumothorax) shows. Only
    the pixels inside ``box`` (x0, y0, x1, y1: the lung, with a margin) are computed.
    """
    size = X.shape[0]
    out = np.zeros_like(X)
    win = (_columns(size, box[1], box[3]), _columns(size, box[0], box[2]))  # rows, columns
    Xs, Ys = X[win], Y[win]
    dx, dy = (Xs - F32(hx)) * F32(sign), Ys - F32(hy)
    r = np.sqrt(dx * dx + dy * dy)
    wiggle = F32(0.06) * smooth_noise(rng, size, 8)[win]  # vessels curve a little
    idx = ((np.arctan2(dy, dx) + wiggle + F32(np.pi)) * F32(n / (2 * np.pi))).astype(np.int32)
    idx %= n
    peaks = np.clip(rng.standard_normal(n).astype(F32), 0, None) ** 2
    peaks = np.maximum(peaks, np.roll(peaks, 1))  # about 1 degree wide
    branch = np.clip(rng.standard_normal(n).astype(F32) + 0.6, 0, None) * F32(0.5) + F32(0.5)
    ring = (r * 28).astype(np.int32)
    ring *= 53
    ring += idx
    ring %= n
    tex = peaks[idx] * branch[ring]
    out[win] = F32(0.05) * tex * (F32(0.45) + np.exp(r * F32(-1 / 0.18)))
    return out


def _ribs(D, X, Y, ax, p: Patient, inside, d_lat) -> None:
    """Posterior ribs (curving down laterally) and fainter anterior ribs, as periodic bands."""
    curve = 1.6 * ax * ax - 0.35 * ax
    phase = (Y - F32(p.y_apex - 0.02) - curve) / F32(p.rib_spacing) + F32(p.rib_phase)
    frac = phase - np.floor(phase)
    band = np.sqrt(np.clip(1 - np.abs(frac - 0.25) / 0.2, 0, 1))
    within = ramp(d_lat + 0.03 - ax, 0.015) * ramp(ax - 0.03, 0.01) * (phase > 0) * (phase < 10) * inside
    D += F32(0.13) * band * within
    phase2 = (Y - F32(p.y_apex + 0.1) + 0.45 * ax) / F32(p.rib_spacing * 1.15) + F32(p.rib_phase)
    frac2 = phase2 - np.floor(phase2)
    band2 = np.clip(1 - np.abs(frac2 - 0.2) / 0.15, 0, 1)
    D += F32(0.05) * band2 * within * (phase2 > 0) * (phase2 < 6)


@dataclass
class Lateral:
    """A lateral scene. x runs anterior (left) to posterior (right); y as in the frontal view."""

    p: Patient
    size: int
    X: np.ndarray
    Y: np.ndarray
    D: np.ndarray
    lung: np.ndarray = None  # soft mask of the lungs (both, superimposed)
    markings: np.ndarray = None  # vessel markings, added last
    x_front: float = 0.0  # anterior and posterior limits of the lungs
    x_back: float = 0.0
    heart: tuple[float, float, float, float] = (0, 0, 0, 0)
    hilum: tuple[float, float] = (0, 0)
    trachea: tuple[tuple[float, float], tuple[float, float]] = ((0, 0), (0, 1))  # top, carina

    def dome_y(self, side: str, x):
        """Diaphragm of ``side``: highest in front of the middle, deepest in the posterior sulcus."""
        p = self.p
        z = (x - self.x_front) / (self.x_back - self.x_front)
        top = p.y_cp - p.dome_rise[side] - 0.01
        front = np.clip((0.35 - z) / 0.35, 0, None)  # the anterior costophrenic angle dips a little
        return top + 0.114 * ((z - 0.35) / 0.65) ** 2 + 0.02 * front**2

    def point(self, z: float, t: float) -> tuple[float, float]:
        """Image point at depth ``z`` (0 anterior .. 1 posterior) and height ``t`` of the lung."""
        return self.x_front + z * (self.x_back - self.x_front), self.p.y_apex + t * self.p.height


def build_lateral(p: Patient, size: int, rng: np.random.Generator) -> Lateral:
    x_mid = 0.5 + 0.02 * p.rotation / 4
    x_a, x_p = x_mid - p.depth / 2, x_mid + p.depth / 2
    X, Y = rotated_grid(size, p.rotation * 0.5, x_mid, 0.5)
    sc = Lateral(p=p, size=size, X=X, Y=Y, D=np.zeros((size, size), F32))
    sc.x_front, sc.x_back = x_a + 0.035, x_p - 0.1 * p.scale
    D = sc.D

    # Body: chest wall in front, back behind; the neck is narrower; arms over the upper chest.
    bulge = F32(0.03) * np.sin(np.pi * np.clip((Y - F32(p.y_apex)) / F32(1.2 - p.y_apex), 0, 1))
    front = np.where(Y < p.y_apex, x_a + 0.1 * (p.y_apex - Y) / p.y_apex + 0.02, x_a - bulge).astype(F32)
    inside = ramp(X - front, 0.012) * ramp(F32(x_p + 0.03) + bulge - X, 0.012)
    D += F32(1.15) * inside
    D += F32(0.25) * ramp(F32(p.y_apex + 0.14) - Y, 0.05) * inside

    # Lungs: both superimposed; apex rounded; bounded by the diaphragm domes below.
    z = (X - F32(sc.x_front)) / F32(sc.x_back - sc.x_front)
    apex = F32(p.y_apex) + F32(0.12) * ((z - 0.55) / 0.55) ** 2
    dome = {side: sc.dome_y(side, X) for side in ("right", "left")}
    domes = np.maximum(dome["right"], dome["left"])
    tl = np.clip((Y - F32(p.y_apex)) / F32(p.height), 0, 1)
    z_front, z_back = F32(0.15) * (1 - tl) ** 2, 1 - F32(0.12) * (1 - tl) ** 3  # curved borders
    sc.lung = ramp(z - z_front, 0.03) * ramp(z_back - z, 0.03) * ramp(Y - apex, 0.008) * ramp(domes - Y, 0.006)
    # Heart: anterior and low, resting on the diaphragm; its depth grows with the ratio.
    al = 0.1 * p.scale * (p.ctr / 0.42)
    bl = 0.14 * p.scale * (1 + 0.6 * (p.ctr - 0.42))
    xh = sc.x_front + 0.01 + al
    yh = p.y_cp - p.dome_rise["left"] - 0.25 * bl
    sc.heart = (xh, yh, al, bl)
    heart = ellipse(X, Y, xh, yh, al, bl)
    sc.lung = sc.lung * (1 - heart)
    D -= F32(0.6) * sc.lung
    D += F32(0.22) * heart
    D += F32(0.2) * ramp(Y - domes, 0.004) * inside  # abdomen
    # The two domes as faint separate contours (the right one higher).
    near_domes = ramp(domes - Y + 0.03, 0.01) * inside
    for side in ("right", "left"):
        D += F32(0.05) * ramp(Y - dome[side], 0.004) * near_domes

    # Trachea to the carina, hilum, aortic arch.
    cy = p.carina_y
    sc.trachea = ((x_mid - 0.05, 0.0), (x_mid - 0.03, cy))
    add_polyline(D, X, Y, list(sc.trachea), 0.03 * p.scale, -0.22)
    sc.hilum = (x_mid - 0.02, cy + 0.06)
    add_disc(D, X, Y, *sc.hilum, 0.045 * p.scale, 0.18)
    arch = [(x_mid - 0.09, yh - bl), (x_mid - 0.06, p.y_apex + 0.09), (x_mid + 0.02, p.y_apex + 0.08),
            (x_mid + 0.06, p.y_apex + 0.13), (x_mid + 0.07, yh)]
    add_polyline(D, X, Y, arch, 0.03 * p.scale, 0.08, soft=0.01)
    # Markings: vessels radiating from the hilum both ways.
    box = (sc.x_front - 0.05, p.y_apex - 0.06, sc.x_back + 0.05, p.y_cp + 0.1)
    markings = _vessel_markings(X, Y, *sc.hilum, 1.0, rng, box)
    sc.markings = markings * F32(0.8) * sc.lung

    # Spine: vertebral bodies and discs behind the lungs; sternum in front.
    vy = (Y - F32(p.y_apex)) / F32(p.rib_spacing * 0.95)
    discs = np.clip(np.abs(vy - np.round(vy)) / 0.12, 0, 1)
    col = ramp(X - F32(x_p - 0.095 * p.scale), 0.006) * ramp(F32(x_p - 0.035 * p.scale) - X, 0.006)
    D += F32(0.35) * col * discs * inside
    D += F32(0.12) * ramp(X - F32(x_p - 0.035 * p.scale), 0.01) * inside  # posterior elements
    add_polyline(D, X, Y, [(x_a + 0.02, p.y_apex + 0.05), (x_a + 0.012, p.y_apex + 0.4 * p.height)],
                 0.016, 0.25, soft=0.004)
    # Posterior ribs: faint oblique bands over the back of the lungs.
    phase = (Y + 0.5 * (X - F32(x_mid))) / F32(p.rib_spacing) + F32(p.rib_phase)
    frac = phase - np.floor(phase)
    D += F32(0.06) * np.clip(1 - np.abs(frac - 0.25) / 0.2, 0, 1) * ramp(z - 0.45, 0.2) * sc.lung
    # Gastric bubble under the left dome, behind the heart.
    gx = sc.x_front + 0.62 * (sc.x_back - sc.x_front)
    gy = float(sc.dome_y("left", gx)) + 0.04
    D -= F32(0.3) * ellipse(X, Y, gx, gy, 0.04, 0.02, 0.3)
    return sc
