"""Run axe-core's WCAG 2.0/2.1 A and AA rules over pages of a built book, offline, in headless Chromium.

    python tests/book_axe.py HTML_DIR PAGE [PAGE ...]

(tests/test_book.py runs it in a subprocess, like tests/book_browser.py.) HTML_DIR is
served on 127.0.0.1 by a throw-away HTTP server and every request to another address is
aborted. axe-core's JavaScript comes with the PyPI package axe-playwright-python; nothing
is downloaded. Each page is checked after MathJax and the controls have rendered; the
script prints one JSON object per line, per page as it is checked, with every violation: rule id, impact, help text,
how many elements and the first three of them (CSS selectors).
"""
from __future__ import annotations

import functools
import http.server
import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from book_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

#: The WCAG 2.1 AA conformance level: the A and AA rules of WCAG 2.0 and 2.1.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def audit(html_dir: Path, pages: list[str]) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    axe = Axe()
    results = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                          else route.abort())
            for name in pages:
                page = context.new_page()
                page.goto(base + name, wait_until="networkidle")
                page.wait_for_function("() => !document.querySelector('article .math') || "
                                       "document.querySelectorAll('article .math mjx-container').length > 0",
                                       timeout=90_000)
                page.wait_for_timeout(1500)
                found = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
                violations = [{"id": v["id"], "impact": v["impact"], "help": v["help"], "count": len(v["nodes"]),
                               "targets": [" ".join(map(str, n["target"])) for n in v["nodes"][:3]]}
                              for v in found.response["violations"]]
                results.append({"page": name, "violations": violations,
                                "passes": len(found.response["passes"])})
                print(json.dumps(results[-1]), flush=True)
                page.close()
            browser.close()
    finally:
        server.shutdown()
    return results


if __name__ == "__main__":
    html, *names = sys.argv[1:]
    audit(Path(html), names)
