"""Feedback HTML for one student that never shows a hidden test.

nbgrader's own ``generate_feedback`` shows the hidden tests' source and, in
tracebacks, the hidden lines that failed. Here the graded notebook is
rewritten before it is rendered:

* test cells lose their hidden region (nbgrader's ``ClearHiddenTests`` rule:
  everything between the ``BEGIN``/``END HIDDEN TESTS`` markers), and their
  outputs are replaced by one verdict: passed; the visible check that failed
  with its message ("what: expected X, got Y. Hint: ..."); or "a hidden check
  failed" with only the hint (a hidden check's message would reveal its
  inputs). What the student's code printed during a test is not shown, as it
  may echo hidden inputs;
* every other output is kept, minus any line that contains a hidden line;
* then the rewritten notebook is searched for every hidden line
  (``Lesson.hidden_lines``); if one is still found, ``FeedbackLeak`` is raised
  and no feedback is written (the grader flags the student instead).

``verdicts(nb, lesson, scores)`` gives the per-test verdicts (also used in the
grades table); ``render(...)`` the HTML, with a summary table on top.
"""
from __future__ import annotations

import copy
import os
import re

from nbformat import NotebookNode

from .lesson import Lesson, hidden_region

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")
HIDDEN_NOTE = "# (hidden tests are not shown)"
GENERIC_HINT = ("the worked example passes, so look at the cases the exercise describes beyond it "
                "(other inputs, edge values, types and lengths)")


class FeedbackLeak(RuntimeError):
    """A hidden test line survived into the feedback; nothing is written."""


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def _scrub(text: str, hidden: set[str]) -> str:
    lines = text.split("\n")
    kept = [line for line in lines if not any(h in strip_ansi(line) for h in hidden)]
    return "\n".join(kept)


def _hint(message: str) -> str | None:
    if "Hint:" in message:
        return message.split("Hint:", 1)[1].strip()
    return None


def verdict(cell, lesson_cell, score, max_score, cell_timeout=None) -> dict:
    """How one test cell went, in words safe to show: passed / visible failure / hidden failure."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    stderr = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    if score is not None and max_score and score >= max_score:
        return {"passed": True, "hidden": False, "message": ""}
    if not errors:
        if stderr:
            return {"passed": False, "hidden": False,
                    "message": "your code wrote to stderr during this test (a warning?), which nbgrader counts as "
                               "a failure"}
        return {"passed": False, "hidden": False, "message": "no points for this test"}
    err = errors[-1]
    ename, evalue = err.get("ename", "Error"), strip_ansi(str(err.get("evalue", "")))
    if ename == "CellTimeoutError":
        limit = f" ({cell_timeout:g} s)" if cell_timeout else ""
        return {"passed": False, "hidden": False,
                "message": f"the test ran past the time limit{limit}; is there an endless loop?"}
    line = None
    for entry in err.get("traceback", []):
        match = CELL_FRAME.search(strip_ansi(entry))
        if match:
            line = int(match.group(2))
            break
    hidden = line is not None and lesson_cell.region_of_line(line) == "hidden"
    if line is None and lesson_cell.hidden:
        hidden = True  # cannot tell where it failed: say nothing specific
    if ename == "NotImplementedError":
        return {"passed": False, "hidden": False,
                "message": "the answer is not written yet (the function still raises NotImplementedError)"}
    if not hidden:
        if ename == "LessonCheckError":
            return {"passed": False, "hidden": False, "message": evalue}
        return {"passed": False, "hidden": False, "message": f"{ename}: {evalue}"[:400]}
    if ename == "LessonCheckError":
        hint = _hint(evalue)
        return {"passed": False, "hidden": True, "ename": ename,
                "message": "a hidden check failed. " + (f"Hint: {hint}" if hint else f"Hint: {GENERIC_HINT}")}
    return {"passed": False, "hidden": True, "ename": ename,
            "message": f"a hidden check failed: your code raised {ename}"
                       + (f" ({evalue[:160]})" if evalue else "") + f". Hint: {GENERIC_HINT}"}


def _source_without_hidden(source: str) -> str:
    kinds, _ = hidden_region(source)
    out, dropped = [], False
    for line, kind in zip(source.split("\n"), kinds):
        if kind == "visible":
            out.append(line)
        elif not dropped:
            out.append(HIDDEN_NOTE)
            dropped = True
    return "\n".join(out).rstrip()


def _student_frames(err, test_count: int | None, hidden: set[str], checks_file: str) -> list[str]:
    """Traceback entries from the student's own code: not the test cell's lines, not lrlab.course.checks."""
    kept = []
    for entry in err.get("traceback", []):
        plain = strip_ansi(entry)
        match = CELL_FRAME.search(plain)
        if match and test_count is not None and int(match.group(1)) == test_count:
            continue
        if checks_file in plain or os.path.basename(checks_file) + ":" in plain or "Traceback (most recent" in plain:
            continue
        if plain.strip().startswith("-" * 20):
            continue
        kept.append(_scrub(entry, hidden))
    return kept


def sanitize(nb, lesson: Lesson, scores: dict, cell_timeout=None) -> tuple[object, dict]:
    """The notebook to show the student, and ``{test grade_id: verdict}``."""
    nb = copy.deepcopy(nb)
    hidden = hidden_lines_for(nb, lesson)
    verdicts = {}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        lcell = lesson.cells.get(gid)
        if lcell is not None and lcell.kind == "test" and cell.cell_type == "code":
            score, max_score = scores.get(gid, (None, lcell.points))
            v = verdict(cell, lcell, score, max_score, cell_timeout)
            verdicts[gid] = v
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            cell.source = _source_without_hidden(lcell.source if cell.source.strip() else cell.source)
            if v["passed"]:
                cell.outputs = [NotebookNode(output_type="stream", name="stdout", text="✓ all checks passed\n")]
            else:
                frames = [] if v["hidden"] or not errors else \
                    _student_frames(errors[-1], cell.get("execution_count"), hidden, lesson.plan.checks_filename)
                if frames and frames[-1] and strip_ansi(frames[-1]).startswith(errors[-1].get("ename", "")):
                    frames = frames[:-1]
                cell.outputs = [NotebookNode(output_type="error", ename="Check failed", evalue=v["message"],
                                             traceback=frames + [f"Check failed: {v['message']}"])]
            continue
        if cell.cell_type == "markdown" and not (lcell is not None and lcell.kind == "locked"):
            cell.source = _clean_markdown(cell.source)  # the student's own text: no active HTML
            continue
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream":
                    out["text"] = _scrub(out.get("text", ""), hidden)
                elif out.get("output_type") == "error":
                    out["traceback"] = [_scrub(t, hidden) for t in out.get("traceback", [])]
                    out["evalue"] = _scrub(str(out.get("evalue", "")), hidden)
                elif "data" in out and "text/plain" in out["data"]:
                    out["data"]["text/plain"] = _scrub(str(out["data"]["text/plain"]), hidden)
    audit(nb, hidden)
    return nb, verdicts


def _clean_markdown(text: str) -> str:
    if "<" not in text:
        return text
    import bleach

    return bleach.clean(text, tags=[*bleach.ALLOWED_TAGS, "sub", "sup", "br", "p", "pre", "code", "table",
                                    "tr", "td", "th"], strip=True)


def hidden_lines_for(nb, lesson: Lesson) -> set[str]:
    """The lesson's hidden lines, but those the student wrote in their own cells (a short hidden line,
    ``return None``, can be a line of a correct answer: showing the student their own code leaks nothing)."""
    own = "\n".join(c.source for c in nb.cells
                     if getattr(lesson.cells.get(c.metadata.get("nbgrader", {}).get("grade_id")), "kind", "answer")
                     in ("answer", "answer-graded", "written"))
    return {line for line in lesson.hidden_lines if line not in own}


def audit(nb, hidden: set[str]) -> None:
    """Raise ``FeedbackLeak`` if any hidden line is anywhere in ``nb`` (sources and outputs)."""
    texts = []
    for cell in nb.cells:
        texts.append(cell.source)
        for out in cell.get("outputs", []):
            texts.append(str(out.get("text", "")))
            texts.append(str(out.get("evalue", "")))
            texts += [str(t) for t in out.get("traceback", [])]
            texts += [str(v) for k, v in out.get("data", {}).items() if k.startswith("text/")]
    blob = strip_ansi("\n".join(texts))
    for line in hidden:
        if line in blob:
            raise FeedbackLeak(f"a hidden test line is still in the feedback: {line[:20]}...")


TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{#- code is escaped by the highlighter already: skip the (slow) HTML sanitizer on it -#}
{% block input %}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
     </div>
</div>
{%- endblock input %}
{% block extra_css %}
<style>
.lrlab-summary { max-width: 60em; margin: 1em auto 2em auto; padding: 1em 1.5em; border: 1px solid #bbb;
                 border-radius: 6px; font-family: sans-serif; }
.lrlab-summary table { border-collapse: collapse; width: 100%; }
.lrlab-summary th, .lrlab-summary td { text-align: left; padding: 0.3em 0.6em; border-bottom: 1px solid #ddd;
                                        vertical-align: top; }
.lrlab-pass { color: #1a7f37; font-weight: bold; }
.lrlab-fail { color: #b3261e; font-weight: bold; }
.lrlab-wait { color: #7a5b00; font-weight: bold; }
</style>
{% endblock extra_css %}
{%- block body_header -%}
{{ super() }}
{%- set fb = resources.lrlab -%}
<section class="lrlab-summary" aria-label="grading summary">
  <h1>{{ fb.lesson | e }}: feedback for {{ fb.student | e }}</h1>
  <p><strong>Score: {{ fb.score_text | e }}</strong>{% if fb.status_text %} ({{ fb.status_text | e }}){% endif %}</p>
  <table>
    <thead><tr><th>part</th><th>points</th><th>result</th></tr></thead>
    <tbody>
    {%- for row in fb.rows %}
      <tr><td>{{ row.label | e }}</td><td>{{ row.points_text | e }}</td>
          <td><span class="lrlab-{{ row.css }}">{{ row.verdict | e }}</span>{% if row.message %}<br>{{ row.message | e }}{% endif %}</td></tr>
    {%- endfor %}
    </tbody>
  </table>
  {%- if fb.notes %}
  <p>Notes from the grader:</p>
  <ul>{% for note in fb.notes %}<li>{{ note | e }}</li>{% endfor %}</ul>
  {%- endif %}
</section>
{%- endblock body_header -%}
"""

_EXPORTER = None


def _exporter():
    """nbconvert's HTML exporter, made cheaper for many students of one lesson.

    The lesson's own cells are the same for every student, so their highlighted code and rendered
    Markdown are cached; and the final BeautifulSoup pass (alt text and tab stops) is replaced by a
    regular expression that adds the missing alt text.
    """
    global _EXPORTER
    if _EXPORTER is not None:
        return _EXPORTER
    from jinja2 import DictLoader, pass_context
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class FeedbackExporter(HTMLExporter):
        _markdown: dict = {}
        _code: dict = {}

        @pass_context
        def markdown2html(self, context, source):
            if source not in self._markdown:
                self._markdown[source] = HTMLExporter.markdown2html(self, context, source)
            return self._markdown[source]

        def from_notebook_node(self, nb, resources=None, **kw):
            info = nb.metadata.get("language_info", {})
            highlight = Highlight2HTML(pygments_lexer=info.get("pygments_lexer", info.get("name")), parent=self)
            cache = self._code

            def cached_highlight(source, language=None, metadata=None):
                key = (source, language)
                if key not in cache:
                    cache[key] = highlight(source, language, metadata)
                return cache[key]

            resources = self._init_resources(resources)
            self.register_filter("highlight_code", cached_highlight)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            html = re.sub(r"<img(?![^>]*\balt=)", '<img alt="figure from the notebook"', html)
            return html, resources

    _EXPORTER = FeedbackExporter(template_name="lab", template_file="lrlab_feedback.html.j2",
                                 extra_loaders=[DictLoader({"lrlab_feedback.html.j2": TEMPLATE})])
    return _EXPORTER


def _points(value) -> str:
    return "–" if value is None else f"{value:g}"


def render(nb, lesson: Lesson, student: str, scores: dict, *, status: str = "", notes=(),
           cell_timeout=None, comments=None) -> tuple[str, dict]:
    """(HTML, verdicts) for one student; ``scores`` maps grade_id -> (score or None, max score).

    ``comments`` (grade_id -> text) are the grader's comments from formgrader, shown with each part.
    """
    comments = comments or {}
    shown, verdicts = sanitize(nb, lesson, scores, cell_timeout)
    rows, total, total_max, pending = [], 0.0, 0.0, 0
    for lcell in lesson.graded:
        score, max_score = scores.get(lcell.grade_id, (None, lcell.points))
        total_max += max_score
        if lcell.kind == "test":
            v = verdicts.get(lcell.grade_id, {"passed": False, "message": "not run"})
            message = v["message"]
            if comments.get(lcell.grade_id):
                message = (message + " " if message else "") + f"Your instructor: {comments[lcell.grade_id]}"
            rows.append({"grade_id": lcell.grade_id, "label": lcell.grade_id,
                         "points_text": f"{_points(score)} / {max_score:g}",
                         "verdict": "passed" if v["passed"] else "failed",
                         "css": "pass" if v["passed"] else "fail", "message": message})
        else:
            waiting = score is None
            pending += waiting
            rows.append({"grade_id": lcell.grade_id, "label": f"{lcell.grade_id} (written)",
                         "points_text": f"{_points(score)} / {max_score:g}",
                         "verdict": "waiting for your instructor" if waiting else "graded",
                         "css": "wait" if waiting else "pass", "message": comments.get(lcell.grade_id, "")})
        total += score or 0.0
    score_text = f"{total:g} / {total_max:g}" + (f" ({pending} written answer(s) not graded yet)" if pending else "")
    resources = {"lrlab": {"lesson": lesson.name, "student": student, "score_text": score_text,
                           "status_text": status, "rows": rows, "notes": list(notes)},
                 "metadata": {"name": f"{lesson.name} — {student}"}}
    html, _ = _exporter().from_notebook_node(shown, resources=resources)
    for line in hidden_lines_for(nb, lesson):
        if line in html:
            raise FeedbackLeak(f"a hidden test line is in the rendered feedback: {line[:20]}...")
    return html, verdicts
