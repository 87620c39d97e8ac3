"""Batching of multi-view studies: the one place where studies with 1..n images meet.

A study has a variable number of images (IU X-Ray: mostly frontal + lateral; MIMIC-CXR: 1 to
many). Collate pads every study to the largest view count of the batch with zero images and
returns a ``view_mask`` saying which slots are real, so that the model never needs to know
how a dataset arranges its views (the model masks padded views out of attention/pooling).
"""

from __future__ import annotations

from typing import Any

import torch

from cxrgen.errors import InputError


def collate_studies(items: list[dict[str, Any]]) -> dict[str, Any]:
    """items: dicts with ``"images"`` (V_i, 3, H, W) and ``"study_id"`` plus any other keys.

    Returns ``{"images": (B, Vmax, 3, H, W) zero-padded, "view_mask": (B, Vmax) bool,
    <other key>: list}``; ``view_mask[b, v]`` is True where view v of study b is a real image.
    """
    if not items:
        raise InputError("collate_studies got an empty batch")
    shapes = set()
    for it in items:
        imgs = it.get("images")
        if not isinstance(imgs, torch.Tensor) or imgs.ndim != 4 or imgs.shape[0] < 1:
            got = tuple(imgs.shape) if isinstance(imgs, torch.Tensor) else type(imgs).__name__
            raise InputError(
                f"study {it.get('study_id', '?')}: 'images' must be a tensor (V>=1, C, H, W), got {got}"
            )
        shapes.add(tuple(imgs.shape[1:]))
    if len(shapes) > 1:
        raise InputError(f"images of one batch must share (C, H, W); got {sorted(shapes)}: use one transform")
    c, h, w = shapes.pop()
    vmax = max(it["images"].shape[0] for it in items)
    batch = len(items)
    first = items[0]["images"]
    images = first.new_zeros((batch, vmax, c, h, w))  # (B, Vmax, C, H, W)
    mask = torch.zeros((batch, vmax), dtype=torch.bool)  # (B, Vmax)
    for b, it in enumerate(items):
        v = it["images"].shape[0]
        images[b, :v] = it["images"]
        mask[b, :v] = True
    out: dict[str, Any] = {"images": images, "view_mask": mask}
    keys = [k for k in items[0] if k != "images"]
    for it in items[1:]:
        keys += [k for k in it if k != "images" and k not in keys]
    for k in keys:
        out[k] = [it.get(k) for it in items]
    return out
