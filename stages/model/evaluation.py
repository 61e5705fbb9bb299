"""Scoring any model P (C, V) on counts N (C, V) of the same contexts: NLL, zero-probability
predictions, KL; the smoothing curve. lecture_nll is the lecture's loop, the definition of nll.
"""

import numpy as np

from stages.model import counting


def zero_prob(P, N):
    """How many of the predictions counted in N have probability 0 under P."""
    return int(N[P == 0].sum())


def lecture_nll(P, names, itos):
    """The lecture's loop, at order 2: the mean negative log-likelihood of every bigram of the
    names under P (V, V), a torch tensor, summed in P's dtype; log 0 makes it inf."""
    import torch

    stoi = {s: i for i, s in enumerate(itos)}
    log_likelihood = 0.0
    n = 0
    for w in names:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):  # noqa: B905 (chs[1:] is one shorter)
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            prob = P[ix1, ix2]
            logprob = torch.log(prob)
            log_likelihood += logprob
            n += 1
    nll = -log_likelihood
    return (nll / n).item()


def nll(P, N, rest=0):
    """Mean negative log-likelihood per prediction of N under P, in nats; with `rest` more
    predictions of probability 1/V each (after contexts P has no row for: uniform). lecture_nll
    from counts, at any order: each distinct prediction's log-probability once, weighted by its
    count, summed in float64 over the model's exact probabilities.

    inf if a counted prediction has probability 0; nan if there are none.
    """
    total = N.sum() + rest
    if total == 0:
        return float("nan")
    if zero_prob(P, N):
        return float("inf")
    seen = N > 0
    return float((-(N[seen] * np.log(P[seen].astype(np.float64))).sum() + rest * np.log(N.shape[1])) / total)


def logprobs(rows, ctx, nxt):
    """(probabilities, log-probabilities) (T,) float64 of predictions (context, next) (T,) under a model's rows.

    As the lecture's loop: prob = P[ix1, ix2]; logprob = log(prob); log 0 is -inf.
    """
    probs = rows[ctx][np.arange(len(ctx)), nxt].astype(np.float64)  # (T,)
    with np.errstate(divide="ignore"):
        return probs, np.log(probs)


def kl(P, Q, N):
    """KL(P || Q) between the rows of two models, averaged over contexts weighted by N's row totals."""
    return float(kl_rows(P, Q, N).sum())  # not a BLAS dot, whose order differs per CPU


def kl_rows(P, Q, N):
    """(C,) each context's share of kl(P, Q, N): its rows' KL times how often it occurs."""
    weights = N.sum(1) / N.sum()  # (C,) how often each context occurs
    P, Q = P.astype(np.float64), Q.astype(np.float64)
    seen = P > 0  # 0 * log(0 / q) = 0
    terms = np.zeros_like(P)  # (C, V)
    with np.errstate(divide="ignore"):  # p > 0 where q = 0: the divergence is inf
        terms[seen] = P[seen] * (np.log(P[seen]) - np.log(Q[seen]))
    return weights * terms.sum(1)


def log_grid(lo, hi, value):
    """Half-decades from 10**lo to 10**hi, plus `value` when it is > 0: a log axis has no 0."""
    grid = {10 ** (k / 2) for k in range(2 * lo, 2 * hi + 1)}
    return sorted(grid | {value} if value > 0 else grid)


def alpha_curve(train, val, alphas):
    """(alpha, train NLL, val NLL) of the counts model smoothed with each alpha, from train's and
    val's counting.Counts: O(C * V) each. A context of val that train lacks is predicted uniformly."""
    N_val, rest = counting.align(val, train.contexts)  # (C, V) on train's contexts, and the rest
    curve = []
    for alpha in alphas:
        P = counting.smooth(train.N, alpha)
        curve.append((alpha, nll(P, train.N), nll(P, N_val, rest)))
    return curve
