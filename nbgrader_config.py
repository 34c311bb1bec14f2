"""nbgrader settings for the lrlab course.

`solutions/` holds the instructor notebooks (nbgrader's source); the student
notebooks in `notebooks/` are generated from them with

    python3 course.py generate

Grading commands run from this folder (or from a course directory that has a
copy of this file).
"""
import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "lrlab"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.notebook_id = "*"
os.makedirs(".nbgrader", exist_ok=True)
c.CourseDirectory.db_url = "sqlite:///.nbgrader/gradebook.db"

# What a learner sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A lesson runs in seconds; a cell that takes a minute is stuck.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
