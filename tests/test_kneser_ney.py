"""Interpolated modified Kneser-Ney (stages/model/kneser_ney.py, a backoff.Model) against the plain
loops of reference.kneser_ney and against probabilities worked out by hand; the ARPA file
(stages/arpa.py) read back by the pipeline and by KenLM; and the pipeline with smooth.method
kneser_ney, end to end.

The fast model is checked on every context of train, of held-out names and on made-up ones, as
backoff.probabilities gives it in float64 (to 1e-12) and as model[c] gives it in float32 (the
float64 row rounded). A context is numbered as corpus.py numbers it, the padded context of
reference.windows; the reference reads its label, '.' as <s>.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stages import arpa, files, formats
from stages.model import backoff, corpus, counting, kneser_ney
from stages.names import read_names
from tests import reference
from tests.conftest import ROOT, Repo

ORDERS = [1, 2, 3, 4, 5, 6]
HAND = ["ab", "b", "abba"]  # itos ['.', 'a', 'b']: every count below is checkable by hand
TRAIN = ["emma", "olivia", "ava", "isabella", "ella", "mia", "amelia", "liv"]
HELD_OUT = ["emily", "ava", "lia", "ivo", "mo"]  # contexts train never saw, at every order above 1
SPACES = ["mary ann", "anna", "jo ann", "mary", "ann marie", "jo", "marianne", "ann", "mary jo", "annie"]
SPACES_HELD_OUT = ["mary jo ann", "jo", "ann mary", "rian", "e"]
# order 1, adjusted counts = counts: a, b, c 1; d, e 2; f 3; g 4; </s> 7 (seven names):
# n1 = 3, n2 = 2, n3 = 1, n4 = 1, so Chen & Goodman's discounts are defined and in range
NORMAL = ["a", "b", "c", "dd", "ee", "fff", "gggg"]
# order 1: a..j and </s> 1 (n1 = 11), k 2 (n2 = 1), l..u 3 (n3 = 10): D2 = 2 - 3 * 11/13 * 10 < 0
OUT_OF_RANGE = ["abcdefghij" + "kk" + "".join(ch * 3 for ch in "lmnopqrstu")]
# (train, held-out names) by name
CORPORA = {
    "hand": (HAND, ["ba", "bbb", "aab"]),
    "names": (TRAIN, HELD_OUT),
    "spaces": (SPACES, SPACES_HELD_OUT),
    "normal": (NORMAL, ["ag", "gfe"]),
}


def vocab_of(*splits):
    return corpus.build_vocab([name for names in splits for name in names])


def train_counts(names, itos, order):
    return counting.count(*corpus.contexts(names, itos, order), len(itos))


def ngrams(names, itos, order):
    """(n-grams (G,), counts (G,)) of the names, as the smooth stage reads them from train's counts."""
    return counting.ngrams_of(train_counts(names, itos, order))


def estimate(names, itos, order):
    """(backoff.Model, levels fallen back) from the names' counts, as the smooth stage builds it."""
    return kneser_ney.estimate(*ngrams(names, itos, order), order, len(itos))


def add_alpha(names, itos, order, alpha=1):
    """smooth.method add_alpha's back-off model, as the smooth stage builds it."""
    train = train_counts(names, itos, order)
    return backoff.from_rows(counting.smooth(train.N, alpha), train.contexts, order)


def rows64(model, contexts):
    """(T, V) float64: the model's distribution after each padded context (T,), as model[c] computes
    it before rounding to float32."""
    top = backoff.level_of(contexts, model.order, model.V)
    return backoff.probabilities(model, contexts % model.V ** (top - 1), top)


def contexts_of(names, itos, order):
    return np.unique(corpus.contexts(names, itos, order)[0])


def made_up(itos, order, n=60, seed=0):
    """n contexts drawn from all V**(order - 1), most never seen anywhere; all of them when fewer."""
    V = len(itos)
    if V ** (order - 1) <= n:
        return np.arange(V ** (order - 1), dtype=np.int64)
    return np.random.default_rng(seed).integers(0, V ** (order - 1), size=n, dtype=np.int64)


def adjusted(names, itos, order):
    """{n-gram as a tuple of tokens: adjusted count} of every level of kneser_ney.level_counts, the
    reference's keys: a first '.' of a longer n-gram is <s>, a last '.' is </s>."""
    V, out = len(itos), {}
    for m, (grams, counts) in enumerate(kneser_ney.level_counts(*ngrams(names, itos, order), order, V), start=1):
        for g, a in zip(grams.tolist(), counts.tolist(), strict=True):
            tokens = [itos[g // V**i % V] for i in range(m - 1, -1, -1)]
            if m > 1 and tokens[0] == ".":
                tokens[0] = reference.BOS
            tokens[-1] = reference.EOS if tokens[-1] == "." else tokens[-1]
            out[tuple(tokens)] = a
    return out


def discounts(names, itos, order):
    """[((D1, D2, D3+), fallen back) of each level m = 1..order] of the fast model and of the reference."""
    levels = kneser_ney.level_counts(*ngrams(names, itos, order), order, len(itos))
    a = reference.kn_adjusted_counts(names, order)
    return [kneser_ney.discounts(c) for _, c in levels], [reference.kn_discounts(a, m) for m in range(1, order + 1)]


def check_against_reference(train_names, contexts, itos, order):
    """The fast model's adjusted counts and discounts are the reference's, and its rows after the
    contexts equal the reference's to 1e-12 (float64) and, rounded, model[c]'s (float32); every row
    sums to 1. Returns the levels whose discounts fell back."""
    V = len(itos)
    assert adjusted(train_names, itos, order) == reference.kn_adjusted_counts(train_names, order)
    fast_D, want_D = discounts(train_names, itos, order)
    assert [fell for _, fell in fast_D] == [fell for _, fell in want_D]
    assert np.allclose([D for D, _ in fast_D], [D for D, _ in want_D], rtol=0, atol=1e-15)
    model, fallen_back = estimate(train_names, itos, order)
    assert fallen_back == [m for m, (_, fell) in enumerate(want_D, start=1) if fell]

    prob = reference.kneser_ney(train_names, order, itos)
    contexts = np.unique(np.asarray(contexts, dtype=np.int64))
    fast = rows64(model, contexts)  # (C, V)
    labels = corpus.context_labels(contexts, itos, order)
    want = np.array([[prob(label, ch) for ch in itos] for label in labels])
    i, j = np.unravel_index(np.argmax(np.abs(fast - want)), fast.shape)
    assert abs(fast[i, j] - want[i, j]) <= 1e-12, (
        f"order {order}, train {train_names}: after {labels[i]!r}, p({itos[j]!r}) fast {fast[i, j]!r} "
        f"reference {want[i, j]!r}"
    )
    assert np.abs(fast.sum(1) - 1).max() <= 1e-12 and np.abs(want.sum(1) - 1).max() <= 1e-12
    rows32 = model[contexts]
    assert rows32.dtype == np.float32 and rows32.shape == (len(contexts), V)
    assert np.array_equal(rows32, fast.astype(np.float32))
    # each float32 probability is within half an ulp, 2**-24 of itself, of the float64 one
    assert np.abs(rows32.astype(np.float64).sum(1) - 1).max() <= 2**-24 + 1e-12
    return fallen_back


# ---------------------------------------------------------------------------------------------------
# 1. by hand


def test_adjusted_counts_of_the_hand_corpus_by_hand():
    # ab, b, abba: <s> a b </s>, <s> b </s>, <s> a b b a </s>
    itos = vocab_of(HAND)
    assert itos == [".", "a", "b"]
    got = adjusted(HAND, itos, 3)
    assert got == reference.kn_adjusted_counts(HAND, 3)
    by_level = [
        {"".join("." if t in ("<s>", "</s>") else t for t in g): a for g, a in got.items() if len(g) == m}
        for m in (1, 2, 3)
    ]
    # level 3, the highest: raw counts. <s>ab twice, ab</s>, <s>b</s>, abb, bba, ba</s> once
    assert by_level[2] == {".ab": 2, "ab.": 1, ".b.": 1, "abb": 1, "bba": 1, "ba.": 1}
    # level 2: <s>a 2 and <s>b 1 keep their counts (nothing precedes <s>); the others count the distinct
    # tokens before them in level 3: ab {<s>}, b</s> {a, <s>}, bb {a}, ba {b}, a</s> {b}
    assert by_level[1] == {".a": 2, ".b": 1, "ab": 1, "b.": 2, "bb": 1, "ba": 1, "a.": 1}
    # level 1: before a {<s>, b}, before b {<s>, a, b}, before </s> {b, a}
    assert by_level[0] == {".": 2, "a": 2, "b": 3}


def test_a_probability_by_hand_where_the_discounts_fall_back():
    itos = vocab_of(HAND)
    # Every level falls back to lmplz's D1, D2, D3+ = 0.5, 1, 1.5 (adjusted counts above):
    # level 1 has no count 1 (n1 = 0); level 2: n1 = 5 (<s>b ab bb ba a</s>), n2 = 2, n3 = 0; level 3 n3 = 0.
    # p_1: a(a) = 2, a(b) = 3, a(</s>) = 2, total 7; gamma = (D2 + D3+ + D2) / 7 = 3.5 / 7 = 1/2
    #   p_1(b) = (3 - 1.5) / 7 + 1/2 * 1/3 = 3/14 + 1/6 = 16/42;  p_1(a) = p_1(</s>) = 1/7 + 1/6 = 13/42
    # p_2(b | a): a(ab) = 1, a(a</s>) = 1, total 2; gamma = (0.5 + 0.5) / 2 = 1/2
    #   p_2(b | a) = (1 - 0.5) / 2 + 1/2 * 16/42 = 1/4 + 8/42 = 37/84
    # p_3(b | <s> a): a(<s>ab) = 2, the only one, total 2; gamma = 1 / 2
    #   p_3(b | <s> a) = (2 - 1) / 2 + 1/2 * 37/84 = 121/168
    p3 = Fraction(1, 2) + Fraction(1, 2) * Fraction(37, 84)
    assert p3 == Fraction(121, 168)
    model, fallen_back = estimate(HAND, itos, 3)
    assert fallen_back == [1, 2, 3]
    context = corpus.context_ids([".a"], itos)  # the padded context '.a': <s> a
    assert abs(rows64(model, context)[0, 2] - 121 / 168) <= 1e-15
    assert model[context[0]][2] == np.float32(121 / 168)
    assert abs(reference.kneser_ney(HAND, 3, itos)(".a", "b") - 121 / 168) <= 1e-15
    # the bigram model's p_2(b | a): level 2 is now the highest, raw counts ab 2, a</s> 1, total 3;
    # gamma = (D2 + D1) / 3 = 1/2; level 1 as above: p_2(b | a) = (2 - 1) / 3 + 1/2 * 16/42 = 11/21
    model, fallen_back = estimate(HAND, itos, 2)
    assert fallen_back == [1, 2]
    assert abs(rows64(model, np.array([1]))[0, 2] - 11 / 21) <= 1e-15


def test_discounts_by_hand_where_they_are_defined():
    # order 1: the level's counts are raw, a 1, b 1, c 1, d 2, e 2, f 3, g 4, </s> 7
    # n1 = 3, n2 = 2, n3 = 1, n4 = 1; Y = 3 / (3 + 2 * 2) = 3/7
    # D1 = 1 - 2 * 3/7 * 2/3 = 3/7;  D2 = 2 - 3 * 3/7 * 1/2 = 19/14;  D3+ = 3 - 4 * 3/7 * 1/1 = 9/7
    itos = vocab_of(NORMAL)
    assert itos == [".", *"abcdefg"]
    D = (3 / 7, 19 / 14, 9 / 7)
    ((grams, a),) = kneser_ney.level_counts(*ngrams(NORMAL, itos, 1), 1, 8)
    assert grams.tolist() == list(range(8)) and a.tolist() == [7, 1, 1, 1, 2, 2, 3, 4]  # </s>, a .. g
    got, fell = kneser_ney.discounts(a)
    assert not fell and np.allclose(got, D, rtol=0, atol=1e-15)
    got, fell = reference.kn_discounts(reference.kn_adjusted_counts(NORMAL, 1), 1)
    assert not fell and np.allclose(got, D, rtol=0, atol=1e-15)
    # p(a): total 21; gamma = (3 * D1 + 2 * D2 + 3 * D3+) / 21 = (9/7 + 19/7 + 27/7) / 21 = 55/147
    #   p(a) = (1 - 3/7) / 21 + 55/147 * 1/8 = 4/147 + 55/1176 = 87/1176 = 29/392
    #   p(</s>) = (7 - 9/7) / 21 + 55/1176 = 40/147 + 55/1176 = 375/1176 = 125/392
    gamma = (3 * Fraction(3, 7) + 2 * Fraction(19, 14) + 3 * Fraction(9, 7)) / 21
    assert gamma == Fraction(55, 147)
    assert (1 - Fraction(3, 7)) / 21 + gamma / 8 == Fraction(29, 392)
    assert (7 - Fraction(9, 7)) / 21 + gamma / 8 == Fraction(125, 392)
    model, fallen_back = estimate(NORMAL, itos, 1)
    assert fallen_back == []
    row = rows64(model, np.array([0]))[0]
    assert abs(row[1] - 29 / 392) <= 1e-15 and abs(row[0] - 125 / 392) <= 1e-15
    assert abs(row.sum() - 1) <= 1e-15


@pytest.mark.parametrize(
    "names, order, level, n",
    [
        (HAND, 1, 1, (0, 0, 2)),  # raw counts </s> 3, a 3, b 4: no n-gram with count 1 or 2 (n1 = n2 = 0)
        (HAND, 2, 2, (4, 3, 0)),  # <s>b bb ba a</s> 1; <s>a ab b</s> 2: n3 = 0
        (HAND, 2, 1, (0, 2, 1)),  # continuation counts a 2, b 3, </s> 2: n1 = 0
        (OUT_OF_RANGE, 1, 1, (11, 1, 10)),  # all defined, but D2 = 2 - 3 * 11/13 * 10/1 = -304/13 < 0
    ],
)
def test_discounts_fall_back_where_undefined_or_out_of_range(names, order, level, n):
    itos = vocab_of(names)
    a = kneser_ney.level_counts(*ngrams(names, itos, order), order, len(itos))[level - 1][1]
    assert tuple(int((a == i).sum()) for i in (1, 2, 3)) == n
    assert kneser_ney.discounts(a) == (kneser_ney.FALLBACK, True)
    assert reference.kn_discounts(reference.kn_adjusted_counts(names, order), level) == (reference.FALLBACK, True)
    assert reference.FALLBACK == kneser_ney.FALLBACK == (0.5, 1.0, 1.5)
    assert level in estimate(names, itos, order)[1]


def test_the_out_of_range_discount_by_hand():
    # OUT_OF_RANGE's unigrams: n1 = 11, n2 = 1, n3 = 10; Y = 11 / (11 + 2) and D2 = 2 - 3 * Y * n3 / n2
    n1, n2, n3 = 11, 1, 10
    Y = Fraction(n1, n1 + 2 * n2)
    assert Y == Fraction(11, 13) and 2 - 3 * Y * n3 / n2 == Fraction(-304, 13)


# ---------------------------------------------------------------------------------------------------
# 2. the fast model against the reference


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("corpus_name", sorted(CORPORA))
def test_the_fast_model_is_the_reference(corpus_name, order):
    train_names, held_out = CORPORA[corpus_name]
    itos = vocab_of(train_names, held_out)
    contexts = [contexts_of(train_names, itos, order), contexts_of(held_out, itos, order), made_up(itos, order)]
    check_against_reference(train_names, np.concatenate(contexts), itos, order)


def test_some_discounts_are_defined_on_the_small_corpora():
    # the comparisons above cover both kinds of level: TRAIN's level 3 has its own discounts
    itos = vocab_of(TRAIN, HELD_OUT)
    assert estimate(TRAIN, itos, 6)[1] == [1, 2, 4, 5, 6]


@pytest.fixture(scope="module")
def default_split():
    """(train, val, itos, test): the default corpus split as makemore splits it (prepare, default params)."""
    names = read_names(str(ROOT / "data/names.txt"), lowercase=True)
    split = corpus.split_of(len(names), 0.1, 0.1, seed=42).tolist()
    train, val, test = ([name for name, s in zip(names, split, strict=True) if s == k] for k in (0, 1, 2))
    return train, val, corpus.build_vocab(names), test


# val NLL of kneser_ney on the default corpus, orders 2..6 (lmplz's: 2.4538, 2.2302, 2.0758, 2.0154, 2.0114)
DEFAULT_VAL_NLL = {2: 2.4538, 3: 2.2302, 4: 2.0758, 5: 2.0154, 6: 2.0113}


@pytest.mark.parametrize("order", sorted(DEFAULT_VAL_NLL))
def test_the_fast_model_is_the_reference_on_the_default_corpus(default_split, order):
    train, val, itos, test = default_split
    assert len(itos) == 27
    # every val context's distribution, and some made up; the adjusted counts and discounts too
    fallen_back = check_against_reference(
        train, np.concatenate([contexts_of(val, itos, order), made_up(itos, order)]), itos, order
    )
    assert fallen_back == [1]  # 27 unigrams: too few for counts of counts
    model, _ = estimate(train, itos, order)
    prob = reference.kneser_ney(train, order, itos)
    want = [-math.log(prob(context, ch)) for name in val for context, ch in reference.windows(name, order)]
    ctx, nxt = corpus.contexts(val, itos, order)
    got = -np.log(rows64(model, ctx)[np.arange(len(ctx)), nxt])
    assert np.abs(got - want).max() <= 1e-12
    nll = math.fsum(want) / len(want)
    assert round(nll, 4) == DEFAULT_VAL_NLL[order]
    assert math.isclose(math.fsum(got.tolist()) / len(got), nll, rel_tol=1e-12)
    # every context of train, val and test: a distribution (the reference's loops would take minutes here)
    every = np.unique(np.concatenate([contexts_of(split, itos, order) for split in (train, val, test)]))
    rows = rows64(model, every)
    assert rows.min() > 0 and np.abs(rows.sum(1) - 1).max() <= 1e-12


# hypothesis: names over a small alphabet, perhaps with a space inside
@st.composite
def corpora(draw):
    """(train, held_out): 1 to 20 and 0 to 4 names over one alphabet of at most 3 characters (and
    perhaps a space); often enough some level has discounts of its own."""
    alphabet = draw(st.lists(st.sampled_from("abé"), min_size=1, max_size=3, unique=True))
    alphabet += [" "] if draw(st.booleans()) else []
    name = st.text(alphabet=alphabet, min_size=1, max_size=8).map(str.strip).filter(bool)
    return draw(st.lists(name, min_size=1, max_size=20)), draw(st.lists(name, max_size=4))


@settings(max_examples=60, deadline=None)
@given(corpora(), st.integers(min_value=1, max_value=5), st.data())
def test_the_fast_model_is_the_reference_on_any_corpus(splits, order, data):
    train_names, held_out = splits
    itos = vocab_of(train_names, held_out)
    V = len(itos)
    drawn = data.draw(st.lists(st.integers(0, V ** (order - 1) - 1), max_size=12), label="made-up contexts")
    contexts = [contexts_of(train_names, itos, order), np.array(drawn, dtype=np.int64)]
    if held_out:
        contexts.append(contexts_of(held_out, itos, order))
    check_against_reference(train_names, np.concatenate(contexts), itos, order)


# With every name shorter than order - 2 characters no n-gram reaches the highest level (its history
# would need order - 2 characters after <s>): the model is that of the levels below.
@pytest.mark.parametrize("names, order", [(["a"], 4), (["ab", "b", "abc"], 6)])
def test_a_corpus_of_names_shorter_than_the_highest_level(names, order):
    itos = vocab_of(names)
    assert not [g for g in reference.kn_adjusted_counts(names, order) if len(g) == order]
    check_against_reference(names, np.concatenate([contexts_of(names, itos, order), made_up(itos, order)]), itos, order)


# ---------------------------------------------------------------------------------------------------
# 3. the ARPA file


MODELS = {
    "add_alpha": lambda names, itos, order: add_alpha(names, itos, order),
    "kneser_ney": lambda *a: estimate(*a)[0],
}


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("method", sorted(MODELS))
@pytest.mark.parametrize("corpus_name", sorted(CORPORA))
def test_the_arpa_file_reads_back_every_row_exactly(tmp_path, corpus_name, method, order):
    train_names, held_out = CORPORA[corpus_name]
    itos = vocab_of(train_names, held_out)
    model = MODELS[method](train_names, itos, order)
    path = str(tmp_path / "model.arpa")
    arpa.write(path, model, itos)
    back = arpa.read(path, itos)
    assert back.order == order and back.V == len(itos)
    contexts = np.unique(
        np.concatenate(
            [contexts_of(train_names, itos, order), contexts_of(held_out, itos, order), made_up(itos, order)]
        )
    )
    assert np.array_equal(back[contexts], model[contexts])


def kenlm_agrees(kenlm, model, itos, names, path):
    """The largest difference, in nats, between KenLM's log-probability of each name and the
    pipeline's: the ARPA file as evaluate reads it, sum of log model[c][next] over the name."""
    arpa.write(path, model, itos)
    pipeline = arpa.read(path, itos)  # as evaluate, sample and score read it
    lm = kenlm.Model(path)
    assert lm.order == model.order
    ctx, nxt = corpus.contexts(names, itos, model.order)
    logp = np.log(pipeline[ctx][np.arange(len(ctx)), nxt].astype(np.float64))  # (T,)
    starts = np.cumsum([0] + [len(name) + 1 for name in names[:-1]])  # each name's first prediction
    ours = np.add.reduceat(logp, starts)
    theirs = np.array([lm.score(" ".join(arpa.token(ch) for ch in name), bos=True, eos=True) for name in names])
    return np.abs(theirs * math.log(10) - ours).max()


KENLM_MISSING = "kenlm is a test requirement (requirements-test.txt): make test installs it"
KENLM_ORDERS = [2, 3, 4, 5, 6]  # KenLM refuses unigram models: "assumes at least a bigram model"


@pytest.mark.parametrize("order", KENLM_ORDERS)
@pytest.mark.parametrize("method", sorted(MODELS))
@pytest.mark.parametrize("spaces", [False, True], ids=["default", "with-spaces"])
def test_kenlm_scores_every_val_name_as_the_pipeline_does(tmp_path, default_split, spaces, method, order):
    kenlm = pytest.importorskip("kenlm", reason=KENLM_MISSING)
    train, val, itos, _ = default_split
    if spaces:  # names with a space inside, written <space> in the file and in KenLM's sentences
        train, val, itos = train + SPACES, val + SPACES_HELD_OUT, corpus.build_vocab([*itos[1:], " "])
    model = MODELS[method](train, itos, order)
    assert kenlm_agrees(kenlm, model, itos, val, str(tmp_path / "model.arpa")) <= 1e-4


# add_alpha's file lists n-grams whose suffix it does not list one level down: backoff.from_rows
# must list the suffix of every n-gram too: KenLM's probing hash has room for only a few missing
# ones and refuses a small model with many (util::ProbingSizeException, "Avoid pruning n-grams
# like "bar baz quux" when "foo bar baz quux" is still in the model").


@pytest.mark.parametrize("order", KENLM_ORDERS)
@pytest.mark.parametrize("corpus_name", ["hand", "spaces"])
@pytest.mark.parametrize("method", ["kneser_ney", "add_alpha"])
def test_kenlm_scores_names_of_a_small_corpus_as_the_pipeline_does(tmp_path, method, corpus_name, order):
    kenlm = pytest.importorskip("kenlm", reason=KENLM_MISSING)
    train_names, held_out = CORPORA[corpus_name]
    itos = vocab_of(train_names, held_out)
    model = MODELS[method](train_names, itos, order)
    assert kenlm_agrees(kenlm, model, itos, train_names + held_out, str(tmp_path / "model.arpa")) <= 1e-4


def arpa_ngrams(path):
    """{m: the set of m-grams (tuples of tokens) an ARPA file lists}."""
    listed, m = {}, 0
    for line in files.read_lines(path):
        if line.startswith("\\") and line.endswith("-grams:"):
            m = int(line[1:].split("-")[0])
            listed[m] = set()
        elif m and line and line != "\\end\\":
            listed[m].add(tuple(line.split("\t")[1].split(" ")))
    return listed


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("method", sorted(MODELS))
def test_the_arpa_file_lists_every_suffix_and_prefix_of_its_ngrams(tmp_path, method, order):
    itos = vocab_of(TRAIN, HELD_OUT)
    path = str(tmp_path / "model.arpa")
    arpa.write(path, MODELS[method](TRAIN, itos, order), itos)
    listed = arpa_ngrams(path)
    assert sorted(listed) == list(range(1, order + 1))
    assert all(g[:-1] in listed[m - 1] for m in range(2, order + 1) for g in listed[m])  # ARPA's rule: prefixes
    missing = [g for m in range(2, order + 1) for g in listed[m] if g[1:] not in listed[m - 1]]
    assert not missing, f"{len(missing)} n-grams without their suffix, e.g. {missing[:3]}"


# ---------------------------------------------------------------------------------------------------
# 4. the pipeline


def test_the_pipeline_with_kneser_ney_at_order_4(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.set_params(smooth={"method": "kneser_ney"}, model={"order": 4})
    done = repo.dvc("repro")
    metrics = formats.read_json(str(repo.path / "metrics/eval.json"))

    # the reference on the split prepare wrote, over the vocabulary of every name
    train, val, test = (repo.read(f"data/prepared/{split}.txt").splitlines() for split in ("train", "val", "test"))
    itos = reference.vocab(train + val + test)
    assert formats.read_json(str(repo.path / "data/prepared/vocab.json")) == itos
    prob = reference.kneser_ney(train, 4, itos)
    terms = [-math.log(prob(context, ch)) for name in val for context, ch in reference.windows(name, 4)]
    assert metrics["counts"]["val"]["bigrams"] == len(terms)
    assert math.isclose(metrics["counts"]["val"]["nll"], math.fsum(terms) / len(terms), rel_tol=0, abs_tol=1e-6)

    # the model is of order 4, and smooth names the levels whose discounts fell back, as the reference finds them
    assert "ngram 4=" in repo.read("data/model.arpa") and "ngram 5=" not in repo.read("data/model.arpa")
    adjusted = reference.kn_adjusted_counts(train, 4)
    fell = [m for m in range(1, 5) if reference.kn_discounts(adjusted, m)[1]]
    note = f"note: Kneser-Ney's discounts for the {', '.join(f'{m}-grams' for m in fell)} of this corpus"
    assert (note in done.stdout + done.stderr) == bool(fell), done.stdout + done.stderr
