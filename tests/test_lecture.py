"""The lecture's figures, from the lecture's own data.

tests/data/lecture_counts.csv is the bigram count matrix N of the lecture's names.txt
(32,033 names, makemore's data set, MIT licence). With val_frac = test_frac = 0 every
result the lecture prints is a function of N alone: counting, P, the NLL, the network's
full-batch training and the sampled names. So the end-to-end test feeds the pipeline a
corpus with exactly these counts, built from N, instead of shipping the names themselves.
"""

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

from stages import score
from stages.model import counting, evaluation, models, network, sampling
from tests import reference
from tests.conftest import ROOT, Repo

SEED = 2147483647
# The lecture's sampling loop on P = (N + 1) normalised, 20 names, under the pinned PyTorch.
# (The notebook's stored "mor. axx. minaymoryles." came from an older PyTorch's multinomial.)
COUNTS_NAMES = (
    "cexze momasurailezitynn konimittain llayn ka da staiyaubrtthrigotai moliellavo ke teda "
    "ka emimmsade enkaviyny ftlspihinivenvorhlasu dsor br jol pen aisan ja"
).split()
# The same loop on softmax(W) of the lecture's network after 100 steps at lr 50, reg 0.01.
NN_NAMES = (
    "cexze momasurailezityha konimittain llayn ka da staiyaubrtthrigotai moliellavo ke teda "
    "ka emim sade enkaviyny fobsp hinivenvtahlasu dsor br jol pyawaisan"
).split()


# The lecture's loop on the uniform model, p = torch.ones(27) / 27, with the same seed.
UNIFORM_NAMES = "cexzm zoglkurkicqzktyhwmvmzimjttainrlkfukzkktda sfcxvpubjtbhrmgotzx".split()


@pytest.fixture(scope="module")
def lecture():
    """(itos, N (V, V) int64) from the fixture: a labelled matrix, a row and a column per character."""
    frame = pd.read_csv(ROOT / "tests/data/lecture_counts.csv", index_col=0, keep_default_na=False, dtype=str)
    assert list(frame.index) == list(frame.columns)
    return list(frame.columns), frame.to_numpy(dtype="int64")


def names_with_counts(N, itos):
    """A corpus whose bigram counts are exactly N: an Euler circuit from '.', cut at every '.'.

    Each name is a walk from '.' back to '.', so N is a balanced multigraph and the circuit
    (Hierholzer's algorithm) uses every counted bigram once.
    """
    edges = [[j for j in range(len(itos)) for _ in range(N[i, j])] for i in range(len(itos))]
    stack, circuit = [0], []
    while stack:
        if edges[stack[-1]]:
            stack.append(edges[stack[-1]].pop())
        else:
            circuit.append(stack.pop())
    return "".join(itos[i] for i in reversed(circuit)).strip(".").split(".")


def test_the_fixture_is_the_lecture_data(lecture):
    itos, N = lecture
    assert itos == [".", *"abcdefghijklmnopqrstuvwxyz"]
    assert N.sum() == 228146 and N[0].sum() == N[:, 0].sum() == 32033
    stoi = {ch: i for i, ch in enumerate(itos)}
    # The most frequent bigrams the lecture shows.
    assert [N[stoi[a], stoi[b]] for a, b in ["n.", "a.", "an", ".a", "e."]] == [6763, 6640, 5438, 4410, 3983]


def test_a_corpus_with_the_lecture_counts(lecture):
    itos, N = lecture
    names = names_with_counts(N, itos)
    assert len(names) == 32033 and all(names)
    assert np.array_equal(reference.counts(names, itos).numpy(), N)


def test_the_counts_model_nll_is_the_lecture_figure(lecture):
    _, N = lecture
    assert round(evaluation.nll(counting.smooth(N, alpha=1), N), 5) == 2.45458


def test_the_network_nll_is_the_lecture_figure(lecture):
    _, N = lecture
    W, log = network.train(N, np.zeros_like(N), seed=SEED, steps=100, lr=50, reg=0.01)
    assert round(log[-1].train_nll, 5) == round(evaluation.nll(network.softmax(W), N), 5) == 2.47476


def test_samples_are_the_lecture_names(lecture):
    itos, N = lecture
    assert sampling.sample(counting.smooth(N, alpha=1), itos, num=20, max_len=100, seed=SEED) == COUNTS_NAMES


def test_uniform_samples_are_the_lecture_names(lecture):
    itos, N = lecture
    uniform = models.UniformRows(len(itos))[np.arange(len(itos))].astype("float32")  # (V, V): 1/V everywhere
    drawn = sampling.sample(uniform, itos, num=20, max_len=100, seed=SEED)
    assert drawn[:3] == UNIFORM_NAMES
    assert drawn == reference.sample(torch.full((27, 27), 1 / 27), itos, num=20, seed=SEED)  # torch.multinomial


def test_scores_are_the_lecture_figures(lecture):
    itos, N = lecture
    unsmoothed, smoothed = {"counts": counting.smooth(N, alpha=0)}, {"counts": counting.smooth(N, alpha=1)}
    rows = score.bigram_table(["emma"], itos, unsmoothed)
    assert [f"{bigram}: {m['counts'][0]:.4f} {m['counts'][1]:.4f}" for _, _, bigram, m in rows] == [
        ".e: 0.0478 -3.0408",
        "em: 0.0377 -3.2793",
        "mm: 0.0253 -3.6772",
        "ma: 0.3899 -0.9418",
        "a.: 0.1960 -1.6299",
    ]
    three = score.bigram_table(["emma", "olivia", "ava"], itos, unsmoothed)
    log_likelihood, nll = score.totals([m["counts"][1] for *_, m in three])
    assert (round(log_likelihood, 4), round(nll, 4)) == (-38.7856, 2.4241)
    andrejq = score.metrics_of(score.bigram_table(["andrejq"], itos, unsmoothed), "counts")
    assert andrejq == {"log_likelihood": -math.inf, "nll": math.inf, "bigrams": 8, "zero_prob": 1}  # 'jq' never occurs
    smoothed_nll = score.metrics_of(score.bigram_table(["andndrejq"], itos, smoothed), "counts")["nll"]
    assert round(smoothed_nll, 4) == 3.6278


def test_the_pipeline_gives_the_lecture_results(lecture, tmp_path):
    itos, N = lecture
    repo = Repo(tmp_path / "project")
    repo.write("data/names.txt", "".join(name + "\n" for name in names_with_counts(N, itos)))
    repo.set_params(  # the lecture's settings, whatever params.yaml says today
        prepare={"names_file": "data/names.txt", "val_frac": 0.0, "test_frac": 0.0, "lowercase": True},
        model={"order": 2},
        smooth={"method": "add_alpha", "alpha": 1},
        train_nn={"seed": SEED, "steps": 100, "lr": 50, "reg": 0.01},
        sample={"seed": SEED, "num": 20, "max_len": 100},
        score={"names": ["emma", "olivia", "ava", "andrejq"]},
    )
    repo.dvc("repro")

    train = pd.read_csv(repo.path / "data/counts/train.csv", keep_default_na=False, dtype={"context": str, "next": str})
    i, j = np.nonzero(N)  # the lecture's counts that are not 0, row by row
    assert list(train.itertuples(index=False, name=None)) == [
        (itos[a], itos[b], n) for a, b, n in zip(i.tolist(), j.tolist(), N[i, j].tolist(), strict=True)
    ]
    metrics = json.loads(repo.read("metrics/eval.json"))
    assert metrics["counts"]["train"]["bigrams"] == 228146
    assert round(metrics["counts"]["train"]["nll"], 5) == 2.45458
    assert round(metrics["nn"]["train"]["nll"], 5) == 2.47476
    assert metrics["counts"]["val"] == {"nll": None, "ppl": None, "bigrams": 0, "zero_prob": 0}
    assert repo.read("data/samples/counts.txt").split() == COUNTS_NAMES
    assert repo.read("data/samples/nn.txt").split() == NN_NAMES
    assert repo.read("data/samples/uniform.txt").split()[:3] == UNIFORM_NAMES
    scores = json.loads(repo.read("metrics/score.json"))
    assert round(scores["andrejq"]["counts"]["nll"], 4) == 3.4834 and scores["andrejq"]["uniform"]["nll"] == 3.2958369
