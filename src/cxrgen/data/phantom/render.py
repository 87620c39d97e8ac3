"""Render one phantom study: a patient, its findings drawn on both views, densities to pixels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxrgen.data.phantom import lesions
from cxrgen.data.phantom.anatomy import Frontal, Lateral, Patient, build_frontal, build_lateral, sample_patient
from cxrgen.data.phantom.findings import Findings
from cxrgen.data.phantom.raster import F32, smooth_noise

MIN_SIZE = 64  # below this a 1 cm nodule is under two pixels: the findings stop being visible
MAX_SIZE = 2048
LUT_STEPS = 512  # lookup-table entries per unit of density
LUT_SIZE = 6 * LUT_STEPS  # densities above 6 (never reached) saturate


def to_pixels(D: np.ndarray, p: Patient, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Densities to an 8-bit radiograph: Beer-Lambert exposure, gamma, uneven field, noise."""
    size = D.shape[0]
    # (1 - exp(-k D)) ** gamma through a lookup table over density (steps of 1/512: far below
    # one grey level), three times faster than computing it per pixel.
    levels = np.arange(LUT_SIZE, dtype=np.float64) / LUT_STEPS
    lut = ((1 - np.exp(-p.exposure * gain * levels)) ** p.gamma).astype(F32)
    img = lut[np.clip(D * F32(LUT_STEPS), 0, LUT_SIZE - 1).astype(np.int32)]
    img *= 1 + F32(0.05) * smooth_noise(rng, size, 4)
    img += F32(p.noise) * rng.standard_normal((size, size), dtype=F32)
    return np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)


@dataclass
class Rendered:
    """Both images of a study and the scenes they came from (geometry for tests and overlays)."""

    frontal: np.ndarray  # (size, size) uint8
    lateral: np.ndarray
    frontal_scene: Frontal
    lateral_scene: Lateral


def render_views(findings: Findings, rng: np.random.Generator, size: int = 256) -> Rendered:
    """Render a study and keep its scenes. See :func:`render_study`."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"image size {size} is out of range; use {MIN_SIZE}..{MAX_SIZE} pixels")
    # Separate streams for the patient, the findings' placement and the noise: the same
    # generator state gives the same patient and noise whatever the findings, so a finding's
    # effect on the image is exactly the difference of two renders.
    anatomy_rng, lesion_rng, noise_rng = (np.random.default_rng(s) for s in rng.integers(2**63, size=3))
    ctr = findings["Cardiomegaly"]["ctr"] if "Cardiomegaly" in findings else None
    p = sample_patient(anatomy_rng, ctr=ctr)
    lesions.adjust_patient(p, findings)
    fr = build_frontal(p, size, anatomy_rng)
    la = build_lateral(p, size, anatomy_rng)
    lesions.draw(findings, fr, la, lesion_rng)
    frontal_D = fr.D + fr.markings["right"] + fr.markings["left"]
    lateral_D = la.D + la.markings
    return Rendered(to_pixels(frontal_D, p, noise_rng), to_pixels(lateral_D, p, noise_rng, gain=0.8), fr, la)


def render_study(findings: Findings, rng: np.random.Generator, size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """The frontal (PA) and lateral images (uint8, ``size`` x ``size``) of a study with ``findings``.

    The patient, the exact place of each finding within its stated zone, the textures and the
    noise all come from ``rng``: the same generator state gives the same pixels.
    """
    r = render_views(findings, rng, size)
    return r.frontal, r.lateral
