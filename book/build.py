#!/usr/bin/env python3
"""Build the lrlab book (Jupyter Book 1) in one edition, offline.

    python3 book/build.py --edition public        # what readers get: no solution source
    python3 book/build.py --edition instructor    # the same with solutions in collapsed toggles

(run it with the course's virtual environment: ``.venv/bin/python book/build.py``,
or ``python3 course.py book``). The site ends up in ``book/_build/<edition>/html/``;
open ``index.html`` in a browser, no server needed.

What a build does
    1. **Assets.** ``npm ci`` in ``book/`` installs the pinned JavaScript of
       ``book/package-lock.json`` (require.js, the widget HTML manager, MathJax 3)
       into ``book/node_modules`` (once; again only when the lock file changes),
       and the few files the pages load are copied into the source tree. No page
       loads anything from a CDN.
    2. **Source tree** ``book/_build/src-<edition>/``: ``_config.yml`` (from
       ``book/config.yml`` plus the edition's settings), ``_toc.yml``, the pages of
       ``book/pages/``, and one page per lesson, made from ``solutions/`` by
       ``book/transforms.py``. Files are only rewritten when their content changes,
       so an unchanged book rebuilds in seconds.
    3. **Sphinx.** ``jupyter-book config sphinx`` turns the config into ``conf.py``;
       ``sphinx-build -W --keep-going -n`` builds the HTML. Every notebook is
       executed, through the execution cache in ``book/_build/.jupyter_cache``
       (shared by both editions: their code cells are identical; the cache's key
       also hashes the cells' tags, which differ, so :func:`share_executions`
       gives a lesson page the other edition's execution). A cell error, a broken
       internal link or a remote script fails the build.

Controls are shown as frames (``--controls frames``, the default): each one's figure for a grid of
its main slider's values, rendered while the page executes. ``--controls widgets`` shows their static
widget state instead (sliders that do not move), to measure what the frames cost:
``benchmarks/bench_book.py`` (public edition, empty cache, load 9-12 on 2026-12-07: 517 s and
23.3 MB with widgets, 588 s and 24.7 MB with frames).

Nothing is written outside ``book/_build/`` and ``book/node_modules/``;
``solutions/`` and ``notebooks/`` are only read.

The launch buttons need the repository's address. It is taken from
``--repository-url``, else ``$LRLAB_REPOSITORY_URL``, else ``git remote
get-url origin``, else a placeholder. The JupyterHub button follows nbgitpuller's
URL template on ``--jupyterhub-url`` (``$LRLAB_JUPYTERHUB_URL``; an empty value
drops the button).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
sys.path.insert(0, str(BOOK))

import transforms  # noqa: E402  (book/transforms.py, next to this file)

BUILD = BOOK / "_build"
CACHE = BUILD / ".jupyter_cache"
NODE_MODULES = BOOK / "node_modules"
EDITIONS = transforms.EDITIONS
PLACEHOLDER_REPOSITORY = "https://github.com/your-org/lrlab"
PLACEHOLDER_HUB = "https://jupyterhub.example.org"
CACHE_RECORDS = 40  # executed notebooks kept in the cache: a few versions of every page
STATIC = "book_static"  # listed in html_static_path; NOT _static (JB1 would add every js/css in it to every page)

#: Files the pages load, copied from node_modules into <src>/book_static/vendor/ (-> _static/vendor/).
#: (package folder, pattern relative to it, destination folder relative to vendor/)
VENDOR = [
    ("requirejs", "require.js", "."),
    ("requirejs", "package.json", "licenses/requirejs"),
    ("@jupyter-widgets/html-manager", "dist/embed-amd.js", "html-manager"),
    ("@jupyter-widgets/html-manager", "dist/*.woff2", "html-manager"),
    ("@jupyter-widgets/html-manager", "dist/*.woff", "html-manager"),
    ("@jupyter-widgets/html-manager", "dist/*.ttf", "html-manager"),
    ("@jupyter-widgets/html-manager", "dist/*.eot", "html-manager"),
    ("@jupyter-widgets/html-manager", "dist/*.svg", "html-manager"),
    ("@jupyter-widgets/html-manager", "dist/embed.js.LICENSE.txt", "licenses/html-manager"),
    ("@jupyter-widgets/html-manager", "package.json", "licenses/html-manager"),
    ("mathjax", "es5/tex-mml-chtml.js", "mathjax"),
    ("mathjax", "es5/input/**/*.js", "mathjax/input"),
    ("mathjax", "es5/output/chtml/**/*", "mathjax/output/chtml"),
    ("mathjax", "es5/a11y/*.js", "mathjax/a11y"),
    ("mathjax", "es5/ui/*.js", "mathjax/ui"),
    ("mathjax", "es5/adaptors/*.js", "mathjax/adaptors"),
    ("mathjax", "LICENSE", "licenses/mathjax"),
    ("mathjax", "package.json", "licenses/mathjax"),
]


def say(msg: str) -> None:
    print(f"[book] {msg}", flush=True)


# --------------------------------------------------------------------------- small helpers

def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly that; True when written."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_file() and path.read_bytes() == raw:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return True


def lessons(root: Path = ROOT) -> list[str]:
    """Lesson folders of solutions/ (``NN-name/NN-name.ipynb``), in course order."""
    return sorted(p.name for p in (root / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())


def fingerprint(root: Path = ROOT) -> str:
    """SHA-256 of what the pages compute with: the lrlab sources and the committed fixtures.

    The execution cache only looks at the code of a notebook; this fingerprint,
    put into each page as a hidden cell, makes it re-run the pages when lrlab changes.
    """
    digest = hashlib.sha256()
    files = sorted((root / "lrlab").rglob("*.py")) + sorted((root / "tests" / "fixtures").glob("*.json"))
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def page_fingerprint(root: Path = ROOT, controls: str = "frames") -> str:
    """:func:`fingerprint`, and how the controls are shown unless as frames (the cache keys a page by its
    code: controls shown another way are another execution)."""
    return fingerprint(root) + ("" if controls == "frames" else f" ({controls})")


def lesson_title(nb) -> str:
    """The first Markdown heading of a notebook, without the #'s."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    raise ValueError("the lesson has no Markdown heading to use as its title")


def md_with_fingerprint(text: str, fp: str) -> str:
    """A MyST notebook page with a hidden fingerprint cell after its front matter."""
    if not text.startswith("---\n"):
        raise ValueError("a notebook page must start with its jupytext front matter (---)")
    end = text.index("\n---\n", 4) + len("\n---\n")
    cell = f"\n```{{code-cell}} ipython3\n:tags: [remove-cell]\n\n# lrlab sources: {fp}\n```\n"
    return text[:end] + cell + text[end:]


def repository_url(explicit: str | None) -> str:
    if explicit:
        return explicit
    if os.environ.get("LRLAB_REPOSITORY_URL"):
        return os.environ["LRLAB_REPOSITORY_URL"]
    try:
        url = subprocess.run(["git", "remote", "get-url", "origin"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return PLACEHOLDER_REPOSITORY
    if url.startswith("git@github.com:"):
        url = "https://github.com/" + url.split(":", 1)[1]
    url = url.removesuffix(".git")
    return url if url.startswith("https://github.com/") else PLACEHOLDER_REPOSITORY


# --------------------------------------------------------------------------- step 1: JavaScript assets

def install_assets(book: Path = BOOK) -> Path:
    """``npm ci`` the pinned packages into book/node_modules unless they are already there."""
    lock = book / "package-lock.json"
    modules = book / "node_modules"
    stamp = modules / ".lrlab-lock-sha256"
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text().strip() == wanted:
        return modules
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("[book] npm is needed once to fetch the book's JavaScript (Node >= 18); install Node.js")
    say("installing the book's JavaScript with npm ci (once)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                   cwd=book, check=True)
    stamp.write_text(wanted + "\n")
    return modules


def copy_vendor(modules: Path, target: Path) -> list[Path]:
    """Copy the files of :data:`VENDOR` into ``target``; returns every destination path."""
    written = []
    for package, pattern, dest in VENDOR:
        base = modules / package
        matches = sorted(p for p in base.glob(pattern) if p.is_file())
        if not matches:
            raise FileNotFoundError(f"{package}: nothing matches {pattern} in {base}")
        anchor = base / pattern.split("*")[0] if "*" in pattern else None
        for src in matches:
            rel = src.relative_to(anchor if anchor and anchor.is_dir() else src.parent)
            out = target / dest / rel
            if not out.is_file() or out.stat().st_size != src.stat().st_size or \
                    out.stat().st_mtime < src.stat().st_mtime:
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, out)
            written.append(out)
    return written


# --------------------------------------------------------------------------- step 2: source tree

def book_config(edition: str, *, lesson_pages: list[str], lesson_list: str, repo: str, branch: str,
                hub: str, cache: Path) -> dict:
    """The edition's _config.yml: book/config.yml with the per-edition, per-build values filled in."""
    config = yaml.safe_load((BOOK / "config.yml").read_text())
    if edition == "instructor":
        config["title"] += " (instructor edition)"
        config["html"]["announcement"] = ("Instructor edition: solutions and model answers included. "
                                          "Do not publish it.")
    config["execute"]["cache"] = str(cache)
    config["repository"]["url"] = repo
    config["repository"]["branch"] = branch
    config["launch_buttons"]["jupyterhub_url"] = hub
    config["parse"]["myst_substitutions"] = {"lesson_list": lesson_list, "edition": edition}
    config["sphinx"]["recursive_update"] = True
    config["sphinx"]["config"]["lrlab_lesson_pages"] = lesson_pages
    config["sphinx"]["config"]["lrlab_edition"] = edition
    return config


def table_of_contents(lesson_pages: list[str]) -> dict:
    return {
        "format": "jb-book",
        "root": "intro",
        "parts": [
            {"caption": "Lessons", "chapters": [{"file": page} for page in lesson_pages]},
            {"caption": "Reference", "chapters": [{"file": "quick-reference"}, {"file": "errata"}]},
        ],
    }


def assemble(edition: str, src: Path, *, repo: str, branch: str, hub: str, cache: Path = CACHE,
             modules: Path | None = None, root: Path = ROOT, controls: str = "frames") -> list[str]:
    """Write the source tree of ``edition`` into ``src``; returns the lesson pages' docnames."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, got {edition!r}")
    if controls not in CONTROLS:
        raise ValueError(f"controls must be one of {CONTROLS}, got {controls!r}")
    fp = page_fingerprint(root, controls)
    keep = {src / "conf.py", src / ".conf-from"}
    pages, titles = [], {}
    for name in lessons(root):
        nb = nbformat.read(root / "solutions" / name / f"{name}.ipynb", as_version=4)
        page = f"{name}/{name}"
        out = transforms.for_edition(nb, edition, fingerprint=fp)
        path = src / f"{page}.ipynb"
        write_if_changed(path, nbformat.writes(out) + "\n")
        keep.add(path)
        pages.append(page)
        titles[page] = lesson_title(nb)
    for page in sorted((BOOK / "pages").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        if text.startswith("---\n") and "kernelspec" in text.split("\n---\n", 1)[0]:
            text = md_with_fingerprint(text, fp)
        write_if_changed(src / page.name, text)
        keep.add(src / page.name)
    for ext in sorted((BOOK / "_ext").glob("*.py")):
        write_if_changed(src / "_ext" / ext.name, ext.read_bytes())
        keep.add(src / "_ext" / ext.name)
    for static in sorted((BOOK / "static").iterdir()):
        write_if_changed(src / STATIC / static.name, static.read_bytes())
        keep.add(src / STATIC / static.name)
    if modules is not None:
        keep.update(copy_vendor(modules, src / STATIC / "vendor"))
    lesson_list = "\n".join(f"1. {{doc}}`{titles[p]} <{p}>`" for p in pages)
    config = book_config(edition, lesson_pages=pages, lesson_list=lesson_list, repo=repo, branch=branch,
                         hub=hub, cache=cache)
    for name, data in (("_config.yml", config), ("_toc.yml", table_of_contents(pages))):
        text = "# Generated by book/build.py: edit book/config.yml or book/build.py instead.\n"
        write_if_changed(src / name, text + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        keep.add(src / name)
    for path in sorted(src.rglob("*"), reverse=True):  # drop what an earlier build left behind
        if path.is_file() and path not in keep and "__pycache__" not in path.parts:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return pages


# --------------------------------------------------------------------------- step 3: Sphinx

#: How the book shows lrlab's controls: ``frames`` (the figure for a grid of the main slider's values, behind
#: an accessible range input; what the book ships) or ``widgets`` (ipywidgets' static state: sliders that do
#: not move on a page; only to measure what the frames cost, ``--controls widgets``).
CONTROLS = ("frames", "widgets")


def _env(controls: str = "frames") -> dict:
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"  # kernels and jupyter-book from this venv
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiet debugpy in the kernels
    # lrlab's controls display as frames behind an accessible range input: a page has no kernel
    if controls not in CONTROLS:
        raise ValueError(f"controls must be one of {CONTROLS}, got {controls!r}")
    env["LRLAB_BOOK_CONTROLS"] = controls
    return env


LOCAL_EXTENSIONS = """
# Added by book/build.py: the book's own Sphinx extension lives in _ext/.
import os as _os, sys as _sys
_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "_ext"))
"""


def sphinx(src: Path, out: Path, *, verbose: bool = False, controls: str = "frames") -> None:
    """conf.py from _config.yml, then sphinx-build with warnings as errors."""
    env = _env(controls)
    conf, stamp = src / "conf.py", src / ".conf-from"
    wanted = hashlib.sha256((src / "_config.yml").read_bytes() + LOCAL_EXTENSIONS.encode()).hexdigest()
    if not conf.is_file() or not stamp.is_file() or stamp.read_text() != wanted:
        jb = Path(sys.executable).with_name("jupyter-book")
        subprocess.run([str(jb), "config", "sphinx", str(src)], check=True, env=env,
                       stdout=None if verbose else subprocess.DEVNULL)
        # `jupyter-book build` puts local extensions on sys.path; a plain conf.py must do it itself
        conf.write_text(conf.read_text() + LOCAL_EXTENSIONS)
        stamp.write_text(wanted)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-j", "1",
           "-d", str(out / "doctrees"), str(src), str(out / "html")]
    if not verbose:
        cmd.insert(3, "-q")
    if subprocess.run(cmd, env=env).returncode != 0:
        sys.exit(f"[book] sphinx-build failed (see the warnings above); source tree: {src}")


def limit_cache(path: Path, records: int = CACHE_RECORDS) -> None:
    """Keep at most ``records`` executed notebooks in the cache (the least recently used go first).

    Every change to lrlab adds a new version of each page; without a limit the
    cache would keep them all (jupyter-cache's default limit is 1000).
    """
    from jupyter_cache import get_cache

    cache = get_cache(str(path))
    if cache.get_cache_limit() != records:
        cache.change_cache_limit(records)


def share_executions(edition: str, src: Path, cache_path: Path, *, fp: str, root: Path = ROOT) -> list[str]:
    """Cache, for each lesson page of ``edition`` that has no execution of its own, the other edition's.

    Both editions run the same code cells in the same order (``tests/test_book.py`` checks it); they
    differ in the cells' metadata (the tags that fold or remove a cell), and jupyter-cache's key hashes
    the cells' metadata with their code. Without this every lesson would run again for the second
    edition. A page takes the outputs, execution counts and widget state of the other edition's
    execution, cell by cell, and keeps its own metadata; returns the lessons so shared.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache, shared = get_cache(str(cache_path)), []
    for name in lessons(root):
        path = src / name / f"{name}.ipynb"
        if not path.is_file():
            continue
        mine = nbformat.read(path, as_version=4)
        try:
            cache.match_cache_notebook(mine)
            continue  # executed already
        except KeyError:
            pass
        source = nbformat.read(root / "solutions" / name / f"{name}.ipynb", as_version=4)
        for other in [e for e in EDITIONS if e != edition]:
            theirs = nbformat.reads(nbformat.writes(transforms.for_edition(source, other, fingerprint=fp)),
                                    as_version=4)
            try:
                record = cache.match_cache_notebook(theirs)
            except KeyError:
                continue
            executed_nb = cache.get_cache_bundle(record.pk).nb
            done = executed_nb.cells
            code = [c for c in mine.cells if c.cell_type == "code"]
            if [c.source for c in code] != [c.source for c in done]:
                continue
            for cell, executed in zip(code, done):
                cell.outputs, cell.execution_count = executed.outputs, executed.execution_count
            meta = executed_nb.metadata
            mine.metadata.update({k: meta[k] for k in ("language_info", "widgets") if k in meta})
            cache.cache_notebook_bundle(CacheBundleIn(mine, str(path), data={**record.data, "from_edition": other}),
                                        check_validity=False, overwrite=True)
            shared.append(name)
            break
    return shared


def build(edition: str, *, repo: str | None = None, branch: str = "main", hub: str | None = None,
          clean: bool = False, verbose: bool = False, build_dir: Path = BUILD, controls: str = "frames") -> Path:
    """Build one edition; returns the folder holding ``index.html``."""
    src, out = build_dir / f"src-{edition}", build_dir / edition
    if clean:
        for path in (src, out):
            shutil.rmtree(path, ignore_errors=True)
    hub = os.environ.get("LRLAB_JUPYTERHUB_URL", PLACEHOLDER_HUB) if hub is None else hub
    start = time.monotonic()
    modules = install_assets()
    assemble(edition, src, repo=repository_url(repo), branch=branch, hub=hub, modules=modules,
             cache=build_dir / ".jupyter_cache", controls=controls)
    limit_cache(build_dir / ".jupyter_cache")
    shared = share_executions(edition, src, build_dir / ".jupyter_cache", fp=page_fingerprint(ROOT, controls))
    if shared:
        say(f"{len(shared)} lesson page(s) take the other edition's execution (same code): {', '.join(shared)}")
    sphinx(src, out, verbose=verbose, controls=controls)
    say(f"{edition} edition built in {time.monotonic() - start:.1f} s: {out / 'html' / 'index.html'}")
    return out / "html"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="book/build.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edition", choices=[*EDITIONS, "all"], default="public",
                        help="which edition to build (default: public)")
    parser.add_argument("--repository-url", default=None, help="GitHub URL of the course repository "
                        "(launch buttons); default $LRLAB_REPOSITORY_URL or git's origin")
    parser.add_argument("--branch", default=os.environ.get("LRLAB_BRANCH", "main"),
                        help="branch the launch buttons open (default $LRLAB_BRANCH or main)")
    parser.add_argument("--jupyterhub-url", default=None,
                        help=f"your JupyterHub (default $LRLAB_JUPYTERHUB_URL or {PLACEHOLDER_HUB}; '' drops "
                        "the button)")
    parser.add_argument("--clean", action="store_true",
                        help="rebuild the edition from scratch (executed results stay in the cache)")
    parser.add_argument("--clear-cache", action="store_true", help="also forget every executed notebook")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Sphinx's progress")
    parser.add_argument("--controls", choices=CONTROLS, default="frames",
                        help="frames (default): each control moves on the page through frames rendered at build "
                        "time; widgets: the controls' static widget state, which does not move (to measure what "
                        "the frames cost: benchmarks/bench_book.py)")
    args = parser.parse_args(argv)
    if args.clear_cache:
        shutil.rmtree(CACHE, ignore_errors=True)
    for edition in EDITIONS if args.edition == "all" else [args.edition]:
        build(edition, repo=args.repository_url, branch=args.branch, hub=args.jupyterhub_url,
              clean=args.clean, verbose=args.verbose, controls=args.controls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
