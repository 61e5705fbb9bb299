"""The daily loop through DVC: an experiment read back from `dvc exp show`, and sharing via a remote."""

import json
import re
import shutil

from tests.conftest import Repo


def test_an_experiment_shows_its_params_and_metrics(tmp_path):
    repo = Repo(tmp_path / "project")
    repo.dvc("repro")
    repo.commit("baseline")
    baseline = json.loads(repo.read("metrics/eval.json"))

    committed = repo.params()
    alpha = committed["smooth"]["alpha"] / 2 if committed["smooth"]["alpha"] else 0.5
    reg = round(committed["train_nn"]["reg"] * 2 + 0.1, 6)  # more regularisation
    repo.dvc("exp", "run", "--name", "my-exp", "-S", f"smooth.alpha={alpha}", "-S", f"train_nn.reg={reg}")

    (head,) = [rev for rev in json.loads(repo.dvc("exp", "show", "--json").stdout) if rev["rev"] != "workspace"]
    assert head["data"]["params"]["params.yaml"]["data"] == committed
    ((exp,),) = [e["revs"] for e in head["experiments"]]
    assert exp["name"] == "my-exp"
    assert exp["data"]["params"]["params.yaml"]["data"]["smooth"] == {"alpha": alpha}
    assert exp["data"]["params"]["params.yaml"]["data"]["train_nn"]["reg"] == reg
    metrics = exp["data"]["metrics"]["metrics/eval.json"]["data"]
    assert metrics == json.loads(repo.read("metrics/eval.json"))  # the experiment is applied to the workspace
    for model in ("counts", "nn"):
        for split in ("val", "test"):
            assert metrics[model][split]["nll"] != baseline[model][split]["nll"]
    fits_closer = metrics["counts"]["train"]["nll"] < baseline["counts"]["train"]["nll"]
    assert fits_closer == (alpha < committed["smooth"]["alpha"])  # less smoothing fits train closer
    assert metrics["nn"]["train"]["nll"] > baseline["nn"]["train"]["nll"]  # more regularisation

    table = repo.dvc(
        "exp", "show", "--no-pager", "--drop", ".*", "--keep", r"Experiment|smooth\.alpha|(counts|nn)\.val\.nll"
    ).stdout
    assert "my-exp" in table and "smooth.alpha" in table and "counts.val.nll" in table


def test_outputs_travel_through_a_remote(tmp_path):
    repo = Repo(tmp_path / "project")
    repo.dvc("repro")
    repo.dvc("remote", "add", "--default", "team", str(tmp_path / "remote"))
    repo.dvc("push")

    shutil.rmtree(repo.path / ".dvc/cache")
    for out in ("data/prepared", "data/counts", "data/samples"):
        shutil.rmtree(repo.path / out)
    for out in ("data/P.csv", "data/W.csv"):
        (repo.path / out).unlink()
    assert "deleted" in repo.dvc("status").stdout

    repo.dvc("pull")
    assert "Data and pipelines are up to date" in repo.dvc("status").stdout
    assert repo.read("data/prepared/train.txt")


def test_plots_diff_reads_as_a_comparison(tmp_path):
    """`dvc plots diff HEAD` after new smooth.alpha and train_nn.reg: each revision named, its change from
    the committed one drawn, the chosen values told apart, and a curve no param moved drawn once."""
    import vl_convert

    repo = Repo(tmp_path / "project")
    repo.dvc("repro")
    repo.commit("baseline")
    committed = repo.params()
    alpha, reg = committed["smooth"]["alpha"] * 4 + 1, committed["train_nn"]["reg"] * 4 + 0.1
    repo.set_params(smooth={"alpha": alpha}, train_nn={**committed["train_nn"], "reg": reg})
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
    assert f">HEAD: smooth.alpha = {committed['smooth']['alpha']:g}<" in tuning
    assert f">smooth.alpha = {alpha:g}<" in tuning and f">train_nn.reg = {reg:g}<" in tuning
    assert ">train<" in tuning and ">HEAD: train<" not in tuning  # the grids' curves are the same in both: drawn once
    loss = svgs["Loss per step"]
    assert ">HEAD: train<" in loss and ">train<" in loss  # reg moved the training curves: both drawn, named
    (floor,) = re.findall(r">([^<>]*counts model: [^<>]*)<", loss)  # one floor: the counts model at alpha 0
    assert floor.startswith("counts model: ")
