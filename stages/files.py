"""Reading and writing the pipeline's files, and how a stage reports bad input.

Every output is written to a temporary file beside it and renamed into place only when
complete, so a failed stage never leaves a half-written file for DVC or a person to read.
"""

import argparse
import contextlib
import csv
import inspect
import json
import math
import os
import sys

SPLITS = ("train", "val", "test")
# Significant digits of the floats in metrics (JSON) and plot data (CSV tables): far above
# the float64 noise, about 1e-15, by which NumPy's and PyTorch's SIMD kernels differ per CPU,
# so that the files are the same bytes on every machine (see stages/model/network.py).
METRIC_DIGITS = 8
TABLE_DIGITS = 6


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


def read_names(path, lowercase, limit=None):
    """The names in a user's file: one per line, stripped, blank lines dropped; the first `limit` if given.

    Accepts UTF-8 with or without a byte-order mark and any line ending; rejects a file
    that is missing, not UTF-8, binary, has no names, or has a name containing '.'.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (set prepare.names_file in params.yaml)") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    names = []
    for lineno, raw in enumerate(data.splitlines(), 1):  # line by line, so an error names the line
        if len(names) == limit:
            break
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(f"{path}:{lineno}: not UTF-8 text (byte {e.start + 1} of the line)") from None
        name = line.strip()
        if not name.isprintable():
            raise InputError(f"{path}:{lineno}: contains control characters; is it a text file?")
        if lowercase:
            name = name.lower()
        if "." in name:
            raise InputError(f"{path}:{lineno}: {name!r} contains '.', the word boundary token")
        if name:
            names.append(name)
    if not names and limit != 0:
        raise InputError(f"{path}: no names (the file is empty or has only blank lines)")
    return names


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


def write_matrix(path, M, rows, columns, fmt="%d"):
    """A matrix (len(rows), len(columns)) as CSV, labelled: a header of columns, a first column of rows."""
    with atomic_write(path) as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["", *columns])
        out.writerows([label, *(fmt % x for x in row)] for label, row in zip(rows, M, strict=True))


def write_table(path, columns, rows):
    """A CSV with a header; floats to TABLE_DIGITS significant digits, None and NaN as empty cells."""

    def cell(x):
        if x is None or x != x:
            return ""
        return f"{x:.{TABLE_DIGITS}g}" if isinstance(x, float) else str(x)

    with atomic_write(path) as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(columns)
        out.writerows(map(cell, row) for row in rows)


def read_matrix(path, dtype):
    """(row labels, column labels, M) from a CSV written by write_matrix."""
    import numpy as np

    with open(path, encoding="utf-8", newline="") as f:
        header, *rows = csv.reader(f)
    return (
        [row[0] for row in rows],
        header[1:],
        np.array([row[1:] for row in rows], dtype=dtype).reshape(-1, len(header) - 1),
    )
