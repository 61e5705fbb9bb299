"""The counts model as an ARPA file, the n-gram format KenLM, SRILM and speech and spelling
tools read, and back (stages/model/backoff.py holds the model).

Each line is log10 p, the n-gram's tokens separated by spaces, and, below the highest order,
the log10 back-off weight of the n-gram as a history. Tokens are characters; '.' is <s> first
in a history and </s> as the next token; a space is written <space>, as ARPA separates tokens
with it; <unk> is listed with probability 0 (-99, as SRILM writes log 0): the model gives all
its mass to the vocabulary. log10 values are written with repr's 17 digits, so reading the file
gives back every probability the pipeline computed, to float32.
"""

import math

import numpy as np

from stages import files
from stages.cli import InputError
from stages.model import backoff, counting

SPACE = "<space>"
LOG_ZERO = -99.0  # log10 of probability 0, as SRILM writes it
MAX_LOG10 = 300  # a larger back-off weight would overflow a float


def token(ch):
    return SPACE if ch == " " else ch


def _log10(x):
    return repr(math.log10(x)) if x > 0 else repr(LOG_ZERO)


def lines(model, itos):
    """The ARPA file's lines for a backoff.Model over the vocabulary itos.

    ARPA lists every history as an n-gram one level down, and so every prefix of a listed
    n-gram; where the model lists none, the line has the probability the model gives.
    """
    sections = []
    for m, ids in enumerate(_written(model), start=1):
        probs, words = _probs(model, m, ids).tolist(), _words(ids, m, itos)
        weights = _weights(model, m, ids)  # None at the highest level: nothing backs off to a longer history
        if m == 1:  # never predicted, so probability 0: <unk>, and <s>, whose line holds history 0's weight
            probs, words = [0.0, 0.0, *probs], ["<unk>", "<s>", *words]
            weights = weights and [1.0, weights[0], 1.0, *weights[1:]]  # id 0 is </s> as a token, <s> as a history
        columns = [map(_log10, probs), words] + ([map(_log10, weights)] if weights else [])
        sections.append(["\t".join(fields) for fields in zip(*columns, strict=True)])
    out = ["\\data\\", *(f"ngram {m}={len(body)}" for m, body in enumerate(sections, start=1)), ""]
    for m, body in enumerate(sections, start=1):
        out += [f"\\{m}-grams:", *body, ""]
    return out + ["\\end\\"]


def _weights(model, m, ids):
    """[the back-off weight of each m-gram ids (G,) as a history of level m + 1, 1 where it is
    none], or None at the highest level."""
    if m == model.order:
        return None
    above = model.levels[m]
    at, found = counting.find(above.histories, ids)
    weights = np.ones(len(ids))
    weights[found] = above.backoffs[at[found]]
    return weights.tolist()


def _written(model):
    """[ids (G_m,) sorted for m = 1..order]: each level's lines. Every token at level 1; above,
    the level's n-grams, its histories one level up, and the prefixes and suffixes of the lines
    one level up (KenLM looks an n-gram's suffix up as it scores)."""
    V, k = model.V, model.order
    written = [model.levels[k - 1].ngrams] if k > 1 else []
    for m in range(k - 1, 1, -1):
        parts = [model.levels[m - 1].ngrams, model.levels[m].histories, written[0] // V, written[0] % V**m]
        written.insert(0, np.unique(np.concatenate(parts)))
    return [np.arange(V), *written]


def _probs(model, m, ids, chunk=2**16):
    """(G,) float64: the model's probability of each m-gram ids (G,): the level's own where it
    lists it, else by back-off, a chunk of rows at a time."""
    V, level = model.V, model.levels[m - 1]
    at, found = counting.find(level.ngrams, ids)
    probs = np.zeros(len(ids))
    probs[found] = level.probs[at[found]]
    missing = np.flatnonzero(~found)
    for start in range(0, len(missing), chunk):
        i = missing[start : start + chunk]
        rows = backoff.probabilities(model, ids[i] // V, np.full(len(i), m))  # (chunk, V)
        probs[i] = rows[np.arange(len(i)), ids[i] % V]
    return probs


def _words(ids, m, itos):
    """The tokens of m-grams (G,) numbered corpus.py's way: '.' is </s> last, <s> first."""
    V = len(itos)
    tokens = [token(ch) for ch in itos]
    first, last = ["<s>", *tokens[1:]], ["</s>", *tokens[1:]]
    columns = [  # the i-th token of every m-gram, one column at a time
        [(last if i == m - 1 else first)[d] for d in (ids // V ** (m - 1 - i) % V).tolist()] for i in range(m)
    ]
    return [" ".join(words) for words in zip(*columns, strict=True)]


def write(path, model, itos):
    files.write_lines(path, lines(model, itos))


def read(path, itos):
    """The backoff.Model an ARPA file states, over the vocabulary itos (<unk> aside); an
    InputError names the file and line of anything it cannot read."""
    index = {token(ch): i for i, ch in enumerate(itos) if i} | {"<s>": 0, "</s>": 0}
    levels = []  # per level: its n-grams and log10 probabilities, the next level's histories and weights
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if line == "\\end\\":
                    break
                if line.startswith("\\") and line.endswith("-grams:"):
                    levels.append(([], [], [], []))
                elif levels and line:
                    _parse(line, len(levels), index, len(itos), levels[-1], f"{path}:{lineno}")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; run dvc repro first") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    if not levels:
        raise InputError(f"{path}: not an ARPA file (no \\1-grams: section)")
    # a line's back-off weight is its n-gram's as a history one level up; level 1 backs off from nothing
    shifted = [([0], [0.0])] + [(histories, bos) for _, _, histories, bos in levels[:-1]]
    return backoff.Model([_level(g, p, *up) for (g, p, _, _), up in zip(levels, shifted, strict=True)], len(itos))


def _parse(line, m, index, V, level, where):
    """Add one line of m-grams to its level's lists."""
    fields = line.split("\t")
    words = fields[1].split(" ") if len(fields) > 1 else []
    if len(fields) not in (2, 3) or len(words) != m:
        raise InputError(f"{where}: not a line of {m}-grams (log10 p, tab, {m} tokens, [tab, log10 back-off])")
    if words == ["<unk>"]:
        return
    try:
        g = 0
        for w in words:
            g = g * V + index[w]
        logp, logbo = float(fields[0]), float(fields[2]) if len(fields) == 3 else None
    except KeyError as e:
        raise InputError(f"{where}: token {e.args[0]!r} is not in this corpus's vocabulary") from None
    except ValueError:
        raise InputError(f"{where}: not a number: {line!r}") from None
    if not logp <= 0:  # NaN fails it too
        raise InputError(f"{where}: log10 probability {fields[0]} is not a number <= 0")
    if logbo is not None and not logbo <= MAX_LOG10:
        raise InputError(f"{where}: log10 back-off weight {fields[2]} is not a number <= {MAX_LOG10}")
    ngrams, probs, histories, bos = level
    if words != ["<s>"]:  # <s> is never predicted: its line holds only its weight as a history
        ngrams.append(g)
        probs.append(logp)
    if logbo is not None and words[-1] != "</s>":
        histories.append(g)
        bos.append(logbo)


def _power10(logs):
    """10**x of each log10 (libm's, the same on every CPU); LOG_ZERO gives 0."""
    return np.array([0.0 if x <= LOG_ZERO else 10.0**x for x in logs], dtype=np.float64)


def _level(ngrams, probs, histories, bos):
    ngrams, histories = np.array(ngrams, dtype=np.int64), np.array(histories, dtype=np.int64)
    by_gram, by_history = np.argsort(ngrams), np.argsort(histories)
    return backoff.Level(ngrams[by_gram], _power10(probs)[by_gram], histories[by_history], _power10(bos)[by_history])
