"""smooth: the counts model P, train counts plus alpha, normalised row by row."""
from stages import files, model, params


def main(train_counts_csv, P_csv):
    p = params.load("smooth")
    itos, N = files.read_matrix(train_counts_csv, dtype="int64")

    P = model.smooth(N, alpha=p["alpha"])  # (V, V), rows sum to 1

    files.write_matrix(P_csv, P, itos, fmt="%.9g")  # 9 digits: float32 round-trips exactly


if __name__ == "__main__":
    files.run(main)
