"""Backbone registry and the multi-view image encoder shared by every report generator.

A backbone maps ``(N, 3, H, W)`` images to a feature map ``(N, C, h, w)`` and exposes
``out_dim = C`` and ``head_prefixes`` (classifier keys of published checkpoints, ignored when
loading). :class:`MultiViewEncoder` applies one backbone to every view of a study and
concatenates the patch features of the views, as R2Gen does for IU X-Ray's frontal + lateral
pair (Chen et al., EMNLP 2020, §3.1: "we concatenate the visual features of the two images").
Unlike R2Gen, which needs exactly two images, a study may have 1..V views: missing views are
marked ``False`` in ``view_mask`` and never reach the backbone, so they cannot contribute (not even
through BatchNorm batch statistics in training mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from cxrgen.errors import InputError
from cxrgen.registry import Registry

BACKBONES: Registry[Callable[..., nn.Module]] = Registry("image encoder")
register_backbone = BACKBONES.register


@dataclass
class EncodedImages:
    """Output of :class:`MultiViewEncoder` for a batch of studies."""

    patches: torch.Tensor  # (B, V*h*w, C); rows of masked views are zeros
    patch_mask: torch.Tensor  # (B, V*h*w) bool, True = patch of a real view
    pooled: torch.Tensor  # (B, C): mean of the real patches
    grid: tuple[int, int, int]  # (V, h, w): how patches map back onto the images (heatmaps)


def check_views(images: torch.Tensor, view_mask: torch.Tensor) -> None:
    """Clear errors for the shapes the data layer's collate must produce."""
    if images.dim() != 5 or images.shape[2] != 3:
        raise InputError(
            f"images must be (B, V, 3, H, W) float (batch, views, RGB, height, width); got shape {tuple(images.shape)}. "
            "Grayscale radiographs are repeated to 3 channels by the data transforms."
        )
    if view_mask.shape != images.shape[:2] or view_mask.dtype != torch.bool:
        raise InputError(
            f"view_mask must be a bool tensor of shape {tuple(images.shape[:2])} (True = real image); "
            f"got {view_mask.dtype} {tuple(view_mask.shape)}"
        )
    # one host sync for both questions (was: nonzero().tolist() here, boolean indexing in forward)
    if not bool(view_mask.any(dim=1).all()):
        empty = (~view_mask.any(dim=1)).nonzero().flatten().tolist()
        raise InputError(f"studies at batch positions {empty} have no image (every view masked out)")


class MultiViewEncoder(nn.Module):
    """One backbone over the real views of each study; patch features concatenated per study."""

    def __init__(self, backbone: nn.Module, freeze: bool = False, channels_last: bool = False):
        super().__init__()
        # channels_last: NHWC convolutions (cuDNN / oneDNN run them without layout transposes,
        # notably under bf16); the same function, only the memory layout of weights and inputs
        self.channels_last = channels_last
        if channels_last:
            backbone = backbone.to(memory_format=torch.channels_last)
        self.backbone = backbone
        self.out_dim: int = backbone.out_dim
        self.freeze = freeze
        if freeze:
            for p in self.backbone.parameters():
                p.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze:  # a frozen backbone keeps its BatchNorm statistics fixed too
            self.backbone.eval()
        return self

    def forward(self, images: torch.Tensor, view_mask: torch.Tensor) -> EncodedImages:
        check_views(images, view_mask)
        B, V = view_mask.shape
        patches, (h, w) = self.patch_features(images, view_mask)  # (B, V, h*w, C)
        hw, C = patches.shape[2:]
        patches = patches.reshape(B, V * hw, C)  # (B, P, C), P = V*h*w
        patch_mask = view_mask.unsqueeze(-1).expand(B, V, hw).reshape(B, V * hw)
        weights = patch_mask.to(patches.dtype).unsqueeze(-1)
        pooled = (patches * weights).sum(1) / weights.sum(1)  # (B, C): mean of real patches
        return EncodedImages(patches, patch_mask, pooled, (V, h, w))

    def patch_features(self, images: torch.Tensor, view_mask: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        """(B, V, h*w, C), zeros for masked views, and the feature grid (h, w).

        Where every view is real (IU X-Ray's pairs), the views are a reshape of the batch: no
        boolean indexing, hence no further host synchronisation; otherwise only real views are
        computed (a masked view must not reach the backbone, not even its BatchNorm statistics).
        """
        B, V = view_mask.shape
        all_real = bool(view_mask.all())  # the one sync: it decides the shapes below
        flat = images.flatten(0, 1) if all_real else images[view_mask]  # (N, 3, H, W)
        if self.channels_last:
            flat = flat.contiguous(memory_format=torch.channels_last)
        feats = self.backbone(flat)  # (N, C, h, w)
        N, C, h, w = feats.shape
        feats = feats.flatten(2).transpose(1, 2)  # (N, h*w, C)
        if all_real:
            return feats.reshape(B, V, h * w, C), (h, w)
        per_view = feats.new_zeros(B, V, h * w, C)
        per_view[view_mask] = feats
        return per_view, (h, w)


def create_backbone(name: str, width: int = 64, image_size: int = 224) -> nn.Module:
    """A backbone of the registry by name (``resnet18``, ``resnet50``, ``resnet101``, ``densenet121``, ``vit_s16``).

    ``image_size`` matters only to the ViT (the grid its position embeddings are made for).
    """
    return BACKBONES.get(name)(width=width, image_size=image_size)
