"""order_curve: train and val NLL of the counts model against model.order, 1 to order_curve.max_order,
for both smooth.method values (add-alpha at smooth.alpha, and Kneser-Ney).

The lecture's exercise E01 (did the trigram improve over the bigram?) for every order at once:
longer contexts always fit train better; val shows where add-alpha stops generalising and how
far Kneser-Ney's back-off carries on. For a run per order, with every metric, use
`dvc exp run -S model.order=...`.
"""

from stages import cli, files, formats, params
from stages.model import corpus, counting, orders


def main(vocab_json, train_txt, val_txt, curve_csv):
    max_order = params.load("order_curve")["max_order"]
    order = params.load("model")["order"]  # the chosen order and method, marked on the curve
    smooth = params.load("smooth")
    itos = formats.read_json(vocab_json)
    for key, k in (("order_curve.max_order", max_order), ("model.order", order)):
        if len(itos) ** k >= corpus.MAX_NGRAM_ID:
            raise cli.InputError(
                f"params.yaml: {key} = {k} is too long a context for V = {len(itos)} characters: "
                f"V**{key.split('.')[1]} must stay below 2**63, the n-grams' numbering; lower {key}"
            )
    top = max(max_order, order)  # the chosen order is always on the curve
    train = counting.count_ngrams(files.read_chunks(train_txt), itos, top)  # (G,) padded n-grams, (G,) counts
    val = counting.count_ngrams(files.read_chunks(val_txt), itos, top)

    curve = orders.order_curve(train, val, len(itos), top, smooth["alpha"])

    chosen = (order, smooth["method"])
    formats.write_table(
        curve_csv,
        ["order", "method", "train_nll", "val_nll", "chosen"],
        [(*row, int(row[:2] == chosen)) for row in curve],
    )


if __name__ == "__main__":
    cli.run(main)
