"""score: names scored bigram by bigram under every model, as the lecture prints them.

Scores the corpus's first score.first names (the lecture's words[:3]) and then params.yaml's
score.names, and writes their metrics and, one row per bigram, the data of the bar chart.
Names are lowercased exactly when prepare.lowercase lowercases the corpus; a name the corpus
cannot spell is reported and left out. For any names, by hand: python -m stages.score_cli (stages/score_cli.py).
"""

import sys

import numpy as np

from stages import cli, formats, names, params, trained
from stages.model import corpus, evaluation


def spellable(names, itos, lowercase):
    """(names to score, [(name, why not)]): each name stripped and, if lowercase, lowercased, as
    prepare reads the corpus; each once; one that is empty or has a character outside itos is left out."""
    vocab, ok, refused = set(itos[1:]), [], []
    for given in names:
        name = given.strip().lower() if lowercase else given.strip()
        missing = next((ch for ch in name if ch not in vocab), None)
        if not name:
            refused.append((given, "an empty name"))
        elif corpus.BOUNDARY in name:
            refused.append((given, f"it contains {corpus.BOUNDARY!r}, the word boundary token"))
        elif missing is not None:
            refused.append((given, f"character {missing!r} is not in this corpus's vocabulary"))
        elif name not in ok:
            ok.append(name)
    return ok, refused


def bigram_table(names, itos, probs, order=2):
    """One row per prediction in every name, len(name) + 1 each:
    (name, position, context + next, {model: (probability, log-probability)}). Every name is spellable."""
    rows = []
    for name in names:
        ctx, nxt = corpus.contexts([name], itos, order)  # (len(name) + 1,) each
        scored = {model: evaluation.logprobs(P, ctx, nxt) for model, P in probs.items()}
        labels = corpus.context_labels(ctx, itos, order)
        for k in range(len(ctx)):
            by_model = {model: (float(p[k]), float(lp[k])) for model, (p, lp) in scored.items()}
            rows.append((name, k, labels[k] + itos[nxt[k]], by_model))
    return rows


def totals(logprobs):
    """(log-likelihood, mean NLL) of some bigrams' log-probabilities, as the lecture sums them."""
    log_likelihood = float(np.sum(logprobs))
    return log_likelihood, -log_likelihood / len(logprobs)


def metrics_of(rows, model):
    """A name's metrics under one model; infinite values are written as strings, as in eval.json."""
    logprobs = [row[3][model][1] for row in rows]
    log_likelihood, nll = totals(logprobs)
    return {
        "log_likelihood": log_likelihood,
        "nll": nll,
        "bigrams": len(logprobs),
        "zero_prob": sum(lp == -np.inf for lp in logprobs),
    }


def report(refused, where):
    """Say on stderr which names were left out and why."""
    for name, why in refused:
        print(f"warning: {where}{name!r} is not scored: {why}", file=sys.stderr)


def main(vocab_json, model_arpa, nn_dir, score_json, score_csv):
    prepare = params.load("prepare")  # names are read as prepare read the corpus
    cfg = params.load("score")
    itos, order, probs = trained.load(vocab_json, model_arpa, nn_dir)
    first = names.read_names(prepare["names_file"], prepare["lowercase"], limit=cfg["first"])
    scored, refused = spellable(first + cfg["names"], itos, prepare["lowercase"])
    report(refused, "params.yaml: score.names: ")

    per_name = {name: bigram_table([name], itos, probs, order) for name in scored}
    rows = [row for name in scored for row in per_name[name]]
    scores = {name: {model: metrics_of(name_rows, model) for model in probs} for name, name_rows in per_name.items()}
    formats.write_json(score_json, scores)
    columns = ["name", "position", "bigram", *(f"{model}_{x}" for model in probs for x in ("prob", "logprob"))]
    cells = [(*row[:3], *(x if x != -np.inf else None for model in probs for x in row[3][model])) for row in rows]
    formats.write_table(score_csv, columns, cells)  # log 0 as an empty cell: a bar chart can't draw -inf
    for name, by_model in scores.items():
        print(f"{name}: " + ", ".join(f"{model} NLL {m['nll']:.4f}" for model, m in by_model.items()))


if __name__ == "__main__":
    cli.run(main)
