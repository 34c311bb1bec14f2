"""A simulated class for lesson 04 (exponential_lrs, smooth_losses, stop_index): independent answers, planted copies."""
E, S, T = "ex1_exponential_lrs", "ex2_smooth_losses", "ex3_stop_index"

INDEPENDENT = {
    "ada": {
        E: '''def exponential_lrs(start_lr, end_lr, num_steps):
    """num_steps rates from start_lr to end_lr, each the previous one times the same factor."""
    if num_steps == 1:
        return np.array([float(start_lr)])
    exponents = np.linspace(np.log10(start_lr), np.log10(end_lr), num_steps)
    return 10.0 ** exponents''',
        S: '''def smooth_losses(losses, beta):
    """Exponential moving average of the losses with bias correction (a new array)."""
    result = []
    running = 0.0
    for step, value in enumerate(losses, start=1):
        running = beta * running + (1.0 - beta) * float(value)
        result.append(running / (1.0 - beta ** step))
    return np.array(result)''',
        T: '''def stop_index(losses, factor=4.0):
    """Index of the first non-finite loss, or of the first loss above factor × the lowest so far; else None."""
    lowest = None
    for position, value in enumerate(losses):
        if not np.isfinite(value):
            return position
        lowest = value if lowest is None else min(lowest, value)
        if value > factor * lowest:
            return position
    return None''',
    },
    "bo": {
        E: '''def exponential_lrs(start_lr, end_lr, num_steps):
    """num_steps rates from start_lr to end_lr, each the previous one times the same factor."""
    return np.geomspace(start_lr, end_lr, num=num_steps)''',
        S: '''def smooth_losses(losses, beta):
    """Exponential moving average of the losses with bias correction (a new array)."""
    x = np.array(losses, dtype=float)
    m = np.zeros_like(x)
    acc = 0
    for k in range(len(x)):
        acc = acc * beta + x[k] * (1 - beta)
        m[k] = acc / (1 - beta ** (k + 1))
    return m''',
        T: '''def stop_index(losses, factor=4.0):
    """Index of the first non-finite loss, or of the first loss above factor × the lowest so far; else None."""
    arr = np.asarray(losses, dtype=float)
    bad = ~np.isfinite(arr)
    running_min = np.minimum.accumulate(np.where(bad, np.inf, arr))
    hits = np.nonzero(bad | (arr > factor * running_min))[0]
    return int(hits[0]) if hits.size else None''',
    },
    "cy": {
        E: '''def exponential_lrs(start_lr, end_lr, num_steps):
    """num_steps rates from start_lr to end_lr, each the previous one times the same factor."""
    rates = [start_lr]
    if num_steps > 1:
        q = (end_lr / start_lr) ** (1 / (num_steps - 1))
        while len(rates) < num_steps:
            rates.append(rates[-1] * q)
    return np.array(rates, dtype=float)''',
        S: '''def smooth_losses(losses, beta):
    """Exponential moving average of the losses with bias correction (a new array)."""
    out = np.empty(len(losses))
    ema, correction = 0.0, 1.0
    for i in range(len(losses)):
        ema = beta * ema + (1 - beta) * losses[i]
        correction *= beta
        out[i] = ema / (1 - correction)
    return out''',
        T: '''def stop_index(losses, factor=4.0):
    """Index of the first non-finite loss, or of the first loss above factor × the lowest so far; else None."""
    best = float("inf")
    i = 0
    while i < len(losses):
        v = float(losses[i])
        if v != v or v in (float("inf"), float("-inf")):
            return i
        if v < best:
            best = v
        if v > best * factor:
            return i
        i += 1
    return None''',
    },
    "di": {
        E: '''def exponential_lrs(start_lr, end_lr, num_steps):
    """num_steps rates from start_lr to end_lr, each the previous one times the same factor."""
    if num_steps < 2:
        return np.array([start_lr], dtype=float)
    t = np.arange(num_steps) / (num_steps - 1)
    return start_lr * np.exp(t * np.log(end_lr / start_lr))''',
        S: '''def smooth_losses(losses, beta):
    """Exponential moving average of the losses with bias correction (a new array)."""
    n = len(losses)
    weights_total = 0.0
    weighted = 0.0
    smoothed = np.zeros(n)
    for j, loss in enumerate(losses):
        weighted = weighted * beta + loss * (1 - beta)
        weights_total = weights_total * beta + (1 - beta)
        smoothed[j] = weighted / weights_total
    return smoothed''',
        T: '''def stop_index(losses, factor=4.0):
    """Index of the first non-finite loss, or of the first loss above factor × the lowest so far; else None."""
    import math
    seen_min = math.inf
    for idx, item in enumerate(map(float, losses)):
        if math.isnan(item) or math.isinf(item):
            return idx
        seen_min = item if item < seen_min else seen_min
        if item > factor * seen_min:
            return idx
    return None''',
    },
}

# planted copies: cy's answers with renamed variables, reordered statements and comments added
PLANTED = {
    "cy-copy": {
        E: '''def exponential_lrs(start_lr, end_lr, num_steps):
    """num_steps rates from start_lr to end_lr, each the previous one times the same factor."""
    # start with the first rate
    lr_list = [start_lr]
    if num_steps > 1:
        # the ratio between neighbours
        ratio = (end_lr / start_lr) ** (1 / (num_steps - 1))
        while len(lr_list) < num_steps:
            lr_list.append(lr_list[-1] * ratio)   # next one
    return np.array(lr_list, dtype=float)''',
        S: '''def smooth_losses(losses, beta):
    """Exponential moving average of the losses with bias correction (a new array)."""
    avg, corr = 0.0, 1.0   # running average and beta**t
    result = np.empty(len(losses))
    for t in range(len(losses)):
        avg = beta * avg + (1 - beta) * losses[t]
        corr *= beta
        result[t] = avg / (1 - corr)  # bias correction
    return result''',
        T: '''def stop_index(losses, factor=4.0):
    """Index of the first non-finite loss, or of the first loss above factor × the lowest so far; else None."""
    k = 0
    lowest = float("inf")
    while k < len(losses):
        val = float(losses[k])
        # NaN or infinite: stop here
        if val != val or val in (float("inf"), float("-inf")):
            return k
        if val < lowest:
            lowest = val
        if val > lowest * factor:
            return k
        k += 1
    return None''',
    },
    "bo-copy": {
        E: '''def exponential_lrs(start_lr, end_lr, num_steps):
    """num_steps rates from start_lr to end_lr, each the previous one times the same factor."""
    # geometric spacing
    return np.geomspace(start_lr, end_lr, num=num_steps)''',
        S: '''def smooth_losses(losses, beta):
    """Exponential moving average of the losses with bias correction (a new array)."""
    values = np.array(losses, dtype=float)
    running = 0
    smooth = np.zeros_like(values)
    for i in range(len(values)):
        running = running * beta + values[i] * (1 - beta)
        smooth[i] = running / (1 - beta ** (i + 1))
    return smooth''',
        T: '''def stop_index(losses, factor=4.0):
    """Index of the first non-finite loss, or of the first loss above factor × the lowest so far; else None."""
    a = np.asarray(losses, dtype=float)
    nonfinite = ~np.isfinite(a)
    # lowest loss so far, ignoring NaN/inf
    lowest = np.minimum.accumulate(np.where(nonfinite, np.inf, a))
    where = np.nonzero(nonfinite | (a > factor * lowest))[0]
    return int(where[0]) if where.size else None''',
    },
}
