"""The tests pass for a user who changes params.yaml, reruns `dvc repro` and commits.

    python -m tools.any_params [--keep] [SCENARIO ...]    (default: every scenario)

For each named scenario: a fresh copy of the project (tools.sandbox.Repo, its tracked files
as they are in the work tree), the scenario's params set in it (Repo.set_params; a scenario
may write files first, such as a corpus of its own), `dvc repro`, a commit of the result, and
then the whole test suite inside that copy (`python -m pytest -q -p no:cacheprovider`, cwd
the copy), so every test sees the scenario's params.yaml and outputs as its committed ones.
Prints each scenario's name, what it changes, pytest's summary line and the wall time, and on
a failure the failures pytest lists. Exits 0 if every scenario chosen passed, 1 if any did
not (a failing `dvc repro` fails its scenario too), 2 on an unknown scenario name.
The copies go in a temporary folder, removed at the end unless --keep.
"""

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.sandbox import Repo

CYRILLIC_FILE = "data/cyrillic.txt"


def cyrillic_names(n=300, seed=0):
    """n capitalised names over the Russian alphabet, from syllables drawn with `seed`: the same every run."""
    rng = random.Random(seed)
    consonants, vowels = "бвгджзклмнпрстфхцчшщй", "аеёиоуыэюя"
    names = []
    for _ in range(n):
        syllables = [rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.choice([1, 2, 2, 3]))]
        name = "".join(syllables) + rng.choice(["", "", "н", "р", "ль", "й"])
        names.append(name.capitalize())
    return names


def own_corpus(repo):
    """A corpus of another alphabet written into the copy; score.names spelt from its characters."""
    names = cyrillic_names()
    repo.write(CYRILLIC_FILE, "\n".join(names) + "\n")
    lower = [name.lower() for name in names]  # prepare.lowercase: true
    return {
        "prepare": {"names_file": CYRILLIC_FILE, "val_frac": 0.15},
        "score": {"names": [lower[0], lower[1][::-1], lower[2] + lower[3]]},  # one seen, two likely not
    }


# name -> (what it changes, function of the copy returning the params sections to set)
SCENARIOS = {
    "offgrid": (
        "smooth.alpha and train_nn.reg off the curves' grids, fewer samples",
        lambda repo: {"smooth": {"alpha": 0.5}, "train_nn": {"reg": 0.02}, "sample": {"num": 7}},
    ),
    "order3": (
        "model.order 3 (two characters of context) with smooth.alpha 0.3",
        lambda repo: {"model": {"order": 3}, "smooth": {"alpha": 0.3}},
    ),
    "kneser4": (
        "smooth.method kneser_ney (back-off) at model.order 4",
        lambda repo: {"smooth": {"method": "kneser_ney"}, "model": {"order": 4}},
    ),
    "cyrillic": (
        f"a corpus of 300 Cyrillic names of its own ({CYRILLIC_FILE}), val_frac 0.15, score.names it can spell",
        own_corpus,
    ),
    "short": (
        "a shorter, slower training, another split and 3 samples",
        lambda repo: {"train_nn": {"steps": 40, "lr": 20}, "prepare": {"val_frac": 0.15}, "sample": {"num": 3}},
    ),
    "nosamples": ("sample.num 0: no names drawn", lambda repo: {"sample": {"num": 0}}),
    "order1": (
        "model.order 1 (no context: unigrams), where a step at the default train_nn.lr overshoots and is halved",
        lambda repo: {"model": {"order": 1}},
    ),
}


def summary(output):
    """pytest's last line: '12 passed, 1 failed in 3.4s'."""
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1].strip("= ") if lines else "(no output)"


def failures(output):
    """The lines of pytest's short summary that name a failure or an error."""
    return [line for line in output.splitlines() if line.startswith(("FAILED", "ERROR"))]


def run(name, folder):
    """Build the scenario's copy and run the suite in it; True if it passed."""
    what, make = SCENARIOS[name]
    start = time.perf_counter()
    repo = Repo(folder / "project")
    sections = make(repo)
    repo.set_params(**sections)
    print(f"== {name}: {what}\n   params: {sections}", flush=True)
    repro = repo.dvc("repro", check=False)
    if repro.returncode:
        print(f"   dvc repro failed ({time.perf_counter() - start:.0f} s):\n{repro.stdout}{repro.stderr}", flush=True)
        return False
    repo.commit(f"scenario {name}")
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={folder / 'pytest'}"],
        cwd=repo.path,
        env=repo.env,
        capture_output=True,
        text=True,
    )
    (folder / "pytest.log").write_text(tests.stdout + tests.stderr, encoding="utf-8")
    seconds = time.perf_counter() - start
    print(f"   {summary(tests.stdout)}   [{name}: {seconds:.0f} s wall]", flush=True)
    for line in failures(tests.stdout):
        print(f"   {line}", flush=True)
    if tests.returncode and not failures(tests.stdout):  # a collection error, an internal error
        print(tests.stdout[-4000:] + tests.stderr[-4000:], flush=True)
    return tests.returncode == 0


def main():
    parser = argparse.ArgumentParser(
        prog="python -m tools.any_params", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO", help=f"any of {', '.join(SCENARIOS)}; default all")
    parser.add_argument("--keep", action="store_true", help="keep the copies and pytest's logs, and print where")
    args = parser.parse_args()
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    chosen = args.scenarios or list(SCENARIOS)
    scratch = tempfile.mkdtemp(prefix="any-params-")
    try:
        passed = {}
        for name in chosen:
            folder = Path(scratch) / name
            folder.mkdir()
            passed[name] = run(name, folder)
    finally:
        if args.keep:
            print(f"copies and logs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    failed = [name for name, ok in passed.items() if not ok]
    print(
        f"{len(chosen) - len(failed)} of {len(chosen)} scenarios passed"
        + (f"; failed: {' '.join(failed)}" * bool(failed))
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
