"""Pictures only a PNG can show: the lecture's labelled heatmap of the bigram counts."""
from stages import files


def count_heatmap(path, N, itos):
    """Every cell of N (V, V) drawn with its bigram and its count, as in the lecture's figure."""
    import matplotlib

    matplotlib.use("Agg")  # no screen needed
    import matplotlib.pyplot as plt

    V = len(itos)
    size = max(8, 0.6 * V)  # the lecture's 16 inches fit V = 27; grow with the vocabulary
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(N, cmap="Blues")
    for i in range(V):
        for j in range(V):
            ax.text(j, i, itos[i] + itos[j], ha="center", va="bottom", color="gray")
            ax.text(j, i, str(N[i, j]), ha="center", va="top", color="gray")
    ax.set_title("Bigram counts in train: row = previous character, column = next")
    ax.axis("off")
    with files.replacing(path, "wb") as f:
        fig.savefig(f, format="png", dpi=72, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
