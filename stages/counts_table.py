"""A split's counts on disk (data/counts/*.csv): a long table, one row per n-gram that occurs,
its context, next character and count; counting.Counts in memory."""

from stages import formats
from stages.model import counting

COLUMNS = ("context", "next", "count")


def read(path, itos):
    """A split's counts (counting.Counts) from the long table count wrote."""
    return counting.from_long(formats.read_table(path, COLUMNS), itos)


def write(path, counts, itos, order):
    """A split's counts as a long table, one row per n-gram that occurs: context, next, count."""
    formats.write_csv(path, COLUMNS, counting.to_long(counts, itos, order))
