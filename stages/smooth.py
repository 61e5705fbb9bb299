"""smooth: the counts model P, train counts plus alpha, normalised row by row."""

from stages import files, params
from stages.model import counting


def main(train_counts_csv, P_csv):
    cfg = params.load("smooth")
    contexts, itos, N = files.read_matrix(train_counts_csv, dtype="int64")

    P = counting.smooth(N, alpha=cfg["alpha"])  # (C, V), rows sum to 1

    files.write_matrix(P_csv, P, contexts, itos, fmt="%.9g")  # 9 digits: float32 round-trips exactly


if __name__ == "__main__":
    files.run(main)
