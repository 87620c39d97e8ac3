"""Load a user's local encoder weight file (``--encoder-weights PATH``) with a clear error on mismatch.

Accepted files: a ``torch.save``'d state dict (torchvision ImageNet ``resnet*.pth`` /
``densenet121.pth``, timm ``vit_small_patch16_224`` weights saved as a state dict, torchxrayvision's
DenseNet-121 state dict, or a cxrgen checkpoint with ``prefix=``), possibly wrapped under
``state_dict`` / ``model`` and possibly saved from ``DistributedDataParallel`` (``module.``).
Nothing is downloaded. Classifier keys of the source model (``fc.``, ``classifier.``, ``head.``,
torchxrayvision's ``op_threshs``) are not part of an encoder and are ignored, and counted in the
returned report. Torchxrayvision's DenseNet takes one-channel images: its first convolution is
spread over the three input channels (weights / 3, so a grey image repeated to RGB gives the
same response) and the report says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from cxrgen.errors import InputError

_WRAPPERS = ("state_dict", "model", "model_state_dict", "net")
# torchvision < 0.4 DenseNet names ("denselayer1.norm.1.weight"); torchvision remaps them the same way.
_OLD_DENSENET = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var|num_batches_tracked))$")


@dataclass
class LoadReport:
    """What ``load_encoder_weights`` did besides copying tensors one to one."""

    path: str
    loaded: int = 0
    ignored: list[str] = field(default_factory=list)  # classifier keys of the source model
    adapted: list[str] = field(default_factory=list)  # tensors changed to fit (e.g. 1 -> 3 channels)


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise InputError(f"encoder weights file {path} does not exist")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a bad file
        raise InputError(f"cannot read encoder weights {path}: {exc}. Expected a torch.save'd state dict.") from None
    for _ in range(2):
        if isinstance(obj, dict):
            for key in _WRAPPERS:
                if key in obj and isinstance(obj[key], dict):
                    obj = obj[key]
                    break
    if not isinstance(obj, dict) or not any(isinstance(v, torch.Tensor) for v in obj.values()):
        raise InputError(f"{path} is not a state dict of tensors (found {type(obj).__name__}); save model.state_dict()")
    return obj  # may hold non-tensor module extra state (``*._extra_state``): skipped by the caller


def load_encoder_weights(encoder: nn.Module, path: str | Path, prefix: str | None = None) -> LoadReport:
    """Copy the weights of ``path`` into ``encoder`` (a backbone or a ``MultiViewEncoder``).

    ``prefix`` selects a sub-module of a larger checkpoint, e.g. ``"image_encoder.backbone."`` for
    the image tower of cxrgen's contrastive model. Raises :class:`InputError` naming the missing
    keys, unexpected keys and shape mismatches when the file does not fit.
    """
    backbone = getattr(encoder, "backbone", encoder)
    path = Path(path)
    raw = _read_state_dict(path)
    report = LoadReport(str(path))
    state: dict[str, torch.Tensor] = {}
    for key, value in raw.items():
        if not isinstance(value, torch.Tensor):
            report.ignored.append(key)
            continue
        if key.startswith("module."):
            key = key[len("module."):]
        if prefix:
            if not key.startswith(prefix):
                continue
            key = key[len(prefix):]
        key = _OLD_DENSENET.sub(lambda m: m.group(1) + m.group(2), key)
        state[key] = value
    if prefix and not state:
        raise InputError(f"{path} has no key starting with prefix {prefix!r}")
    heads = tuple(getattr(backbone, "head_prefixes", ()))
    for key in list(state):
        if key.startswith(heads):
            report.ignored.append(key)
            del state[key]

    own = backbone.state_dict()
    _adapt_first_conv(backbone, own, state, report)
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    mismatched = [
        f"{k}: file {tuple(state[k].shape)} vs model {tuple(own[k].shape)}"
        for k in sorted(set(own) & set(state)) if state[k].shape != own[k].shape
    ]
    if missing or unexpected or mismatched:
        name = type(backbone).__name__
        parts = [f"{path} does not fit the {name} encoder ({len(own)} tensors):"]
        for label, items in (("missing", missing), ("unexpected", unexpected), ("shape mismatch", mismatched)):
            if items:
                shown = ", ".join(items[:8]) + (f", ... ({len(items) - 8} more)" if len(items) > 8 else "")
                parts.append(f"  {label} ({len(items)}): {shown}")
        parts.append(
            "Check the encoder name and width in the config (published weights need width 64), "
            "or pass prefix= for a checkpoint that holds a larger model."
        )
        raise InputError("\n".join(parts))
    backbone.load_state_dict(state, strict=True)
    report.loaded = len(state)
    return report


def _adapt_first_conv(backbone: nn.Module, own: dict, state: dict, report: LoadReport) -> None:
    """One-channel first convolution (torchxrayvision) -> three channels, weights / 3."""
    for key in ("conv1.weight", "features.conv0.weight", "patch_embed.proj.weight"):
        if key in own and key in state:
            w = state[key]
            if w.dim() == 4 and w.shape[1] == 1 and own[key].shape[1] == 3 and w.shape[0] == own[key].shape[0]:
                state[key] = w.repeat(1, 3, 1, 1) / 3.0
                report.adapted.append(f"{key}: 1 input channel spread over 3 (weights / 3)")
