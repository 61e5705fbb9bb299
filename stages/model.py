"""The character-level bigram model of makemore part 1, as pure functions.

V is the vocabulary size; index 0 is the boundary token '.', which starts and ends
every name. N[i, j] counts how often character j follows character i.

Counting, smoothing, evaluation and sampling are NumPy; training is PyTorch, imported
inside the functions that need it, so that the stages which do not train don't pay
the second it takes to import.

Every output must be the same bytes on every CPU, though NumPy and PyTorch pick SIMD
kernels per CPU that round transcendental functions and sums differently in the last
bits. So the lecture's float32 steps that such noise would reach (the initial W, 100 steps
of training at lr 50) run in float64, where the kernels differ by about 1e-15, and what
is written is rounded far above that: W and P to float32, metrics and plot data to a
few significant digits (stages/files.py).
"""

import math
import random
from decimal import Decimal
from typing import NamedTuple

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


def count_bigrams(ix, V):
    """N (V, V) int64 from an encoded stream: row = previous character, column = next."""
    pairs = ix[:-1].astype(np.int64) * V + ix[1:]  # (T-1,) flat index of each bigram
    return np.bincount(pairs, minlength=V * V).reshape(V, V)


def smooth(N, alpha):
    """P (V, V) float32: row-normalised N + alpha. A row with a zero total is uniform, 1/V.

    The sum keeps its dimension, (V, V) / (V, 1), so each row is divided by its own total;
    without keepdim the (V,) totals broadcast as a row and divide columns instead.
    A zero total happens only for alpha = 0 and a character never followed by anything in
    train; 1/V is the limit of (0 + alpha) / (V * alpha) as alpha -> 0.
    Raises ValueError if alpha > 0 is so small that a probability rounds to 0.
    """
    counts = N.astype(np.float32) + np.float32(alpha)  # (V, V)
    # summed in float64: exact for counts (float32 sums are too, below 2**24), and
    # for a fractional alpha no summation order, which differs per SIMD kernel, shows
    totals = counts.sum(1, keepdims=True, dtype=np.float64).astype(np.float32)  # (V, 1)
    uniform = np.full_like(counts, 1 / len(N))
    P = np.divide(counts, totals, out=uniform, where=totals > 0)
    if alpha > 0 and not P.all():
        raise ValueError(f"alpha = {alpha} is too small for float32: some probabilities round to 0")
    return P


def frequencies(N):
    """N's rows normalised, (V, V) float64: the counts model at alpha = 0 (a zero row uniform)."""
    totals = N.sum(1, keepdims=True)  # (V, 1)
    return np.divide(N, totals, out=np.full(N.shape, 1 / len(N)), where=totals > 0)


def softmax(W):
    """Row-wise softmax in float64, (V, V): the probabilities of the network's one-hot @ W."""
    logits = W.astype(np.float64)
    e = np.exp(logits - logits.max(1, keepdims=True))  # shifted so exp cannot overflow
    return e / e.sum(1, keepdims=True)  # (V, V) / (V, 1)


def zero_prob(P, N):
    """How many of the bigrams counted in N have probability 0 under P."""
    return int(N[P == 0].sum())


def nll(P, N):
    """Mean negative log-likelihood per bigram of N under P, in nats, summed in float64.

    inf if a counted bigram has probability 0; nan if N counts no bigram.
    """
    total = N.sum()
    if total == 0:
        return float("nan")
    if zero_prob(P, N):
        return float("inf")
    seen = N > 0
    return float(-(N[seen] * np.log(P[seen].astype(np.float64))).sum() / total)


def kl(P, Q, N):
    """KL(P || Q) between the rows of two models, averaged over contexts weighted by N's row totals."""
    weights = N.sum(1) / N.sum()  # (V,) how often each context occurs
    P, Q = P.astype(np.float64), Q.astype(np.float64)
    seen = P > 0  # 0 * log(0 / q) = 0
    terms = np.zeros_like(P)  # (V, V)
    with np.errstate(divide="ignore"):  # p > 0 where q = 0: the divergence is inf
        terms[seen] = P[seen] * (np.log(P[seen]) - np.log(Q[seen]))
    return float((weights * terms.sum(1)).sum())  # not a BLAS dot, whose order differs per CPU


def log_grid(lo, hi, value):
    """Half-decades from 10**lo to 10**hi, plus `value` when it is > 0: a log axis has no 0."""
    grid = {10 ** (k / 2) for k in range(2 * lo, 2 * hi + 1)}
    return sorted(grid | {value} if value > 0 else grid)


def alpha_curve(N_train, N_val, alphas):
    """(alpha, train NLL, val NLL) of the counts model smoothed with each alpha: O(V^2) each."""
    curve = []
    for alpha in alphas:
        P = smooth(N_train, alpha)
        curve.append((alpha, nll(P, N_train), nll(P, N_val)))
    return curve


def init_weights(V, seed):
    """The lecture's W = torch.randn((V, V), generator=torch.Generator().manual_seed(seed)), (V, V)
    float32, computed the same on every CPU.

    For 16 values or more, torch draws one float32 uniform u per value from the generator,
    then turns each block of 16 into normals by Box-Muller: for j < 8, r = sqrt(-2 log(1 - u[j])),
    theta = 2 pi u[j + 8] rounded to float32, x[j] = r cos(theta), x[j + 8] = r sin(theta);
    when 16 does not divide the size, 16 fresh uniforms redraw the last 16 values. Its
    kernels do that in float32 with SIMD maths of their own, and their results differ by up
    to 1e-6. This does it in float64 with the C library's log, cos and sin, and rounds once
    to float32: within 2 float32 ulps of torch's reference (DEFAULT) kernel, and the same
    bytes on every CPU. The residual risk: C libraries may differ in the last bit of a
    float64 log, cos or sin, which moves the float32 result only if it lies that close to a
    rounding boundary, about one chance in 10**8 a value. Fewer than 16 values take torch's
    scalar path, which already computes in float64 with the C library.
    """
    import torch

    g = torch.Generator().manual_seed(seed)
    n = V * V
    if n < 16:
        return torch.randn((V, V), generator=g).numpy()
    u = torch.rand(n + (16 if n % 16 else 0), generator=g).tolist()  # the uniforms randn draws, in order
    blocks = [(start, u[start : start + 16]) for start in range(0, n - 15, 16)]
    if n % 16:
        blocks.append((n - 16, u[n:]))  # the redrawn last 16
    W = np.empty(n)
    for start, block in blocks:
        for j in range(8):
            r = math.sqrt(-2 * math.log(1 - block[j]))  # 1 - u is exact: u is a multiple of 2**-24
            theta = float(np.float32(2 * math.pi * block[j + 8]))  # torch keeps theta in float32
            W[start + j], W[start + j + 8] = r * math.cos(theta), r * math.sin(theta)
    return W.astype(np.float32).reshape(V, V)


def bigram_loss(W, freq, reg):
    """(loss, nll) of the network on bigram frequencies freq = N / N.sum(), both torch scalars.

    The lecture's one-hot formulation, over the T bigrams (x, y) of the data:
        logits = one_hot(x) @ W  # (T, V) @ (V, V): row x of W for each bigram
        nll = -log_softmax(logits)[range(T), y].mean()
    Row x of W is the same for every bigram starting with x, so the mean is a sum over
    the V * V cells of each bigram's frequency times its log-probability: O(V^2),
    whatever the corpus size. tests/test_model.py checks loss and gradient against the
    one-hot form.
    """
    nll = -(freq * W.log_softmax(1)).sum()  # (V, V) * (V, V) -> ()
    return nll + reg * (W**2).mean(), nll


class LogRow(NamedTuple):
    """One row of the training log: the network after `step` updates."""

    step: int
    loss: float
    train_nll: float
    val_nll: float | None  # None when val counts nothing
    kl: float  # KL(train's row frequencies || softmax(W)) over train contexts: the NLL above the floor


def train(N_train, N_val, seed, steps, lr, reg):
    """Full-batch gradient descent on W, as in the lecture; returns W (V, V) float32 and the log.

    W starts from the lecture's draw (init_weights) and trains in float64: the loss is
    convex in W, so the kernels' last-bit differences stay near 1e-15 through training
    (measured: at most 7e-15 on the lecture's counts after 100 steps at lr 50, where float32
    training differs by 1e-6), and rounding the result to float32 hides them. The residual
    risk is a weight within 1e-14 of a float32 rounding boundary: about one chance in 10**7
    a weight, 10**-4 for V = 27; tests/test_reproducible.py would show it. The lecture's
    figures are unchanged at the digits it prints.

    Gradient descent approaches the counts model (alpha = 0), whose train NLL is the lowest
    any W reaches; the log's kl is the distance left. Rows seen rarely in train get small
    gradients and lag, and the L2 penalty keeps a gap however long it trains, pulling W
    towards 0, the uniform model: with reg > 0 the network is a smoothed counts model.
    The log has one LogRow per step, 0..steps.
    Raises FloatingPointError when the loss stops being finite.
    """
    import torch

    W = torch.tensor(init_weights(len(N_train), seed), dtype=torch.float64, requires_grad=True)
    freq_train = torch.as_tensor(N_train / N_train.sum())  # (V, V) float64
    freq_val = torch.as_tensor(N_val / N_val.sum()) if N_val.sum() else None
    floor = nll(frequencies(N_train), N_train)  # the counts model's train NLL at alpha = 0
    log = []
    for step in range(steps + 1):
        loss, train_nll = bigram_loss(W, freq_train, reg)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"the loss is {loss.item()} at step {step}")
        with torch.no_grad():
            val_nll = None if freq_val is None else bigram_loss(W, freq_val, reg)[1].item()
        log.append(LogRow(step, loss.item(), train_nll.item(), val_nll, train_nll.item() - floor))
        if step == steps:
            break
        W.grad = None
        loss.backward()
        W.data += -lr * W.grad
    return W.detach().numpy().astype(np.float32), log


def reg_curve(N_train, N_val, regs, seed, steps, lr):
    """(reg, train NLL, val NLL) of the network trained from the same init with each reg.

    Training from counts makes each point cost O(steps * V^2). A reg at which training
    diverges gives (reg, None, None).
    """
    curve = []
    for reg in regs:
        try:
            last = train(N_train, N_val, seed=seed, steps=steps, lr=lr, reg=reg)[1][-1]
        except FloatingPointError:
            curve.append((reg, None, None))
        else:
            curve.append((reg, last.train_nll, last.val_nll))
    return curve


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


def sample(P, itos, num, max_len, seed):
    """`num` names drawn from P (V, V) by the lecture's loop, each at most max_len characters.

    The lecture seeds g = torch.Generator().manual_seed(seed) and, from ix = 0, draws
    ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=g) until ix is 0
    again (the boundary); here max_len characters also end a name. For one sample, torch's
    CPU kernel races exponentials: q = V draws of Exp(1) from g, ix = argmax(P[ix] / q). This
    runs the same race on the same MT19937 stream (torch seeds it with the low 32 bits of
    seed), so the names are torch's, and the sample stage saves the second that `import torch`
    takes; tests/test_model.py checks every draw against torch.multinomial itself.
    """
    mt19937 = np.random.RandomState(seed & 0xFFFFFFFF)
    names = []
    for _ in range(num):
        out, ix = [], 0
        while len(out) < max_len:
            ix = int(np.argmax(P[ix] / exponentials(mt19937, len(P), P.dtype)))  # (V,) / (V,)
            if ix == 0:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return names
