"""StudyImageDataset: lazy images, frontal-first views, DataLoader with collate."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from cxrgen.data.collate import collate_studies
from cxrgen.data.study import ImageRef, Study, View
from cxrgen.data.torch_dataset import StudyImageDataset, order_views
from cxrgen.data.transforms import build_transform
from cxrgen.errors import ConfigError, InputError


def _img(path, value):
    Image.fromarray(np.full((40, 30), value, dtype=np.uint8)).save(path)
    return str(path)


@pytest.fixture
def studies(tmp_path):
    lat, pa = _img(tmp_path / "lat.png", 10), _img(tmp_path / "pa.png", 200)
    _img(tmp_path / "ap.png", 100)  # s2 names it relative to image_root
    return [
        Study("s1", "p1", [ImageRef(lat, View.LATERAL), ImageRef(pa, View.PA)], findings="Clear lungs.",
              labels={"Cardiomegaly": 0}),
        Study("s2", "p2", [ImageRef("ap.png", View.AP)], findings="Small effusion."),
    ]


def test_views_ordered_frontal_first_and_values(studies, tmp_path):
    t = build_transform(train=False, resize=16, crop=16, mean=(0, 0, 0), std=(1, 1, 1))
    ds = StudyImageDataset(studies, t, image_root=tmp_path)
    item = ds[0]
    assert item["images"].shape == (2, 3, 16, 16)
    # slot 0 is the PA image (200/255), slot 1 the lateral (10/255), whatever the dataset order
    assert item["images"][0].mean().item() == pytest.approx(200 / 255, abs=1e-5)
    assert item["images"][1].mean().item() == pytest.approx(10 / 255, abs=1e-5)
    assert item["report"] == "Clear lungs." and item["labels"] == {"Cardiomegaly": 0}
    assert ds[1]["images"][0].mean().item() == pytest.approx(100 / 255, abs=1e-5)  # relative path resolved


def test_max_views_and_loader(studies, tmp_path):
    t = build_transform(train=True, resize=16, crop=12, seed=0)
    ds = StudyImageDataset(studies, t, max_views=1, image_root=tmp_path)
    assert [p.name for p in ds.image_paths(0)] == ["pa.png"]
    batch = next(iter(DataLoader(ds, batch_size=2, collate_fn=collate_studies)))
    assert batch["images"].shape == (2, 1, 3, 12, 12) and batch["view_mask"].all()
    assert batch["study_id"] == ["s1", "s2"]


def test_order_views():
    refs = [ImageRef("l", View.LATERAL), ImageRef("u", View.UNKNOWN), ImageRef("a", View.AP), ImageRef("p", View.PA)]
    assert [r.path for r in order_views(refs)] == ["p", "a", "u", "l"]
    assert [r.path for r in order_views(refs, "frontal-only")] == ["p", "a"]
    assert [r.path for r in order_views(refs, "as-is")] == ["l", "u", "a", "p"]
    with pytest.raises(ConfigError, match="valid: frontal-first"):
        order_views(refs, "lateral-first")


def test_missing_image_is_named(studies, tmp_path):
    studies[1].images[0].path = str(tmp_path / "gone.png")
    ds = StudyImageDataset(studies, build_transform(train=False, resize=16, crop=16))
    with pytest.raises(InputError, match="gone.png"):
        ds[1]


def test_study_without_image():
    with pytest.raises(InputError, match="study s9"):
        StudyImageDataset([Study("s9", "p9")], build_transform(train=False))


def test_workers_draw_distinct_reproducible_crops(tmp_path):
    from cxrgen.data.torch_dataset import seed_transform_worker

    arr = (np.random.default_rng(0).random((64, 64)) * 255).astype(np.uint8)
    Image.fromarray(arr).save(tmp_path / "x.png")
    studies = [Study(f"s{i}", f"p{i}", [ImageRef(str(tmp_path / "x.png"), View.PA)], findings="x") for i in range(2)]

    def crops(init):
        ds = StudyImageDataset(studies, build_transform(train=True, resize=64, crop=32, seed=0))
        loader = DataLoader(ds, batch_size=1, num_workers=2, collate_fn=collate_studies, worker_init_fn=init,
                            generator=torch.Generator().manual_seed(5))
        return [b["images"][0, 0] for b in loader]  # study 0 from worker 0, study 1 from worker 1

    same = crops(None)
    assert torch.equal(same[0], same[1])  # the pitfall: both workers copy one generator
    a, b = crops(seed_transform_worker), crops(seed_transform_worker)
    assert not torch.equal(a[0], a[1]) and all(torch.equal(x, y) for x, y in zip(a, b))


def test_image_cache_gives_the_same_tensors_and_skips_decoding(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(rng.integers(0, 256, (50, 40), dtype=np.uint8)).save(paths[-1])
    studies = [Study(f"s{i}", f"p{i}", [ImageRef(str(p), View.PA)], findings="x.") for i, p in enumerate(paths)]
    plain = StudyImageDataset(studies, build_transform(train=True, resize=24, crop=20, seed=5))
    expected = [plain[i % 3]["images"] for i in range(6)]  # two epochs of random crops, decoding each time
    cache: dict = {}
    cached = StudyImageDataset(studies, build_transform(train=True, resize=24, crop=20, seed=5), cache=cache)
    first = [cached[i]["images"] for i in range(3)]
    assert len(cache) == 3 and all(v.shape == (30, 24) for v in cache.values())  # resized, not cropped
    for p in paths:  # the second epoch reads the cache, not the files
        p.unlink()
    second = [cached[i]["images"] for i in range(3)]
    assert all(torch.equal(a, b) for a, b in zip(first + second, expected))
    assert not torch.equal(first[0], second[0])  # a new random crop each epoch
