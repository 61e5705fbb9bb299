"""`make plots`: the plots page offline, every chart drawn in a real browser without a network."""

import json
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import Repo

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
    assert "vegaEmbed" in html and html.count("vegaEmbed(") >= 7


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (Debian's package; .ci/run installs it)")
def test_every_chart_draws_in_a_browser_offline(page, tmp_path):
    charts = json.loads(page.dvc("plots", "show", "--json").stdout)["data"]
    vega = [title for title, (plot, *_) in charts.items() if plot["type"] == "vega"]
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    done = subprocess.run(
        [
            CHROMIUM,
            *flags,
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
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
