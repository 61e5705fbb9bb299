"""smooth: the counts model P, train counts plus alpha, normalised row by row."""

from stages import files, params
from stages.model import counting


def main(train_counts_csv, P_csv):
    cfg = params.load("smooth")
    contexts, itos, N = files.read_matrix(train_counts_csv, dtype="int64")

    try:
        P = counting.smooth(N, alpha=cfg["alpha"])  # (C, V), rows sum to 1
    except ValueError:
        raise files.InputError(
            f"params.yaml: smooth.alpha = {cfg['alpha']} rounds some probabilities to 0 in float32; "
            "use 0 or a larger alpha"
        ) from None

    files.write_matrix(P_csv, P, contexts, itos, fmt="%.9g")  # 9 digits: float32 round-trips exactly


if __name__ == "__main__":
    files.run(main)
