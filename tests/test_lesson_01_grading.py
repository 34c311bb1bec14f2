"""Lesson 01 (the shower knob) graded by the real nbgrader: each planned mistake gets its planned score.

One ``nbgrader autograde`` run grades a small class of simulated learners. Each
learner carries one answer per exercise (correct, blank, hard-coded to the
visible example, or a named misconception), so one run covers every scenario.
The exercises' test cells only call their own exercise's function, so the
score of each cell follows from that exercise's answer alone; the expected
scores below are the lesson's design, written down before grading.
"""
import nbformat
import pytest

from nbcourse import autograde, grade_cells, make_course, solution_path, strip_markers, student_path, submission

pytestmark = pytest.mark.slow

LESSON = "01-shower-knob"

EX1 = "ex1_adjust_knob"
EX2 = "ex2_settling_gains"
EX3 = "ex3_shower_as_quadratic"
WRITTEN = "written_delay_swings"
# test cells of each exercise, in notebook order
CELLS = {
    EX1: ("test_ex1_adjust_knob_turn", "test_ex1_adjust_knob_end_stops"),
    EX2: ("test_ex2_settling_gains", "test_ex2_settling_gains_deadline", "test_ex2_settling_gains_none"),
    EX3: ("test_ex3_minimum", "test_ex3_curvature", "test_ex3_gain_limit"),
}
POINTS = {"test_ex1_adjust_knob_turn": 2, "test_ex1_adjust_knob_end_stops": 1,
          "test_ex2_settling_gains": 2, "test_ex2_settling_gains_deadline": 1, "test_ex2_settling_gains_none": 1,
          "test_ex3_minimum": 1, "test_ex3_curvature": 1, "test_ex3_gain_limit": 1, WRITTEN: 3}
MAX_AUTOGRADED = 10

# ---------------------------------------------------------------- answers (None = the released stub)

ADJUST = "def adjust_knob(knob, felt, target, gain):\n    {body}\n"
EX1_ANSWERS = {
    "correct": "solution",
    "blank": None,
    "hardcoded": ADJUST.format(body="return 0.28"),
    "no_clip": ADJUST.format(body="return knob + gain * (target - felt)"),
    "sign_flipped": ADJUST.format(body="return min(max(knob - gain * (target - felt), 0.0), 1.0)"),
    "felt_minus_target": ADJUST.format(body="return float(np.clip(knob + gain * (felt - target), 0, 1))"),
    "returns_change": ADJUST.format(body="return gain * (target - felt)"),
}
EX1_SCORES = {  # (turn, end stops)
    "correct": (2, 1), "blank": (0, 0), "hardcoded": (0, 0), "no_clip": (2, 0),
    "sign_flipped": (0, 0), "felt_minus_target": (0, 0), "returns_change": (0, 0),
}

SETTLING = """def settling_gains(delay, steps_allowed, gains):
    s = shower.sweep_gains(gains, delay=delay, steps=2 * steps_allowed + 5)
    keep = {keep}
    if not keep.any():
        return None
    return float(s.gains[keep].min()), float(s.gains[keep].max())
"""
EX2_ANSWERS = {
    "correct": "solution",
    "blank": None,
    "hardcoded": "def settling_gains(delay, steps_allowed, gains):\n    return (0.003, 0.006)\n",
    # off by one: a run comfortable exactly at the deadline is dropped
    "strict_deadline": SETTLING.format(keep="s.settled_at < steps_allowed"),
    # off by one the other way: one reading too many
    "one_second_late": SETTLING.format(keep="s.settled_at <= steps_allowed + 1"),
    # the gains that merely do not swing wildly
    "not_wild": SETTLING.format(keep='s.labels != "wild swings"'),
    # settles at some point, deadline ignored
    "ignores_deadline": SETTLING.format(keep='s.labels == "settles"'),
    # right rule, but min() of an empty selection when nothing qualifies
    "crashes_when_none": """def settling_gains(delay, steps_allowed, gains):
    s = shower.sweep_gains(gains, delay=delay, steps=2 * steps_allowed + 5)
    ok = s.gains[s.settled_at <= steps_allowed]
    return float(ok.min()), float(ok.max())
""",
    # lrlab's own function instead of the learner's: the checks refuse it (issue 18), every test of it earns 0
    "calls_settling_range": """def settling_gains(delay, steps_allowed, gains):
    return shower.settling_range(steps_allowed, gains=gains, delay=delay)
""",
}
EX2_SCORES = {  # (example + other pipes, exact deadline, nothing in time)
    "correct": (2, 1, 1), "blank": (0, 0, 0), "hardcoded": (0, 0, 0), "strict_deadline": (2, 0, 1),
    "one_second_late": (0, 0, 1), "not_wild": (0, 0, 0), "ignores_deadline": (0, 0, 0),
    "crashes_when_none": (2, 1, 0), "calls_settling_range": (0, 0, 0),
}

QUAD = "def shower_as_quadratic(cold, hot, target):\n    c = hot - cold\n    return {ret}\n"
EX3_ANSWERS = {
    "correct": "solution",
    "blank": None,
    "hardcoded": QUAD.format(ret="(0.56, 50.0, 0.04)"),
    "k_star_from_zero_degrees": QUAD.format(ret="(target / hot, c, 2 / c)"),
    "L_is_hot": "def shower_as_quadratic(cold, hot, target):\n"
                "    L = hot\n    return (target - cold) / (hot - cold), L, 2 / L\n",
    "L_is_half_c": QUAD.format(ret="((target - cold) / c, c / 2, 2 / (c / 2))"),
    "limit_is_one_over_L": QUAD.format(ret="((target - cold) / c, c, 1 / c)"),
}
EX3_SCORES = {  # (k_star, L, gain_limit)
    "correct": (1, 1, 1), "blank": (0, 0, 0), "hardcoded": (0, 0, 0), "k_star_from_zero_degrees": (0, 1, 1),
    "L_is_hot": (1, 0, 0), "L_is_half_c": (1, 0, 0), "limit_is_one_over_L": (1, 1, 0),
}

# Each simulated learner: one answer per exercise (and the written answer: model answer or the stub).
STUDENTS = {
    "correct": ("correct", "correct", "correct", True),
    "blank": ("blank", "blank", "blank", False),
    "hardcoded": ("hardcoded", "hardcoded", "hardcoded", False),
    "mix1": ("no_clip", "strict_deadline", "limit_is_one_over_L", False),
    "mix2": ("sign_flipped", "not_wild", "k_star_from_zero_degrees", False),
    "mix3": ("felt_minus_target", "ignores_deadline", "L_is_hot", False),
    "mix4": ("returns_change", "crashes_when_none", "L_is_half_c", False),
    "mix5": ("correct", "one_second_late", "correct", False),
    "mix6": ("correct", "calls_settling_range", "correct", False),
}


def expected_scores(student):
    a1, a2, a3, _ = STUDENTS[student]
    scores = {}
    for ex, answer, table in ((EX1, a1, EX1_SCORES), (EX2, a2, EX2_SCORES), (EX3, a3, EX3_SCORES)):
        scores.update(zip(CELLS[ex], table[answer]))
    scores[WRITTEN] = 0  # left for the instructor
    return scores


def _sources(student, solutions):
    a1, a2, a3, written = STUDENTS[student]
    answers = {}
    for ex, name, table in ((EX1, a1, EX1_ANSWERS), (EX2, a2, EX2_ANSWERS), (EX3, a3, EX3_ANSWERS)):
        source = table[name]
        if source == "solution":
            answers[ex] = strip_markers(solutions[ex].source)
        elif source is not None:
            answers[ex] = source
    if written:
        answers[WRITTEN] = solutions[WRITTEN].source
    return answers


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("lesson01"), [LESSON])
    solutions = grade_cells(nbformat.read(solution_path(LESSON), as_version=4))
    subs = {student: submission(course, LESSON, _sources(student, solutions)) for student in STUDENTS}
    return autograde(course, LESSON, subs)


def test_the_planned_points_match_the_notebook():
    cells = grade_cells(nbformat.read(solution_path(LESSON), as_version=4))
    points = {gid: c.metadata.nbgrader["points"] for gid, c in cells.items() if c.metadata.nbgrader.get("grade")}
    assert points == POINTS, f"grade cells and points in the notebook: {points}"
    autograded = sum(p for gid, p in points.items() if cells[gid].cell_type == "code")
    assert autograded == MAX_AUTOGRADED, f"autograded points add up to {autograded}"


def test_every_learner_was_graded(graded):
    assert set(graded) == set(STUDENTS), f"nbgrader could not grade {sorted(set(STUDENTS) - set(graded))}"


def test_a_correct_submission_gets_every_autograded_point(graded):
    scores = graded["correct"]
    auto = sum(score for gid, score in scores.items() if gid != WRITTEN)
    assert auto == MAX_AUTOGRADED, f"correct submission scored {scores}"
    assert scores[WRITTEN] == 0, "the written answer is for the instructor to grade"


def test_the_blank_notebook_scores_zero(graded):
    assert sum(graded["blank"].values()) == 0, graded["blank"]


@pytest.mark.parametrize("student", list(STUDENTS),
                         ids=[f"{s}:{'+'.join(STUDENTS[s][:3])}" for s in STUDENTS])
def test_each_submission_gets_exactly_the_planned_scores(graded, student):
    assert graded[student] == expected_scores(student), (
        f"{student} ({', '.join(STUDENTS[student][:3])}): got {graded[student]}")


# ---------------------------------------------------------------- the hard-coded answers pass what the learner sees

def _visible_namespace():
    """Run the released notebook's set-up cell (magics dropped) in a fresh namespace."""
    cells = grade_cells(nbformat.read(student_path(LESSON), as_version=4))
    ns = {}
    setup = "\n".join(ln for ln in cells["setup"].source.splitlines() if not ln.lstrip().startswith("%"))
    exec(setup, ns)
    return cells, ns


@pytest.mark.parametrize("exercise", [EX1, EX2, EX3])
def test_the_hardcoded_answer_passes_every_visible_check(exercise):
    cells, ns = _visible_namespace()
    exec(EX1_ANSWERS["hardcoded"] if exercise == EX1 else EX2_ANSWERS["hardcoded"] if exercise == EX2
         else EX3_ANSWERS["hardcoded"], ns)
    for gid in CELLS[exercise]:
        exec(cells[gid].source, ns)  # raises if the visible part rejects it

