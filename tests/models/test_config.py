"""Typed model configs: published defaults, unknown keys and wrong types are errors that list the valid keys."""

from __future__ import annotations

import pytest

from cxrgen.errors import ConfigError
from cxrgen.models import CMNConfig, EncoderConfig, R2GenConfig
from cxrgen.models.config import from_dict


def test_defaults_are_the_papers():
    c = R2GenConfig()
    # R2Gen §3.2: 3 layers, 512 d_model, 8 heads, 3 memory slots; ResNet-101 at 224 px
    assert (c.n_layers, c.d_model, c.n_heads, c.d_ff, c.rm_num_slots, c.rm_d_model) == (3, 512, 8, 512, 3, 512)
    assert (c.encoder.name, c.encoder.image_size, c.dropout, c.max_len) == ("resnet101", 224, 0.1, 60)
    # R2GenCMN §3.2: 2,048 memory slots, top-32
    c = CMNConfig()
    assert (c.cmm_size, c.cmm_topk) == (2048, 32)


def test_mapping_with_nested_encoder():
    c = from_dict(R2GenConfig, {"d_model": 64, "n_heads": 4, "rm_d_model": 64, "dropout": 0, "encoder": {"name": "densenet121"}})
    assert c.d_model == 64 and c.dropout == 0.0 and isinstance(c.dropout, float)
    assert c.encoder == EncoderConfig(name="densenet121")
    assert from_dict(R2GenConfig, {"d_model": None}).d_model == 512  # None leaves the default


@pytest.mark.parametrize("data, message", [
    ({"d_modle": 64}, r"unknown key\(s\) 'd_modle'; valid keys: encoder, d_model, n_layers"),
    ({"encoder": {"nmae": "resnet18"}}, r"model.encoder: unknown key\(s\) 'nmae'; valid keys: name, weights"),
    ({"n_layers": "3"}, r"model.n_layers: expected int, got str '3'"),
    ({"n_layers": True}, r"model.n_layers: expected int, got bool"),
    ({"encoder": "resnet18"}, r"model.encoder: expected a mapping or EncoderConfig, got str"),
    ({"d_model": 30, "n_heads": 8}, r"d_model \(30\) must be divisible by n_heads \(8\)"),
    ({"dropout": 1.5}, r"dropout must be in \[0, 1\)"),
])
def test_bad_configs(data, message):
    with pytest.raises(ConfigError, match=message):
        from_dict(R2GenConfig, data, where="model")
