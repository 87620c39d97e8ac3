"""Parity of cxrgen's METEOR with the Java METEOR 1.5 that pycocoevalcap runs.

The reference is pycocoevalcap 1.2's ``Meteor()`` (``java -jar meteor-1.5.jar - - -stdio -l en
-norm``), run once per test session on every pairing below and cached in a temporary folder.
Pairings use the 590 IU X-Ray test reports of ``../shared/data``: each report against the next
one (shifted), reports against perturbed copies of themselves (a sentence dropped, two sentences
swapped, sentences negated), and empty and one-word reports. Targets (issue 3): corpus score
within 0.001 and every report within 0.005.

The normaliser (``-norm``) and the Snowball stemmer are also compared with the jar's own classes.
Every test here skips, with the reason, when Java, pycocoevalcap or the real data is missing.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cxrgen.errors import ConfigError
from cxrgen.metrics.base import METRICS

pytest.importorskip("pycocoevalcap", reason="pycocoevalcap (test dependency) is not installed")
if shutil.which("java") is None:
    pytest.skip("Java is not installed: the METEOR 1.5 reference cannot run", allow_module_level=True)

import cxrgen.metrics.meteor  # noqa: E402,F401  (registers METEOR)

from .meteor_java import assert_equals_java  # noqa: E402

CORPUS_TOL = 1e-3
REPORT_TOL = 5e-3
N_PERTURBED = 200  # reports per perturbation kind (keeps the Java run near 10 s)


def _meteor_jar() -> Path:
    import pycocoevalcap

    return Path(pycocoevalcap.__path__[0]) / "meteor" / "meteor-1.5.jar"


@pytest.fixture(scope="module")
def metric():
    m = METRICS.get("METEOR")(lang="en")
    try:
        m.scorer  # loads (or builds) the resource index
    except ConfigError as exc:
        pytest.skip(f"METEOR resources unavailable: {exc}")
    return m


@pytest.fixture(scope="module")
def iu_test_reports(shared_data) -> list[str]:
    data = json.loads((shared_data / "iu_xray" / "annotation.json").read_text(encoding="utf-8"))
    reports = [r["report"] for r in data["test"]]
    assert len(reports) == 590
    return reports


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", text.strip()) if s]


def _drop(text: str, rng: random.Random) -> str:
    sents = _sentences(text)
    if len(sents) > 1:
        del sents[rng.randrange(len(sents))]
    return " ".join(sents)


def _swap(text: str, rng: random.Random) -> str:
    sents = _sentences(text)
    if len(sents) > 1:
        a, b = rng.sample(range(len(sents)), 2)
        sents[a], sents[b] = sents[b], sents[a]
    return " ".join(sents)


def _negate(text: str, rng: random.Random) -> str:
    out = []
    for s in _sentences(text):
        if re.search(r"\bno\b", s, flags=re.I):
            s = re.sub(r"\bno\s+", "", s, count=1, flags=re.I)
        elif rng.random() < 0.5:
            s = "No " + s[:1].lower() + s[1:]
        out.append(s)
    return " ".join(out)


def _r2gen_style(text: str) -> str:
    # lowercased with punctuation split off, as R2Gen hands reports to pycocoevalcap
    return " ".join(re.sub(r"([.,;:?!])", r" \1 ", text.lower()).split())


@pytest.fixture(scope="module")
def pairings(iu_test_reports) -> dict[str, tuple[list[str], list[str]]]:
    reps = iu_test_reports
    rng = random.Random(20260311)
    base = reps[:N_PERTURBED]
    pairs = {
        "shifted": (reps, reps[1:] + reps[:1]),
        "shifted-r2gen": ([_r2gen_style(r) for r in base], [_r2gen_style(r) for r in reps[3:] + reps[:3]][:N_PERTURBED]),
        "dropped": ([_drop(r, rng) for r in base], base),
        "swapped": ([_swap(r, rng) for r in base], base),
        "negated": ([_r2gen_style(_negate(r, rng)) for r in base], [_r2gen_style(r) for r in base]),
        "edge": (
            ["", "heart", "heart", "", "normal chest", reps[0], "the", "effusion"],
            [reps[0], reps[0], "", "", "normal chest", reps[0], "the", "effusions"],
        ),
    }
    return pairs


@pytest.fixture(scope="module")
def java_reference(pairings, tmp_path_factory) -> dict[str, tuple[float, list[float]]]:
    """pycocoevalcap ``Meteor()`` on every pairing: one JVM, results cached for the session."""
    cache = tmp_path_factory.getbasetemp() / "meteor_java_reference.json"
    if cache.exists():
        return json.loads(cache.read_text())
    from pycocoevalcap.meteor.meteor import Meteor

    scorer = Meteor()
    out = {}
    try:
        for name, (hyps, refs) in pairings.items():
            gts = {i: [r] for i, r in enumerate(refs)}
            res = {i: [h] for i, h in enumerate(hyps)}
            score, per = scorer.compute_score(gts, res)
            out[name] = (float(score), [float(x) for x in per])
    finally:
        del scorer
    cache.write_text(json.dumps(out))
    return out


@pytest.mark.parametrize("name", ["shifted", "shifted-r2gen", "dropped", "swapped", "negated", "edge"])
def test_meteor_equals_java(name, metric, pairings, java_reference):
    hyps, refs = pairings[name]
    assert_equals_java(metric, name, hyps, refs, java_reference[name], CORPUS_TOL, REPORT_TOL)


_PROBE = """
import java.io.*;
import java.util.*;
public class Probe {
  // one JVM for both checks: each line normalised as -norm does (then lowercased), a separator,
  // then the Snowball English stem of every distinct word of the normalised lines, sorted
  public static void main(String[] a) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    PrintStream out = new PrintStream(new BufferedOutputStream(System.out), false, "UTF-8");
    TreeSet<String> words = new TreeSet<String>();
    String line;
    while ((line = in.readLine()) != null) {
      String norm = edu.cmu.meteor.util.Normalizer.normalizeLine(line,
          edu.cmu.meteor.util.Constants.LANG_EN, true).toLowerCase();
      out.println(norm);
      StringTokenizer tok = new StringTokenizer(norm);
      while (tok.hasMoreTokens()) words.add(tok.nextToken());
    }
    out.println("=====");
    org.tartarus.snowball.SnowballStemmer s = new org.tartarus.snowball.ext.englishStemmer();
    for (String w : words) { s.setCurrent(w); s.stem(); out.println(w + "\t" + s.getCurrent()); }
    out.flush();
  }
}
"""

PROBE_TEXTS = [
    "U.S.-based x-ray... it's 1,000 mm, a,b Dr. Smith's \u201cquoted\u201d text \u2013 dash -- 1990's",
    "Heart size is normal. The lungs are clear.No effusion; e.g. no pneumothorax.",
]


@pytest.fixture(scope="module")
def java_probe(iu_test_reports, tmp_path_factory):
    """(texts, Java-normalised lines, {word: Java stem}) from the jar's own classes."""
    texts = iu_test_reports + PROBE_TEXTS
    src = tmp_path_factory.mktemp("meteor_probe") / "Probe.java"
    src.write_text(_PROBE)
    proc = subprocess.run(
        ["java", "-cp", str(_meteor_jar()), str(src)],
        input="\n".join(texts) + "\n", capture_output=True, text=True, encoding="utf-8", timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split("\n")
    sep = lines.index("=====")
    stems = dict(line.split("\t") for line in lines[sep + 1 :] if line)
    return texts, lines[:sep], stems


def test_normalizer_equals_java(metric, java_probe):
    texts, java, _ = java_probe
    ours = [" ".join(metric.scorer.tokens(t)) for t in texts]
    mismatches = [(t, j, o) for t, j, o in zip(texts, java, ours) if j != o]
    assert len(java) == len(texts)
    assert not mismatches, mismatches[:3]


def test_stemmer_equals_java(metric, java_probe):
    _, _, stems = java_probe
    mismatches = [(w, j, metric.scorer.matcher.stem(w)) for w, j in stems.items()
                  if metric.scorer.matcher.stem(w) != j]
    assert len(stems) > 500  # 769 distinct words in the IU X-Ray test reports
    assert not mismatches, mismatches[:10]
