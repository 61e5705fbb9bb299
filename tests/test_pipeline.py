"""`dvc repro` end to end in a copy of the project, every output checked against the lecture's loops
(and the counts model, under smooth.method kneser_ney, against the plain Kneser-Ney of tests/reference.py).

Each test runs twice: on the committed params, and as a user who changed every section of
params.yaml, reran and committed, seen from a fresh clone of that commit. So every check
reads its expectations from params.yaml, never from today's defaults: the corpus, its
alphabet and model.order (the loops of tests/reference.py take any order) included.
"""

import json
import math
import random
import re
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from stages import arpa
from stages.model import counting, evaluation
from tests import reference
from tests.conftest import ROOT, Repo, shared_build
from tests.test_sparse import arpa_prob, plain_arpa

PIPELINE = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
STAGES = list(PIPELINE)
# the order curve's title, as dvc.yaml writes it
(ORDERS_TITLE,) = [
    title
    for plot in yaml.safe_load((ROOT / "dvc.yaml").read_text())["plots"]
    if isinstance(plot, dict)
    for title, spec in plot.items()
    if spec.get("template") == "orders"
]
SPLITS = ("train", "val", "test")
# A user's edit of every section: another split, another order, less smoothing, a shorter and
# stronger-regularised training, fewer and shorter names, other names to score (changed()).
CHANGED = {
    "prepare": {"seed": 7, "val_frac": 0.15, "test_frac": 0.05},
    "smooth": {"alpha": 0.25},
    "train_nn": {"seed": 1, "steps": 40, "lr": 20, "reg": 0.1},
    "alpha_curve": {"log10_min": -2, "log10_max": 2},
    "reg_curve": {"log10_min": -3, "log10_max": 0},
    "sample": {"seed": 3, "num": 7, "max_len": 6},
}


def corpus(repo):
    """The names of params.yaml's names file as prepare reads them: stripped, no blank lines, lowercased if asked."""
    p = repo.params()["prepare"]
    lines = (line.strip() for line in repo.read(p["names_file"]).removeprefix("\ufeff").splitlines())
    return [line.lower() if p["lowercase"] else line for line in lines if line]


def changed(repo):
    """CHANGED, with the other order (3, or 2 from 3) and names to score that the corpus can spell."""
    names = corpus(repo)
    order = repo.params()["model"]["order"]
    return {**CHANGED, "model": {"order": 2 if order == 3 else 3}, "score": {"names": [names[-1], names[1][::-1]]}}


def clone_of_changed(path):
    """A user's copy with changed() params, reproduced and committed (beside path); at path, a fresh
    clone of that commit: its `dvc repro`."""
    user = Repo(path.parent / "user" / "project")
    user.set_params(**changed(user))
    user.dvc("repro")
    user.commit("my params")
    return Repo(path, source=user.path).dvc("repro")


# each build's tests on one pytest-xdist worker (--dist loadgroup), which copies the build once
@pytest.fixture(
    scope="module",
    params=[pytest.param(kind, marks=pytest.mark.xdist_group(f"pipeline-{kind}")) for kind in ("committed", "changed")],
)
def built(request, tmp_path_factory):
    """A copy of a fresh clone of the committed project, or of a user's commit of changed(), after
    `dvc repro` (`repro`: its output); each built once per run (conftest.shared_build)."""
    if request.param == "committed":
        shared = request.getfixturevalue("committed")
    else:
        shared = shared_build(tmp_path_factory, "pipeline-changed", clone_of_changed)
    repo = shared.copy(tmp_path_factory.mktemp("built") / "project")
    repo.repro = shared.repro
    repo.p = repo.params()
    return repo


def ran(repro):
    return [stage for stage in STAGES if f"Running stage '{stage}'" in repro.stdout]


def long_table(repo, name):
    """A long table (context, next, value) read back with pandas, as the README says: contexts and
    characters as strings ('' the empty context of order 1)."""
    return pd.read_csv(repo.path / name, keep_default_na=False, dtype={"context": str, "next": str})


def words(repo, split):
    return repo.read(f"data/prepared/{split}.txt").splitlines()


def vocab(repo):
    return json.loads(repo.read("data/prepared/vocab.json"))


def order(repo):
    return repo.p["model"]["order"]


def counted(repo, split):
    """The lecture loop's counts N (V**(order - 1), V) of a split, counted once per build."""
    cache = repo.__dict__.setdefault("counted", {})
    if split not in cache:
        cache[split] = reference.counts(words(repo, split), vocab(repo), order(repo))
    return cache[split]


def train_contexts(repo):
    """The contexts train has, sorted: the rows of P and of W."""
    return reference.seen_contexts(words(repo, "train"), vocab(repo), order(repo))


def counts_model(repo):
    """The counts model's probabilities after every context, (V**(order - 1), V) float32, of the method
    smooth.method names. add_alpha: the lecture's P (N + alpha, normalised) after a context train has,
    uniform after any other, float32(1/V). kneser_ney: reference.kneser_ney of train's names after every
    padded context (kneser_ney_rows)."""
    method = repo.p["smooth"]["method"]
    if method == "kneser_ney":
        return kneser_ney_rows(repo).clone()
    assert method == "add_alpha", method
    N = counted(repo, "train")
    P = reference.probabilities(N, repo.p["smooth"]["alpha"])
    P[N.sum(1) == 0] = 1 / P.shape[1]
    return P


def kneser_ney_rows(repo):
    """The plain loops of reference.kneser_ney over train's names, order model.order, after every context of
    reference.contexts, (V**(order - 1), V): each float64 probability rounded to float32, computed once per
    build (at order 4, V = 27, about 3 s). A context no name can have ('.' after another character) is
    read as the reference reads any history: it never occurs, so it backs off."""
    if "kneser_ney" not in repo.__dict__:
        itos, k = vocab(repo), order(repo)
        prob = reference.kneser_ney(words(repo, "train"), k, itos)
        rows = [[prob(context, ch) for ch in itos] for context in reference.contexts(itos, k)]
        repo.kneser_ney = torch.tensor(rows, dtype=torch.float64).float()
    return repo.kneser_ney


def possible_contexts(repo):
    """The rows of every context a name can have: its padding ('.' 0 to order - 1 times), then other characters."""
    stoi = {ch: i for i, ch in enumerate(vocab(repo))}
    labels = reference.contexts(vocab(repo), order(repo))
    return [reference.row(c, stoi) for c in labels if "." not in c.lstrip(".")]


def network(repo):
    """(contexts (labels), W (C, V) float32): the network as train_nn wrote it."""
    W = np.load(repo.path / "data/nn/W.npy", allow_pickle=False)
    return repo.read("data/nn/contexts.txt").splitlines(), W


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
    names = corpus(built)
    splits = {s: words(built, s) for s in SPLITS}
    assert sorted(sum(splits.values(), [])) == sorted(names)
    val, test = Fraction(str(p["val_frac"])), Fraction(str(p["test_frac"]))
    n1, n2 = math.floor((1 - val - test) * len(names)), math.floor((1 - test) * len(names))
    assert [len(splits[s]) for s in ("train", "val", "test")] == [n1, n2 - n1, len(names) - n2]
    # makemore's random.seed(seed); random.shuffle(words): the shuffle of the positions says where each name
    # goes; each split keeps the file's order
    positions = list(range(len(names)))
    random.Random(p["seed"]).shuffle(positions)
    for split, part in zip(SPLITS, (positions[:n1], positions[n1:n2], positions[n2:]), strict=True):
        assert splits[split] == [names[i] for i in sorted(part)], split
    assert json.loads(built.read("data/prepared/vocab.json")) == reference.vocab(names)


def test_count_tables_equal_the_lecture_loop(built):
    """One row per n-gram that occurs in the split, by context then next character: the lecture's dict b."""
    itos = vocab(built)
    stoi = {ch: i for i, ch in enumerate(itos)}
    for split in SPLITS:
        table = long_table(built, f"data/counts/{split}.csv")
        assert list(table.columns) == ["context", "next", "count"]
        rows = list(table.itertuples(index=False, name=None))
        assert rows == reference.long_counts(words(built, split), itos, order(built))
        N = counted(built, split)  # and the dense loop: every cell not in the table is 0
        assert sum(n for *_, n in rows) == N.sum().item() == sum(len(w) + 1 for w in words(built, split))
        assert all(N[reference.row(c, stoi), stoi[ch]] == n for c, ch, n in rows)


def test_smooth_writes_the_lecture_probabilities_as_an_arpa_file(built):
    """data/model.arpa, read as evaluate, sample and score read it (arpa.read) and as KenLM reads it (a plain
    loop over its n-grams, ARPA's back-off rule): after every context a name can have, the counts model of
    smooth.method to the last bit of float32. add_alpha: the lecture's P after each context of train, every
    character at float32(1/V) after any other; kneser_ney: the plain reference's, backing off after a
    context train lacks."""
    itos, k = vocab(built), order(built)
    stoi = {ch: i for i, ch in enumerate(itos)}
    P = counts_model(built)  # (V**(k - 1), V) float32: the lecture's loops, or the plain Kneser-Ney
    seen = [reference.row(context, stoi) for context in train_contexts(built)]
    possible = possible_contexts(built)
    assert set(seen) <= set(possible)
    model = arpa.read(str(built.path / "data/model.arpa"), itos)
    assert model.order == k
    rows = model[np.array(possible)]
    assert rows.dtype == np.float32 and np.array_equal(rows, P[possible].numpy())  # float32 to the last bit
    if built.p["smooth"]["method"] == "add_alpha":  # Kneser-Ney backs off to the shorter contexts instead
        assert np.all(rows[~np.isin(possible, seen)] == np.float32(1 / len(itos)))
    assert np.allclose(rows.sum(1, dtype=np.float64), 1, rtol=0, atol=1e-6)
    n, grams = plain_arpa(built.read("data/model.arpa"))
    assert n == k
    labels = reference.contexts(itos, k)
    for context in (labels[r] for r in possible):  # train's contexts and every other, by ARPA's back-off rule
        plain = [np.float32(arpa_prob(grams, context, ch)) for ch in itos]
        assert plain == P[reference.row(context, stoi)].tolist(), context


def test_train_nn_matches_the_one_hot_network_and_logs_every_step(built):
    p = built.p["train_nn"]
    itos, k = vocab(built), order(built)
    labels, W = network(built)
    assert W.dtype == np.float32 and W.shape == (len(labels), len(itos))
    train = words(built, "train")
    contexts, expected = reference.train_rows(
        train, itos, seed=p["seed"], steps=p["steps"], lr=p["lr"], reg=p["reg"], order=k, dtype=torch.float64
    )  # in float64, as train_nn trains: in float32 the loop's own rounding moves W by 1e-4 at order 1
    assert labels == contexts  # a row for each context of train, none for others (exercise E04)
    assert torch.allclose(torch.as_tensor(W, dtype=torch.float64), expected, atol=1e-4)
    W = reference.full_rows(labels, torch.as_tensor(W, dtype=torch.float64), itos, k)  # others: zeros, uniform
    log = pd.read_csv(built.path / "plots/loss.csv")
    assert list(log.columns) == ["step", "loss", "train_nll", "val_nll", "kl", "lr"]
    assert list(log.step) == list(range(p["steps"] + 1))
    assert log.loss.is_monotonic_decreasing and log.lr.is_monotonic_decreasing  # halved when a step overshoots
    assert all(math.log2(p["lr"] / lr).is_integer() for lr in log.lr)
    for split in ("train", "val"):
        nll = reference.nll(torch.softmax(W, 1), words(built, split), itos, k)
        assert log[f"{split}_nll"].iloc[-1] == pytest.approx(nll, abs=1e-5)
    N = counted(built, "train").double()
    floor = reference.nll(N / N.sum(1, keepdim=True), train, itos, k)  # the counts model at alpha 0
    assert log.kl.iloc[-1] == pytest.approx(log.train_nll.iloc[-1] - floor, abs=1e-5)
    assert (log.kl > 0).all() and log.kl.iloc[-1] < log.kl.iloc[0]  # gradient descent approaches the counts


def test_evaluate_metrics_equal_the_lecture_loop(built):
    itos = vocab(built)
    metrics = json.loads(built.read("metrics/eval.json"))
    models = models_of(built)
    for name, Q in models.items():
        for split in SPLITS:
            m = metrics[name][split]
            scored = reference.scores(Q, words(built, split), itos, order(built))
            assert m["zero_prob"] == sum(prob == 0 for _, prob, _ in scored)
            if m["zero_prob"]:  # smooth.alpha = 0 and a prediction train never counts
                assert (name, m["nll"], m["ppl"]) == ("counts", "inf", "inf")
            else:
                assert m["nll"] == pytest.approx(reference.nll(Q, words(built, split), itos, order(built)), rel=1e-7)
                assert m["ppl"] == pytest.approx(math.exp(m["nll"]), rel=1e-7)
            assert m["bigrams"] == len(scored) == sum(len(w) + 1 for w in words(built, split))
    # KL(P || softmax(W)) row by row, each context weighted by how often train has it
    P, Q, N = models["counts"].double(), models["nn"], counted(built, "train")
    kl = math.fsum(
        N[c].sum().item() / N.sum().item() * P[c, j].item() * math.log(P[c, j].item() / Q[c, j].item())
        for c in range(len(N))
        if N[c].any()
        for j in range(len(itos))
        if P[c, j] > 0
    )
    assert metrics["kl_counts_nn"] == pytest.approx(kl, rel=1e-6) and kl > 0
    shown = json.loads(built.dvc("metrics", "show", "--json").stdout)
    assert "error" not in json.dumps(shown)
    # `dvc metrics show` lists each model's NLL on each split, the same numbers, in a row a terminal fits
    nll = {name: {split: metrics[name][split]["nll"] for split in SPLITS} for name in models}
    assert shown[""]["data"] == {"metrics/nll.json": {"data": nll}}
    assert max(map(len, built.dvc("metrics", "show").stdout.splitlines())) <= 200


def test_sample_draws_the_lecture_names_from_every_model(built):
    p = built.p["sample"]
    itos = vocab(built)
    train = set(words(built, "train"))
    stats = json.loads(built.read("metrics/samples.json"))
    for name, Q in models_of(built).items():
        drawn = built.read(f"data/samples/{name}.txt").splitlines()
        Q = Q.float()  # the lecture samples from float32 rows
        assert drawn == reference.sample(Q, itos, p["num"], p["seed"], max_len=p["max_len"], order=order(built))
        if p["num"]:
            assert stats[name]["in_train"] == pytest.approx(sum(n in train for n in drawn) / p["num"], rel=1e-7)
            assert stats[name]["mean_len"] == pytest.approx(sum(map(len, drawn)) / p["num"])
        else:  # no names, no statistics
            assert stats[name] == {"in_train": None, "mean_len": None}


def models_of(built):
    """Every model's probabilities after every context, (V**(order - 1), V): the counts model by the lecture's
    loops from train's names and smooth.alpha, or by the plain Kneser-Ney, as smooth.method says (counts_model),
    the network as softmax(W) of the pipeline's W, a context W has no row for (train never has it) uniform."""
    labels, W = network(built)
    W = reference.full_rows(labels, torch.as_tensor(W, dtype=torch.float64), vocab(built), order(built))
    P = counts_model(built)
    return {"counts": P, "nn": torch.softmax(W, 1), "uniform": torch.full(P.shape, 1 / P.shape[1])}


def test_the_uniform_model_is_the_baseline(built):
    V = len(vocab(built))
    metrics = json.loads(built.read("metrics/eval.json"))
    for split in SPLITS:
        assert metrics["uniform"][split]["nll"] == float(f"{math.log(V):.8g}")
        assert metrics["uniform"][split]["ppl"] == pytest.approx(V, rel=1e-7)
        assert metrics["uniform"][split]["bigrams"] == metrics["counts"][split]["bigrams"]
        assert metrics["uniform"][split]["nll"] > metrics["counts"][split]["nll"]  # both models beat it


def scored(repo):
    """The names the score stage scores: the corpus's first score.first, then score.names that the
    corpus can spell (read as prepare reads names), each once."""
    p, spelled = repo.params(), set(vocab(repo)[1:])
    listed = [name.strip() for name in p["score"]["names"]]
    listed = [name.lower() if p["prepare"]["lowercase"] else name for name in listed]
    return list(dict.fromkeys(corpus(repo)[: p["score"]["first"]] + [n for n in listed if set(n) <= spelled]))


def test_score_writes_every_name_bigram_by_bigram_as_the_lecture_loop(built):
    itos = vocab(built)
    names = scored(built)
    scores = json.loads(built.read("metrics/score.json"))
    table = pd.read_csv(built.path / "plots/score.csv", keep_default_na=False)
    assert list(table.columns[:3]) == ["name", "position", "bigram"]
    assert list(table.name) == [name for name in names for _ in range(len(name) + 1)]
    for model, Q in models_of(built).items():
        expected = reference.scores(Q, names, itos, order(built))
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


def test_the_score_command_reads_the_models_where_the_score_stage_does():
    import shlex

    from stages import score_cli

    stage = PIPELINE["score"]
    defaults = [score_cli.VOCAB, score_cli.MODEL, score_cli.NN]
    assert shlex.split(stage["cmd"])[3:6] == defaults  # score.main's vocab_json, model_arpa, nn_dir
    assert set(defaults) <= set(stage["deps"])


def test_the_score_command_prints_the_lecture_table_for_any_names(built):
    import sys

    itos = vocab(built)
    name = "".join(itos[1:4])  # the first three characters of the vocabulary
    out = built.run(sys.executable, "-m", "stages.score_cli", name).stdout.splitlines()
    Q = models_of(built)
    expected = []
    for model in ("counts", "nn", "uniform"):
        rows = reference.scores(Q[model], [name], itos, order(built))
        log_likelihood = math.fsum(lp for _, _, lp in rows)
        expected += [f"{model} model", *(f"{b}: {p:.4f} {lp:.4f}" for b, p, lp in rows)]
        expected += [f"log_likelihood={log_likelihood:.4f}", f"nll={-log_likelihood / len(rows):.4f}", ""]
    assert out == expected
    assert built.run("git", "status", "--porcelain").stdout == ""  # printed, nothing written


def test_count_writes_the_train_bigrams_most_common_first(built):
    top = pd.read_csv(built.path / "plots/top_bigrams.csv", keep_default_na=False)
    expected = reference.top_bigrams(words(built, "train"), order(built))
    assert list(zip(top.bigram, top["count"], strict=True)) == [(context + ch, n) for (context, ch), n in expected]
    assert top.share.sum() == pytest.approx(1, abs=1e-4)
    assert top.share.iloc[0] == pytest.approx(expected[0][1] / sum(n for _, n in expected), rel=1e-5)


def test_plots_show_every_plot_with_data_and_every_spec_renders(built):
    import vl_convert

    V = len(vocab(built))
    C = len(train_contexts(built))  # train's counts table's rows
    # The heatmaps' cells: every context and character when they fit, else the SHOWN most frequent contexts
    # (at most V: square), and SHOWN - 1 characters and the rest.
    n_rows, n_columns = min(C, V, counting.SHOWN), min(V, counting.SHOWN)
    shown = json.loads(built.dvc("plots", "show", "--json").stdout)
    assert not shown.get("errors")
    data = shown["data"]
    assert [p["type"] for p in data.pop("plots/counts.png")] == ["image"]
    rows = {title: len(plot[0]["content"]["data"]["values"]) for title, plot in data.items()}
    assert rows == {
        "P, the counts model": n_rows * n_columns,
        "softmax(W) − P — gradient descent approaches the counts, rare rows lag": n_rows * n_columns,
        "Loss per step": built.p["train_nn"]["steps"] + 1,
        "The 30 most common bigrams in train": len(pd.read_csv(built.path / "plots/top_bigrams.csv")),
        "Names scored bigram by bigram — the NLL of each bigram under each model": sum(
            len(name) + 1 for name in scored(built)
        ),
        "Smoothing and regularisation do the same job — NLL against smooth.alpha and train_nn.reg": sum(
            len(pd.read_csv(built.path / f"plots/{curve}.csv")) for curve in ("alpha", "reg")
        ),
        ORDERS_TITLE: len(pd.read_csv(built.path / "plots/orders.csv")),
    }
    svgs = {}
    for title, (plot,) in data.items():
        assert plot["content"]["title"] == title or plot["content"]["title"]["text"] == title
        png = vl_convert.vegalite_to_png(plot["content"])
        assert png.startswith(b"\x89PNG") and (len(png) > 20_000 or not rows[title]), title  # drawn, if it has data
        svgs[title] = vl_convert.vegalite_to_svg(plot["content"])
    # What each picture must show: both series, the counts model's floor, the chosen values by key.
    kl = json.loads(built.read("metrics/eval.json"))["kl_counts_nn"]
    (diff,) = [s for t, s in svgs.items() if t.startswith("softmax(W) − P")]
    if n_rows == C:  # every row shown: the page's KL is the metric
        assert f"KL(P ‖ softmax(W)) of these rows: {kl:.5f}" in diff
    else:  # the rows' shares in probs.csv, summed: part of the metric
        probs = pd.read_csv(built.path / "plots/probs.csv", keep_default_na=False)
        shares = probs.groupby("prev", sort=False).kl.first()
        assert len(shares) == n_rows and shares.sum() < kl
        assert f"KL(P ‖ softmax(W)) of these rows: {shares.sum():.5f}" in diff
    loss = svgs["Loss per step"]
    assert ">train<" in loss and ">val<" in loss and "counts model: " in loss
    (bars,) = [s for t, s in svgs.items() if t.startswith("Names scored")]
    headers = [bars.index(f">{name}</text>") for name in scored(built)]
    assert headers == sorted(headers)  # the names in the order scored
    (tuning,) = [s for t, s in svgs.items() if t.startswith("Smoothing and regularisation")]
    assert ">train<" in tuning and ">val<" in tuning
    for key in ("smooth.alpha", "train_nn.reg"):  # side by side, each panel named and its chosen value labelled
        section, name = key.split(".")
        assert f">{key}<" in tuning and f">{key} = {built.p[section][name]:g}<" in tuning, key
    curve = svgs[ORDERS_TITLE]  # both methods and both splits, the chosen order and method labelled
    chosen = f"model.order = {built.p['model']['order']}, {built.p['smooth']['method']}"
    assert all(f">{x}" in curve for x in ("add_alpha", "kneser_ney", "train<", "val<", chosen + "<")), chosen


def test_the_heatmap_png_is_sized_for_every_cell(built):
    from PIL import Image

    columns = min(len(vocab(built)), counting.SHOWN)  # past SHOWN, SHOWN - 1 characters and the rest
    with Image.open(built.path / "plots/counts.png") as image:
        assert image.format == "PNG"
        assert image.width == round(72 * max(8, 0.6 * columns))  # stages/plots.py: 0.6 inch a cell at 72 dpi


def test_curves_cover_their_grid_and_mark_the_params_values(built):
    alpha, reg = built.p["smooth"]["alpha"], built.p["train_nn"]["reg"]
    k, method = built.p["model"]["order"], built.p["smooth"]["method"]
    metrics = json.loads(built.read("metrics/eval.json"))
    grids = {
        name: (built.p[f"{name}_curve"]["log10_min"], built.p[f"{name}_curve"]["log10_max"])
        for name in ("alpha", "reg")
    }
    # the alpha curve is add-alpha's: its chosen point is the counts model's only when smooth.method is add_alpha
    counts_nll = metrics["counts"]["val"]["nll"] if method == "add_alpha" else None
    for name, chosen, grid, nll in [
        ("alpha", alpha, evaluation.log_grid(*grids["alpha"], alpha), counts_nll),
        ("reg", reg, evaluation.log_grid(*grids["reg"], reg), metrics["nn"]["val"]["nll"]),
    ]:
        curve = pd.read_csv(built.path / f"plots/{name}.csv")
        assert list(curve[name]) == pytest.approx(grid, rel=1e-5)
        assert list(curve[name][curve.chosen == 1]) == pytest.approx([chosen])
        if nll is not None:
            assert float(curve.val_nll[curve.chosen == 1].iloc[0]) == pytest.approx(nll, abs=1e-5)
    alphas = pd.read_csv(built.path / "plots/alpha.csv")
    assert alphas.train_nll.is_monotonic_increasing  # more smoothing fits train worse
    # The order curve: its one chosen row is model.order and smooth.method, the counts model eval.json scores,
    # whichever the method; its add-alpha row at model.order is the alpha curve's chosen point.
    orders = pd.read_csv(built.path / "plots/orders.csv")
    assert list(orders.columns) == ["order", "method", "train_nll", "val_nll", "chosen"]
    (chosen,) = orders[orders.chosen == 1].itertuples(index=False)
    assert (chosen.order, chosen.method) == (k, method)
    assert [chosen.train_nll, chosen.val_nll] == pytest.approx(
        [metrics["counts"][split]["nll"] for split in ("train", "val")], rel=1e-5
    )
    (add_alpha,) = orders[(orders.order == k) & (orders.method == "add_alpha")].itertuples(index=False)
    (point,) = alphas[alphas.chosen == 1].itertuples(index=False)
    assert [add_alpha.train_nll, add_alpha.val_nll] == pytest.approx([point.train_nll, point.val_nll], rel=1e-5)


def never_in_train(repo):
    """A name of two characters whose last prediction train never counts, like the lecture's 'andrejq'
    ending in 'jq'; None if there is none (order 1, with every character in train)."""
    itos, k = json.loads(repo.read("data/prepared/vocab.json")), repo.params()["model"]["order"]
    N = reference.counts(repo.read("data/prepared/train.txt").splitlines(), itos, k)
    stoi = {ch: i for i, ch in enumerate(itos)}
    for a in itos[1:]:
        for b in itos[1:]:
            context, ch = reference.windows(a + b, k)[-2]
            if N[reference.row(context, stoi), stoi[ch]] == 0:
                return a + b
    return None


def test_no_smoothing_shows_in_metrics_diff_as_an_infinite_score(reproduced):
    repo = reproduced
    name = never_in_train(repo)
    if name is None:  # a unigram model gives every character of train a probability: take the bigram model
        repo.set_params(model={"order": 2})
        repo.dvc("repro")
        name = never_in_train(repo)
    repo.set_params(score={"names": [name]}, smooth={"method": "add_alpha", "alpha": 1})  # alpha is add-alpha's
    repo.dvc("repro")
    repo.commit("one name")
    repo.set_params(smooth={"alpha": 0})
    repo.dvc("repro")
    diff = json.loads(repo.dvc("metrics", "diff", "--json", "--targets", "metrics/score.json").stdout)
    diff = diff["metrics/score.json"]
    assert isinstance(diff[f"{name}.counts.nll"]["old"], float) and diff[f"{name}.counts.nll"]["new"] == "inf"


def change_alpha(repo):
    """Halve smooth.alpha (0.5 from 0) and `dvc repro`: (old, new, eval.json before, after, the stages run)."""
    before = json.loads(repo.read("metrics/eval.json"))
    old = repo.params()["smooth"]["alpha"]
    new = old / 2 if old else 0.5
    repo.set_params(smooth={"alpha": new})

    diff = repo.dvc("params", "diff", "--json").stdout
    assert json.loads(diff) == {"params.yaml": {"smooth.alpha": {"old": old, "new": new, "diff": new - old}}}

    stages = ran(repo.dvc("repro"))
    return old, new, before, json.loads(repo.read("metrics/eval.json")), stages


def test_changing_alpha_reruns_only_what_depends_on_it(reproduced):
    repo = reproduced
    if repo.params()["smooth"]["method"] != "add_alpha":
        # alpha is add-alpha's: Kneser-Ney's model file comes out the same, so what reads only it does not rerun
        *_, before, after, stages = change_alpha(repo)
        assert stages == ["smooth", "alpha_curve", "order_curve"] and after == before
        repo.set_params(smooth={"method": "add_alpha"})  # then the same change under add-alpha
        repo.dvc("repro")
        repo.commit("add-alpha")
    old, new, before, after, stages = change_alpha(repo)
    assert stages == ["smooth", "alpha_curve", "order_curve", "evaluate", "sample", "score"]
    assert after["nn"] == before["nn"]
    # less smoothing fits train closer: never worse (at order 1, with ~27 contexts' worth of counts in one row,
    # alpha moves the train NLL by less than eval.json's 8 digits, so the two may be equal)
    a, b = after["counts"]["train"]["nll"], before["counts"]["train"]["nll"]
    assert (a <= b) if new < old else (a >= b)
    metrics_diff = json.loads(repo.dvc("metrics", "diff", "--json").stdout)
    assert ("counts.train" in metrics_diff["metrics/nll.json"]) == (a != b)
    assert any(key.startswith("counts.") for key in metrics_diff["metrics/nll.json"])
