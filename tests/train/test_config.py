import pytest

from cxrgen.errors import ConfigError
from cxrgen.train.config import CONFIG_DIR, Config, load_config

PRESETS = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_loads_and_round_trips(name):
    c = load_config(name)
    assert Config.from_dict(c.to_dict()) == c


@pytest.mark.parametrize("name,key,value", [
    ("r2gen_iu_xray", "optim.lr_encoder", 5e-5), ("r2gen_iu_xray", "optim.lr_decoder", 1e-4),
    ("r2gen_iu_xray", "data.max_seq_length", 60), ("r2gen_iu_xray", "data.threshold", 3),
    ("r2gen_iu_xray", "optim.step_size", 50), ("r2gen_iu_xray", "train.epochs", 100),
    ("r2gen_mimic_cxr", "data.max_seq_length", 100), ("r2gen_mimic_cxr", "data.threshold", 10),
    ("r2gen_mimic_cxr", "train.epochs", 30), ("r2gencmn_iu_xray", "optim.lr_decoder", 5e-4),
])
def test_published_settings(name, key, value):
    section, field = key.split(".")
    assert getattr(getattr(load_config(name), section), field) == value


def test_overrides_parse_yaml_values():
    c = load_config("demo", ["train.epochs=3", "optim.lr_decoder=2e-4", "data.options={lang: fr}"])
    assert (c.train.epochs, c.optim.lr_decoder, c.data.options) == (3, 2e-4, {"lang": "fr"})


def test_unknown_key_lists_valid_keys():
    with pytest.raises(ConfigError, match=r"config.train: unknown key\(s\) 'epoch'; valid keys: task, epochs"):
        load_config(None, ["train.epoch=3"])


def test_wrong_type_is_an_error():
    with pytest.raises(ConfigError, match="config.train.epochs: expected int, got str 'many'"):
        load_config(None, ["train.epochs=many"])
    with pytest.raises(ConfigError, match="expected one of 'fp32', 'bf16', 'fp16'"):
        load_config(None, ["optim.precision=fp8"])


def test_unknown_preset_lists_presets():
    with pytest.raises(ConfigError, match="presets: .*demo"):
        load_config("nope")


def test_override_without_equals():
    with pytest.raises(ConfigError, match="section.key=value"):
        load_config(None, ["train.epochs"])
