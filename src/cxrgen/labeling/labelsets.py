"""Label sets a labeler can fill, and how fine-grained *concepts* map onto them.

A lexicon (``lexicon_en.py`` ...) finds mentions of *concepts* ("effusion", "infiltrate",
"nodule", ...). A label set names the columns a user asks for and says which concepts feed each
column, so the same mention lexicon serves ChestX-ray14 and CheXpert without duplication.

* ``chestxray14``: the 14 findings of ChestX-ray14 (Wang et al., CVPR 2017) plus ``normal``,
  in the column order and spelling of the NegBio OpenI gold file
  (``iu_xray/openi_gold_labels_dev.csv``: ``Effusion``, ``Pleural_Thickening``, ``normal``).
* ``chexpert``: the 14 observations of CheXpert (Irvin et al., AAAI 2019) in the column order of
  the CheXpert labeler's output (``chexpert_labeler_samples/labeled_reports.csv``).

Values: 1 positive, 0 negative, -1 uncertain, ``None`` not mentioned (CheXpert's convention).
"""

from __future__ import annotations

from dataclasses import dataclass

from cxrgen.registry import Registry

POSITIVE, NEGATIVE, UNCERTAIN = 1, 0, -1


@dataclass(frozen=True)
class LabelSet:
    """Columns of a label set and the concepts behind each.

    ``summary`` is the "no finding" column (``normal`` / ``No Finding``), computed from the others:
    positive when no other column (except those in ``summary_ignores``) is positive or uncertain
    and no other abnormality was mentioned; never negative-by-mention.
    """

    name: str
    columns: tuple[str, ...]
    concepts: dict  # column -> tuple of concept names
    summary: str | None = None
    summary_ignores: tuple[str, ...] = ()
    #: ``normal`` of the OpenI gold file is 0/1 everywhere; CheXpert's ``No Finding`` is 1 or blank
    summary_binary: bool = False
    #: abnormal findings outside the label set ("granuloma", "scoliosis") also make a report
    #: not normal: true for the OpenI ``normal`` column (a normal study has no finding at all)
    summary_uses_other: bool = False
    reference: str = ""

    @property
    def findings(self) -> tuple[str, ...]:
        """The columns except the summary column (what micro/macro CE averages over)."""
        return tuple(c for c in self.columns if c != self.summary)


LABEL_SETS: Registry[LabelSet] = Registry("label set")

CHESTXRAY14 = LabelSet(
    name="chestxray14",
    columns=(
        "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
        "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening",
        "Hernia", "normal",
    ),
    concepts={
        "Atelectasis": ("atelectasis",),
        "Cardiomegaly": ("cardiomegaly",),
        "Effusion": ("effusion",),
        "Infiltration": ("infiltrate",),
        "Mass": ("mass",),
        "Nodule": ("nodule",),
        "Pneumonia": ("pneumonia",),
        "Pneumothorax": ("pneumothorax",),
        "Consolidation": ("consolidation",),
        "Edema": ("edema",),
        "Emphysema": ("emphysema",),
        "Fibrosis": ("fibrosis",),
        "Pleural_Thickening": ("pleural_thickening",),
        "Hernia": ("hernia",),
    },
    summary="normal",
    summary_binary=True,
    summary_uses_other=True,
    reference="Wang et al. 2017 (ChestX-ray8/14); column names of the NegBio OpenI gold labels",
)

CHEXPERT = LabelSet(
    name="chexpert",
    columns=(
        "No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Lesion", "Lung Opacity",
        "Edema", "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion",
        "Pleural Other", "Fracture", "Support Devices",
    ),
    concepts={
        "Enlarged Cardiomediastinum": ("enlarged_cardiomediastinum",),
        "Cardiomegaly": ("cardiomegaly",),
        "Lung Lesion": ("mass", "nodule", "lesion"),
        "Lung Opacity": ("opacity", "infiltrate"),
        "Edema": ("edema",),
        "Consolidation": ("consolidation",),
        "Pneumonia": ("pneumonia",),
        "Atelectasis": ("atelectasis",),
        "Pneumothorax": ("pneumothorax",),
        "Pleural Effusion": ("effusion",),
        "Pleural Other": ("pleural_thickening", "pleural_other"),
        "Fracture": ("fracture",),
        "Support Devices": ("device",),
    },
    summary="No Finding",
    summary_ignores=("Support Devices",),
    reference="Irvin et al. 2019 (CheXpert); column order of the CheXpert labeler output",
)

LABEL_SETS.register("chestxray14")(CHESTXRAY14)
LABEL_SETS.register("chexpert")(CHEXPERT)


def get_label_set(name: str) -> LabelSet:
    """The label set registered as ``name`` (an unknown name lists the valid ones)."""
    return LABEL_SETS.get(name)
