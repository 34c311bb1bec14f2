"""Lessons 01 and 02 in a real JupyterLab, used the way a learner uses them.

Each test opens a solution notebook, runs it with Run → Run All Cells, moves the lesson's
control with the keyboard and checks that the readout says what lrlab computes for the new
setting, that the plot changes, and that going back restores the same text and the very
same PNG. The last test works in a student notebook: it types an answer into an exercise
and runs the exercise's test cell.
"""
import pytest
from playwright.sync_api import expect

from .jlab import (ERROR_OUTPUT, code_cell, control, open_notebook, press, replace_source, run_all, run_cell,
                   snapshot, wait_for_update)
from lrlab.studies import shower
from lrlab.train.engine import sweep
from lrlab.problems import Quadratic1D

pytestmark = pytest.mark.slow

LESSON_01 = "solutions/01-shower-knob/01-shower-knob.ipynb"
LESSON_02 = "solutions/02-three-learning-rates/02-three-learning-rates.ipynb"
NOTCH = 10 ** 0.05  # one arrow-key step of a log slider


def shower_says(gain, delay, steps):
    """The shower control's readout, from lrlab.studies.shower.simulate and the wording the control documents."""
    run = shower.simulate(gain, delay=delay, steps=steps)
    end = run.time[-1]
    if run.behaviour == "settles":
        return f"settles after {run.settled_at:g} s"
    if run.behaviour == "too timid":
        miss = run.target - run.felt[-1]
        return f"too timid: still {abs(miss):.1f} °C too {'cold' if miss > 0 else 'hot'} after {end:g} s"
    return f"wild swings: never settles in {end:g} s"


def explorer_says(lr, x0, steps, a, max_loss):
    """The LR explorer's readout, from lrlab.train.engine.sweep."""
    run = sweep(Quadratic1D(a=a, x0=x0), [lr], steps, max_loss=max_loss)
    k = int(run.diverged_at[0])
    return f"diverged at step {k}" if k >= 0 else f"final loss {run.final_loss[0]:.2g}"


def there_and_back(page, ctrl, slider, key, back_key, says, check_move):
    """Press ``key`` on ``slider``, check the new readout, press ``back_key``, check the return."""
    start = snapshot(ctrl)
    assert start.text == says(**start.state), f"readout at the start: {start.text!r}"
    press(ctrl, slider, key)
    moved = wait_for_update(page, ctrl, start)
    check_move(start.state, moved.state)
    assert moved.text == says(**moved.state), f"{slider} {key}: readout {moved.text!r} for {moved.state}"
    assert moved.png != start.png
    press(ctrl, slider, back_key)
    back = wait_for_update(page, ctrl, moved)
    assert back.state == pytest.approx(start.state, rel=1e-9), f"{slider} {back_key} did not return"
    assert back.text == start.text, f"{slider}: {start.text!r} became {back.text!r} after going back"
    assert back.png == start.png, f"{slider}: the plot after going back is not the first one"
    return back


def test_lesson_01_shower_knob_follows_the_keyboard(page, lab):
    open_notebook(page, lab, LESSON_01)
    run_all(page)
    ctrl = control(page, "lrlab-shower")
    ctrl.scroll_into_view_if_needed()

    def one_notch_up(before, after):
        assert after["gain"] == pytest.approx(before["gain"] * NOTCH, rel=1e-9)
        assert after["delay"] == before["delay"]

    def one_second_less(before, after):
        assert (after["delay"], after["gain"]) == (before["delay"] - 1, before["gain"])

    there_and_back(page, ctrl, "lrlab-gain", "ArrowRight", "ArrowLeft", shower_says, one_notch_up)
    there_and_back(page, ctrl, "lrlab-delay", "ArrowLeft", "ArrowRight", shower_says, one_second_less)
    before = snapshot(ctrl)
    press(ctrl, "lrlab-gain", "End")
    top = wait_for_update(page, ctrl, before)
    assert top.text == shower_says(**top.state) and top.text.startswith("wild swings"), top.text


def test_lesson_02_lr_explorer_follows_the_keyboard(page, lab):
    open_notebook(page, lab, LESSON_02)
    run_all(page)
    ctrl = control(page, "lrlab-lr-explorer")
    ctrl.scroll_into_view_if_needed()

    def one_notch_up(before, after):
        assert after["lr"] == pytest.approx(before["lr"] * NOTCH, rel=1e-9)
        assert (after["x0"], after["steps"]) == (before["x0"], before["steps"])

    def start_moves_left(before, after):
        assert after["x0"] < before["x0"] and (after["lr"], after["steps"]) == (before["lr"], before["steps"])

    def one_more_step(before, after):
        assert after["steps"] == before["steps"] + 1 and after["lr"] == before["lr"]

    there_and_back(page, ctrl, "lrlab-lr", "ArrowRight", "ArrowLeft", explorer_says, one_notch_up)
    there_and_back(page, ctrl, "lrlab-x0", "ArrowLeft", "ArrowRight", explorer_says, start_moves_left)
    there_and_back(page, ctrl, "lrlab-steps", "ArrowRight", "ArrowLeft", explorer_says, one_more_step)
    before = snapshot(ctrl)
    press(ctrl, "lrlab-lr", "End")  # the top of the scale is above 2/L
    top = wait_for_update(page, ctrl, before)
    assert top.text == explorer_says(**top.state) and top.text.startswith("diverged at step"), top.text


LESSON_02_STUDENT = "notebooks/02-three-learning-rates/02-three-learning-rates.ipynb"
UPHILL = '''def gd_step(x, lr, grad):
    """One gradient-descent step: the position after moving against the gradient."""
    return x + lr * grad
'''
RIGHT = UPHILL.replace("x + lr * grad", "x - lr * grad")


def test_lesson_02_student_answers_exercise_1_in_the_browser(page, lab):
    open_notebook(page, lab, LESSON_02_STUDENT)
    run_all(page, stops_at_error=True)
    answer = code_cell(page, "def gd_step(x, lr, grad):")
    check = code_cell(page, "check_gd_step(gd_step, 5.0")
    expect(answer.locator(ERROR_OUTPUT).first).to_contain_text("NotImplementedError", timeout=30_000)

    replace_source(page, answer, UPHILL)  # a classic mistake first: the test must say what is wrong
    expect(answer.locator(".cm-content")).to_contain_text("x + lr * grad")
    run_cell(page, answer)
    run_cell(page, check)
    # the kernel may report idle a moment before the page has drawn the error: wait for the text itself
    expect(check.locator(ERROR_OUTPUT).first).to_contain_text("check the sign of the update", timeout=30_000)

    replace_source(page, answer, RIGHT)
    expect(answer.locator(".cm-content")).to_contain_text("x - lr * grad")
    run_cell(page, answer)
    run_cell(page, check)
    expect(answer.locator(ERROR_OUTPUT)).to_have_count(0, timeout=30_000)
    expect(check.locator(ERROR_OUTPUT)).to_have_count(0, timeout=30_000)
