"""`make plots`: the plots page offline, every chart drawn in a real browser without a network."""

import json
import re
import shutil
import subprocess
import sys

import pytest
import vl_convert

from tests.conftest import Repo
from tools.plots_page import CHROMIUM_FLAGS, page_template

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    repo = Repo(tmp_path_factory.mktemp("page") / "project")
    repo.dvc("repro")
    repo.run(sys.executable, "-m", "tools.plots_page")
    return repo


def test_the_page_needs_no_network(page):
    html = page.read("dvc_plots/index.html")
    assert not re.search(r"""<script[^>]+src=["']https?://""", html)  # no CDN
    charts = json.loads(page.dvc("plots", "show", "--json").stdout)["data"]
    assert html.count("vegaEmbed('#") == sum(plot["type"] == "vega" for plot, *_ in charts.values())


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
