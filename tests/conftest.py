"""The tests' throwaway copies of the project (tools.sandbox.Repo): a fresh one per test (`repo`), and
the project after `dvc repro` built once per run and copied to each test that wants it (`reproduced`)."""

import json
import os
import shutil
import types

import filelock
import pytest

from tools.sandbox import ROOT, Repo  # noqa: F401  re-exported: the tests import them from here


@pytest.fixture
def repo(tmp_path):
    """A fresh copy of the project's tracked files, nothing reproduced."""
    return Repo(tmp_path / "project")


def shared_build(tmp_path_factory, name, build):
    """The Repo that build(path) makes at path (a Repo, then `dvc repro`), built once per test run: under
    pytest-xdist, by whichever worker asks first while the others wait on a lock, in a folder all of
    them share. build returns the CompletedProcess of its `dvc repro`, kept as the Repo's `repro`
    (stdout, stderr). The Repo is shared: never run anything in it, take a copy (Repo.copy)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # xdist: basetemp/popen-gwN
    folder = root / "shared" / name
    folder.parent.mkdir(exist_ok=True)
    done = folder / "repro.json"
    with filelock.FileLock(str(folder) + ".lock"):
        if not done.exists():  # not built yet, or its build failed: (re)build it
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            repro = build(folder / "project")
            done.write_text(json.dumps({"stdout": repro.stdout, "stderr": repro.stderr}), encoding="utf-8")
    repo = Repo.at(folder / "project")
    repo.repro = types.SimpleNamespace(**json.loads(done.read_text(encoding="utf-8")))
    return repo


@pytest.fixture(scope="session")
def committed(tmp_path_factory):
    """The project with its committed params after `dvc repro` in a fresh copy, shared by the whole run
    (shared_build): read it, or copy it (Repo.copy), never run anything in it."""
    return shared_build(tmp_path_factory, "committed", lambda path: Repo(path).dvc("repro"))


@pytest.fixture
def reproduced(committed, tmp_path):
    """A copy of `committed` of the test's own, to change and rerun: the project after `dvc repro`."""
    return committed.copy(tmp_path / "project")
