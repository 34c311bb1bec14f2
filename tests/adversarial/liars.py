"""Answers that claim to equal anything: one per kind of value a function can return.

Each is a class of its own (a subclass of ``str``, ``int``, ``float``, ``list``, ``tuple`` or
``numpy.ndarray``, or a plain object) whose instances say ``==`` to everything and ``!=`` to
nothing, and hold a value that is wrong for every exercise. ``source(kind)`` is Python code that
defines it and a factory ``_aeq_value()``; ``answer(kind, names)`` is an answer cell that defines
each function in ``names`` to return such a value whatever it is asked (the notebooks' hostile
class, ``tests/adversarial/lessons.py``); ``make(kind)`` runs the code here and returns
``(value, calls)``, where ``calls`` lists every method of the liar that ran (the unit tests of
``lrlab.course.checks`` check that no check ever runs one).

The plain object is the worst of them: it also converts itself to a different number each time it
is asked (``__float__``, ``__int__``, ``__index__``), claims to be a ``float`` (``__class__``), has a
length, items and an iterator, can be called (returning itself), and is always true.
"""
from __future__ import annotations

KINDS = ("str", "int", "float", "list", "tuple", "ndarray", "object")

PRELUDE = '''\
import numpy as _aeq_np

_aeq_calls = []


def _aeq_yes(self, *args, **kwargs):
    _aeq_calls.append("yes")
    return True


def _aeq_no(self, *args, **kwargs):
    _aeq_calls.append("no")
    return False


class AgreeableFloat(float):
    __eq__ = __le__ = __ge__ = _aeq_yes
    __ne__ = __lt__ = __gt__ = _aeq_no
    __hash__ = float.__hash__
'''

CLASSES = {
    "str": '''\
class AgreeableStr(str):
    __eq__ = __contains__ = _aeq_yes
    __ne__ = _aeq_no
    __hash__ = str.__hash__


def _aeq_value():
    return AgreeableStr("not an answer")
''',
    "int": '''\
class AgreeableInt(int):
    __eq__ = __le__ = __ge__ = _aeq_yes
    __ne__ = __lt__ = __gt__ = _aeq_no
    __hash__ = int.__hash__


def _aeq_value():
    return AgreeableInt(-987654321)
''',
    "float": '''\
def _aeq_value():
    return AgreeableFloat(-98765.4321)
''',
    "list": '''\
class AgreeableList(list):
    __eq__ = __contains__ = _aeq_yes
    __ne__ = _aeq_no
    __hash__ = None


def _aeq_value():
    return AgreeableList([AgreeableFloat(-98765.4321)] * 3)
''',
    "tuple": '''\
class AgreeableTuple(tuple):
    __eq__ = __contains__ = _aeq_yes
    __ne__ = _aeq_no
    __hash__ = tuple.__hash__


def _aeq_value():
    return AgreeableTuple([AgreeableFloat(-98765.4321)] * 3)
''',
    "ndarray": '''\
class AgreeableArray(_aeq_np.ndarray):
    def __eq__(self, other):
        _aeq_calls.append("eq")
        return _aeq_np.ones(self.shape, dtype=bool)

    def __ne__(self, other):
        _aeq_calls.append("ne")
        return _aeq_np.zeros(self.shape, dtype=bool)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _aeq_calls.append("ufunc")  # isclose, subtract, less_equal...: all true
        return _aeq_np.True_

    def __array_function__(self, func, types, args, kwargs):
        _aeq_calls.append("function")  # allclose, array_equal...: all true
        return _aeq_np.True_

    __hash__ = None


def _aeq_value():
    return _aeq_np.full(3, -98765.4321).view(AgreeableArray)
''',
    "object": '''\
class Agreeable:
    """Equal to everything, a different number each time, a float by its own account, callable."""

    _aeq_count = 0
    __eq__ = __le__ = __ge__ = __contains__ = __bool__ = _aeq_yes
    __ne__ = __lt__ = __gt__ = _aeq_no
    __hash__ = object.__hash__

    def _aeq_next(self):
        _aeq_calls.append("number")
        Agreeable._aeq_count += 1
        return Agreeable._aeq_count

    def __float__(self):
        return float(self._aeq_next())

    def __int__(self):
        return self._aeq_next()

    __index__ = __int__

    def __len__(self):
        _aeq_calls.append("len")
        return 3

    def __getitem__(self, index):
        _aeq_calls.append("getitem")
        if isinstance(index, int) and not -3 <= index < 3:
            raise IndexError(index)
        return AgreeableFloat(-98765.4321)

    def __iter__(self):
        _aeq_calls.append("iter")
        return iter([AgreeableFloat(-98765.4321)] * 3)

    def __call__(self, *args, **kwargs):
        _aeq_calls.append("call")
        return self

    @property
    def __class__(self):
        _aeq_calls.append("class")
        return float


def _aeq_value():
    return Agreeable()
''',
}


def source(kind: str) -> str:
    """Code that defines the liar of ``kind`` and ``_aeq_value()``, which returns one."""
    return PRELUDE + "\n\n" + CLASSES[kind]


def answer(kind: str, functions, values=()) -> str:
    """An answer cell: every function in ``functions`` returns the liar, every name in ``values`` is one."""
    lines = [source(kind)]
    for name in functions:
        lines.append(f"\ndef {name}(*args, **kwargs):\n    return _aeq_value()\n")
    for name in values:
        lines.append(f"{name} = _aeq_value()")
    return "\n".join(lines)


def make(kind: str):
    """``(liar, calls)``: an instance, and the list its methods append to when they run."""
    namespace: dict = {}
    exec(compile(source(kind), f"<liar {kind}>", "exec"), namespace)
    return namespace["_aeq_value"](), namespace["_aeq_calls"]
