"""params.yaml: read it safely and check every key before any stage does any work."""

import math

import yaml

from stages.cli import InputError

PARAMS_FILE = "params.yaml"


def _fraction(x):
    return 0 <= x < 1


# key -> (type, test of the value, what the test expects)
SCHEMA = {
    "prepare": {
        "names_file": (str, lambda x: x != "", "a path"),
        "seed": (int, lambda x: True, "an integer"),
        "val_frac": (float, _fraction, "a fraction in [0, 1)"),
        "test_frac": (float, _fraction, "a fraction in [0, 1)"),
        "lowercase": (bool, lambda x: True, "true or false"),
    },
    "model": {
        "order": (int, lambda x: 1 <= x <= 10, "an integer in [1, 10]"),
    },
    "smooth": {
        "method": (str, lambda x: x in ("add_alpha", "kneser_ney"), "add_alpha or kneser_ney"),
        "alpha": (float, lambda x: x == 0 or 1e-12 <= x <= 1e12, "0 or a number in [1e-12, 1e12]"),
    },
    "train_nn": {
        "seed": (int, lambda x: 0 <= x < 2**64, "an integer in [0, 2**64)"),
        "steps": (int, lambda x: 1 <= x <= 100_000, "an integer in [1, 100000]"),
        "lr": (float, lambda x: 0 < x <= 1e12, "a number in (0, 1e12]"),
        "reg": (float, lambda x: 0 <= x <= 1e6, "a number in [0, 1e6]"),
    },
    "alpha_curve": {
        "log10_min": (int, lambda x: -12 <= x <= 12, "an integer in [-12, 12]"),
        "log10_max": (int, lambda x: -12 <= x <= 12, "an integer in [-12, 12]"),
    },
    "reg_curve": {
        "log10_min": (int, lambda x: -12 <= x <= 12, "an integer in [-12, 12]"),
        "log10_max": (int, lambda x: -12 <= x <= 12, "an integer in [-12, 12]"),
    },
    "order_curve": {
        "max_order": (int, lambda x: 1 <= x <= 10, "an integer in [1, 10]"),
    },
    "sample": {
        "seed": (int, lambda x: 0 <= x < 2**64, "an integer in [0, 2**64)"),
        "num": (int, lambda x: 0 <= x <= 100_000, "an integer in [0, 100000]"),
        "max_len": (int, lambda x: 1 <= x <= 10_000, "an integer in [1, 10000]"),
    },
    "score": {
        "first": (int, lambda x: 0 <= x <= 1000, "an integer in [0, 1000]"),
        "names": (
            list,
            lambda x: all(isinstance(n, str) and n.strip() and "." not in n for n in x),
            "a list of names, none empty or with '.'",
        ),
    },
}


def _problem(value, kind, ok, expected):
    """What is wrong with one value, or None."""
    number = kind is float and isinstance(value, int) and not isinstance(value, bool)  # 'lr: 50' is a number too
    if not (isinstance(value, kind) or number) or (kind is int and isinstance(value, bool)):
        if kind is float and isinstance(value, str) and _is_number(value):
            return f"expected {expected}, got the string {value!r} (YAML reads 1e9 as text; write 1.0e9)"
        return f"expected {expected}, got {value!r}"
    if (kind is float and not math.isfinite(value)) or not ok(value):
        return f"expected {expected}, got {value!r}"
    return None


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def check(params):
    """Every problem with a params dict, as 'key: message' strings."""
    if not isinstance(params, dict):
        return [f"expected sections {', '.join(SCHEMA)}, got {params!r}"]
    problems = []
    for section, keys in SCHEMA.items():
        given = params.get(section)
        if not isinstance(given, dict):
            problems.append(f"{section}: missing section (keys {', '.join(keys)})")
            continue
        for key, (kind, ok, expected) in keys.items():
            if key not in given:
                problems.append(f"{section}.{key}: missing; expected {expected}")
            elif problem := _problem(given[key], kind, ok, expected):
                problems.append(f"{section}.{key}: {problem}")
        problems += [f"{section}.{key}: unknown key" for key in given.keys() - keys.keys()]
    prepare = params["prepare"] if isinstance(params.get("prepare"), dict) else {}
    fracs = [prepare.get(k) for k in ("val_frac", "test_frac")]
    if all(isinstance(f, (int, float)) and not isinstance(f, bool) for f in fracs) and sum(fracs) >= 1:
        problems.append(
            f"prepare.val_frac + prepare.test_frac: expected < 1 so train keeps some names, got {sum(fracs)}"
        )
    for section in ("alpha_curve", "reg_curve"):
        grid = params.get(section) if isinstance(params.get(section), dict) else {}
        lo, hi = grid.get("log10_min"), grid.get("log10_max")
        if all(isinstance(x, int) and not isinstance(x, bool) for x in (lo, hi)) and lo > hi:
            problems.append(f"{section}.log10_min: expected <= {section}.log10_max, got {lo} > {hi}")
    return problems


def load(section):
    """The `section` of params.yaml, after checking the whole file; InputError lists every problem."""
    try:
        with open(PARAMS_FILE, encoding="utf-8") as f:
            params = yaml.safe_load(f)
    except FileNotFoundError:
        raise InputError(f"{PARAMS_FILE}: no such file") from None
    except yaml.YAMLError as e:
        raise InputError(f"{PARAMS_FILE}: not valid YAML: {e}") from None
    problems = check(params)
    if problems:
        raise InputError(f"{PARAMS_FILE}:\n  " + "\n  ".join(problems))
    return {key: float(v) if SCHEMA[section][key][0] is float else v for key, v in params[section].items()}
