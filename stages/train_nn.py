"""train_nn: the bigram network, softmax(one_hot(x) @ W), trained by full-batch gradient descent.

one_hot(x) @ W is row x of W, so the lecture's loss over every bigram is a sum over the
count matrix (stages/model/network.py: bigram_loss); training reads the train and val counts only.
"""

import sys

import numpy as np
import torch

from stages import files, params
from stages.model import corpus, network


def main(train_csv, val_csv, W_csv, loss_csv):
    cfg = params.load("train_nn")
    torch.set_num_threads(1)  # (V, V) ops are too small to gain from threads, and lose to a busy core
    labels, itos, N_train = files.read_matrix(train_csv, dtype="int64")
    _, _, N_val = files.read_matrix(val_csv, dtype="int64")
    contexts, order = corpus.parse_contexts(labels, itos)
    n_contexts = len(itos) ** (order - 1)

    try:
        W, log = network.train(
            N_train, N_val, cfg["seed"], cfg["steps"], cfg["lr"], cfg["reg"], contexts=contexts, n_contexts=n_contexts
        )
    except network.Diverged as e:
        raise files.InputError(
            f"params.yaml: training does not converge with train_nn.lr = {cfg['lr']}, "
            f"train_nn.reg = {cfg['reg']} and train_nn.steps = {cfg['steps']}: {e}; "
            "lower train_nn.reg, or change train_nn.lr or train_nn.steps"
        ) from None

    every_context = corpus.context_labels(np.arange(n_contexts), itos, order)
    files.write_matrix(W_csv, W, every_context, itos, fmt="%.9g")  # 9 digits: float32 round-trips exactly
    files.write_table(loss_csv, network.LogRow._fields, log)
    last = log[-1]
    if last.lr < cfg["lr"]:
        first = next(row.step for row in log if row.lr < cfg["lr"])
        print(
            f"note: train_nn.lr = {cfg['lr']:g} overshoots on this corpus (a step at it would raise the loss); "
            f"halved from step {first}, to {last.lr:g} at the end ({loss_csv}: column lr)",
            file=sys.stderr,
        )
    print(
        f"step {last.step}: loss {last.loss:.5f}, train NLL {last.train_nll:.5f} ({last.kl:.5f} above the counts model)"
    )


if __name__ == "__main__":
    files.run(main)
