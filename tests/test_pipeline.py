"""`dvc repro` end to end in a copy of the project, every output checked against the lecture's loops."""
import json
import math

import pandas as pd
import pytest
import torch

from tests import reference
from tests.conftest import Repo

STAGES = ["prepare", "count", "smooth", "train_nn", "evaluate", "sample"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    repo = Repo(tmp_path_factory.mktemp("built") / "project")
    repo.repro = repo.dvc("repro")
    return repo


def ran(repro):
    return [stage for stage in STAGES if f"Running stage '{stage}'" in repro.stdout]


def matrix(repo, name):
    """A labelled CSV read back with pandas: (labels, tensor)."""
    frame = pd.read_csv(repo.path / name, index_col=0, keep_default_na=False)
    assert list(frame.index) == list(frame.columns)
    return list(frame.columns), torch.tensor(frame.to_numpy())


def test_repro_runs_every_stage_and_reproduces_the_committed_results(built):
    # evaluate's only output, metrics/eval.json, is committed and already matches dvc.lock.
    assert ran(built.repro) == [stage for stage in STAGES if stage != "evaluate"]
    assert ran(built.dvc("repro", "--force", "--single-item", "evaluate")) == ["evaluate"]
    # dvc.lock and the metrics in git are exactly what a fresh run gives.
    assert built.run("git", "status", "--porcelain").stdout == ""
    assert "Data and pipelines are up to date" in built.dvc("status").stdout


def test_prepare_splits_the_corpus_and_writes_the_vocabulary(built):
    names = built.read("data/names.txt").split()
    splits = {s: built.read(f"data/prepared/{s}.txt").splitlines() for s in ("train", "val", "test")}
    assert sorted(sum(splits.values(), [])) == sorted(names)
    assert [len(splits[s]) for s in ("val", "test")] == [round(0.1 * len(names))] * 2
    assert json.loads(built.read("data/prepared/vocab.json")) == reference.vocab(names)


def test_count_matrices_equal_the_lecture_loop(built):
    itos = json.loads(built.read("data/prepared/vocab.json"))
    for split in ("train", "val", "test"):
        labels, N = matrix(built, f"data/counts/{split}.csv")
        assert labels == itos
        assert torch.equal(N, reference.counts(built.read(f"data/prepared/{split}.txt").split(), itos))
    png = (built.path / "plots/counts.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 50_000


def test_smooth_equals_the_lecture_probabilities(built):
    _, N = matrix(built, "data/counts/train.csv")
    _, P = matrix(built, "data/P.csv")
    assert torch.equal(P.float(), reference.probabilities(N, 1))


def test_train_nn_matches_the_one_hot_network_and_logs_every_step(built):
    words = built.read("data/prepared/train.txt").split()
    itos = json.loads(built.read("data/prepared/vocab.json"))
    _, W = matrix(built, "data/W.csv")
    expected = reference.train(words, itos, seed=2147483647, steps=100, lr=50, reg=0.01)
    assert torch.allclose(W.float(), expected, atol=1e-4)
    log = pd.read_csv(built.path / "plots/loss.csv")
    assert list(log.columns) == ["step", "loss", "train_nll", "val_nll"]
    assert list(log.step) == list(range(101))
    assert log.train_nll.iloc[-1] == pytest.approx(reference.nll(torch.softmax(W, 1), words, itos), abs=1e-5)


def test_evaluate_metrics_equal_the_lecture_loop(built):
    itos = json.loads(built.read("data/prepared/vocab.json"))
    metrics = json.loads(built.read("metrics/eval.json"))
    _, P = matrix(built, "data/P.csv")
    _, W = matrix(built, "data/W.csv")
    for name, Q in {"counts": P, "nn": torch.softmax(W, 1)}.items():
        for split in ("train", "val", "test"):
            words = built.read(f"data/prepared/{split}.txt").split()
            m = metrics[name][split]
            assert m["nll"] == pytest.approx(reference.nll(Q, words, itos), rel=1e-9)
            assert m["ppl"] == pytest.approx(math.exp(m["nll"]), rel=1e-12)
            assert m["bigrams"] == sum(len(w) + 1 for w in words)
            assert m["zero_prob"] == 0
    assert 0 < metrics["kl_counts_nn"] < 0.05  # gradient descent nearly recovers the counts
    shown = json.loads(built.dvc("metrics", "show", "--json").stdout)
    assert "error" not in json.dumps(shown)


def test_sample_draws_the_lecture_names(built):
    itos = json.loads(built.read("data/prepared/vocab.json"))
    _, P = matrix(built, "data/P.csv")
    counts = built.read("data/samples/counts.txt").splitlines()
    assert counts == reference.sample(P.float(), itos, num=20, seed=2147483647)
    nn = built.read("data/samples/nn.txt").splitlines()
    assert len(nn) == 20 and sum(a == b for a, b in zip(counts, nn)) >= 15  # W ~ log of the counts
    train = set(built.read("data/prepared/train.txt").split())
    stats = json.loads(built.read("metrics/samples.json"))
    for name, drawn in {"counts": counts, "nn": nn}.items():
        assert stats[name]["in_train"] == sum(n in train for n in drawn) / 20
        assert stats[name]["mean_len"] == pytest.approx(sum(map(len, drawn)) / 20)


def test_plots_show_every_plot_with_data_and_every_spec_renders(built):
    import vl_convert

    shown = json.loads(built.dvc("plots", "show", "--json").stdout)
    assert not shown.get("errors")
    data = shown["data"]
    assert [p["type"] for p in data.pop("plots/counts.png")] == ["image"]
    rows = {title: len(plot[0]["content"]["data"]["values"]) for title, plot in data.items()}
    assert rows == {
        "P, the counts model": 27 * 27,
        "softmax(W) next to P — gradient descent recovers the counts": 27 * 27,
        "Loss per step": 2 * 101,  # train and val, one line each
        "Smoothing — NLL of the counts model against smooth.alpha": 13,
        "Regularisation — NLL of the network against train_nn.reg": 11,  # reg = 0.01 is on the grid
    }
    for title, (plot,) in data.items():
        assert plot["content"]["title"] == title or plot["content"]["title"]["text"] == title
        png = vl_convert.vegalite_to_png(plot["content"])
        assert png.startswith(b"\x89PNG") and len(png) > 20_000, title


def test_the_heatmap_png_is_the_lecture_figure(built):
    from PIL import Image

    with Image.open(built.path / "plots/counts.png") as image:
        assert image.format == "PNG"
        assert 1100 <= image.width <= 1200 and 1100 <= image.height <= 1250  # 27 cells of about 43 px


def test_curves_mark_the_params_values(built):
    alpha = pd.read_csv(built.path / "plots/alpha.csv")
    assert list(alpha.alpha[alpha.chosen == 1]) == [1.0]
    assert alpha.train_nll.is_monotonic_increasing  # more smoothing always fits train worse
    reg = pd.read_csv(built.path / "plots/reg.csv")
    assert list(reg.reg[reg.chosen == 1]) == [0.01]
    metrics = json.loads(built.read("metrics/eval.json"))
    assert float(alpha.val_nll[alpha.chosen == 1].iloc[0]) == pytest.approx(metrics["counts"]["val"]["nll"], abs=1e-5)
    assert float(reg.val_nll[reg.chosen == 1].iloc[0]) == pytest.approx(metrics["nn"]["val"]["nll"], abs=1e-5)


def test_changing_alpha_reruns_only_smooth_evaluate_and_sample(repo):
    repo.dvc("repro")
    before = json.loads(repo.read("metrics/eval.json"))
    repo.set_params(smooth={"alpha": 0.5})

    diff = repo.dvc("params", "diff", "--json").stdout
    assert json.loads(diff) == {"params.yaml": {"smooth.alpha": {"old": 1, "new": 0.5, "diff": -0.5}}}

    repro = repo.dvc("repro")
    assert ran(repro) == ["smooth", "evaluate", "sample"]
    after = json.loads(repo.read("metrics/eval.json"))
    assert after["nn"] == before["nn"]
    assert after["counts"]["train"]["nll"] < before["counts"]["train"]["nll"]  # less smoothing fits train closer
    metrics_diff = json.loads(repo.dvc("metrics", "diff", "--json").stdout)
    assert "counts.train.nll" in metrics_diff["metrics/eval.json"]
