"""Sphinx extension for the lrlab book: launch buttons on lesson pages only, and no remote scripts.

* sphinx-book-theme puts its launch menu (Binder, JupyterHub) on every page that
  is a notebook, including the book's own executed pages (intro, quick
  reference, errata), which do not exist in the repository. This extension
  keeps the menu only on the pages listed in ``lrlab_lesson_pages``.
* matplotlib's recorded animations (``Animation.to_jshtml``) link Font Awesome 4
  from a CDN for their play buttons. The theme already serves Font Awesome
  (whose script also draws the old ``fa fa-play`` icons), so that link is
  dropped from the pages.
* Every figure keeps its description: lrlab publishes a figure with its alt text in the
  output's metadata (``metadata["image/png"]["alt"]``), but myst-nb 1.4 takes only width and
  height from there and writes the image's file path as its alt. The pages' ``<img>`` of
  notebook figures get their alt text back from the executed notebooks (matched by the image's
  SHA-256, which is its file name).
* The executed copy of a page (``jupyter_execute/<page>.ipynb``) keeps its outputs when they came
  from the execution cache (myst-nb 1.4 writes it without them then).
* Every page must work with no network: after the build, any ``<script src>``
  or stylesheet ``<link>`` that points at another host is reported as a
  warning, which the book's build (``-W``) turns into an error.

Configuration values (set by book/build.py): ``lrlab_lesson_pages`` (docnames
of the lesson pages) and ``lrlab_edition`` (``"public"`` or ``"instructor"``).
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
REMOTE = re.compile(r"^(https?:)?//", re.I)
#: The stylesheet link matplotlib's HTMLWriter puts in front of every to_jshtml animation.
ANIMATION_FONT_LINK = re.compile(
    r'<link rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*"\s*/?>')


class _RemoteAssets(HTMLParser):
    """Collect script and stylesheet URLs that point at another host."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src") and REMOTE.match(attrs["src"]):
            self.found.append(attrs["src"])
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "") and REMOTE.match(attrs.get("href") or ""):
            self.found.append(attrs["href"])


def remote_assets(html: str) -> list[str]:
    """URLs of scripts and stylesheets in ``html`` that are loaded from another host."""
    parser = _RemoteAssets()
    parser.feed(html)
    return parser.found


def drop_animation_font_link(body: str) -> str:
    """``body`` without the CDN stylesheet link of matplotlib's JavaScript animations."""
    return ANIMATION_FONT_LINK.sub("", body)


FIGURE_IMG = re.compile(r'<img alt="[^"]*?_images/([0-9a-f]{64})\.png"')


def figure_alts(folder: Path) -> dict[str, str]:
    """SHA-256 of every PNG output with alt text in the executed notebooks of ``folder`` -> that alt text."""
    alts = {}
    for path in sorted(folder.rglob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            for out in cell.get("outputs", []):
                png, alt = out.get("data", {}).get("image/png"), out.get("metadata", {}).get("image/png", {}).get("alt")
                if png and alt:
                    raw = base64.b64decode("".join(png) if isinstance(png, list) else png)
                    alts[hashlib.sha256(raw).hexdigest()] = alt
    return alts


def restore_figure_alts(body: str, alts: dict[str, str]) -> str:
    """``body`` with the alt text of each notebook figure (found by its file's hash) instead of its path."""
    return FIGURE_IMG.sub(lambda m: f'<img alt="{html.escape(alts[m.group(1)])}"' if m.group(1) in alts
                          else m.group(0), body)


def _figure_alts(app, pagename, templatename, context, doctree):
    if "body" not in context:
        return
    if not hasattr(app, "_lrlab_alts"):
        # the edition's own executed copies, and the execution cache both editions share: a page whose
        # notebook came from the cache may have no figures in this edition's jupyter_execute copy
        app._lrlab_alts = figure_alts(Path(app.outdir).parent / "jupyter_execute")
        cache = getattr(app.config, "nb_execution_cache_path", "") or getattr(
            getattr(app.env, "mystnb_config", None), "execution_cache_path", "")
        if cache and Path(cache).is_dir():
            app._lrlab_alts = {**figure_alts(Path(cache)), **app._lrlab_alts}
    context["body"] = restore_figure_alts(context["body"], app._lrlab_alts)
    context["body"] = focusable_scroll_regions(context["body"])


SCROLL_REGION = re.compile(r'<div class="pst-scrollable-table-container">')


def focusable_scroll_regions(body: str) -> str:
    """``body`` with the theme's sideways-scrolling table boxes reachable by keyboard (WCAG 2.1.1; axe's
    scrollable-region-focusable): each gets ``tabindex="0"``, a region role and a name."""
    body = SCROLL_REGION.sub('<div class="pst-scrollable-table-container" tabindex="0" role="region" '
                             'aria-label="Table (scrolls sideways)">', body)
    # the table inside is the element that scrolls (axe names ``… > .pst-scrollable-table-container > .table``)
    return SCROLLING_TABLE.sub('<table class="table" tabindex="0">', body)


SCROLLING_TABLE = re.compile(r'<table class="table">')


def executed_copy(path: Path, cache_path: Path) -> bool:
    """Put the cached outputs into the executed copy at ``path`` when it has none; True if it was rewritten.

    myst-nb 1.4 writes ``jupyter_execute/<page>.ipynb`` from the notebook it read; when the outputs
    came from the execution cache they went into another copy, so the file has none (and whoever
    reads the executed pages, such as tests/test_book.py, would find no figure and no error).
    """
    import nbformat
    from jupyter_cache import get_cache

    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not code or any(c.get("outputs") or c.get("execution_count") for c in code):
        return False
    try:
        _, merged = get_cache(str(cache_path)).merge_match_into_notebook(nb)
    except KeyError:
        return False
    path.write_text(nbformat.writes(merged), encoding="utf-8")
    return True


def _executed_copy(app, doctree):
    cache = getattr(app.config, "nb_execution_cache_path", "") or getattr(
        getattr(app.env, "mystnb_config", None), "execution_cache_path", "")
    path = Path(app.outdir).parent / "jupyter_execute" / f"{app.env.docname}.ipynb"
    if cache and Path(cache).is_dir() and path.is_file():
        executed_copy(path, Path(cache))


def _local_animation_icons(app, pagename, templatename, context, doctree):
    if "body" in context:
        context["body"] = drop_animation_font_link(context["body"])


def _launch_only_on_lessons(app, pagename, templatename, context, doctree):
    if pagename in app.config.lrlab_lesson_pages:
        return
    buttons = context.get("header_buttons")
    if buttons:
        buttons[:] = [b for b in buttons if b.get("label") != "launch-buttons"]


def _check_no_remote_assets(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in sorted(Path(app.outdir).rglob("*.html")):
        found = remote_assets(page.read_text(encoding="utf-8"))
        if found:
            LOGGER.warning("%s loads from another host (the book must work offline): %s",
                           page.relative_to(app.outdir), ", ".join(sorted(set(found))))


def setup(app):
    app.add_config_value("lrlab_lesson_pages", [], "html")
    app.add_config_value("lrlab_edition", "public", "html")
    # after sphinx-book-theme's add_launch_buttons (priority 501)
    app.connect("html-page-context", _launch_only_on_lessons, priority=900)
    app.connect("html-page-context", _local_animation_icons)
    app.connect("html-page-context", _figure_alts)
    app.connect("doctree-read", _executed_copy)
    app.connect("build-finished", _check_no_remote_assets)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
