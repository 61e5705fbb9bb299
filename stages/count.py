"""count: the bigram count matrix N of each split; train's as a labelled heatmap and its bigrams, most common first."""

import os

from stages import files, plots
from stages.model import corpus, counting


def main(prepared_dir, counts_dir, heatmap_png, top_bigrams_csv):
    itos = files.read_json(os.path.join(prepared_dir, "vocab.json"))
    counts = {}
    for split in files.SPLITS:
        names = files.read_lines(os.path.join(prepared_dir, f"{split}.txt"))
        counts[split] = counting.count_bigrams(corpus.encode(names, itos), V=len(itos))  # (V, V)

    for split, N in counts.items():
        files.write_matrix(os.path.join(counts_dir, f"{split}.csv"), N, itos)
    plots.count_heatmap(heatmap_png, counts["train"], itos)
    files.write_table(top_bigrams_csv, ["bigram", "count", "share"], counting.top_bigrams(counts["train"], itos))
    print(", ".join(f"{split} {N.sum()} bigrams" for split, N in counts.items()))


if __name__ == "__main__":
    files.run(main)
