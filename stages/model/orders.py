"""The order curve: the counts model of every order 1..top from one counting of train and val,
fitted both ways smooth.method offers and scored on both.

Beside evaluation.alpha_curve in spirit, in a module of its own: it fits back-off models
(backoff.py, kneser_ney.py), which the stages that import evaluation.py never need.
"""

import numpy as np

from stages.model import backoff, counting, evaluation, kneser_ney

METHODS = ("add_alpha", "kneser_ney")  # smooth.method's values, in this order in the curve


def order_curve(train, val, V, top, alpha):
    """[(order, method, train NLL, val NLL)] for order 1..top, each with METHODS in turn: add-alpha
    with `alpha` and Kneser-Ney, as the smooth stage fits them. train and val are the splits'
    padded n-grams of order `top` and their counts, (G,) each, as counting.count_ngrams gives them.

    Each model is asked for its rows after every context of the split, as evaluate asks it: a
    context train lacks is uniform under add-alpha, and Kneser-Ney backs off to a shorter one.
    """
    curve, deepest = [], deepest_order(train[0], V, top)
    for m in range(1, top + 1):
        grams, counts = last_tokens(*train, V, m)  # (G_m,) each: train's n-grams of order m
        train_m = counting.table(grams, counts, V)  # contexts (C_m,), N (C_m, V)
        val_m = counting.table(*last_tokens(*val, V, m), V)  # contexts (C_val,), N (C_val, V)
        k = min(m, deepest)  # Kneser-Ney of order m is its model of order k: the levels above list nothing
        fitted = {  # method: (model, its order)
            "add_alpha": (backoff.from_rows(counting.smooth(train_m.N, alpha), train_m.contexts, m), m),
            "kneser_ney": (kneser_ney.estimate(*last_tokens(grams, counts, V, k), k, V)[0], k),
        }
        for method in METHODS:
            model, order = fitted[method]
            # (C, V) float32 each: the rows after each context's last order - 1 tokens (all of them if m)
            P_train, P_val = (model[split.contexts % V ** (order - 1)] for split in (train_m, val_m))
            curve.append((m, method, evaluation.nll(P_train, train_m.N), evaluation.nll(P_val, val_m.N)))
    return curve


def deepest_order(ngrams, V, top):
    """The highest order <= top whose Kneser-Ney model lists an n-gram at its top level, from
    train's padded n-grams (G,) of order `top`: train's longest name + 2 (the whole name, after
    one '.', predicting its end), or top if that is lower.

    Above it every history keeps more than one '.' of padding, which Kneser-Ney lists a level
    down: the levels above list nothing and a context there backs off whole, so Kneser-Ney of any
    higher order is this order's model. kneser_ney.estimate fails on a level that lists nothing,
    and is never asked to fit one.
    """
    # the last m tokens of an n-gram start with two '.' (a history level m does not list) iff they are < V**(m - 2)
    deep = [m for m in range(3, top + 1) if np.any(ngrams % V**m >= V ** (m - 2))]
    return max(deep, default=min(top, 2))


def last_tokens(ngrams, counts, V, m):
    """(n-grams (G_m,) sorted, counts (G_m,) int64) of order m, from the padded n-grams (G,) of a
    higher order and their counts (G,): the last m tokens of each, ids modulo V**m, equal ones
    summed. The padding agrees: order m pads a name with m - 1 '.', the last of the higher's."""
    grams, where = np.unique(ngrams % V**m, return_inverse=True)  # (G_m,), (G,)
    summed = np.bincount(where, weights=counts, minlength=len(grams))  # float64: exact below 2**53
    return grams, summed.astype(np.int64)
