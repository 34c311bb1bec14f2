"""Hand-written right answers, each in a style of its own, for the exercises whose copies are flagged.

``VARIANTS[grade_id]`` lists sources a learner could write without looking at lrlab: none may be
flagged as a copy of lrlab's code (``tests/test_owncopy.py``). Lesson 04's come from the simulated
class of ``similarity_class.py``.
"""
from similarity_class import INDEPENDENT

VARIANTS = {
    "ex2_settling_gains": ['''def settling_gains(delay, steps_allowed, gains):
    """(lowest, highest) gain in ``gains`` that is comfortable within ``steps_allowed`` seconds, or None."""
    result = shower.sweep_gains(gains, delay=delay, steps=2 * steps_allowed + 5)
    good = [g for g, t in zip(result.gains, result.settled_at) if t == t and t <= steps_allowed]
    return (float(min(good)), float(max(good))) if good else None''', '''def settling_gains(delay, steps_allowed, gains):
    """(lowest, highest) gain in ``gains`` that is comfortable within ``steps_allowed`` seconds, or None."""
    runs = shower.sweep_gains(gains, delay=delay, steps=2 * steps_allowed + 5)
    ok = np.nan_to_num(runs.settled_at, nan=np.inf) <= steps_allowed
    if not ok.any():
        return None
    picked = np.sort(runs.gains[ok])
    return float(picked[0]), float(picked[-1])'''],
    "ex3_shower_as_quadratic": ['''def shower_as_quadratic(cold, hot, target):
    """(k_star, L, gain_limit) of the delay-0 shower seen as gradient descent on f(k) = c/2 (k - k*)^2."""
    span = float(hot - cold)
    return (target - cold) / span, span, 2 / span'''],
    "ex2_train": ['''def train(lr, x0=5.0, epochs=50):
    """Gradient descent on f(x) = x² from x0: the list of positions, x0 first, one more per epoch."""
    positions = [x0]
    x = x0
    for epoch in range(epochs):
        x = gd_step(x, lr, 2.0 * x)
        positions.append(x)
    return positions'''],
    "ex4_explosion_epoch": ['''def explosion_epoch(lr, x0, bound):
    """First epoch at which |x| > bound for gradient descent on f(x) = x², or None if never."""
    factor = abs(1 - 2 * lr)
    size = abs(x0)
    if size > bound:
        return 0
    if factor <= 1 or size == 0:
        return None
    epoch = 0
    while size <= bound:
        size *= factor
        epoch += 1
    return epoch'''],
    "ex5_classify": ['''def classify(losses):
    """Label one loss history "diverging", "too small" or "good" by the rule above."""
    start, end = float(losses[0]), float(losses[-1])
    if math.isnan(end) or math.isinf(end) or end > start:
        return "diverging"
    return "too small" if end > start / 2 else "good"'''],
    "ex4_read_curve": ['''def read_curve(losses):
    """Name the shape of one loss history by the four rules above, in order."""
    h = np.asarray(losses, dtype=float)
    if not np.all(np.isfinite(h)) or h[-1] > h[0]:
        return "diverging"
    if np.count_nonzero(np.diff(h) > 0) >= 3:
        return "oscillating"
    middle = h[len(h) // 2]
    slow = h[-1] > h[0] / 10
    still_falling = middle - h[-1] > (h[0] - h[-1]) / 10
    return "too small" if slow or still_falling else "good"'''],
    "ex3_warmup_then": ['''def warmup_then(schedule_fn, warmup_steps):
    """A schedule that ramps up to schedule_fn(0) over warmup_steps steps, then runs schedule_fn from 0."""
    def rate(t):
        if t >= warmup_steps:
            return schedule_fn(t - warmup_steps)
        return schedule_fn(0) * (t + 1) / warmup_steps
    return rate'''],
    "ex1_momentum_step": ['''def momentum_step(x, grad, buf, lr, momentum, nesterov=False):
    """One step of torch.optim.SGD with momentum: returns (new_x, new_buf)."""
    b = buf * momentum + grad
    if nesterov:
        return x - lr * (grad + momentum * b), b
    return x - lr * b, b'''],
    "ex2_adam_step": ['''def adam_step(x, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One step of torch.optim.Adam (step number t, from the state m, v): returns (new_x, new_m, new_v)."""
    b1, b2 = betas
    m = m * b1 + grad * (1 - b1)
    v = v * b2 + (grad * grad) * (1 - b2)
    step_size = lr / (1 - b1 ** t)
    denom = np.sqrt(v) / np.sqrt(1 - b2 ** t) + eps
    return x - step_size * m / denom, m, v'''],
    "ex3_zone_width": ['''def zone_width(lrs, losses, factor=2.0):
    """Width in decades of the rates whose loss is at most factor × the best finite loss."""
    pairs = [(lr, loss) for lr, loss in zip(lrs, losses) if math.isfinite(loss)]
    best = min(loss for _, loss in pairs)
    good = [lr for lr, loss in pairs if loss <= factor * best]
    return math.log10(max(good)) - math.log10(min(good))'''],
    "ex1_make_param_groups": ['''def make_param_groups(params, head, body_lr, head_lr):
    """Two parameter groups: every name not in head at body_lr, then the names in head at head_lr."""
    body = []
    top = []
    for name in params:
        (top if name in head else body).append(name)
    return [dict(params=body, lr=body_lr), dict(params=top, lr=head_lr)]'''],
    "ex2_scale_lr": ['''def scale_lr(lr, old_batch, new_batch, rule):
    """The rate for new_batch from a rate that worked at old_batch, by the linear or square-root rule."""
    if min(old_batch, new_batch) <= 0:
        raise ValueError("batch sizes must be positive")
    ratio = new_batch / old_batch
    if rule == "linear":
        return lr * ratio
    if rule == "sqrt":
        return lr * math.sqrt(ratio)
    raise ValueError(f"unknown rule {rule!r}")'''],
    "ex3_plateau_cuts": ['''def plateau_cuts(losses, patience, threshold=1e-4):
    """Positions in losses at which torch's ReduceLROnPlateau (mode 'min', 'rel') would cut the rate."""
    out = []
    best = math.inf
    waited = 0
    for step in range(len(losses)):
        current = losses[step]
        improved = current < best - best * threshold
        best = current if improved else best
        waited = 0 if improved else waited + 1
        if waited > patience:
            out.append(step)
            waited = 0
    return out'''],
    "ex1_tune": ['''def tune(problem, budget):
    """Choose a rate and a schedule for `problem` and train it, spending at most `budget` optimizer steps.

    Returns (lr, schedule, params): the chosen rate, the schedule of the final run, the parameters it trained.
    """
    rates = np.logspace(-3, 0, 7)
    trial = problem.sweep(rates, budget // 4 // len(rates))
    best = float(rates[np.nanargmin(trial.val_loss)])
    remaining = problem.budget.left
    sched = schedules.cosine_annealing(best, T_max=remaining)
    return best, sched, problem.train(sched, remaining).params'''],
    "ex4_top_eigenvalue": ['''def top_eigenvalue(hvp, dim, tol=1e-8, max_iters=1000, seed=0):
    """The eigenvalue of largest magnitude (with its sign) of the symmetric operator v -> hvp(v)."""
    rng = np.random.default_rng(seed)
    q = rng.normal(size=dim)
    q = q / np.sqrt(q @ q)
    last = 0.0
    for i in range(max_iters):
        z = hvp(q)
        lam = q.dot(z)
        if i and abs(lam - last) <= tol * abs(lam):
            break
        last = lam
        q = z / np.sqrt(z @ z)
    return float(lam)'''],
}
for student in INDEPENDENT.values():
    for gid, source in student.items():
        VARIANTS.setdefault(gid, []).append(source)

VARIANTS.update({
    "ex1_wsd_lr": ['''def wsd_lr(step, peak, total_steps, warmup_steps, decay_steps, shape="1-sqrt"):
    """Warmup, a flat stretch at the peak, then a decay over the last decay_steps steps."""
    if step >= total_steps:
        return 0.0
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    steps_into_decay = step - (total_steps - decay_steps)
    if steps_into_decay < 0:
        return peak
    frac = steps_into_decay / decay_steps
    if shape == "linear":
        factor = 1.0 - frac
    elif shape == "cosine":
        factor = (1.0 + math.cos(math.pi * frac)) / 2.0
    else:
        factor = 1.0 - frac ** 0.5
    return peak * factor'''],
    "ex2_schedule_free_step": ['''def schedule_free_step(x, z, grad, lr, beta, t):
    """Gradient at the interpolation point, SGD on z, running mean for x."""
    point = beta * x + (1.0 - beta) * z
    z_next = z - lr * grad(point)
    weight = 1.0 / (t + 1.0)
    x_next = x + weight * (z_next - x)
    return x_next, z_next'''],
    "ex3_mup_adam_lr": ['''def mup_adam_lr(lr, layer, width, base_width):
    """Adam under muP: the layers whose fan-in grows with the width get lr * base_width / width."""
    ratio = width / base_width
    grows = {"input": False, "bias": False, "hidden": True, "output": True}
    return lr / ratio if grows[layer] else lr'''],
})
