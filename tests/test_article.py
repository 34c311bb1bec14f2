"""The article's claims as data: every real value is recomputed here another way.

``lrlab.studies.article`` computes its real values from closed forms (``lrlab.train.theory``)
and a plain float loop; these tests recompute them with the vectorised engine,
exact rational arithmetic or the textbook formula, and check that each known
disagreement with the article is flagged as one.
"""
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lrlab.studies import article
from lrlab.train import theory
from lrlab.train.engine import sweep
from lrlab.problems import Quadratic1D

ARTICLE_TEXT = Path(__file__).resolve().parents[2] / "shared" / "article" / "learning-rate-article.txt"
X2 = Quadratic1D(a=2.0, x0=5.0)
X2_LOSS10 = Quadratic1D(a=2.0, x0=math.sqrt(10.0))


def by_id(section=None):
    return {c.id: c for c in article.claims(section)}


# ---------------------------------------------------------------- "Real Code: Watch It Happen"

@pytest.mark.parametrize("lr", [0.001, 0.1])
def test_x_after_50_epochs_matches_the_engine(lr):
    c = by_id("real-code")[f"real-code/lr={lr:g}/x"]
    engine_x = sweep(X2, [lr], 50, record_params=True).params[0, -1, 0]
    assert c.real_value == pytest.approx(engine_x, rel=1e-12), f"closed form {c.real_value}, engine {engine_x}"


@pytest.mark.parametrize("lr", [0.001, 0.1])
def test_loss_after_50_epochs_matches_the_engine(lr):
    c = by_id("real-code")[f"real-code/lr={lr:g}/loss"]
    engine_loss = sweep(X2, [lr], 50).final_loss[0]
    assert c.real_value == pytest.approx(engine_loss, rel=1e-12)


def test_explosion_epoch_of_lr_1_1_is_30_in_exact_arithmetic():
    x, k = Fraction(5), 0
    while abs(x) <= 1000:
        x, k = x - Fraction(11, 10) * 2 * x, k + 1
    assert by_id("real-code")["real-code/lr=1.1/explodes-at"].real_value == k == 30


def test_engine_with_the_article_bound_diverges_at_the_same_epoch():
    s = sweep(X2, [1.1], 50, max_loss=1000.0**2)  # on x², loss > 10⁶ exactly when |x| > 1000
    assert int(s.diverged_at[0]) == by_id("real-code")["real-code/lr=1.1/explodes-at"].real_value


def test_transcribed_article_loop_stops_at_epoch_30_not_23():
    run = article.article_train(1.1)
    assert run.exploded_at == 30
    assert abs(run.xs[23]) <= 1000, "after epoch 23 |x| is still inside the bound"
    assert len(run.xs) == 31 and run.epochs == list(range(31))


@pytest.mark.parametrize("lr", [0.001, 0.1, 1.1])
def test_transcribed_article_loop_follows_the_engine_step_by_step(lr):
    run = article.article_train(lr)
    steps = len(run.xs) - 1
    path = sweep(X2, [lr], steps, record_params=True, max_loss=1e300).params[0, :, 0]
    np.testing.assert_allclose(run.xs, path, rtol=1e-12, err_msg=f"lr={lr}")
    np.testing.assert_allclose(run.losses, np.square(path), rtol=1e-12)


def test_every_real_code_claim_is_flagged_as_a_disagreement():
    claims = article.claims("real-code")
    assert len(claims) == 5
    assert [c.id for c in claims if c.agrees] == [], "each printed number of that output is wrong"


def test_printed_decimals_are_compared_in_the_articles_format():
    c = by_id("real-code")["real-code/lr=0.1/x"]
    assert c.article_value == "0.0000000001"
    assert c.real_text == format(c.real_value, ".10f") == "0.0000713624"
    assert c.setup["format"] == ".10f" and c.tolerance == "same text when printed with format '.10f'"


def test_the_ten_decimal_x_is_still_far_from_zero():
    c = by_id("real-code")["real-code/lr=0.1/x"]
    assert c.real_value == pytest.approx(5 * 0.8**50, rel=1e-12)
    assert c.real_value > 1e5 * 1e-10, "x is five orders of magnitude above what the article prints"


# ---------------------------------------------------------------- "A Day in the Life of Three Learning Rates"

@pytest.mark.parametrize("name, lr, steps", [("snail", 1e-4, 10_000), ("maniac", 10.0, 3), ("pro", 0.01, 100)])
def test_table_rows_match_the_engine_losses(name, lr, steps):
    losses = sweep(X2_LOSS10, [lr], steps, max_loss=1e300).losses[0]
    rows = [c for c in article.claims("three-rates") if c.id.startswith(f"three-rates/{name}/epoch-")]
    assert rows, f"no rows for {name}"
    for c in rows:
        k = c.setup["epoch"]
        np.testing.assert_allclose(c.real_value, losses[k - 1:k + 1], rtol=1e-9, err_msg=c.id)


def test_table_setup_starts_where_the_printed_loss_is_10():
    for c in article.claims("three-rates"):
        assert X2_LOSS10.value(c.setup["x0"]) == pytest.approx(10.0, rel=1e-15), c.id


def test_every_printed_table_row_disagrees_with_gradient_descent_on_x_squared():
    rows = [c for c in article.claims("three-rates") if "/epoch-" in c.id]
    assert len(rows) == 12
    assert [c.id for c in rows if c.agrees] == []


@pytest.mark.parametrize("name, lr, expected_agrees", [("snail", 1e-4, False), ("pro", 0.01, True)])
def test_epochs_to_converge_match_the_engine(name, lr, expected_agrees):
    c = by_id("three-rates")[f"three-rates/{name}/epochs-to-converge"]
    engine_k = int(sweep(X2_LOSS10, [lr], 12_000).steps_to(article.CONVERGED_LOSS)[0])
    assert c.real_value == engine_k
    assert c.agrees is expected_agrees, f"{c.article_value} vs {c.real_value}"


def test_maniac_never_converges_and_that_claim_agrees():
    c = by_id("three-rates")["three-rates/maniac/epochs-to-converge"]
    s = sweep(X2_LOSS10, [10.0], 50)
    assert s.diverged[0] and c.real_value is None and c.agrees


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_overflow_epochs_follow_from_the_closed_form(dtype):
    big = float(np.finfo(dtype).max)
    lr = 10.0
    found = article.overflow_epochs(lr, X2_LOSS10.x0, dtype=dtype)
    # x² overflows once |x| > √max; lr·(2x) overflows (making x infinite) once |x| > max/(2·lr).
    assert found["loss_inf"] == theory.steps_to_exceed(lr, X2_LOSS10, math.sqrt(big))
    assert found["x_inf"] == theory.steps_to_exceed(lr, X2_LOSS10, big / (2 * lr)) + 1
    assert found["nan"] == found["x_inf"] + 1, "NaN comes from ∞ − ∞ one update after x is infinite"


def test_nan_at_epoch_3_is_flagged_with_the_real_epoch():
    c = by_id("three-rates")["three-rates/maniac/nan-at"]
    assert c.article_value == "3"
    assert c.real_value == article.overflow_epochs(10.0, math.sqrt(10.0))["nan"] > 200
    assert not c.agrees


def test_loss_after_epoch_3_is_an_ordinary_float_not_nan():
    c = by_id("three-rates")["three-rates/maniac/epoch-3"]
    assert np.isfinite(c.real_value).all()
    assert c.real_value[1] == pytest.approx(10 * 361.0**3, rel=1e-12)


def test_implied_curvatures_show_the_tables_use_different_functions():
    snail = article.implied_curvature(1e-4, 10.0, 9.998)
    pro = article.implied_curvature(0.01, 10.0, 7.5)
    assert snail == pytest.approx(1.0, abs=0.01) and pro == pytest.approx(13.4, abs=0.01)


@settings(max_examples=60, deadline=None)
@given(a=st.floats(0.05, 50.0), fraction=st.floats(0.01, 0.95) | st.floats(2.05, 5.0))
def test_implied_curvature_recovers_the_curvature_of_a_real_step(a, fraction):
    lr = fraction / a  # lr·a below 1 (creeping) or above 2 (diverging) picks the branch
    p = Quadratic1D(a=a, x0=1.5)
    before, after = p.value(p.x0), float(theory.loss_after(lr, p, 1))
    assert article.implied_curvature(lr, before, after) == pytest.approx(a, rel=1e-9)


# ---------------------------------------------------------------- "The Mathematical Intuition"

def test_exponential_growth_factor_is_the_square_of_the_step_factor():
    c = by_id("intuition")["intuition/exponential-growth"]
    assert c.real_value == pytest.approx((1 - 2 * 1.1) ** 2, rel=1e-12)
    assert c.agrees


# ---------------------------------------------------------------- "Common Schedules"

@pytest.mark.parametrize("lo, hi", [(0, 29), (30, 59), (60, 89)])
def test_step_decay_ranges_match_the_formula(lo, hi):
    c = by_id("schedules")[f"schedules/step-decay/epochs-{lo}-{hi}"]
    expected = [0.1 * 0.1 ** (e // 30) for e in range(lo, hi + 1)]
    assert c.real_value == pytest.approx((min(expected), max(expected)), rel=1e-12)
    assert c.agrees


@pytest.mark.parametrize("epoch", [0, 10, 50])
def test_exponential_decay_values_match_the_formula(epoch):
    c = by_id("schedules")[f"schedules/exponential/epoch-{epoch}"]
    assert c.real_value == pytest.approx(0.1 * 0.95**epoch, rel=1e-12)
    assert c.agrees, f"{c.article_value} vs {c.real_value}"


def test_a_wrong_schedule_value_would_be_flagged():
    c = article._as_printed("x", "schedules", "test", "0.061", {}, 0.1 * 0.95**10, ".3f")
    assert not c.agrees and c.real_text == "0.060"


# ---------------------------------------------------------------- the records themselves

def test_article_values_appear_verbatim_in_the_article():
    if not ARTICLE_TEXT.is_file():
        pytest.skip("the article is not next to this checkout")
    text = ARTICLE_TEXT.read_text(encoding="utf-8")
    missing = [c.id for c in article.claims() if c.article_value not in text]
    assert missing == []


@pytest.mark.slow  # every section: it trains the studies of lessons 06-09 (about a minute)
def test_claim_ids_are_unique_and_sections_known():
    claims = article.claims()
    assert len({c.id for c in claims}) == len(claims)
    assert {c.section for c in claims} == set(article.SECTIONS)
    assert all(isinstance(c.article_value, str) for c in claims)
    assert all(isinstance(c.agrees, bool) for c in claims)


def test_claims_filters_by_section():
    assert {c.section for c in article.claims("schedules")} == {"schedules"}


def test_unknown_section_is_refused():
    with pytest.raises(ValueError, match="section must be one of"):
        article.claims("epilogue")


def test_table_has_one_row_per_claim_with_readable_verdicts():
    claims = article.claims("real-code")
    rows = article.table(claims, notes=True)
    assert len(rows) == len(claims)
    assert list(rows[0]) == ["claim", "article says", "code gives", "agrees", "note"]
    assert rows[-1]["article says"] == "23" and rows[-1]["code gives"] == "30" and rows[-1]["agrees"] == "no"


def test_markdown_escapes_pipes_inside_cells():
    md = article.markdown(article.claims("real-code"))
    lines = md.splitlines()
    assert len(lines) == 2 + 5
    assert all(line.count("|") - line.count("\\|") == 5 for line in lines), "4 columns on every line"


def test_table_refuses_things_that_are_not_claims():
    with pytest.raises(TypeError, match="items must be Claim objects"):
        article.table([{"claim": "x"}])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"lr": -0.1}, ValueError, "lr must be > 0.0"),
    ({"lr": 0.1, "epochs": -1}, ValueError, "epochs must be >= 0"),
    ({"lr": 0.1, "bound": 0.0}, ValueError, "bound must be > 0.0"),
    ({"lr": "0.1"}, TypeError, "lr must be a real number"),
])
def test_article_train_checks_its_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        article.article_train(**kwargs)


def test_overflow_epochs_refuses_integer_dtypes():
    with pytest.raises(ValueError, match="dtype must be a floating-point type"):
        article.overflow_epochs(10.0, 1.0, dtype=np.int64)


# --------------------------------------------------------------- lesson 07's claims (they train its studies: slow)

@pytest.mark.slow
def test_lesson_07_claims_rest_on_several_seeds_and_say_their_regime():
    items = article.claims("common-mistakes") + article.claims("quick-reference")
    assert all(c.setup.get("seeds", 0) >= 3 for c in items), [c.id for c in items if c.setup.get("seeds", 0) < 3]
    assert all("steps" in " ".join(map(str, c.setup.values())) + c.note for c in items)


@pytest.mark.slow
def test_the_posts_fine_tuning_values_are_not_listed_as_errata():
    ids = [c.id for c in article.claims("common-mistakes")]
    assert not any(i.endswith(("body-rate", "head-rate")) for i in ids), ids
    groups = {c.id: c for c in article.claims("common-mistakes")}["common-mistakes/fine-tune/groups"]
    assert "not tested here" in groups.note and groups.real_value[0] < groups.real_value[1]


@pytest.mark.slow
def test_the_slower_body_is_not_contradicted_but_not_decided_by_three_seeds():
    from lrlab.studies import mistakes as m, scale
    groups = {c.id: c for c in article.claims("common-mistakes")}["common-mistakes/fine-tune/groups"]
    ft = m.finetune_grid()
    pair, single = m.pick(ft, *m.best_pair(ft)), m.pick(ft, m.best_single_rate(ft), m.best_single_rate(ft))
    assert scale.verdict(-pair.score, -single.score) == "indistinguishable", "the lesson calls them indistinguishable"
    assert groups.agrees and not groups.decided and groups.verdict == "not contradicted"
    assert "indistinguishable" in groups.real_text and "Seed by seed" in groups.note


@pytest.mark.slow
def test_lesson_07_verdicts():
    items = article.claims("common-mistakes") + article.claims("quick-reference")
    assert [c.id for c in items if c.agrees] == ["common-mistakes/fine-tune/groups", "common-mistakes/give-up",
                                                 "quick-reference/row-2", "quick-reference/row-3",
                                                 "quick-reference/row-5"]
    row5 = {c.id: c for c in items}["quick-reference/row-5"]
    assert "Counter-examples" in row5.note and "batch 32, lr 1" in row5.note


# ---------------------------------------------------------------- lesson 09's claims (lrlab.studies.scale, cached)

@pytest.mark.slow
def test_lesson09_decays_end_at_or_below_schedule_free_with_a_known_budget_and_not_when_stopped_early():
    # the post's "start big, end small", against the method that does not decay, at the rates tuned for 300 steps
    from lrlab.studies import scale
    claims = {c.id: c for c in article.claims("takeaways")}
    known, stopped = claims["takeaways/decay-known-budget"], claims["takeaways/decay-unknown-budget"]
    st = scale.schedule_study()
    assert known.agrees and "cosine against schedule-free: indistinguishable" in known.real_text
    assert f"wsd against schedule-free: wsd lower, gap {st.margin('wsd', 'schedule-free'):.2f}" in known.real_text
    assert "Marginal" not in known.note and "lesson 09's own finding" in known.note
    assert not stopped.agrees, "stopped without warning, the cosine planned for 300 steps ends behind schedule-free"
    gap = st.margin("cosine", "schedule-free", "stopped")
    assert 1 < gap < scale.MARGINAL and f"schedule-free lower, gap {gap:.2f}" in stopped.real_text
    assert "wsd against schedule-free: indistinguishable" in stopped.real_text
    assert "Marginal: the cosine's gap" in stopped.note, "a gap within a quarter of the range should be called marginal"
    assert {st.best(n, "stopped")[0] for n in st.half} == {st.best(n)[0] for n in st.half}, "rates tuned for 300"


@pytest.mark.slow
def test_lesson09_width_needs_a_new_rate_in_the_standard_parametrization_only():
    from lrlab.studies import scale
    claims = {c.id: c for c in article.claims("architectures")}
    sp, mup = claims["architectures/retune-standard"], claims["architectures/retune-mup"]
    w = scale.width_study()
    assert sp.agrees and sp.real_value == pytest.approx(max(w.paid("standard"))) and sp.real_value > 1
    within_noise = w.paid("standard")[1]
    assert within_noise < 1 and "width 128: loss" in sp.real_text and f"gap {within_noise:.2f}" in sp.real_text
    assert not mup.agrees and mup.real_value == 0 and mup.real_text.count("it is the best of the grid") == 2


# ---------------------------------------------------------------- lesson 06's claims (lrlab.studies.sensitivity, cached)

def lesson06_study():
    """The study exactly as lesson 06's notebook asks for it (its cell ``study``)."""
    from lrlab.problems import MLP
    from lrlab.studies import sensitivity

    net = MLP(sizes=(64, 32, 10), activation="tanh")
    return sensitivity.run_study(net, 10.0 ** np.arange(-3.5, 0.51, 0.25), [0, 1, 2], 300, batch_size=32)


@pytest.fixture(scope="module")
def optimizer_claims():
    return {c.id.split("/")[-1]: c for c in article.claims("optimizers")}


def test_the_optimizer_section_sits_where_the_post_has_it():
    keys = list(article.SECTIONS)
    assert keys.index("schedules") < keys.index("optimizers") < keys.index("common-mistakes")
    if ARTICLE_TEXT.is_file():
        text = ARTICLE_TEXT.read_text(encoding="utf-8")
        where = [text.index(article.SECTIONS[k]) for k in ("schedules", "optimizers", "common-mistakes")]
        assert where == sorted(where), where


@pytest.mark.slow
def test_the_optimizer_claims_reuse_lesson_06s_study_instead_of_training_again(optimizer_claims):
    from lrlab.studies import sensitivity

    before = sensitivity._cached_study.cache_info()
    study = lesson06_study()
    after = sensitivity._cached_study.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses, (before, after)
    assert not study.val_loss["Adam"].flags.writeable, "the cached study's arrays are read-only"


@pytest.mark.slow
def test_the_optimizer_claims_rest_on_several_seeds_and_say_their_regime(optimizer_claims):
    ids = [c.id for c in article.claims("optimizers")]
    assert len(ids) == len(set(ids)) and all(i.startswith("optimizers/") for i in ids)
    trained = [c for key, c in optimizer_claims.items() if key != "per-parameter"]
    assert all(c.setup["seeds"] >= 3 for c in trained)
    assert all("steps" in c.note and "seeds" in c.note for c in trained), [c.id for c in trained]


@pytest.mark.slow
def test_zones_are_about_as_wide_so_the_width_claim_differs(optimizer_claims):
    study = lesson06_study()
    width = {n: study.zone(n).width for n in study.names}
    lead = width["Adam"] - max(width["SGD"], width["SGD + momentum 0.9"])
    c = optimizer_claims["zone-width"]
    assert c.real_value == pytest.approx(lead)
    assert c.agrees is bool(lead > 0.25 + 1e-9)
    assert lead <= 0.25 and not c.agrees, f"Adam's zone leads by {lead} decades"


@pytest.mark.slow
def test_adam_degrades_gradually_where_sgd_falls_off_a_seed_dependent_wall(optimizer_claims):
    study = lesson06_study()
    rise = {n: study.steepest_rise(n) for n in ("SGD", "Adam")}
    first = study.first_failure("SGD")
    some = int(study.failing("SGD")[study.lrs == first][0])
    assert rise["Adam"] < 3 < 10 < rise["SGD"], rise
    assert 0 < some < study.seeds.size, "plain SGD's first failing rate fails some seeds, not all"
    c = optimizer_claims["forgiving"]
    assert c.agrees and c.real_value == pytest.approx((rise["Adam"], rise["SGD"]))


@pytest.mark.slow
def test_sgds_default_does_not_explode_and_sits_about_two_decades_below_the_best(optimizer_claims):
    study = lesson06_study()
    at = np.isclose(study.lrs, 0.01)
    assert not study.diverged["SGD"][at].any() and np.all(study.val_loss["SGD"][at] < study.start_loss)
    assert 1.5 <= math.log10(study.zone("SGD").best_lr / 0.01) <= 2.5
    c = optimizer_claims["sgd-default"]
    assert c.agrees and c.real_value == pytest.approx(study.loss_at("SGD", 0.01))


@pytest.mark.slow
def test_adams_default_needs_a_longer_budget_to_reach_its_zone(optimizer_claims):
    from lrlab.problems import MLP
    from lrlab.studies import sensitivity

    study = lesson06_study()
    best = study.zone("Adam").best_loss
    long = sensitivity.train_at(MLP(sizes=(64, 32, 10)), "Adam", 0.001, [0, 1, 2], 1500)
    short, longer = optimizer_claims["adam-default-300-steps"], optimizer_claims["adam-default-1500-steps"]
    assert short.real_value == pytest.approx(study.loss_at("Adam", 0.001) / best) and short.real_value > 2
    assert longer.real_value == pytest.approx(long / best) and longer.real_value <= 2
    assert not short.agrees and longer.agrees


@pytest.mark.slow
def test_tuned_optimizers_are_indistinguishable_by_accuracy(optimizer_claims):
    study = lesson06_study()
    accuracy = {}
    for n in study.names:
        i = np.flatnonzero(study.lrs == study.zone(n).best_lr)[0]
        accuracy[n] = study.val_accuracy[n][i].mean()
    error = math.sqrt(max(accuracy.values()) * (1 - max(accuracy.values())) / study.n_val)
    assert study.n_val == 359 and max(accuracy.values()) - min(accuracy.values()) <= error, (accuracy, error)
    c = optimizer_claims["final-performance"]
    gap = max(accuracy["SGD"], accuracy["SGD + momentum 0.9"]) - accuracy["Adam"]
    assert c.real_value == pytest.approx(gap) and c.agrees, "not contradicted: SGD is not behind by more than noise"
    assert "indistinguishable" in c.real_text
    # ... and the tables say so instead of "yes"
    assert not c.decided and c.verdict == "not contradicted"
    assert article.table([c])[0]["agrees"] == "not contradicted"


def test_a_claim_reads_yes_no_or_not_contradicted():
    base = dict(id="s/x", section="schedules", what="w", article_value="1", setup={}, real_value=1.0,
                real_text="1", tolerance="t")
    assert article.Claim(**base, agrees=True).verdict == "yes"
    assert article.Claim(**base, agrees=False).verdict == "no"
    assert article.Claim(**base, agrees=False, decided=False).verdict == "no"
    assert article.Claim(**base, agrees=True, decided=False).verdict == "not contradicted"


@pytest.mark.slow
def test_adams_first_step_is_the_rate_in_every_coordinate(optimizer_claims):
    c = optimizer_claims["per-parameter"]
    assert c.agrees and c.real_value == pytest.approx(1.0, rel=1e-6)
    shrink = (1 - 1e-3 * 0.2) ** 1500
    assert f"{shrink:.3f}" in c.note and "PyTorch's convention" in c.note
