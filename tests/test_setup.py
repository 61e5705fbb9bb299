"""The Makefile's set-up: a clear error on an unsupported Python, and TORCH_INDEX for the CPU build."""

import re
import shutil
import subprocess
import sys

from tests.conftest import ROOT


def make(tmp_path, *args, requires_python=None):
    """`make` in a copy of the set-up files, with pyproject.toml's requires-python replaced if given."""
    for name in ("Makefile", "pyproject.toml", "requirements.txt", "requirements-test.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    if requires_python:
        pyproject = (tmp_path / "pyproject.toml").read_text()
        (tmp_path / "pyproject.toml").write_text(
            re.sub(r'requires-python = ".*"', f'requires-python = "{requires_python}"', pyproject)
        )
    return subprocess.run(["make", f"PYTHON={sys.executable}", *args], cwd=tmp_path, capture_output=True, text=True)


def test_this_python_is_supported():
    pyproject = (ROOT / "pyproject.toml").read_text()
    lo, hi = re.search(r'requires-python = ">=(\d+\.\d+),<(\d+\.\d+)"', pyproject).groups()
    assert tuple(map(int, lo.split("."))) <= sys.version_info[:2] < tuple(map(int, hi.split(".")))


def test_an_unsupported_python_gets_a_clear_error_and_no_venv(tmp_path):
    this = "{}.{}".format(*sys.version_info[:2])
    done = make(tmp_path, "test", requires_python=">=3.99,<3.100")
    assert done.returncode != 0
    assert f"error: Python >=3.99,<3.100 is needed, {sys.executable} is {this}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / ".venv").exists()


def test_torch_index_installs_the_pinned_torch_from_it_first(tmp_path):
    pin = re.search(r"^torch==\S+", (ROOT / "requirements.txt").read_text(), re.M).group()
    done = make(tmp_path, "-n", "test")
    assert done.returncode == 0, done.stderr
    plain = done.stdout
    assert "--index-url" not in plain and "-r requirements.txt" in plain
    assert "-r requirements-test.txt" in plain  # the tests' own requirements (KenLM), after the pipeline's
    assert "-r requirements-test.txt" not in make(tmp_path, "-n", "repro").stdout  # not on make repro's path
    lines = make(tmp_path, "-n", "test", "TORCH_INDEX=https://example.org/whl/cpu").stdout.splitlines()
    (torch_line,) = [i for i, line in enumerate(lines) if "--index-url https://example.org/whl/cpu" in line]
    assert lines[torch_line].endswith(pin)
    assert "-r requirements.txt" in lines[torch_line + 1]
