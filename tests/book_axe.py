"""axe-core's WCAG 2.0/2.1 A and AA rules over a page of a built book, in headless Chromium.

tests/book_browser.py calls :func:`audit_page` on each page it has loaded (``--axe``), so a page is
loaded once for the render checks and the audit. Run alone, this script audits pages by itself:

    python tests/book_axe.py HTML_DIR PAGE [PAGE ...]

HTML_DIR is served on 127.0.0.1 by a throw-away HTTP server and every request to another
address is aborted. axe-core's JavaScript comes with the PyPI package axe-playwright-python;
nothing is downloaded. A page is checked once MathJax and the controls have rendered; the
script prints one JSON object per line, per page, with every violation: rule id, impact,
help text, how many elements and the first three of them (CSS selectors).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: The WCAG 2.1 AA conformance level: the A and AA rules of WCAG 2.0 and 2.1.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Every rule of those tags runs on every element it applies to. ``resultTypes`` only trims what axe
#: sends back for the rules that pass (one example node instead of every node: thousands on a lesson
#: page, serialised into Python for nothing); violations keep all their nodes.
OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}


def audit_page(axe, page) -> dict:
    """axe-core over a loaded ``page``: its violations (all nodes counted) and how many rules passed."""
    start = time.monotonic()
    found = axe.run(page, options=OPTIONS).response
    violations = [{"id": v["id"], "impact": v["impact"], "help": v["help"], "count": len(v["nodes"]),
                   "targets": [" ".join(map(str, n["target"])) for n in v["nodes"][:3]]}
                  for v in found["violations"]]
    return {"violations": violations, "passes": len(found["passes"]),
            "axe_seconds": round(time.monotonic() - start, 2)}


def audit(html_dir: Path, pages: list[str]) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    from book_browser import WIDGET_VIEWS, offline_browser, settle

    axe, results = Axe(), []
    with offline_browser(html_dir) as (context, base, _blocked):
        for name in pages:
            page = context.new_page()
            page.goto(base + name, wait_until="load")
            settle(page, (html_dir / name).read_text(encoding="utf-8").count(WIDGET_VIEWS))
            results.append({"page": name, **audit_page(axe, page)})
            print(json.dumps(results[-1]), flush=True)
            page.close()
    return results


if __name__ == "__main__":
    html, *names = sys.argv[1:]
    audit(Path(html), names)
