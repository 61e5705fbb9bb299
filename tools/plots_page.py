"""The plots page offline: `dvc plots show` with Vega, Vega-Lite and vega-embed inlined, no CDN.

    python -m tools.plots_page [--screenshot PNG] [dvc plots show options]   (make plots)

DVC's page loads the three libraries from a CDN, so without a network every chart but the
PNG stays blank. This writes a page template (DVC's --html-template, which must hold
{plot_divs}) with vl-convert-python's bundle of the libraries inlined, then runs
`dvc plots show` with it; the page is dvc_plots/index.html, as usual. With --screenshot,
headless Chromium (Debian's chromium package) also draws the page, offline, into a PNG.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import vl_convert

TEMPLATE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>bigram: plots</title>
<script>{bundle}</script>
<style>body {{ font-family: sans-serif; margin: 2em; }} div {{ margin-bottom: 2em; }}</style>
</head>
<body>
{{plot_divs}}
</body>
</html>
"""


CHROMIUM_FLAGS = [  # headless, and no network of its own: no background fetches, no sync
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def screenshot(page, png):
    """Draw the page with headless Chromium into png, 1400 pixels wide."""
    chromium = shutil.which("chromium") or sys.exit("error: --screenshot needs chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={Path(png).resolve()}",
                "--window-size=1400,5400",
                "--virtual-time-budget=20000",
                Path(page).resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
        )


def main():
    parser = argparse.ArgumentParser(
        prog="python -m tools.plots_page", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--screenshot", metavar="PNG", help="also draw the page into this PNG with headless Chromium")
    known, args = parser.parse_known_args()  # the rest is for dvc plots show
    bundle = vl_convert.javascript_bundle().replace("</script", "<\\/script")  # no early end of the tag
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "offline.html"
        template.write_text(TEMPLATE.format(bundle=bundle), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "dvc", "plots", "show", "--html-template", str(template), *args])
    if done.returncode == 0 and known.screenshot:
        screenshot("dvc_plots/index.html", known.screenshot)
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
