"""smooth: the counts model P, train counts plus alpha, normalised row by row."""

from stages import files, params
from stages.model import corpus, counting


def main(vocab_json, train_counts_csv, P_csv):
    cfg = params.load("smooth")
    order = params.load("model")["order"]
    itos = files.read_json(vocab_json)
    train = files.read_counts(train_counts_csv, itos)

    P = counting.smooth(train.N, alpha=cfg["alpha"])  # (C, V), rows sum to 1

    files.write_P(P_csv, P, train.N, corpus.context_labels(train.contexts, itos, order), itos)


if __name__ == "__main__":
    files.run(main)
