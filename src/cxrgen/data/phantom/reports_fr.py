"""French phrasebook of the phantom reports ("compte rendu de radiographie thoracique").

French radiology style: nominal sentences ("Épanchement pleural droit de faible abondance."),
abundance for effusions and pneumothoraces, nodules in millimetres, decimal commas, and the
vocabulary of the French CXR reports (CASIA-CXR): "cardiomégalie", "épanchement pleural",
"pneumothorax", "nodule", "masse", "condensation", "atélectasie", "œdème pulmonaire", "sonde",
"cathéter", "pacemaker".
"""

from __future__ import annotations

from typing import Any

import numpy as np

SEP = " "

MEDIASTINUM = ("Médiastin de morphologie normale.", "Hiles et médiastin sans particularité.",
               "Pas d'élargissement médiastinal.")
LUNGS_CLEAR = ("Bonne transparence des deux champs pulmonaires.", "Parenchyme pulmonaire sans anomalie.")
SHARP_KEY = "Culs-de-sac"  # SHARP_ANGLES is not added when a negative already says it
SHARP_ANGLES = ("Culs-de-sac pleuraux libres.", "Coupoles diaphragmatiques bien dessinées.")
BONES = ("Pas de lésion osseuse décelable.", "Cadre osseux sans particularité.",
         "Structures osseuses sans anomalie.")
NORMAL_IMPRESSIONS = ("Pas d'anomalie cardio-pulmonaire aiguë.", "Radiographie thoracique normale.",
                      "Absence d'anomalie radiologique significative.")
INDICATIONS = ("Dyspnée.", "Toux fébrile.", "Douleur thoracique.", "Bilan préopératoire.", "Contrôle.",
               "Asthénie.", "Bilan systématique.")
COMPARISONS = ("Aucun.", "Pas de cliché antérieur.", "Aucun examen antérieur disponible.")

SIDE_M = {"right": "droit", "left": "gauche"}
SIDE_F = {"right": "droite", "left": "gauche"}
ZONE = {"upper": "supérieur", "middle": "moyen", "lower": "inférieur"}
LOBE = {("right", "upper"): "du lobe supérieur droit", ("right", "middle"): "du lobe moyen",
        ("right", "lower"): "du lobe inférieur droit", ("left", "upper"): "du lobe supérieur gauche",
        ("left", "middle"): "de la lingula", ("left", "lower"): "du lobe inférieur gauche"}
ABUNDANCE = {"small": "de faible abondance", "moderate": "de moyenne abondance", "large": "de grande abondance"}
CARDIO = {"mild": "discrète", "moderate": "modérée", "marked": "importante"}
EDEMA = {"mild": "discret", "moderate": "modéré", "severe": "important"}
DEVICE_NOUN = {"endotracheal_tube": "sonde d'intubation", "central_line": "cathéter veineux central",
               "pacemaker": "pacemaker", "nasogastric_tube": "sonde nasogastrique"}
NEGATED = {  # noun used in "Pas de X, de Y ni de Z." (elided before a vowel)
    "Cardiomegaly": "cardiomégalie", "Pleural Effusion": "épanchement pleural", "Pneumothorax": "pneumothorax",
    "Nodule": "nodule pulmonaire", "Mass": "masse", "Consolidation": "foyer de condensation",
    "Atelectasis": "atélectasie", "Edema": "œdème pulmonaire",
}
SINGLE_NEGATIVES = {
    "Cardiomegaly": ("Pas de cardiomégalie.", "Silhouette cardiaque de taille normale, sans cardiomégalie.",
                     "Index cardiothoracique normal, pas de cardiomégalie."),
    "Pleural Effusion": ("Pas d'épanchement pleural.", "Absence d'épanchement pleural.",
                         "Culs-de-sac pleuraux libres, sans épanchement pleural."),
    "Pneumothorax": ("Pas de pneumothorax.", "Absence de pneumothorax."),
    "Consolidation": ("Pas de foyer de condensation.", "Absence de condensation alvéolaire."),
    "Edema": ("Pas d'œdème pulmonaire.", "Pas de signe d'œdème pulmonaire."),
    "Atelectasis": ("Pas d'atélectasie.", "Absence d'atélectasie."),
    "Nodule": ("Pas de nodule pulmonaire.", "Absence de nodule pulmonaire."),
    "Mass": ("Pas de masse.", "Pas de masse pulmonaire."),
}


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _de(noun: str) -> str:
    """"de X" with the elision of French before a vowel or a mute h: "d'épanchement"."""
    return ("d'" if noun[:1].lower() in "aeéèêiîoôœuh" else "de ") + noun


def _cm(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")  # French decimal comma


def negative(names: list[str], rng: np.random.Generator) -> str:
    """One sentence negating every finding in ``names``."""
    if len(names) == 1 and rng.random() < 0.7:
        return _pick(rng, SINGLE_NEGATIVES[names[0]])
    nouns = [_de(NEGATED[n]) for n in names]
    if len(nouns) == 1:
        return f"Pas {nouns[0]}."
    return "Pas " + ", ".join(nouns[:-1]) + " ni " + nouns[-1] + "."


def _devices(a: dict[str, Any], rng) -> list[str]:
    out = []
    for d in a["devices"]:
        if d == "endotracheal_tube":
            cm = _cm(a["ett_tip_cm"])
            out.append(_pick(rng, (f"Sonde d'intubation en place, extrémité à {cm} cm de la carène.",
                                   f"Sonde d'intubation orotrachéale dont l'extrémité se projette à {cm} cm au-dessus de la carène.")))
        elif d == "central_line":
            side = SIDE_M[a["line_side"]]
            out.append(_pick(rng, (f"Cathéter veineux central jugulaire interne {side}, extrémité dans la veine cave supérieure.",
                                   f"Cathéter veineux central {side} dont l'extrémité se projette sur la veine cave supérieure.")))
        elif d == "pacemaker":
            out.append(_pick(rng, ("Pacemaker pectoral gauche avec sondes en regard de l'oreillette et du ventricule droits.",
                                   "Stimulateur cardiaque (pacemaker) double chambre, sondes dans l'oreillette droite et le ventricule droit.")))
        elif d == "nasogastric_tube":
            out.append(_pick(rng, ("Sonde nasogastrique en place, extrémité dans l'estomac.",
                                   "Sonde naso-gastrique dont l'extrémité se projette sous la coupole gauche, dans l'estomac.")))
    return out


def positive(name: str, a: dict[str, Any], rng: np.random.Generator) -> list[str]:
    """Sentences describing a present finding with its attributes."""
    if name == "Cardiomegaly":
        sev, ctr = CARDIO[a["severity"]], f"{a['ctr']:.2f}".replace(".", ",")
        return [_pick(rng, (f"Cardiomégalie {sev}.", f"Cardiomégalie {sev}, index cardiothoracique à {ctr}.",
                            f"Élargissement de la silhouette cardiaque en rapport avec une cardiomégalie {sev}."))]
    if name == "Pleural Effusion":
        ab, side = ABUNDANCE[a["size"]], a["side"]
        if side == "bilateral":
            return [_pick(rng, (f"Épanchement pleural bilatéral {ab}.",
                                f"Comblement des deux culs-de-sac pleuraux en rapport avec un épanchement pleural bilatéral {ab}."))]
        s = SIDE_M[side]
        return [_pick(rng, (f"Épanchement pleural {s} {ab}.",
                            f"Comblement du cul-de-sac pleural {s} avec ligne bordante, en rapport avec un épanchement pleural {ab}.",
                            f"Émoussement du cul-de-sac costo-diaphragmatique {s} : épanchement pleural {s} {ab}."))]
    if name == "Pneumothorax":
        ab, s = ABUNDANCE[a["size"]], SIDE_M[a["side"]]
        return [_pick(rng, (f"Pneumothorax {s} {ab}.",
                            f"Pneumothorax {s} {ab}. Ligne pleurale viscérale visible, trame vasculaire non visible en périphérie.",
                            f"Décollement pleural {s} {ab} en rapport avec un pneumothorax."))]
    if name == "Nodule":
        mm = round(a["size_cm"] * 10)
        where = f"du champ pulmonaire {ZONE[a['zone']]} {SIDE_M[a['side']]}"
        return [_pick(rng, (f"Nodule de {mm} mm {where}.",
                            f"Nodule arrondi bien limité de {mm} mm se projetant au niveau {where}."))]
    if name == "Mass":
        cm = _cm(a["size_cm"])
        where = f"du champ pulmonaire {ZONE[a['zone']]} {SIDE_M[a['side']]}"
        return [_pick(rng, (f"Masse de {cm} cm {where}.",
                            f"Volumineuse opacité arrondie à contours lobulés de {cm} cm {where}, évocatrice d'une masse."))]
    if name == "Consolidation":
        lobe = LOBE[(a["side"], a["zone"])]
        return [_pick(rng, (f"Condensation alvéolaire {lobe}.", f"Foyer de condensation {lobe} avec bronchogramme aérique.",
                            f"Opacité alvéolaire systématisée {lobe}, en rapport avec une condensation."))]
    if name == "Atelectasis":
        s = SIDE_F[a["side"]]
        return [_pick(rng, (f"Atélectasie en bande de la base {s}, avec ascension de la coupole diaphragmatique {s}.",
                            f"Opacité linéaire basale {s} en rapport avec une atélectasie en bande."))]
    if name == "Edema":
        sev = EDEMA[a["severity"]]
        out = [_pick(rng, (f"Œdème pulmonaire {sev}.",
                           f"Opacités floues péri-hilaires bilatérales en rapport avec un œdème pulmonaire {sev}.",
                           f"Œdème pulmonaire {sev} avec flou des contours vasculaires."))]
        if a["severity"] != "mild":
            out.append("Lignes de Kerley B aux bases.")
        return out
    if name == "Support Devices":
        return _devices(a, rng)
    raise ValueError(f"no French phrasing for finding {name!r}")


def impression_item(name: str, a: dict[str, Any], rng: np.random.Generator) -> str:
    """A short conclusion line for a present finding."""
    if name == "Cardiomegaly":
        return f"Cardiomégalie {CARDIO[a['severity']]}."
    if name == "Pleural Effusion":
        if a["side"] == "bilateral":
            return f"Épanchement pleural bilatéral {ABUNDANCE[a['size']]}."
        return f"Épanchement pleural {SIDE_M[a['side']]} {ABUNDANCE[a['size']]}."
    if name == "Pneumothorax":
        return f"Pneumothorax {SIDE_M[a['side']]} {ABUNDANCE[a['size']]}."
    if name == "Nodule":
        return f"Nodule de {round(a['size_cm'] * 10)} mm du champ {ZONE[a['zone']]} {SIDE_M[a['side']]}."
    if name == "Mass":
        return f"Masse de {_cm(a['size_cm'])} cm du champ {ZONE[a['zone']]} {SIDE_M[a['side']]}."
    if name == "Consolidation":
        return f"Condensation {LOBE[(a['side'], a['zone'])]}."
    if name == "Atelectasis":
        return f"Atélectasie basale {SIDE_F[a['side']]}."
    if name == "Edema":
        return f"Œdème pulmonaire {EDEMA[a['severity']]}."
    if name == "Support Devices":
        nouns = [DEVICE_NOUN[d] for d in a["devices"]]
        listed = nouns[0] if len(nouns) == 1 else ", ".join(nouns[:-1]) + " et " + nouns[-1]
        return listed[:1].upper() + listed[1:] + " en place."
    raise ValueError(f"no French phrasing for finding {name!r}")
