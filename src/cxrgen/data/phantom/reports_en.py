"""English phrasebook of the phantom reports, in the style of MIMIC-CXR / IU X-Ray reports.

Vocabulary is the one the CheXpert labeler's mention lists recognise (Irvin et al. 2019):
"cardiomegaly", "pleural effusion", "pneumothorax", "nodule", "mass", "consolidation",
"atelectasis", "pulmonary edema", "endotracheal tube", "central venous catheter", "pacemaker".
"""

from __future__ import annotations

from typing import Any

import numpy as np

SEP = " "

MEDIASTINUM = ("The mediastinal contours are normal.", "Mediastinal and hilar contours are unremarkable.",
               "The hilar and mediastinal contours are within normal limits.")
LUNGS_CLEAR = ("The lungs are well expanded.", "The lungs are clear.", "Lungs are well aerated.")
SHARP_KEY = "costophrenic"  # SHARP_ANGLES is not added when a negative already says it
SHARP_ANGLES = ("The costophrenic angles are sharp.", "Both costophrenic angles are clear.")
BONES = ("No acute osseous abnormality.", "The osseous structures are intact.",
         "Visualized osseous structures are unremarkable.", "No displaced rib fracture.")
NORMAL_IMPRESSIONS = ("No acute cardiopulmonary process.", "No acute cardiopulmonary abnormality.",
                      "Normal chest radiograph.")
INDICATIONS = ("Shortness of breath.", "Cough and fever.", "Chest pain.", "Preoperative evaluation.",
               "Dyspnea.", "Routine examination.", "Follow-up.", "Fatigue.")
COMPARISONS = ("None.", "None available.", "No prior studies.")

ZONE = {"upper": "upper", "middle": "mid", "lower": "lower"}
LOBE = {("right", "upper"): "right upper lobe", ("right", "middle"): "right middle lobe",
        ("right", "lower"): "right lower lobe", ("left", "upper"): "left upper lobe",
        ("left", "middle"): "lingula", ("left", "lower"): "left lower lobe"}
ADVERB = {"mild": "mildly", "moderate": "moderately", "marked": "markedly"}
DEVICE_NOUN = {"endotracheal_tube": "endotracheal tube", "central_line": "central venous catheter",
               "pacemaker": "pacemaker", "nasogastric_tube": "nasogastric tube"}
NEGATED = {  # noun phrase used in "No X, Y or Z."
    "Cardiomegaly": "cardiomegaly", "Pleural Effusion": "pleural effusion", "Pneumothorax": "pneumothorax",
    "Nodule": "pulmonary nodule", "Mass": "mass", "Consolidation": "focal consolidation",
    "Atelectasis": "atelectasis", "Edema": "pulmonary edema",
}
SINGLE_NEGATIVES = {
    "Cardiomegaly": ("Heart size is normal.", "The cardiac silhouette is normal in size.", "Normal heart size.",
                     "The heart is not enlarged."),
    "Pleural Effusion": ("No pleural effusion.", "There is no pleural effusion.", "No pleural effusion is seen."),
    "Pneumothorax": ("No pneumothorax.", "There is no pneumothorax.", "No pneumothorax is seen."),
    "Consolidation": ("No focal consolidation.", "There is no consolidation."),
    "Edema": ("No pulmonary edema.", "There is no pulmonary edema.", "No evidence of pulmonary edema."),
    "Atelectasis": ("No atelectasis.", "There is no atelectasis."),
    "Nodule": ("No pulmonary nodule.", "No suspicious pulmonary nodule."),
    "Mass": ("No mass.", "No pulmonary mass."),
}


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _join_and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _join_or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def negative(names: list[str], rng: np.random.Generator) -> str:
    """One sentence negating every finding in ``names``."""
    if len(names) == 1 and rng.random() < 0.7:
        return _pick(rng, SINGLE_NEGATIVES[names[0]])
    return f"No {_join_or([NEGATED[n] for n in names])}."


def _devices(a: dict[str, Any], rng) -> list[str]:
    out = []
    for d in a["devices"]:
        if d == "endotracheal_tube":
            cm = a["ett_tip_cm"]
            out.append(_pick(rng, (f"Endotracheal tube tip is {cm:.1f} cm above the carina.",
                                   f"An endotracheal tube terminates {cm:.1f} cm above the carina.")))
        elif d == "central_line":
            side = a["line_side"]
            out.append(_pick(rng, (f"{_cap(side)} internal jugular central venous catheter terminates in the superior vena cava.",
                                   f"A {side}-sided central venous catheter is present with its tip in the SVC.")))
        elif d == "pacemaker":
            out.append(_pick(rng, ("Left-sided pacemaker with leads in the right atrium and right ventricle.",
                                   "A dual-chamber pacemaker is present, leads terminating in the right atrium and right ventricle.")))
        elif d == "nasogastric_tube":
            out.append(_pick(rng, ("Nasogastric tube courses below the diaphragm with its tip in the stomach.",
                                   "A nasogastric tube is in place, tip in the stomach.")))
    return out


def positive(name: str, a: dict[str, Any], rng: np.random.Generator) -> list[str]:
    """Sentences describing a present finding with its attributes."""
    if name == "Cardiomegaly":
        sev, ctr = a["severity"], a["ctr"]
        return [_pick(rng, (f"The heart is {ADVERB[sev]} enlarged.", f"{_cap(sev)} cardiomegaly.",
                            f"There is {sev} cardiomegaly, with a cardiothoracic ratio of about {ctr:.2f}.",
                            f"The cardiac silhouette is {ADVERB[sev]} enlarged, consistent with cardiomegaly."))]
    if name == "Pleural Effusion":
        size, side = a["size"], a["side"]
        if side == "bilateral":
            return [_pick(rng, (f"{_cap(size)} bilateral pleural effusions.",
                                f"There are {size} bilateral pleural effusions blunting both costophrenic angles."))]
        return [_pick(rng, (f"{_cap(size)} {side} pleural effusion.",
                            f"There is a {size} {side} pleural effusion with blunting of the {side} costophrenic angle.",
                            f"Blunting of the {side} costophrenic angle with a meniscus, consistent with a {size} {side} pleural effusion."))]
    if name == "Pneumothorax":
        size, side = a["size"], a["side"]
        return [_pick(rng, (f"{_cap(size)} {side} pneumothorax.",
                            f"There is a {size} {side} pneumothorax. The visceral pleural line is visible.",
                            f"A {size} {side}-sided pneumothorax is present."))]
    if name in ("Nodule", "Mass"):
        side, zone, cm = a["side"], ZONE[a["zone"]], a["size_cm"]
        if name == "Nodule":
            return [_pick(rng, (f"A {cm:.1f} cm nodule projects over the {side} {zone} zone.",
                                f"There is a {cm:.1f} cm well-circumscribed nodule in the {side} {zone} zone.",
                                f"{_cap(side)} {zone} zone nodule measuring {cm:.1f} cm."))]
        return [_pick(rng, (f"A {cm:.1f} cm mass in the {side} {zone} zone.",
                            f"There is a lobulated {cm:.1f} cm mass in the {side} {zone} zone.",
                            f"{_cap(side)} {zone} zone mass measuring {cm:.1f} cm."))]
    if name == "Consolidation":
        lobe = LOBE[(a["side"], a["zone"])]
        return [_pick(rng, (f"Consolidation in the {lobe}.", f"There is airspace consolidation in the {lobe}.",
                            f"{_cap(lobe)} consolidation with air bronchograms."))]
    if name == "Atelectasis":
        side = a["side"]
        return [_pick(rng, (f"Plate-like atelectasis at the {side} lung base.",
                            f"Linear opacity at the {side} base consistent with subsegmental atelectasis, "
                            f"with elevation of the {side} hemidiaphragm."))]
    if name == "Edema":
        sev = a["severity"]
        out = [_pick(rng, (f"{_cap(sev)} pulmonary edema.",
                           f"Bilateral perihilar haziness consistent with {sev} pulmonary edema.",
                           f"There is {sev} pulmonary edema with indistinct pulmonary vasculature."))]
        if sev != "mild":
            out.append("Kerley B lines at the lung bases.")
        return out
    if name == "Support Devices":
        return _devices(a, rng)
    raise ValueError(f"no English phrasing for finding {name!r}")


def impression_item(name: str, a: dict[str, Any], rng: np.random.Generator) -> str:
    """A short impression line for a present finding."""
    if name == "Cardiomegaly":
        return f"{_cap(a['severity'])} cardiomegaly."
    if name == "Pleural Effusion":
        if a["side"] == "bilateral":
            return f"{_cap(a['size'])} bilateral pleural effusions."
        return f"{_cap(a['size'])} {a['side']} pleural effusion."
    if name == "Pneumothorax":
        return f"{_cap(a['size'])} {a['side']} pneumothorax."
    if name in ("Nodule", "Mass"):
        what = name.lower()
        return f"{a['size_cm']:.1f} cm {what} in the {a['side']} {ZONE[a['zone']]} zone."
    if name == "Consolidation":
        lobe = LOBE[(a["side"], a["zone"])]
        return _pick(rng, (f"{_cap(lobe)} consolidation.", f"Consolidation in the {lobe}."))
    if name == "Atelectasis":
        return f"{_cap(a['side'])} basilar atelectasis."
    if name == "Edema":
        return f"{_cap(a['severity'])} pulmonary edema."
    if name == "Support Devices":
        return _cap(_join_and([DEVICE_NOUN[d] for d in a["devices"]])) + _pick(rng, (" in place.", " in satisfactory position."))
    raise ValueError(f"no English phrasing for finding {name!r}")
