"""build_transform: resize / crop / z-score, reproducible random crops."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cxrgen.data.transforms import IMAGENET_MEAN, IMAGENET_STD, build_transform
from cxrgen.errors import ConfigError, InputError


def _rows(h, w):
    """Pixel value = row index / 255: a crop's first value tells its top offset."""
    return np.repeat((np.arange(h, dtype=np.float32) / 255.0)[:, None], w, axis=1)


def test_eval_centre_crop_known_values():
    img = _rows(256, 256)  # already 256: no resize
    out = build_transform(train=False)(img)
    assert out.shape == (3, 224, 224) and out.dtype == torch.float32
    # centre crop starts at row (256 - 224) / 2 = 16; channel c is z-scored with ImageNet stats
    for c in range(3):
        assert out[c, 0, 0].item() == pytest.approx((16 / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c], abs=1e-6)
        assert out[c, 223, 5].item() == pytest.approx((239 / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c], abs=1e-6)


def test_gray_is_replicated_before_normalisation():
    out = build_transform(train=False, crop=8, resize=8)(np.full((8, 8), 0.5, dtype=np.float32))
    mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
    torch.testing.assert_close(out[:, 0, 0], (0.5 - mean) / std)


@pytest.mark.parametrize(
    "shape, mode, expected",
    [((300, 600), "shorter", (256, 512)), ((600, 300), "shorter", (512, 256)),
     ((300, 600), "square", (256, 256)), ((100, 100), "shorter", (256, 256))],
)
def test_resize(shape, mode, expected):
    t = build_transform(train=False, resize_mode=mode)
    assert t.resize(np.random.default_rng(0).random(shape, dtype=np.float32)).shape == expected


def test_resize_matches_torch_antialiased_bilinear():
    img = np.random.default_rng(2).random((300, 410), dtype=np.float32)
    ours = build_transform(train=False).resize(img)
    ref = torch.nn.functional.interpolate(torch.from_numpy(img)[None, None], size=(256, 350), mode="bilinear",
                                          align_corners=False, antialias=True)[0, 0].numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-4)  # float rounding of the two kernels


def test_train_crop_reproducible_with_seed():
    img = np.random.default_rng(0).random((300, 280), dtype=np.float32)
    a = [build_transform(train=True, seed=7)(img) for _ in range(2)]
    torch.testing.assert_close(a[0], a[1])
    t = build_transform(train=True, seed=7)
    outs = [t(img) for _ in range(5)]  # one generator, successive draws: crops differ
    assert any(not torch.equal(outs[0], o) for o in outs[1:])
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    torch.testing.assert_close(t(img, generator=g1), t(img, generator=g2))


def test_eval_is_deterministic():
    img = np.random.default_rng(1).random((300, 280), dtype=np.float32)
    t = build_transform(train=False)
    torch.testing.assert_close(t(img), t(img))


def test_describe_records_preprocessing():
    d = build_transform(train=True, seed=1).describe()
    assert d == {"resize": 256, "crop": 224, "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
                 "resize_mode": "shorter", "train": True, "seed": 1}


@pytest.mark.parametrize("kwargs", [{"crop": 300}, {"resize_mode": "fit"}, {"std": (0, 1, 1)}])
def test_bad_config(kwargs):
    with pytest.raises(ConfigError):
        build_transform(train=True, **kwargs)


@pytest.mark.parametrize(
    "img", [np.zeros((4, 4, 3), np.float32), np.zeros((4, 4), np.uint8), np.full((4, 4), 2.0, np.float32)]
)
def test_bad_image(img):
    with pytest.raises(InputError):
        build_transform(train=False, resize=4, crop=4)(img)
