"""prepare: read the names file, split it into train/val/test, build the vocabulary; check model.order fits."""

import os

from stages import files, params
from stages.model import corpus


def main(out_dir):
    cfg = params.load("prepare")
    order = params.load("model")["order"]
    names = files.read_names(cfg["names_file"], lowercase=cfg["lowercase"])
    splits = corpus.split_names(names, cfg["val_frac"], cfg["test_frac"], seed=cfg["seed"])
    if not splits[0]:
        raise files.InputError(
            f"{cfg['names_file']}: {len(names)} names leave none for train with "
            f"prepare.val_frac = {cfg['val_frac']} and prepare.test_frac = {cfg['test_frac']}"
        )
    itos = corpus.build_vocab(names)
    if (cells := len(itos) ** order) > corpus.MAX_W_CELLS:
        raise files.InputError(
            f"params.yaml: model.order = {order} needs a W of V**{order - 1} x V = {cells:,} cells "
            f"with V = {len(itos)}, over the budget of {corpus.MAX_W_CELLS:,}; lower model.order"
        )

    for split, split_names in zip(files.SPLITS, splits, strict=True):
        files.write_lines(os.path.join(out_dir, f"{split}.txt"), split_names)
    files.write_json(os.path.join(out_dir, "vocab.json"), itos)
    print(
        f"{len(names)} names -> "
        + ", ".join(f"{s} {len(n)}" for s, n in zip(files.SPLITS, splits, strict=True))
        + f"; V = {len(itos)}"
    )


if __name__ == "__main__":
    files.run(main)
