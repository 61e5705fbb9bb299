"""The lecture's code, loop by loop: the oracle the fast model functions are checked against.

Deliberately plain: Python loops over every name and character, and the network trained
on one-hot inputs of every prediction, as in makemore part 1. Generalised to model.order
as the lecture's later parts pad (context = [0] * block_size): each name gets order - 1
'.' in front and one behind, and each character is predicted from the order - 1 before it,
its context; at order 2 every function is the lecture's bigram loop, zip(chs, chs[1:]).
A matrix has a row for each of the V**(order - 1) contexts, in the order of contexts():
a context's row is its characters read as base-V digits, the oldest first.
Last, interpolated modified Kneser-Ney (kneser_ney), the same way: its formulas over dicts of counts.
"""

import itertools
import math

import torch
import torch.nn.functional as F


def vocab(words):
    chars = sorted(set("".join(words)))
    return ["."] + chars


def contexts(itos, order=2):
    """Every context's label, in row order: the strings of order - 1 characters ('' at order 1)."""
    return ["".join(chs) for chs in itertools.product(itos, repeat=order - 1)]


def windows(w, order=2):
    """(context, next character) of each prediction in the word w: len(w) + 1 of them at every order."""
    chs = ["."] * (order - 1) + list(w) + ["."]
    return [("".join(chs[i - order + 1 : i]), chs[i]) for i in range(order - 1, len(chs))]


def row(context, stoi):
    """A context's row: its characters as base-V digits, the oldest most significant."""
    r = 0
    for ch in context:
        r = r * len(stoi) + stoi[ch]
    return r


def counts(words, itos, order=2):
    """N (V**(order - 1), V): how often each character follows each context."""
    stoi = {s: i for i, s in enumerate(itos)}
    N = torch.zeros((len(itos) ** (order - 1), len(itos)), dtype=torch.int64)
    for w in words:
        for context, ch in windows(w, order):
            N[row(context, stoi), stoi[ch]] += 1
    return N


def probabilities(N, alpha):
    """The lecture's P = (N + alpha).float(); P /= P.sum(1, keepdims=True), each row's sum taken
    exactly (in float64, then rounded to float32: no summation order of float32 is the lecture's).
    A row with nothing to normalise (alpha = 0, a context never seen) is uniform, 1/V: the limit
    of (0 + alpha) / (V * alpha) as alpha -> 0."""
    P = (N + alpha).float()
    totals = P.double().sum(1, keepdims=True).float()
    P /= totals
    P[totals[:, 0] == 0] = 1 / P.shape[1]
    return P


def nll(P, words, itos, order=2):
    """The lecture's log-likelihood loop (scores below), but each term in float64, summed exactly."""
    logprobs = [logprob for _, _, logprob in scores(P, words, itos, order)]
    return -math.fsum(logprobs) / len(logprobs)


def ngrams(words, itos, order=2):
    """The lecture's xs, ys: the (context row, next index) of every prediction, int64 tensors."""
    stoi = {s: i for i, s in enumerate(itos)}
    xs, ys = [], []
    for w in words:
        for context, ch in windows(w, order):
            xs.append(row(context, stoi))
            ys.append(stoi[ch])
    return torch.tensor(xs, dtype=torch.int64), torch.tensor(ys, dtype=torch.int64)


def loss(W, xs, ys, reg):
    """The lecture's forward pass: one-hot @ W, exp, normalise, mean -log p + reg * mean(W**2)."""
    return forward(W, F.one_hot(xs, num_classes=W.shape[0]).to(W.dtype), ys, reg)


def forward(W, xenc, ys, reg):
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    return -probs[torch.arange(len(ys)), ys].log().mean() + reg * (W**2).mean()


def descend(W, xs, ys, steps, lr, reg, rise=1e-12):
    """The lecture's training loop: `steps` of full-batch gradient descent on W, in place, each
    step that would raise the loss by more than `rise` of it taken again at half the rate. The
    one-hot inputs are the same every step: encoded once, and stored sparse, a single 1 in each
    row of V**(order - 1) columns (dense, order 3 would take a gigabyte)."""
    rows = torch.stack([torch.arange(len(xs)), xs])
    ones = torch.ones(len(xs), dtype=W.dtype)
    xenc = torch.sparse_coo_tensor(rows, ones, (len(xs), W.shape[0]), check_invariants=True)
    for _ in range(steps):
        out = forward(W, xenc, ys, reg)
        W.grad = None
        out.backward()
        while forward(W.detach() + -lr * W.grad, xenc, ys, reg) > out * (1 + rise):  # would raise the loss:
            lr /= 2  # the pipeline's one departure from the lecture, retaking the step at half the rate
        W.data += -lr * W.grad
    return W.detach()


def train(words, itos, seed, steps, lr, reg, order=2, dtype=torch.float32):
    """The lecture's network: W = torch.randn((V**(order - 1), V), generator=g), then descend, in dtype."""
    g = torch.Generator().manual_seed(seed)
    W = torch.randn((len(itos) ** (order - 1), len(itos)), generator=g).to(dtype).requires_grad_()
    return descend(W, *ngrams(words, itos, order), steps, lr, reg)


def sample(P, itos, num, seed, max_len=None, order=2):
    """The lecture's sampling loop, the context the last order - 1 characters drawn ('.' before the
    first); a name stops after max_len characters, if given. P (V**(order - 1), V)."""
    g = torch.Generator().manual_seed(seed)
    names = []
    for _ in range(num):
        out = []
        context = [0] * (order - 1)
        while max_len is None or len(out) < max_len:
            ix = 0
            for c in context:
                ix = ix * len(itos) + c
            p = P[ix]
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
            if ix == 0:
                break
            out.append(itos[ix])
            context = (context + [ix])[1:]
        names.append("".join(out))
    return names


def scores(P, words, itos, order=2):
    """The lecture's scoring loop: (context + next, prob, logprob) of every prediction in every word;
    log 0 is -inf."""
    stoi = {s: i for i, s in enumerate(itos)}
    out = []
    for w in words:
        for context, ch in windows(w, order):
            prob = float(P[row(context, stoi), stoi[ch]])
            out.append((context + ch, prob, math.log(prob) if prob > 0 else -math.inf))
    return out


def top_bigrams(words, order=2):
    """The lecture's bigram dict b, of every (context, next), sorted by count as the lecture sorts it;
    ties in vocabulary order, the context first."""
    b = {}
    for w in words:
        for context, ch in windows(w, order):
            b[(context, ch)] = b.get((context, ch), 0) + 1
    rank = {ch: i for i, ch in enumerate(vocab(words))}
    return sorted(b.items(), key=lambda kv: (-kv[1], [rank[ch] for ch in kv[0][0]], rank[kv[0][1]]))


# The sparse tables: only the contexts and n-grams that occur, as dicts looped over.


def ngram_counts(words, order=2):
    """The lecture's dict b: {(context, next): how often it occurs}, over every word."""
    b = {}
    for w in words:
        for context, ch in windows(w, order):
            b[(context, ch)] = b.get((context, ch), 0) + 1
    return b


def long_counts(words, itos, order=2):
    """[(context, next, count), ...]: one row per n-gram that occurs in words, sorted by the context's
    row (contexts()), then by the next character's index."""
    stoi = {s: i for i, s in enumerate(itos)}
    rows = [(context, ch, n) for (context, ch), n in ngram_counts(words, order).items()]
    return sorted(rows, key=lambda r: (row(r[0], stoi), stoi[r[1]]))


def seen_contexts(words, itos, order=2):
    """The contexts that occur in words, sorted by row: the rows of a sparse table."""
    stoi = {s: i for i, s in enumerate(itos)}
    return sorted({context for w in words for context, _ in windows(w, order)}, key=lambda c: row(c, stoi))


def train_rows(words, itos, seed, steps, lr, reg, order=2, dtype=torch.float32):
    """The lecture's exercise E04 as a loop: W = torch.randn((C, V), generator=g), a row for each of the
    C contexts the words have (seen_contexts), each prediction's one-hot over those C rows; then descend.
    Returns (contexts, W). A context the words never have gets no row: the network predicts it uniformly."""
    contexts = seen_contexts(words, itos, order)
    at = {context: i for i, context in enumerate(contexts)}
    stoi = {s: i for i, s in enumerate(itos)}
    pairs = [(at[context], stoi[ch]) for w in words for context, ch in windows(w, order)]
    xs, ys = (torch.tensor(v, dtype=torch.int64) for v in zip(*pairs, strict=True))
    g = torch.Generator().manual_seed(seed)
    W = torch.randn((len(contexts), len(itos)), generator=g).to(dtype).requires_grad_()
    return contexts, descend(W, xs, ys, steps, lr, reg)


def full_rows(contexts, W, itos, order=2):
    """W (C, V) of the contexts (labels) spread over every context's row, (V**(order - 1), V): zeros
    elsewhere, the row whose softmax is uniform."""
    stoi = {s: i for i, s in enumerate(itos)}
    full = torch.zeros((len(itos) ** (order - 1), len(itos)), dtype=torch.as_tensor(W).dtype)
    for i, context in enumerate(contexts):
        full[row(context, stoi)] = torch.as_tensor(W[i])
    return full


# Interpolated modified Kneser-Ney (Chen & Goodman 1998, as KenLM's lmplz estimates it), straight
# from its formulas: dicts of counts keyed by tuples of tokens, looped over. A name is the tokens
# <s>, its characters, </s>; '.' stands for <s> in a history and for </s> as the next token.

BOS, EOS = "<s>", "</s>"
FALLBACK = (0.5, 1.0, 1.5)  # lmplz's D1, D2, D3+ for a level whose own are undefined or out of range


def kn_raw_counts(names, order):
    """{n-gram: c(g)} of every m-gram g = s[t-m+1 .. t], m = 1..order, t >= 1, t-m+1 >= 0, over every
    name's tokens s = [<s>, *name, </s>]."""
    c = {}
    for name in names:
        s = [BOS, *name, EOS]
        for t in range(1, len(s)):
            for m in range(1, order + 1):
                if t - m + 1 >= 0:
                    g = tuple(s[t - m + 1 : t + 1])
                    c[g] = c.get(g, 0) + 1
    return c


def kn_adjusted_counts(names, order):
    """{n-gram: a(g)}: c(g) at the highest level and for an n-gram that starts with <s>; below, the
    continuation count N1+(. g), the number of distinct tokens x such that x + g occurs."""
    c = kn_raw_counts(names, order)
    before = {}  # {g: the tokens x seen right before g}
    for g in c:
        if len(g) > 1:
            before.setdefault(g[1:], set()).add(g[0])
    return {g: n if len(g) == order or g[0] == BOS else len(before[g]) for g, n in c.items()}


def kn_discounts(adjusted, m):
    """((D1, D2, D3+), fallen_back) of level m from the counts of counts n1..n4 of its adjusted counts:
    Chen & Goodman's eq. 26, or FALLBACK if n1, n2 or n3 is 0 or some D_i is outside (0, i]."""
    n = {i: 0 for i in (1, 2, 3, 4)}
    for g, a in adjusted.items():
        if len(g) == m and a in n:
            n[a] += 1
    if n[1] == 0 or n[2] == 0 or n[3] == 0:
        return FALLBACK, True
    Y = n[1] / (n[1] + 2 * n[2])
    D = (1 - 2 * Y * n[2] / n[1], 2 - 3 * Y * n[3] / n[2], 3 - 4 * Y * n[4] / n[3])
    if not (0 < D[0] <= 1 and 0 < D[1] <= 2 and 0 < D[2] <= 3):
        return FALLBACK, True
    return D, False


def kneser_ney(names, order, itos):
    """prob(history, next): the model's probability of next after history, a string (or a sequence)
    of at most order - 1 characters, '.' for <s>, as p_{len(history) + 1}(next | history); a padded
    context of reference.windows works as it is (its leading '.' back off to one <s>, as no n-gram
    has two). next is a character of itos, '.' for </s>.

        p_0(w) = 1 / V
        p_m(w | h) = max(a(h w) - D(a(h w)), 0) / sum_w' a(h w') + gamma(h) * p_{m-1}(w | h[1:])
        gamma(h) = sum over w' with a(h w') > 0 of D(a(h w')) / sum_w' a(h w')
        p_m(w | h) = p_{m-1}(w | h[1:])   if no a(h w') > 0 (h unseen)
    """
    V = len(itos)
    adjusted = kn_adjusted_counts(names, order)
    D = {m: kn_discounts(adjusted, m)[0] for m in range(1, order + 1)}
    total, discounted = {}, {}  # {h: sum_w' a(h w')}, {h: sum_w' D(a(h w'))}
    for g, a in adjusted.items():
        h = g[:-1]
        total[h] = total.get(h, 0) + a
        discounted[h] = discounted.get(h, 0) + D[len(g)][min(a, 3) - 1]

    def p(h, w):  # p_m(w | h), m = len(h) + 1
        m = len(h) + 1
        lower = p(h[1:], w) if h else 1 / V  # p_{m-1}(w | h[1:]); p_0 below level 1
        if total.get(h, 0) == 0:
            return lower
        a = adjusted.get((*h, w), 0)
        mine = max(a - D[m][min(a, 3) - 1], 0) / total[h] if a else 0.0
        return mine + discounted[h] / total[h] * lower

    def prob(history, next_char):
        assert len(history) <= order - 1 and next_char in itos
        h = tuple(BOS if ch == "." else ch for ch in history)
        return p(h, EOS if next_char == "." else next_char)

    return prob
