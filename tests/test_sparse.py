"""The sparse tables (counts, P and W over only the contexts that occur) against the lecture's loops
(tests/reference.py) and plain loops over dicts, at orders 1 to 6; the counts model's ARPA file
(stages/arpa.py) read back exactly; and the pipeline at order 6.

The plain references here work on strings: a Counter of (context, next character) from the padded
windows of reference.windows, probabilities looked up by context string, a context train never
saw predicting every character at 1/V, and an ARPA file read as KenLM reads it: a dict of n-grams
and ARPA's back-off rule.
"""

import collections
import csv
import json
import math
import os
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stages import arpa, cli, counts_table, files, weights
from stages.model import backoff, corpus, counting, evaluation, kneser_ney, models, network, sampling
from stages.names import read_name_chunks
from tests import reference
from tools.sandbox import Repo

ORDERS = [1, 2, 3, 4, 5, 6]
HAND = ["ab", "b", "abba"]  # itos ['.', 'a', 'b']: every count below is checkable by hand
TRAIN = ["emma", "olivia", "ava", "isabella", "ella", "mia", "amelia", "liv"]
HELD_OUT = ["emily", "ava", "lia", "ivo", "mo"]  # contexts train never saw, at every order above 1


# ---------------------------------------------------------------------------------------------------
# plain references, straight from the definitions


def windows_counter(names, order):
    """Counter {(context, next): how often}: the padded loop of reference.windows."""
    return collections.Counter(w for name in names for w in reference.windows(name, order))


def as_dict(counts, itos, order):
    """{(context, next): count} of a counting.Counts, only the cells that are not 0."""
    labels = corpus.context_labels(counts.contexts, itos, order)
    return {
        (labels[i], itos[j]): int(counts.N[i, j])
        for i in range(len(labels))
        for j in range(len(itos))
        if counts.N[i, j]
    }


def sparse_counts(names, itos, order):
    return counting.count(*corpus.contexts(names, itos, order), len(itos))


def plain_nll(prob, names, order):
    """Mean -log prob(context, next) over every prediction of the names, each term in float64, summed exactly."""
    terms = [-math.log(prob(context, ch)) for name in names for context, ch in reference.windows(name, order)]
    return math.fsum(terms) / len(terms)


def dense(rows, V, order):
    """A model's rows for every one of the V**(order - 1) contexts, as reference.sample and .nll index them."""
    return torch.from_numpy(np.ascontiguousarray(rows[np.arange(V ** (order - 1))]))


def counts_model(names, itos, order, alpha):
    """(train Counts, P (C, V), backoff.Model) of the counts model, as the smooth stage builds it with
    smooth.method add_alpha: P's row after a context of train, uniform after any other."""
    train = sparse_counts(names, itos, order)
    P = counting.smooth(train.N, alpha)
    return train, P, backoff.from_rows(P, train.contexts, order)


def plain_arpa(text):
    """(order, {n-gram (tuple of tokens): (log10 p, log10 back-off weight or None)}) of an ARPA file's
    text, line by line, checking that each section has the n-grams its header counts."""
    lines = text.splitlines()
    assert lines[0] == "\\data\\" and lines[-1] == "\\end\\"
    counts = [int(line.split("=")[1]) for line in lines if line.startswith("ngram ")]
    grams, section = {}, []
    for line in lines[1:-1]:
        if line.startswith("\\"):
            assert line == f"\\{len(section) + 1}-grams:"
            section.append(0)
        elif section and line:
            logp, *rest = line.split("\t")
            words = tuple(rest[0].split(" "))
            assert len(words) == len(section) and words not in grams, line
            grams[words] = (float(logp), float(rest[1]) if len(rest) > 1 else None)
            section[-1] += 1
    assert section == counts
    return len(counts), grams


def arpa_prob(grams, context, ch):
    """ARPA's rule by recursion: p(w | h) = 10**logp(h w) if h w is listed, else 10**bo(h) * p(w | h[1:])
    (bo 0 if h is not listed), log10 -99 being 0 as SRILM writes it. The padded context as ARPA tokens:
    its padding one <s>, '.' next </s>."""
    tok = {".": "</s>", " ": "<space>"}
    history = ["<s>"] * context.startswith(".") + [tok.get(c, c) for c in context.lstrip(".")]
    w = tok.get(ch, ch)

    def power(log10):
        return 0.0 if log10 <= -99 else 10**log10

    def p(h):
        if (*h, w) in grams:
            return power(grams[(*h, w)][0])
        assert h, f"{w} is not a 1-gram"
        return power(grams.get(tuple(h), (0, None))[1] or 0) * p(h[1:])

    return p(history)


# hypothesis: names over a few characters, among them the CSV's separator and quote, a non-ASCII letter
# and perhaps a space (inside a name: names.read_name_chunks strips them)
@st.composite
def corpora(draw, splits=1):
    """`splits` lists of 1 to 8 names each, over one small alphabet (V <= 5)."""
    alphabet = draw(st.lists(st.sampled_from('ab,"é'), min_size=1, max_size=3, unique=True))
    alphabet += [" "] if draw(st.booleans()) else []
    name = st.text(alphabet=alphabet, min_size=1, max_size=6).map(str.strip).filter(bool)
    return [draw(st.lists(name, min_size=1, max_size=8)) for _ in range(splits)]


def vocab_of(*splits):
    return corpus.build_vocab([name for names in splits for name in names])


orders = st.integers(min_value=1, max_value=6)


def made_up(itos, order):
    """Up to 10 contexts a name can have, drawn: its padding ('.' times 0 to order - 1), then other characters."""
    label = st.integers(0, order - 1).flatmap(
        lambda pad: st.lists(st.sampled_from(itos[1:]), min_size=order - 1 - pad, max_size=order - 1 - pad).map(
            lambda chars: "." * pad + "".join(chars)
        )
    )
    return st.lists(label, max_size=10).map(lambda labels: corpus.context_ids(labels, itos).tolist())


alphas = st.sampled_from([0, 1, 3]) | st.floats(min_value=1e-3, max_value=100)


# ---------------------------------------------------------------------------------------------------
# 1. counts


def test_counts_of_the_hand_corpus_by_hand():
    itos = vocab_of(HAND)
    assert itos == [".", "a", "b"]
    one = as_dict(sparse_counts(HAND, itos, 1), itos, 1)
    assert one == {("", "."): 3, ("", "a"): 3, ("", "b"): 4}  # 10 = sum(len(name) + 1)
    two = as_dict(sparse_counts(HAND, itos, 2), itos, 2)
    assert two == {
        (".", "a"): 2,
        (".", "b"): 1,
        ("a", "b"): 2,
        ("a", "."): 1,
        ("b", "."): 2,
        ("b", "b"): 1,
        ("b", "a"): 1,
    }
    three = sparse_counts(HAND, itos, 3)
    assert as_dict(three, itos, 3) == {
        ("..", "a"): 2,
        ("..", "b"): 1,
        (".a", "b"): 2,
        (".b", "."): 1,
        ("ab", "."): 1,
        ("ab", "b"): 1,
        ("bb", "a"): 1,
        ("ba", "."): 1,
    }
    # contexts numbered as base-V digits, the oldest first: '..' 0, '.a' 1, '.b' 2, 'ab' 5, 'ba' 7, 'bb' 8
    assert three.contexts.tolist() == [0, 1, 2, 5, 7, 8]
    six = as_dict(sparse_counts(HAND, itos, 6), itos, 6)
    assert six[(".....", "a")] == 2 and six[("..abb", "a")] == 1 and six[(".abba", ".")] == 1
    assert sum(six.values()) == 10


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("names", [HAND, TRAIN, ["x"], ["a" * 30]])
def test_counts_equal_the_windows_counter_and_the_lecture_loop(names, order):
    itos = vocab_of(names)
    counts = sparse_counts(names, itos, order)
    assert as_dict(counts, itos, order) == windows_counter(names, order)
    full = reference.counts(names, itos, order).numpy()  # (V**(order - 1), V)
    assert np.array_equal(counts.N, full[counts.contexts])
    assert counts.contexts.tolist() == np.flatnonzero(full.sum(1)).tolist()  # exactly the contexts that occur


@settings(max_examples=50, deadline=None)
@given(corpora(), orders)
def test_counts_equal_the_windows_counter_on_any_corpus(splits, order):
    (names,) = splits
    itos = vocab_of(names)
    counts = sparse_counts(names, itos, order)
    assert as_dict(counts, itos, order) == windows_counter(names, order)
    assert np.all(np.diff(counts.contexts) > 0) and counts.N.sum(1).min() > 0  # sorted, no empty row
    assert counts.N.sum() == sum(len(name) + 1 for name in names)


@settings(max_examples=30, deadline=None)
@given(corpora(), orders)
def test_streaming_counts_chunk_by_chunk_equal_one_go(tmp_path_factory, splits, order):
    (names,) = splits
    itos = vocab_of(names)
    V = len(itos)
    whole = counting.count_ngrams([names], itos, order)
    path = str(tmp_path_factory.mktemp("chunks") / "train.txt")
    files.write_lines(path, names)
    for size in (1, 2, 3):
        chunks = [names[i : i + size] for i in range(0, len(names), size)]
        for streamed in (
            counting.count_ngrams(chunks, itos, order),
            counting.count_ngrams(files.read_chunks(path, size), itos, order),
        ):
            assert all(np.array_equal(a, b) for a, b in zip(streamed, whole, strict=True))
    ngrams, n = whole
    assert {(ng // V, ng % V): c for ng, c in zip(ngrams.tolist(), n.tolist(), strict=True)} == {
        (reference.row(context, {ch: i for i, ch in enumerate(itos)}), itos.index(ch)): c
        for (context, ch), c in windows_counter(names, order).items()
    }
    one_go = sparse_counts(names, itos, order)
    table = counting.table(*whole, V)
    assert np.array_equal(table.contexts, one_go.contexts) and np.array_equal(table.N, one_go.N)


@settings(max_examples=30, deadline=None)
@given(corpora(), orders)
def test_the_long_table_round_trips_and_holds_exactly_the_ngrams_that_occur(tmp_path_factory, splits, order):
    (names,) = splits
    itos = vocab_of(names)
    counts = sparse_counts(names, itos, order)
    rows = counting.to_long(counts, itos, order)
    assert {(context, nxt): n for context, nxt, n in rows} == windows_counter(names, order)
    assert len(rows) == len(windows_counter(names, order)) and all(n > 0 for _, _, n in rows)
    for back in (
        counting.from_long([(c, x, str(n)) for c, x, n in rows], itos),
        files_round_trip(tmp_path_factory.mktemp("counts"), counts, itos, order),
    ):
        assert np.array_equal(back.contexts, counts.contexts) and np.array_equal(back.N, counts.N)


def files_round_trip(tmp, counts, itos, order):
    path = str(tmp / "train.csv")
    counts_table.write(path, counts, itos, order)
    return counts_table.read(path, itos)


def test_the_long_table_grows_with_the_ngrams_not_with_every_possible_context(tmp_path):
    names = ["emma", "olivia", "ava"]
    itos = vocab_of(names)  # V = 8: 8**5 = 32768 possible contexts at order 6
    path = str(tmp_path / "train.csv")
    counts_table.write(path, sparse_counts(names, itos, 6), itos, 6)
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0] == "context,next,count"
    assert len(lines) - 1 == len(windows_counter(names, 6)) == 16  # 4 + 1, 6 + 1 and 3 + 1 predictions, all distinct
    assert lines[1:5] == [".....,a,1", ".....,e,1", ".....,o,1", "....a,v,1"]  # sorted by context, then next


# ---------------------------------------------------------------------------------------------------
# 2. the counts model


@settings(max_examples=50, deadline=None)
@given(corpora(splits=2), orders, alphas, st.data())
def test_every_row_sums_to_one_and_is_add_alpha_or_uniform(splits, order, alpha, data):
    train_names, val_names = splits
    itos = vocab_of(train_names, val_names)
    V = len(itos)
    train, P, rows = counts_model(train_names, itos, order, alpha)
    val = sparse_counts(val_names, itos, order)
    every = [*train.contexts.tolist(), *val.contexts.tolist(), *data.draw(made_up(itos, order))]
    for c in every:
        row = rows[c]
        assert row.shape == (V,) and row.dtype == np.float32
        assert abs(row.astype(np.float64).sum() - 1) < 1e-6
        if c in train.contexts:
            assert np.array_equal(row, P[np.searchsorted(train.contexts, c)])  # P's float32 row, as smooth made it
        else:
            assert np.all(row == np.float32(1 / V))  # a context train never saw: uniform, float32(1/V) as P's own
    assert np.array_equal(rows[np.array(every, dtype=np.int64)], np.array([rows[c] for c in every]).reshape(-1, V))
    want = windows_counter(train_names, order)
    labels = corpus.context_labels(train.contexts, itos, order)
    for i, label in enumerate(labels):
        total = sum(n for (context, _), n in want.items() if context == label)
        for j, ch in enumerate(itos):
            exact = (want[(label, ch)] + alpha) / (total + V * alpha)
            assert math.isclose(P[i, j], exact, rel_tol=3e-7, abs_tol=0)
            if alpha == int(alpha):  # every operand exact in float32: P is the correctly rounded quotient
                assert P[i, j] == np.float32(exact)


def arpa_round_trip(tmp, model, itos):
    """(the model arpa.read gives back from arpa.write's file, the file's text)."""
    path = str(tmp / "model.arpa")
    arpa.write(path, model, itos)
    with open(path, encoding="utf-8") as f:
        return arpa.read(path, itos), f.read()


def contexts_of(train, val, itos, order, data):
    """(train's contexts, the sorted others: val's and up to 10 made up that train lacks), int64."""
    others = [*val.contexts.tolist(), *data.draw(made_up(itos, order))]
    others = np.setdiff1d(np.array(others, dtype=np.int64), train.contexts)
    return train.contexts, others


def check_the_file_as_kenlm_reads_it(text, back, contexts, itos, order):
    """The file's text by plain_arpa and ARPA's rule (arpa_prob) gives back's probabilities after the contexts."""
    k, grams = plain_arpa(text)
    assert k == order
    for c, label in zip(contexts.tolist(), corpus.context_labels(contexts, itos, order), strict=True):
        plain = [arpa_prob(grams, label, ch) for ch in itos]
        assert np.allclose(plain, back[c], rtol=1e-6, atol=0), label
    return grams


@settings(max_examples=40, deadline=None)
@given(corpora(splits=2), orders, alphas, st.data())
def test_p_round_trips_through_its_arpa_file_exactly(tmp_path_factory, splits, order, alpha, data):
    train_names, val_names = splits
    itos = vocab_of(train_names, val_names)
    V = len(itos)
    train, P, model = counts_model(train_names, itos, order, alpha)
    back, text = arpa_round_trip(tmp_path_factory.mktemp("arpa"), model, itos)
    assert back.order == order and back.V == V
    seen, others = contexts_of(train, sparse_counts(val_names, itos, order), itos, order, data)
    assert back[seen].dtype == np.float32 and np.array_equal(back[seen], P)  # every probability of P, to the bit
    assert np.all(back[others] == np.float32(1 / V))  # and uniform after a context train lacks
    grams = check_the_file_as_kenlm_reads_it(text, back, np.concatenate([seen, others]), itos, order)
    # the file grows with train's n-grams, not with the V**(order - 1) contexts: the 1-grams (every token,
    # <unk> and <s>), then at each level above at most each n-gram of train and each context
    assert len(grams) <= V + 2 + (order - 1) * (np.count_nonzero(train.N) + len(train.contexts))


@settings(max_examples=40, deadline=None)
@given(corpora(splits=2), orders, st.data())
def test_kneser_ney_round_trips_through_its_arpa_file_exactly(tmp_path_factory, splits, order, data):
    train_names, val_names = splits
    itos = vocab_of(train_names, val_names)
    V = len(itos)
    train = sparse_counts(train_names, itos, order)
    model, _ = kneser_ney.estimate(*counting.ngrams_of(train), order, V)
    back, text = arpa_round_trip(tmp_path_factory.mktemp("arpa"), model, itos)
    assert back.order == order and back.V == V
    contexts = np.concatenate(contexts_of(train, sparse_counts(val_names, itos, order), itos, order, data))
    rows = back[contexts]
    assert rows.dtype == model[contexts].dtype == np.float32
    assert np.array_equal(rows, model[contexts])  # the in-memory model's rows, to the bit, after any context
    assert np.allclose(rows.sum(1, dtype=np.float64), 1, rtol=0, atol=1e-6) and rows.min() > 0
    check_the_file_as_kenlm_reads_it(text, back, contexts, itos, order)


def test_kneser_ney_of_names_shorter_than_the_context_is_a_distribution():
    itos = vocab_of(["a", "b"])
    train = sparse_counts(["a", "b"], itos, 4)  # every 4-gram's context has 2 or 3 '.': none at level 4
    model, _ = kneser_ney.estimate(*counting.ngrams_of(train), 4, len(itos))
    contexts = corpus.context_ids(["...", "..a", ".ab", "aba", "bbb"], itos)  # seen in train or not
    assert np.allclose(model[contexts].sum(1, dtype=np.float64), 1, atol=1e-6)


# ---------------------------------------------------------------------------------------------------
# 3. NLL


def check_nll(train_names, held_out, order, alpha):
    itos = vocab_of(train_names, held_out)
    V = len(itos)
    train, P, rows = counts_model(train_names, itos, order, alpha)
    row_of = dict(zip(corpus.context_labels(train.contexts, itos, order), P, strict=True))
    stoi = {ch: i for i, ch in enumerate(itos)}

    def prob(context, ch):  # a context train never saw: 1/V, as evaluation.nll counts its rest
        return float(row_of[context][stoi[ch]]) if context in row_of else 1 / V

    def model_prob(context, ch):  # the counts model's float32 rows: float32(1/V) after a context train never saw
        return float(row_of[context][stoi[ch]]) if context in row_of else float(np.float32(1 / V))

    val = sparse_counts(held_out, itos, order)
    N_val, rest = counting.align(val, train.contexts)
    assert math.isclose(evaluation.nll(P, N_val, rest), plain_nll(prob, held_out, order), rel_tol=1e-12)
    # as the evaluate stage scores it: each context's row of the model, float32(1/V) after an unseen one
    as_evaluate = evaluation.nll(rows[val.contexts], val.N)
    assert math.isclose(as_evaluate, reference.nll(dense(rows, V, order), held_out, itos, order), rel_tol=1e-12)
    assert math.isclose(as_evaluate, plain_nll(model_prob, held_out, order), rel_tol=1e-12)
    # the two differ only by log float32(1/V) - log(1/V), at most 2**-24 a prediction
    assert math.isclose(as_evaluate, evaluation.nll(P, N_val, rest), rel_tol=0, abs_tol=1e-7)
    assert math.isclose(evaluation.nll(P, train.N), plain_nll(prob, train_names, order), rel_tol=1e-12)
    return rest


@pytest.mark.parametrize("order", ORDERS)
def test_nll_equals_the_loop_over_held_out_names(order):
    rest = check_nll(TRAIN, HELD_OUT, order, alpha=1)
    assert (rest > 0) == (order > 1)  # held-out contexts train never saw, predicted at 1/V


@settings(max_examples=40, deadline=None)
@given(corpora(splits=2), orders, alphas.filter(lambda a: a > 0))
def test_nll_equals_the_loop_on_any_corpus(splits, order, alpha):
    check_nll(*splits, order, alpha)


# ---------------------------------------------------------------------------------------------------
# 4. sampling, draw for draw


def check_samples(train_names, order, alpha, seed, num=8, max_len=12):
    itos = vocab_of(train_names)
    V = len(itos)
    train, _, counts = counts_model(train_names, itos, order, alpha)
    W = network.init_weights((len(train.contexts), V), seed=2147483647)  # any W: a network of the train contexts
    visited = set()
    for name, rows in models.rows(counts, (W, train.contexts)).items():
        got = sampling.sample(rows, itos, num, max_len, seed, order)
        assert got == reference.sample(dense(rows, V, order), itos, num, seed, max_len, order), name
        visited |= {
            reference.row(c, {ch: i for i, ch in enumerate(itos)}) for n in got for c, _ in reference.windows(n, order)
        }
    return visited - set(train.contexts.tolist())  # the contexts drawn into that train never saw


@pytest.mark.parametrize("order", ORDERS)
def test_samples_are_torch_multinomials_draw_for_draw(order):
    unseen = check_samples(TRAIN, order, alpha=1, seed=2147483647)
    # smoothing leads the names into contexts train never saw (at order 2 every character is one it saw)
    assert bool(unseen) == (order > 2)


@settings(max_examples=30, deadline=None)
@given(corpora(), orders, alphas, st.integers(0, 2**64 - 1))
def test_samples_are_torch_multinomials_on_any_corpus(splits, order, alpha, seed):
    check_samples(splits[0], order, alpha, seed, num=4, max_len=8)


# ---------------------------------------------------------------------------------------------------
# 5. the network


def plain_softmax(row):
    e = [math.exp(x - max(row)) for x in row]
    return [x / math.fsum(e) for x in e]


def plain_val_nll(W, train, val_names, itos, order):
    """The network's val NLL by a plain loop: softmax of W's row for a context train saw, 1/V after any other."""
    row_of = dict(zip(corpus.context_labels(train.contexts, itos, order), W.astype(np.float64).tolist(), strict=True))
    stoi = {ch: i for i, ch in enumerate(itos)}

    def prob(context, ch):
        return plain_softmax(row_of[context])[stoi[ch]] if context in row_of else 1 / len(itos)

    return plain_nll(prob, val_names, order)


def trained(train_names, val_names, order, steps=20, seed=2147483647, lr=50, reg=0.01):
    itos = vocab_of(train_names, val_names)
    train = sparse_counts(train_names, itos, order)
    N_val, rest = counting.align(sparse_counts(val_names, itos, order), train.contexts)
    W, log = network.train(train.N, N_val, seed, steps, lr, reg, rest)
    assert W.shape == (len(train.contexts), len(itos)) and W.dtype == np.float32  # a row per train context
    return W, log, train, itos


@pytest.mark.parametrize("order", ORDERS)
def test_the_networks_val_nll_is_the_loop_over_softmax_w(order):
    W, log, train, itos = trained(TRAIN, HELD_OUT, order)
    W0 = network.init_weights(W.shape, 2147483647)  # step 0: the float32 init, exactly the W trained from
    assert math.isclose(log[0].val_nll, plain_val_nll(W0, train, HELD_OUT, itos, order), rel_tol=1e-12)
    # the last step: the W written, rounded to float32 from the float64 one the log scores
    assert math.isclose(log[-1].val_nll, plain_val_nll(W, train, HELD_OUT, itos, order), rel_tol=1e-6)


@pytest.mark.parametrize("order", [1, 2, 4, 6])
def test_the_network_is_the_lecture_descent_on_the_train_contexts(order):
    W, _, train, itos = trained(TRAIN, HELD_OUT, order)
    stoi = {ch: i for i, ch in enumerate(itos)}
    at = {c: i for i, c in enumerate(train.contexts.tolist())}
    pairs = [(at[reference.row(c, stoi)], stoi[ch]) for name in TRAIN for c, ch in reference.windows(name, order)]
    xs, ys = (torch.tensor(v) for v in zip(*pairs, strict=True))
    W0 = torch.tensor(network.init_weights(W.shape, 2147483647), dtype=torch.float64, requires_grad=True)
    want = reference.descend(W0, xs, ys, steps=20, lr=50, reg=0.01).numpy()
    assert np.allclose(W, want, rtol=0, atol=1e-6)


# ---------------------------------------------------------------------------------------------------
# 6. W.npy holds numbers only


def test_w_npy_is_read_without_pickle(tmp_path):
    itos = vocab_of(HAND)
    W = np.arange(6, dtype=np.float32).reshape(2, 3)
    weights.write(str(tmp_path), W, [".", "a"])
    assert np.array_equal(np.load(tmp_path / "W.npy", allow_pickle=False), W)
    back, contexts = weights.read(str(tmp_path), itos, order=2)
    assert back.dtype == np.float32 and np.array_equal(back, W) and contexts.tolist() == [0, 1]
    with pytest.raises(cli.InputError, match="contexts of 1 characters, a network of order 2, but the counts model"):
        weights.read(str(tmp_path), itos, order=3)  # another run's files
    np.save(tmp_path / "W.npy", np.array([{"not": "numbers"}], dtype=object), allow_pickle=True)  # a pickle inside
    with pytest.raises(ValueError, match="allow_pickle=False"):
        weights.read(str(tmp_path), itos, order=2)


# ---------------------------------------------------------------------------------------------------
# 7. the pipeline at order 6, end to end: the slow test (about a minute)


def numbers(obj):
    if isinstance(obj, dict):
        return [x for value in obj.values() for x in numbers(value)]
    return [obj]


def test_the_pipeline_at_order_6_end_to_end(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.set_params(model={"order": 6})
    params = repo.params()
    order = params["model"]["order"]
    assert order == 6
    repo.dvc("repro")

    for root, _, names in os.walk(repo.path / "data"):
        for name in names:
            assert os.path.getsize(os.path.join(root, name)) < 20 * 2**20, os.path.join(root, name)

    train_names = repo.read("data/prepared/train.txt").splitlines()
    ngrams = windows_counter(train_names, order)
    with open(repo.path / "data/counts/train.csv", encoding="utf-8", newline="") as f:
        header, *rows = csv.reader(f)
    assert header == ["context", "next", "count"] and len(rows) == len(ngrams)
    assert {(context, nxt): int(n) for context, nxt, n in rows} == ngrams

    metrics = json.loads(repo.read("metrics/eval.json"))
    assert all(isinstance(x, int | float) and math.isfinite(x) for x in numbers(metrics)), metrics

    # the counts model's train NLL, by a plain loop over the train names and model.arpa read as KenLM reads
    # it, each probability rounded to float32 as the model's rows are
    k, grams = plain_arpa(repo.read("data/model.arpa"))
    assert k == order
    assert sum(len(gram) == order for gram in grams) <= len(ngrams)  # the top level: some of train's n-grams

    def prob(context, ch):
        return float(np.float32(arpa_prob(grams, context, ch)))

    want = plain_nll(prob, train_names, order)
    assert math.isclose(metrics["counts"]["train"]["nll"], want, rel_tol=1e-7)
    assert metrics["counts"]["train"]["bigrams"] == sum(len(name) + 1 for name in train_names)


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_names_stream_in_chunks_and_a_bad_line_is_named_in_any_chunk(tmp_path, size):
    path = tmp_path / "names.txt"
    path.write_bytes("Emma\n\n  ava \r\nZoë\nbo\n".encode())
    chunks = list(read_name_chunks(str(path), lowercase=True, size=size))
    assert all(len(chunk) <= size for chunk in chunks)
    assert [name for chunk in chunks for name in chunk] == ["emma", "ava", "zoë", "bo"]
    for lineno, bad, message in [
        (5, b"a.b", "'a.b' contains '.'"),
        (5, b"a\xffb", "not UTF-8 text (byte 2 of the line)"),
        (5, b"a\x01b", "contains control characters"),
    ]:
        path.write_bytes(b"emma\n\nava\nzoe\n" + bad + b"\nbo\n")
        with pytest.raises(cli.InputError, match=rf"names.txt:{lineno}: .*{re.escape(message)}"):
            for _ in read_name_chunks(str(path), lowercase=True, size=size):
                pass
