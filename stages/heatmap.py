"""heatmap: the lecture's picture of train's counts, every cell labelled with its n-gram and count,
and train's n-grams, most common first (the plots page draws them as bars).

A stage of its own, after count, so that the counts a model is estimated from do not wait for a
picture: `dvc repro smooth` never draws it.
"""

from stages import cli, counts_table, formats, params, plots
from stages.model import corpus, counting


def main(vocab_json, train_counts_csv, heatmap_png, top_bigrams_csv):
    order = params.load("model")["order"]
    itos = formats.read_json(vocab_json)
    train = counts_table.read(train_counts_csv, itos)

    labels = corpus.context_labels(train.contexts, itos, order)
    plots.count_heatmap(heatmap_png, train.N, labels, itos)
    formats.write_table(top_bigrams_csv, ["bigram", "count", "share"], counting.top_bigrams(train.N, labels, itos))


if __name__ == "__main__":
    cli.run(main)
