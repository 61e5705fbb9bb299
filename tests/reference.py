"""The lecture's code, loop by loop: the oracle the fast model functions are checked against.

Deliberately plain: Python loops over every name and character, and the network trained
on one-hot inputs of every bigram, as in makemore part 1.
"""

import math

import torch
import torch.nn.functional as F


def vocab(words):
    chars = sorted(set("".join(words)))
    return ["."] + chars


def counts(words, itos):
    stoi = {s: i for i, s in enumerate(itos)}
    N = torch.zeros((len(itos), len(itos)), dtype=torch.int64)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
    return N


def probabilities(N, alpha):
    P = (N + alpha).float()
    P /= P.sum(1, keepdims=True)
    return P


def nll(P, words, itos):
    """The lecture's log-likelihood loop (scores below), but each term in float64, summed exactly."""
    logprobs = [logprob for _, _, logprob in scores(P, words, itos)]
    return -math.fsum(logprobs) / len(logprobs)


def bigrams(words, itos):
    stoi = {s: i for i, s in enumerate(itos)}
    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    return torch.tensor(xs), torch.tensor(ys)


def loss(W, xs, ys, reg):
    """The lecture's forward pass: one-hot @ W, exp, normalise, mean -log p + reg * mean(W**2)."""
    xenc = F.one_hot(xs, num_classes=W.shape[0]).to(W.dtype)
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    return -probs[torch.arange(len(xs)), ys].log().mean() + reg * (W**2).mean()


def descend(W, xs, ys, steps, lr, reg):
    """The lecture's training loop: `steps` of full-batch gradient descent on W, in place."""
    for _ in range(steps):
        out = loss(W, xs, ys, reg)
        W.grad = None
        out.backward()
        W.data += -lr * W.grad
    return W.detach()


def train(words, itos, seed, steps, lr, reg):
    g = torch.Generator().manual_seed(seed)
    W = torch.randn((len(itos), len(itos)), generator=g, requires_grad=True)
    return descend(W, *bigrams(words, itos), steps, lr, reg)


def sample(P, itos, num, seed, max_len=None):
    """The lecture's sampling loop; a name stops after max_len characters, if given."""
    g = torch.Generator().manual_seed(seed)
    names = []
    for _ in range(num):
        out = []
        ix = 0
        while max_len is None or len(out) < max_len:
            p = P[ix]
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
            if ix == 0:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return names


def scores(P, words, itos):
    """The lecture's scoring loop: (bigram, prob, logprob) of every bigram of every word; log 0 is -inf."""
    stoi = {s: i for i, s in enumerate(itos)}
    out = []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            prob = float(P[stoi[ch1], stoi[ch2]])
            out.append((ch1 + ch2, prob, math.log(prob) if prob > 0 else -math.inf))
    return out


def top_bigrams(words):
    """The lecture's bigram dict b, sorted by count as the lecture sorts it; ties in vocabulary order."""
    b = {}
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            b[(ch1, ch2)] = b.get((ch1, ch2), 0) + 1
    itos = vocab(words)
    return sorted(b.items(), key=lambda kv: (-kv[1], itos.index(kv[0][0]), itos.index(kv[0][1])))


def ngrams(words, itos, order):
    """The lecture's loop with a longer context: each word padded with order - 1 '.' in front and one
    behind, every window of `order` characters; returns the (context index, next index) of each."""
    stoi = {s: i for i, s in enumerate(itos)}
    xs, ys = [], []
    for w in words:
        chs = ["."] * (order - 1) + list(w) + ["."]
        for i in range(order - 1, len(chs)):
            context = 0
            for ch in chs[i - order + 1 : i]:
                context = context * len(itos) + stoi[ch]
            xs.append(context)
            ys.append(stoi[chs[i]])
    return torch.tensor(xs, dtype=torch.int64), torch.tensor(ys, dtype=torch.int64)


def train_order(words, itos, order, seed, steps, lr, reg):
    """The lecture's training loop on one-hot contexts: W (V**(order - 1), V), in float64."""
    g = torch.Generator().manual_seed(seed)
    W = torch.randn((len(itos) ** (order - 1), len(itos)), generator=g).double().requires_grad_()
    return descend(W, *ngrams(words, itos, order), steps, lr, reg)


def sample_order(P, itos, order, num, seed, max_len=100):
    """The lecture's sampling loop, keeping the last order - 1 characters as the context; P (V**(order-1), V)."""
    g = torch.Generator().manual_seed(seed)
    V, names = len(itos), []
    for _ in range(num):
        out, context = [], [0] * (order - 1)
        while len(out) < max_len:
            row = 0
            for ix in context:
                row = row * V + ix
            ix = torch.multinomial(P[row], num_samples=1, replacement=True, generator=g).item()
            if ix == 0:
                break
            out.append(itos[ix])
            context = (context + [ix])[1:]
        names.append("".join(out))
    return names
