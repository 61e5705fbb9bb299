"""prepare: read the names file, split it into train/val/test, build the vocabulary."""
import os

from stages import files, model, params


def main(out_dir):
    p = params.load("prepare")
    names = files.read_names(p["names_file"], lowercase=p["lowercase"])
    splits = model.split_names(names, p["val_frac"], p["test_frac"], seed=p["seed"])
    if not splits[0]:
        raise files.InputError(
            f"{p['names_file']}: {len(names)} names leave none for train with "
            f"prepare.val_frac = {p['val_frac']} and prepare.test_frac = {p['test_frac']}"
        )
    itos = model.build_vocab(names)

    for split, split_names in zip(files.SPLITS, splits):
        files.write_lines(os.path.join(out_dir, f"{split}.txt"), split_names)
    files.write_json(os.path.join(out_dir, "vocab.json"), itos)
    print(f"{len(names)} names -> " + ", ".join(f"{s} {len(n)}" for s, n in zip(files.SPLITS, splits)) + f"; V = {len(itos)}")


if __name__ == "__main__":
    files.run(main)
