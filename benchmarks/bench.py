"""Benchmark: the pipeline against the lecture's code (benchmarks/lecture.py) and against an earlier revision.

    .venv/bin/python -m benchmarks.bench [--sizes 1,10,100] [--quick] [--repeat 3] [--lecture-max 300000]
        [--orders 4,6] [--big 1000] [--baseline REV | --no-baseline] [--alphabets 300,1000]
        [--method add_alpha|kneser_ney]
    .venv/bin/python -m benchmarks.bench --quality

Corpus Nx is data/names.txt repeated N times. In fresh copies of the project (tools.sandbox.Repo)
with it as the names file: a cold `dvc repro --force`, a `dvc repro` after halving smooth.alpha,
then each stage of the copy's dvc.yaml as its own process (its cmd, by the shell as DVC runs it);
and the lecture's code in one process on the same corpus (on a sample of --lecture-max names of a
larger one, extrapolated). At sizes from --big on, only each stage once, in dependency order: the
repros and the lecture's code would take long and their targets are per-stage memory. The same
runs at model.order = each of --orders, and in copies of the project at --baseline REV, whose
refusal of an order (its cell budget) is reported as "refused". Ends with the issue's targets,
each measured against its bound, the earlier revision and KenLM lmplz's figures. Exits non-zero
with a message if anything it times is missing or fails. --method sets smooth.method in every
copy (the baseline, which has no smooth.method, runs its add-alpha); with kneser_ney the targets
add Kneser-Ney's estimate at order 6, the count and smooth stages, against lmplz's time.

--quality times nothing: in this process, on the default corpus split as the prepare stage splits
it (params.yaml), the val NLL at orders 2..6 of add-alpha at its val-best alpha, Kneser-Ney and the
network as train_nn trains it, beside KenLM lmplz's figures, as a Markdown table; then the lecture
series' networks for reference.
"""

import argparse
import importlib.metadata
import itertools
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
import time
from pathlib import Path

import yaml

from stages.model import backoff, corpus, counting, evaluation, kneser_ney, models, network
from stages.names import read_names
from tools.sandbox import ROOT, Repo

CORPUS = "data/names.txt"  # params.yaml's default names file, replaced in each copy
LECTURE_STEPS = ("prepare", "count", "heatmap", "smooth", "train_nn", "evaluate", "sample")
GROWS = ("prepare", "count", "train_nn", "evaluate")  # the lecture's steps linear in bigrams; the rest are not
OUTPUT_DIRS = ("data", "metrics", "plots")  # where a copy's outputs are, walked for the largest file
REPROS = ("cold repro", "alpha repro")
# Runs the shell command argv[1]; the last line of its stderr is "seconds peak-KB" (Linux: KB). A
# process of its own, since a child's ru_maxrss starts at its parent's peak (fork and exec carry it).
LAUNCHER = """import os, subprocess, sys, time
start = time.perf_counter()
_, status, usage = os.wait4(subprocess.Popen(sys.argv[1], shell=True).pid, 0)
print(f"\\n{time.perf_counter() - start} {usage.ru_maxrss}", file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""
# The issue's reference figures, quoted: KenLM lmplz estimating a full order-6 model on this machine
# from Nx the default train split (each in under 200 MB), and the pipeline before the sparse tables.
LMPLZ_SECONDS = {1: 0.17, 100: 2.4, 1000: 21}
LMPLZ = {size: f"{seconds:g} s" for size, seconds in LMPLZ_SECONDS.items()}
LMPLZ_MB = "< 200 MB"
# Kneser-Ney's estimate at order 6 (the count and smooth stages) on Nx: {N: (at most this many times
# lmplz's seconds, every stage's peak at most this many MB)}
KN_TARGETS = {100: (3, 1024), 1000: (10, 2048)}
# The issue's figures, quoted: val NLL of `lmplz -o k --discount_fallback` on the default train
# split, scored by KenLM on val; Kneser-Ney's must be at most KN_BAR above it
LMPLZ_VAL = {2: 2.4538, 3: 2.2302, 4: 2.0758, 5: 2.0154, 6: 2.0114}
KN_BAR = 0.0005
# The lecture series' networks, val NLL on makemore's names.txt and its split (another corpus than
# data/names.txt: 32,033 names of 2018), and KenLM's count models on that same split, quoted
LECTURE_NETS = {"part 3's MLP (3 characters)": 2.1027, "part 5's WaveNet (8 characters)": 1.9937}
LECTURE_KENLM = {4: 2.0564, 6: 1.9746}
ISSUE_BEFORE = {
    "cold": "issue: order 5 77 s, order 6 refused",
    "peak": "issue: order 5 1.37 GB",
    "output": "issue: order 5 data/W.csv 177 MB",
    "1000x": "issue: order 2 prepare 4.0 GB, count 3.9 GB",
}
README_BEFORE = {"cold": "0.61", "alpha": "0.20", "growth": "1.72"}  # README's order-2 ratios before the change
MB = 2**20


class Failure(SystemExit):
    """What fail raises: the caller of a baseline run catches it to tell a refused order from a failure."""


def fail(message):
    raise Failure(f"benchmark failed: {message}")


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


def stage_specs(repo):
    stages = (yaml.safe_load(repo.read("dvc.yaml")) or {}).get("stages") or fail("dvc.yaml has no stages")
    if no_cmd := [name for name, spec in stages.items() if "cmd" not in spec]:
        fail(f"dvc.yaml: stages {no_cmd} have no cmd (foreach and matrix stages are not supported)")
    return stages


def stage_commands(repo):
    """{stage: (cmd, cwd)} from the copy's dvc.yaml."""
    return {
        name: (cmd if isinstance(cmd := spec["cmd"], str) else " && ".join(cmd), repo.path / spec.get("wdir", "."))
        for name, spec in stage_specs(repo).items()
    }


def in_order(repo):
    """The copy's stages in an order that runs each after the stages whose outs it depends on."""
    paths = {
        name: (
            [str(dep) for dep in spec.get("deps") or []],
            [
                out if isinstance(out, str) else next(iter(out))
                for key in ("outs", "metrics", "plots")
                for out in spec.get(key) or []
            ],
        )
        for name, spec in stage_specs(repo).items()
    }

    def under(path, out):
        return path == out or path.startswith(out.rstrip("/") + "/")

    done, order = set(), []
    while len(order) < len(paths):
        ready = [
            name
            for name, (deps, _) in paths.items()
            if name not in done
            and not any(
                under(dep, out) or under(out, dep)
                for other, (_, outs) in paths.items()
                if other not in done | {name}
                for out in outs
                for dep in deps
            )
        ]
        if not ready:
            fail(f"dvc.yaml: no order of {sorted(set(paths) - done)} runs each after its deps")
        order.append(ready[0])
        done.add(ready[0])
    return order


def largest_output(repo, since):
    """(bytes, path) of the largest file under OUTPUT_DIRS written since `since` (the corpus is older)."""
    files = [
        (path.stat().st_size, path.relative_to(repo.path).as_posix())
        for top in OUTPUT_DIRS
        for path in (repo.path / top).rglob("*")
        if path.is_file() and path.stat().st_mtime >= since
    ]
    return max(files, default=None)


def copy(tmp, name, corpus, params, source):
    """A fresh copy of `source` with `corpus` as its names file and params.yaml updated by `params`."""
    repo = Repo(tmp / name / "project", source=source)
    names_file = (repo.params().get("prepare") or {}).get("names_file", CORPUS)
    shutil.copyfile(corpus, repo.path / names_file)
    if params:
        repo.set_params(**params)
    return repo


def pipeline(tmp, name, corpus, repeat, params=None, source=ROOT, stages_only=False):
    """{"rows": {row: (seconds, peak MB)} for each stage and both repros, "ran": the stages the alpha
    repro ran, "largest": (bytes, path) of the largest output of a cold run}, with params.yaml updated
    by `params` ({section: {key: value}}). stages_only: each stage once, in dependency order, no repro."""
    if stages_only:
        repo = copy(tmp, f"{name}-0", corpus, params, source)
        commands, since = stage_commands(repo), time.time()
        rows = {stage: measure(*commands[stage], repo.env) for stage in in_order(repo)}
        largest = largest_output(repo, since)
        shutil.rmtree(repo.path.parent)
        return {"rows": {row: run[:2] for row, run in rows.items()}, "ran": [], "largest": largest}
    repro, repros, repo = shlex.join([sys.executable, "-m", "dvc", "repro"]), [], None
    for i in range(repeat):  # a fresh copy for each cold repro; the stages run in the last one
        if repo is not None:
            shutil.rmtree(repo.path.parent)
        repo = copy(tmp, f"{name}-{i}", corpus, params, source)
        commands, since = stage_commands(repo), time.time()
        if sorted(ran(cold := measure(repro + " --force", repo.path, repo.env))) != sorted(commands):
            fail(f"a cold dvc repro ran {ran(cold)}, dvc.yaml has {list(commands)}\n{cold[2]}")
        largest = largest_output(repo, since)
        if (alpha := repo.params().get("smooth", {}).get("alpha")) is None:
            fail("params.yaml has no smooth.alpha")
        repo.set_params(smooth={"alpha": alpha / 2})
        if not ran(changed := measure(repro, repo.path, repo.env)):
            fail(f"dvc repro after changing smooth.alpha ran no stage\n{changed[2]}")
        repros.append((cold, changed))
    rows = {stage: best(measure(*commands[stage], repo.env) for _ in range(repeat)) for stage in ran(cold)}
    shutil.rmtree(repo.path.parent)
    rows.update({"cold repro": best(c for c, _ in repros), "alpha repro": best(a for _, a in repros)})
    return {"rows": {row: run[:2] for row, run in rows.items()}, "ran": ran(changed), "largest": largest}


def baseline_source(tmp, rev):
    """The tracked files of this project at git revision `rev`, in a git repo of its own: a Repo's source."""
    source = tmp / f"baseline-{rev}"
    source.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True)
    if archive.returncode:
        fail(f"git archive {rev} exited {archive.returncode}: {archive.stderr.decode(errors='replace')}")
    subprocess.run(["tar", "-x"], cwd=source, input=archive.stdout, check=True)
    subprocess.run(["git", "init", "-q"], cwd=source, check=True)
    subprocess.run(["git", "add", "-A"], cwd=source, check=True)
    return source


def known(params, source):
    """(params without the keys that the params.yaml of the project at `source` lacks, or None if that
    leaves none; the keys dropped): an earlier version refuses a key it does not know."""
    have = yaml.safe_load((source / "params.yaml").read_text(encoding="utf-8"))
    kept, dropped = {}, []
    for section, values in (params or {}).items():
        for key, value in values.items():
            if key in (have.get(section) or {}):
                kept.setdefault(section, {})[key] = value
            else:
                dropped.append(f"{section}.{key}")
    return kept or None, dropped


def baseline_pipeline(*args, **kwargs):
    """pipeline(...) on the baseline, or "refused" if it refuses the order (an error naming its budget)."""
    try:
        return pipeline(*args, **kwargs)
    except Failure as failure:
        if "budget" in str(failure):
            return "refused"
        raise


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


def write_corpus(path, text, size):
    """`text` repeated `size` times to `path`, a copy at a time: the harness never holds the whole corpus."""
    with open(path, "wb") as out:
        for _ in range(size):
            out.write(text)
    return path


def number(x, ratio=False):
    return "" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:.3g}" if ratio or x >= 0.01 else f"{x:.4f}"


def table(label, ours, steps, total, base=None, prefix=""):
    """Each stage against the lecture's steps "X" and "X: ..." for stage X, lecture steps of no stage,
    then the repros against the lecture's whole process; with `base` (a run, or "refused"), the
    baseline's seconds, its ratio to ours and its peak as three more columns."""
    theirs = {} if total is None else {"cold repro": total, "alpha repro": total}
    for step, t in steps.items():
        theirs[step.split(":")[0]] = theirs.get(step.split(":")[0], 0) + t
    base_rows = base["rows"] if isinstance(base, dict) else {}
    order = [*ours, *(step for step in theirs if step not in ours), *(r for r in base_rows if r not in ours)]
    rows = []
    for row in order:
        (mine, peak), lec = ours.get(row, (None, None)), theirs.get(row)
        cells = [
            label,
            prefix + row,
            number(mine),
            number(lec),
            number(lec and mine and lec / mine, ratio=True),
            "" if peak is None else f"{peak:.0f}",
        ]
        if base is not None:
            then, then_peak = base_rows.get(row, (None, None))
            cells += (
                ["refused", "", ""]
                if base == "refused"
                else [number(then), number(then and mine and then / mine, ratio=True), number(then_peak)]
            )
        rows.append(cells)
    return rows


def size_mb(mb):
    return f"{mb / 1024:.2f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def stage_peak(run):
    """(stage, peak MB) of the stage with the highest peak, the repros left out."""
    return max(((stage, peak) for stage, (_, peak) in run["rows"].items() if stage not in REPROS), key=lambda x: x[1])


def stages_seconds(run):
    return sum(seconds for stage, (seconds, _) in run["rows"].items() if stage not in REPROS)


def targets(results, lectures, default_order, flat, method):
    """The issue's targets as (PASS/FAIL/-, text) lines from results {(size, order, "ours"/"base"): run or
    "refused"}, all at smooth.method = `method`, and lectures {size: the lecture's whole process's seconds}."""
    lines = []

    def check(ok, text):
        lines.append(("PASS" if ok else "FAIL", text))

    def missing(text, size, order):
        lines.append(("-", f"{text}: not measured (needs size {size}x at order {order})"))

    def before(size, order, value, issue=None):
        base = results.get((size, order, "base"))
        parts = [] if base is None else ["refused" if base == "refused" else value(base)]
        parts += [issue] if issue else []
        return f"; before: {', '.join(parts)}" if parts else ""

    def cold(run):
        return f"{run['rows']['cold repro'][0]:.3g} s"

    def peak(run):
        stage, mb = stage_peak(run)
        return f"{stage} {size_mb(mb)}"

    def output(run):
        return "none" if run["largest"] is None else f"{run['largest'][1]} {run['largest'][0] / MB:.3g} MB"

    for size, bound in ((1, 15), (100, 60)):
        label = f"order 6, {size}x"
        if (run := results.get((size, 6, "ours"))) is None:
            missing(label, size, 6)
            continue
        if "cold repro" in run["rows"]:
            seconds = run["rows"]["cold repro"][0]
            check(
                seconds <= bound,
                f"{label}: cold repro {cold(run)} (target ≤ {bound} s; lmplz {LMPLZ[size]}"
                f"{before(size, 6, cold, ISSUE_BEFORE['cold'] if size == 1 else None)})",
            )
        check(
            stage_peak(run)[1] <= 1024,
            f"{label}: largest stage peak {peak(run)} (target ≤ 1 GB; lmplz {LMPLZ_MB}"
            f"{before(size, 6, peak, ISSUE_BEFORE['peak'] if size == 1 else None)})",
        )
        if size == 1:
            largest = run["largest"][0] if run["largest"] else 0
            check(
                largest <= 20 * MB,
                f"{label}: largest output {output(run)} (target ≤ 20 MB{before(1, 6, output, ISSUE_BEFORE['output'])})",
            )
    for order in (2, 6):
        label = f"1000x, order {order}"
        if (run := results.get((1000, order, "ours"))) is None:
            missing(label, 1000, order)
            continue
        check(
            stage_peak(run)[1] <= 2048,
            f"{label}: largest stage peak {peak(run)}, the stages {stages_seconds(run):.3g} s in all (target ≤ 2 GB; "
            f"lmplz {LMPLZ[1000]} {LMPLZ_MB} at order 6"
            f"{before(1000, order, peak, ISSUE_BEFORE['1000x'] if order == 2 else None)})",
        )
    for size, (times, bound_mb) in KN_TARGETS.items():
        label, run = f"Kneser-Ney order 6, {size}x", results.get((size, 6, "ours"))
        if method != "kneser_ney" or run is None:
            lines.append(("-", f"{label}: not measured (needs --method kneser_ney and size {size}x at order 6)"))
            continue
        (count, count_mb), (smooth, smooth_mb) = run["rows"]["count"], run["rows"]["smooth"]
        bound = times * LMPLZ_SECONDS[size]
        check(
            count + smooth <= bound,
            f"{label}: the estimate, count + smooth, {count:.3g} s + {smooth:.3g} s = {count + smooth:.3g} s, peaks "
            f"{count_mb:.0f} and {smooth_mb:.0f} MB (target ≤ {bound:.3g} s, {times}× lmplz's {LMPLZ[size]}, "
            f"{LMPLZ_MB})",
        )
        check(
            stage_peak(run)[1] <= bound_mb,
            f"{label}: every stage's peak ≤ {size_mb(bound_mb)}: the largest {peak(run)} (lmplz {LMPLZ_MB})",
        )
    one, hundred = results.get((1, default_order, "ours")), results.get((100, default_order, "ours"))
    label = f"order {default_order}"
    if one is None or 1 not in lectures:
        missing(f"{label}: ratios to the lecture's script", 1, default_order)
    else:
        for row, bound, key in (("cold repro", 0.6, "cold"), ("alpha repro", 0.3, "alpha")):
            ratio = one["rows"][row][0] / lectures[1]

            def then(base, row=row):
                return f"{base['rows'][row][0] / lectures[1]:.2f}×"

            check(
                ratio <= bound,
                f"{label}, 1x: {row} / the lecture's script {one['rows'][row][0]:.3g} s / {lectures[1]:.3g} s = "
                f"{ratio:.2f}× (target ≤ {bound}×{before(1, default_order, then, f'README {README_BEFORE[key]}×')})",
            )
    if one is None or hundred is None or "cold repro" not in hundred["rows"]:
        missing(f"{label}: 100x / 1x cold repro", 100, default_order)
    else:
        ours_100, ours_1 = hundred["rows"]["cold repro"][0], one["rows"]["cold repro"][0]
        one_base = results.get((1, default_order, "base"))

        def growth(base):
            if not isinstance(one_base, dict):
                return "not measured"
            return f"{base['rows']['cold repro'][0] / one_base['rows']['cold repro'][0]:.2f}×"

        readme = f"README {README_BEFORE['growth']}×"
        check(
            ours_100 / ours_1 <= 2,
            f"{label}: cold repro 100x / 1x {ours_100:.3g} s / {ours_1:.3g} s = {ours_100 / ours_1:.2f}× "
            f"(target ≤ 2×{before(100, default_order, growth, readme)})",
        )
    for order in sorted({o for _, o, who in results if who == "ours"}):
        runs = sorted(
            (size, run)
            for (size, o, who), run in results.items()
            if o == order and who == "ours" and "count" in run["rows"]
        )
        if len(runs) < 2:
            continue
        peaks = [run["rows"]["count"][1] for _, run in runs]
        check(
            max(peaks) <= flat * peaks[0],
            f"order {order}: count peak memory {'→'.join(f'{s}x' for s, _ in runs)}: "
            f"{' → '.join(f'{p:.0f}' for p in peaks)} MB (flat: target ≤ {flat}× the smallest size's)",
        )
    return lines


def quality(cfg):
    """The quality table, Markdown lines, from params.yaml's settings `cfg`: on its names file split as
    prepare splits it, at each order of LMPLZ_VAL, the val NLL of add-alpha at the alpha of the
    alpha_curve grid best on val, of Kneser-Ney and of the network trained as train_nn trains it, each
    asked for val's contexts as evaluate asks (uniform after a context train lacks); then the lecture's
    networks and KenLM on their corpus, for reference."""
    import torch  # here only: the timing runs don't train in this process

    torch.set_num_threads(1)  # as train_nn
    prep, nn, grid = cfg["prepare"], cfg["train_nn"], cfg["alpha_curve"]
    names = read_names(ROOT / prep["names_file"], prep["lowercase"])
    split = corpus.split_of(len(names), prep["val_frac"], prep["test_frac"], seed=prep["seed"])  # (n,) 0, 1, 2
    train_names, val_names = (list(itertools.compress(names, (split == k).tolist())) for k in (0, 1))
    itos = corpus.build_vocab(names)
    V, alphas = len(itos), evaluation.log_grid(grid["log10_min"], grid["log10_max"], cfg["smooth"]["alpha"])
    lines = [
        f"Val NLL (nats per character) on {prep['names_file']}, makemore's split as prepare makes it "
        f"({len(train_names):,} names to train, {len(val_names):,} to validate):",
        "",
        "| order | add-alpha | its val-best α | Kneser-Ney | network (train_nn) | lmplz | Kneser-Ney − lmplz "
        f"| ≤ +{KN_BAR} |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for order, lmplz in LMPLZ_VAL.items():
        ngrams, counts = counting.count_ngrams([train_names], itos, order)
        train = counting.table(ngrams, counts, V)
        val = counting.table(*counting.count_ngrams([val_names], itos, order), V)
        alpha = min(evaluation.alpha_curve(train, val, alphas), key=lambda point: point[2])[0]
        add_alpha = val_nll(backoff.from_rows(counting.smooth(train.N, alpha), train.contexts, order), val)
        kn = val_nll(kneser_ney.estimate(ngrams, counts, order, V)[0], val)
        N_val, rest = counting.align(val, train.contexts)  # as train_nn aligns val
        W, _ = network.train(train.N, N_val, nn["seed"], nn["steps"], nn["lr"], nn["reg"], rest)
        net = val_nll(models.ContextRows(network.softmax(W), train.contexts), val)  # float32 W, as evaluate reads it
        above = round(kn - lmplz, 4) + 0  # + 0: no "-0.0000"
        lines.append(
            f"| {order} | {add_alpha:.4f} | {alpha:.3g} | {kn:.4f} | {net:.4f} | {lmplz:.4f} | {above:+.4f} "
            f"| {'✓' if kn - lmplz <= KN_BAR else '✗'} |"
        )
    lines += [
        "",
        f"add-alpha: α from the alpha_curve grid, half-decades 1e{grid['log10_min']}..1e{grid['log10_max']}; "
        f"network: train_nn's {nn['steps']} steps at lr {nn['lr']:g}, reg {nn['reg']:g}; lmplz: KenLM "
        "`lmplz -o k --discount_fallback` on the same train split, scored by KenLM on val (quoted).",
        "",
        "For reference, the lecture series on its own corpus, makemore's names.txt (32,033 names of 2018, "
        "not this file) and its split, val NLL (quoted):",
        "",
        "| model | val NLL |",
        "|---|---|",
        *(f"| {name} | {nll:.4f} |" for name, nll in LECTURE_NETS.items()),
        *(
            f"| KenLM lmplz, order {k} (Kneser-Ney, {k - 1} characters) | {nll:.4f} |"
            for k, nll in LECTURE_KENLM.items()
        ),
        "",
    ]
    verdicts = []
    for k, nll in LECTURE_KENLM.items():
        beaten = [name for name, net in LECTURE_NETS.items() if nll < net]
        rest = [name for name in LECTURE_NETS if name not in beaten]
        verdicts.append(
            f"at order {k} ({nll:.4f}) beats {' and '.join(beaten) or 'neither'}"
            + (f" but not {' or '.join(rest)}" if rest else "")
        )
    return [*lines, "On that split, a count table with Kneser-Ney smoothing " + "; ".join(verdicts) + "."]


def val_nll(model, val):
    """The val NLL of a model (its rows by context) on val's counting.Counts."""
    return evaluation.nll(model[val.contexts], val.N)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="corpus sizes in multiples of data/names.txt")
    parser.add_argument("--quick", action="store_true", help="1x only")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs of each of ours (default 3)")
    parser.add_argument("--lecture-max", type=int, default=300_000, help="most names the lecture's code runs on")
    parser.add_argument("--orders", default="4,6", help="also time the pipeline at these model.order ('': don't)")
    parser.add_argument("--order", type=int, help="one order for --orders (0: none), as before --orders")
    parser.add_argument("--big", type=int, default=1000, help="from this size on: each stage once, no repro or lecture")
    parser.add_argument("--baseline", default="2552ec4", help="the git revision to compare with (default 2552ec4)")
    parser.add_argument("--no-baseline", action="store_true", help="don't run the baseline")
    parser.add_argument("--flat", type=float, default=1.5, help="count's peak flat: largest size's ≤ this × smallest's")
    parser.add_argument("--alphabets", default="300,1000", help="also time V = these, on 1x as many names ('': don't)")
    parser.add_argument(
        "--method", choices=("add_alpha", "kneser_ney"), help="smooth.method in every copy (default: params.yaml's)"
    )
    parser.add_argument("--quality", action="store_true", help="only the quality table: val NLL by model and order")
    args = parser.parse_args()
    cfg = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    if args.quality:
        start = time.perf_counter()
        print("\n".join(quality(cfg)))
        print(f"quality table: {time.perf_counter() - start:.1f} s", file=sys.stderr)
        return
    method = args.method or cfg["smooth"]["method"]
    smooth = {"smooth": {"method": args.method}} if args.method else {}
    orders = [int(o) for o in args.orders.split(",") if o] if args.order is None else [args.order] * bool(args.order)
    version = importlib.metadata.version
    print(
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.2f}), Python {platform.python_version()}, "
        f"numpy {version('numpy')}, torch {version('torch')}, dvc {version('dvc')}; smooth.method = {method}",
        flush=True,
    )
    rows, notes, results, lectures, text = [], {}, {}, {}, (ROOT / CORPUS).read_bytes()
    text += b"\n" * (not text.endswith(b"\n"))
    default_order = cfg["model"]["order"]
    orders = [o for o in dict.fromkeys(orders) if o != default_order]
    with tempfile.TemporaryDirectory(prefix="bigram-bench-") as tmp:
        base = None if args.no_baseline else baseline_source(Path(tmp), args.baseline)
        for size in [1] if args.quick else [int(s) for s in args.sizes.split(",")]:
            corpus = write_corpus(Path(tmp) / f"names-{size}x.txt", text, size)
            big = size >= args.big
            for order in [default_order, *orders]:
                params = {**smooth, **({} if order == default_order else {"model": {"order": order}})} or None
                prefix = "" if order == default_order else f"order {order}: "
                repeat = 1 if big or order != default_order else args.repeat
                what = "each stage once" if big else "dvc repro, cold and after an alpha change; each stage"
                print(f"{size}x, order {order}: {what}", file=sys.stderr, flush=True)
                ours = results[size, order, "ours"] = pipeline(
                    Path(tmp), f"{size}x-o{order}", corpus, repeat, params, stages_only=big
                )
                if base is not None:
                    print(f"{size}x, order {order}: the same at {args.baseline}", file=sys.stderr, flush=True)
                    base_params, dropped = known(params, base)
                    results[size, order, "base"] = baseline_pipeline(
                        Path(tmp), f"base-{size}x-o{order}", corpus, repeat, base_params, base, stages_only=big
                    )
                    if dropped:
                        notes[f"before: {args.baseline} has no {', '.join(dropped)}; it runs with its own"] = None
                steps, total, scale = {}, None, 1
                if order == default_order and not big:
                    print(f"{size}x: the lecture's code", file=sys.stderr, flush=True)
                    steps, total, scale = lecture(Path(tmp), corpus, args.lecture_max)
                    lectures[size] = total
                    notes[f"alpha repro: smooth.alpha halved, reran {', '.join(ours['ran'])}"] = None
                rows += table(
                    f"{size}x" + "*" * (scale != 1),
                    ours["rows"],
                    steps,
                    total,
                    results.get((size, order, "base")),
                    prefix,
                )
                if big:
                    notes[f"{size}x: each stage once in dependency order, no repro, no lecture"] = None
                if scale != 1:
                    notes[
                        f"* {size}x: the lecture's code ran on a random {args.lecture_max:,} of the names, its "
                        f"{', '.join(GROWS)} and total extrapolated x{scale:.1f}, linearly in bigrams "
                        "(an underestimate: its one-hot training grows faster than linearly)"
                    ] = None
            corpus.unlink()
        for V in [int(v) for v in args.alphabets.split(",") if v]:
            (corpus := Path(tmp) / f"names-V{V}.txt").write_text(
                alphabet_corpus(text.count(b"\n"), V), encoding="utf-8"
            )
            print(f"V = {V}: dvc repro, cold and after an alpha change; each stage", file=sys.stderr, flush=True)
            ours = pipeline(Path(tmp), f"V{V}", corpus, 1, params={"score": {"names": []}, **smooth})  # no emma here
            rows += table(f"V={V}", ours["rows"], {}, None, None if base is None else {"rows": {}})
            notes["V=N: as many names as data/names.txt over N - 1 characters (CJK), Zipf-distributed, 2 to 4 long"] = (
                None
            )
    header = ["size", "step", "ours (s)", "lecture (s)", "lecture/ours", "peak MB"]
    if base is not None:
        header += ["before (s)", "before/ours", "before MB"]
        notes[
            f"before = the project at {args.baseline}, measured the same way (not for V=N); "
            "refused: it refuses the order"
        ] = None
    widths = [max(map(len, column)) for column in zip(header, *rows, strict=False)]
    for row in [header, *rows]:
        print(
            "  ".join(
                cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=False))
            )
        )
    print(
        f"ours = the stage's cmd as its own process, start-up and imports included, best of {args.repeat} (order "
        "N and big sizes: 1); lecture = its code for that stage, within one process; the repro rows compare with "
        "the lecture's whole process"
    )
    print("\n".join(notes))
    print(
        f"\nTargets, smooth.method = {method} (lmplz: KenLM's order-6 estimate on this machine, quoted; before: "
        f"{args.baseline} as measured here, then the issue's figures):"
    )
    for verdict, line in targets(results, lectures, default_order, args.flat, method):
        print(f"{verdict:4}  {line}")


if __name__ == "__main__":
    main()
