"""The model module against hand-checked cases and the lecture's loops (tests/reference.py)."""

import math

import numpy as np
import pytest
import torch
import yaml

from stages import params
from stages.model import corpus, counting, evaluation, network, sampling
from stages.names import read_names
from tests import reference
from tests.conftest import ROOT

DEFAULTS = yaml.safe_load((ROOT / "params.yaml").read_text())

SMALL = ["ab", "abba", "b", "ba"]
ACCENTED = ["zoë", "josé", "émile", "ana"]


@pytest.fixture(scope="module")
def names():
    return read_names("data/names.txt", lowercase=True)


def sparse(words, itos, order=2):
    """The count stage's counts.Counts of the words: a row for each context that occurs."""
    return counting.count(*corpus.contexts(words, itos, order), len(itos))


def counts(words, itos):
    """N (V, V) of the bigram model: the sparse counts aligned to every character as a context."""
    N, rest = counting.align(sparse(words, itos), np.arange(len(itos)))
    assert rest == 0  # every context of the bigram model is a character of itos
    return N


def test_counts_of_one_name_by_hand():
    itos = corpus.build_vocab(["ab"])
    assert itos == [".", "a", "b"]
    assert counts(["ab"], itos).tolist() == [[0, 1, 0], [0, 0, 1], [1, 0, 0]]


def test_vocab_is_boundary_then_sorted_characters():
    assert corpus.build_vocab(["cab", "ba"]) == [".", "a", "b", "c"]
    assert corpus.build_vocab(ACCENTED) == [".", "a", "e", "i", "j", "l", "m", "n", "o", "s", "z", "é", "ë"]


@pytest.mark.parametrize("words", [SMALL, ACCENTED, ["x"], ["a" * 5000]])
def test_counts_equal_the_lecture_loop(words):
    itos = corpus.build_vocab(words)
    N = counts(words, itos)
    full = reference.counts(words, itos).numpy()
    assert np.array_equal(N, full)
    assert N.sum() == sum(len(w) + 1 for w in words)
    table = sparse(words, itos)  # only the contexts that occur have a row
    assert table.contexts.tolist() == np.flatnonzero(full.sum(1)).tolist()
    assert np.array_equal(table.N, full[table.contexts])
    long = counting.to_long(table, itos, 2)
    assert long == reference.long_counts(words, itos)
    back = counting.from_long([tuple(map(str, row)) for row in long], itos)  # as read from the CSV
    assert np.array_equal(back.contexts, table.contexts) and np.array_equal(back.N, table.N)


def test_counts_equal_the_lecture_loop_on_the_default_corpus(names):
    itos = corpus.build_vocab(names)
    assert len(itos) == 27
    assert np.array_equal(counts(names, itos), reference.counts(names, itos).numpy())
    chunks = [names[i : i + 1000] for i in range(0, len(names), 1000)]  # the count stage streams chunks
    streamed = counting.table(*counting.count_ngrams(chunks, itos, 2), len(itos))
    whole = sparse(names, itos)
    assert np.array_equal(streamed.contexts, whole.contexts) and np.array_equal(streamed.N, whole.N)


def test_no_names_count_nothing():
    assert counts([], [".", "a"]).sum() == 0
    table = sparse([], [".", "a"])
    assert len(table.contexts) == 0 and table.N.shape == (0, 2)


def test_encode_rejects_a_character_outside_the_vocabulary():
    with pytest.raises(ValueError, match="'q'"):
        corpus.encode(["aq"], [".", "a"])
    with pytest.raises(ValueError, match="'é'"):
        corpus.encode(["é"], [".", "z"])


def split_names(names, val_frac, test_frac, seed):
    """(train, val, test): the names of each split, in the order of `names`, as prepare writes them."""
    split = corpus.split_of(len(names), val_frac, test_frac, seed).tolist()
    return tuple([name for name, s in zip(names, split, strict=True) if s == k] for k in range(3))


def test_split_is_a_seeded_partition():
    words = [f"n{i}" for i in range(100)]
    train, val, test = split_names(words, 0.1, 0.2, seed=1)
    assert (len(train), len(val), len(test)) == (70, 10, 20)
    assert sorted(train + val + test) == sorted(words)
    assert split_names(words, 0.1, 0.2, seed=1) == (train, val, test)
    assert split_names(words, 0.1, 0.2, seed=2) != (train, val, test)
    assert split_names(words, 0, 0, seed=1)[1:] == ([], [])


def makemore_split(words, f1, f2, seed):
    """Later parts of the lecture: random.seed(42); random.shuffle(words); cut at int(0.8 n), int(0.9 n).
    Each split's names are given back in the order of `words` (as prepare streams them): shuffling the
    (position, name) pairs moves them as makemore's shuffle moves the names (the permutation depends only
    on the length and the seed), and the positions restore the file's order."""
    import random

    words = list(enumerate(words))
    random.seed(seed)
    random.shuffle(words)
    n1, n2 = int(f1 * len(words)), int(f2 * len(words))
    return tuple([w for _, w in sorted(part)] for part in (words[:n1], words[n1:n2], words[n2:]))


# (val_frac, test_frac) and the cuts the lecture's code would write for them
FRACTIONS = [
    (0.1, 0.1, 0.8, 0.9),
    (0.05, 0.05, 0.9, 0.95),
    (0.2, 0.1, 0.7, 0.9),
    (0.15, 0.05, 0.8, 0.95),
    (0.1, 0.2, 0.7, 0.8),
    (0.3, 0.3, 0.4, 0.7),
    (0.0, 0.1, 0.9, 0.9),
    (0.1, 0.0, 0.9, 1.0),
    (0.0, 0.0, 1.0, 1.0),
]


@pytest.mark.parametrize("val_frac, test_frac, f1, f2", FRACTIONS)
def test_split_is_makemores_name_for_name(names, val_frac, test_frac, f1, f2):
    for n in [*range(2990, 3011), 32033]:
        words = (names * 2)[:n]
        expected = makemore_split(words, f1, f2, seed=42)
        assert split_names(words, val_frac, test_frac, seed=42) == expected, n
        split = corpus.split_of(n, val_frac, test_frac, seed=42)
        assert split.dtype == np.int8 and [len(part) for part in expected] == np.bincount(split, minlength=3).tolist()


def test_split_of_the_lecture_corpus_size_gives_train_25626():
    train, val, test = split_names(range(32033), 0.1, 0.1, seed=42)
    assert (len(train), len(val), len(test)) == (25626, 3203, 3204)


def test_top_bigrams_by_hand_ties_in_vocabulary_order():
    itos = corpus.build_vocab(["ab", "ba", "b"])  # . a b
    N = counts(["ab", "ba", "b"], itos)  # .a 1, .b 2, ab 1, a. 1, ba 1, b. 2
    assert counting.top_bigrams(N, itos, itos) == [
        (".b", 2, 2 / 8),
        ("b.", 2, 2 / 8),
        (".a", 1, 1 / 8),
        ("a.", 1, 1 / 8),
        ("ab", 1, 1 / 8),
        ("ba", 1, 1 / 8),
    ]


def test_smooth_equals_the_lecture_and_normalises_rows(names):
    itos = corpus.build_vocab(names)
    N = counts(names, itos)
    P = counting.smooth(N, alpha=1)
    assert P.dtype == np.float32
    assert np.array_equal(P, reference.probabilities(torch.as_tensor(N), 1).numpy())  # bit for bit
    assert np.allclose(P.sum(1), 1, atol=1e-6)


def test_smooth_divides_each_row_by_its_own_total_the_keepdim_lesson():
    N = np.array([[0, 6], [2, 2]])
    P = counting.smooth(N, alpha=0)
    assert np.array_equal(P, [[0, 1], [0.5, 0.5]])
    # Without keepdim, the (V,) totals [6, 4] broadcast as a row: each column is divided instead.
    without_keepdim = N / N.sum(1)
    assert np.array_equal(without_keepdim, [[0, 1.5], [1 / 3, 0.5]]) and not np.allclose(P, without_keepdim)


def test_smooth_by_hand_and_an_unseen_context_is_uniform():
    N = np.array([[0, 2, 2], [1, 0, 3], [0, 0, 0]])
    P = counting.smooth(N, alpha=0)
    assert np.array_equal(P, np.array([[0, 0.5, 0.5], [0.25, 0, 0.75], [1 / 3, 1 / 3, 1 / 3]], dtype=np.float32))
    assert np.allclose(counting.smooth(N, alpha=1)[0], [1 / 7, 3 / 7, 3 / 7])


def test_every_alpha_params_accepts_gives_positive_finite_probabilities():
    N = np.array([[0, 10**9, 3], [1, 0, 0], [0, 0, 0]])
    for alpha in (1e-12, 1, 1e12):  # params.yaml's bounds
        assert params.check({**DEFAULTS, "smooth": {**DEFAULTS["smooth"], "alpha": alpha}}) == []
        P = counting.smooth(N, alpha)
        assert np.isfinite(P).all() and P.all() and np.allclose(P.sum(1, dtype=np.float64), 1, atol=1e-6)
    for alpha in (1e-13, 1e13):
        assert params.check({**DEFAULTS, "smooth": {**DEFAULTS["smooth"], "alpha": alpha}}) == [
            f"smooth.alpha: expected 0 or a number in [1e-12, 1e12], got {alpha}"
        ]


def test_log_grid_marks_a_positive_value():
    assert evaluation.log_grid(-1, 1, 0) == pytest.approx([0.1, 10**-0.5, 1, 10**0.5, 10])
    assert evaluation.log_grid(-1, 1, 1) == evaluation.log_grid(-1, 1, 0)  # already on the grid
    assert evaluation.log_grid(-1, 0, 0.5) == pytest.approx([0.1, 10**-0.5, 0.5, 1])


def test_alpha_curve_is_the_lecture_model_smoothed_with_each_alpha(names):
    train, val = names[:3000], names[3000:3500]
    itos = corpus.build_vocab(train + val)
    alphas = [0.001, 0.1, 1, 10, 1000]
    curve = evaluation.alpha_curve(sparse(train, itos), sparse(val, itos), alphas)
    assert [row[0] for row in curve] == alphas
    for alpha, train_nll, val_nll in curve:
        # torch sums a fractional alpha's row in float32, smooth in float64: P agrees to float32 rounding
        P = reference.probabilities(torch.as_tensor(counts(train, itos)), alpha)
        assert train_nll == pytest.approx(reference.nll(P, train, itos), rel=1e-6)
        assert val_nll == pytest.approx(reference.nll(P, val, itos), rel=1e-6)
    ((_, _, val_nll),) = evaluation.alpha_curve(sparse(["ab"], itos), sparse(["ba"], itos), [0])
    assert val_nll == math.inf  # no smoothing: a held-out bigram never seen in train


def test_alpha_curve_predicts_a_context_train_lacks_uniformly():
    itos = [".", "a", "b"]
    # train: .a, a. ; val: .b (context '.' in train), b. (context 'b' never in train: uniform 1/3)
    ((_, train_nll, val_nll),) = evaluation.alpha_curve(sparse(["a"], itos), sparse(["b"], itos), [1])
    assert train_nll == pytest.approx(-(math.log(2 / 4) + math.log(2 / 4)) / 2, rel=1e-6)  # (1 + 1) / (2 + 2)
    assert val_nll == pytest.approx(-(math.log(1 / 4) + math.log(1 / 3)) / 2, rel=1e-6)
    P = reference.probabilities(reference.counts(["a"], itos), 1)  # the loop's row for 'b' is uniform too
    assert val_nll == pytest.approx(reference.nll(P, ["b"], itos), rel=1e-6)


def test_nll_equals_the_lecture_loop_in_float64(names):
    itos = corpus.build_vocab(names)
    N = counts(names, itos)
    P = counting.smooth(N, alpha=1)
    assert evaluation.nll(P, N) == pytest.approx(reference.nll(torch.as_tensor(P), names, itos), rel=1e-12)


def test_nll_of_a_uniform_model_is_log_v():
    N = np.array([[0, 5, 1], [2, 0, 7], [3, 3, 0]])
    assert evaluation.nll(np.full((3, 3), 1 / 3), N) == pytest.approx(math.log(3), rel=1e-12)


def test_nll_is_inf_for_an_impossible_bigram_and_nan_without_bigrams():
    P = counting.smooth(np.array([[0, 1], [1, 0]]), alpha=0)
    N = np.array([[1, 1], [1, 0]])
    assert evaluation.zero_prob(P, N) == 1 and evaluation.nll(P, N) == math.inf
    assert math.isnan(evaluation.nll(P, np.zeros((2, 2), dtype=int)))


def test_softmax_equals_torch():
    W = torch.randn((5, 5), generator=torch.Generator().manual_seed(0)) * 30
    assert np.allclose(network.softmax(W.numpy()), torch.softmax(W.double(), 1).numpy(), rtol=1e-12)


def test_kl_against_a_loop():
    N = np.array([[0, 4, 1], [2, 0, 2], [1, 0, 0]])
    P, Q = counting.smooth(N, 0), counting.smooth(N, 1)
    w = N.sum(1) / N.sum()
    loop = sum(w[i] * sum(P[i, j] * math.log(P[i, j] / Q[i, j]) for j in range(3) if P[i, j] > 0) for i in range(3))
    assert evaluation.kl(P, Q, N) == pytest.approx(loop, rel=1e-6)
    assert evaluation.kl(P, P, N) == 0
    assert evaluation.kl(Q, P, N) == math.inf


def test_loss_and_gradient_from_counts_equal_the_one_hot_network(names):
    """The network's loss depends on the data only through N: same W, same loss and gradient."""
    itos = corpus.build_vocab(names)
    N = counts(names, itos)
    W = torch.randn((27, 27), generator=torch.Generator().manual_seed(2147483647)) * 2
    W1, W2 = W.clone().requires_grad_(), W.clone().requires_grad_()
    one_hot = reference.loss(W1, *reference.ngrams(names, itos), reg=0.01)
    one_hot.backward()
    from_counts, _, _ = network.nll_loss(W2, torch.as_tensor(N / N.sum(), dtype=torch.float32), reg=0.01)
    from_counts.backward()
    assert from_counts.item() == pytest.approx(one_hot.item(), abs=1e-5)
    assert torch.allclose(W2.grad, W1.grad, atol=1e-5, rtol=0)


RANDN_CASES = [(2, 0), (3, 5), (4, 1), (5, 9), (27, 2147483647), (30, 2**64 - 1), (57, 42)]  # (V, seed)
RANDN = f"""
import json, torch
randn = lambda V, seed: torch.randn((V, V), generator=torch.Generator().manual_seed(seed)).tolist()
print(json.dumps([randn(V, seed) for V, seed in {RANDN_CASES}]))
"""


@pytest.mark.parametrize("kernel", ["default", "avx2", "avx512"])
def test_init_weights_is_the_lecture_randn_under_every_kernel(kernel):
    import json
    import subprocess
    import sys

    if kernel != "default" and torch.backends.cpu.get_cpu_capability() not in (kernel.upper(), "AVX512"):
        pytest.skip(f"this CPU has no {kernel}")
    out = subprocess.run(
        [sys.executable, "-c", RANDN], env={"ATEN_CPU_CAPABILITY": kernel}, capture_output=True, text=True, check=True
    )
    for (V, seed), drawn in zip(RANDN_CASES, json.loads(out.stdout), strict=True):
        theirs = np.array(drawn, dtype=np.float32)  # float32 -> float -> float32 round-trips
        ours = network.init_weights((V, V), seed)
        assert ours.dtype == np.float32
        if kernel == "default" or V * V < 16:  # torch's plain C++ kernel: the same to the last bits
            assert np.abs(ours.view(np.int32) - theirs.view(np.int32)).max() <= 2, (V, seed)
        else:  # its SIMD kernels round in float32 maths of their own: about 1e-6 apart
            assert np.abs(ours - theirs).max() <= 2e-6, (V, seed)


def test_train_follows_the_lecture_loop():
    words = SMALL * 3 + ACCENTED
    itos = corpus.build_vocab(words)
    N_train = counts(words, itos)
    W, log = network.train(N_train, counts(SMALL, itos), seed=7, steps=20, lr=5, reg=0.01)
    expected = reference.train(words, itos, seed=7, steps=20, lr=5, reg=0.01)
    assert np.allclose(W, expected.numpy(), atol=1e-5)
    assert [row.step for row in log] == list(range(21))
    assert log[-1].train_nll == pytest.approx(evaluation.nll(network.softmax(W), N_train), abs=1e-5)
    assert log[-1].val_nll == pytest.approx(evaluation.nll(network.softmax(W), counts(SMALL, itos)), abs=1e-5)
    assert log[0].loss > log[-1].loss


def test_reg_curve_trains_the_one_hot_network_with_each_reg():
    words, held_out = SMALL * 3 + ACCENTED, SMALL
    itos = corpus.build_vocab(words)
    regs = [0, 0.01, 1]
    curve = network.reg_curve(counts(words, itos), counts(held_out, itos), regs, seed=7, steps=20, lr=5)
    assert [row[0] for row in curve] == regs
    for reg, train_nll, val_nll, diverged in curve:
        assert diverged == 0
        probs = torch.softmax(reference.train(words, itos, seed=7, steps=20, lr=5, reg=reg), 1)
        assert train_nll == pytest.approx(reference.nll(probs, words, itos), abs=1e-5)
        assert val_nll == pytest.approx(reference.nll(probs, held_out, itos), abs=1e-5)
    assert curve[0][1] < curve[1][1] < curve[2][1]  # a stronger penalty fits train worse


def test_reg_curve_marks_a_point_where_training_does_not_converge():
    N = counts(SMALL, corpus.build_vocab(SMALL))
    curve = network.reg_curve(N, N, [0, 0.01], seed=0, steps=2, lr=1)  # 2 small steps: still above uniform
    assert curve == [(0, None, None, 1), (0.01, None, None, 1)]
    curve = network.reg_curve(N, N, [0.01, 10], seed=0, steps=50, lr=50)
    assert [row[3] for row in curve] == [0, 0] and all(row[1] <= math.log(N.shape[1]) for row in curve)


def test_train_with_no_val_logs_none():
    N = counts(SMALL, corpus.build_vocab(SMALL))
    _, log = network.train(N, np.zeros_like(N), seed=0, steps=2, lr=10, reg=0)
    assert [row.val_nll for row in log] == [None, None, None]


def test_a_step_that_would_raise_the_loss_is_retaken_at_half_the_rate():
    # A handful of names: plain descent at lr 50 (the lecture's loop) overshoots and cycles for good
    words = ["ana", "bob", "eve", "ann", "bo"]
    itos = corpus.build_vocab(words)
    W = torch.randn((len(itos), len(itos)), generator=torch.Generator().manual_seed(0), requires_grad=True)
    xs, ys, plain = *reference.ngrams(words, itos), []
    for _ in range(60):
        out = reference.loss(W, xs, ys, 0.01)
        plain.append(out.item())
        W.grad = None
        out.backward()
        W.data += -50 * W.grad
    assert any(later > earlier for earlier, later in zip(plain, plain[1:], strict=False))
    W, log = network.train(counts(words, itos), counts(words, itos), seed=0, steps=60, lr=50, reg=0.01)
    expected = reference.train(words, itos, seed=0, steps=60, lr=50, reg=0.01, dtype=torch.float64)
    assert np.allclose(W, expected.numpy(), atol=1e-5)  # the reference loop with the same safeguard
    losses = [row.loss for row in log]
    assert all(later <= earlier * (1 + network.RISE) for earlier, later in zip(losses, losses[1:], strict=False))
    assert losses[-1] < min(plain)  # and it ends lower than plain descent ever gets
    rates = [row.lr for row in log]
    assert rates[0] == 50 and rates[-1] < 50 and all(r in (50 / 2**k for k in range(60)) for r in rates)
    assert rates == sorted(rates, reverse=True)  # halved for good
    # where no step overshoots, it is the lecture's loop to the last bit (test_train_follows_the_lecture_loop)


def test_training_that_gives_no_model_raises_diverged():
    N = counts(SMALL, corpus.build_vocab(SMALL))
    with pytest.raises(network.Diverged, match="at step 2 the train NLL is .* above the uniform model's"):
        network.train(N, N, seed=0, steps=2, lr=1, reg=0)
    certain = counts(["ab"], [".", "a", "b"])  # every next character certain: the loss falls as W grows
    with pytest.raises(network.Diverged, match="at step 3 some of its probabilities are 0 in float32"):
        network.train(certain, certain, seed=0, steps=3, lr=1e12, reg=0)


def test_sample_equals_the_lecture_loop(names):
    itos = corpus.build_vocab(names)
    P = counting.smooth(counts(names, itos), alpha=1)
    got = sampling.sample(P, itos, num=50, max_len=1000, seed=2147483647)
    assert got == reference.sample(torch.as_tensor(P), itos, num=50, seed=2147483647)


SEEDS = [0, 42, 2147483647, 2**32 + 7, 2**64 - 1]  # 2**32 + 7 and 7 seed torch alike: the low 32 bits


@pytest.mark.parametrize("seed", SEEDS)
def test_exponentials_are_torchs_exponential_draws(seed):
    g = torch.Generator().manual_seed(seed)
    mt19937 = np.random.RandomState(seed & 0xFFFFFFFF)
    for n, dtype in [(1, torch.float32), (27, torch.float32), (1000, torch.float64), (5, torch.float32)]:
        want = torch.empty(n, dtype=dtype).exponential_(1, generator=g).numpy()
        got = sampling.exponentials(mt19937, n, want.dtype)
        assert got.dtype == want.dtype and np.array_equal(got, want)


def multinomial_cases():
    """Rows torch.multinomial may meet: spread, peaked, with zeros, all tied; each keeps P[:, 0] >= 0.05."""
    rng = np.random.default_rng(0)
    V = 27
    spread = rng.random((V, V))
    peaked = np.exp(5 * rng.normal(size=(V, V)))
    zeros = (rng.random((V, V)) < 0.3) * rng.random((V, V))
    tied = np.ones((V, V))
    for M in (spread, peaked, zeros, tied):
        M[:, 0] = 0.05 * M.sum(1) + 1e-3
        yield M / M.sum(1, keepdims=True)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sample_draws_what_torch_multinomial_draws(seed, dtype):
    itos = [".", *"abcdefghijklmnopqrstuvwxyz"]
    for P in multinomial_cases():
        P = P.astype(dtype)
        got = sampling.sample(P, itos, num=30, max_len=1000, seed=seed)
        assert got == reference.sample(torch.as_tensor(P), itos, num=30, seed=seed)


def test_sample_stops_at_max_len():
    itos = [".", "a"]
    P = np.array([[0, 1], [0, 1]], dtype=np.float32)  # never ends by itself
    assert sampling.sample(P, itos, num=2, max_len=7, seed=0) == ["aaaaaaa", "aaaaaaa"]
