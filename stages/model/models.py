"""The models the pipeline compares, by name, each as its probabilities of the next character by context.

Each entry makes, from the counts model (a backoff.Model, stages/model/backoff.py) and the
network's W (C, V) with the sorted contexts of its rows, rows indexed like an array: rows[c] is
the (V,) distribution after context c, rows[cs] the (len(cs), V) ones, for any context, seen in
train or not.
Adding a model is adding one entry: evaluate scores, sample draws from and score scores
every model here.
"""

import numpy as np

from stages.model import counting, network


class ContextRows:
    """A model's rows by context: probs (C, V) for the sorted contexts (C,) it has a row for, and the
    uniform distribution after a context it has none for (train never saw it): the network's row
    of zeros."""

    def __init__(self, probs, contexts):
        self.probs, self.contexts = probs, contexts  # (C, V), (C,) sorted

    def __getitem__(self, c):
        at, seen = counting.find(self.contexts, c)
        uniform = np.full(self.probs.shape[1], 1 / self.probs.shape[1])  # float64: its log is exactly -log V
        return np.where(np.expand_dims(seen, -1), self.probs[at], uniform)


class UniformRows:
    """The baseline both models must beat: every next character 1/V after any context; its NLL is log V."""

    def __init__(self, V):
        self.V = V

    def __getitem__(self, c):
        return np.full((*np.shape(c), self.V), 1 / self.V)


MODELS = {
    "counts": lambda counts, W: counts,  # smoothed counts, backing off after a context train lacks
    "nn": lambda counts, W: ContextRows(network.softmax(W[0]), W[1]),  # softmax(one_hot(context) @ W)
    "uniform": lambda counts, W: UniformRows(counts.V),  # no training at all
}


def rows(counts, W):
    """{name: rows} of every model, from the counts model (backoff.Model) and W = (W (C, V), its contexts (C,))."""
    return {name: model(counts, W) for name, model in MODELS.items()}
