"""`dvc repro` end to end in a copy of the project, every output checked against the lecture's loops.

Each test runs twice: on the committed params, and as a user who changed every section of
params.yaml, reran and committed, seen from a fresh clone of that commit. So every check
reads its expectations from params.yaml, never from today's defaults.
"""
import json
import math
from fractions import Fraction

import pandas as pd
import pytest
import torch

from stages import model
from tests import reference
from tests.conftest import Repo

STAGES = ["prepare", "count", "smooth", "train_nn", "evaluate", "sample"]
# A user's edit of every section: another split, less smoothing, a shorter and stronger-regularised
# training, fewer and shorter names.
CHANGED = {
    "prepare": {"seed": 7, "val_frac": 0.15, "test_frac": 0.05},
    "smooth": {"alpha": 0.25},
    "train_nn": {"seed": 1, "steps": 40, "lr": 20, "reg": 0.1},
    "sample": {"seed": 3, "num": 7, "max_len": 6},
}


@pytest.fixture(scope="module", params=["committed", "changed"])
def built(request, tmp_path_factory):
    """A fresh clone of the committed project, or of a user's commit of CHANGED, after `dvc repro`."""
    source = None
    if request.param == "changed":
        user = Repo(tmp_path_factory.mktemp("user") / "project")
        user.set_params(**CHANGED)
        user.dvc("repro")
        user.commit("my params")
        source = user.path
    repo = Repo(tmp_path_factory.mktemp("built") / "project", **({"source": source} if source else {}))
    repo.repro = repo.dvc("repro")
    repo.p = repo.params()
    return repo


def ran(repro):
    return [stage for stage in STAGES if f"Running stage '{stage}'" in repro.stdout]


def matrix(repo, name):
    """A labelled CSV read back with pandas: (labels, tensor)."""
    frame = pd.read_csv(repo.path / name, index_col=0, keep_default_na=False)
    assert list(frame.index) == list(frame.columns)
    return list(frame.columns), torch.tensor(frame.to_numpy())


def words(repo, split):
    return repo.read(f"data/prepared/{split}.txt").split()


def test_repro_runs_every_stage_and_reproduces_the_committed_results(built):
    # evaluate's only output, metrics/eval.json, is committed and already matches dvc.lock.
    assert ran(built.repro) == [stage for stage in STAGES if stage != "evaluate"]
    assert ran(built.dvc("repro", "--force", "--single-item", "evaluate")) == ["evaluate"]
    # dvc.lock and the metrics in git are exactly what a fresh run gives.
    assert built.run("git", "status", "--porcelain").stdout == ""
    assert "Data and pipelines are up to date" in built.dvc("status").stdout


def test_prepare_splits_the_corpus_and_writes_the_vocabulary(built):
    p = built.p["prepare"]
    names = built.read(p["names_file"]).split()
    splits = {s: words(built, s) for s in ("train", "val", "test")}
    assert sorted(sum(splits.values(), [])) == sorted(names)
    val, test = Fraction(str(p["val_frac"])), Fraction(str(p["test_frac"]))
    n1, n2 = math.floor((1 - val - test) * len(names)), math.floor((1 - test) * len(names))
    assert [len(splits[s]) for s in ("train", "val", "test")] == [n1, n2 - n1, len(names) - n2]
    assert json.loads(built.read("data/prepared/vocab.json")) == reference.vocab(names)


def test_count_matrices_equal_the_lecture_loop(built):
    itos = json.loads(built.read("data/prepared/vocab.json"))
    for split in ("train", "val", "test"):
        labels, N = matrix(built, f"data/counts/{split}.csv")
        assert labels == itos
        assert torch.equal(N, reference.counts(words(built, split), itos))


def test_smooth_equals_the_lecture_probabilities(built):
    _, N = matrix(built, "data/counts/train.csv")
    _, P = matrix(built, "data/P.csv")
    assert torch.equal(P.float(), reference.probabilities(N, built.p["smooth"]["alpha"]))


def test_train_nn_matches_the_one_hot_network_and_logs_every_step(built):
    p = built.p["train_nn"]
    itos = json.loads(built.read("data/prepared/vocab.json"))
    _, W = matrix(built, "data/W.csv")
    expected = reference.train(words(built, "train"), itos, seed=p["seed"], steps=p["steps"], lr=p["lr"], reg=p["reg"])
    assert torch.allclose(W.float(), expected, atol=1e-4)
    log = pd.read_csv(built.path / "plots/loss.csv")
    assert list(log.columns) == ["step", "loss", "train_nll", "val_nll"]
    assert list(log.step) == list(range(p["steps"] + 1))
    for split in ("train", "val"):
        nll = reference.nll(torch.softmax(W, 1), words(built, split), itos)
        assert log[f"{split}_nll"].iloc[-1] == pytest.approx(nll, abs=1e-5)


def test_evaluate_metrics_equal_the_lecture_loop(built):
    itos = json.loads(built.read("data/prepared/vocab.json"))
    metrics = json.loads(built.read("metrics/eval.json"))
    _, P = matrix(built, "data/P.csv")
    _, W = matrix(built, "data/W.csv")
    for name, Q in {"counts": P, "nn": torch.softmax(W, 1)}.items():
        for split in ("train", "val", "test"):
            m = metrics[name][split]
            assert m["nll"] == pytest.approx(reference.nll(Q, words(built, split), itos), rel=1e-7)
            assert m["ppl"] == pytest.approx(math.exp(m["nll"]), rel=1e-7)
            assert m["bigrams"] == sum(len(w) + 1 for w in words(built, split))
            assert m["zero_prob"] == 0
    assert 0 < metrics["kl_counts_nn"] < 0.5  # the network approaches the counts model
    shown = json.loads(built.dvc("metrics", "show", "--json").stdout)
    assert "error" not in json.dumps(shown)


def test_sample_draws_the_lecture_names_from_both_models(built):
    p = built.p["sample"]
    itos = json.loads(built.read("data/prepared/vocab.json"))
    _, P = matrix(built, "data/P.csv")
    _, W = matrix(built, "data/W.csv")
    train = set(words(built, "train"))
    stats = json.loads(built.read("metrics/samples.json"))
    for name, Q in {"counts": P.float(), "nn": torch.softmax(W, 1).float()}.items():
        drawn = built.read(f"data/samples/{name}.txt").splitlines()
        assert drawn == reference.sample(Q, itos, num=p["num"], seed=p["seed"], max_len=p["max_len"])
        assert stats[name]["in_train"] == sum(n in train for n in drawn) / p["num"]
        assert stats[name]["mean_len"] == pytest.approx(sum(map(len, drawn)) / p["num"])


def test_plots_show_every_plot_with_data_and_every_spec_renders(built):
    import vl_convert

    V = len(json.loads(built.read("data/prepared/vocab.json")))
    shown = json.loads(built.dvc("plots", "show", "--json").stdout)
    assert not shown.get("errors")
    data = shown["data"]
    assert [p["type"] for p in data.pop("plots/counts.png")] == ["image"]
    rows = {title: len(plot[0]["content"]["data"]["values"]) for title, plot in data.items()}
    assert rows == {
        "P, the counts model": V * V,
        "softmax(W) next to P — gradient descent recovers the counts": V * V,
        "Loss per step": 2 * (built.p["train_nn"]["steps"] + 1),  # train and val, one line each
        "Smoothing — NLL of the counts model against smooth.alpha": len(pd.read_csv(built.path / "plots/alpha.csv")),
        "Regularisation — NLL of the network against train_nn.reg": len(pd.read_csv(built.path / "plots/reg.csv")),
    }
    for title, (plot,) in data.items():
        assert plot["content"]["title"] == title or plot["content"]["title"]["text"] == title
        png = vl_convert.vegalite_to_png(plot["content"])
        assert png.startswith(b"\x89PNG") and len(png) > 20_000, title


def test_the_heatmap_png_draws_every_cell(built):
    from PIL import Image

    V = len(json.loads(built.read("data/prepared/vocab.json")))
    with Image.open(built.path / "plots/counts.png") as image:
        assert image.format == "PNG"
        assert image.width == round(72 * max(8, 0.6 * V))  # stages/plots.py: 0.6 inch a cell at 72 dpi


def test_curves_cover_their_grid_and_mark_the_params_values(built):
    alpha, reg = built.p["smooth"]["alpha"], built.p["train_nn"]["reg"]
    metrics = json.loads(built.read("metrics/eval.json"))
    for name, chosen, grid, nll in [
        ("alpha", alpha, model.log_grid(-3, 3, alpha), metrics["counts"]["val"]["nll"]),
        ("reg", reg, model.log_grid(-4, 1, reg), metrics["nn"]["val"]["nll"]),
    ]:
        curve = pd.read_csv(built.path / f"plots/{name}.csv")
        assert list(curve[name]) == pytest.approx(grid, rel=1e-5)
        assert list(curve[name][curve.chosen == 1]) == pytest.approx([chosen])
        assert float(curve.val_nll[curve.chosen == 1].iloc[0]) == pytest.approx(nll, abs=1e-5)
    assert pd.read_csv(built.path / "plots/alpha.csv").train_nll.is_monotonic_increasing  # more smoothing fits train worse


def test_changing_alpha_reruns_only_smooth_evaluate_and_sample(repo):
    repo.dvc("repro")
    before = json.loads(repo.read("metrics/eval.json"))
    old = repo.params()["smooth"]["alpha"]
    new = old / 2 if old else 0.5
    repo.set_params(smooth={"alpha": new})

    diff = repo.dvc("params", "diff", "--json").stdout
    assert json.loads(diff) == {"params.yaml": {"smooth.alpha": {"old": old, "new": new, "diff": new - old}}}

    repro = repo.dvc("repro")
    assert ran(repro) == ["smooth", "evaluate", "sample"]
    after = json.loads(repo.read("metrics/eval.json"))
    assert after["nn"] == before["nn"]
    fits_closer = after["counts"]["train"]["nll"] < before["counts"]["train"]["nll"]
    assert fits_closer == (new < old)  # less smoothing fits train closer
    metrics_diff = json.loads(repo.dvc("metrics", "diff", "--json").stdout)
    assert "counts.train.nll" in metrics_diff["metrics/eval.json"]
