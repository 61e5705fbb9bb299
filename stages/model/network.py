"""The network: softmax(one_hot(x) @ W), trained by full-batch gradient descent, as in the lecture.

V is the vocabulary size; index 0 is the boundary token '.', which starts and ends
every name. N[i, j] counts how often character j follows context i; W has a row per
context of train (C, V): at order 2, the lecture's (V, V).

PyTorch is imported inside the functions that train, so that the stages which only read W
don't pay the second its import takes.

Every output must be the same bytes on every CPU, though NumPy and PyTorch pick SIMD
kernels per CPU that round transcendental functions and sums differently in the last
bits. So the lecture's float32 steps that such noise would reach (the initial W, 100 steps
of training at lr 50) run in float64, where the kernels differ by about 1e-15, and what
is written is rounded far above that: W to float32, metrics and plot data to a few
significant digits (stages/files.py).
"""

import functools
import math
from typing import NamedTuple

import numpy as np

from stages.model import counting, evaluation

# W's cells, C contexts of train x V: past this budget model.order is refused, as 400 MB of
# float64 to train (the count stage checks it)
MAX_W_CELLS = 5 * 10**7


def softmax(W):
    """Row-wise softmax in float64, (C, V): the probabilities of the network's one-hot @ W."""
    logits = W.astype(np.float64)
    e = np.exp(logits - logits.max(1, keepdims=True))  # shifted so exp cannot overflow
    return e / e.sum(1, keepdims=True)  # (C, V) / (C, 1)


def init_weights(shape, seed):
    """_init_weights, cached: the regularisation curve trains from the same draw a dozen times."""
    return _init_weights(tuple(shape), seed).copy()


@functools.cache
def _init_weights(shape, seed):
    """The lecture's W = torch.randn(shape, generator=torch.Generator().manual_seed(seed)), float32,
    computed the same on every CPU.

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
    n = math.prod(shape)
    if n < 16:
        return torch.randn(shape, generator=g).numpy()
    u = torch.rand(n + (16 if n % 16 else 0), generator=g).numpy().astype(np.float64)  # the uniforms randn draws
    full = n - n % 16
    blocks = np.concatenate([u[:full], u[n:]]).reshape(-1, 16)  # (B, 16); when 16 doesn't divide n, the redrawn last
    r = np.sqrt(-2 * libm(math.log, 1 - blocks[:, :8]))  # (B, 8); 1 - u is exact: u is a multiple of 2**-24
    theta = (2 * math.pi * blocks[:, 8:]).astype(np.float32).astype(np.float64)  # torch keeps theta in float32
    x = np.concatenate([r * libm(math.cos, theta), r * libm(math.sin, theta)], axis=1).ravel()  # (B * 16,)
    W = np.concatenate([x[: n - 16], x[full:]]) if n % 16 else x  # the redrawn block is the last 16 values
    return W.astype(np.float32).reshape(shape)


def libm(f, x):
    """f, one of the C library's math functions, on each element of the float64 array x: the same bits on
    every CPU, where NumPy's vectorised log, cos and sin differ per SIMD kernel in the last bit."""
    return np.array(list(map(f, x.ravel().tolist()))).reshape(x.shape)


def bigram_loss(W, freq, reg):
    """(loss, nll, logp) of the network on frequencies freq = N / N.sum(): two torch scalars, and
    its log-probabilities logp = log_softmax(W) (C, V), for scoring other counts with no second pass.

    The lecture's one-hot formulation, over the T predictions (x, y) of the data:
        logits = one_hot(x) @ W  # (T, C) @ (C, V): row x of W for each prediction
        loss = -log_softmax(logits)[range(T), y].mean() + reg * (W**2).mean()
    Row x of W is the same for every prediction after context x, so the mean is a sum over
    the C * V cells of each n-gram's frequency times its log-probability: O(C * V),
    whatever the corpus size (the lecture's exercise E04: index rows of W, no one-hot).
    tests/test_model.py checks loss and gradient against the one-hot form.
    """
    logp = W.log_softmax(1)  # (C, V)
    nll = -(freq * logp).sum()  # (C, V) * (C, V) -> ()
    return nll + reg * (W**2).mean(), nll, logp


class LogRow(NamedTuple):
    """One row of the training log: the network after `step` updates."""

    step: int
    loss: float
    train_nll: float
    val_nll: float | None  # None when val counts nothing
    kl: float  # KL(train's row frequencies || softmax(W)) over train contexts: the NLL above the floor
    lr: float  # the learning rate of the step that led here: train_nn.lr, halved each time a step overshot


class Diverged(Exception):
    """Training gave no usable network; the message says how, and at which step."""


# A step "raises the loss" when it grows by more than this fraction of it: float64 noise is about 1e-16
RISE = 1e-12


def train(N_train, N_val, seed, steps, lr, reg, val_rest=0):
    """Full-batch gradient descent on W, as in the lecture; returns W (C, V) float32 and the log.

    W has a row for each of the C contexts train has, the rows of its counts N_train (C, V);
    N_val (C, V) counts val's predictions after the same contexts, and val_rest how many more
    val has after contexts train lacks. The network predicts those uniformly, as a row of zeros
    would: the weights the L2 penalty pulls every row towards, and what the counts model gives
    a context it never saw. So W grows with the data, O(C * V) in memory and per step.

    Each step is the lecture's W.data += -lr * W.grad, with one safeguard: a step that would
    raise the loss is taken again from the same W at half the rate, which then stays halved.
    The loss is convex in W, so descent always succeeds at a small enough rate. On a large
    corpus the lecture's lr = 50 never overshoots and this changes nothing; on a handful of
    names (large, peaked rows) plain descent at lr 50 cycles forever, above its own best loss.
    The log records the rate of every step.

    W starts from the lecture's draw (init_weights) of shape (C, V) (at order 2, the lecture's
    (V, V)) and trains in float64: the kernels' last-bit differences stay near 1e-15, and
    rounding the result to float32 hides them.

    Gradient descent approaches the counts model (alpha = 0), whose train NLL is the lowest
    any W reaches; the log's kl is the distance left. Rows seen rarely in train get small
    gradients and lag, and the L2 penalty keeps a gap however long it trains, pulling W
    towards 0, the uniform model: with reg > 0 the network is a smoothed counts model.
    The log has one LogRow per step, 0..steps.
    Raises Diverged when the trained network is no model: its train NLL ends above the uniform
    model's log V, or a probability of the float32 W underflows to 0 (weights so large that
    it predicts some next character with certainty).
    """
    import torch

    V = N_train.shape[1]
    W = torch.tensor(init_weights(N_train.shape, seed).astype(np.float64), requires_grad=True)  # (C, V)
    freq_train = torch.as_tensor(N_train / N_train.sum())  # (C, V) float64
    val_total = N_val.sum() + val_rest
    freq_val = torch.as_tensor(N_val / val_total) if val_total else None
    val_uniform = val_rest / val_total * math.log(V) if val_total else 0.0  # val's NLL after unseen contexts
    floor = evaluation.nll(counting.frequencies(N_train), N_train)  # the counts model's train NLL at alpha = 0

    loss, train_nll, logp = bigram_loss(W, freq_train, reg)
    log = []
    for step in range(steps + 1):
        # the same W's NLL on val, from this step's forward pass
        val_nll = None if freq_val is None else -(freq_val * logp.detach()).sum().item() + val_uniform
        log.append(LogRow(step, loss.item(), train_nll.item(), val_nll, train_nll.item() - floor, lr))
        if step == steps:
            break
        W.grad = None
        loss.backward()
        while True:
            W_next = (W.detach() + -lr * W.grad).requires_grad_()  # the lecture's W.data += -lr * W.grad
            loss_next, train_nll_next, logp_next = bigram_loss(W_next, freq_train, reg)
            if loss_next.item() <= loss.item() + RISE * abs(loss.item()):  # False for nan: a step too far
                break
            lr /= 2
        W, loss, train_nll, logp = W_next, loss_next, train_nll_next, logp_next

    if train_nll.item() > math.log(V):
        raise Diverged(
            f"at step {steps} the train NLL is {train_nll.item():.4f}, above the uniform model's "
            f"log V = {math.log(V):.4f}"
        )
    with np.errstate(over="ignore"):
        W = W.detach().numpy().astype(np.float32)
    if not np.isfinite(W).all() or not softmax(W).astype(np.float32).all():
        raise Diverged(f"at step {steps} some of its probabilities are 0 in float32")
    return W, log


def reg_curve(N_train, N_val, regs, seed, steps, lr, val_rest=0, map=map):
    """(reg, train NLL, val NLL, diverged) of the network trained from the same init with each reg.

    Training from counts makes each point cost O(steps * C * V). A reg at which training
    diverges (train raises Diverged) gives (reg, None, None, 1). The points are independent:
    `map` may train them in parallel (a process pool's), and the curve is the same.
    """
    return list(map(functools.partial(reg_point, N_train, N_val, seed, steps, lr, val_rest=val_rest), regs))


def reg_point(N_train, N_val, seed, steps, lr, reg, val_rest=0):
    """One point of reg_curve."""
    try:
        last = train(N_train, N_val, seed, steps, lr, reg, val_rest)[1][-1]
    except Diverged:
        return reg, None, None, 1
    return reg, last.train_nll, last.val_nll, 0
