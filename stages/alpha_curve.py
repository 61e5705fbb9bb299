"""alpha_curve: train and val NLL of the counts model against smooth.alpha, on a log grid.

A curve for choosing alpha at a glance; for a run per value, with every metric, use
`dvc exp run -S smooth.alpha=...`.
"""

from stages import cli, counts_table, formats, params
from stages.model import evaluation


def main(vocab_json, train_csv, val_csv, curve_csv):
    cfg = params.load("alpha_curve")
    alpha = params.load("smooth")["alpha"]  # the chosen value, marked on the curve
    itos = formats.read_json(vocab_json)
    train, val = counts_table.read(train_csv, itos), counts_table.read(val_csv, itos)

    grid = evaluation.log_grid(cfg["log10_min"], cfg["log10_max"], alpha)
    curve = evaluation.alpha_curve(train, val, grid)

    formats.write_table(
        curve_csv, ["alpha", "train_nll", "val_nll", "chosen"], [(*row, int(row[0] == alpha)) for row in curve]
    )


if __name__ == "__main__":
    cli.run(main)
