"""The user's names file, one name per line, read a chunk at a time and checked line by line.

Accepts UTF-8 with or without a byte-order mark and any line ending; rejects a file that is
missing, not UTF-8, binary, or has a name containing '.', naming the line.
"""

import itertools

from stages.cli import InputError
from stages.files import CHUNK, blocks


def read_name_chunks(path, lowercase, size=CHUNK):
    """The names in a user's file, one per line, stripped, blank lines dropped, as lists of the
    names in `size` characters at a time: a stage holds one chunk, so a corpus of any size streams."""
    try:
        f = open(path, encoding="utf-8-sig", errors="surrogateescape", newline=None)  # \n, \r\n or \r
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (set prepare.names_file in params.yaml)") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    with f:
        first = 1  # the line number of the chunk's first line
        for block in blocks(f, size):
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
