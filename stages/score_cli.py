"""Score any names by hand, from the pipeline's outputs, as the lecture prints them: per model,
each bigram's probability and log-probability, then the name's log-likelihood and NLL.

    python -m stages.score_cli emma andrejq

Reads the models where `dvc repro` writes them, the score stage's inputs in dvc.yaml (--vocab,
--model and --nn read others), writes nothing, and reads names as prepare reads the corpus
(prepare.lowercase). A name the corpus cannot spell is named and the command exits 1. The score
stage (stages/score.py) scores params.yaml's names and writes their metrics.
"""

import argparse

from stages import cli, params, score, trained

# where dvc.yaml's score stage reads them (a test checks it)
VOCAB = "data/prepared/vocab.json"
MODEL = "data/model.arpa"
NN = "data/nn"


def print_table(rows, model_names):
    """The lecture's printout, per model: each bigram's probability and log-probability, then the totals."""
    for model in model_names:
        print(f"{model} model")
        for _, _, bigram, by_model in rows:
            print(f"{bigram}: {by_model[model][0]:.4f} {by_model[model][1]:.4f}")
        log_likelihood, nll = score.totals([row[3][model][1] for row in rows])
        print(f"log_likelihood={log_likelihood:.4f}\nnll={nll:.4f}\n")


def main(names, vocab=VOCAB, model=MODEL, nn=NN):
    lowercase = params.load("prepare")["lowercase"]
    itos, order, probs = trained.load(vocab, model, nn)
    names, refused = score.spellable(names, itos, lowercase)
    if names:
        print_table(score.bigram_table(names, itos, probs, order), probs)
    if refused:
        score.report(refused, "")
        raise cli.InputError(f"{len(refused)} of the names given are not scored")


def parser():
    p = argparse.ArgumentParser(
        prog="python -m stages.score_cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("names", nargs="+", help="names to score")
    p.add_argument("--vocab", default=VOCAB, help=f"the vocabulary (default {VOCAB})")
    p.add_argument("--model", default=MODEL, help=f"the counts model (default {MODEL})")
    p.add_argument("--nn", default=NN, help=f"the network's folder (default {NN})")
    return p


if __name__ == "__main__":
    cli.exit_on_input_error(main, **vars(parser().parse_args()))
