"""evaluate: NLL and perplexity of every model (stages/model/models.py) on every split; P and softmax(W) to plot."""

import math
import os
import sys

from stages import files
from stages.model import corpus, counting, evaluation, models


def score(P, N):
    """One split's metrics. No bigrams gives a NaN NLL, written as null; an infinite one is written "inf"."""
    nll = evaluation.nll(P, N)
    return {"nll": nll, "ppl": math.exp(nll), "bigrams": int(N.sum()), "zero_prob": evaluation.zero_prob(P, N)}


def main(counts_dir, P_csv, W_csv, eval_json, probs_csv):
    counts = {
        split: files.read_matrix(os.path.join(counts_dir, f"{split}.csv"), dtype="int64")[2] for split in files.SPLITS
    }
    labels, itos, P = files.read_matrix(P_csv, dtype="float32")
    _, _, W = files.read_matrix(W_csv, dtype="float32")
    contexts, _ = corpus.parse_contexts(labels, itos)
    probs = {name: rows[contexts] for name, rows in models.rows(P, W, contexts).items()}  # each (C, V)

    metrics = {name: {split: score(Q, N) for split, N in counts.items()} for name, Q in probs.items()}
    metrics["kl_counts_nn"] = evaluation.kl(P, probs["nn"], counts["train"])

    for split, m in metrics["counts"].items():  # only counts can give 0: train_nn refuses such a network
        if m["zero_prob"]:
            print(
                f"warning: counts model gives {split} an infinite NLL: {m['zero_prob']} of its {m['bigrams']} "
                "bigrams have probability 0 (they never occur in train, and smooth.alpha = 0)",
                file=sys.stderr,
            )
    files.write_json(eval_json, metrics)
    rows = counting.shown_rows(counts["train"])  # all V at order 2
    columns = counting.shown_columns(counts["train"])  # all V when V <= counting.SHOWN
    kl = evaluation.kl_rows(P, probs["nn"], counts["train"])  # (C,) each context's share of kl_counts_nn
    table = []
    for i in rows:
        table += [(labels[i], itos[j], float(P[i, j]), float(probs["nn"][i, j]), float(kl[i])) for j in columns]
        if len(columns) < len(itos):  # the other characters' probability, summed
            rest = (float(1 - P[i, columns].sum()), float(1 - probs["nn"][i, columns].sum()))
            table.append((labels[i], "…", *rest, float(kl[i])))
    files.write_table(probs_csv, ["prev", "next", "P", "softmax_W", "kl"], table)


if __name__ == "__main__":
    files.run(main)
