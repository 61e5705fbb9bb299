"""The daily loop through DVC: an experiment read back from `dvc exp show`, and sharing via a remote."""

import json
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
