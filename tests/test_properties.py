"""Properties of the model's math on random corpora over random alphabets."""

import math

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stages.model import corpus, counting, evaluation, sampling
from tests import reference

# Any printable character but the boundary token; names as files.read_names would give them.
chars = st.characters(codec="utf-8", exclude_characters=".", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs"))
alphabets = st.lists(chars, min_size=1, max_size=12, unique=True)


@st.composite
def corpora(draw):
    alphabet = draw(alphabets)
    return draw(st.lists(st.text(alphabet=alphabet, min_size=1, max_size=12), min_size=1, max_size=30))


@settings(max_examples=200, deadline=None)
@given(corpora())
def test_counts_sum_to_the_bigrams_and_equal_the_loop(names):
    itos = corpus.build_vocab(names)
    table = counting.count(*corpus.contexts(names, itos, 2), len(itos))
    full = reference.counts(names, itos).numpy()
    assert table.N.sum() == sum(len(name) + 1 for name in names)
    assert table.contexts.tolist() == np.flatnonzero(full.sum(1)).tolist()  # only the contexts that occur
    assert np.array_equal(table.N, full[table.contexts])
    assert counting.to_long(table, itos, 2) == reference.long_counts(names, itos)


@st.composite
def two_corpora(draw):
    """(train, held out): names over one alphabet."""
    alphabet = draw(alphabets)
    names = st.lists(st.text(alphabet=alphabet, min_size=1, max_size=12), min_size=1, max_size=30)
    return draw(names), draw(names)


@settings(max_examples=200, deadline=None)
@given(two_corpora(), st.just(0.0) | st.floats(min_value=1e-6, max_value=100))
def test_every_row_of_p_sums_to_one_and_nll_is_finite_when_smoothed(splits, alpha):
    train, held_out = splits
    itos = corpus.build_vocab(train + held_out)
    train_counts, held_out_counts = (counting.count(*corpus.contexts(names, itos, 2), len(itos)) for names in splits)
    N_train = train_counts.N
    N_held_out, rest = counting.align(held_out_counts, train_counts.contexts)  # rest: contexts train lacks
    assert N_held_out.sum() + rest == sum(len(name) + 1 for name in held_out)
    P = counting.smooth(N_train, alpha)
    assert np.allclose(P.sum(1), 1, atol=1e-5)
    assert math.isfinite(evaluation.nll(P, N_train)) and evaluation.nll(P, N_train) >= 0
    if alpha > 0:
        assert evaluation.zero_prob(P, N_held_out) == 0
        assert math.isfinite(evaluation.nll(P, N_held_out, rest))


@settings(max_examples=200, deadline=None)
@given(corpora())
def test_the_vocabulary_round_trips_every_name(names):
    itos = corpus.build_vocab(names)
    assert itos[0] == corpus.BOUNDARY and len(set(itos)) == len(itos)
    decoded = "".join(itos[i] for i in corpus.encode(names, itos))
    assert decoded.strip(".").split(".") == names


@st.composite
def distributions(draw):
    """P (V, V), float32 or float64, rows summing to 1, zeros allowed except at the boundary."""
    V = draw(st.integers(1, 30))
    weights = st.lists(st.just(0.0) | st.floats(1e-30, 1e30), min_size=V * V, max_size=V * V)
    M = np.array(draw(weights)).reshape(V, V)
    M[:, 0] = 0.05 * M.sum(1) + 1e-30  # names end: one draw in 21 is the boundary
    return (M / M.sum(1, keepdims=True)).astype(draw(st.sampled_from(["float32", "float64"])))


@settings(max_examples=200, deadline=None)
@given(distributions(), st.integers(0, 2**64 - 1))
def test_sample_equals_the_lecture_loop_on_any_distribution(P, seed):
    itos = [".", *(chr(ord("a") + i) for i in range(len(P) - 1))]
    got = sampling.sample(P, itos, num=10, max_len=10_000, seed=seed)
    assert got == reference.sample(torch.as_tensor(P), itos, num=10, seed=seed)
