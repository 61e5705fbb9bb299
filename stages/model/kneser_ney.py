"""Interpolated modified Kneser-Ney (Chen & Goodman 1998, as KenLM's lmplz estimates it), from
train's counts, as a back-off model (backoff.py).

At each level m (n-grams of m tokens, backoff.py) an n-gram h w has an adjusted count a:
its count in train at the highest level, and at the lower ones the number of distinct tokens
seen before it (its continuation count), except n-grams that start a name ('.' first, <s>),
which nothing can precede and which keep their counts. From the level's counts of counts
n1..n4, three discounts (D1, D2, D3+); then

    p_m(w | h) = (a(h w) - D(a(h w))) / a(h .) + gamma(h) * p_{m-1}(w | h[1:])
    gamma(h)   = (D1 * N1(h .) + D2 * N2(h .) + D3+ * N3+(h .)) / a(h .)

where a(h .) sums h's adjusted counts and Ni(h .) counts the w with a(h w) = i (3 or more for
N3+); p_0 is uniform over the V tokens. A history train never saw backs off whole.

The left padding enters as one <s> (backoff.py): after '..e' at order 4 the history is '.e',
an n-gram of level 3 that starts a name and keeps its count, and it backs off to 'e'. lmplz
collapses its own padding the same way, and it is what an ARPA file can state.
"""

import numpy as np

from stages.model import backoff, counting

FALLBACK = (0.5, 1.0, 1.5)  # lmplz's --discount_fallback: D1, D2, D3+ where a level's own are undefined


def level_counts(ngrams, counts, order, V):
    """[(n-grams (G_m,) sorted, adjusted counts (G_m,)) for m = 1..order] from train's padded
    n-grams (G,) of `order` (context * V + next, sorted) and their counts (G,)."""
    raw = [counting.last_tokens(ngrams, counts, V, m) for m in range(1, order + 1)]  # every level's counts in train
    levels = [None] * order
    for m in range(order, 0, -1):
        grams, c = raw[m - 1]
        history = grams // V
        if m == 1:
            keep, starts = np.ones(len(grams), bool), np.zeros(len(grams), bool)
        else:  # a history with no padding, or one '.' (<s>) then m - 2 characters
            starts = (history < V ** (m - 2)) & (history >= (V ** (m - 3) if m > 2 else 0))
            keep = (history >= V ** (m - 2)) | starts
        grams, c, starts = grams[keep], c[keep], starts[keep]
        if m < order:  # continuation counts: the distinct n-grams of level m + 1 that end in each
            above, _ = levels[m]
            ends, extensions = np.unique(above % V**m, return_counts=True)
            continuation = np.zeros_like(c)  # found wherever the n-gram does not start a name
            at, found = counting.find(ends, grams)
            continuation[found] = extensions[at[found]]
            c = np.where(starts, c, continuation)
        levels[m - 1] = (grams, c)
    return levels


def discounts(adjusted):
    """(D1, D2, D3+), fallen_back: Chen & Goodman's discounts from a level's adjusted counts,
    or lmplz's FALLBACK where they are undefined (no n-gram with count 1, 2 or 3) or out of range
    (D_i outside (0, i]), as on a small or odd corpus. lmplz accepts D_i = 0; here it falls back
    too, since a history whose n-grams all take that discount would keep no mass for the
    characters it lacks, and give them probability 0."""
    n = [int((adjusted == i).sum()) for i in range(1, 5)]  # n1..n4
    if 0 in n[:3]:
        return FALLBACK, True
    y = n[0] / (n[0] + 2 * n[1])
    D = tuple(i - (i + 1) * y * n[i] / n[i - 1] for i in (1, 2, 3))
    if any(not 0 < d <= i for i, d in enumerate(D, start=1)):
        return FALLBACK, True
    return D, False


def estimate(ngrams, counts, order, V):
    """(backoff.Model, [levels whose discounts fell back]) from train's padded n-grams (G,) of
    `order` and their counts (G,)."""
    levels, fallen_back, lower = [], [], None
    for m, (grams, a) in enumerate(level_counts(ngrams, counts, order, V), start=1):
        D, fell = discounts(a)
        if fell:
            fallen_back.append(m)
        d = np.array(D)[np.minimum(a, 3) - 1]  # (G_m,) each n-gram's discount
        histories, row = np.unique(grams // V, return_inverse=True)  # (C_m,), (G_m,)
        totals = np.bincount(row, weights=a, minlength=len(histories))  # (C_m,) a(h .)
        gamma = np.bincount(row, weights=d, minlength=len(histories)) / totals  # (C_m,)
        if lower is None:  # level 1: the uniform p_0
            below = np.full(len(grams), 1 / V)
        else:  # h[1:] w is listed one level down: it ends the n-gram h w
            below = lower.probs[np.searchsorted(lower.ngrams, grams % V ** (m - 1))]
        probs = (a - d) / totals[row] + gamma[row] * below  # (G_m,)
        lower = backoff.Level(grams, probs, histories, gamma)
        levels.append(lower)
    return backoff.Model(levels, V), fallen_back
