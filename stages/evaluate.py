"""evaluate: NLL and perplexity of every model (stages/model/models.py) on every split; P and softmax(W) to plot.

Two metrics files: nll_json, the mean NLL of each model on each split, what a learner compares
(dvc.yaml's only metrics, so `dvc metrics show` fits a terminal); eval_json, the full report
(`dvc metrics show metrics/eval.json`): each NLL with its perplexity, its number of predictions
and how many have probability 0, which explains an infinite NLL, and KL(P || softmax(W)) on train.
"""

import math
import os
import sys

from stages import cli, counts_table, files, formats, trained
from stages.model import corpus, counting, evaluation


def score(Q, N):
    """One split's metrics. No predictions give a NaN NLL, written as null; an infinite one is written "inf"."""
    nll = evaluation.nll(Q, N)
    return {"nll": nll, "ppl": math.exp(nll), "bigrams": int(N.sum()), "zero_prob": evaluation.zero_prob(Q, N)}


def main(vocab_json, counts_dir, model_arpa, nn_dir, nll_json, eval_json, probs_csv):
    itos, order, every = trained.load(vocab_json, model_arpa, nn_dir)
    counts = {split: counts_table.read(os.path.join(counts_dir, f"{split}.csv"), itos) for split in files.SPLITS}

    # each model's rows for each split's contexts (C_split, V): a context train lacks gets the uniform row
    metrics = {
        name: {split: score(rows[N.contexts], N.N) for split, N in counts.items()} for name, rows in every.items()
    }
    train = counts["train"]
    P = every["counts"][train.contexts]  # (C, V) the counts model on train's contexts
    Q = every["nn"][train.contexts]  # (C, V) softmax(W) on them, W's rows
    nll = {name: {split: m["nll"] for split, m in by_split.items()} for name, by_split in metrics.items()}
    metrics["kl_counts_nn"] = evaluation.kl(P, Q, train.N)

    for split, m in metrics["counts"].items():  # only counts can give 0: train_nn refuses such a network
        if m["zero_prob"]:
            print(
                f"warning: counts model gives {split} an infinite NLL: {m['zero_prob']} of its {m['bigrams']} "
                f"predictions have probability 0 (they never occur in train, and smooth.alpha = 0; {eval_json})",
                file=sys.stderr,
            )
    formats.write_json(nll_json, nll)
    formats.write_json(eval_json, metrics)
    labels = corpus.context_labels(train.contexts, itos, order)
    rows = counting.shown_rows(train.N)  # all V at order 2
    columns = counting.shown_columns(train.N)  # all V when V <= counting.SHOWN
    kl = evaluation.kl_rows(P, Q, train.N)  # (C,) each context's share of kl_counts_nn
    table = []
    for i in rows:
        table += [(labels[i], itos[j], float(P[i, j]), float(Q[i, j]), float(kl[i])) for j in columns]
        if len(columns) < len(itos):  # the other characters' probability, summed
            rest = (float(1 - P[i, columns].sum()), float(1 - Q[i, columns].sum()))
            table.append((labels[i], "…", *rest, float(kl[i])))
    formats.write_table(probs_csv, ["prev", "next", "P", "softmax_W", "kl"], table)


if __name__ == "__main__":
    cli.run(main)
