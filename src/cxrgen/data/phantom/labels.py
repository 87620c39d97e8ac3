"""Phantom label names and their mappings to the two label sets the labelers use.

The phantom has nine findings, each exactly known (1 present / 0 absent). They map onto
- the 14 CheXpert observations (Irvin et al., AAAI 2019, Table 1): Nodule and Mass are both
  "Lung Lesion"; "No Finding" is 1 when no finding is present;
- the 14 ChestX-ray14 findings (Wang et al., CVPR 2017) plus "No Finding": "Pleural Effusion" is
  "Effusion"; Support Devices has no ChestX-ray14 label.
"""

from __future__ import annotations

# The phantom's findings, in the order used for labels.csv and every table.
FINDINGS: tuple[str, ...] = (
    "Cardiomegaly",
    "Pleural Effusion",
    "Pneumothorax",
    "Nodule",
    "Mass",
    "Consolidation",
    "Atelectasis",
    "Edema",
    "Support Devices",
)

# CheXpert's 14 observations, in the order of the CheXpert labeler's output columns.
CHEXPERT_OBSERVATIONS: tuple[str, ...] = (
    "No Finding",
    "Enlarged Cardiomediastinum",
    "Cardiomegaly",
    "Lung Opacity",
    "Lung Lesion",
    "Edema",
    "Consolidation",
    "Pneumonia",
    "Atelectasis",
    "Pneumothorax",
    "Pleural Effusion",
    "Pleural Other",
    "Fracture",
    "Support Devices",
)

PHANTOM_TO_CHEXPERT: dict[str, str] = {
    "Cardiomegaly": "Cardiomegaly",
    "Pleural Effusion": "Pleural Effusion",
    "Pneumothorax": "Pneumothorax",
    "Nodule": "Lung Lesion",
    "Mass": "Lung Lesion",
    "Consolidation": "Consolidation",
    "Atelectasis": "Atelectasis",
    "Edema": "Edema",
    "Support Devices": "Support Devices",
}

# CheXpert's label hierarchy (Irvin et al. 2019, Fig. 2): a child finding implies its parent.
CHEXPERT_PARENTS: dict[str, str] = {
    "Cardiomegaly": "Enlarged Cardiomediastinum",
    "Lung Lesion": "Lung Opacity",
    "Edema": "Lung Opacity",
    "Consolidation": "Lung Opacity",
    "Atelectasis": "Lung Opacity",
}

# ChestX-ray14's 14 findings (the spelling of Data_Entry_2017.csv) and its normal label.
CHESTXRAY14_LABELS: tuple[str, ...] = (
    "Atelectasis",
    "Cardiomegaly",
    "Effusion",
    "Infiltration",
    "Mass",
    "Nodule",
    "Pneumonia",
    "Pneumothorax",
    "Consolidation",
    "Edema",
    "Emphysema",
    "Fibrosis",
    "Pleural_Thickening",
    "Hernia",
)
CHESTXRAY14_NORMAL = "No Finding"

PHANTOM_TO_CHESTXRAY14: dict[str, str | None] = {
    "Cardiomegaly": "Cardiomegaly",
    "Pleural Effusion": "Effusion",
    "Pneumothorax": "Pneumothorax",
    "Nodule": "Nodule",
    "Mass": "Mass",
    "Consolidation": "Consolidation",
    "Atelectasis": "Atelectasis",
    "Edema": "Edema",
    "Support Devices": None,  # ChestX-ray14 has no device label
}


def to_chexpert(labels: dict[str, int], *, hierarchy: bool = False) -> dict[str, int]:
    """The 14 CheXpert observations (1/0) of a phantom study's labels.

    ``hierarchy=True`` also sets the parents of present findings (Lung Opacity, Enlarged
    Cardiomediastinum), as CheXpert's hierarchy implies; the default maps findings one to one.
    """
    out = {name: 0 for name in CHEXPERT_OBSERVATIONS}
    for name, value in labels.items():
        if value == 1:
            target = PHANTOM_TO_CHEXPERT[name]
            out[target] = 1
            if hierarchy and target in CHEXPERT_PARENTS:
                out[CHEXPERT_PARENTS[target]] = 1
    # CheXpert's "No Finding" allows support devices (Irvin et al. 2019, Sec. 2.2).
    out["No Finding"] = int(not any(v for k, v in out.items() if k not in ("No Finding", "Support Devices")))
    return out


def to_chestxray14(labels: dict[str, int]) -> dict[str, int]:
    """The 14 ChestX-ray14 findings plus "No Finding" (1/0) of a phantom study's labels."""
    out = {name: 0 for name in CHESTXRAY14_LABELS}
    for name, value in labels.items():
        target = PHANTOM_TO_CHESTXRAY14[name]
        if value == 1 and target is not None:
            out[target] = 1
    out[CHESTXRAY14_NORMAL] = int(not any(out.values()))
    return out
