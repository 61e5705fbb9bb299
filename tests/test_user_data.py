"""A user's own names file, with only prepare.names_file changed: every stage runs, and what it
cannot do (a scored name the corpus cannot spell) is said, not failed on."""

import json
import math
import random

import pandas as pd
import pytest

from stages.model import corpus
from tests.conftest import Repo

CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"


def cyrillic_names(n, seed=0):
    """n made-up capitalised names, some with a space or a hyphen, as a user's file might have them."""
    rng = random.Random(seed)
    word = lambda: "".join(rng.choice(CYRILLIC) for _ in range(rng.randint(2, 7))).capitalize()  # noqa: E731
    return [word() + rng.choice(["", "", "", " " + word(), "-" + word()]) for _ in range(n)]


def every_value(obj):
    if isinstance(obj, dict):
        for value in obj.values():
            yield from every_value(value)
    else:
        yield obj


@pytest.mark.parametrize("names", [cyrillic_names(300), ["Anna", "Bob", "Eve", "Ann", "Bo"]], ids=["cyrillic", "five"])
def test_a_users_names_file_runs_end_to_end_with_the_default_params(tmp_path, names):
    repo = Repo(tmp_path / "project")
    p = repo.params()
    (repo.path / "my_names.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    repo.set_params(prepare={"names_file": "my_names.txt"})
    repro = repo.dvc("repro")

    lowercase = p["prepare"]["lowercase"]
    spelled = {c for name in names for c in (name.lower() if lowercase else name)}
    expected = list(dict.fromkeys(name.lower() if lowercase else name for name in names[: p["score"]["first"]]))
    unscored = 0
    for name in p["score"]["names"]:
        key = name.lower() if lowercase else name
        missing = [c for c in key if c not in spelled]
        if missing:  # named, with its first missing character, and left out
            unscored += 1
            assert (
                f"warning: params.yaml: score.names: {name!r} is not scored: character {missing[0]!r} "
                "is not in this corpus's vocabulary" in repro.stderr
            )
        elif key not in expected:
            expected.append(key)
    assert repro.stderr.count("is not scored") == unscored  # each said once
    scores = json.loads(repo.read("metrics/score.json"))
    assert sorted(scores) == sorted(expected) and expected  # the file's first names at least: never an empty chart
    table = pd.read_csv(repo.path / "plots/score.csv", keep_default_na=False)
    assert list(dict.fromkeys(table["name"])) == expected

    metrics = json.loads(repo.read("metrics/eval.json"))
    for value in every_value(metrics):  # finite, or the documented "inf" string, or null for an empty split
        assert value is None or value == "inf" or (isinstance(value, (int, float)) and math.isfinite(value))
    assert metrics["nn"]["train"]["nll"] < metrics["uniform"]["train"]["nll"]
    log = pd.read_csv(repo.path / "plots/loss.csv")
    assert log["loss"].is_monotonic_decreasing  # the rate is halved rather than let a step raise the loss
    assert log["lr"].iloc[0] == p["train_nn"]["lr"] and log["lr"].is_monotonic_decreasing
    for path in ("data/prepared/vocab.json", "metrics/score.json"):
        assert "\\u" not in repo.read(path)  # UTF-8 as written
    assert json.loads(repo.read("data/prepared/vocab.json")) == [corpus.BOUNDARY, *sorted(spelled)]
    assert len(repo.read("data/samples/counts.txt").splitlines()) == p["sample"]["num"]
    assert repo.params()["score"] == p["score"]  # the names left out are said, not dropped from params.yaml
