"""reg_curve: train and val NLL of the network against train_nn.reg, on a log grid.

Each point trains the network again from the same initial W with train_nn's seed, steps
and lr; a point where that training diverges has no NLLs and diverged = 1. A curve for
choosing reg at a glance; for a run per value, with every metric, use `dvc exp run -S train_nn.reg=...`.
"""

import concurrent.futures
import multiprocessing
import os
import sys

import torch

from stages import cli, counts_table, formats, params
from stages.model import counting, evaluation, network


def main(vocab_json, train_csv, val_csv, curve_csv):
    cfg = params.load("reg_curve")
    net = params.load("train_nn")  # how each point trains, and the chosen reg, marked on the curve
    torch.set_num_threads(1)  # small ops gain nothing from threads, and lose to a busy core
    itos = formats.read_json(vocab_json)
    train = counts_table.read(train_csv, itos)
    N_val, val_rest = counting.align(counts_table.read(val_csv, itos), train.contexts)

    grid = evaluation.log_grid(cfg["log10_min"], cfg["log10_max"], net["reg"])
    with pool(len(grid)) as workers:
        curve = network.reg_curve(train.N, N_val, grid, net["seed"], net["steps"], net["lr"], val_rest, map=workers.map)

    formats.write_table(
        curve_csv,
        ["reg", "train_nll", "val_nll", "diverged", "chosen"],
        [(*row, int(row[0] == net["reg"])) for row in curve],
    )


def pool(points):
    """Workers for the points, which are independent, so the curve is the same however they run: on Linux
    one forked process a core, sharing the counts and torch as loaded; elsewhere one point after another
    (macOS's system libraries make fork unsafe, and spawn would import torch again in each process)."""
    processes = min(points, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    if sys.platform == "linux" and processes > 1:
        return concurrent.futures.ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"))
    return concurrent.futures.ThreadPoolExecutor(1)


if __name__ == "__main__":
    cli.run(main)
