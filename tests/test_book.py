"""The book: notebook transformations, configuration, workflow, and both editions built for real.

The first group (fast) checks book/transforms.py, the configuration and the Pages
workflow. The second group (slow) builds the public and the instructor edition with
``book/build.py`` exactly as the README says (Sphinx warnings are errors there) and
checks the HTML: lesson pages with their figures, no error output, internal links,
no remote scripts, no solution or hidden test in the public edition, launch buttons,
and a headless Chromium rendering of the pages with the network cut off (screenshots
in ``book/_build/screenshots/<edition>/``: look at them).
"""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def _load(name: str, path: Path):
    """Import a file of book/ under a name no installed package can shadow."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build = _load("lrlab_book_build", BOOK / "build.py")
lrlab_book = _load("lrlab_book_extension", BOOK / "_ext" / "lrlab_book.py")
tf = build.transforms
HIDDEN_TESTS, MARK_SCHEME, SOLUTION = tf.HIDDEN_TESTS, tf.MARK_SCHEME, tf.SOLUTION

LESSONS = build.lessons()


def solution(lesson):
    return nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)


def released(lesson):
    return nbformat.read(ROOT / "notebooks" / lesson / f"{lesson}.ipynb", as_version=4)


def by_role(nb, role):
    return [c for c in nb.cells if tf.role(c) == role]


def tags(cell):
    return cell.metadata.get("tags", [])


# --------------------------------------------------------------------------- transformations (fast)

def test_the_examples_in_the_transformations_docstring_hold():
    import doctest

    result = doctest.testmod(tf)
    assert result.attempted and not result.failed, f"{result.failed} of {result.attempted} examples failed"


def test_strip_region_removes_the_hidden_tests_and_their_markers():
    src = "check(1)\n### BEGIN HIDDEN TESTS\ncheck(2)\n### END HIDDEN TESTS\ncheck(3)"
    assert tf.strip_region(src, HIDDEN_TESTS) == "check(1)\ncheck(3)"


@pytest.mark.parametrize("src, problem", [
    ("### BEGIN HIDDEN TESTS\nx", "without"),
    ("x\n### END HIDDEN TESTS", "without"),
    ("### BEGIN HIDDEN TESTS\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS", "nested"),
])
def test_unbalanced_markers_are_refused(src, problem):
    with pytest.raises(ValueError, match=problem):
        tf.strip_region(src, HIDDEN_TESTS)


def test_region_returns_only_the_marked_text():
    src = "a\n=== BEGIN MARK SCHEME ===\nb\nc\n=== END MARK SCHEME ===\nd"
    assert tf.region(src, MARK_SCHEME) == "b\nc"


def test_a_solution_cell_without_markers_becomes_the_stub():
    assert tf.solution_stub("x = 1") == tf.CODE_STUB


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_stub_matches_what_nbgrader_releases(lesson):
    mine = [tf.solution_stub(c.source) for c in by_role(solution(lesson), "answer")]
    theirs = [c.source for c in by_role(released(lesson), "answer")]
    assert mine == theirs, f"{lesson}: the book's exercise skeletons differ from notebooks/{lesson} (stale?)"


@pytest.mark.parametrize("lesson", LESSONS)
@pytest.mark.parametrize("edition", tf.EDITIONS)
def test_no_edition_keeps_a_hidden_test(lesson, edition):
    out = tf.for_edition(solution(lesson), edition)
    hidden = [c.metadata.get("nbgrader", {}).get("grade_id") for c in out.cells if HIDDEN_TESTS[0] in c.source]
    assert not hidden, f"{edition} {lesson}: hidden tests left in {hidden}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_public_edition_removes_every_solution_from_the_page(lesson):
    out = tf.for_edition(solution(lesson), "public")
    answers = by_role(out, "answer")
    assert answers, f"{lesson} has no exercises"
    shown = [c.metadata.nbgrader["grade_id"] for c in answers if "remove-input" not in tags(c)]
    assert not shown, f"answer cells whose source would be on the public page: {shown}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_public_edition_shows_each_exercise_skeleton_before_its_output(lesson):
    out = tf.for_edition(solution(lesson), "public")
    for i, cell in enumerate(out.cells):
        if tf.role(cell) == "answer":
            before = out.cells[i - 1]
            assert before.metadata.get("lrlab_book") == "skeleton", f"no skeleton before cell {i}"
            assert "raise NotImplementedError()" in before.source, f"skeleton of cell {i} lacks the stub"


@pytest.mark.parametrize("lesson", LESSONS)
def test_public_edition_turns_written_answers_into_prompts(lesson):
    src = solution(lesson)
    out = tf.for_edition(src, "public")
    models = [c.source for c in by_role(src, "written")]
    assert models, f"{lesson} has no written question"
    prompts = [c for c in out.cells if c.metadata.get("lrlab_book") == "prompt"]
    assert len(prompts) == len(models), "one prompt per written answer"
    text = "\n".join(c.source for c in out.cells)
    for model in models:
        first_sentence = model.strip().split(". ")[0]
        assert first_sentence not in text, f"model answer still in the public notebook: {first_sentence[:60]}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_instructor_edition_folds_solutions_and_model_answers(lesson):
    src = solution(lesson)
    out = tf.for_edition(src, "instructor")
    for cell, original in zip(by_role(out, "answer"), by_role(src, "answer")):
        assert "hide-input" in tags(cell), "solution not in a collapsed toggle"
        assert cell.metadata["mystnb"]["code_prompt_show"] == tf.SHOW_SOLUTION
        assert cell.source == tf.strip_markers(original.source, SOLUTION)
    boxes = [c.source for c in out.cells if c.metadata.get("lrlab_book") == "model-answer"]
    models = [c.source.strip() for c in by_role(src, "written")]
    assert len(boxes) == len(models)
    for box, model in zip(boxes, models):
        assert model in box and ":class: dropdown" in box, "model answer not in a collapsed box"


@pytest.mark.parametrize("lesson", LESSONS)
def test_both_editions_run_the_same_code(lesson):
    src = solution(lesson)
    code = {e: [c.source for c in tf.for_edition(src, e, fingerprint="f").cells if c.cell_type == "code"]
            for e in tf.EDITIONS}
    assert code["public"] == code["instructor"], "the editions could not share the execution cache"


def test_for_edition_leaves_its_input_alone():
    src = solution(LESSONS[0])
    before = nbformat.writes(src)
    tf.for_edition(src, "public", fingerprint="abc")
    assert nbformat.writes(src) == before


def test_for_edition_refuses_an_unknown_edition():
    with pytest.raises(ValueError, match="edition must be one of"):
        tf.for_edition(solution(LESSONS[0]), "student")


def test_mark_schemes_are_dropped_in_public_and_folded_for_instructors():
    cell = nbformat.v4.new_markdown_cell(
        "Explain it.\n=== BEGIN MARK SCHEME ===\nOne point per idea.\n=== END MARK SCHEME ===",
        metadata={"nbgrader": {"task": True, "grade": True, "solution": False, "points": 2}})
    nb = nbformat.v4.new_notebook(cells=[cell])
    public = tf.for_edition(nb, "public").cells[0].source
    instructor = tf.for_edition(nb, "instructor").cells[0].source
    assert "One point per idea" not in public and "MARK SCHEME" not in public
    assert "One point per idea" in instructor and ":class: dropdown" in instructor


def test_the_fingerprint_cell_changes_the_code_and_shows_nothing():
    a, b = tf.fingerprint_cell("aaa"), tf.fingerprint_cell("bbb")
    assert a.source != b.source
    assert "remove-cell" in tags(a)


def test_md_with_fingerprint_puts_a_hidden_cell_after_the_front_matter():
    page = "---\nkernelspec:\n  name: python3\n---\n\n# Title\n"
    out = build.md_with_fingerprint(page, "f00")
    assert out.startswith("---\nkernelspec:\n  name: python3\n---\n\n```{code-cell} ipython3\n:tags: [remove-cell]")
    assert "# lrlab sources: f00" in out and out.endswith("# Title\n")
    with pytest.raises(ValueError, match="front matter"):
        build.md_with_fingerprint("# no front matter\n", "f00")


def test_fingerprint_follows_the_package_sources(tmp_path):
    (tmp_path / "lrlab").mkdir()
    (tmp_path / "lrlab" / "a.py").write_text("x = 1\n")
    first = build.fingerprint(tmp_path)
    (tmp_path / "lrlab" / "a.py").write_text("x = 2\n")
    assert build.fingerprint(tmp_path) != first


def test_write_if_changed_keeps_an_identical_file_untouched(tmp_path):
    path = tmp_path / "a.txt"
    assert build.write_if_changed(path, "same")
    assert not build.write_if_changed(path, "same")
    assert build.write_if_changed(path, "other") and path.read_text() == "other"


def test_an_edition_takes_the_other_editions_execution_of_the_same_code(tmp_path):
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    lesson, fp = LESSONS[0], "f00"
    public = tf.for_edition(solution(lesson), "public", fingerprint=fp)
    for i, cell in enumerate(c for c in public.cells if c.cell_type == "code"):
        cell.execution_count, cell.outputs = i + 1, [nbformat.v4.new_output("stream", name="stdout", text=f"{i}\n")]
    cache = get_cache(str(tmp_path / "cache"))
    cache.cache_notebook_bundle(CacheBundleIn(public, "public.ipynb"), check_validity=False)
    page = tmp_path / "src" / lesson / f"{lesson}.ipynb"
    page.parent.mkdir(parents=True)
    nbformat.write(tf.for_edition(solution(lesson), "instructor", fingerprint=fp), page)
    with pytest.raises(KeyError):  # jupyter-cache's key includes the cells' metadata, which the editions differ in
        cache.match_cache_notebook(nbformat.read(page, as_version=4))
    assert build.share_executions("instructor", page.parents[1], tmp_path / "cache", fp=fp) == [lesson]
    mine = nbformat.read(page, as_version=4)
    got = cache.get_cache_bundle(cache.match_cache_notebook(mine).pk).nb.cells
    assert [c.outputs for c in got] == [c.outputs for c in public.cells if c.cell_type == "code"]
    assert [c.metadata for c in got] == [c.metadata for c in mine.cells if c.cell_type == "code"]
    assert build.share_executions("instructor", page.parents[1], tmp_path / "cache", fp=fp) == []
    next(c for c in mine.cells if c.cell_type == "code").source += "\n# changed"  # other code: nothing to share
    nbformat.write(mine, page)
    assert build.share_executions("instructor", page.parents[1], tmp_path / "cache", fp=fp) == []


# --------------------------------------------------------------------------- configuration and workflow (fast)

def _config(edition):
    return build.book_config(edition, lesson_pages=["01-x/01-x"], lesson_list="1. x", repo="https://github.com/o/r",
                             branch="main", hub="https://hub.example", cache=Path("/tmp/cache"))


def test_only_the_instructor_edition_is_labelled_and_announced():
    public, instructor = _config("public"), _config("instructor")
    assert "instructor" not in public["title"] and "announcement" not in public["html"]
    assert instructor["title"].endswith("(instructor edition)")
    assert "Do not publish" in instructor["html"]["announcement"]


def test_the_pages_load_widgets_and_maths_from_the_book_itself():
    sphinx = _config("public")["sphinx"]["config"]
    assert not re.match(r"https?:|//", sphinx["mathjax_path"]), sphinx["mathjax_path"]
    remote = [url for url in sphinx["nb_ipywidgets_js"] if re.match(r"https?:|//", url)]
    assert not remote, f"widget JavaScript from a CDN: {remote}"
    assert "_static" not in sphinx["html_static_path"], "JB1 adds every js/css of _static to every page"
    assert "sphinx_thebe" not in sphinx["extensions"]


def test_an_executed_copy_gets_its_outputs_back_from_the_cache(tmp_path):
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# x"), nbformat.v4.new_code_cell("print(1)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "page.ipynb"
    nbformat.write(nb, path)  # what myst-nb writes to jupyter_execute/ on a cache hit: no outputs
    done = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    done.cells[1].execution_count, done.cells[1].outputs = 1, [nbformat.v4.new_output("stream", text="1\n")]
    get_cache(str(tmp_path / "cache")).cache_notebook_bundle(CacheBundleIn(done, "page.ipynb"), check_validity=False)
    assert lrlab_book.executed_copy(path, tmp_path / "cache")
    again = nbformat.read(path, as_version=4)
    assert again.cells[1].outputs == done.cells[1].outputs and again.cells[0].source == "# x"
    assert not lrlab_book.executed_copy(path, tmp_path / "cache"), "a copy with outputs is left alone"


def test_the_book_takes_a_figures_png_not_the_html_copy_made_for_jupyterlab():
    from myst_nb.core.render import base_render_priority

    overrides = _config("public")["sphinx"]["config"]["nb_mime_priority_overrides"]
    html = {**base_render_priority()["html"], **{mime: rank for builder, mime, rank in overrides if builder == "html"}}
    assert html["image/png"] < html["text/html"], "a figure would be inlined as HTML, its PNG left out of _images/"
    others = sorted((rank, mime) for mime, rank in html.items() if mime != "image/png")
    assert others == sorted((rank, mime) for mime, rank in base_render_priority()["html"].items() if mime != "image/png")


def test_launch_buttons_open_the_student_notebooks_on_binder_and_jupyterhub():
    config = _config("public")
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["launch_buttons"]["jupyterhub_url"] == "https://hub.example"
    assert config["repository"]["path_to_book"] == "notebooks"
    assert config["sphinx"]["config"]["lrlab_lesson_pages"] == ["01-x/01-x"]


def test_remote_assets_are_found_and_local_ones_are_not():
    page = ('<script src="_static/a.js"></script><script src="https://cdn.x/b.js"></script>'
            '<link rel="stylesheet" href="//cdn.x/c.css"><link rel="preload" href="https://x/d.js">'
            '<a href="https://example.org">a link is fine</a>')
    assert lrlab_book.remote_assets(page) == ["https://cdn.x/b.js", "//cdn.x/c.css"]


def test_the_animation_font_link_of_matplotlib_is_dropped():
    from matplotlib._animation_data import JS_INCLUDE

    assert lrlab_book.remote_assets(JS_INCLUDE), "matplotlib no longer links Font Awesome: drop the workaround"
    assert lrlab_book.remote_assets(lrlab_book.drop_animation_font_link(JS_INCLUDE)) == []


def test_the_pages_workflow_builds_the_public_edition_and_deploys_it():
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    jobs = flow["jobs"]
    steps = jobs["build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert any("course.py book --edition public" in r for r in runs), runs
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-pages-artifact"))
    assert Path(upload["with"]["path"]) == (build.BUILD / "public" / "html").relative_to(ROOT)
    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(str(s.get("uses", "")).startswith("actions/deploy-pages") for s in deploy["steps"])
    assert deploy["environment"]["name"] == "github-pages"


def test_npm_lock_pins_what_package_json_asks_for():
    wanted = json.loads((BOOK / "package.json").read_text())["dependencies"]
    lock = json.loads((BOOK / "package-lock.json").read_text())["packages"]
    for name, version in wanted.items():
        assert lock[f"node_modules/{name}"]["version"] == version, f"{name}: run npm install in book/"
    vendored = {package for package, _, _ in build.VENDOR}
    assert vendored == set(wanted), f"book/build.py copies {sorted(vendored)}, package.json has {sorted(wanted)}"


# --------------------------------------------------------------------------- both editions, built (slow)

class _Text(HTMLParser):
    """All text of an HTML page (scripts included), and every id, href and src."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.attrs, self.ids, self.links = [], [], set(), []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key == "id" and value:
                self.ids.add(value)
            if (key == "href" and tag in ("a", "link")) or (key == "src" and tag in ("img", "script")):
                if value:
                    self.links.append(value)
            if key in ("alt", "title", "value", "content") and value:
                self.attrs.append(value)

    def handle_data(self, data):
        self.parts.append(data)

    def text(self) -> str:
        """The page's text as a reader (or a copy-paste) gets it; code split into highlighted spans joins up."""
        return "".join(self.parts) + "\n" + "\n".join(self.attrs)


def parse(path: Path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def squash(text: str) -> str:
    return " ".join(text.split())


def site_text(html_dir: Path) -> dict[Path, str]:
    """Every text file of a site: HTML as its visible text plus scripts, the rest as it is."""
    out = {}
    for path in html_dir.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".html":
            out[path] = squash(parse(path).text())
            continue
        try:
            out[path] = squash(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue  # images and fonts
    return out


def words(text: str) -> str:
    """Lower-case words and numbers of ``text``, space-separated and padded: Markdown and HTML markup gone."""
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def phrases(text: str, n: int = 8) -> list[str]:
    """Every run of ``n`` consecutive words of ``text`` (the whole text if it is shorter), padded."""
    w = words(text).split()
    return [" " + " ".join(w[i:i + n]) + " " for i in range(max(len(w) - n + 1, 1))] if len(w) >= 5 else []


def secrets(lesson) -> dict[str, list]:
    """What only instructors may see of a lesson, minus anything learners see anyway.

    ``solution``: the lines inside BEGIN/END SOLUTION and ``hidden``: the lines
    inside the hidden tests (compared as code: whitespace-normalised lines of 12+
    characters); ``model``: the model answers and mark schemes, sentence by
    sentence, each as its runs of 8 words (Markdown is rendered on the page, so
    words are compared, not characters). Whatever also occurs in the released
    student notebook (e.g. ``return None`` quoted in a prompt) is public.
    """
    src, student = solution(lesson), "\n".join(c.source for c in released(lesson).cells)
    public_code, public_words = squash(student), words(student)
    code = {"solution": [], "hidden": []}
    prose = []
    for cell in src.cells:
        role = tf.role(cell)
        if role == "answer":
            code["solution"] += tf.region(cell.source, SOLUTION).splitlines()
        elif role == "tests":
            code["hidden"] += tf.region(cell.source, HIDDEN_TESTS).splitlines()
        elif role == "written":
            prose += re.split(r"(?<=[.!?])\s+", cell.source)
        elif role == "task":
            prose += re.split(r"(?<=[.!?])\s+", tf.region(cell.source, MARK_SCHEME))
    out = {kind: [s for s in (squash(line) for line in lines) if len(s) >= 12 and s not in public_code]
           for kind, lines in code.items()}
    out["model"] = [p for p in ([x for x in phrases(sentence) if x not in public_words] for sentence in prose) if p]
    return out


def site_words(texts: dict[Path, str]) -> dict[Path, str]:
    return {path: words(text) for path, text in texts.items()}


def leaks(texts: dict[Path, str], lines: list[str], html_dir: Path) -> list[str]:
    """``path: line`` for every secret code line found in a file of the site."""
    return [f"{path.relative_to(html_dir)}: {line[:70]}" for line in lines for path, text in texts.items()
            if line in text]


def prose_leaks(texts: dict[Path, str], sentences: list[list[str]], html_dir: Path) -> list[str]:
    """``path: phrase`` for every secret sentence of which some 8-word run is in a file of the site."""
    found = []
    for path, text in site_words(texts).items():
        for runs in sentences:
            hit = next((run for run in runs if run in text), None)
            if hit:
                found.append(f"{path.relative_to(html_dir)}: ...{hit.strip()}...")
    return found


@pytest.fixture(scope="module")
def built():
    """Both editions, built with book/build.py (each as its own command; warnings are errors)."""
    out = {}
    for edition in tf.EDITIONS:
        proc = subprocess.run([sys.executable, str(BOOK / "build.py"), "--edition", edition],
                              cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 0, f"{edition} edition failed to build:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        out[edition] = build.BUILD / edition
    return out


EDITION = pytest.mark.parametrize("edition", tf.EDITIONS)


def executed(out: Path) -> dict[str, nbformat.NotebookNode]:
    """The notebooks as executed during the build, by page name."""
    folder = out / "jupyter_execute"
    return {p.relative_to(folder).with_suffix("").as_posix(): nbformat.read(p, as_version=4)
            for p in folder.rglob("*.ipynb")}


@pytest.mark.slow
@EDITION
def test_every_lesson_page_exists_with_its_figures(built, edition):
    out = built[edition]
    notebooks = executed(out)
    for lesson in LESSONS:
        page = out / "html" / lesson / f"{lesson}.html"
        assert page.is_file(), f"{edition}: no page for {lesson}"
        parsed = parse(page)
        images = [src for src in parsed.links if src.endswith((".png", ".svg", ".jpg"))
                  and "_static" not in src]
        nb = notebooks[f"{lesson}/{lesson}"]
        figures = sum(1 for c in nb.cells if c.cell_type == "code" and "remove-output" not in tags(c)
                      and "remove-cell" not in tags(c) for o in c.get("outputs", [])
                      if "image/png" in o.get("data", {})
                      and "application/vnd.jupyter.widget-view+json" not in o.get("data", {}))
        assert figures >= 1, f"{lesson}: the executed lesson has no figure"
        assert len(images) == figures, f"{edition} {lesson}: {figures} figures executed, {len(images)} on the page"
        missing = [src for src in images if not (page.parent / unquote(src)).is_file()]
        assert not missing, f"{edition} {lesson}: images not in the site: {missing}"


@pytest.mark.slow
@EDITION
def test_no_cell_of_any_page_produced_an_error(built, edition):
    for name, nb in executed(built[edition]).items():
        errors = [(i, o.get("ename")) for i, c in enumerate(nb.cells) if c.cell_type == "code"
                  for o in c.outputs if o.output_type == "error"]
        assert not errors, f"{edition} {name}: error outputs in cells {errors}"
    for page in (built[edition] / "html").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" not in text, f"{page.name} shows a traceback"


@pytest.mark.slow
@EDITION
def test_every_internal_link_resolves(built, edition):
    html_dir = built[edition] / "html"
    pages = [p for p in html_dir.rglob("*.html") if "_static" not in p.relative_to(html_dir).parts]  # not theme templates
    ids = {page: parse(page).ids for page in pages}
    broken = []
    for page in ids:
        for link in parse(page).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("//", "mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(html_dir)} -> {link}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in ids.get(target, set()):
                broken.append(f"{page.relative_to(html_dir)} -> {link} (no such anchor)")
    assert not broken, "broken links:\n" + "\n".join(broken[:30])


@pytest.mark.slow
@EDITION
def test_no_page_needs_a_cdn(built, edition):
    found = {str(p.relative_to(built[edition])): lrlab_book.remote_assets(p.read_text(encoding="utf-8"))
             for p in (built[edition] / "html").rglob("*.html")}
    assert not {k: v for k, v in found.items() if v}, f"remote scripts or stylesheets: {found}"


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_public_site_holds_no_solution_hidden_test_or_model_answer(built, lesson):
    html_dir = built["public"] / "html"
    secret = secrets(lesson)
    assert secret["solution"] and secret["model"], f"{lesson}: nothing secret found: the check would be empty"
    texts = site_text(html_dir)
    found = leaks(texts, secret["solution"] + secret["hidden"], html_dir) + prose_leaks(texts, secret["model"], html_dir)
    assert not found, "in the public edition:\n" + "\n".join(found[:20])


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_instructor_site_has_solutions_and_model_answers_but_no_hidden_test(built, lesson):
    html_dir = built["instructor"] / "html"
    texts = site_text(html_dir)
    secret = secrets(lesson)
    missing = [line for line in secret["solution"] if not any(line in text for text in texts.values())]
    all_words = " ".join(site_words(texts).values())
    missing += [runs[0] for runs in secret["model"] if not any(run in all_words for run in runs)]
    assert not missing, ("solution or model-answer text missing from the instructor edition (so the public "
                         f"check could not see it either): {missing[:5]}")
    found = leaks(texts, secret["hidden"], html_dir)
    assert not found, "hidden tests in the instructor edition:\n" + "\n".join(found[:20])


@pytest.mark.slow
@EDITION
def test_launch_buttons_are_on_lesson_pages_only(built, edition):
    html_dir = built[edition] / "html"
    for lesson in LESSONS:
        links = parse(html_dir / lesson / f"{lesson}.html").links
        binder = [u for u in links if u.startswith("https://mybinder.org/v2/gh/")]
        hub = [u for u in links if "/hub/user-redirect/git-pull?" in u]
        assert binder and f"urlpath=lab/tree/notebooks/{lesson}/{lesson}.ipynb" in binder[0], binder
        assert hub and f"notebooks/{lesson}/{lesson}.ipynb" in unquote(hub[0]), hub
    for page in ("intro.html", "quick-reference.html", "errata.html"):
        links = parse(html_dir / page).links
        assert not [u for u in links if "mybinder.org/v2/" in u or "git-pull" in u], f"launch buttons on {page}"


def _site_pages(html_dir: Path) -> list[str]:
    """Every HTML page of a built site (the theme's templates under _static left out)."""
    return sorted(p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*.html")
                  if "_static" not in p.relative_to(html_dir).parts)


@pytest.fixture(scope="module")
def browsed(built):
    """``browsed(edition)``: every page of the edition, each loaded once in headless Chromium, offline
    (tests/book_browser.py --axe): what rendered, axe-core's WCAG 2.1 A/AA audit, every frames control
    moved through its frames by keyboard and by mouse; by page name. Each edition is browsed when a test first asks for it, so every
    test below can run alone."""
    done = {}

    def get(edition):
        if edition not in done:
            html_dir = built[edition] / "html"
            pages = _site_pages(html_dir)
            assert len(pages) >= len(LESSONS) + 3, f"only {len(pages)} pages found in {html_dir}"
            shots = build.BUILD / "screenshots" / edition
            proc = subprocess.run([sys.executable, str(ROOT / "tests" / "book_browser.py"), "--axe", str(html_dir),
                                   str(shots), *pages], capture_output=True, text=True, timeout=1800)
            assert proc.returncode == 0, f"the browser check failed:\n{proc.stderr[-3000:]}"
            results = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
            assert [r["page"] for r in results] == pages
            done[edition] = {r["page"]: r for r in results}
            for r in results:  # a page that only redirects (index.html) is checked as the page it leads to
                assert "redirect" not in r or "violations" in done[edition][r["redirect"]], r
        return done[edition]

    return get


def _widget_views(page: Path) -> int:
    return page.read_text(encoding="utf-8").count('type="application/vnd.jupyter.widget-view+json"')


@pytest.mark.slow
@EDITION
def test_pages_render_figures_maths_and_widgets_in_chromium_offline(built, browsed, edition):
    html_dir = built[edition] / "html"
    pages = [f"{lesson}/{lesson}.html" for lesson in LESSONS] + ["intro.html", "quick-reference.html", "errata.html"]
    seen = browsed(edition)
    results = [seen[name] for name in pages]
    players = animations = 0
    for r in (r for r in seen.values() if "redirect" not in r):
        assert r["blocked"] == [], f"{r['page']} tried to reach the network: {r['blocked']}"
        assert r["failed"] == [], f"{r['page']}: missing files: {r['failed']}"
    for r in results:
        name = r["page"]
        assert r["page_errors"] == [], f"{name}: JavaScript errors {r['page_errors']}"
        assert r["images_loaded"] == r["images"], f"{name}: {r['images_loaded']} of {r['images']} images shown"
        assert r["maths_rendered"] == r["maths"], f"{name}: {r['maths_rendered']} of {r['maths']} formulas rendered"
        views = _widget_views(html_dir / name)
        assert r["widgets_rendered"] == views, f"{name}: {r['widgets_rendered']} of {views} widgets rendered"
        assert r["control_figures_loaded"] == r["controls"], f"{name}: an lrlab control shows no figure"
        assert r["players_shown"] == r["players"], f"{name}: a control's frames show no figure"
        assert r["animations_played"] == r["animations"], f"{name}: a recorded animation does not play"
        assert r["settled"], f"{name}: MathJax, the widgets or the images never finished rendering"
        animations += r["animations"]
        players += r["players"]
    lessons = {r["page"]: r for r in results[:len(LESSONS)]}
    assert all(r["images"] > 0 and r["maths"] > 0 for r in lessons.values()), "a lesson page without figure or maths"
    assert players, "no page with a control (as frames) was checked"
    assert animations, "no recorded animation was checked"


@pytest.mark.slow
@EDITION
def test_every_page_passes_axe_core_wcag_21_aa_with_no_serious_violation(built, browsed, edition, capsys):
    """axe-core's WCAG 2.0/2.1 A and AA rules, page by page: serious and critical violations fail the
    test; moderate and minor ones are printed (they are listed in the test's output, not hidden)."""
    seen = browsed(edition)
    redirects = {r["page"]: r["redirect"] for r in seen.values() if "redirect" in r}
    results = [r for r in seen.values() if "redirect" not in r]
    assert all(r["passes"] > 0 for r in results), "axe-core checked nothing on some page"
    assert all(r["settled"] for r in results), "a page was audited before it finished rendering"
    serious, other = [], []
    for r in results:
        for found in r["violations"]:
            line = (f"{edition} {r['page']}: {found['impact']} {found['id']} x{found['count']} "
                    f"({found['help']}; e.g. {', '.join(found['targets'])})")
            (serious if found["impact"] in ("serious", "critical") else other).append(line)
    with capsys.disabled():
        print(f"\n[axe] {edition}: {len(results)} pages, {len(serious)} serious/critical and {len(other)} "
              f"moderate/minor violations ({sum(r['axe_seconds'] for r in results):.0f} s of axe-core)"
              + "".join(f"; {a} only redirects to {b}, checked as {b}" for a, b in redirects.items()))
        for line in other:
            print(f"[axe]   {line}")
    assert not serious, "serious or critical WCAG 2.1 AA violations:\n" + "\n".join(serious)


ALT_REPR = re.compile(r"<Figure size|<Axes|\.(png|svg|jpe?g)\b|_images/")


@pytest.mark.slow
@EDITION
def test_every_figure_of_every_page_is_described_in_words(built, edition):
    """Every image a page shows, lesson figures and control frames alike, has alt text that says what is
    plotted against what, fits in an alt text and is neither a file name nor a repr; in the executed
    notebooks every figure output carries it as metadata (so nbconvert and Jupyter readers get it too)."""
    out = built[edition]
    checked = 0
    for name, nb in executed(out).items():
        for i, cell in enumerate(nb.cells):
            for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
                if "image/png" not in o.get("data", {}):
                    continue
                alt = o.get("metadata", {}).get("image/png", {}).get("alt", "")
                where = f"{edition} {name} cell {i}"
                assert alt, f"{where}: a figure without a description"
                assert len(alt) <= 250 and " against " in alt, f"{where}: {alt!r}"
                assert not ALT_REPR.search(alt), f"{where}: the alt text is a file name or a repr: {alt!r}"
                checked += 1
    assert checked >= len(LESSONS), f"only {checked} figures found"
    for page in (out / "html").rglob("*.html"):
        if "_static" in page.relative_to(out / "html").parts:
            continue
        text = page.read_text(encoding="utf-8")
        for img in re.findall(r"<img\b[^>]*>", text):
            alt = re.search(r'\balt="([^"]*)"', img)
            assert alt and alt.group(1).strip(), f"{page.name}: an image without alt text: {img[:120]}"
            assert not ALT_REPR.search(alt.group(1)), f"{page.name}: alt text is a file name: {alt.group(1)!r}"


def _frame_problems(name: str, control: dict) -> list[str]:
    """What is wrong with one control's recorded moves (tests/book_browser.py move_players): every state must
    show the frame of its value (image, alt text, announced value, a live region naming the value and the
    frame's result); the keys must visit every frame in order and the mouse reach its targets; each move that
    changes the value must change the image and the live region."""
    states, actions = control["states"], control["actions"]
    where = f"{name} [{control['label']}]"
    top = states[0]["max"]
    problems = [f"{where} after {a!r}: {k}" for a, st in zip(["load", *actions], states)
                for k in ("src_is_frame", "alt_is_frame", "valuetext_is_frame", "status_names_value") if not st[k]]
    expected = [0, *range(1, top + 1), top - 1, top, 0]
    got = [st["value"] for st in states[1:len(expected) + 1]]
    if got != expected:
        problems.append(f"{where}: the keys Home, ArrowRight x{top}, ArrowLeft, End, Home gave {got}, not {expected}")
    mouse = [(a, int(a.rsplit(" ", 1)[1]), st["value"]) for a, st in zip(actions, states[1:]) if a.startswith("mouse")]
    problems += [f"{where}: {a} reached {v}" for a, target, v in mouse if v != target]
    if len(mouse) < 4:
        problems.append(f"{where}: only {len(mouse)} mouse moves recorded")
    for a, before, after in zip(actions, states, states[1:]):
        if after["value"] == before["value"]:
            continue
        if after["status"] == before["status"]:
            problems.append(f"{where}: {a} moved {before['value']} -> {after['value']}: the live region stayed the same")
        if after["src"] == before["src"] and after["frame_png"] != before["frame_png"]:
            problems.append(f"{where}: {a} moved {before['value']} -> {after['value']}: the image stayed the same")
    return problems


def _same_figures(control: dict) -> int:
    """How many frames of a control draw the same figure as the frame before them (e.g. the shower's
    knob saturates: above some gain every run swings between the same two extremes)."""
    by_value = {st["value"]: st["frame_png"] for st in control["states"]}
    return sum(by_value[k] == by_value[k - 1] for k in by_value if k - 1 in by_value)


@pytest.mark.slow
@EDITION
def test_every_control_moves_by_keyboard_and_mouse_on_the_built_pages(built, browsed, edition, capsys):
    """In Chromium, offline: every control of every page that shows controls as frames (lesson pages and the
    introduction) goes through every frame with the keys (Home, ArrowRight to the end, ArrowLeft, End, Home)
    and by Playwright's mouse (clicks on the track, drags of the thumb); after each move the image is the
    frame of the value, with its alt text, and the live region names the value and its result. Every
    recorded animation steps with ArrowRight and plays on a click."""
    seen = {name: r for name, r in browsed(edition).items() if "redirect" not in r}
    moved = {name: r["frames"] for name, r in seen.items() if r["frames"]}
    assert {"02-three-learning-rates/02-three-learning-rates.html", "intro.html"} <= set(moved), sorted(moved)
    html_dir = built[edition] / "html"
    inert = {name: _widget_views(html_dir / name) for name in seen if _widget_views(html_dir / name)}
    assert not inert, (f"widget views that cannot move on a page (no kernel): {inert}; show them as frames "
                       "(lrlab.course.widgets) or say on the page that they need a kernel")
    problems = []
    for name, r in seen.items():
        assert len(r["frames"]) == r["players"], f"{name}: {len(r['frames'])} of {r['players']} controls moved"
        assert r["animations_stepped"] == r["animations"], f"{name}: an animation does not step by keyboard"
        for control in r["frames"]:
            problems += _frame_problems(name, control)
    with capsys.disabled():
        print(f"\n[controls] {edition}: " + "; ".join(
            f"{name}: {len(c)} of {seen[name]['players']} moved in {seen[name]['move_seconds']:.1f} s ("
            + ", ".join(f"{x['states'][0]['frames']} frames, {_same_figures(x)} the same figure as the one before"
                        for x in c) + ")" for name, c in moved.items()))
    assert not problems, "\n".join(problems[:30])


def test_the_frame_checks_catch_a_control_that_does_not_move():
    """The checks above fail on a recording where the keys do not move the slider or the image stays."""
    ok = {"src_is_frame": True, "alt_is_frame": True, "valuetext_is_frame": True, "status_names_value": True,
          "max": 2, "frames": 3, "label": "lr"}
    st = lambda v, src=None: {**ok, "value": v, "src": src or f"s{v}", "frame_png": f"s{v}",  # noqa: E731
                              "status": f"lr {v}"}
    actions = ["Home", "ArrowRight", "ArrowRight", "ArrowLeft", "End", "Home",
               "mouse click to 0", "mouse drag to 2", "mouse click to 1", "mouse drag to 0"]
    good = [st(1), st(0), st(1), st(2), st(1), st(2), st(0), st(0), st(2), st(1), st(0)]
    control = {"label": "lr", "actions": actions, "states": good}
    assert _frame_problems("p", control) == []
    stuck = [st(1), st(0), st(0), st(0), st(0), st(0), st(0), st(0), st(2), st(1), st(0)]
    assert any("ArrowRight" in p for p in _frame_problems("p", {**control, "states": stuck}))
    same_image = [*good[:2], st(1, src="s0"), *good[3:]]
    assert any("image stayed the same" in p for p in _frame_problems("p", {**control, "states": same_image}))
    same_figure = [{**s, "frame_png": "s", "src": "s"} for s in good]  # every frame draws the same figure
    assert _frame_problems("p", {**control, "states": same_figure}) == [] and _same_figures(
        {"states": same_figure}) == 2
    same_status = [*good[:2], {**good[2], "status": good[1]["status"]}, *good[3:]]
    assert any("live region" in p for p in _frame_problems("p", {**control, "states": same_status}))
    wrong_alt = [*good[:3], {**good[3], "alt_is_frame": False}, *good[4:]]
    assert any("alt_is_frame" in p for p in _frame_problems("p", {**control, "states": wrong_alt}))
    missed = [*good[:-1], st(1)]
    assert any("reached 1" in p for p in _frame_problems("p", {**control, "states": missed}))


def test_figure_alt_text_from_the_executed_notebooks_replaces_the_file_path(tmp_path):
    import base64
    import hashlib

    png = b"\x89PNG fake image"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("f()")])
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode()},
                                                  metadata={"image/png": {"alt": "loss against step, from 1 to 2"}})]
    nbformat.write(nb, tmp_path / "a.ipynb")
    alts = lrlab_book.figure_alts(tmp_path)
    digest = hashlib.sha256(png).hexdigest()
    assert alts == {digest: "loss against step, from 1 to 2"}
    body = f'<img alt="../_images/{digest}.png" src="../_images/{digest}.png" /><img alt="../_images/{"0" * 64}.png"'
    out = lrlab_book.restore_figure_alts(body, alts)
    assert out.startswith('<img alt="loss against step, from 1 to 2" src="../_images/')
    assert f'alt="../_images/{"0" * 64}.png"' in out, "an image with no description is left as it was"
