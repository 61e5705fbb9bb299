"""The plots page offline: `dvc plots show` with Vega, Vega-Lite and vega-embed inlined, no CDN.

    python -m tools.plots_page [--screenshot PNG] [-o DIR] [show | diff] [dvc plots options]   (make plots)

The project's page template (.dvc/config's plots.html_template) loads the three libraries
from a CDN, so without a network every chart but the PNG stays blank. This inlines
vl-convert-python's bundle of the same versions in place of the CDN's script tags, then runs
`dvc plots show` (or `diff`, to compare revisions) with `--html-template` that page; it is
dvc_plots/index.html, as usual. With
--screenshot, headless Chromium (Debian's chromium package) also draws the page, offline, into a PNG.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import vl_convert
from dvc.repo import Repo

CDN_SCRIPTS = re.compile(r'(<script src="https://[^"]+"></script>\n)+')


def page_template():
    """The project's page template: the path .dvc/config gives, relative to .dvc/ as DVC reads it."""
    with Repo() as repo:
        return Path(repo.dvc_dir, repo.config["plots"]["html_template"])


def offline(page):
    """page with its CDN script tags replaced by one inline script of vl-convert's bundle."""
    bundle = vl_convert.javascript_bundle().replace("</script", "<\\/script")  # no early end of the tag
    page, found = CDN_SCRIPTS.subn(lambda _: f"<script>{bundle}</script>\n", page, count=1)
    if not found:
        sys.exit("error: the page template loads no script from a CDN; nothing to inline")
    return page


CHROMIUM_FLAGS = [  # headless, and no network of its own: no background fetches, no sync
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",  # a page wider than the window would otherwise end in a scrollbar, below the last chart
]


def screenshot(page, png):
    """Draw the page with headless Chromium into png, 1400 pixels wide, cut below the last chart."""
    from PIL import Image, ImageChops

    chromium = shutil.which("chromium") or sys.exit("error: --screenshot needs chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={Path(png).resolve()}",
                "--window-size=1400,9000",  # taller than any page: the window is the picture
                "--virtual-time-budget=20000",
                Path(page).resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
        )
    with Image.open(png) as shot:
        shot.load()
    drawn = ImageChops.invert(shot.convert("L")).getbbox()  # the box of what is not white
    shot.crop((0, 0, shot.width, min(shot.height, drawn[3] + 40))).save(png)


def main():
    parser = argparse.ArgumentParser(
        prog="python -m tools.plots_page", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--screenshot", metavar="PNG", help="also draw the page into this PNG with headless Chromium")
    parser.add_argument("-o", "--out", metavar="DIR", default="dvc_plots", help="the page's directory (dvc_plots)")
    known, args = parser.parse_known_args()  # the rest is for dvc plots
    command = args.pop(0) if args and args[0] in ("show", "diff") else "show"
    page = Path(known.out, "index.html")
    page.unlink(missing_ok=True)  # so that an old page is never taken for this one
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "offline.html"
        template.write_text(offline(page_template().read_text(encoding="utf-8")), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "dvc", "plots", command, "--html-template", str(template), "-o", known.out, *args]
        )
    if done.returncode == 0 and not page.exists():  # dvc exits 0 when no plot matches the targets
        sys.exit(f"error: dvc plots {command} wrote no page: no plot matched {' '.join(args) or 'dvc.yaml'}")
    if done.returncode == 0 and known.screenshot:
        screenshot(page, known.screenshot)
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
