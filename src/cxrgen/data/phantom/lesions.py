"""Drawing each finding on the frontal and lateral scenes of a phantom, consistently.

Each finding is placed from its stated attributes (side, zone, size) and drawn where a reader
looks for it, with the sign a radiology textbook names (Felson, Principles of Chest Roentgenology):
a blunted costophrenic angle with a meniscus for effusion, a visceral pleural line with no
vessels beyond it for pneumothorax, a silhouette wider than half the thorax for cardiomegaly.
The lateral view shows the same finding at the same height (effusion in the posterior sulcus,
a lesion at the same level, a larger heart).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cxrgen.data.phantom.anatomy import CM_PER_UNIT, Frontal, Lateral, Patient
from cxrgen.data.phantom.findings import EFFUSION_HEIGHT, PNEUMOTHORAX_DEPTH, Findings
from cxrgen.data.phantom.labels import FINDINGS
from cxrgen.data.phantom.raster import F32, add_disc, add_polyline, bezier, ramp, smooth_noise

# Vertical extent (t: 0 apex .. 1 costophrenic angle) of the upper, middle and lower zones.
ZONE_T = {"upper": (0.0, 0.36), "middle": (0.33, 0.66), "lower": (0.62, 1.08)}
# Where a lesion's centre may fall in each zone, keeping it inside the lung field.
LESION_T = {"upper": (0.18, 0.3), "middle": (0.4, 0.58), "lower": (0.66, 0.8)}
# Lateral-view depth (z: 0 anterior .. 1 posterior) and height of each lobe's consolidation:
# upper lobes superior, middle lobe / lingula anterior, lower lobes posterior and basal.
LOBE_ZT = {"upper": ((0.0, 0.75), (0.0, 0.42)), "middle": ((0.0, 0.5), (0.4, 0.78)),
           "lower": ((0.45, 1.1), (0.5, 1.1))}
EDEMA_STRENGTH = {"mild": 0.7, "moderate": 0.95, "severe": 1.25}
ATELECTASIS_DOME_RISE = 0.045  # volume loss raises the hemidiaphragm


def _sides(side: str) -> tuple[str, ...]:
    return ("right", "left") if side == "bilateral" else (side,)


def adjust_patient(p: Patient, findings: Findings) -> None:
    """Findings that change the anatomy itself: atelectasis raises its hemidiaphragm."""
    if "Atelectasis" in findings:
        p.dome_rise[findings["Atelectasis"]["side"]] += ATELECTASIS_DOME_RISE * p.scale


def draw(findings: Findings, fr: Frontal, la: Lateral, rng: np.random.Generator) -> None:
    """Draw every present finding on both views, in the fixed order of FINDINGS."""
    for name in FINDINGS:
        if name in findings and name in DRAW:
            DRAW[name](findings[name], fr, la, rng)


def _effusion(a: dict[str, Any], fr: Frontal, la: Lateral, rng) -> None:
    p, Y = fr.p, fr.Y
    lat_fluid = np.zeros_like(la.D)
    for side in _sides(a["side"]):
        frac = rng.uniform(*EFFUSION_HEIGHT[a["size"]])
        # Meniscus: the fluid climbs higher along the lateral chest wall.
        level = F32(p.y_cp) - F32(frac * p.height) * (F32(0.75) + F32(0.45) * fr.u[side] ** 1.5)
        fluid = fr.hemi[side] * ramp(Y - level, 0.02) * ramp(F32(p.y_cp + 0.03) - Y, 0.01)
        fr.D += F32(0.68) * fluid * fr.lung[side] + F32(0.12) * fluid
        fr.markings[side] *= 1 - fluid
        # Lateral: fluid fills the posterior costophrenic sulcus first, meniscus rising backwards.
        z = (la.X - F32(la.x_front)) / F32(la.x_back - la.x_front)
        lvl = F32(p.y_cp + 0.04) - F32(frac * p.height) * (F32(0.45) + F32(0.75) * np.clip(z, 0, 1) ** 2)
        lat_fluid = np.maximum(lat_fluid, ramp(la.Y - lvl, 0.02) * ramp(z + 0.1, 0.1))
    lat_fluid *= la.lung
    la.D += F32(0.5) * lat_fluid
    la.markings *= 1 - lat_fluid


def _pneumothorax(a: dict[str, Any], fr: Frontal, la: Lateral, rng) -> None:
    side, p = a["side"], fr.p
    depth = rng.uniform(*PNEUMOTHORAX_DEPTH[a["size"]])
    # The visceral pleura parallels the chest wall, further from it at the apex (air rises).
    u_c = F32(1 - depth) + F32(depth * 0.6) * np.clip(fr.t, 0, 1)
    gap = (fr.u[side] - u_c) * fr.width  # signed distance to the pleural line
    air = fr.lung[side] * ramp(gap, 0.004)
    fr.markings[side] *= 1 - air
    fr.D -= F32(0.15) * air
    fr.D += F32(0.16) * fr.lung[side] * np.exp(-((gap / F32(0.0035)) ** 2))
    # Lateral: a lucent apical cap with a faint pleural line.
    apex_gap = la.Y - F32(p.y_apex + 0.08 * p.scale + depth * 0.22 * p.height)
    la.D -= F32(0.06) * la.lung * ramp(-apex_gap, 0.004)
    la.D += F32(0.08) * la.lung * np.exp(-((apex_gap / F32(0.004)) ** 2))
    la.markings *= 1 - ramp(-apex_gap, 0.004)


def _lesion(a: dict[str, Any], fr: Frontal, la: Lateral, rng, *, mass: bool) -> None:
    p = fr.p
    r = a["size_cm"] / 2 / CM_PER_UNIT * p.scale
    t = rng.uniform(*LESION_T[a["zone"]])
    u = rng.uniform(0.35, 0.65) if mass else rng.uniform(0.25, 0.8)
    x, y = fr.point(a["side"], u, t)
    z = rng.uniform(0.3, 0.7) if mass else rng.uniform(0.15, 0.85)
    lobes = None
    if mass:  # lobulated outline: two harmonics of random phase
        lobes = [(0.12, 3, rng.uniform(0, 2 * np.pi)), (0.07, 5, rng.uniform(0, 2 * np.pi))]
    density = 0.55 if mass else 0.8  # nodules are small: a dense, well-defined spot
    add_disc(fr.D, fr.X, fr.Y, x, y, r, density, lobulation=lobes)
    add_disc(la.D, la.X, la.Y, *la.point(z, t), r, density * 0.8, lobulation=lobes)


def _consolidation(a: dict[str, Any], fr: Frontal, la: Lateral, rng) -> None:
    side, (t0, t1) = a["side"], ZONE_T[a["zone"]]
    size = fr.size
    u0 = rng.uniform(0.0, 0.35)
    patch = ramp(smooth_noise(rng, size, 9) + F32(0.7), 0.9)  # fluffy, ill-defined edges
    zone = ramp(fr.t - F32(t0), 0.08) * ramp(F32(t1) - fr.t, 0.08) * ramp(fr.u[side] - F32(u0), 0.2)
    cons = fr.lung[side] * zone * patch
    # Air bronchograms: the vessel texture, inverted, shows as dark branching lines inside.
    bronchi = np.clip(fr.markings[side] * F32(10), 0, 1)
    fr.D += F32(0.55) * cons - F32(0.18) * cons * bronchi
    fr.markings[side] *= 1 - cons
    (z0, z1), (s0, s1) = LOBE_ZT[a["zone"]]
    z = (la.X - F32(la.x_front)) / F32(la.x_back - la.x_front)
    tl = (la.Y - F32(la.p.y_apex)) / F32(la.p.height)
    lat = la.lung * ramp(z - F32(z0), 0.1) * ramp(F32(z1) - z, 0.1) * ramp(tl - F32(s0), 0.08)
    lat = lat * ramp(F32(s1) - tl, 0.08) * ramp(smooth_noise(rng, size, 9) + F32(0.7), 0.9)
    la.D += F32(0.35) * lat
    la.markings *= 1 - lat


def _atelectasis(a: dict[str, Any], fr: Frontal, la: Lateral, rng) -> None:
    side = a["side"]
    t, u = rng.uniform(0.7, 0.8), rng.uniform(0.35, 0.6)
    x, y = fr.point(side, u, t)
    half = rng.uniform(0.05, 0.08) * fr.p.scale
    tilt = np.deg2rad(rng.uniform(-12, 12))
    dx, dy = half * np.cos(tilt), half * np.sin(tilt)
    bend = rng.uniform(-0.008, 0.008)
    pts = bezier((x - dx, y - dy), (x, y + bend), (x + dx, y + dy), 8)
    thick = rng.uniform(0.012, 0.018) * fr.p.scale
    add_polyline(fr.D, fr.X, fr.Y, pts, thick, 0.5, mask=fr.lung[side], soft=0.003)
    lx, ly = la.point(rng.uniform(0.4, 0.75), t)
    add_polyline(la.D, la.X, la.Y, [(lx - half, ly - dy), (lx + half, ly + dy)], thick, 0.3, mask=la.lung, soft=0.003)


def _edema(a: dict[str, Any], fr: Frontal, la: Lateral, rng) -> None:
    s = EDEMA_STRENGTH[a["severity"]]
    for side in ("right", "left"):
        hx, hy = fr.hilum[side]
        r2 = (fr.X - F32(hx)) ** 2 + (fr.Y - F32(hy)) ** 2
        # Bat-wing perihilar haze, and indistinct, prominent vessels.
        haze = np.exp(-r2 / F32(0.018)) + F32(0.15)
        fr.D += F32(0.32 * s) * haze * fr.lung[side]
        fr.markings[side] *= F32(1 + 0.6 * s)
        if a["severity"] != "mild":  # Kerley B lines: short horizontal lines at the lateral bases
            period = 0.014 * fr.p.scale
            ph = fr.Y / F32(period) + F32(rng.uniform(0, 1))
            line = np.clip(1 - np.abs(ph - np.floor(ph) - F32(0.5)) / F32(0.18), 0, 1)
            where = ramp(fr.u[side] - F32(0.84), 0.04) * ramp(fr.t - F32(0.6), 0.05)
            fr.D += F32(0.2) * line * where * fr.lung[side]
    r2 = (la.X - F32(la.hilum[0])) ** 2 + (la.Y - F32(la.hilum[1])) ** 2
    la.D += F32(0.25 * s) * (np.exp(-r2 / F32(0.02)) + F32(0.1)) * la.lung


def _devices(a: dict[str, Any], fr: Frontal, la: Lateral, rng) -> None:
    p = fr.p
    X, Y, D = fr.X, fr.Y, fr.D
    xm = la.x_front + 0.5 * (la.x_back - la.x_front)  # lateral: middle of the chest
    xh, yh, ah, bh = fr.heart
    lxh, lyh, lah, lbh = la.heart
    cy = p.carina_y
    for device in a["devices"]:
        if device == "endotracheal_tube":
            tip = cy - a["ett_tip_cm"] / CM_PER_UNIT * p.scale
            add_polyline(D, X, Y, [(p.cx - 0.004, 0.0), (p.cx - 0.004, tip)], 0.022 * p.scale, 0.15)
            add_polyline(D, X, Y, [(p.cx - 0.004, 0.0), (p.cx - 0.004, tip)], 0.005, 1.0)  # radio-opaque stripe
            (x0, y0), (x1, y1) = la.trachea
            add_polyline(la.D, la.X, la.Y, [(x0, y0), (x0 + (x1 - x0) * tip / y1, tip)], 0.005, 0.9)
        elif device == "central_line":
            if a["line_side"] == "right":  # right internal jugular vein to the superior vena cava
                pts = bezier((p.cx - 0.1, 0.0), (p.cx - 0.05, p.y_apex + 0.03), (p.cx - 0.035, cy + 0.04), 10)
            else:  # left internal jugular, crossing the mediastinum (brachiocephalic vein)
                pts = np.vstack([bezier((p.cx + 0.1, 0.0), (p.cx + 0.07, p.y_apex + 0.05), (p.cx + 0.01, cy - 0.02), 8),
                                 [(p.cx - 0.035, cy + 0.04)]])
            add_polyline(D, X, Y, pts, 0.006, 0.9)
            add_polyline(la.D, la.X, la.Y, bezier((xm - 0.01, 0.0), (xm - 0.03, p.y_apex), (xm - 0.07, cy + 0.04), 8), 0.006, 0.8)
        elif device == "pacemaker":
            gx, gy = p.cx + 0.25 * p.scale, p.y_apex + 0.05
            add_polyline(D, X, Y, [(gx - 0.02, gy), (gx + 0.02, gy)], 0.035, 1.6, soft=0.003)  # generator
            ra = (xh - 0.55 * ah, yh - 0.35 * bh)
            rv = (xh + 0.45 * ah, yh + 0.45 * bh)
            for tip, ctrl in ((ra, (p.cx - 0.02, cy)), (rv, (p.cx - 0.05, yh))):
                pts = np.vstack([bezier((gx - 0.02, gy), (p.cx + 0.03, p.y_apex), (p.cx - 0.03, cy + 0.02), 8),
                                 bezier((p.cx - 0.03, cy + 0.02), ctrl, tip, 8)])
                add_polyline(D, X, Y, pts, 0.005, 1.0)
            lg = (la.x_front - 0.01, p.y_apex + 0.06)
            add_polyline(la.D, la.X, la.Y, [(lg[0], lg[1] - 0.01), (lg[0], lg[1] + 0.01)], 0.025, 1.6, soft=0.003)
            for tip in ((lxh + 0.3 * lah, lyh - 0.5 * lbh), (lxh - 0.3 * lah, lyh + 0.5 * lbh)):
                add_polyline(la.D, la.X, la.Y, bezier(lg, (xm - 0.02, cy), tip, 10), 0.005, 0.9)
        elif device == "nasogastric_tube":
            stomach = (p.cx + 0.45 * p.W, float(fr.dome_y("left", 0.45 * p.W)) + 0.05)
            pts = np.vstack([[(p.cx - 0.002, 0.0), (p.cx + 0.012, cy + 0.1)],
                             bezier((p.cx + 0.012, cy + 0.1), (p.cx + 0.03, stomach[1]), stomach, 8)])
            add_polyline(D, X, Y, pts, 0.006, 0.9)
            ly = float(la.dome_y("left", xm)) + 0.05
            add_polyline(la.D, la.X, la.Y, [(xm - 0.0, 0.0), (xm + 0.01, cy + 0.1), (xm - 0.04, ly)], 0.006, 0.8)


DRAW = {
    "Pleural Effusion": _effusion,
    "Pneumothorax": _pneumothorax,
    "Nodule": lambda a, fr, la, rng: _lesion(a, fr, la, rng, mass=False),
    "Mass": lambda a, fr, la, rng: _lesion(a, fr, la, rng, mass=True),
    "Consolidation": _consolidation,
    "Atelectasis": _atelectasis,
    "Edema": _edema,
    "Support Devices": _devices,
    # Cardiomegaly is drawn by the anatomy itself: the heart's width is the patient's ratio.
}
