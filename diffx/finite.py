"""Finite differences with step control: the one implementation behind ``method="numeric"``
and ``diffx.check``.

A function is given as ``fn(xs, idx) -> values``: the function at the arguments ``xs`` of the
points ``idx`` (flat indices into the array of points), so every rule here runs on all points
at once with numpy, and only the points still searching are evaluated.

The step rule (``central``; ``forward`` and ``backward`` likewise with order 1):

1. Start from the standard step h0 = ∛ε·max(1, |x|) (√ε for one-sided differences), rounded
   so that x ± h is exactly representable, and compute D(2h0) and D(h0).
2. Shrink the step by Q = 4 per round. Each pair of successive steps (s', s) gives the
   Richardson estimate of the error of D(s): |D(s) − D(s')| · s^p / (s'^p − s^p) plus the
   rounding error ε·max|f| / s. A pair is trusted when the difference is no larger than
   rounding explains (the noise floor), or when successive differences shrink by the ratio
   the Taylor series predicts (within a factor 2): then the estimate means what it says.
   A periodic function at a step larger than its period, or a step that reaches past a
   nearby singularity, fails that test, and the search goes on.
3. Stop at the noise floor, when two rounds after the best trusted estimate have not
   improved it, below the resolution of x (8 ulps: a smaller step cannot be represented),
   or after MAX_ROUNDS rounds. The answer is the central difference at the step with the
   smallest trusted estimate. A step that leaves the domain (a non-finite value) jumps to
   |x|/Q. When no pair was ever trusted the best untrusted one is returned, flagged.

An easy function stops after the first pair: 4 evaluations per input, as the fixed rule
costs with its error estimate; a hard one costs 2 more per round.

Ridders' extrapolation (``richardson``) starts its tableau at a tenth of the length scale
the central search measured (L = √(|D| / c) with c = the h² coefficient), never larger
than 0.1·max(1, |x|) nor smaller than the central step, and keeps the central result when
that is better.

A caller that knows the rounding error of f better than ε·|f| passes it to ``noise_floor``:
the numeric method takes ε·Σ |∂f/∂v|·|v| over the nodes v that depend on x (what every
rounding, carried to f, can add up to), which for huge values that cancel ((1e118 + x) −
1e118) is far above ε·|f|. The error estimate is then at least 2·that noise over the width of
the difference; the step the search chose stays (that bound is a worst case, and steering by
it would cost the accuracy the measured noise allows, as in the logistic map).

An estimate larger than ESTIMATE_TOL relative to the derivative (with an absolute floor of
ABS_FLOOR·min(1, |f|)²/max(1, |x|), which never lets it past FLOOR_TOL relative: a
derivative of 1.85e-10 with an estimate of ±4e-11 is 20% uncertain, however small) is
reported by the method as a warning (``large_error``). ``slope=`` gives the scale of the derivative where |D| is not it: at a kink
the central difference averages the one-sided slopes (abs(x − 1) at 1 gives D = 0 between −1
and 1), so the estimate is judged against the larger one-sided slope |f(x ± h) − f(x)|/h.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

EPS = 2.0**-52
Q = 4.0  # step ratio between rounds of the search
MAX_ROUNDS = 14  # rounds after the first pair: down to h0 / 4^13
PATIENCE = 2  # rounds without improvement after the best trusted estimate
KAPPA = 2.0  # a difference up to KAPPA times the rounding noise is noise
RES_ULPS = 8.0  # the smallest step searched, in ulps of x
ESTIMATE_TOL = 1e-6  # an estimate above this, relative to |derivative|, is reported
ABS_FLOOR = 1e-10  # ... unless below ABS_FLOOR * min(1, |f|)² / max(1, |x|)
FLOOR_TOL = 1e-5  # ... and below FLOOR_TOL relative to |derivative|: the floor's limit
RIDDERS_SHRINK = 1.4  # step ratio between tableau rows
RIDDERS_ROWS = 12
RIDDERS_SAFE = 2.0  # stop when the error grows by this factor
RIDDERS_NOISE = 8.0  # the Neville weights amplify the noise of f/h: ∏ (q+1)/(q-1) ≈ 8
RIDDERS_FIRST = 0.1  # first step, relative to max(1, |x|) and to the measured length scale

Fn = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Estimate:
    """Derivatives at the points with the step used, the error estimate, and whether the
    step search settled (a trusted estimate); ``first`` is Ridders' starting step."""

    derivative: np.ndarray
    step: np.ndarray
    error: np.ndarray
    settled: np.ndarray
    first: np.ndarray
    left_domain: np.ndarray  # a step on the way left the domain (a non-finite value)
    noise: np.ndarray  # the rounding error of f itself, as measured (at least ε·|f|)


def scale(x: np.ndarray) -> np.ndarray:
    return np.maximum(1.0, np.abs(x))


def standard_step(x: np.ndarray, scheme: str) -> np.ndarray:
    return (EPS ** (1 / 3) if scheme == "central" else EPS**0.5) * scale(x)


def blind(f0: Any) -> Any:
    """Where no difference is a derivative (per point): where f is not finite at the point
    itself. One that uses f(x) is inf or nan by that alone (its sign arbitrary: backward
    differences of ``1/x^2`` at 1e-200 gave +inf, the true derivative being -2e600), and one
    across the point sees only f at x ± h (the even pole's two sides cancel: central
    differences of ``1/x^2`` at 1e-200 give 0, of ``1/x^2 + x`` there 1.02). The numeric
    method and check both make those differences nan."""
    with np.errstate(all="ignore"):
        return ~np.isfinite(np.asarray(f0, dtype=float))


def resolution(x: np.ndarray) -> np.ndarray:
    """The smallest step that changes x (an ulp of x)."""
    return np.spacing(np.abs(np.asarray(x, dtype=float)))


def difference(fn: Fn, x: np.ndarray, f0: np.ndarray, s: np.ndarray, idx: np.ndarray,
               scheme: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One difference quotient at the points ``idx`` with steps ``s``: (D, exact step,
    rounding noise). A step below the resolution of x gives nan."""
    xi, f0i = x[idx], f0[idx]
    with np.errstate(all="ignore"):
        up = xi + s if scheme != "backward" else xi
        down = xi - s if scheme != "forward" else xi
        fu = fn(up, idx) if scheme != "backward" else f0i
        fd = fn(down, idx) if scheme != "forward" else f0i
        width = up - down  # exactly representable: the step actually taken
        d = np.where(width > 0, (fu - fd) / np.where(width > 0, width, 1.0), np.nan)
        size = np.maximum(np.maximum(np.abs(fu), np.abs(fd)), np.abs(f0i))
        # f rounds (ε|f| each), and so does the quotient itself (ε|d|)
        noise = EPS * size / np.where(width > 0, width, np.nan) * 2.0 + EPS * np.abs(d)
    h = width / 2 if scheme == "central" else width
    return d, h, noise


def search(fn: Fn, x: np.ndarray, f0: np.ndarray, scheme: str, step: float | None = None,
           estimate: bool = True) -> Estimate:
    """The step rule of the module docstring (a fixed ``step`` or ``estimate=False``: one
    step, estimated from the pair (2h, h), or by its rounding error alone)."""
    n, p = x.size, (2 if scheme == "central" else 1)
    every = np.arange(n)
    h0 = standard_step(x, scheme) if step is None else np.full(n, float(step))
    if not estimate:
        d, h, noise = difference(fn, x, f0, h0, every, scheme)
        return Estimate(d, h, noise, np.ones(n, bool), h, ~np.isfinite(d), noise * h)
    d_prev, s_prev, noise_prev = difference(fn, x, f0, 2 * h0, every, scheme)
    delta_prev = np.full(n, np.nan)
    s_pp = np.full(n, np.nan)
    best_d, best_h, best_err = d_prev.copy(), s_prev.copy(), np.full(n, np.inf)
    best_c, best_trunc, best_noise = np.zeros(n), np.zeros(n), np.zeros(n)
    rough = EPS * np.abs(f0)  # the noise of f: ε·|f|, or what the last rounds showed
    loose_d, loose_h, loose_err = d_prev.copy(), s_prev.copy(), np.full(n, np.inf)
    settled = np.zeros(n, bool)
    since = np.zeros(n, int)
    left = ~np.isfinite(d_prev) & np.isfinite(f0)
    active = np.isfinite(f0)
    floor_h = RES_ULPS * resolution(x)
    rounds = 2 if step is not None else MAX_ROUNDS + 1
    for k in range(1, rounds):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        sp = s_prev[idx]
        s = h0[idx] if k == 1 else sp / Q
        jump = ~np.isfinite(d_prev[idx]) & (x[idx] != 0)
        s = np.where(jump, np.minimum(s, np.abs(x[idx]) / Q), s)
        d, h, noise = difference(fn, x, f0, s, idx, scheme)
        left[idx] |= ~np.isfinite(d) & np.isfinite(f0[idx])
        with np.errstate(all="ignore"):
            delta = d - d_prev[idx]
            span = sp**p - h**p
            err = np.abs(delta) * h**p / span + noise
            floor = np.abs(delta) <= KAPPA * (noise_prev[idx] + noise)
            ratio = delta_prev[idx] / delta
            want = (s_pp[idx] ** p - sp**p) / span
            steady = (ratio >= want / 2) & (ratio <= want * 2)
            c = np.abs(delta) / span
        ok = np.isfinite(d) & np.isfinite(err) & (h > 0)
        trusted = ok & (floor | steady)
        better = trusted & (err < best_err[idx])
        sel = idx[better]
        best_d[sel], best_h[sel], best_err[sel], best_c[sel] = d[better], h[better], \
            err[better], c[better]
        best_trunc[sel], best_noise[sel] = err[better] - noise[better], noise[better]
        settled[sel] = True
        since[idx] = np.where(better, 0, since[idx] + 1)
        lbetter = ok & (err < loose_err[idx])
        lsel = idx[lbetter]
        loose_d[lsel], loose_h[lsel], loose_err[lsel] = d[lbetter], h[lbetter], err[lbetter]
        stop = (ok & floor) | (settled[idx] & (since[idx] >= PATIENCE)) | (s / Q < floor_h[idx])
        active[idx[stop]] = False
        noisy = stop & ok & (floor | (since[idx] >= PATIENCE))  # stopped by rounding noise
        rough[idx[noisy]] = np.maximum(rough[idx[noisy]], np.abs(delta[noisy]) * h[noisy])
        s_pp[idx], s_prev[idx], d_prev[idx] = sp, h, d
        delta_prev[idx], noise_prev[idx] = delta, noise
    # the measured noise of f (|δ|·h where rounding took over) may exceed ε·|f|: say so
    best_err = np.where(settled, best_trunc + np.maximum(best_noise, rough / best_h), best_err)
    if step is not None:  # a given step: its own pair, trusted or not
        settled = np.ones(n, bool)
        best_d, best_h = d_prev, s_prev
        best_err = np.where(np.isfinite(loose_err), loose_err, noise_prev)
    use = ~settled
    best_d = np.where(use, np.where(np.isfinite(loose_err), loose_d, d_prev), best_d)
    best_h = np.where(use, np.where(np.isfinite(loose_err), loose_h, s_prev), best_h)
    best_err = np.where(use, np.where(np.isfinite(loose_err), loose_err, np.nan), best_err)
    with np.errstate(all="ignore"):
        length = np.where(best_c > 0, np.sqrt(np.abs(best_d) / best_c), np.inf)
    first = np.clip(RIDDERS_FIRST * length, best_h, RIDDERS_FIRST * scale(x))
    first = np.where(np.isfinite(first), first, RIDDERS_FIRST * scale(x))
    return Estimate(best_d, best_h, best_err, settled, first, left, rough)


def ridders(fn: Fn, x: np.ndarray, f0: np.ndarray, first: np.ndarray,
            noise: np.ndarray) -> Estimate:
    """Ridders' method: a Neville tableau of central differences over the steps h, h/1.4, ...
    per point, all points at once; the tableau element with the smallest error estimate."""
    n = x.size
    every = np.arange(n)
    h = first.astype(float).copy()
    d, hh, _ = difference(fn, x, f0, h, every, "central")
    left = ~np.isfinite(d) & np.isfinite(f0)
    for _ in range(40):  # the first step left the domain: shrink it
        bad = np.flatnonzero(~np.isfinite(d) & np.isfinite(f0))
        if bad.size == 0:
            break
        h[bad] /= 4
        d[bad], hh[bad], _ = difference(fn, x, f0, h[bad], bad, "central")
    prev = [d]
    steps = [hh]  # the steps actually taken (x ± h exact), row by row
    best, err, best_h = d.copy(), np.full(n, np.inf), hh.copy()
    alive = np.isfinite(d)
    for i in range(1, RIDDERS_ROWS):
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            break
        h[idx] /= RIDDERS_SHRINK
        row0, hi, _ = difference(fn, x, f0, h[idx], idx, "central")
        row = [row0]
        with np.errstate(all="ignore"):
            for j in range(1, i + 1):
                # Neville in t = h² towards 0, with the exact steps: at large |x| the steps
                # are rounded, and a nominal ratio would extrapolate the rounding
                fac = (steps[i - j][idx] / hi) ** 2
                up = prev[j - 1][idx]
                row.append((row[j - 1] * fac - up) / (fac - 1))
                errt = np.maximum(np.abs(row[j] - row[j - 1]), np.abs(row[j] - up))
                better = errt <= err[idx]
                sel = idx[better]
                best[sel], err[sel], best_h[sel] = row[j][better], errt[better], hi[better]
            grew = ~(np.abs(row[i] - prev[i - 1][idx]) < RIDDERS_SAFE * err[idx])
        full = [np.full(n, np.nan) for _ in range(i + 1)]
        for j in range(i + 1):
            full[j][idx] = row[j]
        prev = full
        steps.append(np.full(n, np.nan))
        steps[i][idx] = hi
        alive[idx[grew]] = False
    # the tableau sees truncation; the rounding noise of f at the step adds to it
    err = np.where(np.isfinite(err), err + RIDDERS_NOISE * noise / best_h + EPS * np.abs(best),
                   np.nan)
    return Estimate(best, best_h, err, np.isfinite(err), first, left, noise)


def large_error(d: np.ndarray, err: np.ndarray, f0: np.ndarray, x: np.ndarray,
                slope: np.ndarray | None = None) -> np.ndarray:
    """Where an error estimate is too large to trust the derivative (or is not finite).
    ``slope``: the scale of the derivative when |d| is not it (at a kink, the larger of the
    one-sided slopes: abs(x − 1) at 1 gives d = 0 between −1 and 1)."""
    with np.errstate(all="ignore"):
        # the floor does not grow with a large |f|: a derivative far below f's rounding
        # (1e300 + x) is what a finite difference cannot see, and must be reported; it shrinks
        # with a tiny |f| (x^2 at 1e-150), where an absolute 1e-10 would hide everything; and
        # it never allows more than FLOOR_TOL relative: an f of order 1 resolves its slope
        # only to about ε/h ≈ 4e-11, which for a slope of 1e-10 is no answer at all
        size = np.abs(d) if slope is None else np.maximum(np.abs(d), np.nan_to_num(slope))
        floor = ABS_FLOOR * np.minimum(1.0, np.abs(f0))**2 / scale(x)
        allowed = ESTIMATE_TOL * size + np.minimum(floor, FLOOR_TOL * size)
        return ~(np.isfinite(d) & (err <= allowed))


def noise_floor(est: Estimate, fnoise: np.ndarray, scheme: str) -> Estimate:
    """``est`` with its error estimate raised to at least the rounding noise that a known
    rounding error of f (``fnoise`` per point, absolute) puts into the quotient: 2·fnoise
    over the width of the difference (2h central, h one-sided). The search measures noise
    from successive differences, which cannot see it when f is flat in floats between the
    steps (the rounded remains of a cancellation); the step it chose stays."""
    width = np.where(est.step > 0, est.step * (2.0 if scheme in ("central", "richardson")
                                               else 1.0), np.nan)
    with np.errstate(all="ignore"):
        floor = 2.0 * fnoise / width
        err = np.where(np.isfinite(floor), np.maximum(est.error, floor), est.error)
    return Estimate(est.derivative, est.step, err, est.settled, est.first, est.left_domain,
                    np.maximum(est.noise, fnoise))
