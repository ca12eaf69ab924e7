"""The warnings of the numeric method about its own result: a kink between x - h and x + h,
an error estimate too large for the derivative, and a derivative
no larger than its own resolution (unless its 0 is exact by symmetry); and the rounding noise
of f from the values its evaluation adds up, which these warnings explain."""

from __future__ import annotations

import math
from typing import Any

from .. import diagnose, evaluation
from ..errors import option
from .. import ops as _ops
from ..graph import Graph

EPS = 2.0**-52

# ops whose derivative jumps where a branch indicator changes sign: relu/abs at 0, max/min
# at a tie (sqrt and asin/acos end their domain there instead: the step warnings say so)
_BRANCH = {"relu": lambda a: a[0], "abs": lambda a: a[0], "max": lambda a: a[0] - a[1],
           "min": lambda a: a[0] - a[1], "div": lambda a: a[1]}  # div: a pole, where 1/y jumps
_STEPPED = diagnose.KINK_CODES | {_ops.BY_NAME["div"].code}


def kinks_within_steps(graph: Graph, point: dict[str, Any], wrt: tuple[str, ...],
                        steps: dict[str, Any], arrays: bool) -> list[str]:
    """A kink between x - h and x + h (not at x itself): the difference then averages two
    different slopes (``max(y, x)`` with x and y closer than h), so it says so; and likewise
    a denominator that changes sign there (``sigmoid(1/x)`` at x = -1e-22 is 0 on one side
    and 1 on the other: the difference spans a pole)."""
    import numpy as np

    nodes = [i for i in graph.nodes_with(_STEPPED)  # (a softmax's shift is no kink)
             if graph.op_of(i).name in _BRANCH and i not in graph.shifts]  # type: ignore[union-attr]
    if not nodes:
        return []
    live = graph.reachable_from_output()
    found = []
    center = None  # the values at the point itself (a pole there: no step avoids it)
    for w in wrt:
        h = np.asarray(steps[w], dtype=float)
        if not np.all(np.isfinite(h)):
            h = np.where(np.isfinite(h), h, 0.0)
        x = np.asarray(point[w], dtype=float)
        side = []
        for shift in (-h, h):
            at = dict(point)
            at[w] = x + shift if arrays else float(x + shift)
            side.append(evaluation.evaluate(graph, at, arrays)[0])
        for i in nodes:
            args = graph.args(i)
            if not live[i] or (len(args) == 2 and args[0] == args[1]):  # max(x, x): no kink
                continue
            rule = _BRANCH[graph.op_of(i).name]  # type: ignore[union-attr]
            lo = np.sign(rule([np.asarray(side[0][a]) for a in graph.args(i)]))
            hi = np.sign(rule([np.asarray(side[1][a]) for a in graph.args(i)]))
            crossed = lo != hi
            if np.any(crossed):
                where = "" if np.ndim(crossed) == 0 else \
                    f" (at {int(np.sum(crossed)):,} of {np.size(crossed):,} points)"
                what = f"{graph.describe(i)} has a kink"
                tail = (f"a smaller {option('step')}, or the reverse method, avoids it")
                if rule is _BRANCH["div"]:  # a pole; 0/0 when the numerator turns there too
                    top = [np.sign(np.asarray(v[args[0]])) for v in side]
                    removable = np.any(crossed & (top[0] != top[1]))
                    what = (f"the numerator and the denominator of {graph.describe(i)} both "
                            "change sign (a 0/0)" if removable else
                            f"the denominator of {graph.describe(i)} changes sign (a pole)")
                    on_pole = False
                    if not removable:
                        if center is None:
                            center = evaluation.evaluate(graph, point, arrays)[0]
                        on_pole = bool(np.any(crossed & (np.asarray(center[args[1]]) == 0)))
                    if on_pole:
                        tail = ("the point is on the pole itself, where f has no derivative: "
                                "no step, and no method, gives one there")
                found.append(f"∂/∂{w}: {what} between {w} - h and "
                             f"{w} + h{where}: the difference averages the slopes on its two "
                             f"sides; {tail}")
                break
    return found


FLAT_HIDDEN = 1e-8  # past EXACT_CHECKS points, a flat f hiding a slope below this is flat
EXACT_CHECKS = 20  # points of an array whose symmetry is checked in mpmath
EXACT_DIGITS = 50  # digits beyond those that hold x ± h exactly
FLOAT_MATCH = 1e-6  # the exact f at x + h within this of the float f there
# digits that see f(x + h) − f(x − h) = 2h·f' for any f' down to the smallest double (5e-324),
# beyond log10(|f|/h): sigmoid(3x) at 100 differs at ±h only in its 133rd digit
DOUBLE_DIGITS = 324
MAX_SPAN = 700  # decimal range of node magnitudes past which the symmetry is not checked


def at_points(xs: Any, mask: Any, name: str = "x") -> str:
    """Where a warning holds: the point, or how many of the points and the first (``name``
    is the input differentiated)."""
    import numpy as np

    k = int(np.flatnonzero(mask)[0])
    return f" at {name} = {xs[k]:.6g}" if xs.size == 1 else \
        f" at {int(mask.sum()):,} of {xs.size:,} points (the first at {name} = {xs[k]:.6g})"


class Sides:
    """f(x + h) and f(x − h) at the steps the method chose, evaluated only at the points
    asked for, and each at most once."""

    def __init__(self, fn: Any, xs: Any, h: Any) -> None:
        import numpy as np

        self.fn, self.xs, self.h = fn, xs, h
        self.up, self.down = np.full(xs.size, np.nan), np.full(xs.size, np.nan)
        self.done = np.zeros(xs.size, bool)

    def at(self, idx: Any) -> tuple[Any, Any]:
        import numpy as np

        need = idx[~self.done[idx]]
        if need.size:
            with np.errstate(all="ignore"):
                self.up[need] = self.fn(self.xs[need] + self.h[need], need)
                self.down[need] = self.fn(self.xs[need] - self.h[need], need)
            self.done[need] = True
        return self.up[idx], self.down[idx]


def within(d: Any, err: Any) -> Any:
    """|D| is not above its own error estimate (and that estimate is not 0)."""
    import numpy as np

    with np.errstate(all="ignore"):
        return (np.abs(d) <= err) & (err > 0)


def large(finite: Any, xs: Any, f0s: Any, d: Any, err: Any, scheme: str, sides: Any,
           kink: bool, settled: Any = None, cause: Any = None, name: str = "x",
           analytic: bool = True) -> list[str]:
    """An error estimate too large for the derivative (``finite.large_error``). Where |D| is
    not above its estimate ``unresolved`` speaks instead. At a kink the scale of the
    derivative is the slopes on either side, not the average the central difference gives
    (abs(x − 1) at 1: 0 between −1 and 1): the estimate is judged against them, and the kink
    warning says the rest."""
    import numpy as np

    large = np.isfinite(f0s) & np.isfinite(d) & ~within(d, err) & \
        finite.large_error(d, err, f0s, xs)
    if kink and sides is not None and np.any(large):
        idx = np.flatnonzero(large)
        up, down = sides.at(idx)
        with np.errstate(all="ignore"):
            slope = np.maximum(np.abs(up - f0s[idx]), np.abs(f0s[idx] - down)) / sides.h[idx]
        large[idx] = finite.large_error(d[idx], err[idx], f0s[idx], xs[idx], slope)
    if not np.any(large):
        return []
    k = int(np.flatnonzero(large)[0])
    rel = abs(err[k] / d[k]) if d[k] != 0 else math.inf
    why = (" (the differences never settled as the step shrank, so even this estimate "
           "is unreliable)") if settled is not None and not bool(settled[k]) else ""
    why += cause(k) if cause is not None else ""
    others = " or ".join(s for s in ("richardson", "complex")  # (no complex step through
                         if s != scheme and (analytic or s != "complex"))  # abs, relu, ...)
    return [f"the {scheme} difference {d[k]:.6g} has an error estimate of {err[k]:.2g} "
            f"(relative {rel:.1g}, above {finite.ESTIMATE_TOL:g})"
            f"{at_points(xs, large, name)}{why}: "
            f"finite differences cannot resolve this derivative well; try {option('scheme')} "
            f"{others}, another {option('step')}, or the reverse method"]


def unresolved(f: Any, point: dict[str, Any], w: str, xs: Any, f0s: Any, res: Any,
                sides: Any, scheme: str, cause: Any = None) -> list[str]:
    """A derivative no larger than its own error estimate (rounding + truncation) cannot be
    told from 0 at this resolution: say so, with the resolution, unless the 0 is exact.

    A symmetric difference is exactly 0 when f(x + h) == f(x − h) in floats. That happens for
    a function symmetric about x (x² or cos(x) at 0, abs(x − 1) at 1, the constant max(x, 5)
    at 1: the derivative is 0, or 0 by the kink convention) and just as well for one whose
    asymmetry is below the rounding of f (cos(x − 1) at 1 + 2⁻⁵², sin at the double nearest
    π/2: derivatives 2e-16 and 6e-17). The two floats cannot tell these apart; the same two
    evaluations in mpmath can, at x ± h exactly and EXACT_DIGITS digits beyond: equal there
    too, the 0 is exact by symmetry and goes without saying. Otherwise (or when mpmath cannot
    evaluate f there) the 0 is reported: as "f did not change at all" when f(x ± h) == f(x)
    in floats, else as below the resolution. A nonzero D within its estimate is always
    reported. Past EXACT_CHECKS points of an array, a flat f whose rounding hides a slope
    below FLAT_HIDDEN is taken as flat (the losing side of max)."""
    import numpy as np

    d, err, h = res.derivative, res.error, res.step
    # an estimate of 0 (f = 0 near x) does not prove a 0: (1e30 + x) - 1e30 rounds x away
    mask = np.isfinite(f0s) & np.isfinite(d) & (within(d, err) | (d == 0))
    if not np.any(mask):
        return []
    out = []
    zero = np.flatnonzero(mask & (d == 0) & (h > 0))
    flat = np.zeros(xs.size, bool)
    if zero.size:
        up, down = sides.at(zero)
        same = up == down
        flat[zero] = same & (up == f0s[zero])
        with np.errstate(all="ignore"):
            hidden = EPS * np.abs(f0s) / h
        for n, k in enumerate(zero[same]):
            if n < EXACT_CHECKS:
                mask[k] = not symmetric(f.graph, point, w, int(k), float(xs[k]), float(h[k]))
            else:
                mask[k] = not flat[k] or hidden[k] > FLAT_HIDDEN
        flat &= mask
        if np.any(flat):
            k = int(np.flatnonzero(flat)[0])
            size = (f"a derivative smaller than about {hidden[k]:.2g}" if hidden[k] > 0
                    else "a change lost in the rounding of an intermediate value")
            out.append(f"the difference is exactly 0 at {w} = {xs[k]:.6g} because f did not "
                       f"change at all at {w} ± {h[k]:.2g} (f = {f0s[k]:.6g}): {size} cannot "
                       "be seen by finite differences here; use the reverse method")
    mask &= ~flat
    if np.any(mask):
        k = int(np.flatnonzero(mask)[0])
        asym = (" (f(x + h) and f(x − h) are equal in floats but not in exact arithmetic)"
                if d[k] == 0 else "") + (cause(k) if cause is not None else "")
        out.append(f"the {scheme} difference {d[k]:.3g} is below the numeric method's "
                   f"resolution here (±{err[k]:.2g}){at_points(xs, mask, w)}{asym}: the "
                   "derivative may be 0 or anything of that size; the reverse method resolves it")
    return out


def symmetric(graph: Graph, point: dict[str, Any], w: str, k: int, x: float,
               h: float) -> bool:
    """f(x + h) == f(x − h) in mpmath, with x ± h exact and EXACT_DIGITS digits beyond the
    range of magnitudes f's nodes span at x (1e300 + x needs 300 digits to see x)."""
    import mpmath
    import numpy as np

    from .. import engine

    spread = max(0, math.frexp(x)[1] - math.frexp(h)[1]) if x != 0 else 0
    at = {}
    for name, v in point.items():
        a = np.asarray(v, dtype=float).ravel()
        at[name] = float(a[k] if a.size > 1 else a[0])
    try:
        with mpmath.workdps(30):
            sizes = [abs(v) for v in engine.forward(graph, {n: mpmath.mpf(v) for n, v in
                                                             at.items()}, "mpmath")
                     if isinstance(v, mpmath.mpf) and v != 0 and mpmath.isfinite(v)]
        span = int(mpmath.log10(max(sizes) / min(sizes))) if sizes else 0
        if span > MAX_SPAN:
            return False  # beyond doubles (or far past them): no proof, the warning stays
        over_h = max(0, int(mpmath.log10(max(sizes) / h))) if sizes else 0
        with mpmath.workdps(int((53 + spread) * 0.302) + 1 + span + EXACT_DIGITS +
                            DOUBLE_DIGITS + over_h):
            p = {name: mpmath.mpf(v) for name, v in at.items()}
            both = []
            for sign in (1, -1):
                p[w] = mpmath.mpf(x) + sign * mpmath.mpf(h)
                both.append(engine.forward(graph, p, "mpmath")[graph.output])
    except (ArithmeticError, ValueError, TypeError):
        return False
    up, down = both
    # the exact f must be the function the floats compute: tan(acos(0)) is 1.6e16 in floats
    # but grows with the precision in mpmath, whose equal ends then prove nothing
    fu = float(evaluation.evaluate(graph, {**at, w: x + h}, False)[0][graph.output])
    with mpmath.workdps(20):
        same = abs(up - fu) <= FLOAT_MATCH * max(abs(fu), abs(up)) if math.isfinite(fu) \
            else False
    return isinstance(up, mpmath.mpf) and mpmath.isfinite(up) and up == down and bool(same)


PERIODIC = frozenset(_ops.BY_NAME[n].code for n in ("sin", "cos", "tan"))
PERIOD_MOVE = 1.0  # radians an argument may move across the step before it is reported


def past_period(graph: Graph, point: dict[str, Any], w: str, h: Any, arrays: bool) -> list[str]:
    """A sin, cos or tan whose argument moves by more than PERIOD_MOVE between x − h and
    x + h: the difference then samples its oscillation, not its slope, and when the rest of
    f's rounding hides that (a + cos(a) at a = 1e136, where no step below 1e120 exists) the
    search cannot see it. Said with the move."""
    import numpy as np

    live = graph.reachable_from_output()
    active = graph.depends_on([graph.input_nodes[w]])
    nodes = [i for i in graph.nodes_with(PERIODIC) if live[i] and active[i]]
    if not nodes:
        return []
    h = np.nan_to_num(np.asarray(h, dtype=float))
    x = np.asarray(point[w], dtype=float)
    side = []
    with np.errstate(all="ignore"):
        for shift in (-h, h):
            at = dict(point)
            at[w] = x + shift if arrays else float(x + shift)
            side.append(evaluation.evaluate(graph, at, arrays)[0])
        for i in nodes:
            a = graph.args(i)[0]
            move = np.abs(np.asarray(side[1][a], dtype=float) - np.asarray(side[0][a],
                                                                             dtype=float))
            far = np.isfinite(move) & (move > PERIOD_MOVE)
            if np.any(far):
                k = int(np.flatnonzero(np.ravel(far))[0]) if np.ndim(far) else 0
                big = float(np.ravel(move)[k])
                where = "" if np.ndim(far) == 0 else \
                    f" (at {int(np.sum(far)):,} of {np.size(far):,} points)"
                return [f"{graph.describe(i)}: its argument moves by {big:.2g} between "
                        f"{w} - h and {w} + h{where}, past its period 2π: the difference "
                        "samples its oscillation, not its slope; the reverse method "
                        "differentiates it"]
    return []
