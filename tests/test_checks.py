"""``lrlab.course.checks`` cannot be talked into a pass: answers that claim equality, or lie about their value.

Every check is tried with an answer of each kind that says ``==`` to everything (``tests/adversarial/
liars.py``: subclasses of str, int, float, list, tuple and numpy.ndarray, and a plain object that
also converts itself to a different number each time) and with further tricks (a ``__float__``
that reads the expected value from the caller's frame, a class with a metaclass of its own, items
that lie inside an honest list). Each must fail with the type the answer really has, and none may
run a single method of the answer. Ordinary values keep their usual messages.
"""
import collections
import re
import sys

import numpy as np
import pytest

from adversarial import liars
from lrlab.course import checks
from lrlab.course.checks import LessonCheckError

#: (check, expected value) pairs: every check, and expect_equal with each kind of expected value
CHECKS = {
    "expect_number": lambda got: checks.expect_number("f(1)", got),
    "expect_close": lambda got: checks.expect_close("f(1)", got, 4.0),
    "expect_int": lambda got: checks.expect_int("f(1)", got),
    "expect_str": lambda got: checks.expect_str("f(1)", got),
    "expect_numbers": lambda got: checks.expect_numbers("f(1)", got),
    "expect_sequence": lambda got: checks.expect_sequence("f(1)", got, [5.0, 4.0, 3.2]),
    "expect_equal int": lambda got: checks.expect_equal("f(1)", got, 7),
    "expect_equal float": lambda got: checks.expect_equal("f(1)", got, 0.5),
    "expect_equal str": lambda got: checks.expect_equal("f(1)", got, "good"),
    "expect_equal list": lambda got: checks.expect_equal("f(1)", got, [5.0, 4.0, 3.2]),
    "expect_equal tuple": lambda got: checks.expect_equal("f(1)", got, (0.5, 0.25)),
    "expect_equal None": lambda got: checks.expect_equal("f(1)", got, None),
    "expect_equal array": lambda got: checks.expect_equal("f(1)", got, np.array([5.0, 4.0, 3.2])),
    "plain": lambda got: checks.plain("f(1)", got),
    "fail": lambda got: checks.fail("f(1)", 4.0, got, "a hint"),
}
CLASS_NAME = {"str": "AgreeableStr", "int": "AgreeableInt", "float": "AgreeableFloat", "list": "AgreeableList",
              "tuple": "AgreeableTuple", "ndarray": "AgreeableArray", "object": "Agreeable"}
EXPECTED_KIND = {"expect_number": "a number", "expect_close": "a number", "expect_int": "an int",
                 "expect_str": "a str", "expect_numbers": "a list of numbers", "expect_sequence": "a list of numbers",
                 "expect_equal int": "an int", "expect_equal float": "a number", "expect_equal str": "a str",
                 "expect_equal list": "a list", "expect_equal tuple": "a tuple", "expect_equal None": "None",
                 "expect_equal array": "a numpy array"}


@pytest.mark.parametrize("kind", liars.KINDS)
def test_the_liar_really_claims_equality_with_anything(kind):
    liar, calls = liars.make(kind)
    assert bool(np.all(liar == "a value it does not hold")) and not bool(np.any(liar != 12345)) and calls


@pytest.mark.parametrize("check", sorted(CHECKS))
@pytest.mark.parametrize("kind", liars.KINDS)
def test_no_check_accepts_an_answer_that_claims_equality(kind, check):
    liar, calls = liars.make(kind)
    with pytest.raises(LessonCheckError) as failure:
        CHECKS[check](liar)
    message = str(failure.value)
    if check != "fail":
        assert f"expected {EXPECTED_KIND.get(check, 'a plain value (a number, str, list, tuple or array)')}, got " \
            in message, message
    inside = kind in ("list", "tuple") and check in ("expect_numbers", "expect_sequence")
    assert (f"got {CLASS_NAME[kind]} (" in message) or (inside and "got AgreeableFloat (" in message), message
    assert re.search(r"(re)?defines __eq__, __ne__", message), message
    assert calls == [], f"the check ran the answer's own {calls}"


@pytest.mark.parametrize("kind", liars.KINDS)
def test_a_liar_inside_an_honest_container_is_found_item_by_item(kind):
    liar, calls = liars.make(kind)
    objects = np.empty(2, dtype=object)
    objects[0], objects[1] = 1.0, liar
    containers = ([1.0, liar], (liar,), {"key": liar}, objects, [[liar]])
    assert calls == []
    for container in containers:
        with pytest.raises(LessonCheckError, match=f"got {CLASS_NAME[kind]} \\("):
            checks.plain("f(1)", container)
        if not isinstance(container, dict):
            with pytest.raises(LessonCheckError, match=r"expected a list of numbers, got Agreeable\w* \("):
                checks.expect_sequence("f(1)", container, [1.0, 2.0])
    assert calls == []


def test_a_float_that_reads_the_expected_value_from_the_callers_frame_is_never_asked():
    class Snoop(float):
        def __float__(self):
            frame = sys._getframe(1)
            while frame is not None:
                for name in ("expected", "want"):
                    if name in frame.f_locals:
                        return float(frame.f_locals[name])
                frame = frame.f_back
            return 0.0

    assert float(Snoop(6.0)) == 0.0  # no caller holds an expected value here
    with pytest.raises(LessonCheckError, match=r"expected a number, got Snoop \(a subclass of float that redefines "
                                               r"__float__\)"):
        checks.expect_close("gd_step(5.0, 0.1, 10.0)", Snoop(6.0), 4.0)


def test_an_object_with_a_different_float_each_time_is_refused():
    class Flaky:
        count = 0

        def __float__(self):
            Flaky.count += 1
            return float(Flaky.count)

    with pytest.raises(LessonCheckError, match=r"expected a number, got Flaky \(an object that defines __float__\)"):
        checks.expect_close("f(1)", Flaky(), 1.0)
    assert Flaky.count == 0


def test_an_object_that_claims_to_be_a_float_is_judged_by_its_real_type():
    class Claims:
        @property
        def __class__(self):
            raise AssertionError("the check asked the answer for its class")

    with pytest.raises(LessonCheckError, match=r"got Claims \(an object that defines __class__\)"):
        checks.expect_number("f(1)", Claims())


def test_a_class_with_a_metaclass_of_its_own_is_refused():
    class Meta(type):
        def __instancecheck__(cls, instance):
            raise AssertionError("ran")

    class Tricky(float, metaclass=Meta):
        pass

    with pytest.raises(LessonCheckError, match=r"got Tricky \(a subclass of float with a metaclass of its own\)"):
        checks.expect_close("f(1)", Tricky(4.0), 4.0)


def test_methods_added_to_a_class_after_it_was_made_count_too():
    class Later(int):
        pass

    checks.expect_equal("f(1)", Later(7), 7)  # nothing redefined: copied and checked
    Later.__eq__ = lambda self, other: True
    with pytest.raises(LessonCheckError, match=r"got Later \(a subclass of int that redefines __eq__\)"):
        checks.expect_equal("f(1)", Later(8), 7)


def test_a_list_that_contains_itself_fails_cleanly():
    loop = [1.0]
    loop.append(loop)
    with pytest.raises(LessonCheckError, match="nested more than 64 levels"):
        checks.plain("f(1)", loop)
    with pytest.raises(LessonCheckError):
        checks.expect_sequence("f(1)", loop, [1.0, 2.0])


def test_values_that_only_add_names_are_checked_as_usual():
    point = collections.namedtuple("Point", "k_star L gain_limit")(0.56, 50.0, 0.04)

    class Honest(np.ndarray):
        pass

    class Tagged(float):
        unit = "°C"

    checks.expect_sequence("shower_as_quadratic(...)", point, [0.56, 50.0, 0.04])
    checks.expect_equal("f(1)", point, (0.56, 50.0, 0.04))
    checks.expect_sequence("f(1)", np.arange(3.0).view(Honest), [0.0, 1.0, 2.0])
    checks.expect_close("f(1)", Tagged(4.0), 4.0)
    assert type(checks.plain("f(1)", point)) is tuple and type(checks.expect_number("f(1)", Tagged(4.0))) is float


def test_a_namedtuple_passes_on_every_python_but_a_replace_of_its_own_does_not():
    """Since Python 3.13 every namedtuple class holds ``__replace__``: that one is accepted, nothing else."""
    Point = collections.namedtuple("Point", "k_star L")
    checks.expect_equal("f(1)", Point(0.56, 50.0), (0.56, 50.0))

    class Swapped(Point):
        def __replace__(self, **changes):
            return self

    class Lying(Point):
        __replace__ = Point._replace

        def __eq__(self, other):
            return True

        __hash__ = tuple.__hash__

    with pytest.raises(LessonCheckError, match=r"Swapped \(a subclass of tuple that redefines __replace__\)"):
        checks.expect_equal("f(1)", Swapped(0.56, 50.0), (0.56, 50.0))
    with pytest.raises(LessonCheckError, match="redefines __eq__"):
        checks.expect_equal("f(1)", Lying(1.0, 2.0), (0.56, 50.0))


@pytest.mark.parametrize("got", [4.0, 4, np.float64(4.0), np.float32(4.0), np.int64(4), np.array(4.0)])
def test_numbers_of_every_ordinary_kind_pass(got):
    checks.expect_close("f(1)", got, 4.0)
    assert type(checks.expect_number("f(1)", got)) is float


@pytest.mark.parametrize("got", [[5.0, 4.0], (5, 4), np.array([5.0, 4.0]), [np.float64(5.0), np.int32(4)],
                                 range(5, 3, -1), np.array([5, 4], dtype=np.int8)])
def test_sequences_of_every_ordinary_kind_pass(got):
    checks.expect_sequence("f(1)", got, [5.0, 4.0])
    out = checks.expect_numbers("f(1)", got)
    assert type(out) is np.ndarray and out.dtype == float and not np.shares_memory(out, np.asarray(got))


@pytest.mark.parametrize("call, message", [
    (lambda: checks.expect_close("x", 6.0, 4.0, hint="h"), "x: expected 4, got 6. Hint: h"),
    (lambda: checks.expect_close("x", None, 4.0), "x: expected 'a number', got None. Hint: return the value "
                                                  "itself, not a string, list or None"),
    (lambda: checks.expect_close("x", "4", 4.0), "x: expected 'a number', got '4'. Hint: return the value itself, "
                                                 "not a string, list or None"),
    (lambda: checks.expect_close("x", True, 1.0), "x: expected 'a number', got True. Hint: return the value "
                                                  "itself, not a string, list or None"),
    (lambda: checks.expect_equal("x", 5, 4, hint="h"), "x: expected 4, got 5. Hint: h"),
    (lambda: checks.expect_equal("x", 4.0, 4), "x: expected 4, got 4. Hint: the answer should be a whole number "
                                               "(an int)"),
    (lambda: checks.expect_equal("x", "bad", "good", hint="h"), "x: expected 'good', got 'bad'. Hint: h"),
    (lambda: checks.expect_sequence("x", [5.0, 4.0], [5.0, 4.0, 3.2]), "x (length): expected 3, got 2. Hint: check "
                                                                       "how many values you return"),
    (lambda: checks.expect_sequence("x", None, [5.0, 4.0]), "x (length): expected 2, got None. Hint: check how "
                                                            "many values you return"),
    (lambda: checks.expect_sequence("x", [5.0, 4.5], [5.0, 4.0], hint="h"), "x, item 1: expected 4, got 4.5. "
                                                                            "Hint: h"),
    (lambda: checks.expect_sequence("x", "abc", [5.0], hint="h"), "x: expected 'a list of numbers', got 'abc'. "
                                                                  "Hint: h"),
    (lambda: checks.expect_sequence("x", {}, [5.0], hint="h"), "x: expected 'a list of numbers', got {}. Hint: h"),
])
def test_ordinary_wrong_answers_keep_their_messages(call, message):
    with pytest.raises(LessonCheckError) as failure:
        call()
    assert str(failure.value) == message


def test_the_checks_module_runs_when_the_grader_recreates_it_from_source():
    """The guard re-creates lrlab.course.checks from its source before every test cell (``guard._fresh_checks``)."""
    namespace = {"__name__": "lrlab.course.checks"}
    exec(compile(open(checks.__file__).read(), checks.__file__, "exec"), namespace)
    liar, calls = liars.make("float")
    with pytest.raises(namespace["LessonCheckError"], match="got AgreeableFloat"):
        namespace["expect_close"]("f(1)", liar, 4.0)
    assert calls == []
