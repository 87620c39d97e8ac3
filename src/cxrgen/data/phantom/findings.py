"""Sampling of a phantom study's findings: which are present and their attributes.

Each finding is drawn independently with its own prevalence, so that no finding predicts another
and no text prior can guess a study's report: only the image tells. The attributes are those a
reader sees and writes (side, size, zone, severity); the renderer places each finding from them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cxrgen.data.phantom.labels import FINDINGS

# Probability of each finding in a study. With these about 18% of studies are normal and about
# 48% have two findings or more (computed in tests/data/test_phantom_findings.py).
PREVALENCE: dict[str, float] = {
    "Cardiomegaly": 0.2,
    "Pleural Effusion": 0.2,
    "Pneumothorax": 0.15,
    "Nodule": 0.15,
    "Mass": 0.15,
    "Consolidation": 0.2,
    "Atelectasis": 0.15,
    "Edema": 0.15,
    "Support Devices": 0.2,
}

SIDES = ("right", "left")
ZONES = ("upper", "middle", "lower")
SIZES = ("small", "moderate", "large")
SEVERITIES = ("mild", "moderate", "marked")  # cardiomegaly
EDEMA_SEVERITIES = ("mild", "moderate", "severe")

# Cardiothoracic ratio: normal on a PA film is below 0.5 (Danzer 1919); the phantom's normal
# hearts lie in 0.38-0.46 and enlarged ones in 0.54-0.68, cut into mild/moderate/marked.
CTR_NORMAL = (0.38, 0.46)
CTR_ENLARGED = (0.54, 0.68)
CTR_SEVERITY_CUTS = (0.58, 0.63)

# Lesion diameters in cm: a nodule is up to 3 cm, a mass larger (Fleischner glossary,
# Hansell et al., Radiology 2008).
NODULE_CM = (1.2, 2.8)
MASS_CM = (3.5, 7.0)

# Fraction of the hemithorax height that fluid fills, per effusion size.
EFFUSION_HEIGHT = {"small": (0.12, 0.18), "moderate": (0.26, 0.36), "large": (0.45, 0.6)}
# Fraction of the hemithorax width (at the apex) between the pleural line and the chest wall.
PNEUMOTHORAX_DEPTH = {"small": (0.14, 0.22), "moderate": (0.3, 0.42), "large": (0.55, 0.7)}

DEVICES = ("endotracheal_tube", "central_line", "pacemaker", "nasogastric_tube")
# Probability of each device in a study with Support Devices (at least one is always drawn).
DEVICE_PREVALENCE = {"endotracheal_tube": 0.45, "central_line": 0.5, "pacemaker": 0.4, "nasogastric_tube": 0.35}

Findings = dict[str, dict[str, Any]]  # present finding name -> its attributes


def _ctr_severity(ctr: float) -> str:
    lo, hi = CTR_SEVERITY_CUTS
    return "mild" if ctr < lo else ("moderate" if ctr < hi else "marked")


def _uniform(rng: np.random.Generator, lo_hi: tuple[float, float], digits: int = 2) -> float:
    return round(float(rng.uniform(*lo_hi)), digits)


def sample_attributes(name: str, rng: np.random.Generator) -> dict[str, Any]:
    """The attributes of one present finding."""
    if name == "Cardiomegaly":
        ctr = _uniform(rng, CTR_ENLARGED)
        return {"ctr": ctr, "severity": _ctr_severity(ctr)}
    if name == "Pleural Effusion":
        side = str(rng.choice(("right", "left", "bilateral"), p=(0.4, 0.35, 0.25)))
        size = str(rng.choice(SIZES, p=(0.45, 0.35, 0.2)))
        return {"side": side, "size": size}
    if name == "Pneumothorax":
        return {"side": str(rng.choice(SIDES)), "size": str(rng.choice(SIZES, p=(0.4, 0.35, 0.25)))}
    if name in ("Nodule", "Mass"):
        cm = _uniform(rng, NODULE_CM if name == "Nodule" else MASS_CM, 1)
        return {"side": str(rng.choice(SIDES)), "zone": str(rng.choice(ZONES)), "size_cm": cm}
    if name == "Consolidation":
        return {"side": str(rng.choice(SIDES)), "zone": str(rng.choice(ZONES))}
    if name == "Atelectasis":
        # Plate-like (subsegmental) atelectasis of a lung base, with volume loss (raised dome).
        return {"side": str(rng.choice(SIDES)), "zone": "lower", "type": "plate-like"}
    if name == "Edema":
        return {"severity": str(rng.choice(EDEMA_SEVERITIES, p=(0.4, 0.4, 0.2)))}
    if name == "Support Devices":
        devices = [d for d in DEVICES if rng.random() < DEVICE_PREVALENCE[d]]
        if not devices:
            devices = [str(rng.choice(DEVICES))]
        attrs: dict[str, Any] = {"devices": devices}
        if "endotracheal_tube" in devices:
            attrs["ett_tip_cm"] = _uniform(rng, (2.0, 6.0), 1)  # tip above the carina
        if "central_line" in devices:
            attrs["line_side"] = str(rng.choice(SIDES, p=(0.7, 0.3)))
        return attrs
    raise ValueError(f"unknown phantom finding {name!r}; valid: {', '.join(FINDINGS)}")


def sample_findings(rng: np.random.Generator, prevalence: dict[str, float] | None = None) -> Findings:
    """Draw the present findings of one study and their attributes, each independently."""
    prevalence = PREVALENCE if prevalence is None else prevalence
    unknown = set(prevalence) - set(FINDINGS)
    if unknown:
        raise ValueError(f"unknown phantom finding(s) {sorted(unknown)}; valid: {', '.join(FINDINGS)}")
    present = [name for name in FINDINGS if rng.random() < prevalence.get(name, 0.0)]
    return {name: sample_attributes(name, rng) for name in present}


def labels_of(findings: Findings) -> dict[str, int]:
    """The exact ground-truth labels (1 present / 0 absent) of every phantom finding."""
    return {name: int(name in findings) for name in FINDINGS}
