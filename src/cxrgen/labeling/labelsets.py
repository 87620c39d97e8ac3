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

Conventions of a gold standard are explicit fields of the label set, never hidden in a lexicon
(the error analysis behind them: README, "Clinical efficacy"; measured on the dev half of the
OpenI gold, ``bench/labeler_accuracy.py``):

* ``alternatives``: the value of a finding named as one of alternatives ("left basilar
  atelectasis versus scarring"). The OpenI gold labels (NegBio, Peng et al. 2018) mark such a
  finding present (23 of 34 "versus" mentions in the dev half; the 11 others carry another hedge
  before the pair, "question A versus B", which the labeler honours); the CheXpert labeler calls
  it uncertain. ``chestxray14`` follows the gold (positive), ``chexpert`` its labeler (uncertain).
* ``not_annotated``: columns the gold leaves unlabelled. The OpenI gold file has ``Hernia`` = 0 in
  all 3,080 reports although 43 of them report a hiatal hernia (and the same reports are marked
  not ``normal``): its annotators did not label Hernia. ``chestxray14`` leaves that column empty
  (not mentioned) and counts the hernia only against ``normal``.
* ``chestxray14-literal`` is the same label set without these conventions: "versus" uncertain,
  hiatal hernia labelled ``Hernia``, airway-wall thickening not counted as pleural thickening
  (ChestX-ray14's own finding definitions, Wang et al. 2017).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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
    #: concepts outside the columns that also make a study not normal (with summary_uses_other):
    #: pleural scarring, thickened airway walls are abnormal though no ChestX-ray14 finding
    summary_other_concepts: tuple[str, ...] = ()
    #: value of a finding named as one of alternatives, "A versus B" (module docstring)
    alternatives: int = UNCERTAIN
    #: columns the gold standard does not annotate: always ``None`` (module docstring)
    not_annotated: tuple[str, ...] = ()
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
        # the OpenI gold marks thickened airway walls ("bronchial wall thickening",
        # "peribronchial cuffing": 4 of 5 in the dev half) as Pleural_Thickening: the NegBio
        # annotation keyed on "thickening"; ``chestxray14-literal`` does not
        "Pleural_Thickening": ("pleural_thickening", "airway_wall_thickening"),
        "Hernia": ("hernia",),
    },
    summary="normal",
    summary_binary=True,
    summary_uses_other=True,
    summary_other_concepts=("pleural_other", "airway_wall_thickening"),
    alternatives=POSITIVE,
    not_annotated=("Hernia",),
    reference="Wang et al. 2017 (ChestX-ray8/14); column names and conventions of the NegBio OpenI "
              "gold labels (Peng et al. 2018)",
)

CHESTXRAY14_LITERAL = replace(
    CHESTXRAY14, name="chestxray14-literal", alternatives=UNCERTAIN, not_annotated=(),
    concepts={**CHESTXRAY14.concepts, "Pleural_Thickening": ("pleural_thickening",)},
    reference="Wang et al. 2017 (ChestX-ray8/14) finding definitions, without the OpenI gold's "
              "conventions",
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
LABEL_SETS.register("chestxray14-literal")(CHESTXRAY14_LITERAL)


def get_label_set(name: str) -> LabelSet:
    """The label set registered as ``name`` (an unknown name lists the valid ones)."""
    return LABEL_SETS.get(name)
