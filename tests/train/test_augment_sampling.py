import torch

from cxrgen.data.study import Study
from cxrgen.train.augment import ReportAugmenter, shuffle_sentences, split_sentences
from cxrgen.train.sampling import oversample


def test_split_sentences_per_language():
    assert split_sentences("No effusion. Heart normal.", "en") == ["No effusion.", "Heart normal."]
    assert split_sentences("心影增大。未见积液。", "zh") == ["心影增大。", "未见积液。"]


def test_sentence_shuffle_keeps_sentences():
    torch.manual_seed(0)
    text = "A one. B two. C three. D four."
    out = {shuffle_sentences(text, "en") for _ in range(10)}
    assert len(out) > 1
    assert all(sorted(s.rstrip(".") for s in o.split(". ")) == ["A one", "B two", "C three", "D four"] for o in out)


def test_entity_swap_keeps_labels_consistent():
    reports = ["Small left pleural effusion. The heart is enlarged.", "Pneumothorax in the left lower lobe."]
    aug = ReportAugmenter("en", ["Cardiomegaly", "Pleural Effusion", "Pneumothorax"], reports, entity_swap=1.0)
    torch.manual_seed(1)
    labels = {"Cardiomegaly": 1, "Pleural Effusion": 1, "Pneumothorax": 0}
    for _ in range(5):
        text, new = aug.swap(reports[0], labels)
        from cxrgen.labeling import get_labeler

        read = get_labeler("en").label(text, "chexpert")
        assert new["Pneumothorax"] == 1 and read["Pneumothorax"] == 1
        assert sum(new.values()) == 2  # one finding swapped out, one in
        for k in ("Cardiomegaly", "Pleural Effusion"):
            assert (read[k] == 1) == (new[k] == 1)


def test_oversampling_caps():
    studies = [Study(f"s{i}", f"p{i}", labels={"Rare": int(i == 0), "Common": int(i < 60)}) for i in range(100)]
    indices, counts = oversample(studies, max_factor=10, max_per_finding=100)
    assert indices.count(0) == 10  # Rare: x10 (100 // 1 = 100, capped at 10)
    assert indices.count(1) == 1  # Common: 100 // 60 = 1
    assert counts == {"Common": (60, 69), "Rare": (1, 10)}
    _, counts = oversample(studies, max_factor=10, max_per_finding=5)
    assert counts["Rare"] == (1, 5)
