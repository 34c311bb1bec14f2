"""The learner's own code: run an answer under a call tracer that fails it when it borrows lrlab's.

Every exercise of lessons 01-08 asks for code the learner writes. Each lesson's checks module
declares, per exercise, the lrlab code that computes that exercise's answer (``OWN_CODE``: the
optimizers' ``step`` for a step exercise, :mod:`lrlab.optim.schedules` for a schedule,
``sensitivity.goldilocks_zone`` for a zone width...). A check hands the learner's function to
:func:`traced` and calls what comes back; while the learner's function runs, a profile function
(``sys.setprofile``) looks at every Python call. A call into declared code ends the call at once
with :class:`Borrowed`, which the wrapper turns into a failed check:

    your answer calls lrlab.studies.sensitivity.goldilocks_zone, the lrlab code that computes this
    exercise's answer. Hint: the exercise asks for your own code ...

The tracer compares the *code object* the interpreter is about to run, so every alias reaches it:
another name, a wrapper function, ``functools.partial``, a lambda, ``getattr``, a module imported
under another name, a function rebuilt from the same code (``types.FunctionType``) or compiled from
its source (equal code objects). What the caller passes to the learner's function is never
forbidden (a schedule handed to ``warmup_then``, the problem handed to ``tune``).

It also ends the call when the answer tries to get out of sight: removing or reading the tracer
(``sys.setprofile``, ``sys.settrace``, ``sys.getprofile``, ``threading.setprofile``), digging in the
garbage collector (``gc.get_objects``, ``gc.get_referrers``, ``gc.get_referents``), starting a thread
or a process (whose calls the tracer would not see), or reaching the interpreter's profiling hooks
through ``ctypes``. A tracer that is gone when the call returns fails the check as well.

Limits, in the same process as the answer: attribute reads are not calls (an answer can read a value
the check computed, e.g. through a traceback's frames, without calling anything); a thread the answer
started *before* the check ran is not traced (the grader's guard notes threads an answer leaves
behind); an lrlab function that is not declared is allowed, so an allowed function that calls what it
is given can carry a declared one. The declared lists are what the checks module says they are: new
lrlab code that does an exercise's job must be added to its exercise's list.
"""
from __future__ import annotations

import functools
import gc
import importlib
import os
import sys
import threading
import types

__all__ = ["Borrowed", "BorrowedAnswer", "PATTERN", "declared", "message", "resolve", "traced"]


class Borrowed(Exception):
    """An answer called code its exercise declares as the answer (or tried to hide from the tracer)."""

    def __init__(self, name: str, tampering: bool = False):
        super().__init__(name)
        self.name, self.tampering = name, tampering


def _tampering_builtins() -> dict:
    found = {sys.setprofile: "sys.setprofile", sys.settrace: "sys.settrace", sys.getprofile: "sys.getprofile",
             sys.gettrace: "sys.gettrace", gc.get_objects: "gc.get_objects", gc.get_referrers: "gc.get_referrers",
             gc.get_referents: "gc.get_referents"}
    import _thread

    found[_thread.start_new_thread] = "_thread.start_new_thread"
    if hasattr(_thread, "start_joinable_thread"):  # what threading.Thread.start calls from Python 3.13 on
        found[_thread.start_joinable_thread] = "_thread.start_joinable_thread"
    for name in ("fork", "forkpty", "system", "posix_spawn", "posix_spawnp", "execv", "execve", "popen"):
        if hasattr(os, name):
            found[getattr(os, name)] = f"os.{name}"
    try:
        import _posixsubprocess

        found[_posixsubprocess.fork_exec] = "subprocess (_posixsubprocess.fork_exec)"
    except ImportError:  # not on this platform
        pass
    return found


#: taken when the lessons import this module, before any answer runs (an answer may rebind ``sys.setprofile``)
_SETPROFILE, _GETPROFILE = sys.setprofile, sys.getprofile


def _tampering_code() -> dict:
    out = {}
    for name in ("setprofile", "settrace", "getprofile", "gettrace"):
        fn = getattr(threading, name, None)
        if isinstance(fn, types.FunctionType):
            out[fn.__code__] = f"threading.{name}"
    return out


_TAMPERING = types.MappingProxyType(_tampering_builtins())


def _codes(fn_or_code, name: str, out: dict) -> None:
    """Add the code of a function and every function nested in it (closures a factory returns) to ``out``."""
    code = fn_or_code if isinstance(fn_or_code, types.CodeType) else fn_or_code.__code__
    out.setdefault(code, name)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _codes(const, f"{name}.<locals>.{const.co_name}", out)


def _functions_of(value):
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if f is not None]
    while isinstance(value, functools.partial):
        value = value.func
    return [value] if isinstance(value, types.FunctionType) else []


def _add(obj, name: str, out: dict, seen: set) -> None:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, types.ModuleType):
        for attr, value in list(vars(obj).items()):
            if getattr(value, "__module__", None) == obj.__name__ and isinstance(value, (type, types.FunctionType)):
                _add(value, f"{obj.__name__}.{attr}", out, seen)
    elif isinstance(obj, type):
        for attr, value in vars(obj).items():
            for fn in _functions_of(value):
                _add(fn, f"{name}.{attr}", out, seen)
    elif isinstance(obj, types.CodeType):
        _codes(obj, name, out)
    else:
        for fn in _functions_of(obj):
            _codes(fn, name, out)
            if hasattr(fn, "__wrapped__"):
                _add(fn.__wrapped__, name, out, seen)


def resolve(names, namespace=None) -> dict:
    """``{code object: dotted name}`` of the lrlab code ``names`` denote (modules, classes, functions).

    A dotted name is imported (``lrlab.studies.sensitivity.goldilocks_zone``); a plain name is looked
    up in ``namespace`` (a checks module's own helpers); a code object or function is taken as it is.
    """
    out, seen = {}, set()
    for name in names:
        if isinstance(name, (types.FunctionType, types.CodeType)):
            label = getattr(name, "__qualname__", None) or name.co_qualname
            _add(name, f"{(namespace or {}).get('__name__', 'lrlab')}.{label}", out, seen)
            continue
        if "." not in name:
            _add(namespace[name], f"{namespace['__name__']}.{name}", out, seen)
            continue
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            for attr in parts[i:]:
                obj = getattr(obj, attr)
            break
        else:
            raise ImportError(f"no module for {name!r}")
        _add(obj, name, out, seen)
    return out


def declared(own_code, exercise: str) -> tuple:
    """The names ``own_code`` (a checks module's ``OWN_CODE``) declares for ``exercise``."""
    for name, names in own_code:
        if name == exercise:
            return tuple(names)
    raise KeyError(f"no exercise {exercise!r} in OWN_CODE")


def _given(args, out: dict) -> None:
    """Codes of what the caller hands the learner's function: always allowed."""
    for value in args:
        if isinstance(value, (types.FunctionType, types.MethodType, functools.partial)) or (
                callable(value) and not isinstance(value, type)):
            fn = value.__func__ if isinstance(value, types.MethodType) else value
            for f in _functions_of(fn):
                _codes(f, "", out)
            if not isinstance(fn, types.FunctionType):
                _add(type(fn), "", out, set())
                for attr in getattr(fn, "__dict__", {}).values():
                    for f in _functions_of(attr):
                        _codes(f, "", out)
        elif getattr(type(value), "__module__", "").startswith("lrlab"):
            _add(type(value), "", out, set())


def _ctypes_hooks() -> list[str]:
    ctypes = sys.modules.get("ctypes")
    api = getattr(ctypes, "pythonapi", None) if ctypes is not None else None
    names = list(vars(api)) if api is not None else []
    return [n for n in names if "Profile" in n or "Trace" in n or "Monitoring" in n]


class BorrowedAnswer(BaseException):
    """A check failed because the answer called lrlab's code for it (or hid from the tracer).

    A ``BaseException``, like ``KeyboardInterrupt``: no ``except Exception`` in a check or in the
    answer turns it into a pass.
    """


def message(exercise: str, name: str, tampering: bool) -> str:
    """What the learner reads (the grader finds ``name`` in it: :data:`PATTERN`)."""
    if tampering:
        return (f"{exercise}: your answer called {name} while the checks ran it. Hint: the checks run your "
                f"function under a call tracer; an answer may not remove or read it, dig in the garbage "
                f"collector, or start a thread or a process")
    return (f"{exercise}: your answer calls {name}, lrlab's own code for this exercise's answer. Hint: the "
            f"exercise asks for your own code; its statement says what you may use")


#: finds ``(name, kind)`` in a failed test's output: kind "calls" (borrowed) or "called" (tampering)
PATTERN = r"your answer (calls|called) (\S+?),? (?:lrlab's own code|while the checks ran it)"


def _run(fn, forbidden: dict, args, kwargs, given=()):
    """``fn(*args, **kwargs)`` under the tracer; raises :class:`Borrowed` on the first forbidden call."""
    allowed = {}
    _given(list(args) + list(kwargs.values()) + list(given), allowed)
    banned = types.MappingProxyType({**{code: name for code, name in forbidden.items() if code not in allowed},
                                     **_tampering_code()})
    builtins = _TAMPERING
    # The tracer runs on every call and return of the answer: a membership test in a frozenset is an
    # operator, not a method call, so the common case (nothing forbidden) costs the least it can.
    banned_codes, builtin_fns = frozenset(banned), frozenset(builtins)
    found = []
    own = _run.__code__  # this function's own calls (reading the tracer back) are not the answer's

    def tracer(frame, event, arg):
        if event == "call":
            if frame.f_code in banned_codes:
                name = banned[frame.f_code]
                found.append((name, name.startswith("threading.")))
                raise Borrowed(name, name.startswith("threading."))
        elif event == "c_call":
            try:
                hit = arg in builtin_fns
            except TypeError:  # an unhashable callable is none of ours
                hit = False
            if hit and frame.f_code is not own:
                name = builtins[arg]
                found.append((name, True))
                raise Borrowed(name, True)

    hooks = _ctypes_hooks()
    if hooks:
        raise Borrowed(f"ctypes.pythonapi.{hooks[0]}", True)
    previous = _GETPROFILE()
    _SETPROFILE(tracer)
    try:
        result = fn(*args, **kwargs)
    except BaseException:
        if found:
            raise Borrowed(*found[0]) from None
        raise
    finally:
        still = _GETPROFILE() is tracer
        _SETPROFILE(previous)
    if found:
        raise Borrowed(*found[0])
    if not still:
        raise Borrowed("sys.setprofile", True)
    hooks = _ctypes_hooks()
    if hooks:
        raise Borrowed(f"ctypes.pythonapi.{hooks[0]}", True)
    return result


def traced(fn, exercise: str, own_code, namespace, *references):
    """``fn`` (the learner's function for ``exercise``) wrapped so that each call runs under the tracer.

    ``own_code`` is the checks module's ``OWN_CODE``, ``namespace`` its globals (for the plain names it
    declares), ``references`` the check's own reference solutions (nested in the check, so that no
    import reaches them). A borrowed call raises :class:`BorrowedAnswer` with :func:`message`. A
    callable the learner's function returns (a schedule ``lr_at``) is wrapped the same way, with what
    the first call was handed still allowed.
    """
    if not callable(fn):
        return fn
    forbidden = resolve(declared(own_code, exercise), namespace)
    forbidden.update(resolve(references, namespace))

    def wrap(answer, given):
        def call(*args, **kwargs):
            try:
                result = _run(answer, forbidden, args, kwargs, given)
            except Borrowed as err:
                raise BorrowedAnswer(message(exercise, err.name, err.tampering)) from None
            if callable(result) and not isinstance(result, type):
                return wrap(result, given + args + tuple(kwargs.values()))
            return result

        call.__name__ = getattr(answer, "__name__", exercise)
        return call

    return wrap(fn, ())
