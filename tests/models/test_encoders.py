"""Image encoders: torchvision / timm / torchxrayvision parameter names, weight loading, masked views."""

from __future__ import annotations

import pytest
import torch

from cxrgen.errors import InputError
from cxrgen.models.encoders import MultiViewEncoder, create_backbone, list_encoders, load_encoder_weights


def torchvision_resnet18_shapes() -> dict[str, tuple[int, ...]]:
    """torchvision.models.resnet18().state_dict() names and shapes, written out from its layout."""
    shapes: dict[str, tuple[int, ...]] = {"conv1.weight": (64, 3, 7, 7)}

    def bn(prefix: str, c: int) -> None:
        for name in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{prefix}.{name}"] = (c,)
        shapes[f"{prefix}.num_batches_tracked"] = ()

    bn("bn1", 64)
    inplanes = 64
    for stage, planes in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            p = f"layer{stage}.{block}"
            cin = inplanes if block == 0 else planes
            shapes[f"{p}.conv1.weight"] = (planes, cin, 3, 3)
            bn(f"{p}.bn1", planes)
            shapes[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
            bn(f"{p}.bn2", planes)
            if block == 0 and stage > 1:
                shapes[f"{p}.downsample.0.weight"] = (planes, inplanes, 1, 1)
                bn(f"{p}.downsample.1", planes)
        inplanes = planes
    shapes["fc.weight"] = (1000, 512)
    shapes["fc.bias"] = (1000,)
    return shapes


def fake_state_dict(shapes: dict[str, tuple[int, ...]], seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {
        k: (torch.tensor(7) if k.endswith("num_batches_tracked") else torch.randn(s, generator=g))
        for k, s in shapes.items()
    }


def test_resnet18_has_torchvision_names_and_shapes():
    expected = torchvision_resnet18_shapes()
    model = create_backbone("resnet18")
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    del expected["fc.weight"], expected["fc.bias"]  # the classifier is not part of the encoder
    assert own == expected
    assert len(own) == 120  # torchvision's 122 tensors minus fc.weight, fc.bias


def test_resnet18_torchvision_file_round_trip(tmp_path):
    state = fake_state_dict(torchvision_resnet18_shapes())
    path = tmp_path / "resnet18-f37072fd.pth"
    torch.save(state, path)
    model = create_backbone("resnet18")
    report = load_encoder_weights(model, path)
    assert report.loaded == 120 and report.ignored == ["fc.weight", "fc.bias"]
    for k, v in model.state_dict().items():
        assert torch.equal(v, state[k]), k


def test_wrapped_ddp_checkpoint_loads(tmp_path):
    state = fake_state_dict(torchvision_resnet18_shapes())
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}}, tmp_path / "w.pt")
    model = create_backbone("resnet18")
    load_encoder_weights(model, tmp_path / "w.pt")
    assert torch.equal(model.conv1.weight, state["conv1.weight"])


def test_mismatched_file_names_missing_unexpected_and_shapes(tmp_path):
    state = fake_state_dict(torchvision_resnet18_shapes())
    del state["layer4.1.bn2.running_var"]
    state["layer5.0.conv1.weight"] = torch.zeros(1)
    state["conv1.weight"] = torch.zeros(64, 3, 3, 3)
    torch.save(state, tmp_path / "bad.pth")
    with pytest.raises(InputError) as err:
        load_encoder_weights(create_backbone("resnet18"), tmp_path / "bad.pth")
    msg = str(err.value)
    assert "bad.pth" in msg
    assert "missing (1): layer4.1.bn2.running_var" in msg
    assert "unexpected (1): layer5.0.conv1.weight" in msg
    assert "conv1.weight: file (64, 3, 3, 3) vs model (64, 3, 7, 7)" in msg


def test_resnet50_file_into_resnet18_is_refused(tmp_path):
    torch.save(create_backbone("resnet50", width=8).state_dict(), tmp_path / "r50.pt")
    with pytest.raises(InputError, match=r"unexpected \(198\): layer1.0.bn3.bias.*\n  shape mismatch \(23\)"):
        load_encoder_weights(create_backbone("resnet18", width=8), tmp_path / "r50.pt")


def test_unreadable_file(tmp_path):
    (tmp_path / "w.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="cannot read encoder weights"):
        load_encoder_weights(create_backbone("resnet18", width=8), tmp_path / "w.pt")
    with pytest.raises(InputError, match="does not exist"):
        load_encoder_weights(create_backbone("resnet18", width=8), tmp_path / "none.pt")


def test_densenet121_torchvision_and_torchxrayvision_names(tmp_path):
    model = create_backbone("densenet121")
    own = model.state_dict()
    assert len([k for k in own if k.endswith(".weight")]) == 241  # torchvision densenet121 minus classifier.weight
    for key in ("features.conv0.weight", "features.norm0.running_mean",
                "features.denseblock1.denselayer1.norm1.weight", "features.denseblock4.denselayer16.conv2.weight",
                "features.transition3.conv.weight", "features.norm5.bias"):
        assert key in own
    assert tuple(own["features.denseblock1.denselayer1.conv1.weight"].shape) == (128, 64, 1, 1)
    assert model.out_dim == 1024
    # torchxrayvision: one input channel, 18 pathologies, op_threshs; old torchvision: "norm.1" names
    state = {k: torch.randn(v.shape) if v.is_floating_point() else v for k, v in own.items()}
    xrv = {k.replace("denselayer1.norm1.", "denselayer1.norm.1."): v for k, v in state.items()}
    xrv["features.conv0.weight"] = torch.randn(64, 1, 7, 7)
    xrv["classifier.weight"], xrv["classifier.bias"] = torch.randn(18, 1024), torch.randn(18)
    xrv["op_threshs"] = torch.rand(18)
    torch.save(xrv, tmp_path / "xrv.pt")
    report = load_encoder_weights(model, tmp_path / "xrv.pt")
    assert sorted(report.ignored) == ["classifier.bias", "classifier.weight", "op_threshs"]
    assert report.adapted and "1 input channel" in report.adapted[0]
    assert torch.allclose(model.features.conv0.weight[:, 1:2], xrv["features.conv0.weight"] / 3)
    assert torch.equal(model.features.denseblock2.denselayer1.norm1.weight, state["features.denseblock2.denselayer1.norm1.weight"])


def test_vit_s16_has_timm_names():
    own = {k: tuple(v.shape) for k, v in create_backbone("vit_s16").state_dict().items()}
    assert own["patch_embed.proj.weight"] == (384, 3, 16, 16)
    assert own["pos_embed"] == (1, 197, 384) and own["cls_token"] == (1, 1, 384)
    assert own["blocks.11.attn.qkv.weight"] == (1152, 384)
    assert own["blocks.0.mlp.fc1.weight"] == (1536, 384)
    assert own["norm.weight"] == (384,)
    assert len(own) == 4 + 12 * 12 + 2  # timm vit_small_patch16_224 has 152 tensors incl. head.weight/bias


@pytest.mark.parametrize("name", list_encoders())
def test_backbones_return_stride_32_or_16_maps(name):
    torch.manual_seed(0)
    model = create_backbone(name, width=8).eval()
    out = model(torch.randn(2, 3, 64, 64))
    stride = 16 if name.startswith("vit") else 32
    assert out.shape == (2, model.out_dim, 64 // stride, 64 // stride)


def test_masked_views_do_not_contribute_even_in_training_mode():
    torch.manual_seed(0)
    enc = MultiViewEncoder(create_backbone("resnet18", width=8)).train()  # BatchNorm uses batch statistics
    images = torch.randn(2, 2, 3, 64, 64)
    view_mask = torch.tensor([[True, False], [True, True]])
    a = enc(images, view_mask)
    images2 = images.clone()
    images2[0, 1] = torch.randn(3, 64, 64) * 100  # change what sits behind the mask
    b = enc(images2, view_mask)
    assert torch.equal(a.patches, b.patches) and torch.equal(a.pooled, b.pooled)
    assert a.patch_mask.tolist() == [[True] * 4 + [False] * 4, [True] * 8]
    assert bool((a.patches[0, 4:] == 0).all())
    assert a.grid == (2, 2, 2)
    # a one-view study equals the same study with an extra masked slot
    enc.eval()
    single = enc(images[:1, :1], torch.tensor([[True]]))
    padded = enc(images[:1], torch.tensor([[True, False]]))
    assert torch.allclose(single.pooled, padded.pooled, atol=1e-6)


def test_bad_shapes_are_input_errors():
    enc = MultiViewEncoder(create_backbone("resnet18", width=8))
    with pytest.raises(InputError, match=r"\(B, V, 3, H, W\)"):
        enc(torch.randn(2, 3, 64, 64), torch.ones(2, 1, dtype=torch.bool))
    with pytest.raises(InputError, match="no image"):
        enc(torch.randn(2, 1, 3, 64, 64), torch.tensor([[True], [False]]))
    with pytest.raises(InputError, match="bool"):
        enc(torch.randn(2, 1, 3, 64, 64), torch.ones(2, 1))
