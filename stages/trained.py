"""Every model the pipeline compares (stages/model/models.py), loaded from the files the
pipeline wrote: the vocabulary, the counts model's ARPA file and the network's W."""

import os
from typing import NamedTuple

from stages import arpa, formats, weights
from stages.cli import InputError
from stages.model import models


class Trained(NamedTuple):
    itos: list  # the vocabulary, '.' first
    order: int  # the counts model's, and so the network's: order - 1 characters of context
    models: dict  # {name: rows}, models.rows: rows[c] is the (V,) distribution after context c


def load(vocab_json, model_arpa, nn_dir):
    """The pipeline's models from its outputs; an InputError says to run dvc repro if one is missing,
    or names the file that belongs to another run."""
    for path in (vocab_json, model_arpa, os.path.join(nn_dir, "W.npy")):
        if not os.path.exists(path):
            raise InputError(f"{path}: no such file; run dvc repro first")
    itos = formats.read_json(vocab_json)
    counts = arpa.read(model_arpa, itos)
    return Trained(itos, counts.order, models.rows(counts, weights.read(nn_dir, itos, counts.order)))
