"""count: the counts of each split, the next characters after each context that occurs, as long
tables (context, next, count).

Each split is read a chunk of names at a time (files.CHUNK), so memory holds one chunk and the
distinct n-grams, however large the corpus.
"""

import os

import numpy as np

from stages import cli, counts_table, files, formats, params
from stages.model import counting, network


def main(prepared_dir, counts_dir):
    order = params.load("model")["order"]
    itos = formats.read_json(os.path.join(prepared_dir, "vocab.json"))
    V = len(itos)
    ngrams = {  # each split's (ngrams, counts), as the n-grams that occur
        split: counting.count_ngrams(files.read_chunks(os.path.join(prepared_dir, f"{split}.txt")), itos, order)
        for split in files.SPLITS
    }
    contexts = len(np.unique(ngrams["train"][0] // V))  # train's, before any table of them is made
    if (cells := contexts * V) > network.MAX_W_CELLS:
        raise cli.InputError(
            f"params.yaml: model.order = {order} gives {contexts:,} contexts in train, a W of "
            f"{cells:,} cells with V = {V}, over the budget of {network.MAX_W_CELLS:,}; lower model.order"
        )
    counts = {split: counting.table(*pair, V) for split, pair in ngrams.items()}

    for split, table in counts.items():
        counts_table.write(os.path.join(counts_dir, f"{split}.csv"), table, itos, order)
    print(
        ", ".join(f"{split} {table.N.sum()} predictions" for split, table in counts.items())
        + f"; {len(counts['train'].contexts)} contexts in train"
    )


if __name__ == "__main__":
    cli.run(main)
