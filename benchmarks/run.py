"""Benchmark: the pipeline against the lecture's code, stage by stage and end to end.

From the repository root, with the project's virtual environment:

    .venv/bin/python -m benchmarks.run [--sizes 1,10,100] [--quick]

Corpus 1x is data/names.txt (prepare.names_file); 10x and 100x repeat its names. For each
corpus, in copies of the project under a temporary directory, it measures

  ours (s)     each stage's work: its main() called in this process with its modules already
               imported, best of up to 3 calls; the extras, count's heatmap and the reg and
               alpha curves, are timed apart on rows of their own (the lecture's code draws
               the heatmap too, and its row compares the two; it has no curves)
  process (s)  each stage run as its own process, as DVC runs it: start-up and imports included
  peak MB      that process's peak resident memory
  cold repro   `dvc repro --force` in a fresh copy with an empty cache: all six stages
  alpha repro  then `dvc repro` after setting smooth.alpha to 0.5: smooth, evaluate and sample
  lecture (s)  benchmarks/lecture.py as one process on the same corpus: each stage's time, and
               the process's wall time for the two repro rows. On a corpus of more than
               --lecture-max-names names it runs on a random sample and is extrapolated.

and prints one table, then the speed of counting: reading the split files, encoding, counting.
It takes about 7 minutes on 2 cores (--quick: 1), needs GNU time at /usr/bin/time, and
measures best on an otherwise idle machine: it prints how busy the CPUs were before it began.
"""
import argparse
import contextlib
import importlib
import io
import json
import os
import platform
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TIME = "/usr/bin/time"  # GNU time, for the peak memory of a process
WORK = ("count", "smooth", "train_nn", "evaluate", "sample")  # the "work": all but prepare
LINEAR = ("prepare", "count", "train_nn", "evaluate")  # the lecture's stages whose work grows with the corpus
EXTRAS = {  # stage -> (module, function, row): work beyond the "work", timed apart from the stage's
    "count": ("stages.plots", "count_heatmap", "count: heatmap PNG"),
    "train_nn": ("stages.model", "reg_curve", "train_nn: reg curve"),
    "evaluate": ("stages.model", "alpha_curve", "evaluate: alpha curve"),
}
REPEATS = 3  # best of this many runs ...
BUDGET = 20  # ... or fewer: no new run starts once this many seconds have been spent
TARGETS = {  # row -> least lecture/ours ratio the issue asks for
    "work": 100,
    "cold repro": 1 / 0.6,
    "alpha repro": 1 / 0.3,
}
COUNTING_TARGET = 20e6  # bigrams per second, reading included
MEMORY_TARGET_MB = 1024  # per stage, at 100x
SCALE_TARGET = 2  # cold repro at 100x / at 1x


@dataclass
class Run:
    """One finished process: wall seconds, peak resident memory in MB, and its stdout."""
    seconds: float
    peak_mb: float
    stdout: str


def log(message):
    print(message, file=sys.stderr, flush=True)


def repeat(fn):
    """The results of calling fn() REPEATS times, or fewer once BUDGET seconds have passed (at least once)."""
    results, start = [], time.perf_counter()
    while len(results) < REPEATS and (not results or time.perf_counter() - start < BUDGET):
        results.append(fn())
    return results


def environment(tmp):
    """os.environ for the processes: this venv first on PATH, DVC's and git's state kept inside tmp."""
    return {
        **os.environ,
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
        "DVC_NO_ANALYTICS": "1",
        "DVC_SITE_CACHE_DIR": str(tmp / "dvc-site-cache"),
        "DVC_GLOBAL_CONFIG_DIR": str(tmp / "dvc-global-config"),
        "DVC_SYSTEM_CONFIG_DIR": str(tmp / "dvc-system-config"),
        "GIT_AUTHOR_NAME": "benchmark", "GIT_AUTHOR_EMAIL": "benchmark@example.com",
        "GIT_COMMITTER_NAME": "benchmark", "GIT_COMMITTER_EMAIL": "benchmark@example.com",
    }


def run(cmd, cwd, env):
    """Run cmd to completion as a child process and measure it; raises RuntimeError if it fails.

    The peak memory is the maximum resident set size of the process, or of any process it
    waited for (for `dvc repro`, its stages), as GNU time reports it. Not wait4 from here:
    a child's maximum includes this process's resident memory, which the child is forked from.
    """
    with tempfile.NamedTemporaryFile("w+") as peak, tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        done = subprocess.run([TIME, "--format", "%M", "--output", peak.name, *cmd],
                              cwd=cwd, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        out.seek(0)
        stdout, kilobytes = out.read(), peak.read().split()[-1]
    if done.returncode:
        raise RuntimeError(f"{shlex.join(map(str, cmd))} exited {done.returncode} in {cwd}:\n{stdout}{done.stderr}")
    return Run(seconds, int(kilobytes) / 1024, stdout)


def names_file(project):
    """The corpus path of a project, prepare.names_file in its params.yaml."""
    with open(project / "params.yaml", encoding="utf-8") as f:
        return project / yaml.safe_load(f)["prepare"]["names_file"]


def build_corpora(tmp, sizes):
    """{size: path}: the project's names file with its lines repeated `size` times, under tmp."""
    text = names_file(ROOT).read_bytes()
    if not text.endswith(b"\n"):
        text += b"\n"
    corpora = {}
    for size in sizes:
        corpora[size] = tmp / f"names-{size}x.txt"
        corpora[size].write_bytes(text * size)
    return corpora


def copy_project(dest, corpus, env):
    """The project's git-tracked files copied to `dest` and committed in a fresh git repo, with
    `corpus` as its names file. Returns dest."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in filter(None, tracked.stdout.split("\0")):
        if (ROOT / name).exists():  # not a file deleted from the working tree but still tracked
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    shutil.copyfile(corpus, names_file(dest))
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "benchmark copy"]):
        subprocess.run(cmd, cwd=dest, env=env, capture_output=True, check=True)
    return dest


def stage_commands(project):
    """{stage: (module, args)} in dvc.yaml's order, from each stage's `python -m MODULE ARGS...`."""
    with open(project / "dvc.yaml", encoding="utf-8") as f:
        stages = yaml.safe_load(f)["stages"]
    commands = {}
    for stage, spec in stages.items():
        python, flag, module, *args = shlex.split(spec["cmd"])
        if (python, flag) != ("python", "-m"):
            raise ValueError(f"dvc.yaml: stage {stage}: expected `python -m MODULE ARGS`, got {spec['cmd']!r}")
        commands[stage] = (module, args)
    return commands


def stage_processes(project, commands, env):
    """{stage: Run}: each stage as its own process, in order, best of up to REPEATS runs (and the
    largest peak memory of them); the first run of a stage makes the next stage's inputs."""
    results = {}
    for stage, (module, args) in commands.items():
        runs = repeat(lambda: run([sys.executable, "-m", module, *args], project, env))
        results[stage] = Run(min(r.seconds for r in runs), max(r.peak_mb for r in runs), runs[0].stdout)
    return results


@contextlib.contextmanager
def timing(module_name, name):
    """Wrap module.name, if there is one, so that each call's seconds are appended to the list this yields."""
    spent = []
    module = importlib.import_module(module_name) if module_name else None
    real = getattr(module, name) if hasattr(module, name or "") else None
    if real is None:
        yield spent
        return

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    setattr(module, name, timed)
    try:
        yield spent
    finally:
        setattr(module, name, real)


def stage_work(project, commands):
    """{row: seconds}: best of up to REPEATS calls of each stage's main(*args) in `project`.

    Each stage is called once first, so that the imports it makes inside its functions
    (torch, matplotlib) are not timed. The time a stage spends in its EXTRAS function is
    taken out of the stage's row and shown on the extra's own row.
    """
    rows = {}
    with contextlib.chdir(project), contextlib.redirect_stdout(io.StringIO()):
        for stage, (module, args) in commands.items():
            main = importlib.import_module(module).main
            extra_module, function, extra_row = EXTRAS.get(stage, (None, None, None))
            with timing(extra_module, function) as extra:
                main(*args)

                def call():
                    extra.clear()
                    start = time.perf_counter()
                    main(*args)
                    return time.perf_counter() - start, sum(extra)

                calls = repeat(call)
            rows[stage] = min(total - inner for total, inner in calls)
            if any(inner for _, inner in calls):
                rows[extra_row] = min(inner for _, inner in calls)
    return rows


def counting(project, commands):
    """(bigrams, seconds): best of up to REPEATS of reading count's input split files, encoding, counting."""
    from stages import files, model

    prepared = project / commands["count"][1][0]
    itos = files.read_json(prepared / "vocab.json")

    def count_all():
        start = time.perf_counter()
        ix = [model.encode(files.read_lines(prepared / f"{split}.txt"), itos) for split in files.SPLITS]
        bigrams = sum(int(model.count_bigrams(x, len(itos)).sum()) for x in ix)
        return bigrams, time.perf_counter() - start

    return min(repeat(count_all), key=lambda result: result[1])


def stages_that_ran(repro):
    return [line.split("'")[1] for line in repro.stdout.splitlines() if line.startswith("Running stage '")]


def repro(tmp, corpus, stages, env):
    """(cold, alpha): Runs of `dvc repro --force` in a fresh copy of the project, then of
    `dvc repro` after setting smooth.alpha to 0.5. Checks which stages each one ran."""
    project = copy_project(tmp / "repro", corpus, env)
    dvc = [sys.executable, "-m", "dvc", "repro"]
    try:
        cold = run([*dvc, "--force"], project, env)
        params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
        params["smooth"]["alpha"] = 0.5
        (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
        alpha = run(dvc, project, env)
    finally:
        shutil.rmtree(project)
    for result, expected in ((cold, stages), (alpha, ["smooth", "evaluate", "sample"])):
        if stages_that_ran(result) != expected:
            raise RuntimeError(f"dvc repro ran {stages_that_ran(result)}, expected {expected}:\n{result.stdout}")
    return cold, alpha


def bigram_count(names):
    return sum(len(name) + 1 for name in names)


def lecture(tmp, corpus, env, max_names, sample_names):
    """The lecture's code on `corpus`, best of up to REPEATS runs, as a dict: "stages" (seconds per
    stage), "seconds" (the process's wall time), "peak_mb", "scale" and "sample_names".

    A corpus of more than `max_names` names is replaced by a random sample of `sample_names`
    of them, and the LINEAR stages' times and the memory above the torch import are scaled by
    `scale`, the ratio of their bigrams; smoothing and sampling don't depend on the corpus.
    Otherwise scale is 1.
    """
    names = corpus.read_text(encoding="utf-8").splitlines()
    sample, scale = names, 1
    if len(names) > max_names:
        sample = random.Random(0).sample(names, min(sample_names, len(names)))
        scale = bigram_count(names) / bigram_count(sample)
        corpus = tmp / "lecture-sample.txt"
        corpus.write_text("".join(name + "\n" for name in sample), encoding="utf-8")

    def once():
        result = run([sys.executable, "-m", "benchmarks.lecture", str(corpus)], ROOT, env)
        return result, json.loads(result.stdout)

    runs = repeat(once)
    stages = {stage: min(report["stages"][stage] for _, report in runs) for stage in runs[0][1]["stages"]}
    seconds = min(result.seconds for result, _ in runs)
    peak_mb = min(result.peak_mb for result, _ in runs)
    base_mb = runs[0][1]["rss_after_import_mb"]
    return {
        "stages": {stage: t * scale if stage in LINEAR else t for stage, t in stages.items()},
        "seconds": seconds + (scale - 1) * sum(stages[stage] for stage in LINEAR),
        "peak_mb": base_mb + scale * (peak_mb - base_mb),
        "scale": scale,
        "sample_names": len(sample),
    }


def measure(tmp, size, corpus, args):
    """Everything the table shows for one corpus, as a dict."""
    env = environment(tmp)
    workspace = copy_project(tmp / f"work-{size}x", corpus, env)
    commands = stage_commands(workspace)
    log(f"{size}x: each stage as a process")
    processes = stage_processes(workspace, commands, env)
    log(f"{size}x: each stage's work in-process")
    work = stage_work(workspace, commands)
    bigrams, count_seconds = counting(workspace, commands)
    shutil.rmtree(workspace)
    log(f"{size}x: dvc repro, cold and after an alpha change")
    repros = repeat(lambda: repro(tmp, corpus, list(commands), env))
    log(f"{size}x: the lecture's code")
    baseline = lecture(tmp, corpus, env, args.lecture_max_names, args.lecture_sample)
    return {
        "processes": processes,
        "work": work,
        "counting": (bigrams, count_seconds),
        "cold": min((cold for cold, _ in repros), key=lambda r: r.seconds),
        "alpha": min((alpha for _, alpha in repros), key=lambda r: r.seconds),
        "lecture": baseline,
    }


def seconds(x):
    return "" if x is None else f"{x:.3g}" if x < 100 else f"{x:.0f}"


def ratio(x):
    return "" if x is None else f"{x:.3g}" if x < 100 else f"{x:,.0f}"


def megabytes(x):
    return "" if x is None else f"{x:.0f}"


def verdict(row, ratio):
    target = TARGETS.get(row)
    if target is None:
        return ""
    return f">= {target:.3g} " + ("ok" if ratio >= target else "MISSED")


def table_rows(size, m):
    """The table's rows for one corpus: each stage, the work total, and the two repros."""
    lecture = m["lecture"]
    corpus = f"{size}x" + (" *" if lecture["scale"] != 1 else "")
    rows = []

    def add(row, ours, theirs, process=None, peak=None, lecture_peak=None):
        faster = theirs / ours if theirs is not None else None
        rows.append([corpus, row, seconds(ours), seconds(theirs), ratio(faster),
                     verdict(row, faster), seconds(process), megabytes(peak), megabytes(lecture_peak)])

    for row, ours in m["work"].items():
        stage = row if row in m["processes"] else None
        add(row, ours, lecture["stages"].get(row),
            process=m["processes"][stage].seconds if stage else None,
            peak=m["processes"][stage].peak_mb if stage else None)
    work = sum(m["work"][s] for s in WORK)
    add("work", work, sum(lecture["stages"][s] for s in WORK), peak=max(m["processes"][s].peak_mb for s in WORK))
    extras = [row for _, _, row in EXTRAS.values() if row in m["work"]]
    if extras:
        add("work + extras", work + sum(m["work"][row] for row in extras), None)
    add("cold repro", m["cold"].seconds, lecture["seconds"], peak=m["cold"].peak_mb, lecture_peak=lecture["peak_mb"])
    add("alpha repro", m["alpha"].seconds, lecture["seconds"], peak=m["alpha"].peak_mb, lecture_peak=lecture["peak_mb"])
    return rows


def format_table(header, rows):
    """Plain text, the first two columns left-aligned and the rest right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = []
    for cells in [header, *rows]:
        lines.append("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths))).rstrip())
    return "\n".join(lines)


def footnotes(results):
    """The lines under the table: counting speed, dvc's own time, the scale and memory targets,
    which lecture rows are extrapolated, and what the columns mean."""
    lines = []
    for size, m in results.items():
        bigrams, t = m["counting"]
        ok = "ok" if bigrams / t >= COUNTING_TARGET else "MISSED"
        lines.append(f"counting {size}x (read split files + encode + count): {bigrams:,} bigrams in {t:.3g} s "
                     f"= {bigrams / t / 1e6:.1f}M bigrams/s (target >= {COUNTING_TARGET / 1e6:.0f}M/s: {ok})")
    for size, m in results.items():
        own = {name: m[name].seconds - sum(m["processes"][s].seconds for s in stages_that_ran(m[name]))
               for name in ("cold", "alpha")}
        lines.append(f"dvc's own time {size}x (repro - its stages as processes): "
                     f"cold {own['cold']:.2f} s, alpha {own['alpha']:.2f} s")
    if 1 in results and 100 in results:
        ratio = results[100]["cold"].seconds / results[1]["cold"].seconds
        lines.append(f"scale: cold repro at 100x takes {ratio:.2f}x its time at 1x "
                     f"(target <= {SCALE_TARGET}: {'ok' if ratio <= SCALE_TARGET else 'MISSED'})")
    if 100 in results:
        stage, r = max(results[100]["processes"].items(), key=lambda item: item[1].peak_mb)
        ok = "ok" if r.peak_mb <= MEMORY_TARGET_MB else "MISSED"
        lines.append(f"memory: largest stage peak at 100x is {stage}, {r.peak_mb:.0f} MB (target <= {MEMORY_TARGET_MB} MB: {ok})")
    for size, m in results.items():
        lec = m["lecture"]
        if lec["scale"] != 1:
            lines.append(f"* {size}x: the lecture's code ran on a random sample of {lec['sample_names']:,} names; "
                         f"the times of {', '.join(LINEAR)} and its memory above the torch import "
                         f"are extrapolated x{lec['scale']:.1f} (linear in bigrams)")
    lines.append("ours = the stage's main() in-process, imports excluded; process = the stage as its own process; "
                 "lecture/ours = how many times faster; work = count + smooth + train_nn + evaluate + sample, "
                 "without the extras (the heatmap, which the lecture's code also draws, and the reg and alpha curves, "
                 "which it doesn't); "
                 "the repro rows compare with the lecture's whole process")
    return lines


def cpu_busy(seconds=1.0):
    """The fraction of the machine's CPU time spent busy over the next `seconds` (Linux /proc/stat)."""
    def ticks():
        with open("/proc/stat") as f:
            user, nice, system, idle, iowait, *rest = map(int, f.readline().split()[1:])
        return idle + iowait, user + nice + system + idle + iowait + sum(rest)

    idle0, total0 = ticks()
    time.sleep(seconds)
    idle1, total1 = ticks()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def machine(busy):
    """One line naming the machine and the versions measured; `busy` is the CPU busy fraction before the run."""
    import dvc
    import numpy
    import torch

    return (f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, torch {torch.__version__}, dvc {dvc.__version__}; CPU busy before the run: {busy:.0%}")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="corpus sizes, in multiples of the names file (default 1,10,100)")
    parser.add_argument("--quick", action="store_true", help="the 1x corpus only")
    parser.add_argument("--lecture-max-names", type=int, default=300_000,
                        help="run the lecture's code on corpora of at most this many names (default 300000)")
    parser.add_argument("--lecture-sample", type=int, default=300_000,
                        help="names sampled from a larger corpus for the lecture's code (default 300000: "
                             "a smaller sample fits in the CPU's caches and underestimates the lecture's time)")
    args = parser.parse_args()
    args.sizes = [1] if args.quick else [int(s) for s in args.sizes.split(",")]
    return args


def main():
    args = parse_args()
    header = ["corpus", "step", "ours (s)", "lecture (s)", "lecture/ours", "target", "process (s)", "peak MB", "lecture MB"]
    busy = cpu_busy()  # other work on the machine skews every time, torch's the most
    results = {}
    with tempfile.TemporaryDirectory(prefix="bigram-benchmark-") as tmp:
        tmp = Path(tmp)
        for size, corpus in build_corpora(tmp, args.sizes).items():
            results[size] = measure(tmp, size, corpus, args)
    rows = [row for size, m in results.items() for row in table_rows(size, m)]
    print(machine(busy))
    print(format_table(header, rows))
    print("\n".join(footnotes(results)))


if __name__ == "__main__":
    main()
