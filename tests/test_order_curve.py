"""The order curve (the lecture's exercise E01 for every order and both smoothings): its numbers
against plain computations on strings, the chosen row, the max_order refusal, and the stage in a
DVC pipeline with its plot.

The plain references count with the lecture's padded windows (tests/reference.py) at each order
on its own, never from a higher order's counts; add-alpha is the lecture's dense P, and
Kneser-Ney is computed here from its definition (stages/model/kneser_ney.py's docstring) over
dicts of strings, recursively, a context train lacks backing off whole.
"""

import collections
import json
import math
import os
import random
import subprocess
import sys

import numpy as np
import pytest
import yaml

from stages import params
from stages.model import corpus, counting, kneser_ney, orders
from tests import reference
from tests.conftest import ROOT, Repo

DEFAULTS = yaml.safe_load((ROOT / "params.yaml").read_text())
FALLBACK = (0.5, 1.0, 1.5)  # lmplz's --discount_fallback


def random_names(n, seed, alphabet="aeilmnor"):
    """n names of 1 to 7 characters over a small alphabet (V = 9), the same every run."""
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7))) for _ in range(n)]


TRAIN = random_names(400, seed=1)
VAL = random_names(80, seed=2)


# ---------------------------------------------------------------------------------------------------
# plain references, on strings


def windows_counter(names, order):
    """{(context, next): how often} over the padded windows of the lecture's loop at this order."""
    return collections.Counter(w for name in names for w in reference.windows(name, order))


def plain_nll(prob, names, order):
    """Mean -log prob(context, next) over every prediction of the names, summed exactly."""
    terms = [-math.log(prob(context, ch)) for name in names for context, ch in reference.windows(name, order)]
    return math.fsum(terms) / len(terms)


def plain_discounts(adjusted):
    """(D1, D2, D3+), fell_back: Chen & Goodman's discounts from a level's adjusted counts, or
    lmplz's fallback where one of n1, n2, n3 is 0 or a D_i falls outside (0, i]."""
    n = [sum(a == i for a in adjusted) for i in (1, 2, 3, 4)]
    if 0 in n[:3]:
        return FALLBACK, True
    y = n[0] / (n[0] + 2 * n[1])
    D = [i - (i + 1) * y * n[i] / n[i - 1] for i in (1, 2, 3)]
    if not all(0 < d <= i for i, d in enumerate(D, start=1)):
        return FALLBACK, True
    return tuple(D), False


def plain_kneser_ney(names, order, V):
    """(prob(context, next), the levels whose discounts fell back): interpolated modified
    Kneser-Ney of `order` from the names, level m's n-grams as strings of m tokens.

    Level m lists the last m tokens of each padded window whose history (all but the last token)
    has no padding or a single '.' (the start of a name); their adjusted counts are their counts in
    the windows at the top level and for a history starting a name, else the number of distinct
    n-grams one level up that end in them.
    """
    windows = windows_counter(names, order)
    raw = [None] + [collections.Counter() for _ in range(order)]  # raw[m]: {n-gram of m tokens: count}
    for (context, ch), n in windows.items():
        for m in range(1, order + 1):
            raw[m][(context + ch)[-m:]] += n
    levels = [None] * (order + 1)  # levels[m]: {n-gram: adjusted count}
    for m in range(order, 0, -1):
        listed = [g for g in raw[m] if not g[:-1].startswith("..")]
        if m == order:
            levels[m] = {g: raw[m][g] for g in listed}
        else:
            left = collections.Counter(g[1:] for g in levels[m + 1])  # distinct one-token-longer n-grams ending in g
            levels[m] = {g: raw[m][g] if g.startswith(".") and m > 1 else left[g] for g in listed}
    discounts, fell_back, totals, gammas = {}, [], {}, {}
    for m in range(1, order + 1):
        D, fell = plain_discounts(list(levels[m].values()))
        fell_back += [m] * fell
        discounts[m] = D
        totals[m], gammas[m] = collections.Counter(), collections.Counter()
        for g, a in levels[m].items():
            totals[m][g[:-1]] += a
            gammas[m][g[:-1]] += D[min(a, 3) - 1]

    def p(history, ch):
        """p_m(ch | history) at level m = len(history) + 1, down to the uniform p_0."""
        m = len(history) + 1
        below = 1 / V if m == 1 else p(history[1:], ch)
        if history not in totals[m]:  # a history level m never saw: backed off whole
            return below
        a = levels[m].get(history + ch, 0)
        discounted = (a - discounts[m][min(a, 3) - 1]) / totals[m][history] if a else 0.0
        return discounted + gammas[m][history] / totals[m][history] * below

    def prob(context, ch):
        """A padded context keeps one '.' of its padding: its history at its own level."""
        stripped = context.lstrip(".")
        return p(("." if stripped != context else "") + stripped, ch)

    return prob, fell_back


def plain_curve(train, val, itos, top, alpha):
    """[(order, method, train NLL, val NLL)] from the plain references, each order counted on its own."""
    V = len(itos)
    stoi = {ch: i for i, ch in enumerate(itos)}
    curve = []
    for m in range(1, top + 1):
        P = reference.probabilities(reference.counts(train, itos, m), alpha)  # (V**(m - 1), V): unseen rows uniform

        def add_alpha(context, ch, P=P):
            return P[reference.row(context, stoi), stoi[ch]].item()

        kneser_ney, _ = plain_kneser_ney(train, m, V)
        for method, prob in (("add_alpha", add_alpha), ("kneser_ney", kneser_ney)):
            curve.append((m, method, plain_nll(prob, train, m), plain_nll(prob, val, m)))
    return curve


def assert_curves_equal(got, expected, rel=0):
    """Same rows; NLL within 1e-6 nats (the models' rows are float32, as evaluate's; these are
    float64), and `rel` more (a CSV's 6 significant digits: 5e-6)."""
    assert [row[:2] for row in got] == [row[:2] for row in expected]
    for g, e in zip(got, expected, strict=True):
        assert g[2:] == pytest.approx(e[2:], rel=rel, abs=1e-6), g[:2]


# ---------------------------------------------------------------------------------------------------
# 1. the numbers


def test_every_order_is_counted_from_the_top_orders_ngrams():
    itos = corpus.build_vocab(TRAIN)
    V, top = len(itos), 6
    ngrams, counts = counting.count_ngrams([TRAIN], itos, top)
    for m in range(1, top + 1):
        grams, n = counting.last_tokens(ngrams, counts, V, m)
        labels = corpus.context_labels(grams // V, itos, m)
        as_dict = {(label, itos[g % V]): k for label, g, k in zip(labels, grams.tolist(), n.tolist(), strict=True)}
        assert as_dict == windows_counter(TRAIN, m)
        assert np.all(np.diff(grams) > 0)


@pytest.mark.parametrize("alpha", [1, 0.1])
def test_the_curve_is_each_order_fitted_from_its_own_counts(alpha):
    itos = corpus.build_vocab(TRAIN)
    V, top = len(itos), 5
    train = counting.count_ngrams([TRAIN], itos, top)
    val = counting.count_ngrams([VAL[:40], VAL[40:]], itos, top)  # in two chunks, as a stage streams them
    curve = orders.order_curve(train, val, V, top, alpha)
    assert_curves_equal(curve, plain_curve(TRAIN, VAL, itos, top, alpha))
    # both ways to a level's discounts are taken: its own (levels 3 and 4 here) and lmplz's fallback
    fell_back = plain_kneser_ney(TRAIN, top, V)[1]
    assert 0 < len(fell_back) < top, fell_back
    assert kneser_ney.estimate(*train, top, V)[1] == fell_back


def test_orders_past_trains_longest_name_are_kneser_neys_model_of_that_order():
    """Past train's longest name + 2, Kneser-Ney's top levels list nothing: every context backs off to one model."""
    train, val = ["ab", "b", "ba", "a", "bb"], ["abba", "ab", "bab"]  # val has longer names than train
    itos = corpus.build_vocab(train)
    top = 7
    curve = orders.order_curve(
        counting.count_ngrams([train], itos, top), counting.count_ngrams([val], itos, top), len(itos), top, alpha=1
    )
    assert_curves_equal(curve, plain_curve(train, val, itos, top, alpha=1))
    kn = [row[2:] for row in curve if row[1] == "kneser_ney"]
    assert kn[3] == kn[4] == kn[5] == kn[6]  # orders 4 to 7: one model


def test_an_empty_val_scores_nan_and_add_alpha_0_scores_inf_on_what_train_lacks():
    itos = corpus.build_vocab(["ab", "ba"])
    train = counting.count_ngrams([["ab"]], itos, 3)
    empty = counting.count_ngrams([], itos, 3)
    curve = orders.order_curve(train, empty, len(itos), 3, alpha=0)
    assert all(math.isnan(row[3]) for row in curve)
    assert [row[2] for row in curve if row[1] == "add_alpha"] == pytest.approx([math.log(3), 0, 0])  # a, b, '.'
    ba = counting.count_ngrams([["ba"]], itos, 3)
    curve = {row[:2]: row[3] for row in orders.order_curve(train, ba, len(itos), 3, alpha=0)}
    assert curve[(1, "add_alpha")] == pytest.approx(math.log(3))  # every character once: still 1/3 each
    assert curve[(2, "add_alpha")] == math.inf  # 'b' never starts a name in train
    assert math.isfinite(curve[(3, "kneser_ney")])  # Kneser-Ney never gives 0


# ---------------------------------------------------------------------------------------------------
# 2. the stage, with its params


def run_stage(tmp_path, train, val, **overrides):
    """Run `python -m stages.order_curve` in tmp_path on the names given, with the default params
    updated by `overrides`; returns the CompletedProcess."""
    p = {section: dict(values) for section, values in DEFAULTS.items()}
    for section, values in overrides.items():
        p[section].update(values)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(p), encoding="utf-8")
    itos = corpus.build_vocab(train + val)
    (tmp_path / "vocab.json").write_text(json.dumps(itos, ensure_ascii=False), encoding="utf-8")
    for split, names in (("train", train), ("val", val)):
        (tmp_path / f"{split}.txt").write_text("".join(name + "\n" for name in names), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["vocab.json", "train.txt", "val.txt", "orders.csv"]
    return subprocess.run(
        [sys.executable, "-m", "stages.order_curve", *args], cwd=tmp_path, env=env, capture_output=True, text=True
    )


def read_curve(path):
    """The stage's CSV as [(order, method, train NLL, val NLL, chosen)]."""
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    assert header == "order,method,train_nll,val_nll,chosen"
    return [(int(o), m, float(t), float(v), int(c)) for o, m, t, v, c in (row.split(",") for row in rows)]


@pytest.mark.parametrize(
    "max_order, order, method",
    [(4, 3, "kneser_ney"), (3, 5, "add_alpha"), (1, 1, "kneser_ney")],
    ids=["chosen inside", "chosen past max_order", "unigrams only"],
)
def test_the_stage_writes_the_curve_and_marks_the_chosen_order_and_method(tmp_path, max_order, order, method):
    done = run_stage(
        tmp_path,
        TRAIN[:150],
        VAL[:30],
        order_curve={"max_order": max_order},
        model={"order": order},
        smooth={"method": method, "alpha": 0.5},
    )
    assert done.returncode == 0, done.stderr
    rows = read_curve(tmp_path / "orders.csv")
    top = max(max_order, order)  # the chosen order is always on the curve
    itos = corpus.build_vocab(TRAIN[:150] + VAL[:30])
    assert_curves_equal([row[:4] for row in rows], plain_curve(TRAIN[:150], VAL[:30], itos, top, 0.5), rel=5e-6)
    assert [row[:2] for row in rows if row[4]] == [(order, method)]
    assert {row[4] for row in rows} <= {0, 1}


def test_a_max_order_too_long_to_number_its_ngrams_is_refused_naming_it(tmp_path):
    """n-grams are numbered in int64: V**max_order must stay below 2**63 (78**10 does, 79**10 does not)."""
    for characters, refused in ((77, False), (78, True)):
        alphabet = "".join(chr(0x4E00 + i) for i in range(characters))
        names = [alphabet[i : i + 3] for i in range(0, characters, 3)]
        folder = tmp_path / str(characters)
        folder.mkdir()
        done = run_stage(folder, names, names[:2], order_curve={"max_order": 10}, model={"order": 2})
        V = characters + 1
        assert (V**10 >= 2**63) == refused
        if refused:
            assert done.returncode == 1 and done.stderr.startswith("error: ") and "Traceback" not in done.stderr
            for fragment in ("order_curve.max_order = 10", f"V = {V}", "2**63", "lower order_curve.max_order"):
                assert fragment in done.stderr, done.stderr
            assert not (folder / "orders.csv").exists()
        else:
            assert done.returncode == 0, done.stderr
            assert [row[0] for row in read_curve(folder / "orders.csv")] == [m for m in range(1, 11) for _ in "ab"]


@pytest.mark.parametrize("value", [0, 11, 2.5, "6", True, None])
def test_a_bad_max_order_is_named(value):
    p = {section: dict(values) for section, values in DEFAULTS.items()}
    p["order_curve"]["max_order"] = value
    if value is None:
        del p["order_curve"]["max_order"]
    problems = params.check(p)
    expected = (
        "order_curve.max_order: missing" if value is None else "order_curve.max_order: expected an integer in [1, 10]"
    )
    assert problems and problems[0].startswith(expected), problems


# ---------------------------------------------------------------------------------------------------
# 3. in a DVC pipeline, and its plot

SMALL_FILE = "data/small.txt"
PLOTS = [
    next(iter(plot.items()))
    for plot in yaml.safe_load((ROOT / "dvc.yaml").read_text())["plots"]
    if isinstance(plot, dict)
]
(PLOT,) = [title for title, plot in PLOTS if plot.get("template") == "orders"]  # the order curve's title


# the tests on `built`, which change it one after another: on one pytest-xdist worker (--dist loadgroup)
ON_BUILT = pytest.mark.xdist_group("order-curve")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A copy of the project on the first 1500 names of the default corpus, max_order 4, the bigram
    add-alpha model chosen (whatever params.yaml chooses), after `dvc repro order_curve evaluate`
    (evaluate: the chosen model's own val NLL)."""
    repo = Repo(tmp_path_factory.mktemp("orders") / "project")
    names = (ROOT / "data/names.txt").read_text(encoding="utf-8").splitlines()[:1500]
    repo.write(SMALL_FILE, "\n".join(names) + "\n")
    repo.set_params(
        prepare={"names_file": SMALL_FILE},
        order_curve={"max_order": 4},
        model={"order": 2},
        smooth={"method": "add_alpha"},
    )
    repo.repro = repo.dvc("repro", "order_curve", "evaluate")
    return repo


def render(repo, *command):
    """The order plot of `dvc plots <command> --json`, as vl_convert draws it: (rows of data, SVG)."""
    import vl_convert

    shown = json.loads(repo.dvc("plots", *command, "--json").stdout)
    assert not shown.get("errors"), shown["errors"]
    ((plot, *_),) = [value for title, value in shown["data"].items() if title == PLOT]
    assert plot["content"]["title"]["text"] == PLOT
    return plot["content"]["data"]["values"], vl_convert.vegalite_to_svg(plot["content"])


@ON_BUILT
def test_the_stage_in_a_pipeline_writes_the_curve_of_train_and_val(built):
    assert "Running stage 'order_curve'" in built.repro.stdout
    split = {s: built.read(f"data/prepared/{s}.txt").splitlines() for s in ("train", "val")}
    itos = json.loads(built.read("data/prepared/vocab.json"))
    p = built.params()
    rows = read_curve(built.path / "plots/orders.csv")
    expected = plain_curve(split["train"], split["val"], itos, 4, p["smooth"]["alpha"])
    assert_curves_equal([row[:4] for row in rows], expected, rel=5e-6)
    ((order, method, _, val_nll, _),) = [row for row in rows if row[4]]
    assert (order, method) == (p["model"]["order"], p["smooth"]["method"])
    # the chosen point is the model evaluate scores, read back from data/model.arpa
    assert val_nll == pytest.approx(json.loads(built.read("metrics/eval.json"))["counts"]["val"]["nll"], abs=1e-5)


@ON_BUILT
def test_the_stage_reruns_on_its_params_and_nothing_else_does(built):
    p = built.params()
    p["order_curve"]["max_order"] = 3
    built.write("params.yaml", yaml.safe_dump(p, sort_keys=False))
    try:
        status = json.loads(built.dvc("status", "--json").stdout)
    finally:
        built.set_params(order_curve={"max_order": 4})
    changed = [
        stage
        for stage, why in status.items()
        if any("order_curve" in item.get("changed deps", {}).get("params.yaml", {}) for item in why)
    ]
    assert changed == ["order_curve"]


@ON_BUILT
def test_the_plot_shows_both_methods_and_labels_the_chosen_point(built):
    rows, svg = render(built, "show")
    assert len(rows) == 2 * 4
    assert ">model.order = 2, add_alpha<" in svg
    for method in ("add_alpha", "kneser_ney"):
        curve = [(int(r["order"]), float(r["val_nll"])) for r in rows if r["method"] == method]
        best = min(curve, key=lambda point: point[1])[0]
        assert f">{method} (val lowest at order {best})<" in svg
    assert ">train<" in svg and ">val<" in svg and ">val − train<" in svg


@ON_BUILT
def test_plots_diff_labels_each_revisions_chosen_point(built):
    built.commit("the order curve at order 2, add-alpha")
    built.set_params(model={"order": 3}, smooth={"method": "kneser_ney"})
    built.dvc("repro", "order_curve")
    rows, svg = render(built, "diff", "HEAD")
    assert {r["rev"] for r in rows} == {"HEAD", "workspace"}
    # the same curves in both revisions: drawn once, unlabelled; each revision's chosen point labelled
    assert ">HEAD: model.order = 2, add_alpha<" in svg and ">model.order = 3, kneser_ney<" in svg
    assert ">add_alpha (val lowest at order " in svg and ">HEAD: add_alpha" not in svg


@ON_BUILT
def test_with_no_val_the_plot_marks_the_chosen_point_on_train(built):
    built.set_params(prepare={"val_frac": 0})
    built.dvc("repro", "order_curve")
    p = built.params()
    rows, svg = render(built, "show")
    assert {r["val_nll"] for r in rows} == {""} and len(rows) == 2 * 4
    assert f">model.order = {p['model']['order']}, {p['smooth']['method']}<" in svg
    assert ">add_alpha<" in svg and ">kneser_ney<" in svg  # no lowest val NLL to name
