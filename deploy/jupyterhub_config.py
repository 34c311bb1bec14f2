"""JupyterHub configuration for the lrlab course on one machine (loopback): what ``start_hub.py`` runs.

Two parts:

* **course settings**, the same on every hub, live in ``hub_course.py`` and
  are loaded here: JupyterLab as the landing page, the exchange folder and
  course id, and each role's Jupyter config (formgrader only for the
  ``instructors`` group);
* **machine settings**, below, for this machine only: hub and proxy on
  127.0.0.1, real Linux users spawned as local processes from the course
  environment, one shared password (DummyAuthenticator), state in a
  temporary folder. The Littlest JupyterHub and Zero to JupyterHub replace
  these with their own (README.md, "Teaching a class", says which setting goes where).

Everything comes from environment variables, which ``start_hub.py`` sets:

=========================  ===================================================
LRLAB_HUB_ENV              the course environment for user servers
                           (``jupyterhub-singleuser``, lrlab, nbgrader, proxy)
LRLAB_EXCHANGE             nbgrader exchange root
LRLAB_HUB_ROLE_CONFIG      folder holding ``student/`` and ``instructor/``
LRLAB_HUB_STATE            hub database, cookie secret, pid files
LRLAB_HUB_IP, _PORT        where people connect (default 127.0.0.1:8000)
LRLAB_HUB_API_PORT         the proxy's API port; LRLAB_HUB_HUB_PORT the hub's
LRLAB_HUB_INSTRUCTORS      comma-separated user names (group ``instructors``)
LRLAB_HUB_STUDENTS         comma-separated user names
LRLAB_HUB_PASSWORD         the shared password of the loopback hub
LRLAB_HUB_ADMIN_TOKEN      optional: API token of an admin service (tests)
=========================  ===================================================
"""
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

HERE = Path(__file__).resolve().parent
os.environ.setdefault("LRLAB_HUB_ROLE_CONFIG", str(HERE / "config"))
load_subconfig(str(HERE / "hub_course.py"))  # noqa: F821 (provided by traitlets)


def setting(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise SystemExit(f"lrlab hub: set {name} (deploy/start_hub.py sets it for you)")
    return value


def names(var):
    return [n for n in os.environ.get(var, "").split(",") if n]


# ---------------------------------------------------------------- machine settings (loopback)
USER_ENV = Path(setting("LRLAB_HUB_ENV", sys.prefix))
STATE = Path(setting("LRLAB_HUB_STATE", os.getcwd()))
INSTRUCTORS = names("LRLAB_HUB_INSTRUCTORS")
STUDENTS = names("LRLAB_HUB_STUDENTS")

# the course environment is the single-user environment
c.Spawner.cmd = [str(USER_ENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.environment.update({"PATH": f"{USER_ENV / 'bin'}:/usr/local/bin:/usr/bin:/bin"})
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60

c.JupyterHub.ip = setting("LRLAB_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(setting("LRLAB_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(setting("LRLAB_HUB_HUB_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{setting('LRLAB_HUB_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(USER_ENV / "bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True

c.JupyterHub.spawner_class = "localprocess"  # real Linux users; the hub runs as root
c.JupyterHub.authenticator_class = "dummy"   # one shared password: loopback only
c.DummyAuthenticator.password = setting("LRLAB_HUB_PASSWORD")
c.Authenticator.allow_all = False
c.Authenticator.allow_existing_users = True
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS)
c.Authenticator.admin_users = set(INSTRUCTORS)
c.JupyterHub.load_groups = {"instructors": {"users": INSTRUCTORS}}

if os.environ.get("LRLAB_HUB_ADMIN_TOKEN"):
    c.JupyterHub.services = [{"name": "lrlab-admin", "api_token": os.environ["LRLAB_HUB_ADMIN_TOKEN"]}]
    c.JupyterHub.load_roles = [{"name": "admin", "services": ["lrlab-admin"]}]
