"""The tests' throwaway copy of the project: tools.sandbox.Repo, and a fresh one per test."""

import pytest

from tools.sandbox import ROOT, Repo  # noqa: F401  re-exported: the tests import them from here


@pytest.fixture
def repo(tmp_path):
    return Repo(tmp_path / "project")
