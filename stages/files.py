"""Reading and writing the pipeline's files, and how a stage reports bad input.

Every output is written to a temporary file beside it and renamed into place only when
complete, so a failed stage never leaves a half-written file for DVC or a person to read.
"""

import argparse
import contextlib
import csv
import inspect
import itertools
import json
import math
import os
import sys

import numpy as np

from stages.model import corpus, counting

SPLITS = ("train", "val", "test")
# Significant digits of the floats in metrics (JSON) and plot data (CSV tables): far above
# the float64 noise, about 1e-15, by which NumPy's and PyTorch's SIMD kernels differ per CPU,
# so that the files are the same bytes on every machine (see stages/model/network.py).
METRIC_DIGITS = 8
TABLE_DIGITS = 6
COUNT_COLUMNS = ("context", "next", "count")  # data/counts/*.csv: one row per n-gram that occurs
CHUNK = 2**20  # characters a stage holds at once when it streams a file: about 150,000 names


class InputError(Exception):
    """A problem with the user's input or params: reported as one short message, no traceback."""


def run(main):
    """Call a stage's main with its command-line arguments, one per parameter of main.

    Wrong arguments get argparse's usage line, with the stage's docstring as its help;
    an InputError exits 1 with its message on stderr.
    """
    module = sys.modules[main.__module__]  # __main__, run as python -m stages.<name>
    parser = argparse.ArgumentParser(
        prog=f"python -m {module.__spec__.name}",
        description=module.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for name in inspect.signature(main).parameters:
        parser.add_argument(name)
    args = parser.parse_args()
    exit_on_input_error(main, **vars(args))


def exit_on_input_error(main, *args, **kwargs):
    """main(*args, **kwargs); an InputError exits 1 with its message on stderr, no traceback."""
    try:
        main(*args, **kwargs)
    except InputError as e:
        sys.exit(f"error: {e}")


@contextlib.contextmanager
def atomic_write(path, mode="w"):
    """Open a temporary file beside `path` for writing; rename it to `path` only on success."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"  # a fixed name, so outputs don't depend on it
    try:
        with open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as f:
            yield f
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


def read_name_chunks(path, lowercase, size=CHUNK):
    """The names in a user's file, one per line, stripped, blank lines dropped, as lists of the
    names in `size` characters at a time: a stage holds one chunk, so a corpus of any size streams.

    Accepts UTF-8 with or without a byte-order mark and any line ending; rejects a file
    that is missing, not UTF-8, binary, or has a name containing '.', naming the line.
    """
    try:
        f = open(path, encoding="utf-8-sig", errors="surrogateescape", newline=None)  # \n, \r\n or \r
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (set prepare.names_file in params.yaml)") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    with f:
        first = 1  # the line number of the chunk's first line
        for block in _blocks(f, size):
            names = list(filter(None, map(str.strip, block.split("\n"))))  # each line stripped, blank ones dropped
            printable = "".join(names).isprintable()  # one test for the chunk: no undecodable byte or control
            # lowercased as one text: "\n" ends a word, so each name lowercases as on its own
            names = "\n".join(names).lower().split("\n") if lowercase and names else names
            if not printable or "." in "".join(names):
                for lineno, line in enumerate(block.split("\n"), first):  # the first bad line, to name it
                    _check_line(path, lineno, line, lowercase)
            yield names
            first += block.count("\n")


def _check_line(path, lineno, line, lowercase):
    """Raise the InputError for the line's first problem, if it has one."""
    name = line.strip()
    bad = next((ch for ch in name if "\udc80" <= ch <= "\udcff"), None)  # an undecodable byte, escaped
    if bad is not None:
        byte = len(line[: line.index(bad)].encode("utf-8", "surrogateescape")) + 1
        raise InputError(f"{path}:{lineno}: not UTF-8 text (byte {byte} of the line)")
    if not name.isprintable():
        raise InputError(f"{path}:{lineno}: contains control characters; is it a text file?")
    name = name.lower() if lowercase else name
    if "." in name:
        raise InputError(f"{path}:{lineno}: {name!r} contains '.', the word boundary token")


def read_names(path, lowercase, limit=None):
    """The first `limit` names of a user's file (read_name_chunks), or all; an InputError if it has none."""
    names = list(itertools.islice(itertools.chain.from_iterable(read_name_chunks(path, lowercase)), limit))
    if not names and limit != 0:
        raise no_names(path)
    return names


def no_names(path):
    """The InputError for a names file without a name."""
    return InputError(f"{path}: no names (the file is empty or has only blank lines)")


def read_lines(path):
    """The lines of a file the pipeline wrote, without their newlines."""
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def write_lines(path, lines):
    with atomic_write(path) as f:
        if lines:
            f.write("\n".join(lines) + "\n")


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_json(path, obj):
    """Strict JSON as UTF-8 text (no NaN or Infinity tokens, no \\u escapes), indented, keys sorted,
    floats to METRIC_DIGITS; an infinite float is the string "inf" or "-inf" and NaN (undefined) is null,
    because JSON has no infinity and DVC shows a null like a missing key."""
    with atomic_write(path) as f:
        json.dump(_jsonable(obj), f, indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False)
        f.write("\n")


def _jsonable(obj):
    """obj with every float rounded to METRIC_DIGITS significant digits, infinities as strings, NaN as None."""
    if isinstance(obj, float):
        if obj != obj:
            return None
        if math.isinf(obj):
            return str(obj)
        return float(f"{obj:.{METRIC_DIGITS}g}")
    if isinstance(obj, dict):
        return {key: _jsonable(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(value) for value in obj]
    return obj


def write_table(path, columns, rows):
    """A CSV with a header; floats to TABLE_DIGITS significant digits, None and NaN as empty cells."""

    def cell(x):
        if x is None or x != x:
            return ""
        return f"{x:.{TABLE_DIGITS}g}" if isinstance(x, float) else str(x)

    write_csv(path, columns, (map(cell, row) for row in rows))


def write_csv(path, columns, rows):
    """A CSV with a header, the rows as they are: strings and integers, as the long tables hold."""
    with atomic_write(path) as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(columns)
        out.writerows(rows)


def read_table(path, columns):
    """The rows of a CSV written by write_table, as lists of strings; its header must be `columns`.
    pandas reads the same file in one call: pd.read_csv(path, keep_default_na=False)."""
    with open(path, encoding="utf-8", newline="") as f:
        header, *rows = csv.reader(f)
    if header != list(columns):
        raise InputError(f"{path}: expected the columns {', '.join(columns)}, got {', '.join(header)}")
    return rows


def read_chunks(path, size=CHUNK):
    """The lines of a file the pipeline wrote, without their newlines, as lists of the lines in
    `size` characters at a time, so that a stage holds a bounded part of a large file."""
    with open(path, encoding="utf-8", newline="\n") as f:
        for block in _blocks(f, size):
            yield block[:-1].split("\n")


def _blocks(f, size):
    """The text of an open file, about `size` characters at a time, each block whole lines ending in "\n"."""
    rest = ""  # the start of a line the last block cut
    while block := f.read(size):
        block = rest + block
        cut = block.rfind("\n") + 1
        rest = block[cut:]
        if cut:
            yield block[:cut]
    if rest:
        yield rest + "\n"  # the last line, which had no newline


def read_counts(path, itos):
    """A split's counts (counting.Counts) from the long table count wrote."""
    return counting.from_long(read_table(path, COUNT_COLUMNS), itos)


def write_counts(path, counts, itos, order):
    """A split's counts as a long table, one row per n-gram that occurs: context, next, count."""
    write_csv(path, COUNT_COLUMNS, counting.to_long(counts, itos, order))


def write_W(out_dir, W, labels):
    """The network: W (C, V) float32 as W.npy, and the context of each of its rows in contexts.txt.

    .npy is NumPy's own format, a short text header and the raw numbers; read_W loads it with
    allow_pickle=False, so a W.npy pulled from anyone's DVC remote can only ever be numbers,
    unlike a pickle (torch.save), which runs code as it loads.
    """
    with atomic_write(os.path.join(out_dir, "W.npy"), "wb") as f:
        np.save(f, W, allow_pickle=False)
    write_lines(os.path.join(out_dir, "contexts.txt"), labels)


def read_W(out_dir, itos, order):
    """(W (C, V) float32, its contexts (C,) int64) as write_W wrote them; an InputError if its
    contexts are not order - 1 characters, as the counts model's (another run's files)."""
    W = np.load(os.path.join(out_dir, "W.npy"), allow_pickle=False)
    path = os.path.join(out_dir, "contexts.txt")
    labels = read_lines(path)
    if labels and len(labels[0]) != order - 1:
        raise InputError(
            f"{path}: contexts of {len(labels[0])} characters, a network of order {len(labels[0]) + 1}, "
            f"but the counts model is of order {order}; run dvc repro"
        )
    return W, corpus.context_ids(labels, itos)
