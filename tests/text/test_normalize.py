"""R2Gen's report cleaning, reproduced with its quirks (known outputs of R2Gen's
``clean_report_iu_xray`` / ``clean_report_mimic_cxr``, computed by hand from their definition)."""

from __future__ import annotations

import pytest

from cxrgen.errors import UnknownNameError
from cxrgen.text.normalize import NORMALIZERS, get_normalizer

IU = [
    ("The heart is normal. No effusion.", "the heart is normal . no effusion ."),
    # list numbers go by literal replacement; "T1. " loses its "1" too
    ("1. Heart normal. 2. No effusion. 3. T1. ok", "heart normal . no effusion . tok ."),
    # '..' squeezed three times; a period without a following space does not split
    ("a.. b... c", "a . b . c ."),
    ("Effusion.Heart normal.", "effusionheart normal ."),
    # ':-\[' is a range: ; < = > ? @ go too, while '-' stays
    ("A <b> = c @ d; e? (f) [g] {h} 50% a&b C++ x_y left-sided", "a b  c  d e f g h 50 ab c xy left-sided ."),
    ("He's 'fine' / \"ok\" \\ done", "hes fine  ok  done ."),
    ("T11. 6. fine.", "t16 . fine ."),
    ("", " ."),
    ("XXXX. ", "xxxx ."),
]

MIMIC = [
    ("FINDINGS:\n\nThe heart is normal.  No  effusion.", "findings the heart is normal . no effusion ."),
    ("x__y___z ____ w.... end", "xyz  w . end ."),
    ("1. Heart normal. 2. No effusion.", "heart normal . no effusion ."),
]


@pytest.mark.parametrize("text, expected", IU)
def test_r2gen_iu_xray(text, expected):
    assert get_normalizer("r2gen-iu")(text) == expected


@pytest.mark.parametrize("text, expected", MIMIC)
def test_r2gen_mimic_cxr(text, expected):
    assert get_normalizer("r2gen-mimic")(text) == expected


def test_none_is_identity_and_unknown_lists_choices():
    assert get_normalizer("none")("A. b") == "A. b"
    with pytest.raises(UnknownNameError, match="valid choices: none, r2gen-iu, r2gen-mimic"):
        get_normalizer("r2gen")
    assert NORMALIZERS.names() == ["none", "r2gen-iu", "r2gen-mimic"]
