"""count: the counts N of each split, the next character after each context that occurs;
train's as a labelled heatmap and its n-grams, most common first."""

import os

from stages import files, params, plots
from stages.model import corpus, counting


def main(prepared_dir, counts_dir, heatmap_png, top_bigrams_csv):
    order = params.load("model")["order"]
    itos = files.read_json(os.path.join(prepared_dir, "vocab.json"))
    pairs = {
        split: corpus.contexts(files.read_lines(os.path.join(prepared_dir, f"{split}.txt")), itos, order)
        for split in files.SPLITS
    }
    contexts = counting.occurring([ctx for ctx, _ in pairs.values()], len(itos) ** (order - 1))  # (C,) in some split
    counts = {split: counting.count_table(ctx, nxt, contexts, V=len(itos)) for split, (ctx, nxt) in pairs.items()}
    labels = corpus.context_labels(contexts, itos, order)

    for split, N in counts.items():
        files.write_matrix(os.path.join(counts_dir, f"{split}.csv"), N, labels, itos)
    plots.count_heatmap(heatmap_png, counts["train"], labels, itos)
    files.write_table(
        top_bigrams_csv, ["bigram", "count", "share"], counting.top_bigrams(counts["train"], labels, itos)
    )
    print(", ".join(f"{split} {N.sum()} predictions" for split, N in counts.items()) + f"; {len(contexts)} contexts")


if __name__ == "__main__":
    files.run(main)
