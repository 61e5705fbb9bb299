"""Benchmark: the pipeline against the lecture's code (benchmarks/lecture.py), at 1x, 10x, 100x.

    .venv/bin/python -m benchmarks.bench [--sizes 1,10,100] [--quick] [--repeat 3] [--lecture-max 300000]

Corpus Nx is data/names.txt repeated N times. In fresh copies of the project (tools.sandbox.Repo)
with it as data/names.txt: a cold `dvc repro --force`, a `dvc repro` after halving smooth.alpha,
then each stage of the copy's dvc.yaml as its own process (its cmd, by the shell as DVC runs it);
and the lecture's code in one process on the same corpus (on a sample of --lecture-max names of a
larger one, extrapolated). Exits non-zero with a message if anything it times is missing or fails.
"""

import argparse
import importlib.metadata
import json
import os
import platform
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from tools.sandbox import ROOT, Repo

CORPUS = "data/names.txt"  # params.yaml's default names file, replaced in each copy
LECTURE_STEPS = ("prepare", "count", "count: heatmap", "smooth", "train_nn", "evaluate", "sample")
GROWS = ("prepare", "count", "train_nn", "evaluate")  # the lecture's steps linear in bigrams; the rest are not
# Runs the shell command argv[1]; the last line of its stderr is "seconds peak-KB" (Linux: KB). A
# process of its own, since a child's ru_maxrss starts at its parent's peak (fork and exec carry it).
LAUNCHER = """import os, subprocess, sys, time
start = time.perf_counter()
_, status, usage = os.wait4(subprocess.Popen(sys.argv[1], shell=True).pid, 0)
print(f"\\n{time.perf_counter() - start} {usage.ru_maxrss}", file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def fail(message):
    raise SystemExit(f"benchmark failed: {message}")


def measure(cmd, cwd, env=None):
    """(seconds, peak MB, stdout) of the shell command `cmd` in `cwd`; fails if it does."""
    done = subprocess.run([sys.executable, "-c", LAUNCHER, cmd], cwd=cwd, env=env, capture_output=True, text=True)
    stderr, _, last = done.stderr.rstrip("\n").rpartition("\n")
    if done.returncode:
        fail(f"`{cmd}` exited {done.returncode} in {cwd}\n{done.stdout}{stderr}")
    seconds, kilobytes = map(float, last.split())
    return seconds, kilobytes / 1024, done.stdout


def best(runs):
    return min(runs, key=lambda run: run[0])


def ran(run):
    return re.findall(r"^Running stage '([^']+)'", run[2], re.MULTILINE)


def stage_commands(repo):
    """{stage: (cmd, cwd)} from the copy's dvc.yaml."""
    stages = (yaml.safe_load(repo.read("dvc.yaml")) or {}).get("stages") or fail("dvc.yaml has no stages")
    if no_cmd := [name for name, spec in stages.items() if "cmd" not in spec]:
        fail(f"dvc.yaml: stages {no_cmd} have no cmd (foreach and matrix stages are not supported)")
    return {
        name: (cmd if isinstance(cmd := spec["cmd"], str) else " && ".join(cmd), repo.path / spec.get("wdir", "."))
        for name, spec in stages.items()
    }


def pipeline(tmp, size, corpus, repeat, params=None):
    """({row: (seconds, peak MB)} for each stage and both repros, the stages the alpha repro ran),
    with params.yaml updated by `params` ({section: {key: value}})."""
    repro, repros, repo = shlex.join([sys.executable, "-m", "dvc", "repro"]), [], None
    for i in range(repeat):  # a fresh copy for each cold repro; the stages run in the last one
        if repo is not None:
            shutil.rmtree(repo.path.parent)
        repo = Repo(tmp / f"{size}x-{i}" / "project")
        shutil.copyfile(corpus, repo.path / CORPUS)
        if params:
            repo.set_params(**params)
        commands = stage_commands(repo)
        if sorted(ran(cold := measure(repro + " --force", repo.path, repo.env))) != sorted(commands):
            fail(f"a cold dvc repro ran {ran(cold)}, dvc.yaml has {list(commands)}\n{cold[2]}")
        if (alpha := repo.params().get("smooth", {}).get("alpha")) is None:
            fail("params.yaml has no smooth.alpha")
        repo.set_params(smooth={"alpha": alpha / 2})
        if not ran(changed := measure(repro, repo.path, repo.env)):
            fail(f"dvc repro after changing smooth.alpha ran no stage\n{changed[2]}")
        repros.append((cold, changed))
    rows = {stage: best(measure(*commands[stage], repo.env) for _ in range(repeat)) for stage in ran(cold)}
    shutil.rmtree(repo.path.parent)
    rows.update({"cold repro": best(c for c, _ in repros), "alpha repro": best(a for _, a in repros)})
    return {row: run[:2] for row, run in rows.items()}, ran(changed)


def lecture(tmp, corpus, max_names):
    """({step: seconds}, the process's seconds, scale): the lecture's code on `corpus`, or on a sample
    of max_names of its names, the GROWS steps and the total then scaled by the ratio of bigrams."""
    names, scale = corpus.read_text(encoding="utf-8").splitlines(), 1
    if len(names) > max_names:
        sample = random.Random(0).sample(names, max_names)
        scale = sum(map(len, names), len(names)) / sum(map(len, sample), len(sample))
        corpus = tmp / "lecture-sample.txt"
        corpus.write_text("".join(name + "\n" for name in sample), encoding="utf-8")
    seconds, _, stdout = measure(shlex.join([sys.executable, "-m", "benchmarks.lecture", str(corpus)]), ROOT)
    steps = json.loads(stdout.splitlines()[-1])["seconds"]
    if missing := [step for step in LECTURE_STEPS if step not in steps]:
        fail(f"benchmarks/lecture.py did not time {missing}; it reported {list(steps)}")
    seconds += (scale - 1) * sum(steps[step] for step in GROWS)
    return {step: t * scale if step in GROWS else t for step, t in steps.items()}, seconds, scale


def alphabet_corpus(n, V):
    """n names over V - 1 characters, a vocabulary of V with the boundary, as a large alphabet's corpus."""
    rng = random.Random(0)
    chars = [chr(0x4E00 + i) for i in range(V - 1)]
    weights = [1 / (i + 1) for i in range(V - 1)]
    names = ["".join(rng.choices(chars, weights, k=rng.choice([2, 3, 4]))) for _ in range(n)]
    return "".join(name + "\n" for name in names)


def number(x, ratio=False):
    return "" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:.3g}" if ratio or x >= 0.01 else f"{x:.4f}"


def table(label, ours, steps, total):
    """Each stage against the lecture's steps "X" and "X: ..." for stage X, lecture steps of no stage,
    then the repros against the lecture's whole process."""
    theirs = {} if total is None else {"cold repro": total, "alpha repro": total}
    for step, t in steps.items():
        theirs[step.split(":")[0]] = theirs.get(step.split(":")[0], 0) + t
    rows = []
    for row in [*ours, *(step for step in theirs if step not in ours)]:
        (mine, peak), lec = ours.get(row, (None, None)), theirs.get(row)
        rows.append(
            [
                label,
                row,
                number(mine),
                number(lec),
                number(lec and mine and lec / mine, ratio=True),
                "" if peak is None else f"{peak:.0f}",
            ]
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="corpus sizes in multiples of data/names.txt")
    parser.add_argument("--quick", action="store_true", help="1x only")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs of each of ours (default 3)")
    parser.add_argument("--lecture-max", type=int, default=300_000, help="most names the lecture's code runs on")
    parser.add_argument("--order", type=int, default=4, help="also time the pipeline at this model.order (0: don't)")
    parser.add_argument("--alphabets", default="300,1000", help="also time V = these, on 1x as many names ('': don't)")
    args = parser.parse_args()
    version = importlib.metadata.version
    print(
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.2f}), Python {platform.python_version()}, "
        f"numpy {version('numpy')}, torch {version('torch')}, dvc {version('dvc')}",
        flush=True,
    )
    rows, notes, text = [], {}, (ROOT / CORPUS).read_bytes()
    text += b"\n" * (not text.endswith(b"\n"))
    with tempfile.TemporaryDirectory(prefix="bigram-bench-") as tmp:
        for size in [1] if args.quick else [int(s) for s in args.sizes.split(",")]:
            (corpus := Path(tmp) / f"names-{size}x.txt").write_bytes(text * size)
            print(
                f"{size}x: dvc repro, cold and after an alpha change; each stage; the lecture's code",
                file=sys.stderr,
                flush=True,
            )
            ours, alpha_ran = pipeline(Path(tmp), size, corpus, args.repeat)
            steps, total, scale = lecture(Path(tmp), corpus, args.lecture_max)
            rows += table(f"{size}x" + "*" * (scale != 1), ours, steps, total)
            if args.order:  # the lecture's code has no longer context to compare with
                at_order, _ = pipeline(Path(tmp), size, corpus, 1, params={"model": {"order": args.order}})
                rows += table(f"{size}x", {f"order {args.order}: {r}": t for r, t in at_order.items()}, {}, None)
            notes[f"alpha repro: smooth.alpha halved, reran {', '.join(alpha_ran)}"] = None
            if scale != 1:
                notes[
                    f"* {size}x: the lecture's code ran on a random {args.lecture_max:,} of the names, its "
                    f"{', '.join(GROWS)} and total extrapolated x{scale:.1f}, linearly in bigrams "
                    "(an underestimate: its one-hot training grows faster than linearly)"
                ] = None
        for V in [int(v) for v in args.alphabets.split(",") if v]:
            (corpus := Path(tmp) / f"names-V{V}.txt").write_text(
                alphabet_corpus(text.count(b"\n"), V), encoding="utf-8"
            )
            print(f"V = {V}: dvc repro, cold and after an alpha change; each stage", file=sys.stderr, flush=True)
            ours, _ = pipeline(Path(tmp), f"V{V}", corpus, 1, params={"score": {"names": []}})  # no emma here
            rows += table(f"V={V}", ours, {}, None)
            notes["V=N: as many names as data/names.txt over N - 1 characters (CJK), Zipf-distributed, 2 to 4 long"] = (
                None
            )
    header = ["size", "step", "ours (s)", "lecture (s)", "lecture/ours", "peak MB"]
    widths = [max(map(len, column)) for column in zip(header, *rows, strict=False)]
    for row in [header, *rows]:
        print(
            "  ".join(
                cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=False))
            )
        )
    print(
        f"ours = the stage's cmd as its own process, start-up and imports included, best of {args.repeat}; lecture = "
        "its code for that stage, within one process; the repro rows compare with the lecture's whole process"
    )
    print("\n".join(notes))


if __name__ == "__main__":
    main()
