"""Sampling names from any model's rows P[context] with the lecture's loop: lecture_sample, the
definition, draws with torch.multinomial; sample draws the same names without torch.
"""

import math

import numpy as np


def exponentials(mt19937, n, dtype):
    """n draws of Exp(1) (n,) from a MT19937 stream, bit for bit as torch's CPU exponential_() makes them.

    Each draw takes two 32-bit words, joined high then low into 64 bits, keeps the low 53
    as a uniform u in [0, 1), and returns -log1p(-u) in float64, cast to dtype. log1p is the
    C library's, as torch's is: NumPy's own vectorised log1p differs in the last bit.
    RandomState's stream is frozen by NumPy's compatibility policy, so only torch can move.
    """
    words = mt19937.randint(0, 2**32, size=(n, 2), dtype=np.uint64)  # (n, 2) raw outputs, in order
    u = ((words[:, 0] << 32 | words[:, 1]) & (2**53 - 1)) * 2.0**-53  # (n,)
    return np.array([-math.log1p(-x) for x in u.tolist()]).astype(dtype)


def lecture_sample(P, itos, num, max_len, seed, order=2):
    """The lecture's sampling: `num` names drawn from P, a torch tensor (V**(order - 1), V) of each
    context's next-character distribution, by torch.multinomial from a seeded generator."""
    import torch

    g = torch.Generator().manual_seed(seed)

    def draw(p):
        return torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()

    return names_drawn(P, itos, num, max_len, order, draw)


def sample(P, itos, num, max_len, seed, order=2):
    """lecture_sample's names, the same on every CPU and without importing torch; P[c] is the (V,)
    row after context c (corpus.py), from a (V**(order - 1), V) array or any object indexed so.

    For one sample, torch's CPU kernel races exponentials: q = V draws of Exp(1) from g, and
    ix = argmax(p / q). This runs the same race on the same MT19937 stream (torch seeds it with
    the low 32 bits of seed), so each draw is torch.multinomial's.
    """
    mt19937 = np.random.RandomState(seed & 0xFFFFFFFF)

    def draw(p):  # p (V,)
        return int(np.argmax(p / exponentials(mt19937, len(p), p.dtype)))  # (V,) / (V,)

    return names_drawn(P, itos, num, max_len, order, draw)


def names_drawn(P, itos, num, max_len, order, draw):
    """The lecture's sampling loop: `num` names, each drawn a character ix = draw(P[context]) at a
    time until the boundary (ix = 0) or max_len characters. The context is the last order - 1
    characters, boundaries '.' before the first (at order 2, ix itself)."""
    V, contexts = len(itos), len(itos) ** (order - 1)
    names = []
    for _ in range(num):
        out, context = [], 0  # ix = 0: the name starts after boundaries
        while len(out) < max_len:
            ix = draw(P[context])
            if ix == 0:
                break
            out.append(itos[ix])
            context = (context * V + ix) % contexts  # drop the oldest character, add ix
        names.append("".join(out))
    return names
