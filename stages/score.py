"""score: names scored bigram by bigram under every model, as the lecture prints them.

In the pipeline, dvc.yaml passes the paths: score the corpus's first score.first names (the
lecture's words[:3]) and then params.yaml's score.names, write their metrics and, one row per
bigram, the data of the bar chart. Names are lowercased exactly when prepare.lowercase
lowercases the corpus; a name the corpus cannot spell is reported and left out.
By hand, for any names, from the pipeline's outputs: python -m stages.score emma andrejq
"""

import argparse
import os
import shlex
import sys

import numpy as np
import yaml

from stages import arpa, files, params
from stages.model import corpus, evaluation, models

OPTIONS = ("vocab", "model", "nn", "metrics", "table")


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


def print_table(rows, model_names):
    """The lecture's printout, per model: each bigram's probability and log-probability, then the totals."""
    for model in model_names:
        print(f"{model} model")
        for _, _, bigram, by_model in rows:
            print(f"{bigram}: {by_model[model][0]:.4f} {by_model[model][1]:.4f}")
        log_likelihood, nll = totals([row[3][model][1] for row in rows])
        print(f"log_likelihood={log_likelihood:.4f}\nnll={nll:.4f}\n")


def load(vocab_json, model_arpa, nn_dir):
    """(itos, {model: rows}, order) from the pipeline's outputs; a missing one says to run dvc repro."""
    for path in (vocab_json, model_arpa, os.path.join(nn_dir, "W.npy")):
        try:
            open(path, "rb").close()
        except FileNotFoundError:
            raise files.InputError(f"{path}: no such file; run dvc repro first") from None
    itos = files.read_json(vocab_json)
    counts = arpa.read(model_arpa, itos)
    return itos, models.rows(counts, files.read_W(nn_dir, itos, counts.order)), counts.order


def report(refused, where):
    """Say on stderr which names were left out and why."""
    for name, why in refused:
        print(f"warning: {where}{name!r} is not scored: {why}", file=sys.stderr)


def main(names, vocab, model, nn, metrics, table):
    prepare = params.load("prepare")  # names are read as prepare read the corpus
    itos, probs, order = load(vocab, model, nn)
    if names:  # by hand: print the table, write nothing; exit 1 if a name was left out
        names, refused = spellable(names, itos, prepare["lowercase"])
        if names:
            print_table(bigram_table(names, itos, probs, order), probs)
        if refused:
            report(refused, "")
            raise files.InputError(f"{len(refused)} of the names given are not scored")
        return
    cfg = params.load("score")
    first = files.read_names(prepare["names_file"], prepare["lowercase"], limit=cfg["first"])
    names, refused = spellable(first + cfg["names"], itos, prepare["lowercase"])
    report(refused, "params.yaml: score.names: ")

    per_name = {name: bigram_table([name], itos, probs, order) for name in names}
    rows = [row for name in names for row in per_name[name]]
    scores = {name: {model: metrics_of(name_rows, model) for model in probs} for name, name_rows in per_name.items()}
    files.write_json(metrics, scores)
    columns = ["name", "position", "bigram", *(f"{model}_{x}" for model in probs for x in ("prob", "logprob"))]
    cells = [(*row[:3], *(x if x != -np.inf else None for model in probs for x in row[3][model])) for row in rows]
    files.write_table(table, columns, cells)  # log 0 as an empty cell: a bar chart can't draw -inf
    for name, by_model in scores.items():
        print(f"{name}: " + ", ".join(f"{model} NLL {m['nll']:.4f}" for model, m in by_model.items()))


def parser():
    p = argparse.ArgumentParser(
        prog="python -m stages.score", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("names", nargs="*", help="names to print the table for; none: the pipeline's run")
    for option in OPTIONS:
        p.add_argument(f"--{option}", help="given by dvc.yaml's cmd")
    return p


def cli():
    args = parser().parse_args()
    if args.names:  # by hand: the inputs are where dvc.yaml's score stage reads them
        try:
            with open("dvc.yaml", encoding="utf-8") as f:
                cmd = yaml.safe_load(f)["stages"]["score"]["cmd"]
        except FileNotFoundError:
            raise files.InputError("dvc.yaml: no such file; run this in the project's folder") from None
        pipeline = parser().parse_args(shlex.split(cmd)[3:])
        for option in ("vocab", "model", "nn"):  # where the pipeline's files are, unless given
            setattr(args, option, getattr(args, option) or getattr(pipeline, option))
    elif not all(getattr(args, option) for option in OPTIONS):
        parser().error("give names to score, or all of " + " ".join(f"--{option}" for option in OPTIONS))
    main(**vars(args))


if __name__ == "__main__":
    files.exit_on_input_error(cli)
