"""Each lesson's exercise checks: the code behind its visible and hidden test cells.

``lrlab.course.exercises.lessonNN`` holds, for lesson NN, one ``check_<exercise>`` function per test cell
(taking the learner's function and the case to try), together with the tables of common mistakes
and the exact hints that name them. A test cell in the notebook is then a few calls, and the hints
are tested here, in ``tests/test_exercises_lessonNN.py``, like any other code.

Checks talk to the learner through :mod:`lrlab.course.checks` (``fail``, ``expect_close``...): every
failure says what was expected, what came back and where to look.
"""
