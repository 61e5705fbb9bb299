"""alpha_curve: train and val NLL of the counts model against smooth.alpha, on a log grid.

A curve for choosing alpha at a glance; for a run per value, with every metric, use
`dvc exp run -S smooth.alpha=...`.
"""

from stages import files, params
from stages.model import evaluation


def main(train_csv, val_csv, curve_csv):
    cfg = params.load("alpha_curve")
    alpha = params.load("smooth")["alpha"]  # the chosen value, marked on the curve
    _, _, N_train = files.read_matrix(train_csv, dtype="int64")
    _, _, N_val = files.read_matrix(val_csv, dtype="int64")

    grid = evaluation.log_grid(cfg["log10_min"], cfg["log10_max"], alpha)
    curve = evaluation.alpha_curve(N_train, N_val, grid)

    files.write_table(
        curve_csv, ["alpha", "train_nll", "val_nll", "chosen"], [(*row, int(row[0] == alpha)) for row in curve]
    )


if __name__ == "__main__":
    files.run(main)
