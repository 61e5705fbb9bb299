"""A throwaway copy of the project as its own git repo, for running DVC end to end (tests, benchmark)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


class Repo:
    """The tracked files of this project (or of another Repo: a fresh clone) copied to `path`,
    committed in a fresh git repo."""

    def __init__(self, path, source=ROOT):
        self._place(path)
        tracked = subprocess.run(["git", "ls-files", "-z"], cwd=source, capture_output=True, check=True, text=True)
        for name in tracked.stdout.split("\0"):
            if name and (source / name).exists():
                (path / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / name, path / name)
        self.run("git", "init", "-q")
        self.commit("copy of the project")

    def copy(self, path):
        """A Repo at `path` that is this one as it stands, byte for byte: its git history, work tree,
        DVC outputs and cache. Cheaper than a fresh Repo and `dvc repro`; this one is left as it is."""
        shutil.copytree(self.path, path, symlinks=True)
        return type(self).at(path)

    @classmethod
    def at(cls, path):
        """The Repo already at `path`, made by Repo() or copy(): nothing copied or committed."""
        repo = object.__new__(cls)
        repo._place(path)
        return repo

    def _place(self, path):
        """Set path and the environment DVC and git run in: DVC's site cache and config beside the repo."""
        self.path = path
        self.env = {
            **os.environ,
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
            "DVC_NO_ANALYTICS": "1",
            "DVC_SITE_CACHE_DIR": str(path.parent / "dvc-site-cache"),
            "DVC_GLOBAL_CONFIG_DIR": str(path.parent / "dvc-global-config"),
            "DVC_SYSTEM_CONFIG_DIR": str(path.parent / "dvc-system-config"),
            "GIT_AUTHOR_NAME": "test",
            "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "test",
            "GIT_COMMITTER_EMAIL": "test@example.com",
        }

    def run(self, *cmd, check=True):
        """Run a command in the repo; returns the CompletedProcess with text stdout and stderr."""
        done = subprocess.run(cmd, cwd=self.path, env=self.env, capture_output=True, text=True)
        if check and done.returncode:
            raise AssertionError(f"{' '.join(cmd)} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def dvc(self, *args, check=True):
        return self.run(sys.executable, "-m", "dvc", *args, check=check)

    def commit(self, message):
        self.run("git", "add", "-A")
        self.run("git", "commit", "-q", "--allow-empty", "-m", message)

    def read(self, name):
        return (self.path / name).read_text(encoding="utf-8")

    def write(self, name, text):
        (self.path / name).write_text(text, encoding="utf-8")

    def params(self):
        return yaml.safe_load(self.read("params.yaml"))

    def set_params(self, **sections):
        """Update params.yaml, e.g. set_params(smooth={"alpha": 0.5}); drops its comments."""
        params = yaml.safe_load(self.read("params.yaml"))
        for section, values in sections.items():
            params[section].update(values)
        self.write("params.yaml", yaml.safe_dump(params, sort_keys=False))
