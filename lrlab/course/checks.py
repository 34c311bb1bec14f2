"""Checks that exercise test cells use to talk to the learner.

A failing check raises ``AssertionError`` with three parts: what was
expected, what came back, and a hint about where to look. The lessons' test
cells call these instead of bare ``assert`` so that every failure reads like
advice rather than a stack trace.

>>> expect_close("x after one step", 4.0, 4.0)
>>> expect_close("x after one step", 6.0, 4.0, hint="check the sign of the update")
Traceback (most recent call last):
...
lrlab.course.checks.LessonCheckError: x after one step: expected 4, got 6. Hint: check the sign of the update

**A learner's value is never trusted to describe itself.** Every check first
copies the answer into an exact built-in value of the kind it expects (a
``float``, ``int``, ``str``, ``list``, ``tuple``, or a fresh ``numpy`` array
of numbers, element by element for containers), without running any code of
the answer's own: it reads the stored value through the built-in type's
methods (``float.__float__``, ``list.__getitem__``...), never through methods
the answer's class may redefine. Only then does it compare. An answer whose
class redefines how it compares or converts itself (``__eq__``, ``__ne__``,
``__float__``, ``__array_ufunc__``, ``__len__``...) cannot be copied
faithfully, and fails with the type it really has:

>>> class Agreeable(str):
...     def __eq__(self, other):
...         return True
...     __ne__ = lambda self, other: False
...     __hash__ = str.__hash__
>>> Agreeable("wrong") == "right"
True
>>> expect_equal("classify(losses)", Agreeable("wrong"), "right")
Traceback (most recent call last):
...
lrlab.course.checks.LessonCheckError: classify(losses): expected a str, got Agreeable (a subclass of str that redefines __eq__, __ne__, __hash__). Hint: return a plain str; the checks never use an answer's own comparisons or conversions

Ordinary values, numpy's included, and subclasses that only add names (a
``namedtuple``) are copied and checked as usual:

>>> import numpy as np
>>> expect_equal("explosion_epoch(...)", np.int64(7), 7)
>>> expect_sequence("positions", (5.0, np.float64(4.0)), [5.0, 4.0])

A test cell that compares a learner's value itself (``==``, ``in``, ``if
got:``, ``got[0]``...) should take a faithful copy first with :func:`plain`
(any kind of value) or with :func:`expect_number`, :func:`expect_int`,
:func:`expect_str`, :func:`expect_numbers` (one kind).
"""
from __future__ import annotations

import collections
import math
import numbers
import types

import numpy as np


class LessonCheckError(AssertionError):
    """An exercise check failed; the message is written for the learner."""


# ------------------------------------------------------------------- faithful copies of an answer

class _Refused(Exception):
    """The value cannot be copied faithfully: ``lie`` says whether its class redefines what we rely on."""

    def __init__(self, described: str, lie: bool):
        super().__init__(described)
        self.described, self.lie = described, lie


_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made by a class statement, not one of C
_TYPE_MRO = type.__dict__["__mro__"]
_TYPE_DICT = type.__dict__["__dict__"]
_TYPE_FLAGS = type.__dict__["__flags__"]
_TYPE_NAME = type.__dict__["__name__"]
#: special names a class may define without changing how its instances compare, convert or print
_HARMLESS = frozenset({
    "__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__slots__", "__annotations__",
    "__annotate__", "__orig_bases__", "__parameters__", "__type_params__", "__match_args__", "__firstlineno__",
    "__static_attributes__", "__classcell__", "__new__", "__init__", "__init_subclass__", "__getnewargs__",
    "__class_getitem__", "__repr__",
})
#: the built-in kinds a subclass is named after in messages, most specific first
_BASES = ((bool, "bool"), (int, "int"), (float, "float"), (complex, "complex"), (str, "str"), (bytes, "bytes"),
          (list, "list"), (tuple, "tuple"), (dict, "dict"), (set, "set"), (frozenset, "frozenset"),
          (np.ndarray, "numpy.ndarray"), (np.generic, "numpy scalar"))
#: the code of the ``_replace`` method every namedtuple class gets; since Python 3.13 the class also
#: holds it as ``__replace__`` (for ``copy.replace``), which changes nothing the checks rely on
_NAMEDTUPLE_REPLACE = collections.namedtuple("_Named", "x")._replace.__code__
_FUNCTION_CODE = types.FunctionType.__dict__["__code__"]
_MAX_DEPTH = 64
#: named first in a message, when a class redefines them
_TELLING = ("__eq__", "__ne__", "__float__", "__int__", "__index__", "__array_ufunc__", "__array_function__",
            "__class__", "__getattribute__")


def _name(cls) -> str:
    return str.__str__(_TYPE_NAME.__get__(cls))  # a class's name may itself be a str subclass


def _is_c_type(cls) -> bool:
    return not (_TYPE_FLAGS.__get__(cls) & _HEAP_TYPE)


def _redefined(cls) -> list[str] | None:
    """The special methods ``cls`` (or a class it inherits from) defines in Python; None for a metaclass trick."""
    found = set()
    for klass in _TYPE_MRO.__get__(cls):
        if _is_c_type(klass):
            continue
        if type(klass) is not type:
            return None
        namespace = _TYPE_DICT.__get__(klass)
        for key in namespace:
            key = str.__str__(key) if issubclass(type(key), str) else "?"
            if key[:2] == "__" == key[-2:] and key not in _HARMLESS:
                if key == "__replace__" and _namedtuple_replace(namespace):
                    continue
                found.add(key)
    return sorted(found)


def _namedtuple_replace(namespace) -> bool:
    """Whether a class's ``__replace__`` is the one ``collections.namedtuple`` writes (Python 3.13+)."""
    method = types.MappingProxyType.get(namespace, "__replace__")
    return type(method) is types.FunctionType and _FUNCTION_CODE.__get__(method) is _NAMEDTUPLE_REPLACE


def _describe(cls, redefined) -> str:
    base = next((label for kind, label in _BASES if issubclass(cls, kind)), None)
    if redefined is None:
        what = f"a subclass of {base} with a metaclass of its own" if base else "an object with a metaclass of its own"
    else:
        ordered = [n for n in _TELLING if n in redefined] + [n for n in redefined if n not in _TELLING]
        names = ", ".join(ordered[:4]) + (f" and {len(ordered) - 4} more" if len(ordered) > 4 else "")
        what = f"a subclass of {base} that redefines {names}" if base else f"an object that defines {names}"
    return f"{_name(cls)} ({what})"


def _trusted(value) -> type:
    """``type(value)``, after making sure that its class redefines nothing (else ``_Refused``)."""
    cls = type(value)
    if not _is_c_type(cls):
        redefined = _redefined(cls)
        if redefined is None or redefined:
            raise _Refused(_describe(cls, redefined), lie=True)
    return cls


def _unsupported(cls) -> _Refused:
    return _Refused(_name(cls), lie=False)


def _copy_array(value) -> np.ndarray:
    """A fresh base ``ndarray`` with ``value``'s data (read by numpy's C code: no method of a subclass runs)."""
    arr = np.array(value, copy=True, subok=False)
    if arr.dtype.kind == "O":  # objects inside: each one is copied like any other value
        items = [_plain(item, 1) for item in arr.ravel().tolist()]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(arr.shape)
    if arr.dtype.kind not in "biufcUS":
        raise _unsupported(type(value))
    return arr


def _plain(value, depth: int = 0):
    """A faithful copy of ``value`` made of built-in types only, or ``_Refused``."""
    if value is None or value is True or value is False:
        return value
    if depth > _MAX_DEPTH:
        raise _Refused("a container nested more than 64 levels deep (or one that contains itself)", lie=False)
    cls = _trusted(value)
    if issubclass(cls, np.ndarray):
        return _copy_array(value)
    if issubclass(cls, np.generic):
        if _is_c_type(cls):
            return value  # numpy's own scalar types are immutable C values
        return _copy_array(value)[()]
    if issubclass(cls, float):
        return float.__float__(value)
    if issubclass(cls, int):
        return int.__int__(value)
    if issubclass(cls, str):
        return str.__str__(value)
    if cls is complex or cls is bytes or cls is range:
        return value
    if issubclass(cls, list):
        return [_plain(list.__getitem__(value, i), depth + 1) for i in range(list.__len__(value))]
    if issubclass(cls, tuple):
        return tuple(_plain(tuple.__getitem__(value, i), depth + 1) for i in range(tuple.__len__(value)))
    if issubclass(cls, dict):
        return {_plain(k, depth + 1): _plain(v, depth + 1) for k, v in list(dict.items(value))}
    if issubclass(cls, (set, frozenset)):
        items = [_plain(item, depth + 1) for item in list(set.__iter__(value) if issubclass(cls, set)
                                                          else frozenset.__iter__(value))]
        return set(items) if issubclass(cls, set) else frozenset(items)
    raise _unsupported(cls)


def _as_float(value):
    """A float from a real number (not a bool); None when ``value`` is faithful but not a number."""
    cls = _trusted(value)
    if value is True or value is False or issubclass(cls, np.bool_):
        return None
    if issubclass(cls, float):
        return float.__float__(value)
    if issubclass(cls, int):
        return float(int.__int__(value))
    if issubclass(cls, (np.integer, np.floating)):
        return float(_plain(value))
    if issubclass(cls, np.ndarray):
        arr = _copy_array(value)
        if arr.shape == () and arr.dtype.kind in "iuf":
            return float(arr[()])
    return None


def _numbers(value, depth: int = 0):
    """``value`` as nested lists of floats (or a fresh float array); ``_Refused`` / ValueError otherwise."""
    if value is None:
        return math.nan  # as numpy reads it: a single missing value
    if depth > _MAX_DEPTH:
        raise _Refused("a container nested more than 64 levels deep (or one that contains itself)", lie=False)
    cls = _trusted(value)
    if value is True or value is False or issubclass(cls, np.bool_):
        return float(value)  # a bool, or numpy's (a C type that cannot be subclassed)
    if issubclass(cls, np.ndarray):
        arr = _copy_array(value)
        if arr.dtype.kind == "O":
            return [_numbers(item, depth + 1) for item in arr.tolist()] if arr.ndim else _numbers(arr[()], depth)
        return arr.astype(float)
    if issubclass(cls, list):
        return [_numbers(list.__getitem__(value, i), depth + 1) for i in range(list.__len__(value))]
    if issubclass(cls, tuple):
        return [_numbers(tuple.__getitem__(value, i), depth + 1) for i in range(tuple.__len__(value))]
    if cls is range:
        return [float(i) for i in value]
    if issubclass(cls, str):
        return float(str.__str__(value))  # "2.5", as numpy reads a string; ValueError otherwise
    number = _as_float(value)
    if number is None:
        raise ValueError("not a number")
    return number


# ------------------------------------------------------------------------------------ messages

def _fmt(value, trusted: bool = False) -> str:
    """``value`` as the learner should read it; never runs code of the value's own (unless ``trusted``)."""
    try:
        value = _plain(value)
    except _Refused as refused:
        if trusted:  # the instructor's own object
            return repr(value)
        return refused.described if refused.lie else f"a {refused.described}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=6, threshold=12)
    if isinstance(value, (list, tuple)) and len(value) > 12:
        head = ", ".join(_fmt(x) for x in value[:5])
        return f"[{head}, ... ({len(value)} items)]"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in value) + "]"
    return repr(value)


def _kind(expected) -> str:
    """How a message names the kind of value ``expected`` is."""
    for cls, label in ((bool, "a bool"), (numbers.Integral, "an int"), (numbers.Real, "a number"),
                       (str, "a str"), (list, "a list"), (tuple, "a tuple"), (np.ndarray, "a numpy array"),
                       (dict, "a dict")):
        if isinstance(expected, cls):
            return label
    return "None" if expected is None else f"a {type(expected).__name__}"


def fail(what: str, expected, got, hint: str | None = None):
    msg = f"{what}: expected {_fmt(expected, trusted=True)}, got {_fmt(got)}."
    if hint:
        msg += f" Hint: {hint}"
    raise LessonCheckError(msg)


def _refuse(what: str, kind: str, refused: _Refused, hint: str | None = None):
    """Fail for a value that could not be copied: a class that lies about itself, or a kind we cannot read."""
    msg = f"{what}: expected {kind}, got {refused.described if refused.lie else 'a ' + refused.described}."
    if refused.lie:
        plain_kind = kind.removeprefix("a ").removeprefix("an ")
        msg += (f" Hint: return a plain {plain_kind}; the checks never use an answer's own comparisons or "
                f"conversions")
    elif hint:
        msg += f" Hint: {hint}"
    raise LessonCheckError(msg)


# --------------------------------------------------------------------------------------- checks

def plain(what: str, got, like=None, hint: str | None = None):
    """A faithful copy of ``got`` made of built-in types (and fresh numpy arrays), safe to compare.

    ``like`` (an example of the expected value) only names the expected kind in the message when
    ``got`` cannot be copied.

    >>> plain("train(0.1)", (1, [2.5, "a"]))
    (1, [2.5, 'a'])
    >>> class Always(list):
    ...     __eq__ = lambda self, other: True
    >>> plain("train(0.1)", Always([1.0]), like=[5.0, 4.0])
    Traceback (most recent call last):
    ...
    lrlab.course.checks.LessonCheckError: train(0.1): expected a list, got Always (a subclass of list that redefines __eq__, __hash__). Hint: return a plain list; the checks never use an answer's own comparisons or conversions
    """
    try:
        return _plain(got)
    except _Refused as refused:
        _refuse(what, _kind(like) if like is not None else "a plain value (a number, str, list, tuple or array)",
                refused, hint)


def expect_number(what: str, got, hint: str | None = None) -> float:
    """``got`` must be a real number (a Python or numpy scalar, not a string, list or None); returns a float.

    >>> class Shifty(float):
    ...     def __float__(self):
    ...         return 4.0
    >>> expect_number("gd_step(5.0, 0.1, 10.0)", Shifty(6.0))
    Traceback (most recent call last):
    ...
    lrlab.course.checks.LessonCheckError: gd_step(5.0, 0.1, 10.0): expected a number, got Shifty (a subclass of float that redefines __float__). Hint: return a plain number; the checks never use an answer's own comparisons or conversions
    """
    try:
        value = _as_float(got)
    except _Refused as refused:
        _refuse(what, "a number", refused, hint or "return the value itself, not a string, list or None")
    if value is None:
        fail(what, "a number", got, hint or "return the value itself, not a string, list or None")
    return value


def expect_int(what: str, got, hint: str | None = None) -> int:
    """``got`` must be a whole number (a Python or numpy int, not a bool or a float); returns an int.

    >>> expect_int("explosion_epoch(...)", np.int32(3))
    3
    >>> expect_int("explosion_epoch(...)", 3.0)
    Traceback (most recent call last):
    ...
    lrlab.course.checks.LessonCheckError: explosion_epoch(...): expected an int, got 3. Hint: the answer should be a whole number (an int)
    """
    hint = hint or "the answer should be a whole number (an int)"
    try:
        value = _plain(got)
    except _Refused as refused:
        _refuse(what, "an int", refused, hint)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise LessonCheckError(f"{what}: expected an int, got {_fmt(value)}. Hint: {hint}")
    return int(value)


def expect_str(what: str, got, hint: str | None = None) -> str:
    """``got`` must be a string; returns a plain ``str``.

    >>> expect_str("classify(losses)", np.str_("good"))
    'good'
    >>> expect_str("classify(losses)", None, hint="return one of the three labels")
    Traceback (most recent call last):
    ...
    lrlab.course.checks.LessonCheckError: classify(losses): expected a str, got None. Hint: return one of the three labels
    """
    try:
        value = _plain(got)
    except _Refused as refused:
        _refuse(what, "a str", refused, hint)
    if not isinstance(value, str):
        raise LessonCheckError(f"{what}: expected a str, got {_fmt(value)}." + (f" Hint: {hint}" if hint else ""))
    return str(value)


def expect_numbers(what: str, got, hint: str | None = None) -> np.ndarray:
    """``got`` must be numbers (a list, tuple or array of them, nested for more dimensions); returns a fresh float array.

    >>> expect_numbers("train(0.1, epochs=2)", [5.0, np.float32(4.0), 3.2])
    array([5. , 4. , 3.2])
    >>> class Flaky:
    ...     calls = 0
    ...     def __float__(self):
    ...         Flaky.calls += 1
    ...         return float(Flaky.calls)
    >>> expect_numbers("train(0.1, epochs=2)", [5.0, Flaky()])
    Traceback (most recent call last):
    ...
    lrlab.course.checks.LessonCheckError: train(0.1, epochs=2): expected a list of numbers, got Flaky (an object that defines __float__). Hint: return a plain list of numbers; the checks never use an answer's own comparisons or conversions
    """
    try:
        return np.array(_numbers(got), dtype=float)
    except _Refused as refused:
        _refuse(what, "a list of numbers", refused, hint)
    except (TypeError, ValueError, OverflowError):
        fail(what, "a list of numbers", got, hint)


def expect_close(what: str, got, expected, *, rtol=1e-9, atol=1e-12, hint: str | None = None) -> None:
    """``got`` must be a number within ``atol + rtol·|expected|`` of ``expected``."""
    value = expect_number(what, got, hint)
    if not math.isclose(value, float(expected), rel_tol=rtol, abs_tol=atol):
        fail(what, expected, got, hint)


def _equal(a, b) -> bool:
    """``a == b`` for two plain values (arrays compared as a whole, lists and tuples item by item)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b)))
        except (TypeError, ValueError):
            return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def expect_equal(what: str, got, expected, hint: str | None = None) -> None:
    """``got == expected`` (for ints, strings and labels), compared on a faithful copy of ``got``.

    >>> class Yes(int):
    ...     __eq__ = lambda self, other: True
    ...     __ne__ = lambda self, other: False
    >>> expect_equal("explosion_epoch(...)", Yes(99), 7)
    Traceback (most recent call last):
    ...
    lrlab.course.checks.LessonCheckError: explosion_epoch(...): expected an int, got Yes (a subclass of int that redefines __eq__, __ne__, __hash__). Hint: return a plain int; the checks never use an answer's own comparisons or conversions
    """
    try:
        value = _plain(got)
    except _Refused as refused:
        if refused.lie:
            _refuse(what, _kind(expected), refused, hint)
        fail(what, expected, got, hint)
    if isinstance(expected, numbers.Integral) and not isinstance(expected, bool):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            fail(what, expected, value, hint or "the answer should be a whole number (an int)")
    if not _equal(value, expected):
        fail(what, expected, value, hint)


def expect_sequence(what: str, got, expected, *, rtol=1e-9, atol=1e-12, hint: str | None = None) -> None:
    """``got`` must be a list/array of the same length as ``expected`` with matching values."""
    arr = expect_numbers(what, got, hint)
    want = np.asarray(expected, dtype=float)
    if arr.shape != want.shape:
        fail(f"{what} (length)", len(want), len(arr) if arr.ndim else got,
             hint or "check how many values you return")
    bad = ~np.isclose(arr, want, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        i = int(np.argmax(bad))
        fail(f"{what}, item {i}", want.flat[i], arr.flat[i], hint)
