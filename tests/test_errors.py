"""Bad input ends in one short error naming the file and line or the params key; nothing is lost."""

import csv
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import yaml

from stages import cli, files, formats, params
from tests.conftest import ROOT, Repo

DEFAULTS = yaml.safe_load((ROOT / "params.yaml").read_text())


def run_stage(tmp_path, stage, *args, **overrides):
    """Run `python -m stages.<stage>` in tmp_path with the default params updated by `overrides`."""
    p = {section: dict(values) for section, values in DEFAULTS.items()}
    for section, values in overrides.items():
        p[section] = values if values is None else {**p[section], **values}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(p))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", f"stages.{stage}", *args], cwd=tmp_path, env=env, capture_output=True)


def prepare(tmp_path, content, **prepare_params):
    """Write names.txt with `content` (bytes) and run prepare on it."""
    (tmp_path / "names.txt").write_bytes(content)
    return run_stage(tmp_path, "prepare", "out", prepare={"names_file": "names.txt", **prepare_params})


def assert_clean_error(done, *fragments):
    """Exit 1, a one-paragraph message that starts with 'error:' and says each fragment; no traceback."""
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert stderr.startswith("error: ") and "Traceback" not in stderr, stderr
    for fragment in fragments:
        assert fragment in stderr, stderr


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "names.txt: no names"),
        (b"\n  \n\r\n\t\n", "names.txt: no names"),
        (b"anna\nbob\n\xff\xfeoops\n", "names.txt:3: not UTF-8"),
        (b"anna\nbo\x00b\n", "names.txt:2: contains control characters"),
        (bytes(range(256)) * 4, "names.txt:1: contains control characters"),
        (b"anna\nmary.ann\n", "names.txt:2: 'mary.ann' contains '.'"),
    ],
    ids=["empty", "blank lines", "not utf-8", "nul byte", "binary", "boundary token"],
)
def test_bad_names_file(tmp_path, content, message):
    done = prepare(tmp_path, content)
    assert_clean_error(done, message)
    assert not (tmp_path / "out").exists()
    assert (tmp_path / "names.txt").read_bytes() == content  # the input is never touched


def test_missing_names_file(tmp_path):
    done = run_stage(tmp_path, "prepare", "out", prepare={"names_file": "nope.txt"})
    assert_clean_error(done, "nope.txt: no such file", "prepare.names_file")


def test_messy_but_valid_names_are_normalised(tmp_path):
    content = "\ufeffAnna\r\n  bob \r\n\r\nanna\nZoë\njosé\nBob".encode()  # BOM, CRLF, spaces, case, no final newline
    done = prepare(tmp_path, content, val_frac=0.0, test_frac=0.0, lowercase=True)
    assert done.returncode == 0, done.stderr
    train = (tmp_path / "out/train.txt").read_text(encoding="utf-8").split()
    assert sorted(train) == ["anna", "anna", "bob", "bob", "josé", "zoë"]  # duplicates are data
    assert json.loads((tmp_path / "out/vocab.json").read_text()) == [".", "a", "b", "j", "n", "o", "s", "z", "é", "ë"]


def test_lowercase_false_keeps_case(tmp_path):
    done = prepare(tmp_path, b"Anna\nbob\n", val_frac=0.0, test_frac=0.0, lowercase=False)
    assert done.returncode == 0
    assert json.loads((tmp_path / "out/vocab.json").read_text()) == [".", "A", "a", "b", "n", "o"]


@pytest.mark.parametrize("characters", [77, 78])
def test_an_order_too_long_to_number_its_ngrams_is_refused_before_any_work(tmp_path, characters):
    """An n-gram is numbered context * V + next in int64: prepare refuses V**order >= 2**63."""
    alphabet = "".join(chr(0x4E00 + i) for i in range(characters))  # no case, so lowercase keeps them
    order = max(k for k in range(1, 30) if not params.check(with_param("model", "order", k)))  # the longest allowed
    (tmp_path / "names.txt").write_text((alphabet + "\n") * 10, encoding="utf-8")  # train keeps 8
    done = run_stage(tmp_path, "prepare", "out", prepare={"names_file": "names.txt"}, model={"order": order})
    V = characters + 1  # and the boundary
    if V**order >= 2**63:
        assert_clean_error(done, f"model.order = {order}", f"V = {V}", "2**63")
        assert not (tmp_path / "out").exists()
    else:
        assert done.returncode == 0, done.stderr
        assert len(json.loads((tmp_path / "out/vocab.json").read_text(encoding="utf-8"))) == V


def test_an_order_whose_w_would_not_fit_is_refused_by_count(tmp_path, monkeypatch):
    """W has a row per context of train: the budget counts C_train x V cells, not V**(order - 1) x V."""
    from stages import count
    from stages.model import network
    from tests import reference

    train = ["abc", "bca", "cab"]
    (tmp_path / "prepared").mkdir()
    (tmp_path / "prepared/vocab.json").write_text(json.dumps([".", "a", "b", "c"]))
    for split, names in [("train", train), ("val", ["cc"]), ("test", ["a"])]:
        (tmp_path / f"prepared/{split}.txt").write_text("".join(name + "\n" for name in names))
    p = {**DEFAULTS, "model": {"order": 3}}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(p))
    monkeypatch.chdir(tmp_path)
    cells = len(reference.seen_contexts(train, [".", "a", "b", "c"], 3)) * 4
    assert cells < 4**3  # fewer than the dense W's
    args = ("prepared", "counts")
    monkeypatch.setattr(network, "MAX_W_CELLS", cells - 1)
    with pytest.raises(cli.InputError) as refused:
        count.main(*args)
    message = str(refused.value)
    for fragment in ["model.order = 3", f"{cells // 4:,} contexts in train", f"{cells:,} cells", f"{cells - 1:,}"]:
        assert fragment in message, message
    assert not (tmp_path / "counts").exists()
    monkeypatch.setattr(network, "MAX_W_CELLS", cells)  # at the budget: counted
    count.main(*args)
    assert (tmp_path / "counts/train.csv").exists()


def test_a_split_that_leaves_train_empty(tmp_path):
    done = prepare(tmp_path, b"anna\nbob\n", val_frac=0.5, test_frac=0.4)
    assert_clean_error(done, "names.txt: 2 names leave none for train", "prepare.val_frac", "prepare.test_frac")
    assert not (tmp_path / "out").exists()


def with_param(section, key, value):
    p = {s: dict(v) for s, v in DEFAULTS.items()}
    p[section][key] = value
    return p


BAD_VALUES = [
    ("prepare", "names_file", ""),
    ("prepare", "names_file", 3),
    ("prepare", "seed", "x"),
    ("prepare", "seed", 1.5),
    ("prepare", "val_frac", -0.1),
    ("prepare", "val_frac", 1),
    ("prepare", "test_frac", 1.5),
    ("prepare", "test_frac", "a"),
    ("prepare", "lowercase", "maybe"),
    ("prepare", "lowercase", 1),
    ("smooth", "alpha", -1),
    ("smooth", "alpha", 1e-300),  # float32 would round (N + alpha) / total to 0
    ("smooth", "alpha", 1e13),
    ("smooth", "method", "bogus"),
    ("smooth", "method", "kneser-ney"),
    ("smooth", "method", 1),
    ("model", "order", 0),
    ("model", "order", 2.5),
    ("model", "order", 11),
    ("score", "names", "emma"),
    ("score", "names", ["emma", ""]),
    ("score", "names", ["  "]),
    ("score", "first", -1),
    ("score", "first", 1001),
    ("score", "names", ["mary.ann"]),
    ("score", "names", [3]),
    ("alpha_curve", "log10_min", 0.5),
    ("reg_curve", "log10_max", 99),
    ("smooth", "alpha", "abc"),
    ("smooth", "alpha", float("inf")),
    ("smooth", "alpha", float("nan")),
    ("train_nn", "seed", -1),
    ("train_nn", "seed", True),
    ("train_nn", "steps", -1),
    ("train_nn", "steps", 0),  # the initial draw: worse than the uniform model
    ("train_nn", "steps", 10**6),
    ("train_nn", "lr", 1e13),
    ("train_nn", "reg", 1e7),
    ("train_nn", "steps", 10.5),
    ("train_nn", "lr", 0),
    ("train_nn", "lr", -3),
    ("train_nn", "lr", "fast"),
    ("train_nn", "reg", -0.01),
    ("sample", "seed", "s"),
    ("sample", "num", -1),
    ("sample", "num", 10**6),
    ("sample", "max_len", 10**5),
    ("sample", "max_len", 0),
    ("sample", "max_len", None),
]


@pytest.mark.parametrize("section, key, value", BAD_VALUES)
def test_a_bad_param_is_named(section, key, value):
    problems = params.check(with_param(section, key, value))
    assert problems[0].startswith(f"{section}.{key}: expected "), problems
    assert all(f"{section}.{key}" in problem for problem in problems), problems  # + the sum of fractions


@pytest.mark.parametrize("section, key", [(s, k) for s, keys in params.SCHEMA.items() for k in keys])
def test_a_missing_param_is_named(section, key):
    p = with_param(section, key, None)
    del p[section][key]
    assert params.check(p) == [f"{section}.{key}: missing; expected {params.SCHEMA[section][key][2]}"]


def test_the_defaults_are_valid_and_typed():
    assert params.check(DEFAULTS) == []
    assert params.check(with_param("smooth", "alpha", 0)) == []
    assert params.check(with_param("smooth", "method", "kneser_ney")) == []
    assert params.check(with_param("train_nn", "lr", 1e9)) == []
    assert params.check(with_param("score", "names", [])) == []


def test_fractions_that_leave_no_train_names():
    p = with_param("prepare", "val_frac", 0.6)
    p["prepare"]["test_frac"] = 0.4
    assert params.check(p) == ["prepare.val_frac + prepare.test_frac: expected < 1 so train keeps some names, got 1.0"]


def test_every_problem_is_reported_at_once(tmp_path):
    done = run_stage(
        tmp_path,
        "smooth",
        "vocab.json",
        "in.csv",
        "model.arpa",
        smooth={"alpha": -1, "alhpa": 1},
        train_nn={"lr": "1e9"},
        sample=None,
    )
    assert_clean_error(
        done,
        "params.yaml:",
        "smooth.alpha: expected 0 or a number in [1e-12, 1e12], got -1",
        "smooth.alhpa: unknown key",
        "train_nn.lr: expected a number in (0, 1e12], got the string '1e9' (YAML reads 1e9 as text; write 1.0e9)",
        "sample: missing section",
    )
    assert not (tmp_path / "model.arpa").exists()


def test_an_unknown_smoothing_method_is_named_before_any_work(tmp_path):
    done = run_stage(tmp_path, "smooth", "vocab.json", "in.csv", "model.arpa", smooth={"method": "bogus"})
    assert_clean_error(done, "params.yaml:", "smooth.method: expected add_alpha or kneser_ney, got 'bogus'")
    assert not (tmp_path / "model.arpa").exists()


@pytest.mark.parametrize(
    "text, message", [("smooth: [1\n", "params.yaml: not valid YAML"), ("- 1\n", "expected sections")]
)
def test_params_file_that_is_not_a_mapping(tmp_path, text, message):
    (tmp_path / "params.yaml").write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "stages.smooth", "vocab.json", "in.csv", "model.arpa"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
    )
    assert_clean_error(done, message)


def test_atomic_write_leaves_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("last good")
    with pytest.raises(RuntimeError):
        with files.atomic_write(str(target)) as f:
            f.write("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "last good"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_metrics_are_strict_readable_json(tmp_path):
    formats.write_json(str(tmp_path / "m.json"), {"nll": math.inf, "ll": -math.inf, "none": math.nan, "name": "анна"})
    text = (tmp_path / "m.json").read_text(encoding="utf-8")
    assert json.loads(text) == {"nll": "inf", "ll": "-inf", "none": None, "name": "анна"}
    assert "анна" in text and "Infinity" not in text and "NaN" not in text


# End to end, through dvc repro in a copy of the project.


def test_alpha_zero_with_an_unseen_held_out_bigram_reports_inf(tmp_path):
    repo = Repo(tmp_path / "project")
    repo.write("data/names.txt", "\n".join("abcdefghijklmnopqrstuvwxyz"))  # each name a letter of its own
    repo.set_params(  # 20 names for train, 3 for val and test, the bigram model
        prepare={"names_file": "data/names.txt", "val_frac": 0.1, "test_frac": 0.1},
        model={"order": 2},
        smooth={"method": "add_alpha", "alpha": 0},
        score={"names": []},
    )
    repro = repo.dvc("repro")
    metrics = json.loads(repo.read("metrics/eval.json"))
    # Every val name starts with a letter no train name starts with: P['.', c] = 0. Train never has the
    # context c, so P has no row for it: uniform, and c -> '.' stays finite. One impossible bigram per name.
    assert metrics["counts"]["val"] == {"nll": "inf", "ppl": "inf", "bigrams": 6, "zero_prob": 3}
    assert metrics["counts"]["train"]["nll"] == pytest.approx(
        math.log(20) / 2
    )  # '.' -> one of 20 letters (log 20), then '.' (log 1)
    assert "warning: counts model gives val an infinite NLL: 3 of its 6 predictions have probability 0" in repro.stderr
    assert "Infinity" not in repo.read("metrics/eval.json") and "NaN" not in repo.read("metrics/eval.json")
    shown = json.loads(repo.dvc("metrics", "show", "--json").stdout)
    assert shown[""]["data"]["metrics/nll.json"]["data"]["counts"]["val"] == "inf"
    assert "counts.val.zero_prob" in repo.dvc("metrics", "show", "metrics/eval.json").stdout  # the count, by name


def test_training_that_does_not_converge_fails_naming_its_params_and_keeps_the_lock(reproduced):
    repo = reproduced
    lock = repo.read("dvc.lock")
    p = repo.params()["train_nn"]
    repo.set_params(train_nn={"steps": 1, "lr": 0.5})  # one small step leaves W near its random draw
    done = repo.dvc("repro", check=False)
    assert done.returncode != 0
    assert (
        f"error: params.yaml: training does not converge with train_nn.lr = 0.5, train_nn.reg = {float(p['reg'])} "
        "and train_nn.steps = 1: at step 1 the train NLL is " in done.stderr
    ), done.stderr
    assert "above the uniform model's log V" in done.stderr and "Traceback" not in done.stderr
    assert repo.read("dvc.lock") == lock
    assert not (repo.path / "data/nn/W.npy").exists() and not (repo.path / "data/nn/W.npy.tmp").exists()


@pytest.mark.parametrize(
    "stage", ["prepare", "count", "heatmap", "smooth", "train_nn", "alpha_curve", "reg_curve", "evaluate", "sample"]
)
def test_a_stage_run_with_wrong_arguments_prints_its_usage(tmp_path, stage):
    done = run_stage(tmp_path, stage)
    stderr = done.stderr.decode()
    assert done.returncode == 2 and "Traceback" not in stderr, stderr
    assert stderr.startswith(f"usage: python -m stages.{stage} ")
    helped = run_stage(tmp_path, stage, "--help")
    assert helped.returncode == 0 and f"{stage}: " in helped.stdout.decode()  # the docstring's first line


def counts_csv(path, rows):
    """A counts table as the count stage writes it: context,next,count, one row per n-gram that occurs."""
    path.write_text("context,next,count\n" + "".join(f"{c},{n},{k}\n" for c, n, k in rows), encoding="utf-8")


def train_on(tmp_path, train_rows, val_rows, **train_nn):
    """Run train_nn on bigram counts over the vocabulary '.', 'a', 'b', given as (context, next, count) rows."""
    (tmp_path / "vocab.json").write_text(json.dumps([".", "a", "b"]))
    counts_csv(tmp_path / "train.csv", train_rows)
    counts_csv(tmp_path / "val.csv", val_rows)
    paths = ("vocab.json", "train.csv", "val.csv", "nn", "loss.csv")
    return run_stage(tmp_path, "train_nn", *paths, train_nn=train_nn, model={"order": 2})


def test_a_network_with_zero_probabilities_is_refused_naming_its_params(tmp_path):
    certain = [(".", "a", 3), ("a", "b", 3), ("b", ".", 3)]  # every next character certain
    done = train_on(tmp_path, certain, certain, lr=1e12, reg=0, steps=3)
    assert_clean_error(
        done, "train_nn.lr = 1000000000000.0, train_nn.reg = 0.0 and train_nn.steps = 3", "probabilities are 0"
    )
    assert not (tmp_path / "nn").exists() and not (tmp_path / "loss.csv").exists()


def test_a_learning_rate_that_overshoots_is_halved_and_said(tmp_path):
    train = [(".", "a", 3), (".", "b", 1), ("a", ".", 2), ("a", "a", 1), ("a", "b", 1)]
    val = [(".", "b", 1), ("b", ".", 2)]  # 'b': a context train lacks
    done = train_on(tmp_path, train, val, reg=20, lr=50, steps=30)
    assert done.returncode == 0, done.stderr
    log = list(csv.DictReader((tmp_path / "loss.csv").open()))
    losses, rates = [float(row["loss"]) for row in log], [float(row["lr"]) for row in log]
    assert losses == sorted(losses, reverse=True) and rates[-1] < rates[0] == 50
    assert "note: train_nn.lr = 50 overshoots on this corpus" in done.stderr.decode()
    assert (tmp_path / "nn/contexts.txt").read_text().splitlines() == [".", "a"]  # train's contexts only
    assert np.load(tmp_path / "nn/W.npy", allow_pickle=False).shape == (2, 3)


def test_the_score_command_before_dvc_repro_says_to_run_it(repo):
    done = repo.run(sys.executable, "-m", "stages.score_cli", "emma", check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == "error: data/prepared/vocab.json: no such file; run dvc repro first\n"


def uniform_arpa(itos):
    """The lines of a bigram ARPA file of the uniform model over itos: every 2-gram listed at 1/V, a space
    written <space>, <unk> and <s> at probability 0 (log10 -99)."""
    logp = repr(math.log10(1 / len(itos)))
    tokens = ["<space>" if ch == " " else ch for ch in itos[1:]]
    unigrams = ["-99\t<unk>\t0", "-99\t<s>\t0", *(f"{logp}\t{w}\t0" for w in ["</s>", *tokens])]
    bigrams = [f"{logp}\t{h} {w}" for h in ["<s>", *tokens] for w in ["</s>", *tokens]]
    header = ["\\data\\", f"ngram 1={len(unigrams)}", f"ngram 2={len(bigrams)}", ""]
    return [*header, "\\1-grams:", *unigrams, "", "\\2-grams:", *bigrams, "", "\\end\\"]


def score_inputs(tmp_path, itos):
    """The score stage's inputs for a uniform model over itos, where dvc.yaml says they are."""
    (tmp_path / "dvc.yaml").write_text((ROOT / "dvc.yaml").read_text())
    (tmp_path / "data/prepared").mkdir(parents=True)
    (tmp_path / "data/prepared/vocab.json").write_text(json.dumps(itos))
    (tmp_path / "data/model.arpa").write_text("\n".join(uniform_arpa(itos)) + "\n", encoding="utf-8")
    (tmp_path / "data/nn").mkdir()
    np.save(tmp_path / "data/nn/W.npy", np.zeros((len(itos), len(itos)), dtype=np.float32))  # softmax: 1/V
    (tmp_path / "data/nn/contexts.txt").write_text("".join(c + "\n" for c in itos))


def test_the_score_command_scores_what_it_can_and_names_the_rest(tmp_path):
    score_inputs(tmp_path, [".", "a", "b", "é"])
    done = run_stage(tmp_path, "score_cli", "AB", "abc", "", "bé", "a.b", prepare={"lowercase": True})
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 1 and "Traceback" not in err, err
    assert "ab: " in out and "bé: " in out and "abc" not in out  # scored, lowercased as the corpus is
    assert "warning: 'abc' is not scored: character 'c' is not in this corpus's vocabulary" in err
    assert "warning: '' is not scored: an empty name" in err
    assert "warning: 'a.b' is not scored: it contains '.', the word boundary token" in err
    assert err.endswith("error: 3 of the names given are not scored\n"), err

    done = run_stage(tmp_path, "score_cli", "AB", prepare={"lowercase": False})
    assert done.returncode == 1 and "character 'A' is not in this corpus's vocabulary" in done.stderr.decode()


def test_the_score_stage_leaves_out_names_the_corpus_cannot_spell(tmp_path):
    score_inputs(tmp_path, [".", "a", "b"])
    (tmp_path / "names.txt").write_text("Ab\nba\nbb\n")
    args = ["data/prepared/vocab.json", "data/model.arpa", "data/nn", "s.json", "s.csv"]
    done = run_stage(
        tmp_path,
        "score",
        *args,
        prepare={"names_file": "names.txt", "lowercase": True},
        score={"first": 2, "names": ["BA", "abz", "a"]},
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode() == (
        "warning: params.yaml: score.names: 'abz' is not scored: character 'z' is not in this corpus's vocabulary\n"
    )
    assert list(json.loads((tmp_path / "s.json").read_text())) == ["a", "ab", "ba"]  # sorted keys
    table = list(csv.DictReader((tmp_path / "s.csv").open(encoding="utf-8")))
    assert [row["name"] for row in table] == ["ab"] * 3 + ["ba"] * 3 + ["a"] * 2  # the file's first 2, then the rest
    for first, scored in [(0, ["ba", "a"]), (1, ["ab", "ba", "a"]), (5, ["ab", "ba", "bb", "a"])]:
        done = run_stage(
            tmp_path,
            "score",
            *args,
            prepare={"names_file": "names.txt", "lowercase": True},
            score={"first": first, "names": ["BA", "a"]},
        )
        assert done.returncode == 0, done.stderr
        assert list(json.loads((tmp_path / "s.json").read_text())) == sorted(scored), first


def model_inputs(tmp_path, itos):
    """score_inputs, and counts of each split over itos for evaluate."""
    score_inputs(tmp_path, itos)
    (tmp_path / "data/counts").mkdir()
    counts_csv(tmp_path / "data/counts/train.csv", [(".", "a", 2), ("a", "b", 1), ("a", ".", 1), ("b", ".", 1)])
    for split in ("val", "test"):
        counts_csv(tmp_path / f"data/counts/{split}.csv", [(".", "b", 1), ("b", ".", 1)])


def read_model(tmp_path, reader, model_arpa):
    """Run the score command on 'ab' with --model model_arpa, or evaluate on it (writing eval.json)."""
    if reader == "score":
        return run_stage(tmp_path, "score_cli", "ab", "--model", model_arpa)
    paths = ("data/prepared/vocab.json", "data/counts", model_arpa, "data/nn", "nll.json", "eval.json", "probs.csv")
    return run_stage(tmp_path, "evaluate", *paths)


def spoil(tmp_path, itos, line):
    """bad.arpa: uniform_arpa with its 2-gram 'a b' replaced by line(its log10 p as bytes); the line's number."""
    lines = [line.encode() for line in uniform_arpa(itos)]
    logp = repr(math.log10(1 / len(itos))).encode()
    at = lines.index(logp + b"\ta b")
    lines[at] = line(logp)
    (tmp_path / "bad.arpa").write_bytes(b"\n".join(lines) + b"\n")
    return at + 1


READERS = ["score", "evaluate"]


def test_a_hand_written_arpa_file_is_read_as_the_model_it_states(tmp_path):
    itos = [".", "a", "b"]
    model_inputs(tmp_path, itos)
    done = read_model(tmp_path, "score", "data/model.arpa")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode().split("\n\n")[0].splitlines()  # the counts model's table: every bigram at 1/3
    assert out == ["counts model", *(f"{b}: {1 / 3:.4f} {math.log(1 / 3):.4f}" for b in (".a", "ab", "b."))] + [
        f"log_likelihood={3 * math.log(1 / 3):.4f}",
        f"nll={-math.log(1 / 3):.4f}",
    ]
    done = read_model(tmp_path, "evaluate", "data/model.arpa")
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "eval.json").read_text())
    assert all(metrics["counts"][split]["nll"] == pytest.approx(math.log(3), rel=1e-7) for split in files.SPLITS)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    "line, message",
    [
        (lambda p: p + b"\ta z", "token 'z' is not in this corpus's vocabulary"),
        (lambda p: p + b"\tq b", "token 'q' is not in this corpus's vocabulary"),
        (lambda p: p + b"\ta", "not a line of 2-grams"),  # a 1-gram among the 2-grams
        (lambda p: p + b"\ta b c", "not a line of 2-grams"),
        (lambda p: p + b"\ta b\t0\t0", "not a line of 2-grams"),
        (lambda p: b"garbage", "not a line of 2-grams"),
        (lambda p: b"one\ta b", "not a number"),
        (lambda p: p + b"\ta b\tzero", "not a number"),  # the back-off weight
    ],
    ids=[
        "unknown token",
        "unknown history",
        "too few tokens",
        "too many tokens",
        "four fields",
        "garbage",
        "probability",
        "back-off weight",
    ],
)
def test_a_bad_line_of_the_arpa_file_is_named(tmp_path, reader, line, message):
    itos = [".", "a", "b"]
    model_inputs(tmp_path, itos)
    lineno = spoil(tmp_path, itos, line)
    done = read_model(tmp_path, reader, "bad.arpa")
    assert_clean_error(done, f"error: bad.arpa:{lineno}: {message}")
    assert done.stdout == b""  # no table printed before the error
    assert not any((tmp_path / out).exists() for out in ("nll.json", "eval.json", "probs.csv"))


@pytest.mark.parametrize("reader", READERS)
def test_a_missing_arpa_file_says_to_run_dvc_repro(tmp_path, reader):
    model_inputs(tmp_path, [".", "a", "b"])
    assert_clean_error(read_model(tmp_path, reader, "nope.arpa"), "error: nope.arpa: no such file; run dvc repro first")


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda p: b"400\ta b", id="log10 p above 0, too large for a float"),
        pytest.param(lambda p: b"nan\ta b", id="log10 p not a number"),
        pytest.param(lambda p: b"0.5\ta b", id="a probability above 1"),
        pytest.param(lambda p: p + b"\ta \xff", id="not UTF-8"),
        pytest.param(None, id="an empty file"),
    ],
)
def test_an_arpa_file_arpa_read_cannot_read_is_named(tmp_path, reader, content):
    """A file arpa.read cannot read, or states no probabilities: a log10 probability above 0 or NaN,
    bytes that are not UTF-8, an empty file (no sections)."""
    itos = [".", "a", "b"]
    model_inputs(tmp_path, itos)
    if content is None:
        (tmp_path / "bad.arpa").write_bytes(b"")
    else:
        spoil(tmp_path, itos, content)
    assert_clean_error(read_model(tmp_path, reader, "bad.arpa"), "error: bad.arpa")


def test_any_alphabet_long_names_and_a_single_name_run_end_to_end(tmp_path):
    repo = Repo(tmp_path / "project")
    names = ["zoë", "josé", "ÅSA", "li", "x" * 5000, "müller", "ana", "émile", "søren", "ana"]
    repo.write("data/names.txt", "\n".join(names))
    repo.set_params(  # 8 names for train, one for val and test
        prepare={"names_file": "data/names.txt", "lowercase": True, "val_frac": 0.1, "test_frac": 0.1},
        score={"names": ["zoë", "søren"]},
    )
    repo.dvc("repro")
    vocab = json.loads(repo.read("data/prepared/vocab.json"))
    assert vocab == [".", *"aeijlmnorsxz", "å", "é", "ë", "ø", "ü"]
    assert (repo.path / "plots/counts.png").read_bytes().startswith(b"\x89PNG")
    for split in ("train", "val", "test"):
        assert json.loads(repo.read("metrics/eval.json"))["counts"][split]["bigrams"] > 0

    repo.write("data/names.txt", "solo\n")
    # int(0.8 * 1) would leave train empty
    repo.set_params(prepare={"val_frac": 0.0, "test_frac": 0.0}, score={"names": ["solo", "los"]})
    repo.dvc("repro")
    metrics = json.loads(repo.read("metrics/eval.json"))
    assert metrics["counts"]["train"]["bigrams"] == 5
    assert metrics["counts"]["val"] == {"nll": None, "ppl": None, "bigrams": 0, "zero_prob": 0}
    num = yaml.safe_load(repo.read("params.yaml"))["sample"]["num"]
    assert len(repo.read("data/samples/counts.txt").splitlines()) == num


@pytest.mark.parametrize("reader", READERS)
def test_an_arpa_file_of_another_order_than_the_network_is_named(tmp_path, reader):
    """A counts model of order 1 beside the bigram network of another run: the network's contexts are named."""
    itos = [".", "a", "b"]
    model_inputs(tmp_path, itos)
    logp = repr(math.log10(1 / len(itos)))
    unigrams = ["-99\t<unk>", "-99\t<s>", *(f"{logp}\t{w}" for w in ["</s>", "a", "b"])]
    (tmp_path / "order1.arpa").write_text(
        "\n".join(["\\data\\", "ngram 1=5", "", "\\1-grams:", *unigrams, "", "\\end\\"])
    )
    done = read_model(tmp_path, reader, "order1.arpa")
    assert_clean_error(
        done, "contexts.txt: contexts of 1 characters, a network of order 2", "counts model is of order 1"
    )
    assert not (tmp_path / "eval.json").exists()
