"""The data: makemore's split of the names, the vocabulary, names encoded as indices, and contexts.

V is the vocabulary size; index 0 is the boundary token '.', which starts and ends every name.
A model of order k predicts each character from the k - 1 before it, its context; every name
is padded on the left with k - 1 boundaries, as the lecture pads (context = [0] * block_size),
and ends with one, so each name gives len(name) + 1 predictions at every order. A context is
an int64 in [0, V**(k - 1)): its characters as base-V digits, the oldest most significant,
so contexts sort as their strings do; order 2 gives the bigram model, context = previous index.
An n-gram (context, next) is the int64 context * V + next, so V**k must stay below 2**63.
Every module of stages/model numbers contexts and n-grams so.
"""

import random
from decimal import Decimal

import numpy as np

BOUNDARY = "."
MAX_NGRAM_ID = 2**63  # V**order must stay below it: n-grams are numbered in int64


def split_of(n, val_frac, test_frac, seed):
    """(n,) int8: the split (0 train, 1 val, 2 test) of each of n names, in the file's order,
    as makemore splits them: shuffle with `seed`, cut at n1 and n2.

    makemore: random.seed(42); random.shuffle(words); n1 = int(0.8 * len(words));
    n2 = int(0.9 * len(words)). Here n1 = int((1 - val_frac - test_frac) * n) and
    n2 = int((1 - test_frac) * n), in decimal arithmetic on the fractions as written
    (repr gives back what params.yaml says), so that 1 - 0.1 - 0.1 is exactly 0.8 and no
    binary rounding moves a cut by one name. random.shuffle's permutation depends only on the
    length and the seed, so shuffling the positions 0..n-1 tells where each name goes without
    holding the names: prepare streams the file.
    """
    positions = list(range(n))
    random.Random(seed).shuffle(positions)
    val, test = Decimal(repr(val_frac)), Decimal(repr(test_frac))
    n1, n2 = int((1 - val - test) * n), int((1 - test) * n)
    shuffled = np.array(positions, dtype=np.int64)  # (n,) the name at each place of the shuffled list
    split = np.empty(n, dtype=np.int8)
    split[shuffled[:n1]], split[shuffled[n1:n2]], split[shuffled[n2:]] = 0, 1, 2
    return split


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
    return indices(BOUNDARY + BOUNDARY.join(names) + BOUNDARY, itos)


def indices(text, itos):
    """(len(text),) int32: the index in itos of each character of text; ValueError on one it lacks."""
    codepoints = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")  # (T,)
    lookup = np.full(max(map(ord, itos)) + 1, -1, dtype=np.int32)  # code point -> index
    lookup[[ord(ch) for ch in itos]] = np.arange(len(itos))
    ix = lookup[np.minimum(codepoints, len(lookup) - 1)]
    unknown = (ix < 0) | (codepoints >= len(lookup))
    if unknown.any():
        raise ValueError(f"character {text[np.argmax(unknown)]!r} is not in the vocabulary")
    return ix


def contexts(names, itos, order):
    """(context (T,) int64, next (T,) int32) of every prediction in the names, T = sum(len(name) + 1).

    From the stream '.name1.name2...' of encode: the target at t has as its j-th previous
    character the token at t - j while that is still inside its own name (or its starting
    boundary), and the boundary before that.
    """
    ix = encode(names, itos)  # (S,) int32
    if order == 2:  # the previous token is always inside the name, or its starting boundary
        return ix[:-1].astype(np.int64), ix[1:]
    pos = np.arange(len(ix), dtype=np.int32)
    start = np.maximum.accumulate(np.where(ix == 0, pos, 0))[:-1]  # (T,) the boundary starting each target's name
    t = pos[1:]  # every position but the first is a target
    ctx = np.zeros(len(t), dtype=np.int64)
    for j in range(order - 1, 0, -1):  # oldest first: the most significant digit
        ctx *= len(itos)
        ctx += np.where(t - j >= start, ix[np.maximum(t - j, 0)], 0)
    return ctx, ix[1:]


def context_labels(ctx, itos, order):
    """The strings of contexts ctx (C,): order - 1 characters each, '' at order 1."""
    V, width = len(itos), order - 1
    digits = np.stack([ctx // V**i % V for i in range(width - 1, -1, -1)], axis=-1) if width else ctx[:, None] * 0
    codepoints = np.array([ord(ch) for ch in itos], dtype="<u4")[digits[:, :width]]  # (C, order - 1)
    text = codepoints.tobytes().decode("utf-32-le")  # every label, one after the other
    return [text[i : i + width] for i in range(0, len(text), width)] if width else [""] * len(ctx)


def context_ids(labels, itos):
    """(C,) int64: the contexts of label strings, each order - 1 characters long, as contexts numbers them."""
    width = len(labels[0]) if labels else 0
    digits = indices("".join(labels), itos).reshape(len(labels), width)  # (C, order - 1), the oldest first
    ids = np.zeros(len(labels), dtype=np.int64)
    for j in range(width):
        ids = ids * len(itos) + digits[:, j]
    return ids
