"""Pictures only a PNG can show: the lecture's labelled heatmap of the bigram counts."""

from stages import files
from stages.model import counting


def count_heatmap(path, N, labels, itos):
    """Cells of N (C, V) drawn with their n-gram and count, as in the lecture's figure.

    At most V rows, so the figure stays square: every context when there are that few (the
    bigram model's V), else the V most frequent in train.
    """
    import matplotlib
    from matplotlib.figure import Figure  # not pyplot: no GUI backend, no global figure to close

    V = len(itos)
    rows = counting.most_frequent_rows(N, V)
    size = max(8, 0.6 * V)  # the lecture's 16 inches fit V = 27; grow with the vocabulary
    height = size / V * len(rows)
    fig = Figure(figsize=(size, height + 0.5))
    ax = fig.add_axes((0, 0, 1, height / (height + 0.5)))  # fixed margins: drawn once, no tight bbox pass
    ax.imshow(N[rows], cmap="Blues")
    for i, row in enumerate(rows):
        for j in range(V):  # one label per cell: the n-gram above its count, placed in data coordinates;
            # a figure text, unlike ax.text, needs no clip path to the axes it never leaves
            fig.text(
                j,
                i,
                f"{labels[row]}{itos[j]}\n{N[row, j]}",
                ha="center",
                va="center",
                color="gray",
                transform=ax.transData,
            )
    if len(rows) == len(N) and len(labels[0]) == 1:
        ax.set_title("Bigram counts in train: row = previous character, column = next")
    else:
        ax.set_title(f"Counts in train: row = the {len(rows)} most frequent of {len(N)} contexts, column = next")
    ax.axis("off")
    # unhinted glyphs look the same at this size and draw faster; without the "Software"
    # metadata (matplotlib's version) the PNG's bytes depend only on the data, so dvc.lock is stable
    with files.atomic_write(path, "wb") as f, matplotlib.rc_context({"text.hinting": "no_hinting"}):
        fig.savefig(f, format="png", dpi=72, metadata={"Software": None})
