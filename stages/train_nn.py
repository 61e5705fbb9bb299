"""train_nn: the bigram network, softmax(one_hot(x) @ W), trained by full-batch gradient descent.

one_hot(x) @ W is row x of W, so the lecture's loss over every bigram is a sum over the
count matrix (stages/model/network.py: bigram_loss); training reads the train and val counts only.
"""

import torch

from stages import files, params
from stages.model import network


def main(train_csv, val_csv, W_csv, loss_csv):
    cfg = params.load("train_nn")
    torch.set_num_threads(1)  # (V, V) ops are too small to gain from threads, and lose to a busy core
    itos, N_train = files.read_matrix(train_csv, dtype="int64")
    _, N_val = files.read_matrix(val_csv, dtype="int64")

    try:
        W, log = network.train(N_train, N_val, seed=cfg["seed"], steps=cfg["steps"], lr=cfg["lr"], reg=cfg["reg"])
    except FloatingPointError as e:
        raise files.InputError(
            f"params.yaml: training diverges with train_nn.lr = {cfg['lr']} and train_nn.reg = {cfg['reg']} ({e}); "
            "lower either"
        ) from None

    files.write_matrix(W_csv, W, itos, fmt="%.9g")  # 9 digits: float32 round-trips exactly
    files.write_table(loss_csv, network.LogRow._fields, log)
    last = log[-1]
    print(
        f"step {last.step}: loss {last.loss:.5f}, train NLL {last.train_nll:.5f} ({last.kl:.5f} above the counts model)"
    )


if __name__ == "__main__":
    files.run(main)
