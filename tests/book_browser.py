"""Open pages of a built book in headless Chromium with the network cut off, and report what rendered.

Run as a script (tests/test_book.py does, in a subprocess, so that its Playwright
instance cannot collide with the one of the JupyterLab browser tests):

    python tests/book_browser.py HTML_DIR SHOT_DIR PAGE [PAGE ...]
    python tests/book_browser.py --frames HTML_DIR PAGE [PAGE ...]

HTML_DIR is served on 127.0.0.1 by a throw-away HTTP server; every request to any
other address is aborted and recorded. For each page it writes a full-page
screenshot ``SHOT_DIR/<page>.png`` (and ``<page>-widget.png``, the first lrlab control)
and prints one JSON object: images loaded / total, maths rendered / total, widget
views rendered, lrlab controls whose figure loaded, recorded animations that play, the page's console errors, and every
blocked request. With ``--frames`` it moves the first frames control of each page (an
lrlab control as the book shows it) with ArrowRight and ArrowLeft and prints its state
(image, alt text, live region, input value) before, after and back.
"""
from __future__ import annotations

import functools
import http.server
import json
import shutil
import sys
import threading
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's; Playwright's download does not work here
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

# Evaluated in the page once it settled.
MEASURE = """() => {
  const imgs = Array.from(document.querySelectorAll('article img'));
  const maths = Array.from(document.querySelectorAll('article .math'));
  const controls = Array.from(document.querySelectorAll('.jupyter-widgets.lrlab-control'));
  return {
    images: imgs.length,
    images_loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    maths: maths.length,
    maths_rendered: maths.filter(m => m.querySelector('mjx-container') && !m.querySelector('mjx-merror')).length,
    // the widget manager replaces each widget-view script tag by a .widget-subarea holding the view
    widgets_rendered: document.querySelectorAll('.widget-subarea > .jupyter-widgets').length,
    controls: controls.length,
    players: document.querySelectorAll('.lrlab-frames').length,
    players_shown: Array.from(document.querySelectorAll('.lrlab-frames img')).filter(i => i.complete && i.naturalWidth > 0).length,
    control_figures_loaded: controls.filter(c => Array.from(c.querySelectorAll('img')).some(i => i.complete && i.naturalWidth > 0)).length,
  };
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def check(html_dir: Path, shot_dir: Path, pages: list[str]) -> list[dict]:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    shot_dir.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            blocked, failed = [], []
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                          else (blocked.append(route.request.url), route.abort()))
            for name in pages:
                page = context.new_page()
                errors = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
                page.goto(base + name, wait_until="networkidle")
                # MathJax and the widget manager render after load; give them time to finish.
                page.wait_for_function("() => !document.querySelector('article .math') || "
                                       "document.querySelectorAll('article .math mjx-container').length > 0",
                                       timeout=20_000)
                page.wait_for_timeout(1500)
                stem = name.replace("/", "_").removesuffix(".html")
                page.screenshot(path=str(shot_dir / f"{stem}.png"), full_page=True)
                control = page.locator(".jupyter-widgets.lrlab-control").first
                if control.count():
                    control.scroll_into_view_if_needed()
                    control.screenshot(path=str(shot_dir / f"{stem}-widget.png"))
                result = page.evaluate(MEASURE)
                # Recorded frames (matplotlib's to_jshtml) must play with no kernel and no network.
                animations = page.locator("div.animation")
                result["animations"], result["animations_played"] = animations.count(), 0
                for i in range(animations.count()):
                    animation = animations.nth(i)
                    animation.scroll_into_view_if_needed()
                    animation.locator("button[title='Play']").click()
                    page.wait_for_timeout(1500)
                    result["animations_played"] += int(animation.locator("input.anim-slider").input_value()) > 0
                result.update(page=name, page_errors=errors, screenshot=str(shot_dir / f"{stem}.png"))
                results.append(result)
                page.close()
            for r in results:
                r["blocked"], r["failed"] = blocked, failed
            browser.close()
    finally:
        server.shutdown()
    return results


FRAME_STATE = """(root) => {
  const input = root.querySelector('input[type=range]');
  const img = root.querySelector('img');
  return {value: Number(input.value), valuetext: input.getAttribute('aria-valuetext'),
          src: img.src.length + ':' + img.src.slice(-40), alt: img.alt,
          status: root.querySelector('[role=status]').textContent,
          label: document.querySelector('label[for="' + input.id + '"]').textContent};
}"""


def move_frames(html_dir: Path, pages: list[str]) -> list[dict]:
    """Press ArrowRight then ArrowLeft on the first frames control of each page; its states."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    out = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                          else route.abort())
            for name in pages:
                page = context.new_page()
                page.goto(base + name, wait_until="networkidle")
                players = page.locator(".lrlab-frames")
                root = players.first
                slider = root.get_by_role("slider")
                slider.focus()
                states = [root.evaluate(FRAME_STATE)]
                for key in ("ArrowRight", "ArrowLeft"):
                    page.keyboard.press(key)
                    states.append(root.evaluate(FRAME_STATE))
                out.append({"page": name, "players": players.count(), "states": states})
                page.close()
            browser.close()
    finally:
        server.shutdown()
    return out


if __name__ == "__main__":
    if sys.argv[1] == "--frames":
        html, *names = sys.argv[2:]
        print(json.dumps(move_frames(Path(html), names)))
    else:
        html, shots, *names = sys.argv[1:]
        print(json.dumps(check(Path(html), Path(shots), names)))
