"""The daily loop through DVC: an experiment read back from `dvc exp show`, and sharing via a remote."""

import json
import math
import re
import shutil

import pandas as pd
import pytest

from stages.model import evaluation


def test_an_experiment_shows_its_params_and_metrics(reproduced):
    repo = reproduced
    baseline = json.loads(repo.read("metrics/eval.json"))
    baseline_curve = pd.read_csv(repo.path / "plots/reg.csv")

    committed = repo.params()
    alpha = committed["smooth"]["alpha"] / 2 if committed["smooth"]["alpha"] else 0.5
    reg = round(committed["train_nn"]["reg"] * 2 + 0.1, 6)  # more regularisation
    repo.dvc("exp", "run", "--name", "my-exp", "-S", f"smooth.alpha={alpha}", "-S", f"train_nn.reg={reg}")

    (head,) = [rev for rev in json.loads(repo.dvc("exp", "show", "--json").stdout) if rev["rev"] != "workspace"]
    assert head["data"]["params"]["params.yaml"]["data"] == committed
    ((exp,),) = [e["revs"] for e in head["experiments"]]
    assert exp["name"] == "my-exp"
    assert exp["data"]["params"]["params.yaml"]["data"]["smooth"] == {**committed["smooth"], "alpha": alpha}
    assert exp["data"]["params"]["params.yaml"]["data"]["train_nn"]["reg"] == reg
    nll = exp["data"]["metrics"]["metrics/nll.json"]["data"]  # what exp show lists: each model's NLL per split
    assert nll == json.loads(repo.read("metrics/nll.json"))  # the experiment is applied to the workspace
    metrics = json.loads(repo.read("metrics/eval.json"))
    assert nll == {model: {split: m["nll"] for split, m in metrics[model].items()} for model in nll}
    reg_curve = pd.read_csv(repo.path / "plots/reg.csv")
    add_alpha = committed["smooth"]["method"] == "add_alpha"
    for model in ("counts", "nn") if add_alpha else ("nn",):
        for split in ("val", "test"):
            if baseline[model][split]["bigrams"]:  # prepare.val_frac or test_frac 0: no NLL to change
                assert metrics[model][split]["nll"] != baseline[model][split]["nll"]
    if add_alpha:
        # less smoothing fits train closer: never worse (at order 1 alpha moves the train NLL by less than
        # eval.json's 8 digits, so the two may be equal)
        a, b = metrics["counts"]["train"]["nll"], baseline["counts"]["train"]["nll"]
        assert (a <= b) if alpha < committed["smooth"]["alpha"] else (a >= b)
    else:  # alpha is add-alpha's: Kneser-Ney's counts model, and so its every metric, is the same
        assert metrics["counts"] == baseline["counts"]
    # The network trained with each reg: its train NLL is the reg curve's at the chosen reg, which trains alike.
    # (More regularisation fits train worse only once training has converged: after train_nn.steps it may not
    # have, and the penalty's pull towards 0 can then speed it up.)
    assert metrics["nn"]["train"]["nll"] != baseline["nn"]["train"]["nll"]
    for curve, chosen, m in [(baseline_curve, committed["train_nn"]["reg"], baseline), (reg_curve, reg, metrics)]:
        assert list(curve.reg[curve.chosen == 1]) == pytest.approx([chosen])
        assert list(curve.train_nll[curve.chosen == 1]) == pytest.approx([m["nn"]["train"]["nll"]], abs=1e-5)

    table = repo.dvc(
        "exp", "show", "--no-pager", "--drop", ".*", "--keep", r"Experiment|smooth\.alpha|(counts|nn)\.val"
    ).stdout
    assert "my-exp" in table and "smooth.alpha" in table and "counts.val" in table


def test_outputs_travel_through_a_remote(reproduced, tmp_path):
    repo = reproduced
    repo.dvc("remote", "add", "--default", "team", str(tmp_path / "remote"))
    repo.dvc("push")

    shutil.rmtree(repo.path / ".dvc/cache")
    for out in ("data/prepared", "data/counts", "data/nn", "data/samples"):
        shutil.rmtree(repo.path / out)
    (repo.path / "data/model.arpa").unlink()
    assert "deleted" in repo.dvc("status").stdout

    repo.dvc("pull")
    assert "Data and pipelines are up to date" in repo.dvc("status").stdout
    assert repo.read("data/prepared/train.txt")
    assert repo.read("data/model.arpa").startswith("\\data\\\n")
    assert (repo.path / "data/nn/W.npy").read_bytes().startswith(b"\x93NUMPY")


def grid(repo, curve):
    """The points of a curve's grid in params.yaml (alpha_curve or reg_curve), without a chosen value."""
    p = repo.params()[curve]
    return evaluation.log_grid(p["log10_min"], p["log10_max"], 0)


def nearest(points, value):
    """The point nearest to value on a log scale (the smallest for 0)."""
    return min(points, key=lambda x: abs(math.log10(x / value)) if value > 0 else x)


def test_plots_diff_reads_as_a_comparison(reproduced):
    """`dvc plots diff HEAD` after new smooth.alpha and train_nn.reg: each revision named, its change from
    the committed one drawn, the chosen values told apart, and a curve no param moved drawn once."""
    import vl_convert

    repo = reproduced
    committed = repo.params()
    # A curve stage adds its chosen value to the grid when it is off it: the committed values moved to the
    # nearest grid points, so that both revisions' curves have the same points and no param moves them.
    before = {
        "alpha": nearest(grid(repo, "alpha_curve"), committed["smooth"]["alpha"]),
        "reg": nearest(grid(repo, "reg_curve"), committed["train_nn"]["reg"]),
    }
    repo.set_params(smooth={"alpha": before["alpha"]}, train_nn={"reg": before["reg"]})
    repo.dvc("repro")
    repo.commit("baseline")
    # New values on the grids too, about a decade away
    alpha = nearest([x for x in grid(repo, "alpha_curve") if x != before["alpha"]], before["alpha"] * 10)
    reg = nearest([x for x in grid(repo, "reg_curve") if x != before["reg"]], before["reg"] * 10)
    repo.set_params(smooth={"alpha": alpha}, train_nn={"reg": reg})
    repo.dvc("repro")

    shown = json.loads(repo.dvc("plots", "diff", "HEAD", "--json").stdout)["data"]
    svgs = {
        title.split(" —")[0]: vl_convert.vegalite_to_svg(plot["content"])
        for title, (plot, *_) in shown.items()
        if plot["type"] == "vega"
    }
    heatmap = svgs["P, the counts model"]
    assert ">HEAD<" in heatmap and ">workspace<" in heatmap and ">workspace − HEAD: " in heatmap
    top = svgs["The 30 most common bigrams in train"]  # the two revisions' bars side by side, in a legend
    assert ">HEAD</text>" in top and ">workspace</text>" in top
    tuning = svgs["Smoothing and regularisation do the same job"]
    assert f">HEAD: smooth.alpha = {before['alpha']:g}<" in tuning
    assert f">smooth.alpha = {alpha:g}<" in tuning and f">train_nn.reg = {reg:g}<" in tuning
    assert ">train<" in tuning and ">HEAD: train<" not in tuning  # the grids' curves are the same in both: drawn once
    loss = svgs["Loss per step"]
    assert ">HEAD: train<" in loss and ">train<" in loss  # reg moved the training curves: both drawn, named
    (floor,) = re.findall(r">([^<>]*counts model: [^<>]*)<", loss)  # one floor: the counts model at alpha 0
    assert floor.startswith("counts model: ")
