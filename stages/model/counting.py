"""The counts model: the counts N (C, V) of the next characters after each of C contexts, and P,
N smoothed and normalised row by row. lecture_count and lecture_smooth are the lecture's lines,
the definitions; count_ngrams and smooth are what the pipeline runs.
"""

from typing import NamedTuple

import numpy as np

from stages.model import corpus


class Counts(NamedTuple):
    """One split's counts: N[i, j] (C, V) int64 is how often next character j follows the i-th of
    the sorted contexts (C,) int64 that occur in the split (corpus.py numbers them).

    Only contexts that occur have a row, so the table grows with the data, never with the
    V**(order - 1) contexts that could exist; on disk it is sparser still, one row per n-gram
    (to_long). At order 2 on a corpus whose characters all occur, N is the lecture's (V, V) matrix.
    """

    contexts: np.ndarray
    N: np.ndarray


def lecture_count(names, itos):
    """The lecture's counting loop, at order 2: N (V, V) torch int32, how often character ix2
    follows character ix1 ('.' before and after each name)."""
    import torch

    V = len(itos)
    stoi = {s: i for i, s in enumerate(itos)}
    N = torch.zeros((V, V), dtype=torch.int32)
    for w in names:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):  # noqa: B905 (chs[1:] is one shorter)
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            N[ix1, ix2] += 1
    return N


def count_ngrams(chunks, itos, order):
    """(ngrams (G,) sorted int64, counts (G,) int64): each n-gram (context, next) of the names, read
    chunk by chunk, numbered context * V + next (corpus.py), and how often it occurs; at order 2,
    lecture_count's cells that are not 0. Array operations on a chunk at a time, so that memory
    holds one chunk and the distinct n-grams, never a row for every context that could exist."""
    V = len(itos)
    ngrams, counts = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    for names in chunks:
        ctx, nxt = corpus.contexts(names, itos, order)  # (T,) each
        new, new_counts = np.unique(ctx * V + nxt, return_counts=True)
        ngrams, where = np.unique(np.concatenate([ngrams, new]), return_inverse=True)
        # float64 weights are exact for counts below 2**53
        counts = np.bincount(where, weights=np.concatenate([counts, new_counts]), minlength=len(ngrams))
        counts = counts.astype(np.int64)
    return ngrams, counts


def ngrams_of(counts):
    """(n-grams (G,) sorted int64, their counts (G,) int64) of a Counts table: each n-gram that
    occurs, numbered context * V + next, as count_ngrams gives them."""
    i, j = np.nonzero(counts.N)  # row-major: sorted
    return counts.contexts[i] * counts.N.shape[1] + j, counts.N[i, j]


def last_tokens(ngrams, counts, V, m):
    """(n-grams (G_m,) sorted, counts (G_m,) int64) of order m, from the padded n-grams (G,) of a
    higher order and their counts (G,): the last m tokens of each, ids modulo V**m, equal ones
    summed. The padding agrees: order m pads a name with m - 1 '.', the last of the higher's."""
    grams, where = np.unique(ngrams % V**m, return_inverse=True)  # (G_m,), (G,)
    summed = np.bincount(where, weights=counts, minlength=len(grams))  # float64: exact below 2**53
    return grams, summed.astype(np.int64)


def table(ngrams, counts, V):
    """Counts of n-grams (G,) numbered context * V + next, with how often each occurs (G,)."""
    contexts, rows = np.unique(ngrams // V, return_inverse=True)  # (C,), (G,)
    N = np.zeros((len(contexts), V), dtype=np.int64)
    N[rows, ngrams % V] = counts
    return Counts(contexts, N)


def count(ctx, nxt, V):
    """Counts of the predictions (context, next) (T,) each, in one go."""
    ngrams, counts = np.unique(np.asarray(ctx, dtype=np.int64) * V + nxt, return_counts=True)
    return table(ngrams, counts, V)


def find(contexts, c):
    """(at, found): for each of the contexts c (any shape), its place in the sorted contexts (C,)
    and whether it is there; where it is not, at is some valid place."""
    if not len(contexts):  # nothing is there
        return np.zeros(np.shape(c), dtype=np.int64), np.zeros(np.shape(c), dtype=bool)
    at = np.minimum(np.searchsorted(contexts, c), len(contexts) - 1)
    return at, contexts[at] == c


def align(counts, contexts):
    """(N (len(contexts), V), rest): counts' rows for the sorted contexts, zero where counts has
    none, and how many of its predictions have a context outside them (a model with no row for
    such a context predicts it uniformly)."""
    N = np.zeros((len(contexts), counts.N.shape[1]), dtype=np.int64)
    at, inside = find(contexts, counts.contexts)  # (C_counts,) each
    N[at[inside]] = counts.N[inside]
    return N, int(counts.N[~inside].sum())


def to_long(counts, itos, order):
    """[(context, next, count), ...]: one row per n-gram that occurs, sorted by context then next;
    contexts and characters as strings, as a person reads them and pandas reads them back."""
    labels = corpus.context_labels(counts.contexts, itos, order)
    i, j = np.nonzero(counts.N)  # row-major: sorted
    return [(labels[a], itos[b], n) for a, b, n in zip(i.tolist(), j.tolist(), counts.N[i, j].tolist(), strict=True)]


def from_long(rows, itos):
    """Counts from to_long's rows (as strings), for the vocabulary itos."""
    contexts, nxt, counts = zip(*rows, strict=True) if rows else ((), (), ())
    ngrams = corpus.context_ids(contexts, itos) * len(itos) + corpus.indices("".join(nxt), itos)
    return table(ngrams, np.array(counts, dtype=np.int64), len(itos))


def top_bigrams(N, labels, itos):
    """[(context + next, count, share of all), ...] of every n-gram N (C, V) counts, most common first.

    As the lecture's sorted(b.items(), key=lambda kv: -kv[1]); ties keep the order of the
    contexts (labels, sorted), then of the next character (a stable sort of N's cells).
    """
    i, j = np.nonzero(N)  # (G,) each, the n-grams that occur, row-major
    counts = N[i, j]
    by_count = np.argsort(-counts, kind="stable")  # (G,)
    shares = counts / N.sum()
    return [
        (labels[a] + itos[b], n, share)
        for a, b, n, share in zip(
            i[by_count].tolist(),
            j[by_count].tolist(),
            counts[by_count].tolist(),
            shares[by_count].tolist(),
            strict=True,
        )
    ]


SHOWN = 30  # the most rows and columns a picture shows: past that, cells too small to read


def shown_rows(N, n=SHOWN):
    """Indices of N's rows (contexts) to show, at most min(n, V) so that the picture stays square:
    all, in order, if there are no more; else those with the most counts, most first (ties in
    table order)."""
    n = min(n, N.shape[1])
    if len(N) <= n:
        return np.arange(len(N))
    return np.argsort(-N.sum(1), kind="stable")[:n]


def shown_columns(N, n=SHOWN):
    """Indices of N's columns (next characters) to show when only n fit: all if there are no more;
    else the n - 1 most counted, in vocabulary order, the rest to be summed in one last column."""
    if N.shape[1] <= n:
        return np.arange(N.shape[1])
    return np.sort(np.argsort(-N.sum(0), kind="stable")[: n - 1])


def lecture_smooth(N, alpha):
    """The lecture's P (C, V) torch float32 from counts N (C, V), a torch tensor: N + alpha with each
    row divided by its own total. The total keeps its dimension, (C, 1); without keepdims the
    (C,) totals broadcast as a row and divide columns instead. A row with a zero total is nan."""
    P = (N + alpha).float()
    P /= P.sum(1, keepdims=True)
    return P


def smooth(N, alpha):
    """lecture_smooth's P (C, V) float32 in NumPy, its row totals summed in float64, then rounded to
    float32: exact for counts, and for a fractional alpha the same whatever order a CPU's SIMD
    kernel sums in. A row with a zero total (alpha = 0, a context train never saw) is uniform,
    1/V, the limit of (0 + alpha) / (V * alpha) as alpha -> 0. For alpha in [1e-12, 1e12]
    (params.yaml's bound) every probability is positive and finite in float32.
    """
    counts = N.astype(np.float32) + np.float32(alpha)  # (C, V)
    totals = counts.sum(1, keepdims=True, dtype=np.float64).astype(np.float32)  # (C, 1)
    uniform = np.full_like(counts, 1 / N.shape[1])
    return np.divide(counts, totals, out=uniform, where=totals > 0)  # (C, V) / (C, 1)


def frequencies(N):
    """N's rows normalised, (C, V) float64: the counts model at alpha = 0 (a zero row uniform)."""
    totals = N.sum(1, keepdims=True)  # (C, 1)
    return np.divide(N, totals, out=np.full(N.shape, 1 / N.shape[1]), where=totals > 0)
