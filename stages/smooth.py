"""smooth: the counts model from train's counts, as an ARPA file (stages/arpa.py): add-alpha,
the lecture's (N + alpha, normalised row by row), or interpolated modified Kneser-Ney, which
backs off to shorter contexts (stages/model/kneser_ney.py)."""

import sys

from stages import arpa, cli, counts_table, formats, params
from stages.model import backoff, counting, kneser_ney


def main(vocab_json, train_counts_csv, model_arpa):
    cfg = params.load("smooth")
    order = params.load("model")["order"]
    itos = formats.read_json(vocab_json)
    train = counts_table.read(train_counts_csv, itos)

    if cfg["method"] == "add_alpha":
        P = counting.smooth(train.N, alpha=cfg["alpha"])  # (C, V), rows sum to 1
        model = backoff.from_rows(P, train.contexts, order)  # uniform after a context train lacks
    else:
        model, fallen_back = kneser_ney.estimate(*counting.ngrams_of(train), order, len(itos))
        if fallen_back:  # lmplz --discount_fallback says the same
            grams = ", ".join(f"{m}-grams" for m in fallen_back)
            D = ", ".join(map(str, kneser_ney.FALLBACK))
            print(
                f"note: Kneser-Ney's discounts for the {grams} of this corpus are undefined or out of range "
                f"(too few distinct n-grams); using lmplz's fallback D1, D2, D3+ = {D} there",
                file=sys.stderr,
            )

    arpa.write(model_arpa, model, itos)


if __name__ == "__main__":
    cli.run(main)
