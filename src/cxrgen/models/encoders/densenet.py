"""DenseNet-121 (Huang et al., CVPR 2017) with torchvision's and torchxrayvision's parameter names.

Names follow ``torchvision.models.densenet`` (``features.conv0``, ``features.denseblock1.denselayer1.norm1``,
``features.transition1.conv``, ``features.norm5``; classifier ``classifier``), which
torchxrayvision's ``DenseNet(weights="densenet121-res224-all")`` also uses (it adds ``op_threshs``
and takes one-channel images; ``load_encoder_weights`` handles both). Growth rate 32, blocks
(6, 12, 24, 16), 64 initial features, bottleneck size 4: the paper's DenseNet-121.

``width`` scales the initial features (64) and the growth rate (width / 2); only 64 matches
published weights.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from cxrgen.models.encoders.base import register_backbone


class DenseLayer(nn.Module):
    def __init__(self, in_features: int, growth: int, bn_size: int = 4):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(in_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_features, bn_size * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, 1, 1, bias=False)

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        x = torch.cat(features, 1)
        x = self.conv1(self.relu1(self.norm1(x)))
        return self.conv2(self.relu2(self.norm2(x)))


class DenseBlock(nn.ModuleDict):
    def __init__(self, num_layers: int, in_features: int, growth: int):
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}", DenseLayer(in_features + i * growth, growth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)


class Transition(nn.Sequential):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(in_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_features, out_features, 1, bias=False)
        self.pool = nn.AvgPool2d(2, 2)


class DenseNet(nn.Module):
    """DenseNet trunk; ``forward`` returns the stride-32 map after ``norm5`` + ReLU ``(N, C, H/32, W/32)``."""

    def __init__(self, blocks: tuple[int, ...] = (6, 12, 24, 16), width: int = 64):
        super().__init__()
        growth = max(width // 2, 1)
        layers: OrderedDict[str, nn.Module] = OrderedDict(
            conv0=nn.Conv2d(3, width, 7, 2, 3, bias=False),
            norm0=nn.BatchNorm2d(width),
            relu0=nn.ReLU(inplace=True),
            pool0=nn.MaxPool2d(3, 2, 1),
        )
        n = width
        for i, num_layers in enumerate(blocks):
            layers[f"denseblock{i + 1}"] = DenseBlock(num_layers, n, growth)
            n += num_layers * growth
            if i != len(blocks) - 1:
                layers[f"transition{i + 1}"] = Transition(n, n // 2)
                n //= 2
        layers["norm5"] = nn.BatchNorm2d(n)
        self.features = nn.Sequential(layers)
        self.out_dim = n  # 1024 for DenseNet-121
        self.head_prefixes = ("classifier.", "op_threshs", "upsample.")
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.features(x))  # (N, C, H/32, W/32)


@register_backbone("densenet121")
def densenet121(width: int = 64, image_size: int = 224) -> DenseNet:
    return DenseNet((6, 12, 24, 16), width)
