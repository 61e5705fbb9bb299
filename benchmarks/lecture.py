"""The lecture's code (makemore part 1) doing the pipeline's job: the benchmark's baseline.

With the defaults of params.yaml, the lecture's way: Python loops over every character to count
and to evaluate the counts model; the lecture's pyplot figure of the counts, two texts per cell,
saved as the notebook's inline backend shows it (72 dpi, tight bounding box); one_hot(x) @ W
over every training bigram at each of the 100 gradient steps; the multinomial loops to sample.
Where the lecture has no code for a stage's job it uses its nearest idiom: makemore part 2's
shuffle and 80/10/10 cut to split, the network's forward pass to evaluate the network.

    python -m benchmarks.lecture NAMES_FILE

runs it all in one process and prints one JSON object: {"seconds": {step: seconds}}, a step
"X" or "X: detail" being the lecture's code for the pipeline's stage X.
"""

import json
import os
import random
import sys
import tempfile
import time

import matplotlib
import torch
import torch.nn.functional as F

matplotlib.use("Agg")  # no screen: the inline backend draws with Agg too
import matplotlib.pyplot as plt  # noqa: E402


def counts(words, stoi):
    N = torch.zeros((len(stoi), len(stoi)), dtype=torch.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
    return N


def heatmap(N, itos, path):
    plt.figure(figsize=(16, 16))
    plt.imshow(N, cmap="Blues")
    for i in range(len(itos)):
        for j in range(len(itos)):
            plt.text(j, i, itos[i] + itos[j], ha="center", va="bottom", color="gray")
            plt.text(j, i, N[i, j].item(), ha="center", va="top", color="gray")
    plt.axis("off")
    plt.savefig(path, dpi=72, bbox_inches="tight")
    plt.close()


def bigrams(words, stoi):
    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    return torch.tensor(xs), torch.tensor(ys)


def forward(W, xs):
    xenc = F.one_hot(xs, num_classes=W.shape[0]).float()
    counts = (xenc @ W).exp()
    return counts / counts.sum(1, keepdims=True)


def train(words, stoi, steps=100, lr=50, reg=0.01):
    xs, ys = bigrams(words, stoi)
    W = torch.randn((len(stoi), len(stoi)), generator=torch.Generator().manual_seed(2147483647), requires_grad=True)
    for _ in range(steps):
        loss = -forward(W, xs)[torch.arange(xs.nelement()), ys].log().mean() + reg * (W**2).mean()
        W.grad = None
        loss.backward()
        W.data += -lr * W.grad
    return W.detach()


def counts_nll(P, words, stoi):
    log_likelihood, n = 0.0, 0
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            log_likelihood += torch.log(P[stoi[ch1], stoi[ch2]])
            n += 1
    return (-log_likelihood / n).item()


def network_nll(W, words, stoi):
    xs, ys = bigrams(words, stoi)
    return -forward(W, xs)[torch.arange(xs.nelement()), ys].log().mean().item()


def sample(P, itos, num=20, max_len=100):
    g = torch.Generator().manual_seed(2147483647)
    names = []
    for _ in range(num):
        out, ix = [], 0
        while len(out) < max_len:
            ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
            if ix == 0:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return names


def main(path):
    seconds, clock = {}, [time.perf_counter()]

    def lap(step):
        seconds[step] = time.perf_counter() - clock[0]
        clock[0] = time.perf_counter()

    words = open(path, encoding="utf-8").read().splitlines()
    random.seed(42)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    splits = {"train": words[:n1], "val": words[n1:n2], "test": words[n2:]}
    itos = ["."] + sorted(set("".join(words)))
    stoi = {s: i for i, s in enumerate(itos)}
    lap("prepare")
    N = {split: counts(split_words, stoi) for split, split_words in splits.items()}
    lap("count")
    with tempfile.TemporaryDirectory() as tmp:
        heatmap(N["train"], itos, os.path.join(tmp, "counts.png"))
    lap("heatmap")
    P = (N["train"] + 1).float()
    P /= P.sum(1, keepdims=True)
    lap("smooth")
    W = train(splits["train"], stoi)
    lap("train_nn")
    with torch.no_grad():
        for split_words in splits.values():
            counts_nll(P, split_words, stoi), network_nll(W, split_words, stoi)
        lap("evaluate")
        sample(P, itos), sample(forward(W, torch.arange(len(itos))), itos)
    lap("sample")
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main(sys.argv[1])
