"""Image preprocessing: gray [0, 1] array -> normalised 3-channel tensor for an encoder.

The recipe is R2Gen's (Chen et al., EMNLP 2020, ``modules/dataloaders``): resize to 256, random
crop 224 for training, centre crop 224 for evaluation, ImageNet mean/std. Why each step:

- **3 channels, ImageNet statistics**: the visual extractors (ResNet-101, ViT, DenseNet) start
  from ImageNet checkpoints whose first layer expects RGB z-scored with ImageNet's mean/std; a
  radiograph is gray, so it is replicated to 3 channels and normalised per channel with those
  statistics, which keeps the pretrained filters' input distribution.
- **random crop** is the only augmentation. No horizontal flip (R2Gen uses one, we do not): a
  flipped chest moves the heart to the right and swaps "left"/"right" findings, so the report
  would no longer describe the image.
- **reproducible**: with ``seed`` the transform owns a ``torch.Generator``; without it, crops
  use torch's global RNG, which a ``DataLoader`` seeds differently in each worker. A seeded
  transform's generator is copied into every worker: pass
  ``worker_init_fn=cxrgen.data.torch_dataset.seed_transform_worker`` so each worker draws its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from PIL import Image

from cxrgen.errors import ConfigError, InputError

# ImageNet-1k RGB statistics (torchvision / timm defaults for ImageNet checkpoints).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

RESIZE_MODES = ("shorter", "square")

# R2Gen's sizes (``modules/dataloaders``: Resize(256), RandomCrop(224) / CenterCrop(224))
R2GEN_RESIZE = 256
R2GEN_CROP = 224


@dataclass(frozen=True)
class TransformConfig:
    """Everything that defines the preprocessing; stored in checkpoints so that generate and
    serve rebuild exactly the transform the model was trained with."""

    resize: int = R2GEN_RESIZE
    crop: int = R2GEN_CROP
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    resize_mode: str = "shorter"

    def __post_init__(self):
        if self.resize < 1 or self.crop < 1:
            raise ConfigError(f"resize and crop must be >= 1, got resize={self.resize} crop={self.crop}")
        if self.crop > self.resize:
            raise ConfigError(f"crop ({self.crop}) must not exceed resize ({self.resize})")
        if self.resize_mode not in RESIZE_MODES:
            raise ConfigError(f"unknown resize_mode {self.resize_mode!r}; valid: {', '.join(RESIZE_MODES)}")
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise ConfigError(f"mean and std need 3 values each, std > 0; got mean={self.mean} std={self.std}")

    def to_dict(self) -> dict:
        return asdict(self)


class ImageTransform:
    """Callable: (H, W) float array in [0, 1] -> FloatTensor (3, crop, crop)."""

    def __init__(self, config: TransformConfig, train: bool, seed: int | None = None):
        self.config = config
        self.train = train
        self.seed = seed
        self.generator = None
        if seed is not None:
            self.generator = torch.Generator().manual_seed(int(seed))
        self._mean = np.asarray(config.mean, dtype=np.float32).reshape(3, 1, 1)
        self._std = np.asarray(config.std, dtype=np.float32).reshape(3, 1, 1)

    def __repr__(self) -> str:
        return f"ImageTransform(train={self.train}, seed={self.seed}, {self.config})"

    def __call__(self, image: np.ndarray, generator: torch.Generator | None = None) -> torch.Tensor:
        # numpy until the end: torch's intra-op threads gain nothing on 224 x 224 and stall on
        # busy CPUs (measured 1 ms -> 50 ms per image under load), numpy does not
        return self.from_resized(self.resized(image), generator)

    def resized(self, image: np.ndarray) -> np.ndarray:
        """A decoded image -> (h, w) float32 resized (shorter side == resize): the cacheable part."""
        return self.resize(_as_array(image))

    def from_resized(self, x: np.ndarray, generator: torch.Generator | None = None) -> torch.Tensor:
        """The rest of the transform after :meth:`resize` (crop, z-score): what runs again each epoch
        on an image whose resized pixels are cached (``StudyImageDataset(cache=...)``)."""
        x = self.crop(x, generator or self.generator)  # (crop, crop)
        # (3, crop, crop): gray replicated, z-scored, written into one buffer. The same float32
        # operations as ``(x[None] - mean) / std`` (bit-identical), but that expression's two
        # temporaries (600 KB each at 224 px) cost ~0.9 ms per image in a loading loop: fresh pages
        # from the OS each time (bench/data_loading.py, 2.2 -> 1.2 ms per ChestX-ray14 image)
        out = np.empty((3, *x.shape), dtype=np.float32)
        np.subtract(x[None, :, :], self._mean, out=out)
        np.divide(out, self._std, out=out)
        return torch.from_numpy(out)

    def resize(self, x: np.ndarray) -> np.ndarray:
        """(H, W) float32 -> (h, w) float32. Pillow's bilinear filter on 32-bit float ("F")
        images: antialiased when shrinking like torchvision's ``Resize`` on PIL images, equal
        to torch's ``interpolate(..., antialias=True)`` within 1e-4 and ~4x faster on CPU."""
        h, w = x.shape
        r = self.config.resize
        if self.config.resize_mode == "square":
            size = (r, r)
        elif h <= w:
            size = (r, max(r, round(w * r / h)))
        else:
            size = (max(r, round(h * r / w)), r)
        if size == (h, w):
            return np.ascontiguousarray(x, dtype=np.float32)
        out = Image.fromarray(np.ascontiguousarray(x, dtype=np.float32), mode="F").resize(
            (size[1], size[0]), Image.BILINEAR)
        arr = np.array(out, dtype=np.float32)  # a writable copy, clipped in place
        return np.clip(arr, 0.0, 1.0, out=arr)

    def crop(self, x: np.ndarray, generator: torch.Generator | None) -> np.ndarray:
        h, w = x.shape
        c = self.config.crop
        if self.train:  # offsets from torch's RNG so that torch seeding governs them
            top = int(torch.randint(0, h - c + 1, (1,), generator=generator))
            left = int(torch.randint(0, w - c + 1, (1,), generator=generator))
        else:  # centre crop, rounding as torchvision's CenterCrop
            top, left = int(round((h - c) / 2.0)), int(round((w - c) / 2.0))
        return x[top : top + c, left : left + c]

    def describe(self) -> dict:
        """The preprocessing as plain data (for checkpoints and result signatures)."""
        return {**self.config.to_dict(), "train": self.train, "seed": self.seed}


def build_transform(
    train: bool,
    resize: int = R2GEN_RESIZE,
    crop: int = R2GEN_CROP,
    mean: tuple[float, float, float] = IMAGENET_MEAN,
    std: tuple[float, float, float] = IMAGENET_STD,
    resize_mode: str = "shorter",
    seed: int | None = None,
) -> ImageTransform:
    """The training (random crop) or evaluation (centre crop) transform.

    ``resize_mode="shorter"`` scales the shorter side to ``resize`` keeping the aspect ratio
    (R2Gen); ``"square"`` resizes to ``resize x resize``. ``seed`` makes the random crops
    reproducible (see the module docstring for DataLoader workers).
    """
    cfg = TransformConfig(resize=resize, crop=crop, mean=tuple(mean), std=tuple(std), resize_mode=resize_mode)
    return ImageTransform(cfg, train=train, seed=seed)


def _as_array(image: np.ndarray) -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 2:
        raise InputError(f"transform expects a gray (H, W) image from load_image, got shape {arr.shape}")
    if arr.dtype.kind != "f":
        raise InputError(f"transform expects floats in [0, 1] (use load_image), got dtype {arr.dtype}")
    if arr.size and (float(arr.min()) < 0.0 or float(arr.max()) > 1.0):
        raise InputError(
            f"transform expects values in [0, 1] (as load_image returns), got "
            f"[{float(arr.min()):.3g}, {float(arr.max()):.3g}]"
        )
    return arr
