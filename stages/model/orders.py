"""The order curve: the counts model of every order 1..top from one counting of train and val,
fitted both ways smooth.method offers and scored on both.

Beside evaluation.alpha_curve in spirit, in a module of its own: it fits back-off models
(backoff.py, kneser_ney.py), which the stages that import evaluation.py never need.
"""

from stages.model import backoff, counting, evaluation, kneser_ney

METHODS = ("add_alpha", "kneser_ney")  # smooth.method's values, in this order in the curve


def order_curve(train, val, V, top, alpha):
    """[(order, method, train NLL, val NLL)] for order 1..top, each with METHODS in turn: add-alpha
    with `alpha` and Kneser-Ney, as the smooth stage fits them. train and val are the splits'
    padded n-grams of order `top` and their counts, (G,) each, as counting.count_ngrams gives them.

    Each model is asked for its rows after every context of the split, as evaluate asks it: a
    context train lacks is uniform under add-alpha, and Kneser-Ney backs off to a shorter one.
    """
    curve = []
    for m in range(1, top + 1):
        grams, counts = counting.last_tokens(*train, V, m)  # (G_m,) each: train's n-grams of order m
        train_m = counting.table(grams, counts, V)  # contexts (C_m,), N (C_m, V)
        val_m = counting.table(*counting.last_tokens(*val, V, m), V)  # contexts (C_val,), N (C_val, V)
        fitted = {
            "add_alpha": backoff.from_rows(counting.smooth(train_m.N, alpha), train_m.contexts, m),
            "kneser_ney": kneser_ney.estimate(grams, counts, m, V)[0],
        }
        for method in METHODS:
            rows = fitted[method]
            curve.append(
                (
                    m,
                    method,
                    evaluation.nll(rows[train_m.contexts], train_m.N),
                    evaluation.nll(rows[val_m.contexts], val_m.N),
                )
            )
    return curve
