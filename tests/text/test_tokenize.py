"""Tokenisers per language, as tables of known values (sacrebleu's test style)."""

from __future__ import annotations

import pytest

from cxrgen.errors import ConfigError, UnknownNameError
from cxrgen.text.tokenize import TOKENIZERS, default_tokenizer, default_tokenizer_name, get_tokenizer

FRENCH = [
    ("L'opacité mesure 1,5 cm.", ["l'", "opacité", "mesure", "1,5", "cm"]),
    ("Pas d'épanchement pleural ; cœur de taille normale.",
     ["pas", "d'", "épanchement", "pleural", "cœur", "de", "taille", "normale"]),
    ("Qu'il s'agisse d'une atélectasie, jusqu'à l\u2019apex.",
     ["qu'", "il", "s'", "agisse", "d'", "une", "atélectasie", "jusqu'", "à", "l'", "apex"]),
    ("Opacité « nette » sous-claviculaire droite", ["opacité", "nette", "sous-claviculaire", "droite"]),
    # decomposed e + combining acute is the same token as the composed é
    ("Opacite\u0301", ["opacité"]),
    ("ÉPANCHEMENT", ["épanchement"]),
]

ZH_JIEBA = [
    ("心影大小正常，双肺清晰。", ["心影", "大小", "正常", "双肺", "清晰"]),
    ("CT示2.5cm结节", ["ct", "示", "2.5", "cm", "结节"]),
    ("未见气胸", ["未见", "气胸"]),
]

ZH_CHAR = [
    ("心影大小正常，双肺清晰。", ["心", "影", "大", "小", "正", "常", "双", "肺", "清", "晰"]),
    ("CT示2.5cm结节", ["ct", "示", "2.5", "cm", "结", "节"]),
    ("ＣＴ示", ["ct", "示"]),  # full-width letters (NFKC)
]


@pytest.mark.parametrize("text, expected", FRENCH)
def test_french(text, expected):
    assert get_tokenizer("fr")(text) == expected


@pytest.mark.parametrize("text, expected", ZH_JIEBA)
def test_chinese_jieba(text, expected):
    assert get_tokenizer("zh-jieba")(text) == expected


@pytest.mark.parametrize("text, expected", ZH_CHAR)
def test_chinese_characters(text, expected):
    assert get_tokenizer("zh-char")(text) == expected


@pytest.mark.parametrize("name", TOKENIZERS.names())  # every registered tokenizer
def test_chinese_never_yields_zero_tokens(name):
    assert len(get_tokenizer(name)("肺纹理增粗")) > 0


def test_whitespace_and_defaults():
    assert get_tokenizer("whitespace")(" a  b\tc\n") == ["a", "b", "c"]
    assert [default_tokenizer_name(lang) for lang in ("en", "fr", "zh")] == ["ptb", "fr", "zh-jieba"]
    assert default_tokenizer("en")("The heart.") == ["the", "heart"]
    assert set(TOKENIZERS.names()) == {"fr", "ptb", "whitespace", "zh-char", "zh-jieba"}


def test_unknown_names():
    with pytest.raises(UnknownNameError, match="valid choices: fr, ptb, whitespace, zh-char, zh-jieba"):
        get_tokenizer("moses")
    with pytest.raises(ConfigError, match="unknown language 'de'"):
        default_tokenizer("de")
