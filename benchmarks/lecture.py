"""The lecture's code (makemore part 1) doing the pipeline's job: the baseline of the benchmark.

Each function is one of the pipeline's stages written the lecture's way, with the defaults
of params.yaml: Python loops over every character to count, and to evaluate the counts
model; one_hot(x) @ W over every training bigram at each of the 100 gradient steps; the
lecture's multinomial loops to sample. Where the lecture has no code for a stage's task it
uses the nearest lecture idiom: makemore part 2's shuffle and 80/10/10 cut for the split,
and the network's own forward pass to evaluate the network on each split.

    python -m benchmarks.lecture NAMES_FILE

runs every stage in one process, as someone following the lecture would, and prints one
JSON object: the seconds spent importing torch and in each stage, the number of bigrams,
and the process's peak memory right after the import, in MB.
"""
import json
import random
import resource
import sys
import time

_start = time.perf_counter()
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _start
RSS_AFTER_IMPORT_MB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB


def prepare(path, seed=42):
    """(splits, stoi, itos): the names of `path` shuffled and cut 80/10/10, and the vocabulary."""
    with open(path, "r") as f:
        words = f.read().splitlines()
    chars = sorted(list(set("".join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    random.seed(seed)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return {"train": words[:n1], "val": words[n1:n2], "test": words[n2:]}, stoi, itos


def count(words, stoi):
    """N (V, V) int32, one bigram at a time."""
    N = torch.zeros((len(stoi), len(stoi)), dtype=torch.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            N[ix1, ix2] += 1
    return N


def smooth(N, alpha=1):
    """P (V, V) float32: add-alpha smoothing, each row normalised."""
    P = (N + alpha).float()
    P /= P.sum(1, keepdims=True)
    return P


def bigrams(words, stoi):
    """(xs, ys): the index of the first and of the second character of every bigram."""
    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    return torch.tensor(xs), torch.tensor(ys)


def train(words, stoi, steps=100, lr=50, reg=0.01, seed=2147483647):
    """(W, losses): full-batch gradient descent on one_hot(xs) @ W over every bigram of `words`."""
    xs, ys = bigrams(words, stoi)
    num = xs.nelement()
    g = torch.Generator().manual_seed(seed)
    W = torch.randn((len(stoi), len(stoi)), generator=g, requires_grad=True)
    losses = []
    for k in range(steps):
        xenc = F.one_hot(xs, num_classes=len(stoi)).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + reg * (W**2).mean()
        losses.append(loss.item())
        W.grad = None
        loss.backward()
        W.data += -lr * W.grad
    return W, losses


def counts_nll(P, words, stoi):
    """Mean NLL per bigram of `words` under P, by the lecture's log-likelihood loop."""
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


def network_nll(W, words, stoi):
    """Mean NLL per bigram of `words` under the network, by its forward pass over every bigram."""
    xs, ys = bigrams(words, stoi)
    with torch.no_grad():
        xenc = F.one_hot(xs, num_classes=len(stoi)).float()
        counts = (xenc @ W).exp()
        probs = counts / counts.sum(1, keepdims=True)
        return -probs[torch.arange(xs.nelement()), ys].log().mean().item()


def evaluate(P, W, splits, stoi):
    """{model: {split: NLL}} for both models on every split."""
    return {
        "counts": {split: counts_nll(P, words, stoi) for split, words in splits.items()},
        "nn": {split: network_nll(W, words, stoi) for split, words in splits.items()},
    }


def sample_counts(P, itos, num=20, seed=2147483647):
    """`num` names drawn from the rows of P."""
    g = torch.Generator().manual_seed(seed)
    names = []
    for i in range(num):
        out = []
        ix = 0
        while True:
            p = P[ix]
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
            out.append(itos[ix])
            if ix == 0:
                break
        names.append("".join(out))
    return names


def sample_network(W, itos, num=20, seed=2147483647):
    """`num` names drawn from the network, one forward pass per character."""
    g = torch.Generator().manual_seed(seed)
    names = []
    for i in range(num):
        out = []
        ix = 0
        while True:
            xenc = F.one_hot(torch.tensor([ix]), num_classes=len(itos)).float()
            logits = xenc @ W
            counts = logits.exp()
            p = counts / counts.sum(1, keepdims=True)
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
            out.append(itos[ix])
            if ix == 0:
                break
        names.append("".join(out))
    return names


def main(path):
    """Run every stage on the names in `path`; print the JSON report described in the module docstring."""
    seconds = {}
    clock = time.perf_counter()

    def lap(stage):
        nonlocal clock
        now = time.perf_counter()
        seconds[stage], clock = now - clock, now

    splits, stoi, itos = prepare(path)
    lap("prepare")
    N = {split: count(words, stoi) for split, words in splits.items()}
    lap("count")
    P = smooth(N["train"])
    lap("smooth")
    W, _ = train(splits["train"], stoi)
    lap("train_nn")
    evaluate(P, W, splits, stoi)
    lap("evaluate")
    with torch.no_grad():
        sample_counts(P, itos), sample_network(W, itos)
    lap("sample")

    print(json.dumps({
        "import_torch": IMPORT_SECONDS,
        "stages": seconds,
        "bigrams": sum(int(n.sum()) for n in N.values()),
        "rss_after_import_mb": RSS_AFTER_IMPORT_MB,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
