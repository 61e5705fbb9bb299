"""The network: softmax(one_hot(x) @ W), trained by full-batch gradient descent, as in the lecture.

V is the vocabulary size; index 0 is the boundary token '.', which starts and ends
every name. N[i, j] counts how often character j follows character i.

PyTorch is imported inside the functions that train, so that the stages which only read W
don't pay the second its import takes.

Every output must be the same bytes on every CPU, though NumPy and PyTorch pick SIMD
kernels per CPU that round transcendental functions and sums differently in the last
bits. So the lecture's float32 steps that such noise would reach (the initial W, 100 steps
of training at lr 50) run in float64, where the kernels differ by about 1e-15, and what
is written is rounded far above that: W to float32, metrics and plot data to a few
significant digits (stages/files.py).
"""

import math
from typing import NamedTuple

import numpy as np

from stages.model import counting, evaluation


def softmax(W):
    """Row-wise softmax in float64, (V, V): the probabilities of the network's one-hot @ W."""
    logits = W.astype(np.float64)
    e = np.exp(logits - logits.max(1, keepdims=True))  # shifted so exp cannot overflow
    return e / e.sum(1, keepdims=True)  # (V, V) / (V, 1)


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
    floor = evaluation.nll(counting.frequencies(N_train), N_train)  # the counts model's train NLL at alpha = 0
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
