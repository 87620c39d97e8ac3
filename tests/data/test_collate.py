"""collate_studies: multi-view padding with a view mask."""

from __future__ import annotations

import pytest
import torch

from cxrgen.data.collate import collate_studies
from cxrgen.errors import InputError


def test_pad_and_mask():
    a = {"images": torch.ones(1, 3, 4, 4), "study_id": "s1", "report": "r1", "labels": {"x": 1}}
    b = {"images": torch.full((2, 3, 4, 4), 2.0), "study_id": "s2", "report": "r2", "labels": None}
    out = collate_studies([a, b])
    assert out["images"].shape == (2, 2, 3, 4, 4)
    assert out["view_mask"].tolist() == [[True, False], [True, True]]
    assert out["images"][0, 1].abs().sum().item() == 0.0  # padding is zeros
    assert out["images"][0, 0].mean().item() == 1.0 and out["images"][1, 1].mean().item() == 2.0
    assert out["study_id"] == ["s1", "s2"] and out["report"] == ["r1", "r2"]
    assert out["labels"] == [{"x": 1}, None]


def test_key_missing_in_some_items_becomes_none():
    a = {"images": torch.ones(1, 3, 2, 2), "study_id": "s1", "extra": 5}
    b = {"images": torch.ones(1, 3, 2, 2), "study_id": "s2"}
    assert collate_studies([a, b])["extra"] == [5, None]


@pytest.mark.parametrize(
    "items",
    [[], [{"images": torch.ones(3, 4, 4), "study_id": "x"}],
     [{"images": torch.ones(1, 3, 4, 4), "study_id": "a"}, {"images": torch.ones(1, 3, 5, 5), "study_id": "b"}]],
)
def test_bad_batches(items):
    with pytest.raises(InputError):
        collate_studies(items)
