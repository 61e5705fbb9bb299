"""`make plots`: the plots page offline, every chart drawn in a real browser without a network."""

import json
import math
import random
import re
import shutil
import subprocess
import sys

import pytest
import vl_convert

from tests.conftest import Repo
from tools.plots_page import CHROMIUM_FLAGS, page_template

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# the tests on `page`: on one pytest-xdist worker (--dist loadgroup), which builds it once
ON_PAGE = pytest.mark.xdist_group("plots-page")


@pytest.fixture(scope="module")
def page(committed, tmp_path_factory):
    """A copy of the reproduced project with its offline plots page (make plots)."""
    repo = committed.copy(tmp_path_factory.mktemp("page") / "project")
    repo.run(sys.executable, "-m", "tools.plots_page")
    return repo


@ON_PAGE
def test_the_page_needs_no_network(page):
    html = page.read("dvc_plots/index.html")
    assert not re.search(r"""<script[^>]+src=["']https?://""", html)  # no CDN
    charts = json.loads(page.dvc("plots", "show", "--json").stdout)["data"]
    assert html.count("vegaEmbed('#") == sum(plot["type"] == "vega" for plot, *_ in charts.values())


@ON_PAGE
def test_no_plot_matched_is_an_error_not_an_old_page(page):
    (page.path / "elsewhere").mkdir(exist_ok=True)
    page.write("elsewhere/index.html", "an old page")
    done = page.run(sys.executable, "-m", "tools.plots_page", "-o", "elsewhere", "no-such-plot", check=False)
    assert done.returncode == 1 and "wrote no page: no plot matched no-such-plot" in done.stderr
    assert not (page.path / "elsewhere/index.html").exists()


def test_the_page_online_loads_the_libraries_the_tests_render_with():
    """`dvc plots show` (the page template in .dvc/config) takes Vega from a CDN: the versions vl-convert bundles."""
    page = page_template().read_text(encoding="utf-8")
    assert "{plot_divs}" in page
    cdn = dict(re.findall(r'<script src="https://cdn\.jsdelivr\.net/npm/([a-z-]+)@([0-9.]+)"></script>', page))
    assert cdn.keys() == {"vega", "vega-lite", "vega-embed"}
    assert cdn["vega"] == vl_convert.get_vega_version() and cdn["vega-embed"] == vl_convert.get_vega_embed_version()
    assert f'"{cdn["vega-lite"]}"' in vl_convert.javascript_bundle()  # the bundle's own version string


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (Debian's package; .ci/run installs it)")
@ON_PAGE
def test_every_chart_draws_in_a_browser_offline(page, tmp_path):
    charts = json.loads(page.dvc("plots", "show", "--json").stdout)["data"]
    vega = [title for title, (plot, *_) in charts.items() if plot["type"] == "vega"]
    done = subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=20000",
            "--dump-dom",
            (page.path / "dvc_plots/index.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    drawn = re.findall(r'<svg [^>]*class="marks"[^>]*width="(\d+)"[^>]*height="(\d+)"', done.stdout)
    assert len(drawn) == len(vega) and all(int(w) > 300 and int(h) > 200 for w, h in drawn), drawn
    charts_drawn = done.stdout.split('class="marks"')[1:]
    assert all(chart.count("<path") >= 10 for chart in charts_drawn)  # bars, cells and lines, not an empty frame
    assert 0 < done.stdout.index("<img") < done.stdout.index('class="marks"')  # the lecture's count figure first
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console


def test_a_large_alphabet_keeps_the_pictures_small(tmp_path):
    """600 characters: a few seconds of repro, a PNG of 30 x 30 cells, at most 30 x 31 heatmap cells to draw."""
    import random

    import pandas as pd
    from PIL import Image

    rng = random.Random(1)
    chars = [chr(0x4E00 + i) for i in range(600)]
    names = [
        "".join(rng.choices(chars, [1 / (i + 1) for i in range(600)], k=rng.choice([2, 3, 4]))) for _ in range(5000)
    ]
    repo = Repo(tmp_path / "project")
    repo.write("data/names.txt", "\n".join(names) + "\n")
    repo.set_params(prepare={"names_file": "data/names.txt"}, model={"order": 2}, score={"names": [names[0]]})
    repo.dvc("repro")
    with Image.open(repo.path / "plots/counts.png") as image:
        assert max(image.size) <= 1400  # 30 cells of 0.6 inch at 72 dpi, and the title
    probs = pd.read_csv(repo.path / "plots/probs.csv", keep_default_na=False)
    assert len(probs) == 30 * 30 and probs.next.iloc[29] == "…"  # 29 characters and the rest
    per_row = probs.groupby("prev", sort=False).P.sum()
    assert per_row.to_numpy() == pytest.approx(1, abs=1e-4)  # the rest's probability is summed, not dropped


def test_the_count_png_labels_what_its_font_cannot_draw_by_code_point(tmp_path):
    """Chinese characters: no 'Glyph missing' boxes but U+4E00 labels, in matplotlib's own font and
    defaults whatever the user's matplotlib settings, so the PNG has the same bytes on every machine."""
    import warnings

    import matplotlib
    import numpy as np

    from stages import plots

    itos = [".", "a", *(chr(0x4E00 + i) for i in range(40))]
    N = np.random.default_rng(0).integers(0, 50, (len(itos), len(itos)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of each glyph its font lacks
        plots.count_heatmap(str(tmp_path / "default.png"), N, itos, itos)
    users = {"font.family": "serif", "font.size": 14, "text.color": "red", "figure.facecolor": "black"}
    with matplotlib.rc_context(users):  # as a matplotlibrc would set them
        plots.count_heatmap(str(tmp_path / "users.png"), N, itos, itos)
    assert (tmp_path / "default.png").read_bytes() == (tmp_path / "users.png").read_bytes()
    glyphs = {ord(c) for c in ".a"}
    assert plots.cell_text("a.", 7, glyphs) == "a.\n7"
    assert plots.cell_text("a\u4e00", 7, glyphs) == "a\nU+4E00\n7"


def test_a_character_the_picture_does_not_show_changes_nothing_in_it(tmp_path):
    """Only the characters of the cells drawn decide on code points: a rare one left out is not mentioned."""
    import numpy as np

    from stages import plots

    common = [".", *"abcdefghijklmnopqrstuvwxyzABCDE"]  # 32: more than the 30 rows and columns shown
    N = np.random.default_rng(0).integers(1, 50, (len(common) + 1, len(common) + 1))
    N[-1, :] = N[:, -1] = 0  # the last character never occurs: neither its row nor its column is shown
    for last in ("F", "\u4e00"):
        itos = [*common, last]
        plots.count_heatmap(str(tmp_path / f"{ord(last)}.png"), N, itos, itos)
    assert (tmp_path / f"{ord('F')}.png").read_bytes() == (tmp_path / f"{0x4E00}.png").read_bytes()


# The charts' words on made-up data: each template filled by DVC's own renderer as dvc.yaml defines
# the plot, drawn by vl-convert, its text read back. Expectations come from the data fed.


def draw(template, revisions):
    """The texts of the chart `dvc plots` draws with template from revisions {rev: rows}, each row a
    dict of CSV strings; a text of several lines gives one string per line."""
    import html

    import yaml
    from dvc_render.vega import VegaRenderer

    from tests.conftest import ROOT

    plots = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["plots"]
    ((title, plot),) = [(t, p) for e in plots if isinstance(e, dict) for t, p in e.items() if p["template"] == template]
    ((filename, y),) = plot["y"].items()
    points = [{**row, "rev": rev, "filename": filename, "field": y} for rev, rows in revisions.items() for row in rows]
    labels = {k: plot[k] for k in ("x_label", "y_label") if k in plot}
    renderer = VegaRenderer(
        points, title, template=template, template_dir=str(ROOT / ".dvc/plots"), title=title, x=plot["x"], y=y, **labels
    )
    svg = vl_convert.vegalite_to_svg(renderer.get_filled_template())
    texts = re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.S)
    lines = [line for text in texts for line in (re.findall(r"<tspan\b[^>]*>(.*?)</tspan>", text) or [text])]
    return [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in lines]


def probs_rows(contexts, chars, lag, seed):
    """plots/probs.csv's rows: each context a random P over chars, and softmax(W) that P with a share
    lag[context] of uniform mixed in; kl, each row's share weighted by its context's frequency, made
    largest for the rows that lag least, so that naming by kl would name others."""
    rng = random.Random(seed)
    rows = []
    for context in contexts:
        weights = [rng.random() + 0.05 for _ in chars]
        P = [w / sum(weights) for w in weights]
        Q = [(1 - lag[context]) * p + lag[context] / len(chars) for p in P]
        share = (1 - lag[context]) / 100
        rows += [
            {"prev": context, "next": c, "P": repr(p), "softmax_W": repr(q), "kl": repr(share)}
            for c, p, q in zip(chars, P, Q, strict=True)
        ]
    return rows


def lagging(rows, n=3):
    """The n contexts of rows with the largest KL(P ‖ softmax(W)) of their own, most first, with it."""
    kl = {}
    for row in rows:
        p, q = float(row["P"]), float(row["softmax_W"])
        kl[row["prev"]] = kl.get(row["prev"], 0) + p * math.log(p / q)
    return sorted(kl.items(), key=lambda item: -item[1])[:n]


@pytest.mark.parametrize(
    "contexts, chars",
    [
        ([".", "a", "b", "c", "d"], [".", "a", "b", "c", "d"]),  # order 2: the rows are the characters
        (["..", ".a", "ab", "ba", "bb"], [".", "a", "b", "…"]),  # order 3, the other characters summed in '…'
    ],
)
def test_the_rows_named_as_lagging_are_those_of_the_data_in_each_revision(contexts, chars):
    revisions = {
        "HEAD": probs_rows(contexts, chars, dict(zip(contexts, [0.05, 0.6, 0.1, 0.9, 0.3], strict=True)), seed=1),
        "workspace": probs_rows(contexts, chars, dict(zip(contexts, [0.7, 0.02, 0.5, 0.1, 0.8], strict=True)), seed=2),
    }
    for shown in ({"HEAD": revisions["HEAD"]}, revisions):
        named = [text for text in draw("heatmap_pair", shown) if text.startswith("Rows that lag most here")]
        assert len(named) == len(shown)  # one under each revision's panel, in the panels' order
        for text, (rev, rows) in zip(named, shown.items(), strict=True):
            expected = lagging(rows)
            parts = [part.rsplit(" ", 1) for part in text.split(": ", 1)[1].split(", ")]
            assert [name for name, _ in parts] == [context for context, _ in expected], rev
            assert [float(kl) for _, kl in parts] == pytest.approx([kl for _, kl in expected], abs=1e-3)
    assert lagging(revisions["HEAD"]) != lagging(revisions["workspace"])  # the data tells the revisions apart
    texts = draw("heatmap_pair", revisions)
    assert any(text.startswith("Rows seen rarely in train lag") for text in texts)  # the lesson, in the subtitle
    absent = [c for c in "qxz" if c not in chars and not any(c in context for context in contexts)]
    assert absent and not [text for text in texts if re.search(rf"(?<!\w)[{''.join(absent)}](?!\w)", text)]


def test_the_comparison_caption_only_on_a_comparison():
    contexts = chars = [".", "a", "b"]
    revisions = {
        rev: probs_rows(contexts, chars, dict.fromkeys(contexts, 0.1), seed)
        for seed, rev in enumerate(["HEAD", "workspace"])
    }
    caption = [text for text in draw("heatmap", revisions) if "dvc plots diff" in text]
    assert caption == [
        "dvc plots diff: each revision, then each other one’s change in P from HEAD (red: P grew, blue: it fell)."
    ]
    for one in ("HEAD", "workspace"):
        assert not [text for text in draw("heatmap", {one: revisions[one]}) if "diff" in text or "revision" in text]


@pytest.mark.parametrize("order", [2, 3])
def test_captions_name_the_order_only_when_it_is_not_two(order):
    """The titles say bigram and previous character; a caption from the data says otherwise at another order."""
    alphabet = ".abcdefg"
    contexts = ["".join(pair)[: order - 1] for pair in zip(alphabet, alphabet[::-1], strict=True)]
    grams = [context + c for context in contexts for c in "ab"]  # 16 of them: fewer than 30
    probs = probs_rows(contexts, list(alphabet), dict.fromkeys(contexts, 0.1), seed=3)
    top = [{"bigram": g, "count": str(100 - i), "share": "0.01"} for i, g in enumerate(grams)]
    nll = {f"{model}_logprob": "-1.5" for model in ("counts", "nn", "uniform")}
    scored = [{"name": "abba", "position": str(i), "bigram": g, **nll} for i, g in enumerate(grams[:5])]
    note = f"model.order = {order}:"
    for template, rows in [("heatmap", probs), ("heatmap_pair", probs), ("top_bars", top), ("bigram_bars", scored)]:
        texts = draw(template, {"workspace": rows})
        assert any(note in text for text in texts) == (order != 2), template
    assert f"Train has only {len(grams)} of them." in " ".join(draw("top_bars", {"workspace": top}))
    more = [{"bigram": f"{a}{b}", "count": "5", "share": "0.01"} for a in alphabet for b in alphabet]  # 64
    assert not [text for text in draw("top_bars", {"workspace": more}) if "only" in text or "model.order" in text]
