"""The models the pipeline compares, by name, each as its probabilities P (V, V) of next given previous.

Adding a model is adding one entry: evaluate scores, sample draws from and score scores
every model listed here.
"""

import numpy as np

from stages.model import network


def uniform(V):
    """The baseline both models must beat: every next character 1/V, (V, V) float64; its NLL is log V."""
    return np.full((V, V), 1 / V)


MODELS = {
    "counts": lambda P, W: P,  # counting: N + alpha, normalised row by row (float32, as the lecture's)
    "nn": lambda P, W: network.softmax(W),  # the network: softmax(one_hot(x) @ W)
    "uniform": lambda P, W: uniform(len(P)),  # no training at all
}


def probabilities(P, W):
    """{name: (V, V) probabilities} of every model, from the counts model's P and the network's W."""
    return {name: model(P, W) for name, model in MODELS.items()}
