"""The lrlab course's JupyterHub settings, the same on every hub: load this file from the hub's config.

What it sets: JupyterLab as the landing page; the nbgrader exchange folder and
course id in every user server's environment (read by the role configs in
``deploy/config/``); one BLAS thread per kernel; and, before each server
starts, the Jupyter config folder of that person's role — members of the
JupyterHub group ``instructors`` get ``instructor/`` (formgrader, the course
folder ``~/lrlab``), everyone else ``student/`` (Assignment List and Validate
only; formgrader, Create Assignment and the course list are switched off).

What it does not set: where the servers' Python is, how people log in, ports,
spawner — those belong to the machine (``jupyterhub_config.py`` for the
loopback hub; TLJH and Z2JH set their own, see "Teaching a class" in README.md).

Environment variables (defaults are the production paths):
``LRLAB_EXCHANGE`` (``/srv/nbgrader/exchange``), ``LRLAB_HUB_ROLE_CONFIG``
(``/srv/lrlab/config``: a copy of ``deploy/config``).

Used as ``load_subconfig("<path>/hub_course.py")`` in a jupyterhub_config.py,
or copied as a whole into TLJH's ``/opt/tljh/config/jupyterhub_config.d/``.
"""
import os

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

LRLAB_COURSE_ID = "lrlab"
LRLAB_INSTRUCTORS_GROUP = "instructors"
LRLAB_EXCHANGE = os.environ.get("LRLAB_EXCHANGE", "/srv/nbgrader/exchange")
LRLAB_ROLE_CONFIG = os.environ.get("LRLAB_HUB_ROLE_CONFIG", "/srv/lrlab/config")

c.Spawner.default_url = "/lab"
c.Spawner.environment.update({
    "LRLAB_EXCHANGE": LRLAB_EXCHANGE,
    "LRLAB_COURSE_ID": LRLAB_COURSE_ID,
    # the lessons' arrays are small: one BLAS thread per kernel leaves the cores to the other students
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
})


def lrlab_role(spawner):
    """'instructor' for members of the instructors group, else 'student'."""
    groups = {g.name for g in spawner.user.groups}
    return "instructor" if LRLAB_INSTRUCTORS_GROUP in groups else "student"


def lrlab_pre_spawn_hook(spawner):
    role = lrlab_role(spawner)
    spawner.environment = {**spawner.environment,
                           "JUPYTER_CONFIG_PATH": os.path.join(LRLAB_ROLE_CONFIG, role)}
    spawner.log.info("lrlab: starting %s's server as %s", spawner.user.name, role)


c.Spawner.pre_spawn_hook = lrlab_pre_spawn_hook
