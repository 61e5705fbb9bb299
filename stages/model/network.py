"""The network: softmax(one_hot(x) @ W), trained by full-batch gradient descent, as in the lecture.

W has a row per context of train, (C, V) (at order 2 on a corpus whose characters all occur,
the lecture's (V, V)). The lecture's own lines are here as functions, the definitions:
lecture_init, lecture_forward, lecture_loss and lecture_train. The pipeline runs equivalents
beside each (init_weights, softmax, nll_loss, train), and tests/test_lecture.py checks that
each agrees with its definition.

PyTorch is imported inside the functions that use it, so that the stages which only read W
need not import it.

Every output must be the same bytes on every CPU, though NumPy and PyTorch pick SIMD kernels
per CPU that round transcendental functions and sums differently in the last bits. So the
lecture's float32 steps that such noise would reach (the initial W, the training) run in
float64 or with the C library's functions, and what is written is rounded far above that
noise: W to float32, metrics and plot data to a few significant digits (stages/formats.py).
"""

import functools
import math
from typing import NamedTuple

import numpy as np

from stages.model import counting, evaluation

# W's cells, C contexts of train x V: past this budget the count stage refuses model.order,
# as training holds several float64 copies of W
MAX_W_CELLS = 5 * 10**7


def lecture_init(shape, seed):
    """The lecture's initial W, a torch tensor: its draw from a seeded generator."""
    import torch

    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g)


def lecture_forward(W, xs):
    """The lecture's forward pass: probs (T, V), the next character's distribution for each
    prediction whose context is row xs (T,) int64 of W (C, V) float32."""
    import torch.nn.functional as F

    xenc = F.one_hot(xs, num_classes=W.shape[0]).float()  # (T, C)
    logits = xenc @ W  # (T, C) @ (C, V) -> (T, V): log-counts
    counts = logits.exp()  # (T, V)
    probs = counts / counts.sum(1, keepdims=True)  # (T, V) / (T, 1): each row by its own total
    return probs


def lecture_loss(W, xs, ys, reg):
    """The lecture's loss of W on the predictions (xs, ys) (T,) each: the mean negative
    log-likelihood plus reg times the L2 penalty."""
    import torch

    num = len(ys)
    probs = lecture_forward(W, xs)
    return -probs[torch.arange(num), ys].log().mean() + reg * (W**2).mean()


def lecture_train(xs, ys, C, V, seed, steps, lr, reg):
    """The lecture's training loop: W (C, V) float32 from lecture_init, then `steps` of full-batch
    gradient descent on the predictions (xs, ys) (T,) each; returns W, detached."""
    W = lecture_init((C, V), seed).requires_grad_()
    for _ in range(steps):
        # forward pass
        loss = lecture_loss(W, xs, ys, reg)
        # backward pass
        W.grad = None
        loss.backward()
        # update
        W.data += -lr * W.grad
    return W.detach()


def softmax(W):
    """lecture_forward's probabilities for every context, (C, V) float64, from W (C, V) in NumPy:
    the stages that only read W need not import torch."""
    logits = W.astype(np.float64)
    e = np.exp(logits - logits.max(1, keepdims=True))  # shifted so exp cannot overflow
    return e / e.sum(1, keepdims=True)  # (C, V) / (C, 1)


def init_weights(shape, seed):
    """_init_weights, cached: the regularisation curve trains from the same draw once per reg."""
    return _init_weights(tuple(shape), seed).copy()


@functools.cache
def _init_weights(shape, seed):
    """lecture_init(shape, seed) as float32 NumPy, the same bytes on every CPU, where torch's
    SIMD kernels for randn differ per CPU in the last bits.

    For 16 values or more, torch draws one float32 uniform u per value from the generator,
    then turns each block of 16 into normals by Box-Muller: for j < 8, r = sqrt(-2 log(1 - u[j])),
    theta = 2 pi u[j + 8] rounded to float32, x[j] = r cos(theta), x[j + 8] = r sin(theta);
    when 16 does not divide the size, 16 fresh uniforms redraw the last 16 values. This takes
    torch's uniforms and does the rest in float64 with the C library's log, cos and sin,
    rounding once to float32: within 2 float32 ulps of torch's reference (DEFAULT) kernel.
    Fewer than 16 values take torch's scalar path, which already computes in float64 with the
    C library: that is lecture_init itself.
    """
    import torch

    n = math.prod(shape)
    if n < 16:
        return lecture_init(shape, seed).numpy()
    g = torch.Generator().manual_seed(seed)
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


def nll_loss(W, freq, reg):
    """lecture_loss of W (C, V) on the predictions whose frequencies are freq = N / N.sum() (C, V),
    as (loss, nll, logp): two torch scalars, and the log-probabilities logp (C, V), for scoring
    other counts with no second pass. O(C * V) whatever the corpus size: every prediction after
    context x has row x of W, so the mean over predictions is a sum over cells weighted by freq."""
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


# A step "raises the loss" when it grows by more than this fraction of it: far above float64 rounding
RISE = 1e-12


def train(N_train, N_val, seed, steps, lr, reg, val_rest=0):
    """lecture_train on train's predictions, from their counts; returns W (C, V) float32 and the log,
    one LogRow per step 0..steps.

    W has a row for each of the C contexts train has, the rows of its counts N_train (C, V);
    N_val (C, V) counts val's predictions after the same contexts, and val_rest how many more
    val has after contexts train lacks. The network predicts those uniformly, as a row of zeros
    would: the weights the L2 penalty pulls every row towards, and what the counts model gives
    a context it never saw. So W grows with the data, O(C * V) in memory and per step.

    The lecture's loop, with three departures, each for a reason:
    - the loss is nll_loss, from the counts: a step costs O(C * V), not O(T * C) for T predictions;
    - W starts as init_weights and trains in float64, so that the CPU's kernels' last-bit
      differences vanish when W is rounded to float32;
    - a step that would raise the loss is taken again from the same W at half the rate, which
      then stays halved: the loss is convex in W, so descent succeeds at a small enough rate,
      where plain descent on a few large, peaked rows can cycle above its own best loss. Where
      no step overshoots, this is the lecture's loop; the log records every step's rate.

    Gradient descent approaches the counts model (alpha = 0), whose train NLL is the lowest
    any W reaches; the log's kl is the distance left. The L2 penalty pulls W towards 0, the
    uniform model: with reg > 0 the network is a smoothed counts model.
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

    # forward pass
    loss, train_nll, logp = nll_loss(W, freq_train, reg)
    log = []
    for step in range(steps + 1):
        # the same W's NLL on val, from this step's forward pass
        val_nll = None if freq_val is None else -(freq_val * logp.detach()).sum().item() + val_uniform
        log.append(LogRow(step, loss.item(), train_nll.item(), val_nll, train_nll.item() - floor, lr))
        if step == steps:
            break
        # backward pass
        W.grad = None
        loss.backward()
        # update, and the next step's forward pass
        before = W.detach().clone()
        while True:
            W.data += -lr * W.grad
            loss_next, train_nll_next, logp_next = nll_loss(W, freq_train, reg)
            if loss_next.item() <= loss.item() + RISE * abs(loss.item()):  # False for nan: a step too far
                break
            W.data.copy_(before)  # the step raised the loss: back, and again at half the rate
            lr /= 2
        loss, train_nll, logp = loss_next, train_nll_next, logp_next

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
