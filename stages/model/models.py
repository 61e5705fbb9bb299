"""The models the pipeline compares, by name, each as its probabilities of the next character by context.

Each entry makes, from the counts model's P (C, V) for the sorted contexts of the counts
table (C,) and the network's W (V**(order - 1), V), rows indexed like an array: rows[c] is
the (V,) distribution after context c, rows[cs] the (len(cs), V) ones. Adding a model is
adding one entry: evaluate scores, sample draws from and score scores every model here.
"""

import numpy as np

from stages.model import network


class CountsRows:
    """P's rows by context; a context the counts table never saw gets add-alpha's limit, uniform."""

    def __init__(self, P, contexts):
        self.P, self.contexts = P, contexts  # (C, V), (C,) sorted

    def __getitem__(self, c):
        at = np.minimum(np.searchsorted(self.contexts, c), len(self.contexts) - 1)
        seen = self.contexts[at] == c
        uniform = np.full(self.P.shape[1], 1 / self.P.shape[1], dtype=self.P.dtype)
        return np.where(np.expand_dims(seen, -1), self.P[at], uniform)


class UniformRows:
    """The baseline both models must beat: every next character 1/V after any context; its NLL is log V."""

    def __init__(self, V):
        self.V = V

    def __getitem__(self, c):
        return np.full((*np.shape(c), self.V), 1 / self.V)


MODELS = {
    "counts": lambda P, W, contexts: CountsRows(P, contexts),  # N + alpha, normalised row by row
    "nn": lambda P, W, contexts: network.softmax(W),  # softmax(one_hot(context) @ W), every context
    "uniform": lambda P, W, contexts: UniformRows(P.shape[1]),  # no training at all
}


def rows(P, W, contexts):
    """{name: rows} of every model."""
    return {name: model(P, W, contexts) for name, model in MODELS.items()}
