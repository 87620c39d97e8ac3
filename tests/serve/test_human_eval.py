"""Human evaluation: kappa against textbook values, bootstrap CIs, blinded sessions end to end."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from cxrgen.errors import ConfigError, InputError
from cxrgen.serve import human_eval as he

from .fixtures import png_bytes


def _pairs(table):
    """2x2 agreement table [[yes-yes, yes-no], [no-yes, no-no]] -> label lists of raters A, B."""
    a, b = [], []
    for i, row in enumerate(table):
        for j, n in enumerate(row):
            a += [i] * n
            b += [j] * n
    return a, b


@pytest.mark.parametrize("table, kappa", [
    # Wikipedia "Cohen's kappa", worked example: 50 proposals, po = 0.70, pe = 0.50
    ([[20, 5], [10, 15]], 0.4),
    # same page, "same percentages but different numbers": po = 0.60 in both, pe 0.54 vs 0.46
    ([[45, 15], [25, 15]], 0.1304),
    ([[25, 35], [5, 35]], 0.2593),
    ([[10, 0], [0, 10]], 1.0),
])
def test_cohen_kappa_textbook_values(table, kappa):
    a, b = _pairs(table)
    assert he.cohen_kappa(a, b) == pytest.approx(kappa, abs=5e-5)


def test_fleiss_kappa_textbook_value():
    # Wikipedia "Fleiss' kappa" worked example: 10 subjects, 14 raters, 5 categories;
    # P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    assert he.fleiss_kappa(table) == pytest.approx(0.2099, abs=1e-4)
    with pytest.raises(InputError, match="same number"):
        he.fleiss_kappa([[1, 1], [2, 1]])


def test_weighted_kappa_rewards_near_misses():
    a = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
    b = [2, 3, 4, 5, 5, 1, 1, 2, 3, 4]  # off by one, never more
    # by hand: uniform marginals (0.2 each); 8 of 10 pairs off by one.
    # unweighted: po = pe = 0.2 -> 0; linear: 1 - (8/10 * 1/4) / 0.4 = 0.5;
    # quadratic: 1 - (8/10 * 1/16) / 0.25 = 0.8
    assert he.cohen_kappa(a, b, [1, 2, 3, 4, 5]) == pytest.approx(0.0, abs=1e-12)
    assert he.cohen_kappa(a, b, [1, 2, 3, 4, 5], "linear") == pytest.approx(0.5)
    assert he.cohen_kappa(a, b, [1, 2, 3, 4, 5], "quadratic") == pytest.approx(0.8)
    assert he.cohen_kappa(a, a, [1, 2, 3, 4, 5], "linear") == 1.0
    with pytest.raises(ConfigError, match="linear, quadratic"):
        he.cohen_kappa(a, b, weights="cubic")
    assert math.isnan(he.cohen_kappa([3, 3], [3, 3]))  # no variation: undefined


def _rows(scores_by_study):
    return [{"study_id": s, "model": m, "criterion": "readability", "score": v, "rater": "r"}
            for s, per in scores_by_study.items() for m, v in per.items()]


def test_bootstrap_means_seeded_and_bracketing():
    rows = _rows({f"s{i}": {"m1": 1 + i % 5, "m2": 3} for i in range(20)})
    out = he.bootstrap_means(rows, "readability", n_boot=500, seed=1)
    assert out["m1"]["mean"] == pytest.approx(3.0) and out["m1"]["n"] == 20
    assert out["m1"]["ci_low"] < 3.0 < out["m1"]["ci_high"]
    assert out["m2"] == {"mean": 3.0, "ci_low": 3.0, "ci_high": 3.0, "n": 20, "studies": 20}
    assert he.bootstrap_means(rows, "readability", n_boot=500, seed=1) == out


def test_read_predictions_errors_name_the_line(tmp_path):
    p = tmp_path / "preds.jsonl"
    p.write_text('{"study_id": 1, "prediction": "a", "reference": "b", "images": ["x.png"]}\n'
                 '{"study_id": 2, "prediction": "a", "images": ["x.png"]}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"preds.jsonl:2: missing field\(s\) reference"):
        he.read_predictions(p)
    p.write_text("not json\n")
    with pytest.raises(InputError, match="preds.jsonl:1: not valid JSON"):
        he.read_predictions(p)


def _write_predictions(folder, model, texts):
    folder.mkdir(exist_ok=True)
    lines = []
    for i, text in enumerate(texts):
        img = folder / f"img{i}.png"
        img.write_bytes(png_bytes(size=64, seed=i))
        # `cxrgen evaluate` writes "generated"; "prediction" is accepted too
        field = "generated" if model == "alpha" else "prediction"
        lines.append(json.dumps({"study_id": f"S{i}", field: text,
                                 "reference": f"référence {i}", "images": [img.name]},
                                ensure_ascii=False))
    path = folder / f"{model}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_blinded_rating_session_end_to_end(service, tmp_path):
    a = _write_predictions(tmp_path / "a", "alpha", [f"alpha report {i}" for i in range(4)])
    b = _write_predictions(tmp_path / "b", "beta", [f"报告 beta {i}" for i in range(3)])
    app = service.app
    with app.state.sessionmaker() as db:
        s = he.create_session(db, app.state.store, f"blind-{id(db)}", {"alpha": a, "beta": b},
                              seed=7)
        db.commit()
        sid = s.id
        assert s.sources["studies"] == 3 and s.sources["skipped_not_in_every_model"] == 1
    c = service.client
    sessions = c.get("/api/eval/sessions", headers=service.h("rev")).json()
    assert any(x["id"] == sid and x["items"] == 3 for x in sessions)
    # reviewer and radiologist rate: each gives alpha 4 and beta 2 on every criterion, except
    # that rad gives beta 3 on readability for the first item
    for rater in ("rev", "rad"):
        for n in range(3):
            item = c.get(f"/api/eval/sessions/{sid}/next", headers=service.h(rater)).json()
            assert not item["done"] and item["position"] == n
            text = json.dumps(item, ensure_ascii=False)
            assert "alpha\"" not in text and "model" not in text  # blinded
            assert [x["slot"] for x in item["candidates"]] == ["A", "B"]
            img = c.get(item["images"][0], headers=service.h(rater))
            assert img.status_code == 200 and img.headers["content-type"] == "image/png"
            scores = {}
            for cand in item["candidates"]:
                v = 4 if cand["text"].startswith("alpha") else 2
                scores[cand["slot"]] = {k: v for k in he.CRITERIA}
                if rater == "rad" and n == 0 and v == 2:
                    scores[cand["slot"]]["readability"] = 3
            bad = {**scores, "A": {**scores["A"], "completeness": 6}}
            r = c.post(f"/api/eval/items/{item['item_id']}/rating", json={"scores": bad},
                       headers=service.h(rater))
            assert r.status_code == 400 and "not an integer from 1 to 5" in r.json()["detail"]
            r = c.post(f"/api/eval/items/{item['item_id']}/rating", json={"scores": scores},
                       headers=service.h(rater))
            assert r.status_code == 201, r.text
            again = c.post(f"/api/eval/items/{item['item_id']}/rating", json={"scores": scores},
                           headers=service.h(rater))
            assert again.status_code == 409
        assert c.get(f"/api/eval/sessions/{sid}/next", headers=service.h(rater)).json()["done"]
    assert c.get(f"/api/eval/sessions/{sid}/export.csv", headers=service.h("rev")).status_code == 403
    export = c.get(f"/api/eval/sessions/{sid}/export.csv", headers=service.h("adm"))
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == 2 * 3 * 2 * 3  # raters x items x models x criteria
    assert {r["model"] for r in rows} == {"alpha", "beta"}
    summary = c.get(f"/api/eval/sessions/{sid}/summary", params={"n_boot": 200},
                    headers=service.h("adm")).json()
    acc = summary["scores"]["clinical_accuracy"]
    assert acc["alpha"]["mean"] == 4.0 and acc["beta"]["mean"] == 2.0
    assert summary["scores"]["readability"]["beta"]["mean"] == pytest.approx(13 / 6)
    agree = summary["agreement"]["clinical_accuracy"]
    assert agree["cohen"]["rad|rev"]["cohen"] == 1.0 and agree["fleiss"] == 1.0
    # readability: 6 units, 5 agree (1 disagreement 3 vs 2); by hand po = 5/6,
    # rev = (4,4,4,2,2,2), rad = (4,4,4,3,2,2): pe = (3*3 + 3*2) / 36 = 15/36
    kappa = (5 / 6 - 15 / 36) / (1 - 15 / 36)
    assert summary["agreement"]["readability"]["cohen"]["rad|rev"]["cohen"] == pytest.approx(kappa)


def test_pairwise_session_and_bad_modes(service, tmp_path):
    a = _write_predictions(tmp_path / "a", "alpha", ["alpha one", "alpha two"])
    b = _write_predictions(tmp_path / "b", "beta", ["beta one", "beta two"])
    app = service.app
    with app.state.sessionmaker() as db:
        with pytest.raises(ConfigError, match="exactly 2"):
            he.create_session(db, app.state.store, "pw-bad", {"alpha": a}, mode="pairwise")
        with pytest.raises(ConfigError, match="rating, pairwise"):
            he.create_session(db, app.state.store, "pw-bad", {"alpha": a}, mode="likert")
        s = he.create_session(db, app.state.store, f"pw-{id(db)}", {"alpha": a, "beta": b},
                              mode="pairwise", seed=3)
        db.commit()
        sid = s.id
    c = service.client
    for _ in range(2):
        item = c.get(f"/api/eval/sessions/{sid}/next", headers=service.h("rev")).json()
        assert item["mode"] == "pairwise"
        r = c.post(f"/api/eval/items/{item['item_id']}/rating", json={"preferred": "Z"},
                   headers=service.h("rev"))
        assert r.status_code == 400
        better = next(x["slot"] for x in item["candidates"] if x["text"].startswith("beta"))
        assert c.post(f"/api/eval/items/{item['item_id']}/rating", json={"preferred": better},
                      headers=service.h("rev")).status_code == 201
    summary = c.get(f"/api/eval/sessions/{sid}/summary", params={"n_boot": 100},
                    headers=service.h("adm")).json()
    assert summary["preferred"] == {"beta": 2}
