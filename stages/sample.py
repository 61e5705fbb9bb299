"""sample: new names from each model (stages/model/models.py), drawn with the lecture's loop."""

import os
import statistics

from stages import cli, files, formats, params, trained
from stages.model import sampling


class Float32:
    """A model's rows as float32, as the lecture's torch.multinomial draws from them."""

    def __init__(self, rows):
        self.rows = rows

    def __getitem__(self, c):
        return self.rows[c].astype("float32")


def main(vocab_json, train_txt, model_arpa, nn_dir, samples_dir, samples_json):
    cfg = params.load("sample")
    itos, order, models = trained.load(vocab_json, model_arpa, nn_dir)
    train = {name for chunk in files.read_chunks(train_txt) for name in chunk}  # the distinct names only

    samples = {  # each from float32 probabilities, as the lecture's torch.multinomial draws them
        name: sampling.sample(
            Float32(rows), itos, num=cfg["num"], max_len=cfg["max_len"], seed=cfg["seed"], order=order
        )
        for name, rows in models.items()
    }

    for name, names in samples.items():
        files.write_lines(os.path.join(samples_dir, f"{name}.txt"), names)
    formats.write_json(
        samples_json,
        {
            name: {
                "in_train": sum(n in train for n in names) / len(names) if names else None,
                "mean_len": statistics.fmean(map(len, names)) if names else None,
            }
            for name, names in samples.items()
        },
    )
    print(f"{cfg['num']} names from each model, in {samples_dir}")


if __name__ == "__main__":
    cli.run(main)
