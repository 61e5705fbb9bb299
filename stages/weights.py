"""The network's W on disk (data/nn): W.npy, and contexts.txt, the context of each of its rows.

.npy is NumPy's own format, a short text header and the raw numbers; read loads it with
allow_pickle=False, so a W.npy pulled from anyone's DVC remote can only ever be numbers,
unlike a pickle (torch.save), which runs code as it loads.
"""

import os

import numpy as np

from stages import files
from stages.cli import InputError
from stages.model import corpus


def write(out_dir, W, labels):
    """W (C, V) float32 as W.npy, and the label of each of its rows' contexts in contexts.txt."""
    with files.atomic_write(os.path.join(out_dir, "W.npy"), "wb") as f:
        np.save(f, W, allow_pickle=False)
    files.write_lines(os.path.join(out_dir, "contexts.txt"), labels)


def read(out_dir, itos, order):
    """(W (C, V) float32, its contexts (C,) int64) as write wrote them; an InputError if its
    contexts are not order - 1 characters, as the counts model's (another run's files)."""
    W = np.load(os.path.join(out_dir, "W.npy"), allow_pickle=False)
    path = os.path.join(out_dir, "contexts.txt")
    labels = files.read_lines(path)
    if labels and len(labels[0]) != order - 1:
        raise InputError(
            f"{path}: contexts of {len(labels[0])} characters, a network of order {len(labels[0]) + 1}, "
            f"but the counts model is of order {order}; run dvc repro"
        )
    return W, corpus.context_ids(labels, itos)
