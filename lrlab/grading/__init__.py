"""Grading a class safely on top of nbgrader: what ``lrlab grade`` runs (user guide: README.md, "Grading a class").

One concern per module, in the order a run uses them:

* ``lesson``    register a lesson with nbgrader; its cells, hidden tests and guard plan
* ``intake``    find the submissions; check each notebook's shape before its code runs
* ``pool``      worker processes that grade in parallel and survive each other's failures
* ``autograde`` one student with nbgrader's ``Autograde``, in a worker's private course
* ``execute``   nbgrader's ``Execute`` with limits, output caps and the guard
* ``kernels``   confined kernels, started ahead of need (``zygote``: forked from a template)
* ``sandbox``   namespaces, a minimal root, resource limits, no privileges
* ``uids``      a block of sandbox uids per run, held under a lock: runs at once never share one
* ``guard``     inside the kernel: undo and report patches of what the tests rely on
* ``feedback``  per-student HTML that never shows a hidden test
* ``results``   atomic per-student result files: what makes a run resumable
* ``gradebook`` the course gradebook and folders, written by one process
* ``report``    grades CSV, class summary (text and figures: scores, the mistakes the checks named)
* ``progress``  the progress bar
* ``speedups``  faster, equivalent replacements for two slow spots of nbgrader
* ``run``       ``grade()``: all of the above in one call

May import: every layer below it (the base, optim, problems, train, studies, course).
"""
