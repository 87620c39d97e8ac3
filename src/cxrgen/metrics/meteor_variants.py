"""The METEOR variants users choose between (``cxrgen score --meteor``), in one light module:
the CLI lists them without importing the METEOR package (its aligner and resources).

* ``coco``: pycocoevalcap 1.2's ``Meteor()`` = ``java -jar meteor-1.5.jar - - -stdio -l en -norm``
  on the given tokens, whatever their language: METEOR 1.5's English parameters, stemmer,
  synonyms and paraphrases (on French or Chinese tokens, exact matches carry the score). The
  METEOR of the published French and Chinese tables (CN-CXR, Tang et al. 2023; CASIA-CXR).
* ``fr-exact-stem``: METEOR 1.5's French parameters, exact and stem stages (French only).
"""

from __future__ import annotations

from cxrgen.text.languages import LANGUAGES

#: variant -> (text languages it scores, signature ``impl``, language of METEOR's parameters)
METEOR_VARIANTS = {
    "coco": (LANGUAGES, "meteor-1.5-coco", "en"),
    "fr-exact-stem": (("fr",), "meteor-1.5-fr-exact-stem", "fr"),
}
#: the variant used when none is named (Chinese has none: METEOR is left out unless asked for)
DEFAULT_VARIANT = {"en": "coco", "fr": "fr-exact-stem"}
METEOR_CHOICES = tuple(METEOR_VARIANTS)
