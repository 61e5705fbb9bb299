"""Longer contexts (model.order): counts, P, NLL, the network and sampling against the lecture's
loops with order - 1 boundaries in front of every word (tests/reference.py). The pipeline at another
order than params.yaml's: test_pipeline's `changed` build (order 3, or 2 when params.yaml says 3)."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stages.model import backoff, corpus, counting, evaluation, network, sampling
from tests import reference

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "ella", "ema", "liv"]
HELD_OUT = ["emily", "ava", "lia", "zoe"]
ORDERS = [1, 2, 3, 4]


def table(words, itos, order):
    """(contexts (C,), N (C, V)) as the count stage builds them: a row for each context the words have."""
    return tuple(counting.count(*corpus.contexts(words, itos, order), len(itos)))


def possible(itos, order):
    """(T,) every context a name can have, sorted: its padding ('.' 0 to order - 1 times), then characters
    that are not '.'. The others ('a.b') never occur: the counts model backs off there as it does after '.'."""
    every = np.arange(len(itos) ** (order - 1))
    return every[["." not in label.lstrip(".") for label in corpus.context_labels(every, itos, order)]]


def reference_counts(words, itos, order):
    """N over every one of the V**(order - 1) contexts, by the padded loop."""
    return reference.counts(words, itos, order).numpy()


@pytest.mark.parametrize("order", ORDERS)
def test_counts_are_the_padded_loop_over_the_contexts_that_occur(order):
    itos = corpus.build_vocab(WORDS + HELD_OUT)
    contexts, N = table(WORDS, itos, order)
    full = reference_counts(WORDS, itos, order)
    assert np.array_equal(N, full[contexts])
    assert full.sum() == N.sum() == sum(len(w) + 1 for w in WORDS)  # len(name) + 1 predictions at every order
    assert contexts.tolist() == np.flatnonzero(full.sum(1)).tolist()  # the words' own contexts, no other split's
    labels = corpus.context_labels(contexts, itos, order)
    assert labels == reference.seen_contexts(WORDS, itos, order)
    assert all(len(label) == order - 1 for label in labels) and labels == sorted(labels)
    assert np.array_equal(corpus.context_ids(labels, itos), contexts)
    assert counting.to_long(counting.Counts(contexts, N), itos, order) == reference.long_counts(WORDS, itos, order)
    streamed = counting.table(*counting.count_ngrams([WORDS[:3], WORDS[3:7], WORDS[7:]], itos, order), len(itos))
    assert np.array_equal(streamed.contexts, contexts) and np.array_equal(streamed.N, N)


def test_order_3_contexts_by_hand():
    itos = corpus.build_vocab(["ab"])
    ctx, nxt = corpus.contexts(["ab"], itos, 3)
    assert [(label, itos[n]) for label, n in zip(corpus.context_labels(ctx, itos, 3), nxt, strict=True)] == [
        ("..", "a"),
        (".a", "b"),
        ("ab", "."),
    ]


@pytest.mark.parametrize("order", ORDERS)
def test_p_and_nll_are_the_lecture_model_at_every_order(order):
    itos = corpus.build_vocab(WORDS + HELD_OUT)
    contexts, N_train = table(WORDS, itos, order)
    val = counting.count(*corpus.contexts(HELD_OUT, itos, order), len(itos))
    N_val, rest = counting.align(val, contexts)  # val on train's contexts, and its predictions after others
    P = counting.smooth(N_train, alpha=1)
    full = reference.probabilities(torch.as_tensor(reference_counts(WORDS, itos, order)), 1)
    assert np.array_equal(P, full[contexts].numpy())
    rows = backoff.from_rows(P, contexts, order)  # the counts model as the smooth stage writes it (add_alpha)
    unseen = np.setdiff1d(possible(itos, order), contexts)
    every = rows[np.arange(len(itos) ** (order - 1))]
    assert every.dtype == np.float32 and (len(unseen) > 0) == (order > 1)  # held-out characters: unseen contexts
    assert np.array_equal(every[contexts], full[contexts].numpy())  # P's own float32 rows
    assert np.all(every[unseen] == np.float32(1 / len(itos)))  # unseen rows: uniform, float32(1/V) as P's own
    assert np.array_equal(every[unseen], full[unseen].numpy())  # the lecture's smoothed zero rows (alpha 1)
    xs, _ = reference.ngrams(HELD_OUT, itos, order)
    assert rest == sum(x not in set(contexts.tolist()) for x in xs.tolist())
    assert N_val.sum() + rest == len(xs)
    seen = set(contexts.tolist())
    for words, N, outside in [(WORDS, N_train, 0), (HELD_OUT, N_val, rest)]:
        xs, ys = reference.ngrams(words, itos, order)
        # a context train lacks: probability 1/V exactly (the float32 row's 1/V is 1e-8 off)
        expected = math.fsum(
            -math.log(float(full[x, y])) if x in seen else math.log(len(itos))
            for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
        )
        assert evaluation.nll(P, N, outside) == pytest.approx(expected / len(xs), rel=1e-9)


@pytest.mark.parametrize("order", ORDERS)
def test_loss_and_gradient_equal_the_one_hot_network_at_every_order(order):
    """W has a row per context of train (exercise E04): the one-hot network over those C rows, its penalty
    the mean over C x V; its NLL that of the one-hot network over every context's row."""
    itos = corpus.build_vocab(WORDS)
    contexts, N = table(WORDS, itos, order)
    labels = reference.seen_contexts(WORDS, itos, order)
    at = {label: i for i, label in enumerate(labels)}
    W = torch.randn((len(contexts), len(itos)), generator=torch.Generator().manual_seed(3)).double()
    W_ref, W_ours = W.clone().requires_grad_(), W.clone().requires_grad_()
    stoi = {ch: i for i, ch in enumerate(itos)}
    pairs = [(at[c], stoi[ch]) for w in WORDS for c, ch in reference.windows(w, order)]
    xs, ys = (torch.tensor(v) for v in zip(*pairs, strict=True))
    one_hot = reference.loss(W_ref, xs, ys, reg=0.1)  # one-hot over the C contexts of train
    one_hot.backward()
    ours, nll, _ = network.nll_loss(W_ours, torch.as_tensor(N / N.sum()), 0.1)
    ours.backward()
    assert ours.item() == pytest.approx(one_hot.item(), rel=1e-12)
    assert torch.allclose(W_ours.grad, W_ref.grad, rtol=0, atol=1e-12)
    everywhere = reference.full_rows(labels, W, itos, order)  # every context's row, zeros outside train's
    assert nll.item() == pytest.approx(reference.loss(everywhere, *reference.ngrams(WORDS, itos, order), 0).item())


@pytest.mark.parametrize("order", [1, 3, 4])
def test_train_follows_the_one_hot_loop_at_every_order(order):
    itos = corpus.build_vocab(WORDS + HELD_OUT)
    contexts, N_train = table(WORDS, itos, order)
    val = counting.count(*corpus.contexts(HELD_OUT, itos, order), len(itos))
    N_val, rest = counting.align(val, contexts)
    assert rest > 0 or order == 1  # held-out contexts train lacks: predicted uniformly
    W, log = network.train(N_train, N_val, seed=5, steps=30, lr=10, reg=0.05, val_rest=rest)
    labels, expected = reference.train_rows(
        WORDS, itos, seed=5, steps=30, lr=10, reg=0.05, order=order, dtype=torch.float64
    )
    assert labels == corpus.context_labels(contexts, itos, order)
    assert W.shape == (len(contexts), len(itos)) and W.dtype == np.float32
    assert np.allclose(W, expected.numpy(), atol=1e-5)
    everywhere = reference.full_rows(labels, torch.as_tensor(W, dtype=torch.float64), itos, order)
    probs = torch.softmax(everywhere, 1)  # a context train lacks: a row of zeros, uniform
    for words, nll in [(WORDS, log[-1].train_nll), (HELD_OUT, log[-1].val_nll)]:
        xs, ys = reference.ngrams(words, itos, order)
        assert nll == pytest.approx(-probs[xs, ys].log().mean().item(), abs=1e-5)


def test_sampling_at_order_3_draws_what_torch_multinomial_draws():
    itos = corpus.build_vocab(WORDS)
    full = reference.probabilities(torch.as_tensor(reference_counts(WORDS, itos, 3)), 0.1)  # (V**2, V)
    for seed in [0, 1, 2147483647]:
        ours = sampling.sample(full.numpy(), itos, num=25, max_len=30, seed=seed, order=3)
        assert ours == reference.sample(full, itos, num=25, seed=seed, max_len=30, order=3)


def test_the_counts_model_samples_unseen_contexts_from_the_uniform_row():
    itos = corpus.build_vocab(WORDS)
    contexts, N = table(WORDS, itos, 3)
    rows = backoff.from_rows(counting.smooth(N, alpha=1), contexts, 3)
    full = reference.probabilities(torch.as_tensor(reference_counts(WORDS, itos, 3)), 1)
    every = possible(itos, 3)
    assert np.array_equal(rows[every], full[every].numpy())  # unseen rows float32(1/V), as the loop's
    assert sampling.sample(rows, itos, 20, 30, 7, order=3) == sampling.sample(full.numpy(), itos, 20, 30, 7, order=3)


alphabets = st.lists(st.sampled_from("abcdefghxyzé"), min_size=1, max_size=6, unique=True)


@st.composite
def corpora(draw):
    alphabet = draw(alphabets)
    return draw(st.lists(st.text(alphabet=alphabet, min_size=1, max_size=8), min_size=1, max_size=15))


@settings(max_examples=150, deadline=None)
@given(corpora(), st.integers(1, 5))
def test_counts_at_any_order_equal_the_padded_loop(words, order):
    itos = corpus.build_vocab(words)
    contexts, N = table(words, itos, order)
    full = reference_counts(words, itos, order)
    assert np.array_equal(N, full[contexts]) and not full[np.setdiff1d(np.arange(len(full)), contexts)].any()
    assert N.sum() == sum(len(w) + 1 for w in words)
