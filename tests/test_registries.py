"""Every entry of every registry passes the same checks (timm's pattern for its models): a tokenizer,
labeler, dataset loader, model config or language added to its registry is tested the day it is
registered, with no test to write by hand. Metrics: see ``tests/metrics/test_stats.py``
(the bootstrap fast path of every registered metric); models: ``tests/models/test_registry_models.py``.
"""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from cxrgen.data.registry import dataset_options, get_loader, list_datasets, load_dataset
from cxrgen.errors import ConfigError, InputError
from cxrgen.labeling import LABELERS, get_labeler
from cxrgen.models import MODEL_CONFIGS, list_models
from cxrgen.models.config import from_dict as model_from_dict
from cxrgen.text.languages import LANGUAGE_TABLE, LANGUAGES, get_language
from cxrgen.text.tokenize import TOKENIZERS, generation_tokenizer_name, get_tokenizer

#: one two-sentence report per language: a positive effusion, then a negated pneumothorax
REPORTS = {
    "en": "Small left pleural effusion. No pneumothorax.",
    "fr": "Épanchement pleural gauche. Pas de pneumothorax.",
    "zh": "左侧胸腔积液。未见气胸。",
}


def test_every_language_has_a_sample_report_and_a_phantom_phrasebook():
    from cxrgen.data.phantom.reports import PHRASEBOOKS

    assert set(REPORTS) == set(LANGUAGES) == set(PHRASEBOOKS.names())


@pytest.mark.parametrize("name", TOKENIZERS.names())
def test_tokenizer(name):
    tok = get_tokenizer(name)
    assert tok("") == []
    for text in REPORTS.values():
        tokens = tok(text)
        assert tokens and all(isinstance(t, str) and t and not any(c.isspace() for c in t) for t in tokens)


@pytest.mark.parametrize("code", LANGUAGES)
def test_language_table_row(code):
    lang = get_language(code)
    assert lang.code == code and lang.tokenizer in TOKENIZERS.names()
    assert lang.split_sentences(REPORTS[code]) == [s for s in lang.split_sentences(REPORTS[code]) if s.strip()]
    assert len(lang.split_sentences(REPORTS[code])) == 2
    # the generation tokenizer closes each sentence with the language's sentence token
    tokens = get_tokenizer(generation_tokenizer_name("", code), code)(REPORTS[code])
    assert tokens.count(lang.sentence_end) == 2 and tokens[-1] == lang.sentence_end
    assert code in LABELERS.names()


def test_unknown_language_lists_the_table():
    with pytest.raises(ConfigError, match="unknown language 'de'; valid choices: " + ", ".join(LANGUAGE_TABLE)):
        get_language("de")


@pytest.mark.parametrize("name", LABELERS.names())
def test_labeler(name):
    labeler = get_labeler(name)
    labels = labeler.label(REPORTS[name], "chexpert")
    assert labels["Pleural Effusion"] == 1 and labels["Pneumothorax"] == 0
    assert all(v is None for v in labeler.label("", "chexpert").values())  # nothing mentioned
    assert labeler.label_many([REPORTS[name]] * 2, "chexpert") == [labels, labels]


@pytest.mark.parametrize("name", list_datasets())
def test_dataset_loader(name, tmp_path):
    loader = get_loader(name)
    assert inspect.getmodule(loader).__doc__, f"{name}: the loader's module describes the data it reads"
    with pytest.raises(InputError, match=f"dataset root not found for '{name}'"):
        load_dataset(name, tmp_path / "missing")
    with pytest.raises(ConfigError, match="valid options: " + (", ".join(dataset_options(name)) or r"\(none\)")):
        load_dataset(name, tmp_path, no_such_option=1)


@pytest.mark.parametrize("name", list_models())
def test_model_config(name):
    cls = MODEL_CONFIGS.get(name)
    default = cls()
    assert model_from_dict(cls, dataclasses.asdict(default)) == default  # what a checkpoint stores reads back
    with pytest.raises(ConfigError, match=r"unknown key\(s\) 'no_such_option'; valid keys: encoder"):
        model_from_dict(cls, {"no_such_option": 1})
