"""`dvc repro` end to end in a copy of the project, every output checked against the lecture's loops.

Each test runs twice: on the committed params, and as a user who changed every section of
params.yaml, reran and committed, seen from a fresh clone of that commit. So every check
reads its expectations from params.yaml, never from today's defaults.
"""

import json
import math
import re
from fractions import Fraction

import pandas as pd
import pytest
import torch
import yaml

from stages.model import evaluation
from tests import reference
from tests.conftest import ROOT, Repo

PIPELINE = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
STAGES = list(PIPELINE)
# A user's edit of every section: another split, less smoothing, a shorter and stronger-regularised
# training, fewer and shorter names.
CHANGED = {
    "prepare": {"seed": 7, "val_frac": 0.15, "test_frac": 0.05},
    "smooth": {"alpha": 0.25},
    "train_nn": {"seed": 1, "steps": 40, "lr": 20, "reg": 0.1},
    "alpha_curve": {"log10_min": -2, "log10_max": 2},
    "reg_curve": {"log10_min": -3, "log10_max": 0},
    "sample": {"seed": 3, "num": 7, "max_len": 6},
    "score": {"names": ["bob", "zoe"]},
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


def committed_only(stage):
    """True if every output of the stage is committed to git (cache: false), none cached by DVC."""
    outs = [out for key in ("outs", "metrics") for out in PIPELINE[stage].get(key, [])]
    return all(isinstance(out, dict) and not next(iter(out.values())).get("cache", True) for out in outs)


def test_repro_runs_every_stage_and_reproduces_the_committed_results(built):
    # A stage whose outputs are all committed already matches dvc.lock on a fresh clone.
    assert ran(built.repro) == [stage for stage in STAGES if not committed_only(stage)]
    assert {"evaluate", "alpha_curve", "reg_curve", "score"} <= {stage for stage in STAGES if committed_only(stage)}
    for stage in filter(committed_only, STAGES):
        assert ran(built.dvc("repro", "--force", "--single-item", stage)) == [stage]
    # dvc.lock and the metrics in git are exactly what a fresh run gives.
    assert built.run("git", "status", "--porcelain").stdout == ""
    assert "Data and pipelines are up to date" in built.dvc("status").stdout


AUDIT = """
import os, runpy, sys
read = set()
def hook(event, args):  # every file opened for reading
    if event == "open" and isinstance(args[0], str) and not set("wax+") & set(args[1] or "r"):
        read.add(os.path.relpath(args[0]))
sys.addaudithook(hook)
sys.argv = sys.argv[1:]
try:
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
finally:
    code = {os.path.relpath(m.__file__) for name, m in list(sys.modules.items()) if name.startswith("stages.")}
    print(sorted(code | {path for path in read if not path.startswith(("..", "/")) and "__pycache__" not in path}))
"""


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_declares_exactly_what_it_reads(built, stage):
    """Its deps are the files it opens and the stages/ modules it imports; its params, the sections it loads."""
    import ast
    import shlex
    import sys

    cmd = shlex.split(PIPELINE[stage]["cmd"].replace("${prepare.names_file}", built.p["prepare"]["names_file"]))
    assert cmd[:2] == ["python", "-m"]
    done = built.run(sys.executable, "-c", AUDIT, *cmd[2:])
    read = {path for path in ast.literal_eval(done.stdout.splitlines()[-1]) if not path.endswith("__init__.py")}
    assert ("params.yaml" in read) == bool(PIPELINE[stage].get("params"))
    read.discard("params.yaml")
    deps = {dep.replace("${prepare.names_file}", built.p["prepare"]["names_file"]) for dep in PIPELINE[stage]["deps"]}
    covered = {dep for dep in deps for path in read if path == dep or path.startswith(dep + "/")}
    assert covered == deps, f"declared but never read: {deps - covered}"
    assert all(any(path == dep or path.startswith(dep + "/") for dep in deps) for path in read), read - deps
    script = (built.path / f"stages/{stage}.py").read_text()
    sections = set(re.findall(r'params\.load\("(\w+)"\)', script))
    assert sections == {p.split(".")[0] for p in PIPELINE[stage].get("params", [])}


@pytest.mark.parametrize("section", list(yaml.safe_load((ROOT / "params.yaml").read_text())))
def test_changing_a_params_section_touches_exactly_the_stages_that_load_it(built, section):
    params = built.params()
    key, value = next((k, v) for k, v in params[section].items() if isinstance(v, (int, float, list)))
    params[section][key] = value[:-1] if isinstance(value, list) else value + 1  # fewer names, or one more
    built.write("params.yaml", yaml.safe_dump(params, sort_keys=False))
    try:
        status = json.loads(built.dvc("status", "--json").stdout)
    finally:
        built.run("git", "checkout", "params.yaml")
    changed = {
        stage for stage, why in status.items() if any("params.yaml" in item.get("changed deps", {}) for item in why)
    }
    loads = {
        stage for stage in STAGES if f'params.load("{section}")' in (built.path / f"stages/{stage}.py").read_text()
    }
    assert changed == loads


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
    assert list(log.columns) == ["step", "loss", "train_nll", "val_nll", "kl"]
    assert list(log.step) == list(range(p["steps"] + 1))
    for split in ("train", "val"):
        nll = reference.nll(torch.softmax(W, 1), words(built, split), itos)
        assert log[f"{split}_nll"].iloc[-1] == pytest.approx(nll, abs=1e-5)
    N = reference.counts(words(built, "train"), itos).double()
    floor = reference.nll(N / N.sum(1, keepdim=True), words(built, "train"), itos)  # the counts model at alpha 0
    assert log.kl.iloc[-1] == pytest.approx(log.train_nll.iloc[-1] - floor, abs=1e-5)
    assert (log.kl > 0).all() and log.kl.iloc[-1] < log.kl.iloc[0]  # gradient descent approaches the counts


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
    for name, Q in models_of(built).items():
        drawn = built.read(f"data/samples/{name}.txt").splitlines()
        Q = Q.float()  # the lecture samples from float32 rows
        assert drawn == reference.sample(Q, itos, num=p["num"], seed=p["seed"], max_len=p["max_len"])
        assert stats[name]["in_train"] == sum(n in train for n in drawn) / p["num"]
        assert stats[name]["mean_len"] == pytest.approx(sum(map(len, drawn)) / p["num"])


def models_of(built):
    """Every model's probabilities, read back from the pipeline's files: {name: (V, V) tensor}."""
    _, P = matrix(built, "data/P.csv")
    _, W = matrix(built, "data/W.csv")
    return {"counts": P.float(), "nn": torch.softmax(W, 1), "uniform": torch.full(P.shape, 1 / len(P))}


def test_the_uniform_model_is_the_baseline(built):
    V = len(json.loads(built.read("data/prepared/vocab.json")))
    metrics = json.loads(built.read("metrics/eval.json"))
    for split in ("train", "val", "test"):
        assert metrics["uniform"][split]["nll"] == float(f"{math.log(V):.8g}")
        assert metrics["uniform"][split]["ppl"] == pytest.approx(V, rel=1e-7)
        assert metrics["uniform"][split]["bigrams"] == metrics["counts"][split]["bigrams"]
        assert metrics["uniform"][split]["nll"] > metrics["counts"][split]["nll"]  # both models beat it


def test_score_writes_every_name_bigram_by_bigram_as_the_lecture_loop(built):
    itos = json.loads(built.read("data/prepared/vocab.json"))
    names = built.p["score"]["names"]
    scores = json.loads(built.read("metrics/score.json"))
    table = pd.read_csv(built.path / "plots/score.csv", keep_default_na=False)
    assert list(table.columns[:3]) == ["name", "position", "bigram"]
    assert list(table.name) == [name for name in names for _ in range(len(name) + 1)]
    for model, Q in models_of(built).items():
        expected = reference.scores(Q, names, itos)
        assert list(table.bigram) == [bigram for bigram, _, _ in expected]
        assert list(table[f"{model}_prob"]) == pytest.approx([p for _, p, _ in expected], rel=1e-5)
        for name in names:
            logprobs = [
                lp for (bigram, _, lp), row in zip(expected, table.itertuples(), strict=True) if row.name == name
            ]
            m = scores[name][model]
            assert m["bigrams"] == len(name) + 1 and m["zero_prob"] == sum(lp == -math.inf for lp in logprobs)
            if m["zero_prob"] == 0:
                assert m["log_likelihood"] == pytest.approx(math.fsum(logprobs), rel=1e-6)
                assert m["nll"] == pytest.approx(-math.fsum(logprobs) / len(logprobs), rel=1e-6)
            else:
                assert (m["log_likelihood"], m["nll"]) == ("-inf", "inf")


def test_the_score_command_prints_the_lecture_table_for_any_names(built):
    import sys

    itos = json.loads(built.read("data/prepared/vocab.json"))
    name = "".join(itos[1:4])  # the first three characters of the vocabulary
    out = built.run(sys.executable, "-m", "stages.score", name).stdout.splitlines()
    Q = models_of(built)
    expected = []
    for model in ("counts", "nn", "uniform"):
        rows = reference.scores(Q[model], [name], itos)
        log_likelihood = math.fsum(lp for _, _, lp in rows)
        expected += [f"{model} model", *(f"{b}: {p:.4f} {lp:.4f}" for b, p, lp in rows)]
        expected += [f"log_likelihood={log_likelihood:.4f}", f"nll={-log_likelihood / len(rows):.4f}", ""]
    assert out == expected
    assert built.run("git", "status", "--porcelain").stdout == ""  # printed, nothing written


def test_count_writes_the_train_bigrams_most_common_first(built):
    top = pd.read_csv(built.path / "plots/top_bigrams.csv", keep_default_na=False)
    expected = reference.top_bigrams(words(built, "train"))
    assert list(zip(top.bigram, top["count"], strict=True)) == [(a + b, n) for (a, b), n in expected]
    assert top.share.sum() == pytest.approx(1, abs=1e-4)
    assert top.share.iloc[0] == pytest.approx(expected[0][1] / sum(n for _, n in expected), rel=1e-5)


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
        "softmax(W) − P — gradient descent approaches the counts, rare rows lag": V * V,
        "Loss per step": built.p["train_nn"]["steps"] + 1,
        "The 30 most common bigrams in train": len(pd.read_csv(built.path / "plots/top_bigrams.csv")),
        "Names scored bigram by bigram — the NLL of each bigram under each model": sum(
            len(name) + 1 for name in built.p["score"]["names"]
        ),
        "Smoothing and regularisation do the same job — NLL against smooth.alpha and train_nn.reg": sum(
            len(pd.read_csv(built.path / f"plots/{curve}.csv")) for curve in ("alpha", "reg")
        ),
    }
    svgs = {}
    for title, (plot,) in data.items():
        assert plot["content"]["title"] == title or plot["content"]["title"]["text"] == title
        png = vl_convert.vegalite_to_png(plot["content"])
        assert png.startswith(b"\x89PNG") and len(png) > 20_000, title
        svgs[title] = vl_convert.vegalite_to_svg(plot["content"])
    # What each picture must show: both series, the counts model's floor, the chosen values by key.
    kl = json.loads(built.read("metrics/eval.json"))["kl_counts_nn"]
    (diff,) = [s for t, s in svgs.items() if t.startswith("softmax(W) − P")]
    if V <= 30:  # every row shown: the page's KL is the metric
        assert f"KL(P ‖ softmax(W)) of these rows: {kl:.5f}" in diff
    loss = svgs["Loss per step"]
    assert ">train<" in loss and ">val<" in loss and "counts model: " in loss
    (scored,) = [s for t, s in svgs.items() if t.startswith("Names scored")]
    headers = [scored.index(f">{name}</text>") for name in dict.fromkeys(built.p["score"]["names"])]
    assert headers == sorted(headers)  # the names in score.names' order
    (tuning,) = [s for t, s in svgs.items() if t.startswith("Smoothing and regularisation")]
    assert ">train<" in tuning and ">val<" in tuning
    for key in ("smooth.alpha", "train_nn.reg"):  # side by side, each panel named and its chosen value labelled
        section, name = key.split(".")
        assert f">{key}<" in tuning and f">{key} = {built.p[section][name]:g}<" in tuning, key


def test_the_heatmap_png_is_sized_for_every_cell(built):
    from PIL import Image

    V = len(json.loads(built.read("data/prepared/vocab.json")))
    with Image.open(built.path / "plots/counts.png") as image:
        assert image.format == "PNG"
        assert image.width == round(72 * max(8, 0.6 * V))  # stages/plots.py: 0.6 inch a cell at 72 dpi


def test_curves_cover_their_grid_and_mark_the_params_values(built):
    alpha, reg = built.p["smooth"]["alpha"], built.p["train_nn"]["reg"]
    metrics = json.loads(built.read("metrics/eval.json"))
    grids = {
        name: (built.p[f"{name}_curve"]["log10_min"], built.p[f"{name}_curve"]["log10_max"])
        for name in ("alpha", "reg")
    }
    for name, chosen, grid, nll in [
        ("alpha", alpha, evaluation.log_grid(*grids["alpha"], alpha), metrics["counts"]["val"]["nll"]),
        ("reg", reg, evaluation.log_grid(*grids["reg"], reg), metrics["nn"]["val"]["nll"]),
    ]:
        curve = pd.read_csv(built.path / f"plots/{name}.csv")
        assert list(curve[name]) == pytest.approx(grid, rel=1e-5)
        assert list(curve[name][curve.chosen == 1]) == pytest.approx([chosen])
        assert float(curve.val_nll[curve.chosen == 1].iloc[0]) == pytest.approx(nll, abs=1e-5)
    assert pd.read_csv(
        built.path / "plots/alpha.csv"
    ).train_nll.is_monotonic_increasing  # more smoothing fits train worse


def test_no_smoothing_shows_in_metrics_diff_as_an_infinite_score(repo):
    repo.dvc("repro")
    itos, N = matrix(repo, "data/counts/train.csv")
    prev, nxt = next((a, b) for i, a in enumerate(itos[1:], 1) for j, b in enumerate(itos[1:], 1) if N[i, j] == 0)
    name = f"andre{prev}{nxt}"  # like the lecture's 'andrejq': ends in a bigram train never has
    repo.set_params(score={"names": [name]}, smooth={"alpha": 1})
    repo.dvc("repro")
    repo.commit("one name")
    repo.set_params(smooth={"alpha": 0})
    repo.dvc("repro")
    diff = json.loads(repo.dvc("metrics", "diff", "--json").stdout)["metrics/score.json"]
    assert isinstance(diff[f"{name}.counts.nll"]["old"], float) and diff[f"{name}.counts.nll"]["new"] == "inf"


def test_changing_alpha_reruns_only_what_depends_on_it(repo):
    repo.dvc("repro")
    before = json.loads(repo.read("metrics/eval.json"))
    old = repo.params()["smooth"]["alpha"]
    new = old / 2 if old else 0.5
    repo.set_params(smooth={"alpha": new})

    diff = repo.dvc("params", "diff", "--json").stdout
    assert json.loads(diff) == {"params.yaml": {"smooth.alpha": {"old": old, "new": new, "diff": new - old}}}

    repro = repo.dvc("repro")
    assert ran(repro) == ["smooth", "alpha_curve", "evaluate", "sample", "score"]
    after = json.loads(repo.read("metrics/eval.json"))
    assert after["nn"] == before["nn"]
    fits_closer = after["counts"]["train"]["nll"] < before["counts"]["train"]["nll"]
    assert fits_closer == (new < old)  # less smoothing fits train closer
    metrics_diff = json.loads(repo.dvc("metrics", "diff", "--json").stdout)
    assert "counts.train.nll" in metrics_diff["metrics/eval.json"]
