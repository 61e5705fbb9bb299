"""prepare: split the names file into train/val/test as makemore does, and build the vocabulary.

The file is read twice, a block of files.CHUNK characters at a time: once to count the names and
collect their characters, once to write each name to its split. Memory holds the split of each
name, not the names.
"""

import contextlib
import itertools
import os

from stages import cli, files, formats, names, params
from stages.model import corpus


def main(out_dir):
    cfg = params.load("prepare")
    order = params.load("model")["order"]
    n, characters = 0, set()
    for batch in names.read_name_chunks(cfg["names_file"], cfg["lowercase"]):
        n += len(batch)
        characters.update("".join(batch))
    if n == 0:
        raise names.no_names(cfg["names_file"])
    split = corpus.split_of(n, cfg["val_frac"], cfg["test_frac"], seed=cfg["seed"])  # (n,) 0, 1 or 2
    sizes = [int((split == k).sum()) for k in range(3)]
    if not sizes[0]:
        raise cli.InputError(
            f"{cfg['names_file']}: {n} names leave none for train with "
            f"prepare.val_frac = {cfg['val_frac']} and prepare.test_frac = {cfg['test_frac']}"
        )
    itos = corpus.build_vocab(characters)
    if len(itos) ** order >= corpus.MAX_NGRAM_ID:
        raise cli.InputError(
            f"params.yaml: model.order = {order} is too long a context for V = {len(itos)} characters: "
            f"V**order must stay below 2**63, the n-grams' numbering; lower model.order"
        )

    with contextlib.ExitStack() as stack:
        outs = [stack.enter_context(files.atomic_write(os.path.join(out_dir, f"{s}.txt"))) for s in files.SPLITS]
        start = 0
        for batch in names.read_name_chunks(cfg["names_file"], cfg["lowercase"]):
            chunk = split[start : start + len(batch)]  # (len(batch),) each name's split
            for k, out in enumerate(outs):
                if part := list(itertools.compress(batch, (chunk == k).tolist())):
                    out.write("\n".join(part) + "\n")
            start += len(batch)
    formats.write_json(os.path.join(out_dir, "vocab.json"), itos)
    print(f"{n} names -> " + ", ".join(map("{} {}".format, files.SPLITS, sizes)) + f"; V = {len(itos)}")


if __name__ == "__main__":
    cli.run(main)
