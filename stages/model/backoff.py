"""The counts model as a back-off model: for every context, seen in train or not, a distribution
over the next character, the way an ARPA file (stages/arpa.py) states it.

A model of order k has levels m = 1..k. Level m holds n-grams of m tokens, a history of m - 1
tokens and the next one, numbered as corpus.py numbers them (history * V + next, the oldest
token most significant), with their probabilities, and the histories it backs off from, with
their back-off weights. For history h at level m and next character w:

    p_m(w | h) = probs[h w]                        if level m lists the n-gram h w
               = backoffs[h] * p_{m-1}(w | h[1:])  otherwise (backoffs[h] = 1 if h is not listed)
    p_0(w) = 1 / V

which is ARPA's rule; for interpolated Kneser-Ney the listed probabilities are the
interpolated ones and the back-off weights the interpolation weights (kneser_ney.py).

'.' as the first token of a history is the start of a name (ARPA's <s>), and is written once:
the pipeline pads a name with k - 1 '.', so the padded context '..e' (order 4) is the history
'.e' of level 3, '<s> e' in ARPA. Each padded context has its own level (level_of):
the history without padding keeps all k - 1 characters (level k); one with padding keeps one
'.' and what follows it.
"""

from typing import NamedTuple

import numpy as np

from stages.model import counting


class Level(NamedTuple):
    """One level m of a back-off model: the n-grams it lists (G,) sorted int64 with their
    probabilities (G,) float64, and the histories it backs off from (C,) sorted int64 with their
    back-off weights (C,) float64."""

    ngrams: np.ndarray
    probs: np.ndarray
    histories: np.ndarray
    backoffs: np.ndarray


class Model:
    """A back-off model of order len(levels) over V tokens; model[c] is the (V,) distribution
    after padded context c (corpus.py), model[cs] the (len(cs), V) ones, float32 as the
    lecture's P and as KenLM stores them; every row sums to 1 up to float32 rounding."""

    def __init__(self, levels, V):
        self.levels, self.V = levels, V

    @property
    def order(self):
        return len(self.levels)

    def __getitem__(self, c, chunk=2**14):
        shape, c = np.shape(c), np.asarray(c, dtype=np.int64).ravel()  # (T,)
        top = level_of(c, self.order, self.V)  # (T,) each context's level
        histories = c % self.V ** (top - 1)  # (T,) its history there
        out = np.empty((len(c), self.V), dtype=np.float32)
        for i in range(0, len(c), chunk):  # a chunk of rows at a time: the lookups take several (T, V) arrays
            out[i : i + chunk] = probabilities(self, histories[i : i + chunk], top[i : i + chunk])
        return out.reshape(*shape, self.V)


def level_of(contexts, order, V):
    """(T,) the level of each padded context (T,) of `order`: order if it has no padding, else
    2 + the characters after the padding (its history keeps one '.')."""
    digits = sum((contexts >= V**i).astype(np.int64) for i in range(order - 1))  # (T,) characters after padding
    return np.where(digits == order - 1, order, digits + 2) if order > 1 else np.ones_like(contexts)


def probabilities(model, histories, top):
    """(T, V) float64: p_m(w | h) for each history (T,) at its level top (T,), by ARPA's rule.

    Lowest level first: each level either lists a probability, backs off from the level below
    by the history's weight, or (above the history's own level, or a history it does not know)
    leaves the level below as it is.
    """
    V = model.V
    row = np.full((len(histories), V), 1 / V)  # (T, V) p_0
    for m, level in enumerate(model.levels, start=1):
        active = m <= top  # (T,)
        h = histories % V ** (m - 1)  # (T,) the history's last m - 1 tokens
        at, known = counting.find(level.histories, h)
        known &= active
        row[known] *= level.backoffs[at[known], None]
        at, listed = counting.find(level.ngrams, h[:, None] * V + np.arange(V))  # (T, V) each
        listed &= active[:, None]
        row[listed] = level.probs[at[listed]]
    return row


def from_rows(P, contexts, order):
    """The back-off model whose distribution after each of the padded contexts (C,) is P's row
    (C, V), and uniform after any other: add-alpha's model as a back-off model. Each row lists
    the characters whose probability differs from the row's least one (the characters train
    never saw there), and backs off to the uniform p_0 for those."""
    V = P.shape[1]
    top = level_of(contexts, order, V)  # (C,)
    histories = contexts % V ** (top - 1)  # (C,)
    P = P.astype(np.float64)
    rest = P.min(1)  # (C,) the probability of each character train lacks there, if any
    levels = []
    for m in range(1, order + 1):
        here = np.flatnonzero(top == m)  # the rows whose history is at level m
        by_history = here[np.argsort(histories[here])]  # sorted by history
        i, j = np.nonzero(P[by_history] != rest[by_history, None])  # row-major: sorted n-grams
        ngrams = histories[by_history][i] * V + j
        levels.append(Level(ngrams, P[by_history][i, j], histories[by_history], rest[by_history] * V))
    return Model(levels, V)
