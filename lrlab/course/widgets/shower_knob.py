"""ShowerKnob: the shower simulation with gain and pipe-delay sliders (lesson 01).
"""
from __future__ import annotations


from lrlab import _validate as v
from lrlab.course import plots
from lrlab.studies import shower
from .base import _Control, _Scale, _check_in_range, _int_slider, _label, _legend, _log_slider


# --------------------------------------------------------------------------- shower knob


class ShowerKnob(_Control):
    """The shower analogy with a gain slider and a pipe delay.

    Inputs (CSS class): ``gain`` (``lrlab-gain``, log scale; the strip below
    marks :func:`lrlab.studies.shower.fastest_gain` and
    :func:`lrlab.studies.shower.stable_gain_limit` for the current delay) and
    ``delay`` (``lrlab-delay``, seconds). Runs
    ``lrlab.studies.shower.simulate(gain, delay=delay, steps=steps)`` and draws the
    temperature felt over time against the comfort band. The readout follows
    the run's ``behaviour``: ``"settles after 12 s"``, ``"too timid: still
    9.3 °C too cold after 60 s"`` or ``"wild swings: never settles in 60 s"``.

    Parameters
    ----------
    gain : float
        Start gain in knob units per °C, inside ``[1e-4, 10**-0.7]``.
        Default: the ``"sensible"`` preset.
    delay : int
        Start delay in steps (seconds), 0 to ``max_delay`` (the slider's top).
    steps : int
        Adjustments per run (one per second).
    cold, hot : float
        Tap temperatures in °C with the knob fully cold / fully hot (as in ``simulate``).
    """

    css_class = "lrlab-shower"
    alt = "temperature felt over time, with the comfortable band shaded"
    _LOW, _HIGH = -4.0, -0.7

    def __init__(self, *, gain=None, delay=2, steps=60, max_delay=6, cold=10.0, hot=60.0):
        gain = shower.PRESETS["sensible"].gain if gain is None else gain
        gain = _check_in_range("gain", gain, 10.0 ** self._LOW, 10.0 ** self._HIGH)
        max_delay = v.integer("max_delay", max_delay, low=0, high=20)
        delay = v.integer("delay", delay, low=0, high=max_delay)
        self.steps_per_run = v.integer("steps", steps, low=2)
        self.cold, self.hot = v.real("cold", cold), v.real("hot", hot)
        if not self.hot > self.cold:
            raise ValueError(f"hot must be > cold ({self.cold!r}), got {self.hot!r}")
        self.gain = _log_slider(_label("gain", "knob turn per °C"), gain, self._LOW, self._HIGH,
                                "lrlab-gain", fmt=".2g",
                                tooltip="how far the knob turns per degree of error (the learning rate)")
        self.scale = _Scale(self._LOW, self._HIGH)
        self.delay = _int_slider(_label("pipe delay", "s"), delay, 0, max_delay, "lrlab-delay",
                                 tooltip="seconds before a knob turn reaches your skin")
        self._marked_delay = None
        super().__init__([self.gain, self.scale, self.delay], [self.gain, self.delay])

    def _compute(self):
        return shower.simulate(self.gain.value, delay=self.delay.value, steps=self.steps_per_run,
                               cold=self.cold, hot=self.hot)

    def _draw(self, canvas):
        fig = canvas.figure
        ax = fig.subplots()
        fig.subplots_adjust(left=0.07, right=0.78, bottom=0.16, top=0.88)
        target = ax.axhline(0, color=plots.VERDICT_COLOURS["good"], ls="--", lw=1, label="target")
        felt = canvas.moving(ax.plot([], [], color=plots.PALETTE[6], lw=2, marker=".", ms=4,
                                     label="temperature felt")[0])
        ax.set_xlabel("time (s)")
        ax.set_ylabel("temperature felt (°C)")
        ax.set_title("Water temperature at the skin")
        return {"canvas": canvas, "ax": ax, "band": None, "target": target, "felt": felt, "layout": None}

    def _show(self, art, run):
        key = (run.target, run.band, float(run.time[-1]))
        if art["layout"] != key:
            ax = art["ax"]
            if art["band"] is not None:
                art["band"].remove()
            art["band"] = ax.axhspan(run.target - run.band, run.target + run.band, zorder=0,
                                     color=plots.VERDICT_COLOURS["good"], alpha=0.15,
                                     label=f"comfortable ({run.target:g} ± {run.band:g} °C)")
            art["target"].set_ydata([run.target, run.target])
            ax.set_xlim(0, run.time[-1])
            ax.set_ylim(self.cold - 2.0, self.hot + 2.0)
            _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
            art["layout"] = key
            art["canvas"].invalidate()
        art["felt"].set_data(run.time, run.felt)
        if self._marked_delay != run.delay and art is self._art:
            self._mark_scale(run.delay)
        end = float(run.time[-1])
        if run.behaviour == "settles":
            text = f"settles after {run.settled_at:g} s"
        elif run.behaviour == "too timid":
            miss = float(run.error[-1])
            text = f"too timid: still {abs(miss):.1f} °C too {'cold' if miss > 0 else 'hot'} after {end:g} s"
        else:
            text = f"wild swings: never settles in {end:g} s"
        limit = shower.stable_gain_limit(run.delay, cold=self.cold, hot=self.hot)
        fastest = shower.fastest_gain(run.delay, cold=self.cold, hot=self.hot)
        note = (f"gain {run.gain:.2g} knob/°C with a {run.delay} s delay: gains above {limit:.3g} knob/°C "
                f"swing ever wider; the fastest settling gain is {fastest:.3g} knob/°C.")
        state = {"gain": run.gain, "delay": run.delay, "steps": len(run.time) - 1}
        return text, note, state

    def _mark_scale(self, delay):
        fastest = shower.fastest_gain(delay, cold=self.cold, hot=self.hot)
        limit = shower.stable_gain_limit(delay, cold=self.cold, hot=self.hot)
        self.scale.draw([("fastest", fastest, plots.VERDICT_COLOURS["good"]),
                         ("stable limit", limit, plots.VERDICT_COLOURS["too large"])],
                        [(limit, 10.0 ** self._HIGH, plots.VERDICT_COLOURS["too large"], "swings grow")])
        self._marked_delay = delay
