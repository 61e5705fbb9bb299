"""Pictures only a PNG can show: the lecture's labelled heatmap of the bigram counts."""

import numpy as np

from stages import files
from stages.model import counting


def count_heatmap(path, N, labels, itos):
    """Cells of N (C, V) drawn with their n-gram and count, as in the lecture's figure.

    At most counting.SHOWN rows and columns, so the figure stays readable and a few thousand
    pixels a side for any alphabet: every context and character when there are that few (the
    bigram model of 27 characters), else the most frequent ones, the other characters summed
    in a last column '…'; the title says which.
    """
    import matplotlib
    from matplotlib.figure import Figure  # not pyplot: no GUI backend, no global figure to close

    V = len(itos)
    rows = counting.most_frequent_rows(N, min(V, counting.SHOWN))
    columns = counting.shown_columns(N)
    cells = N[rows][:, columns]  # (rows, columns)
    names = [itos[j] for j in columns]
    if len(columns) < V:  # the other characters, summed in one column
        cells = np.column_stack([cells, N[rows].sum(1) - cells.sum(1)])
        names.append("…")
    size = max(8, 0.6 * len(names))  # the lecture's 16 inches fit V = 27
    height = size / len(names) * len(rows)
    fig = Figure(figsize=(size, height + 0.5))
    ax = fig.add_axes((0, 0, 1, height / (height + 0.5)))  # fixed margins: drawn once, no tight bbox pass
    ax.imshow(cells, cmap="Blues")
    dark = 0.45 * cells.max()  # past this, Blues is dark enough for white text
    for i, row in enumerate(rows):
        for j, name in enumerate(names):  # one label per cell: the n-gram above its count, in data coordinates;
            # a figure text, unlike ax.text, needs no clip path to the axes it never leaves
            text = f"{labels[row]}{name}\n{cells[i, j]}"
            color = "white" if cells[i, j] > dark else "#404040"  # readable on the cell's own blue
            fig.text(j, i, text, ha="center", va="center", color=color, transform=ax.transData)
    if len(rows) == len(N) and len(labels[0]) == 1 and len(names) == V:
        ax.set_title("Bigram counts in train: row = previous character, column = next")
    else:
        what_rows = f"the {len(rows)} most frequent of {len(N)} contexts" if len(rows) < len(N) else "context"
        what_columns = (
            f"the {len(columns)} most frequent of {V} characters, the rest in …" if len(columns) < V else "next"
        )
        ax.set_title(f"Counts in train: row = {what_rows}, column = {what_columns}")
    ax.axis("off")
    # unhinted glyphs look the same at this size and draw faster; without the "Software"
    # metadata (matplotlib's version) the PNG's bytes depend only on the data, so dvc.lock is stable
    with files.atomic_write(path, "wb") as f, matplotlib.rc_context({"text.hinting": "no_hinting"}):
        fig.savefig(f, format="png", dpi=72, metadata={"Software": None})
