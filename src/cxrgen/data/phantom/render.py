"""Render one phantom study: a patient, its findings drawn on both views, densities to pixels."""

from __future__ import annotations

import numpy as np

from cxrgen.data.phantom import lesions
from cxrgen.data.phantom.anatomy import Patient, build_frontal, build_lateral, sample_patient
from cxrgen.data.phantom.findings import Findings
from cxrgen.data.phantom.raster import F32, smooth_noise

MIN_SIZE = 64  # below this a 1 cm nodule is under two pixels: the findings stop being visible
MAX_SIZE = 2048


def to_pixels(D: np.ndarray, p: Patient, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Densities to an 8-bit radiograph: Beer-Lambert exposure, gamma, uneven field, noise."""
    size = D.shape[0]
    img = 1 - np.exp(-F32(p.exposure * gain) * np.maximum(D, 0))
    img = img ** F32(p.gamma)
    img *= 1 + F32(0.05) * smooth_noise(rng, size, 4)
    img += F32(p.noise) * rng.standard_normal((size, size), dtype=F32)
    return np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)


def render_study(findings: Findings, rng: np.random.Generator, size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """The frontal (PA) and lateral images (uint8, ``size`` x ``size``) of a study with ``findings``.

    The patient, the exact place of each finding within its stated zone, the textures and the
    noise all come from ``rng``: the same generator state gives the same pixels.
    """
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"image size {size} is out of range; use {MIN_SIZE}..{MAX_SIZE} pixels")
    ctr = findings["Cardiomegaly"]["ctr"] if "Cardiomegaly" in findings else None
    p = sample_patient(rng, ctr=ctr)
    lesions.adjust_patient(p, findings)
    fr = build_frontal(p, size, rng)
    la = build_lateral(p, size, rng)
    lesions.draw(findings, fr, la, rng)
    frontal_D = fr.D + fr.markings["right"] + fr.markings["left"]
    lateral_D = la.D + la.markings
    return to_pixels(frontal_D, p, rng), to_pixels(lateral_D, p, rng, gain=0.8)
