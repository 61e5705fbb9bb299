"""The data: makemore's split of the names, the vocabulary, and names encoded as indices.

V is the vocabulary size; index 0 is the boundary token '.', which starts and ends
every name. N[i, j] counts how often character j follows character i.
"""

import random
from decimal import Decimal

import numpy as np

BOUNDARY = "."


def split_names(names, val_frac, test_frac, seed):
    """(train, val, test) as makemore splits: shuffle with `seed`, cut at n1 and n2.

    makemore: random.seed(42); random.shuffle(words); n1 = int(0.8 * len(words));
    n2 = int(0.9 * len(words)). Here n1 = int((1 - val_frac - test_frac) * n) and
    n2 = int((1 - test_frac) * n), in decimal arithmetic on the fractions as written
    (repr gives back what params.yaml says), so that 1 - 0.1 - 0.1 is exactly 0.8 and no
    binary rounding moves a cut by one name.
    """
    shuffled = list(names)
    random.Random(seed).shuffle(shuffled)
    val, test = Decimal(repr(val_frac)), Decimal(repr(test_frac))
    n1, n2 = int((1 - val - test) * len(names)), int((1 - test) * len(names))
    return shuffled[:n1], shuffled[n1:n2], shuffled[n2:]


def build_vocab(names):
    """itos: the boundary '.' at index 0, then the sorted unique characters of all names."""
    return [BOUNDARY] + sorted(set("".join(names)))


def encode(names, itos):
    """Indices of '.name1.name2...namek.', shape (T,) with T - 1 = sum(len(name) + 1) bigrams.

    Consecutive names share one boundary, which ends the one and starts the next, so
    the bigrams are exactly those of every name wrapped in '.' at both ends.
    """
    if not names:
        return np.zeros(1, dtype=np.int32)  # one token, no bigrams
    text = BOUNDARY + BOUNDARY.join(names) + BOUNDARY
    codepoints = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")  # (T,)
    lookup = np.full(max(map(ord, itos)) + 1, -1, dtype=np.int32)  # code point -> index
    lookup[[ord(ch) for ch in itos]] = np.arange(len(itos))
    ix = lookup[np.minimum(codepoints, len(lookup) - 1)]
    unknown = (ix < 0) | (codepoints >= len(lookup))
    if unknown.any():
        raise ValueError(f"character {text[np.argmax(unknown)]!r} is not in the vocabulary")
    return ix
