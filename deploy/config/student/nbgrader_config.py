"""nbgrader settings for every student's server: which course, where the exchange is.

The hub points a student's server here (``JUPYTER_CONFIG_PATH``). The
exchange folder comes from ``$LRLAB_EXCHANGE`` (set by the hub), default
``/srv/nbgrader/exchange`` as on a production hub.
"""
import os

c = get_config()  # noqa: F821 (provided by Jupyter when it loads this file)

c.CourseDirectory.course_id = os.environ.get("LRLAB_COURSE_ID", "lrlab")
c.Exchange.root = os.environ.get("LRLAB_EXCHANGE", "/srv/nbgrader/exchange")
