"""nbgrader settings for the instructor's server: the course folder, which course, where the exchange is.

The course folder is a clone of the lrlab repository in the instructor's home
(``~/lrlab``, or ``$LRLAB_COURSE_DIR``): its own ``nbgrader_config.py``
(solutions/ and notebooks/, the gradebook in ``.nbgrader/``) is loaded from
there, so formgrader and the ``nbgrader`` commands run in that folder agree.
"""
import os

c = get_config()  # noqa: F821 (provided by Jupyter when it loads this file)

course_dir = os.path.expanduser(os.environ.get("LRLAB_COURSE_DIR", "~/lrlab"))
course_config = os.path.join(course_dir, "nbgrader_config.py")
if os.path.isfile(course_config):
    here = os.getcwd()
    os.chdir(course_dir)  # the course's settings are relative to the course folder
    try:
        load_subconfig(course_config)  # noqa: F821 (provided by traitlets)
    finally:
        os.chdir(here)
c.CourseDirectory.root = course_dir
c.CourseDirectory.db_url = f"sqlite:///{course_dir}/.nbgrader/gradebook.db"
c.CourseDirectory.course_id = os.environ.get("LRLAB_COURSE_ID", "lrlab")
c.Exchange.root = os.environ.get("LRLAB_EXCHANGE", "/srv/nbgrader/exchange")
