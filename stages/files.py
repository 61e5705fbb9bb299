"""Files on disk: every output written whole or not at all, and text read as lines, a bounded
chunk at a time.

Every output is written to a temporary file beside it and renamed into place only when
complete, so a failed stage never leaves a half-written file for DVC or a person to read.
"""

import contextlib
import os

SPLITS = ("train", "val", "test")  # the splits, in the names of their files: data/prepared/train.txt, …
CHUNK = 2**20  # characters a stage holds at once when it streams a file: about 150,000 names


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


def read_lines(path):
    """The lines of a file the pipeline wrote, without their newlines."""
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def write_lines(path, lines):
    with atomic_write(path) as f:
        if lines:
            f.write("\n".join(lines) + "\n")


def read_chunks(path, size=CHUNK):
    """The lines of a file the pipeline wrote, without their newlines, as lists of the lines in
    `size` characters at a time, so that a stage holds a bounded part of a large file."""
    with open(path, encoding="utf-8", newline="\n") as f:
        for block in blocks(f, size):
            yield block[:-1].split("\n")


def blocks(f, size):
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
