"""The plots page offline: `dvc plots show` with Vega, Vega-Lite and vega-embed inlined, no CDN.

    python -m tools.plots_page [dvc plots show options]   (make plots)

DVC's page loads the three libraries from a CDN, so without a network every chart but the
PNG stays blank. This writes a page template (DVC's --html-template, which must hold
{plot_divs}) with vl-convert-python's bundle of the libraries inlined, then runs
`dvc plots show` with it; the page is dvc_plots/index.html, as usual.
"""

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


def main():
    bundle = vl_convert.javascript_bundle().replace("</script", "<\\/script")  # no early end of the tag
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "offline.html"
        template.write_text(TEMPLATE.format(bundle=bundle), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "dvc", "plots", "show", "--html-template", str(template), *sys.argv[1:]]
        )
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
