"""Inside a grading kernel: undo, and report, student code that patches what the tests rely on.

Student code and the tests run in one Python process, so an answer cell can
try to make every check pass: replace ``lrlab.course.checks.expect_close`` with a
function that does nothing, rebind the name ``expect_close``, swap a
function's ``__code__``, patch ``math.isclose`` or ``numpy.allclose``, or bend
IPython itself (an AST transformer that empties test cells, a
``post_run_cell`` callback that clears the error, a new ``run_cell``). The
grader (``execute.GuardedExecute``) defends like this:

1. ``install()`` imports the lesson's modules when the kernel starts, and
   ``snapshot()`` runs after the lesson's opening cells, before any student
   code: it records the protected modules (lrlab,
   numpy, math, numbers, operator, functools, builtins, IPython, ipykernel):
   their namespaces, their classes' attributes, every function's code and
   defaults, IPython's transformers, callbacks and hooks, ``sys.stdout`` and
   ``sys.stderr``.
2. ``record(names)`` runs after each locked cell (setup, demos, tests): it
   remembers the values the instructor's code gave to ``names``.
3. ``before_test(source, filename, names)`` runs before each test cell: it
   puts every snapshot back, re-creates ``lrlab.course.checks`` from the grader's
   pristine copy of its source (sent with the request, so a patched module
   cannot survive), and rebinds the remembered names the test uses. It
   returns what it had to undo.
4. ``after_test(bound)`` runs after each test cell: anything changed *while
   the test ran* (by student code the test called) is reported.

The grader flags the submission for manual grading when a protected module,
function or IPython hook was patched, and adds a note when an answer merely
reused a name the tests use (that is undone, and often innocent).

Limits: this is the same process as the student's code. It defeats the known
patches above; it cannot prove that no cleverer attack (one aimed at this
module itself) exists. Such an attack can only change its author's own
score: it cannot reach the hidden tests' files, the gradebook or another
student (the sandbox does that).
"""
from __future__ import annotations

import copyreg
import sys
import types

PROTECTED = ("lrlab", "numpy", "math", "cmath", "numbers", "operator", "functools", "builtins",
             "IPython", "ipykernel", "traceback")
# classes whose attributes may change legitimately at run time: only their functions are guarded
_LOOSE = ("IPython", "ipykernel")
_MISSING = object()
_STATE: dict = {"trusted": {}, "generations": []}

_SHELL_LISTS = ("input_transformers_post", "input_transformers_cleanup", "ast_transformers")
_SHELL_OBJECTS = ("input_transformer_manager", "displayhook", "display_pub", "display_formatter",
                  "compile", "CustomTB", "custom_exceptions", "user_ns", "events")


def _protected(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in PROTECTED)


def _shell():
    from IPython import get_ipython

    return get_ipython()


def _functions_of(value):
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if isinstance(f, types.FunctionType)]
    return [value] if isinstance(value, types.FunctionType) else []


def _module_parts(name: str, mod) -> tuple[list, list]:
    """(classes, functions) defined in module ``name``, with what to compare them against later."""
    classes, functions = [], []
    for value in list(mod.__dict__.values()):
        if isinstance(value, type) and getattr(value, "__module__", None) == name:
            # copy.copy and pickle cache a class's slot names on the class the first time they copy an
            # instance: fill that cache now, so a test that copies an optimizer does not look like a patch
            copyreg._slotnames(value)
            attrs = dict(value.__dict__)
            classes.append((value, attrs, name.startswith(_LOOSE)))
            for member in attrs.values():
                functions += _functions_of(member)
        elif isinstance(value, types.FunctionType) and getattr(value, "__module__", None) == name:
            functions.append(value)
    funcs = [(f, f.__code__, f.__defaults__, f.__kwdefaults__) for f in dict.fromkeys(functions)]
    return classes, funcs


def _take_snapshot() -> dict:
    modules, classes, functions = {}, [], []
    for name, mod in list(sys.modules.items()):
        if not isinstance(mod, types.ModuleType) or not _protected(name):
            continue
        modules[name] = (mod, dict(mod.__dict__))
        more_classes, more_functions = _module_parts(name, mod)
        classes += more_classes
        functions += more_functions
    shell = _shell()
    hooks = {}
    if shell is not None:
        for attr in _SHELL_LISTS:
            value = getattr(shell, attr, None)
            hooks[attr] = (value, list(value) if isinstance(value, list) else None)
        for attr in _SHELL_OBJECTS:
            hooks[attr] = (getattr(shell, attr, None), None)
        itm = getattr(shell, "input_transformer_manager", None)
        for attr in ("cleanup_transforms", "line_transforms", "token_transformers"):
            value = getattr(itm, attr, None)
            if isinstance(value, list):
                hooks[f"input_transformer_manager.{attr}"] = (value, list(value))
        callbacks = getattr(getattr(shell, "events", None), "callbacks", {})
        hooks["events.callbacks"] = (callbacks, {k: list(v) for k, v in callbacks.items()})
    instances = {}
    for obj in (shell, getattr(shell, "kernel", None)):
        if obj is not None:
            instances[id(obj)] = (obj, set(vars(obj)))
    return {"modules": modules, "classes": classes, "functions": functions, "hooks": hooks,
            "instances": instances, "streams": (sys.stdout, sys.stderr, sys.excepthook, sys.displayhook),
            "fresh": ([], [])}


def install(preload=()) -> None:
    """Import the lesson's modules when the kernel starts (it is faster, and they are pristine)."""
    import importlib

    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # the lesson's own import cell will report it
            pass


def snapshot() -> None:
    """Remember the protected state; called after the lesson's opening cells, before any student code."""
    _STATE["snapshot"] = _take_snapshot()
    original = sys.modules.get("lrlab.course.checks")
    if original is not None and original not in _STATE["generations"]:
        _STATE["generations"].append(original)  # the module the lesson imported counts as ours


def _compare(snap: dict, fix: bool) -> list[str]:
    """What differs from the snapshot (and, with ``fix``, put it back)."""
    found = []
    for name, (mod, namespace) in snap["modules"].items():
        if sys.modules.get(name) is not mod:
            found.append(f"sys.modules[{name!r}] was replaced")
            if fix:
                sys.modules[name] = mod
        live = mod.__dict__
        loose = name.startswith(_LOOSE)
        for key, value in namespace.items():
            if loose and not (isinstance(value, type) or _functions_of(value)):
                continue
            if live.get(key, _MISSING) is not value:
                found.append(f"{name}.{key} was changed")
                if fix:
                    live[key] = value
        for key in [k for k in live if k not in namespace]:
            value = live[key]
            if loose or isinstance(value, types.ModuleType) or key in ("_", "__", "___") or key.startswith("__warningregistry"):
                continue
            found.append(f"{name}.{key} was added")
            if fix:
                del live[key]
    fresh_classes, fresh_functions = snap["fresh"]
    for cls, attrs, loose in snap["classes"] + fresh_classes:
        live = cls.__dict__
        for key, value in attrs.items():
            if loose and not _functions_of(value):
                continue
            if live.get(key, _MISSING) is not value:
                found.append(f"{cls.__module__}.{cls.__qualname__}.{key} was changed")
                if fix:
                    try:
                        setattr(cls, key, value)
                    except (TypeError, AttributeError):
                        pass
        if not loose:
            for key in [k for k in live if k not in attrs]:
                found.append(f"{cls.__module__}.{cls.__qualname__}.{key} was added")
                if fix:
                    try:
                        delattr(cls, key)
                    except (TypeError, AttributeError):
                        pass
    for func, code, defaults, kwdefaults in snap["functions"] + fresh_functions:
        if func.__code__ is not code or func.__defaults__ is not defaults or func.__kwdefaults__ is not kwdefaults:
            found.append(f"the code of {func.__module__}.{func.__qualname__} was changed")
            if fix:
                func.__code__, func.__defaults__, func.__kwdefaults__ = code, defaults, kwdefaults
    shell = _shell()
    for attr, (value, items) in snap["hooks"].items():
        if attr == "events.callbacks":
            live = getattr(getattr(shell, "events", None), "callbacks", None)
            if live is not value or {k: list(v) for k, v in live.items()} != items:
                found.append("IPython event callbacks were changed")
                if fix:
                    shell.events.callbacks = value
                    value.clear()
                    value.update({k: list(v) for k, v in items.items()})
            continue
        owner, name = (shell, attr) if "." not in attr else (shell.input_transformer_manager, attr.split(".")[1])
        live = getattr(owner, name, None)
        if live is not value or (items is not None and list(live) != items):
            found.append(f"IPython's {attr} was changed")
            if fix:
                try:
                    setattr(owner, name, value)
                    if items is not None:
                        value[:] = items
                except (TypeError, AttributeError):
                    pass
    for obj, keys in snap["instances"].values():
        for key in [k for k in vars(obj) if k not in keys]:
            if callable(getattr(type(obj), key, None)):
                found.append(f"{type(obj).__name__}.{key} was overridden on the instance")
                if fix:
                    delattr(obj, key)
    streams = (sys.stdout, sys.stderr, sys.excepthook, sys.displayhook)
    if any(a is not b for a, b in zip(streams, snap["streams"])):
        found.append("sys.stdout, sys.stderr, sys.excepthook or sys.displayhook was replaced")
        if fix:
            sys.stdout, sys.stderr, sys.excepthook, sys.displayhook = snap["streams"]
    if sys.gettrace() is not None or sys.getprofile() is not None:
        found.append("a trace or profile function was installed")
        if fix:
            sys.settrace(None)
            sys.setprofile(None)
    return found


def record(names) -> None:
    """Remember the values the instructor's code just bound to ``names``."""
    user_ns = _shell().user_ns
    for name in names:
        if name in user_ns:
            _STATE["trusted"][name] = user_ns[name]


def _ours(value) -> bool:
    """Is ``value`` an object of one of the fresh lrlab.course.checks modules made here?"""
    name = getattr(value, "__name__", None)
    return any(value is mod or (name and getattr(mod, name, None) is value) for mod in _STATE["generations"])


def _fresh_checks(source: str, filename: str):
    mod = types.ModuleType("lrlab.course.checks")
    mod.__file__, mod.__package__ = filename, "lrlab.course"
    exec(compile(source, filename, "exec"), mod.__dict__)
    sys.modules["lrlab.course.checks"] = mod
    if "lrlab.checks" in sys.modules:  # the name from before the layers (lrlab/_moved.py) follows it
        sys.modules["lrlab.checks"] = mod
    for parent_name in ("lrlab.course", "lrlab"):
        parent = sys.modules.get(parent_name)
        if parent is not None and (parent_name == "lrlab.course" or "checks" in parent.__dict__):
            parent.__dict__["checks"] = mod
    _STATE["generations"].append(mod)
    return mod


def _trusted_value(value, checks):
    if getattr(value, "__name__", None) == "lrlab.course.checks" and isinstance(value, types.ModuleType):
        return checks
    if getattr(value, "__module__", None) == "lrlab.course.checks" and hasattr(checks, getattr(value, "__name__", "")):
        return getattr(checks, value.__name__)
    return value


def before_test(checks_source: str, checks_filename: str, names) -> dict:
    """Undo every patch, re-create lrlab.course.checks, rebind the names the test uses; say what was undone."""
    snap = _STATE["snapshot"]
    patched = _compare(snap, fix=True)
    checks = _fresh_checks(checks_source, checks_filename)
    mods = snap["modules"]
    mods["lrlab.course.checks"] = (checks, dict(checks.__dict__))  # the fresh module is the one guarded now
    if "lrlab.checks" in mods:  # the old name (lrlab/_moved.py), if the notebook used it
        mods["lrlab.checks"] = mods["lrlab.course.checks"]
    snap["fresh"] = _module_parts("lrlab.course.checks", checks)
    for parent in ("lrlab.course", "lrlab"):
        if parent in mods and "checks" in mods[parent][1]:
            mods[parent][1]["checks"] = checks
    user_ns = _shell().user_ns
    rebound = []
    for name in names:
        if name not in _STATE["trusted"]:
            continue
        value = _trusted_value(_STATE["trusted"][name], checks)
        live = user_ns.get(name, _MISSING)
        if live is not value:
            if not (_ours(live) and _ours(value)):
                rebound.append(name)
            user_ns[name] = value
    _STATE["expected"] = {name: user_ns.get(name, _MISSING) for name in names}
    return {"patched": sorted(set(patched)), "rebound": rebound}


def after_test(bound=()) -> dict:
    """What student code changed while the test cell ran (nothing is undone here)."""
    changed = _compare(_STATE["snapshot"], fix=False)
    user_ns = _shell().user_ns
    for name, value in _STATE.get("expected", {}).items():
        if name not in bound and user_ns.get(name, _MISSING) is not value:
            changed.append(f"the name {name!r} the test uses was rebound during the test")
    return {"patched": sorted(set(changed))}
