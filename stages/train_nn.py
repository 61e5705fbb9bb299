"""train_nn: the network, softmax(one_hot(x) @ W), trained by full-batch gradient descent.

one_hot(x) @ W is row x of W, so the lecture's loss over every prediction is a sum over the
count table (stages/model/network.py: nll_loss), and W has a row only for each context train
has; training reads the train and val counts only.
"""

import sys

import torch

from stages import cli, counts_table, formats, params, weights
from stages.model import corpus, counting, network


def main(vocab_json, train_csv, val_csv, nn_dir, loss_csv):
    cfg = params.load("train_nn")
    order = params.load("model")["order"]
    torch.set_num_threads(1)  # small ops gain nothing from threads, and lose to a busy core
    itos = formats.read_json(vocab_json)
    train = counts_table.read(train_csv, itos)
    # val's counts on train's contexts (C, V), and how many predictions of val follow other contexts
    N_val, val_rest = counting.align(counts_table.read(val_csv, itos), train.contexts)

    try:
        W, log = network.train(train.N, N_val, cfg["seed"], cfg["steps"], cfg["lr"], cfg["reg"], val_rest)
    except network.Diverged as e:
        raise cli.InputError(
            f"params.yaml: training does not converge with train_nn.lr = {cfg['lr']}, "
            f"train_nn.reg = {cfg['reg']} and train_nn.steps = {cfg['steps']}: {e}; "
            "lower train_nn.reg, or change train_nn.lr or train_nn.steps"
        ) from None

    weights.write(nn_dir, W, corpus.context_labels(train.contexts, itos, order))
    formats.write_table(loss_csv, network.LogRow._fields, log)
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
    cli.run(main)
