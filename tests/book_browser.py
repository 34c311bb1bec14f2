"""Open pages of a built book in headless Chromium with the network cut off, and report what rendered.

Run as a script (tests/test_book.py does, in a subprocess, so that its Playwright
instance cannot collide with the one of the JupyterLab browser tests):

    python tests/book_browser.py [--axe] HTML_DIR SHOT_DIR PAGE [PAGE ...]

HTML_DIR is served on 127.0.0.1 by a throw-away HTTP server; every request to any
other address is aborted and recorded. Each page is loaded once and checked when it
has settled (MathJax's startup promise resolved, every widget view and image
rendered: waits for those conditions, no fixed sleeps). For each page it writes a
full-page screenshot ``SHOT_DIR/<page>.png`` (and ``<page>-widget.png``, the first
lrlab control) and prints one JSON line: images loaded / total, maths rendered /
total, widget views rendered, lrlab controls whose figure loaded, recorded
animations that play, the page's console errors, the requests it tried to send
elsewhere (blocked) and the ones that failed. A page that only redirects to another page
on the list (``index.html``) is reported as ``{"page": ..., "redirect": ...}`` and checked as
that page. With ``--axe`` the same page load is
also checked with axe-core's WCAG 2.0/2.1 A and AA rules (tests/book_axe.py), and every
frames control of the page (an lrlab control as the book shows it) is moved through every
frame by keyboard (Home, ArrowRight to the end, ArrowLeft, End, Home) and by the mouse (clicks
on the track, drags of the thumb), its state (image, alt text, live region, input value,
each checked against the frame of the value) recorded after each action. Every recorded
animation is stepped with ArrowRight on its slider and played with a click on Play.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import shutil
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

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

# True once what renders after the load event has rendered: MathJax's first typesetting (its startup
# promise; a page without maths has nothing to wait for), every widget view, every image of the page.
SETTLED = """async (views) => {
  if (document.querySelector('article .math')) {
    if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) { return false; }
    await MathJax.startup.promise;
  }
  if (document.querySelectorAll('.widget-subarea > .jupyter-widgets').length < views) { return false; }
  return Array.from(document.querySelectorAll('article img')).every(i => i.complete);
}"""

WIDGET_VIEWS = 'type="application/vnd.jupyter.widget-view+json"'
REFRESH = re.compile(r'<meta http-equiv="Refresh" content="0; url=([^"]+)"', re.I)

# The state of a frames control (lrlab.course.widgets.frames.player), checked against the frames the page
# carries: is the image the frame of the input's value, its alt that frame's alt, the announced value that
# frame's value, and does the live region name the value?
FRAME_STATE = """(root) => {
  const cache = window.__lrlabFrames || (window.__lrlabFrames = new WeakMap());
  if (!cache.has(root)) { cache.set(root, JSON.parse(root.querySelector("script[type='application/json']").textContent)); }
  const frames = cache.get(root);
  const input = root.querySelector('input[type=range]');
  const img = root.querySelector('img');
  const status = root.querySelector('[role=status]').textContent;
  const i = Number(input.value), f = frames[i];
  return {value: i, max: Number(input.max), frames: frames.length,
          src: img.src.length + ':' + img.src.slice(-24), alt: img.alt, status: status,
          // the frame's own image, as the page carries it (two values may draw the same figure)
          frame_png: f.png.length + ':' + f.png.slice(-24),
          src_is_frame: img.src === 'data:image/png;base64,' + f.png, alt_is_frame: img.alt === f.alt,
          valuetext_is_frame: input.getAttribute('aria-valuetext') === f.value,
          status_names_value: status.includes(f.value) && status.includes(f.text),
          label: document.querySelector('label[for="' + input.id + '"]').textContent};
}"""

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def offline_browser(html_dir: Path):
    """(context, base URL, blocked): a Chromium context that may only reach ``html_dir``, served on 127.0.0.1."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    blocked = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                          else (blocked.append(route.request.url), route.abort()))
            yield context, base, blocked
            browser.close()
    finally:
        server.shutdown()


def settle(page, views: int, timeout: float = 90_000) -> bool:
    """Wait until MathJax, the widget views and the images have rendered; False if they never did
    (the measurements then say what is missing)."""
    try:
        page.wait_for_function(SETTLED, arg=views, timeout=timeout, polling=100)
        return True
    except Exception:  # playwright's TimeoutError: report what rendered instead of failing here
        return False


def _thumb_x(box: dict, index: int, top: int, thumb: float) -> float:
    """Where the thumb of a range input sits at ``index`` of ``0..top`` (its track is the box less a thumb)."""
    return box["x"] + thumb / 2 + (box["width"] - thumb) * index / top


def move_players(page) -> list[dict]:
    """Move every frames control of the page through every frame, by keyboard then by mouse.

    Keyboard (the input focused): Home, ArrowRight up to the last frame, ArrowLeft, End, Home. Mouse
    (Playwright's real mouse, no value set from script): a click on the track a third of the way along,
    a drag of the thumb to the right end, a click two thirds along, a drag back to the left end. After each
    action the control's state (:data:`FRAME_STATE`) is recorded; per control: its label, the actions and
    the states before and after each of them."""
    out = []
    players = page.locator(".lrlab-frames")
    for n in range(players.count()):
        root = players.nth(n)
        root.scroll_into_view_if_needed()
        slider = root.get_by_role("slider")
        slider.focus()
        top = int(slider.evaluate("(s) => Number(s.max)"))
        actions = ["Home"] + ["ArrowRight"] * top + ["ArrowLeft", "End", "Home"]
        states = [root.evaluate(FRAME_STATE)]
        for key in actions:
            page.keyboard.press(key)
            states.append(root.evaluate(FRAME_STATE))
        # the mouse: Chromium's range thumb is about 16 px wide; a click lands on the nearest step
        page.mouse.move(0, 0)
        slider.scroll_into_view_if_needed()
        box = slider.bounding_box()
        thumb = 16.0
        y = box["y"] + box["height"] / 2
        plan = [("click", top // 3), ("drag", top), ("click", (2 * top) // 3), ("drag", 0)]
        for kind, target in plan:
            if kind == "click":
                page.mouse.click(_thumb_x(box, target, top, thumb), y)
            else:
                now = states[-1]["value"]
                page.mouse.move(_thumb_x(box, now, top, thumb), y)
                page.mouse.down()
                page.mouse.move(_thumb_x(box, target, top, thumb) + (8 if target == top else -8), y, steps=8)
                page.mouse.up()
            actions.append(f"mouse {kind} to {target}")
            states.append(root.evaluate(FRAME_STATE))
        out.append({"label": states[0]["label"], "actions": actions, "states": states})
    return out


def play_animations(page) -> tuple[int, int, int]:
    """(recorded animations, how many play, how many step by keyboard): matplotlib's to_jshtml frames must
    play with no kernel (a click on Play, the real mouse) and step with the keys (ArrowRight on the focused
    frame slider shows the next frame's image; Home brings the first back)."""
    animations = page.locator("div.animation")
    played = stepped = 0
    for i in range(animations.count()):
        animation = animations.nth(i)
        animation.scroll_into_view_if_needed()
        slider = animation.locator("input.anim-slider")
        image = animation.locator("img").first
        first = image.get_attribute("src")
        slider.focus()
        page.keyboard.press("ArrowRight")
        moved = int(slider.input_value()) == 1 and image.get_attribute("src") != first
        page.keyboard.press("Home")
        stepped += moved and int(slider.input_value()) == 0 and image.get_attribute("src") == first
        animation.locator("button[title='Play']").click()
        try:
            slider.evaluate("(s) => new Promise((ok, no) => { const t0 = Date.now(); (function poll() {"
                            " if (Number(s.value) > 0) { ok(true); } else if (Date.now() - t0 > 5000) { no('still'); }"
                            " else { setTimeout(poll, 50); } })(); })")
        except Exception:  # it did not move in 5 s
            pass
        played += int(slider.input_value()) > 0
    return animations.count(), played, stepped


def check(html_dir: Path, shot_dir: Path, pages: list[str], *, axe: bool = False, out=sys.stdout) -> list[dict]:
    """Load each page once; measure it (screenshots when ``shot_dir``), and with ``axe`` audit it and move
    move every frames control by keyboard and mouse. Prints one JSON line per page as it goes; returns them."""
    if axe:
        from book_axe import audit_page
        from axe_playwright_python.sync_playwright import Axe

        auditor = Axe()
    shot_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with offline_browser(html_dir) as (context, base, blocked):
        for name in pages:
            start, blocked[:] = time.monotonic(), []
            text = (html_dir / name).read_text(encoding="utf-8")
            redirect = REFRESH.search(text)
            target = urljoin(name, redirect.group(1)) if redirect else None
            if target in pages:  # index.html only sends the reader on to intro.html: checked as that page
                results.append({"page": name, "redirect": target})
                print(json.dumps(results[-1]), file=out, flush=True)
                continue
            page = context.new_page()
            errors, failed = [], []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.goto(base + name, wait_until="load")
            if target:  # a redirect to a page not on the list: check the page it leads to
                page.wait_for_url(base + target, wait_until="load")
                text = (html_dir / target).read_text(encoding="utf-8")
            views = text.count(WIDGET_VIEWS)
            result = {"page": name, "settled": settle(page, views), **page.evaluate(MEASURE)}
            stem = name.replace("/", "_").removesuffix(".html")
            page.screenshot(path=str(shot_dir / f"{stem}.png"), full_page=True)
            control = page.locator(".jupyter-widgets.lrlab-control").first
            if control.count():
                control.scroll_into_view_if_needed()
                control.screenshot(path=str(shot_dir / f"{stem}-widget.png"))
            result["screenshot"] = str(shot_dir / f"{stem}.png")
            if axe:
                # axe-core fetches the page's stylesheets again to read them, and resolves their @import
                # itself (a 404 for /basic.css): what it requests is kept apart from what the page requests
                seen_failed, seen_blocked = len(failed), len(blocked)
                result.update(audit_page(auditor, page))
                result["axe_requests"] = failed[seen_failed:] + blocked[seen_blocked:]
                del failed[seen_failed:], blocked[seen_blocked:]
                moving = time.monotonic()
                result["frames"] = move_players(page)
                result["move_seconds"] = round(time.monotonic() - moving, 2)
            result["animations"], result["animations_played"], result["animations_stepped"] = play_animations(page)
            result.update(page_errors=errors, blocked=list(blocked), failed=failed,
                          seconds=round(time.monotonic() - start, 2))
            results.append(result)
            print(json.dumps(result), file=out, flush=True)
            page.close()
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    args = sys.argv[1:]
    audit = args[0] == "--axe"
    html, shots, *names = args[1:] if audit else args
    check(Path(html), Path(shots), names, axe=audit)
