"""The lecture's code (makemore part 1) doing the pipeline's job: the baseline of the benchmark.

Every stage the lecture's way, with the defaults of params.yaml: Python loops over every
character to count, and to evaluate the counts model; the lecture's pyplot figure of the
counts, two texts per cell, saved as the notebook's inline backend shows it (a PNG at 72 dpi,
tight bounding box); one_hot(x) @ W over every training bigram at each of the 100 gradient
steps; the lecture's multinomial loops to sample. The
loops the tests check the pipeline against come from tests/reference.py; this adds the
lecture's float32 log-likelihood loop and the network's forward pass. Where the lecture has
no code for a stage's task it uses the nearest lecture idiom: makemore part 2's shuffle and
80/10/10 cut for the split, and the network's forward pass to evaluate it on each split.

    python -m benchmarks.lecture NAMES_FILE

runs every stage in one process, as someone following the lecture would, and prints one
JSON object: the seconds spent importing torch and matplotlib and in each stage, the number
of bigrams, and the process's peak memory right after the imports, in MB.
"""
import json
import os
import random
import resource
import sys
import tempfile
import time

_start = time.perf_counter()
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")  # no screen: the inline backend draws with Agg too
import matplotlib.pyplot as plt  # noqa: E402

from tests import reference  # noqa: E402  the lecture's loops: counting, P, training, sampling

IMPORT_SECONDS = time.perf_counter() - _start
RSS_AFTER_IMPORT_MB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB


def prepare(path, seed=42):
    """(splits, itos): the names of `path` shuffled and cut 80/10/10, and the vocabulary."""
    with open(path, "r") as f:
        words = f.read().splitlines()
    random.seed(seed)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return {"train": words[:n1], "val": words[n1:n2], "test": words[n2:]}, reference.vocab(words)


def heatmap(N, itos, path):
    """The lecture's figure of the counts N, as the notebook shows it: a PNG at 72 dpi, tight bounding box."""
    plt.figure(figsize=(16, 16))
    plt.imshow(N, cmap="Blues")
    for i in range(len(itos)):
        for j in range(len(itos)):
            chstr = itos[i] + itos[j]
            plt.text(j, i, chstr, ha="center", va="bottom", color="gray")
            plt.text(j, i, N[i, j].item(), ha="center", va="top", color="gray")
    plt.axis("off")
    plt.savefig(path, dpi=72, bbox_inches="tight")
    plt.close()


def counts_nll(P, words, itos):
    """Mean NLL per bigram of `words` under P, by the lecture's log-likelihood loop (float32 sum)."""
    stoi = {s: i for i, s in enumerate(itos)}
    log_likelihood = 0.0
    n = 0
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            prob = P[ix1, ix2]
            logprob = torch.log(prob)
            log_likelihood += logprob
            n += 1
    return (-log_likelihood / n).item()


def network_probs(W, xs):
    """The lecture's forward pass: probabilities of the next character after each index in xs."""
    xenc = F.one_hot(xs, num_classes=W.shape[0]).float()
    counts = (xenc @ W).exp()
    return counts / counts.sum(1, keepdims=True)


def network_nll(W, words, itos):
    """Mean NLL per bigram of `words` under the network, by its forward pass over every bigram."""
    xs, ys = reference.bigrams(words, itos)
    return -network_probs(W, xs)[torch.arange(xs.nelement()), ys].log().mean().item()


def evaluate(P, W, splits, itos):
    """{model: {split: NLL}} for both models on every split."""
    return {
        "counts": {split: counts_nll(P, words, itos) for split, words in splits.items()},
        "nn": {split: network_nll(W, words, itos) for split, words in splits.items()},
    }


def main(path):
    """Run every stage on the names in `path`; print the JSON report described in the module docstring."""
    seconds = {}
    clock = time.perf_counter()

    def lap(stage):
        nonlocal clock
        now = time.perf_counter()
        seconds[stage], clock = now - clock, now

    splits, itos = prepare(path)
    lap("prepare")
    N = {split: reference.counts(words, itos) for split, words in splits.items()}
    lap("count")
    with tempfile.TemporaryDirectory() as tmp:
        heatmap(N["train"], itos, os.path.join(tmp, "counts.png"))
    lap("count: heatmap PNG")  # the row of the pipeline's heatmap, timed apart from count there too
    P = reference.probabilities(N["train"], alpha=1)
    lap("smooth")
    W = reference.train(splits["train"], itos, seed=2147483647, steps=100, lr=50, reg=0.01)
    lap("train_nn")
    with torch.no_grad():
        evaluate(P, W, splits, itos)
    lap("evaluate")
    with torch.no_grad():
        reference.sample(P, itos, num=20, seed=2147483647)
        reference.sample(network_probs(W, torch.arange(len(itos))), itos, num=20, seed=2147483647)
    lap("sample")

    print(json.dumps({
        "imports": IMPORT_SECONDS,
        "stages": seconds,
        "bigrams": sum(int(n.sum()) for n in N.values()),
        "rss_after_import_mb": RSS_AFTER_IMPORT_MB,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
