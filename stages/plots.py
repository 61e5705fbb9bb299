"""Pictures only a PNG can show: the lecture's labelled heatmap of the bigram counts."""

from stages import files


def count_heatmap(path, N, itos):
    """Every cell of N (V, V) drawn with its bigram and its count, as in the lecture's figure."""
    import matplotlib
    from matplotlib.figure import Figure  # not pyplot: no GUI backend, no global figure to close

    V = len(itos)
    size = max(8, 0.6 * V)  # the lecture's 16 inches fit V = 27; grow with the vocabulary
    fig = Figure(figsize=(size, size + 0.5))
    ax = fig.add_axes((0, 0, 1, size / (size + 0.5)))  # fixed margins: drawn once, no tight bbox pass
    ax.imshow(N, cmap="Blues")
    for i in range(V):
        for j in range(V):  # one label per cell: the bigram above its count, placed in data coordinates;
            # a figure text, unlike ax.text, needs no clip path to the axes it never leaves
            fig.text(
                j, i, f"{itos[i]}{itos[j]}\n{N[i, j]}", ha="center", va="center", color="gray", transform=ax.transData
            )
    ax.set_title("Bigram counts in train: row = previous character, column = next")
    ax.axis("off")
    # unhinted glyphs look the same at this size and draw faster; without the "Software"
    # metadata (matplotlib's version) the PNG's bytes depend only on the data, so dvc.lock is stable
    with files.atomic_write(path, "wb") as f, matplotlib.rc_context({"text.hinting": "no_hinting"}):
        fig.savefig(f, format="png", dpi=72, metadata={"Software": None})
