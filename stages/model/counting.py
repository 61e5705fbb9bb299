"""The counts model: the bigram counts N, and P, N smoothed and normalised row by row.

V is the vocabulary size; index 0 is the boundary token '.', which starts and ends
every name. N[i, j] counts how often character j follows character i.
"""

import numpy as np


def count_table(ctx, nxt, contexts, V):
    """N (C, V) int64: how often each next character follows each of the sorted contexts (C,).

    The rows are the contexts that occur (in some split), not all V**(order - 1) of them: a
    context absent from the table counts nothing. At order 2 the table is count_bigrams' N.
    """
    every = len(contexts) == contexts[-1] + 1  # contexts is 0..C-1, as at order 2: a context is its row
    rows = ctx if every else np.searchsorted(contexts, ctx)  # (T,) each prediction's row
    return np.bincount(rows.astype(np.int64) * V + nxt, minlength=len(contexts) * V).reshape(len(contexts), V)


def occurring(ctxs, n_contexts):
    """The sorted contexts (C,) that occur in any of the arrays ctxs, out of n_contexts."""
    present = np.zeros(n_contexts, dtype=bool)
    for ctx in ctxs:
        present[ctx] = True
    return np.flatnonzero(present)


def top_bigrams(N, labels, itos):
    """[(context + next, count, share of all), ...] of every n-gram N (C, V) counts, most common first.

    As the lecture's sorted(b.items(), key=lambda kv: -kv[1]); ties keep the order of the
    contexts (labels, sorted), then of the next character (a stable sort of N's cells).
    """
    V, total = len(itos), N.sum()
    order = np.argsort(-N, axis=None, kind="stable")  # (C * V,) flat cell indices
    return [(labels[k // V] + itos[k % V], int(N.flat[k]), N.flat[k] / total) for k in order if N.flat[k] > 0]


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


def smooth(N, alpha):
    """P (V, V) float32: row-normalised N + alpha. A row with a zero total is uniform, 1/V.

    The sum keeps its dimension, (V, V) / (V, 1), so each row is divided by its own total;
    without keepdim the (V,) totals broadcast as a row and divide columns instead.
    A zero total happens only for alpha = 0 and a character never followed by anything in
    train; 1/V is the limit of (0 + alpha) / (V * alpha) as alpha -> 0. For alpha in
    [1e-12, 1e12] (params.yaml's bound) every probability is positive and finite in float32.
    """
    counts = N.astype(np.float32) + np.float32(alpha)  # (V, V)
    # summed in float64: exact for counts (float32 sums are too, below 2**24), and
    # for a fractional alpha no summation order, which differs per SIMD kernel, shows
    totals = counts.sum(1, keepdims=True, dtype=np.float64).astype(np.float32)  # (V, 1)
    uniform = np.full_like(counts, 1 / N.shape[1])
    return np.divide(counts, totals, out=uniform, where=totals > 0)


def frequencies(N):
    """N's rows normalised, (V, V) float64: the counts model at alpha = 0 (a zero row uniform)."""
    totals = N.sum(1, keepdims=True)  # (V, 1)
    return np.divide(N, totals, out=np.full(N.shape, 1 / N.shape[1]), where=totals > 0)
