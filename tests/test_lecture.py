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
from stages.model import corpus, counting, evaluation, models, network, sampling
from stages.names import read_names
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


# The lecture's lines in the product (the lecture_* functions of stages/model), each against the
# form the pipeline runs: the same results, exactly where the arithmetic is the same.


@pytest.fixture(scope="module")
def lecture_names(lecture):
    itos, N = lecture
    return names_with_counts(N, itos)


def predictions(N):
    """The lecture's xs, ys (T,) int64 of the predictions counted in N (C, V): the row of each one's
    context, and its next character, row by row."""
    i, j = np.nonzero(N)
    xs, ys = np.repeat(i, N[i, j]), np.repeat(j, N[i, j])
    return torch.as_tensor(xs), torch.as_tensor(ys)


@pytest.fixture(scope="module")
def lecture_N(lecture, lecture_names):
    """N counted by the lecture's loop, counting.lecture_count."""
    return counting.lecture_count(lecture_names, lecture[0])


def test_lecture_count_is_count_ngrams(lecture, lecture_names, lecture_N):
    itos, N = lecture
    assert lecture_N.dtype == torch.int32 and np.array_equal(lecture_N.numpy(), N)
    half = len(lecture_names) // 2  # the count stage reads the names in chunks
    table = counting.table(*counting.count_ngrams([lecture_names[:half], lecture_names[half:]], itos, 2), len(itos))
    assert np.array_equal(table.contexts, np.arange(len(itos))) and np.array_equal(table.N, N)


def test_lecture_smooth_is_smooth(lecture):
    _, N = lecture
    for alpha in (0, 1, 3):  # integer counts: every row total is exact in float32, so the same bits
        P = counting.smooth(N, alpha)
        assert np.array_equal(P, counting.lecture_smooth(torch.as_tensor(N), alpha).numpy())
    for alpha in (0.5, 1e-3):  # float32 sums in torch's order against float64 sums
        assert np.allclose(counting.smooth(N, alpha), counting.lecture_smooth(torch.as_tensor(N), alpha), rtol=1e-6)
    assert counting.lecture_smooth(torch.tensor([[0, 0]]), 0).isnan().all()  # where smooth is uniform
    assert np.array_equal(counting.smooth(np.array([[0, 0]]), 0), [[0.5, 0.5]])


def test_lecture_nll_is_nll(lecture, lecture_names, lecture_N):
    itos, N = lecture
    P = counting.lecture_smooth(lecture_N, 1)
    exact = evaluation.nll(counting.smooth(N, 1), N)
    assert evaluation.lecture_nll(P, lecture_names, itos) == pytest.approx(exact, rel=1e-4)  # summed in float32
    some = lecture_names[:2000]
    N_some = counting.table(*counting.count_ngrams([some], itos, 2), len(itos)).N  # every character occurs
    assert evaluation.lecture_nll(P.double(), some, itos) == pytest.approx(evaluation.nll(P.numpy(), N_some), rel=1e-12)
    assert evaluation.lecture_nll(counting.lecture_smooth(lecture_N, 0), ["andrejq"], itos) == math.inf


def test_lecture_init_is_init_weights():
    for shape, seed in [((27, 27), SEED), ((3, 4), 0), ((5, 27), 7), ((100, 27), 2**64 - 1)]:
        ours, theirs = network.init_weights(shape, seed), network.lecture_init(shape, seed).numpy()
        assert ours.dtype == theirs.dtype == np.float32
        if torch.backends.cpu.get_cpu_capability() == "DEFAULT" or ours.size < 16:
            assert np.abs(ours.view(np.int32) - theirs.view(np.int32)).max() <= 2  # float32 ulps
        else:  # torch's SIMD kernels round in float32 maths of their own
            assert np.abs(ours - theirs).max() <= 2e-6


def test_lecture_forward_is_softmax():
    W = network.lecture_init((5, 27), SEED) * 3
    probs = network.lecture_forward(W, torch.tensor([4, 0, 2, 2]))  # (4, 27): rows 4, 0, 2, 2 of softmax(W)
    assert probs.shape == (4, 27)
    assert np.allclose(probs.numpy(), network.softmax(W.numpy())[[4, 0, 2, 2]], rtol=1e-5, atol=0)
    assert np.allclose(probs.sum(1).numpy(), 1, atol=1e-6)


@pytest.mark.parametrize("order", [2, 3])
def test_lecture_loss_is_nll_loss(lecture, lecture_names, order):
    itos, N = lecture
    if order == 3:  # a (C, V) network: C contexts of order 3 that occur, not (V, V)
        N = counting.count(*corpus.contexts(lecture_names[:3000], itos, 3), len(itos)).N
    W = network.lecture_init(N.shape, SEED) * 2
    W_lecture, W_counts = W.clone().requires_grad_(), W.double().requires_grad_()
    looped = network.lecture_loss(W_lecture, *predictions(N), reg=0.01)
    looped.backward()
    from_counts, nll, _ = network.nll_loss(W_counts, torch.as_tensor(N / N.sum()), reg=0.01)
    from_counts.backward()
    assert from_counts.item() == pytest.approx(looped.item(), rel=1e-5)  # the lecture's float32 mean
    assert from_counts.item() - nll.item() == pytest.approx(0.01 * (W.double() ** 2).mean().item(), rel=1e-12)
    assert torch.allclose(W_counts.grad.float(), W_lecture.grad, atol=1e-7, rtol=1e-4)


@pytest.fixture
def one_thread():
    """torch on one thread, as train_nn runs it: small ops lose more to a busy core than they gain."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("order, size", [(2, 2000), (3, 500)])
def test_lecture_train_is_train(order, size, one_thread):
    names = read_names("data/names.txt", lowercase=True)[:size]  # real names: no step overshoots at lr 50
    itos = corpus.build_vocab(names)
    N = counting.count(*corpus.contexts(names, itos, order), len(itos)).N  # (C, V)
    xs, ys = predictions(N)
    looped = network.lecture_train(xs, ys, *N.shape, seed=SEED, steps=100, lr=50, reg=0.01)
    W, log = network.train(N, np.zeros_like(N), seed=SEED, steps=100, lr=50, reg=0.01)
    assert all(row.lr == 50 for row in log)  # so train is the lecture's loop, in float64
    assert np.abs(W - looped.numpy()).max() < 1e-4
    assert network.lecture_loss(looped, xs, ys, 0.01).item() == pytest.approx(log[-1].loss, abs=1e-5)


@pytest.mark.parametrize("order", [2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lecture_sample_is_sample(lecture, order, dtype):
    itos, N = lecture
    if order == 3:  # every context of order 3, a row for each: (V**2, V), add-one smoothed
        table = counting.count(*corpus.contexts(names_with_counts(N, itos)[:5000], itos, 3), len(itos))
        full = np.zeros((len(itos) ** 2, len(itos)), dtype=np.int64)
        full[table.contexts] = table.N
        P = counting.smooth(full, 1)
    else:
        P = counting.smooth(N, 1)
    P = P.astype(dtype)
    drawn = sampling.sample(P, itos, num=30, max_len=50, seed=SEED, order=order)
    assert drawn == sampling.lecture_sample(torch.as_tensor(P), itos, num=30, max_len=50, seed=SEED, order=order)
    if order == 2 and dtype == "float32":
        assert drawn[:20] == COUNTS_NAMES
