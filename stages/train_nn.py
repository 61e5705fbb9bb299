"""train_nn: the bigram network, one-hot(x) @ W then softmax, by full-batch gradient descent."""
import os

from stages import files, model, params


def main(counts_dir, W_csv, loss_csv, reg_csv):
    p = params.load("train_nn")
    itos, N_train = files.read_matrix(os.path.join(counts_dir, "train.csv"), dtype="int64")
    _, N_val = files.read_matrix(os.path.join(counts_dir, "val.csv"), dtype="int64")

    try:
        W, log = model.train(N_train, N_val, seed=p["seed"], steps=p["steps"], lr=p["lr"], reg=p["reg"])
    except FloatingPointError as e:
        raise files.InputError(f"params.yaml: train_nn.lr = {p['lr']} makes training diverge ({e}); lower it") from None

    grid = model.log_grid(-4, 1, p["reg"])  # the regularisation curve: 0.0001 to 10
    curve = model.reg_curve(N_train, N_val, grid, seed=p["seed"], steps=p["steps"], lr=p["lr"])

    files.write_matrix(W_csv, W, itos, fmt="%.9g")
    files.write_table(loss_csv, ["step", "loss", "train_nll", "val_nll"], log)
    files.write_table(reg_csv, ["reg", "train_nll", "val_nll", "chosen"], [(*row, int(row[0] == p["reg"])) for row in curve])
    print(f"step {log[-1][0]}: loss {log[-1][1]:.5f}, train NLL {log[-1][2]:.5f}")


if __name__ == "__main__":
    files.run(main)
