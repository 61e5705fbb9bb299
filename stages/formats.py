"""The formats of the pipeline's small outputs: JSON (metrics, the vocabulary) and CSV tables (plot data).

Floats are rounded to a fixed number of significant digits, far above the float64 noise,
about 1e-15, by which NumPy's and PyTorch's SIMD kernels differ per CPU, so that the files
are the same bytes on every machine (see stages/model/network.py).
"""

import csv
import json
import math

from stages.cli import InputError
from stages.files import atomic_write

METRIC_DIGITS = 8  # significant digits of the floats in JSON
TABLE_DIGITS = 6  # and in CSV tables


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
