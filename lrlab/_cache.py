"""Results of lrlab's costly studies, read back instead of computed again when the same call comes twice.

A lesson trains hundreds of small networks; executing it again (a class of fifty graded, a test suite
that runs each lesson several times) trains them again and gets the same bits, because every study is
seeded. ``@cached`` on such a function keeps its result, keyed by everything that decides it:

* the source of the whole ``lrlab`` package, numpy's and Python's versions (a changed line of lrlab
  is a new key, never a stale result);
* the function, its default values, and the full value of every argument: numbers, strings, arrays
  (their bytes), containers, lrlab objects (their attributes, recursively) and lrlab functions and
  lambdas (their code, defaults and closures). An argument that cannot be written down that way (a learner's own
  function, a random generator, an open file...) makes the call an ordinary, uncached one.

Faithful to the call, not only to its return value: an lrlab object the call changes (an optimizer's
state advances in ``engine.train``) is given the same attributes on a cached call; a call that changes
an array or a container it was given is never cached. The result and those attributes are pickled
with references to the caller's own objects kept as references.

What the key does not hold: lrlab's module-level constants and functions as a notebook may have
reassigned them at run time (hashing every module's state would cost about 15 ms a call). The cache
assumes lrlab is as its source says; a notebook that reassigns, say, ``mistakes.EPOCHS`` should not run
with it on. It is off in a learner's own kernel; in a graded kernel only the teaching cells read it.

Off unless asked for, and never for what decides points:

* ``LRLAB_STUDY_CACHE=<folder>`` turns it on in a process (the test suite sets it for the kernels it
  starts); results are written there and read back;
* ``preload(folder)`` loads a folder's results into memory (``lrlab grade``'s kernel template does
  this before it forks each student's kernel: the sandboxed kernel reads memory, never the folder);
* a call made while a check of an exercise, lrlab's grader or a profiler (the own-code tracer) is
  running is always computed: what decides a learner's points is never read from a cache.
"""
from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import struct
import sys
import tempfile
import types
from pathlib import Path

import numpy as np

ENV = "LRLAB_STUDY_CACHE"
#: results loaded by ``preload``: key -> pickled entry
MEMORY: dict[str, bytes] = {}
#: calls from these modules are never served from the cache
_GUARDED = ("lrlab.course.exercises", "lrlab.course.checks", "lrlab.course.owncode", "lrlab.grading")
_MAX_BYTES = 256 * 1024 * 1024
_state = {"off": False, "source": None, "depth": 0}
stats = {"hits": 0, "stored": 0, "computed": 0}


class Uncacheable(Exception):
    """An argument whose whole value cannot be written down: the call is computed."""


def disable() -> None:
    """Never use the cache in this process (the test runner: its tests patch lrlab and call studies)."""
    _state["off"] = True


def enable() -> None:
    _state["off"] = False


def folder() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value) if value else None


def _active() -> bool:
    return not _state["off"] and (bool(MEMORY) or folder() is not None)


def _guarded() -> bool:
    """A check, the grader or a profiler is running. The stack is read first: under lrlab's own-code
    tracer (a check's frame is below) ``sys.getprofile`` is never called, since the tracer counts that
    call as tampering."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__") or ""
        if name.startswith(_GUARDED):
            return True
        frame = frame.f_back
    return sys.getprofile() is not None


def _lrlab(module) -> bool:
    return isinstance(module, str) and (module == "lrlab" or module.startswith("lrlab."))


def source_digest() -> str:
    """sha256 of every Python file of the lrlab package, with numpy's and Python's versions."""
    if _state["source"] is None:
        root = Path(__file__).resolve().parent
        h = hashlib.sha256(f"{np.__version__} {sys.version}".encode())
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
        _state["source"] = h.hexdigest()
    return _state["source"]


def _is_object(obj) -> bool:
    """An lrlab object whose state is its attribute dict (what the cache reads and restores)."""
    cls = type(obj)
    return (_lrlab(cls.__module__) and "<locals>" not in cls.__qualname__ and hasattr(obj, "__dict__")
            and not isinstance(obj, (type, types.FunctionType, types.MethodType, dict, list, set, tuple, np.ndarray,
                                     str, bytes, int, float))  # a container's items are not in its __dict__
            and not getattr(cls, "__slots__", ()))


class _Writer:
    """Writes a value down as bytes; lrlab objects as references, each one's attributes separately."""

    def __init__(self):
        self.objects: list = []
        self.index: dict[int, int] = {}

    def digest(self, value) -> bytes:
        h = hashlib.sha256()
        self._feed(h, value, 0)
        return h.digest()

    def object_digests(self) -> list[bytes]:
        out, i = [], 0
        while i < len(self.objects):  # feeding an object's attributes may meet more objects
            obj = self.objects[i]
            h = hashlib.sha256(f"{type(obj).__module__}.{type(obj).__qualname__}".encode())
            self._feed(h, vars(obj), 0)
            out.append(h.digest())
            i += 1
        return out

    def _feed(self, h, obj, depth):
        if depth > 60:
            raise Uncacheable("nested too deeply")
        put = h.update
        t = type(obj)
        if obj is None or t is bool:
            put(b"N" if obj is None else (b"T" if obj else b"F"))
        elif t is int:
            put(b"i" + str(obj).encode() + b";")
        elif t is float:
            put(b"f" + struct.pack("<d", obj))
        elif t is complex:
            put(b"c" + struct.pack("<dd", obj.real, obj.imag))
        elif t is str:
            data = obj.encode("utf-8", "surrogatepass")
            put(b"s" + str(len(data)).encode() + b":" + data)
        elif t is bytes:
            put(b"b" + str(len(obj)).encode() + b":" + obj)
        elif t in (tuple, list):
            put((b"(" if t is tuple else b"[") + str(len(obj)).encode() + b":")
            for item in obj:
                self._feed(h, item, depth + 1)
        elif t is dict:
            put(b"{" + str(len(obj)).encode() + b":")
            for k, val in obj.items():  # insertion order is part of a dict's value for iteration
                self._feed(h, k, depth + 1)
                self._feed(h, val, depth + 1)
        elif t in (set, frozenset):
            put(b"S" + str(len(obj)).encode() + b":")
            for d in sorted(_Writer().digest(item) for item in obj):
                put(d)
        elif t in (range, slice):
            put(b"r" if t is range else b"l")
            self._feed(h, (obj.start, obj.stop, obj.step), depth + 1)
        elif t is np.ndarray:
            if obj.dtype.hasobject:
                raise Uncacheable("an array of Python objects")
            put(b"a" + obj.dtype.str.encode() + repr(obj.shape).encode())
            put(np.ascontiguousarray(obj).tobytes())
        elif isinstance(obj, np.generic):
            put(b"g" + obj.dtype.str.encode() + obj.tobytes())
        elif t is np.dtype:
            put(b"d" + obj.str.encode())
        elif t is types.FunctionType:
            self._function(h, obj, depth)
        elif t is types.MethodType:
            put(b"m")
            self._feed(h, obj.__func__, depth + 1)
            self._feed(h, obj.__self__, depth + 1)
        elif t is functools.partial:
            put(b"p")
            self._feed(h, (obj.func, obj.args, obj.keywords), depth + 1)
        elif t in (types.BuiltinFunctionType, np.ufunc) or isinstance(obj, type):
            module = getattr(obj, "__module__", None) or ("numpy" if t is np.ufunc else None)
            if not (_lrlab(module) or module in ("builtins", "math", "numpy")) \
                    or "<locals>" in getattr(obj, "__qualname__", "<locals>"):
                raise Uncacheable(f"{obj!r}")
            put(b"B" + f"{module}.{obj.__qualname__ if hasattr(obj, '__qualname__') else obj.__name__};".encode())
        elif isinstance(obj, tuple) and _lrlab(t.__module__) and "<locals>" not in t.__qualname__:
            put(b"n" + f"{t.__module__}.{t.__qualname__};".encode())  # a named tuple of lrlab's
            self._feed(h, tuple(obj), depth + 1)
        elif _is_object(obj):
            if id(obj) not in self.index:
                self.index[id(obj)] = len(self.objects)
                self.objects.append(obj)
            put(b"o" + str(self.index[id(obj)]).encode() + b";")
        else:
            raise Uncacheable(f"an argument of type {t.__module__}.{t.__qualname__}")

    def _function(self, h, fn, depth):
        if not _lrlab(fn.__module__):  # a learner's or another library's function: its globals are unknown
            raise Uncacheable(f"function {fn.__module__}.{fn.__qualname__}")
        h.update(b"L" + f"{fn.__module__}.{fn.__qualname__};".encode())
        self._code(h, fn.__code__)
        self._feed(h, fn.__defaults__, depth + 1)
        self._feed(h, fn.__kwdefaults__, depth + 1)
        cells = fn.__closure__ or ()
        try:
            contents = tuple(c.cell_contents for c in cells)
        except ValueError:
            raise Uncacheable("a closure cell not yet filled") from None
        self._feed(h, contents, depth + 1)

    def _code(self, h, code):
        h.update(code.co_code + repr(code.co_names).encode())
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                self._code(h, const)
            else:
                h.update(repr(const).encode())


class _Pickler(pickle.Pickler):
    """Pickles the caller's own lrlab objects as references (their index in the call's arguments).

    A subclass with methods: from Python 3.13 on, ``persistent_id`` cannot be set on a pickler instance."""

    def __init__(self, file, known: dict):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.known = known

    def persistent_id(self, obj):
        return self.known.get(id(obj)) if _is_object(obj) else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, objects: list):
        super().__init__(file)
        self.objects = objects

    def persistent_load(self, index):
        return self.objects[index]


class _Call:
    """The written-down arguments of one call: its key and the lrlab objects it was given."""

    def __init__(self, name: str, args, kwargs, defaults=(None, None)):
        writer = _Writer()
        self.defaults = defaults  # the function's default values: a list default changed in place is another call
        self.structure = writer.digest((args, kwargs, defaults))
        self.digests = writer.object_digests()
        self.objects = writer.objects
        h = hashlib.sha256((source_digest() + "\0" + name).encode())
        h.update(self.structure)
        for d in self.digests:
            h.update(d)
        self.key = h.hexdigest()

    def entry(self, args, kwargs, result) -> bytes | None:
        """The pickled result and the new attributes of every object the call changed; None if the call
        changed something else it was given (an array, a list...), or the result cannot be pickled."""
        try:
            after = _Writer()
            if after.digest((args, kwargs, self.defaults)) != self.structure:
                return None
            now = {id(o): d for o, d in zip(after.objects, after.object_digests())}
        except Uncacheable:
            return None
        changed = {i: vars(o) for i, (o, d) in enumerate(zip(self.objects, self.digests)) if now.get(id(o)) != d}
        buffer = io.BytesIO()
        try:
            _Pickler(buffer, {id(o): i for i, o in enumerate(self.objects)}).dump((result, changed))
        except Exception:  # noqa: BLE001 - a result pickle cannot write is computed next time too
            return None
        data = buffer.getvalue()
        return data if len(data) <= _MAX_BYTES else None

    def replay(self, data: bytes):
        result, changed = _Unpickler(io.BytesIO(data), self.objects).load()
        for index, attributes in changed.items():
            state = vars(self.objects[index])
            state.clear()
            state.update(attributes)
        return result


def _path(key: str) -> Path | None:
    base = folder()
    return base / source_digest()[:16] / f"{key}.pickle" if base is not None else None


def _read(key: str) -> bytes | None:
    data = MEMORY.get(key)
    if data is None and (path := _path(key)) is not None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
    return data


def _write(key: str, data: bytes) -> None:
    path = _path(key)
    if path is None:
        return
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        stats["stored"] += 1
    except OSError:  # a read-only or full folder: the result is simply not kept
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def preload(base: Path) -> int:
    """Load every result kept under ``base`` for this lrlab source into memory; returns how many."""
    count = 0
    for path in (Path(base) / source_digest()[:16]).glob("*.pickle"):
        try:
            MEMORY[path.stem] = path.read_bytes()
            count += 1
        except OSError:
            pass
    return count


def cached(fn):
    """Serve ``fn``'s calls from the cache when it is on (see the module docstring); otherwise call it."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if not _active() or _state["depth"] or _guarded():  # inside a cached call: the outer one is kept
            return fn(*args, **kwargs)
        try:
            this = _Call(name, args, kwargs, (fn.__defaults__, fn.__kwdefaults__))
        except Uncacheable:
            return fn(*args, **kwargs)
        data = _read(this.key)
        if data is not None:
            try:
                result = this.replay(data)
                stats["hits"] += 1
                return result
            except Exception:  # noqa: BLE001 - an unreadable entry: compute instead
                pass
        _state["depth"] += 1
        try:
            result = fn(*args, **kwargs)
        finally:
            _state["depth"] -= 1
        stats["computed"] += 1
        data = this.entry(args, kwargs, result)
        if data is not None:
            _write(this.key, data)
        return result

    # a code object of its own, named after ``fn``: the own-code tracer tells functions apart by their code,
    # and a learner's answer that calls one cached function must not count as calling another
    call.__code__ = call.__code__.replace(co_name=name, co_qualname=name)
    call.uncached = fn
    return call
