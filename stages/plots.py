"""Pictures only a PNG can show: the lecture's labelled heatmap of the bigram counts."""

import os

import numpy as np

from stages import files
from stages.model import counting


def cell_text(ngram, count, glyphs):
    """A cell's label: the n-gram above its count, or, when the font lacks a glyph for one of its
    characters, each character on its own line, those written as their code point (U+4E00)."""
    if all(ord(c) in glyphs for c in ngram):
        return f"{ngram}\n{count}"
    return "\n".join([*(c if ord(c) in glyphs else f"U+{ord(c):04X}" for c in ngram), str(count)])


def count_heatmap(path, N, labels, itos):
    """Cells of N (C, V) drawn with their n-gram and count, as in the lecture's figure.

    At most counting.SHOWN rows and columns, so the figure stays readable and a few thousand
    pixels a side for any alphabet: every context and character when there are that few (the
    bigram model of 27 characters), else the most frequent ones, the other characters summed
    in a last column '…'; the title says which. Text is in matplotlib's own DejaVu Sans, never a
    font of the machine's, so the PNG has the same bytes everywhere; characters it cannot draw
    (Chinese, Japanese) are labelled by their code point.
    """
    import matplotlib
    import matplotlib.style
    from matplotlib.figure import Figure  # not pyplot: no GUI backend, no global figure to close
    from matplotlib.font_manager import FontProperties
    from matplotlib.ft2font import FT2Font

    font = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")
    glyphs = FT2Font(font).get_charmap()  # {code point: glyph}

    V = len(itos)
    rows = counting.shown_rows(N)
    columns = counting.shown_columns(N)
    cells = N[rows][:, columns]  # (rows, columns)
    names = [itos[j] for j in columns]
    if len(columns) < V:  # the other characters, summed in one column
        cells = np.column_stack([cells, N[rows].sum(1) - cells.sum(1)])
        names.append("…")
    # matplotlib's defaults, not the user's matplotlibrc, so the PNG is the same everywhere; unhinted
    # glyphs look the same at this size and draw faster
    with matplotlib.style.context(["default", {"text.hinting": "no_hinting"}]):
        size = max(8, 0.6 * len(names))  # the lecture's 16 inches fit V = 27
        height = size / len(names) * len(rows)
        fig = Figure(figsize=(size, height + 0.5))
        ax = fig.add_axes((0, 0, 1, height / (height + 0.5)))  # fixed margins: drawn once, no tight bbox pass
        ax.imshow(cells, cmap="Blues")
        dark = 0.45 * cells.max()  # past this, Blues is dark enough for white text
        shown = "".join(labels[row] for row in rows) + "".join(names)  # every character the cells spell
        code_points = any(ord(c) not in glyphs for c in shown)
        style = {"fontproperties": FontProperties(fname=font, size=7 if code_points else 10)}  # U+… lines fit a cell
        for i, row in enumerate(rows):
            for j, name in enumerate(names):  # one label per cell: the n-gram above its count, in data coordinates;
                # a figure text, unlike ax.text, needs no clip path to the axes it never leaves
                text = cell_text(labels[row] + name, cells[i, j], glyphs)
                color = "white" if cells[i, j] > dark else "#404040"  # readable on the cell's own blue
                fig.text(j, i, text, ha="center", va="center", color=color, transform=ax.transData, **style)
        if len(rows) == len(N) and len(labels[0]) == 1 and len(names) == V:
            title = "Bigram counts in train: row = previous character, column = next"
        else:
            what_rows = f"the {len(rows)} most frequent of {len(N)} contexts" if len(rows) < len(N) else "context"
            what_columns = (
                f"the {len(columns)} most frequent of {V} characters, the rest in …" if len(columns) < V else "next"
            )
            title = f"Counts in train: row = {what_rows}, column = {what_columns}"
        if code_points:
            title += "\nU+…: a character the font cannot draw, by its code point (the plots page draws them)"
        ax.set_title(title, fontproperties=FontProperties(fname=font, size=12))
        ax.axis("off")
        # without the "Software" metadata (matplotlib's version) the PNG's bytes depend only on the data
        with files.atomic_write(path, "wb") as f:
            fig.savefig(f, format="png", dpi=72, metadata={"Software": None})
