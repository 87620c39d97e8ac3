"""Vocabulary: R2Gen's frequency threshold, distinct special ids, round trips, Chinese detokenisation."""

from __future__ import annotations

import json

import pytest

from cxrgen.errors import ConfigError, InputError
from cxrgen.text.vocab import Vocab

REPORTS = [
    "the heart is normal .",
    "the lungs are clear .",
    "the heart is enlarged .",
    "no effusion . the lungs are clear .",
]


def test_threshold_and_order():
    v = Vocab.build(REPORTS, min_freq=2, tokenizer_name="whitespace")
    # counts: the 5, . 5, heart 2, is 2, lungs 2, are 2, clear 2; ties alphabetical
    assert v.itos == ["<pad>", "<bos>", "<eos>", "<unk>", ".", "the", "are", "clear", "heart", "is", "lungs"]
    assert len(Vocab.build(REPORTS, min_freq=1, tokenizer_name="whitespace")) == 4 + 11
    assert Vocab.build(REPORTS, min_freq=6, tokenizer_name="whitespace").itos == ["<pad>", "<bos>", "<eos>", "<unk>"]


def test_special_ids_are_distinct():
    v = Vocab.build(REPORTS, min_freq=1, tokenizer_name="whitespace")
    ids = [v.pad_id, v.bos_id, v.eos_id, v.unk_id]
    assert ids == [0, 1, 2, 3] and len(set(ids)) == 4  # never R2Gen's bos = eos = pad = 0


def test_encode_decode_round_trip():
    v = Vocab.build(REPORTS, min_freq=2, tokenizer_name="whitespace")
    ids = v.encode("the heart is enlarged .", add_special=True)
    assert ids == [1, 5, 8, 9, 3, 4, 2]  # enlarged seen once -> unk
    assert v.decode(ids) == "the heart is <unk> ."
    assert v.decode([5, 10, 2, 5, 5]) == "the lungs"  # stops at eos
    assert v.decode([0, 5, 0]) == "the"  # pads dropped
    assert v.encode("") == [] and v.decode([]) == ""
    assert v.encode("the the the", max_len=2) == [5, 5]
    with pytest.raises(InputError, match="outside the vocabulary"):
        v.decode([99])


def test_to_dict_from_dict_round_trip():
    v = Vocab.build(REPORTS, min_freq=2, tokenizer_name="whitespace")
    data = json.loads(json.dumps(v.to_dict()))
    w = Vocab.from_dict(data)
    assert w == v and w.itos == v.itos and w.tokenizer_name == "whitespace" and w.min_freq == 2
    assert w.encode("the lungs are clear .") == v.encode("the lungs are clear .")
    with pytest.raises(InputError, match="not a cxrgen vocabulary"):
        Vocab.from_dict({"words": []})


def test_chinese_joined_without_spaces():
    chars = list  # a character tokenizer
    v = Vocab.build(["心影不大", "双肺未见异常"], tokenizer=chars, tokenizer_name="zh-char", lang="zh", min_freq=1)
    assert v.decode(v.encode("心影未见异常")) == "心影未见异常"
    assert v.tokenizer_name == "zh-char" and v.to_dict()["lang"] == "zh"


def test_french_accents_kept():
    v = Vocab.build(["Épanchement pleural gauche.", "Pas d'épanchement."], min_freq=1, lang="fr")
    assert v.tokenizer_name == "fr"  # the language's default tokenizer (cxrgen.text.tokenize)
    assert v.decode(v.encode("pas d'épanchement pleural")) == "pas d' épanchement pleural"


def test_default_tokenizers_per_language():
    en = Vocab.build(REPORTS, min_freq=1)
    assert en.tokenizer_name == "ptb" and "." not in en  # the PTB tokenizer drops punctuation
    zh = Vocab.build(["双肺纹理清晰。", "心影不大。"], min_freq=1, lang="zh")
    assert zh.tokenizer_name == "zh-jieba"
    assert zh.decode(zh.encode("心影不大")) == "心影不大"
    assert Vocab.from_dict(zh.to_dict()).encode("心影不大") == zh.encode("心影不大")
    # the generation tokenizer is registered: a checkpoint's vocabulary rebuilds it by name
    gen = Vocab.build(REPORTS, tokenizer_name="sentences+ptb", min_freq=1)
    assert "." in gen and Vocab.from_dict(gen.to_dict()).encode(REPORTS[0]) == gen.encode(REPORTS[0])
    custom = Vocab.build(REPORTS, tokenizer=str.split, tokenizer_name="my-own-split", min_freq=1)
    with pytest.raises(ConfigError, match="pass the tokenizer callable as tokenizer="):
        Vocab.from_dict(custom.to_dict())
    assert Vocab.from_dict(custom.to_dict(), tokenizer=str.split) == custom


def test_bad_words_refused():
    with pytest.raises(InputError, match="collides with a special token"):
        Vocab(["<pad>"])
    with pytest.raises(InputError, match="appears twice"):
        Vocab(["a", "a"])
