"""Exact derivatives at one point, in mpmath, where the float sweep lost precision.

:mod:`diffx.precision` finds where a float sweep lost digits; this module re-runs the forward
pass and the sweep (or the tangents) from the same float inputs and constants in mpmath, whose
exponent range is unbounded, with as many digits as the float sweep's magnitudes span plus 50
(doubling until two runs agree), and turns the two into the derivatives to report and a
sentence that names the node. Over many points it only warns: an exact re-run per point
would cost too much.
"""

from __future__ import annotations

import math
import struct
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from . import engine, precision, value_audit
from .graph import Graph

DIGIT_STEPS = (50, 100, 200, 400, 800, 1600)  # mpmath precisions tried, until two agree
EXACT_SECONDS = 2.0  # the exact re-run gives up past this
MAX_EXACT_NODES = 20_000  # beyond this the exact re-run is skipped (a warning says so)
AGREE = 1e-9  # the float result stands when it is this close to the exact one
HOW_LOST = {  # what the precision audit found, per kind
    "cancellation": "its contributions cancelled: they are far larger than their sum",
    "underflow": "a product of nonzero local derivatives underflowed to zero or a subnormal",
    "periodic": "its argument is so large that its rounding error is not small against the "
                "period: the float value and slope there are unreliable",
    "overflow": "its value overflowed to infinity at finite arguments, so every value and "
                "derivative computed from it is unreliable in floats",
    "underflow-value": "its value underflowed to zero or a subnormal at nonzero arguments",
    "cancelled": "it is exactly 0 in floats, yet the roundings before it do not cancel, so "
                 "its true value may be anything of their size",
    "conditioning": "the float rounding before it is magnified past 2^-23 of its value "
                    "(ill-conditioned), so that value and the derivatives using it are "
                    "unreliable in floats",
}


class Checked(NamedTuple):
    """What the audit of one point concluded: the derivatives to report instead of the float
    ones (only those that differ), the warnings, and the exact value of f when it differs
    from the float one (None otherwise)."""

    fixed: dict[str, float]
    warnings: list[str]
    value: float | None = None


def auditable(graph: Graph, wrt: tuple[str, ...], gradient: dict[str, Any], arrays: bool
              ) -> bool:
    """One point, and either a finite gradient (audited for lost digits) or a graph small
    enough for the exact re-run of a gradient that is not finite."""
    if arrays or not wrt:
        return False
    finite = all(isinstance(gradient[w], float) and math.isfinite(gradient[w]) for w in wrt)
    return finite or graph.n_evaluated <= MAX_EXACT_NODES


def point_values(graph: Graph, vals: Sequence[Any]) -> Any:
    """One point's forward values as a float array (for the precision audit), or None when
    they are not real floats."""
    try:
        return precision.values_array(graph, vals)
    except (TypeError, ValueError, struct.error):
        return None


VALUE_DIGITS = 40  # the forward values' check when the conditioning bound fires


def values_hold(graph: Graph, point: dict[str, Any], V: Any) -> bool:
    """Whether every value the output uses is within the conditioning audit's limit (2^-23,
    relative) of the same value computed with ``VALUE_DIGITS`` digits. The audit's error
    estimate adds the size of every rounding's effect; where routes meet again it cannot see
    them cancel (``l*(1 - l)`` in the logistic map: the bound triples each step while the
    true error stays a few roundings), so a flagged point is checked before it is called
    ill-conditioned. Forward values only, cheaper than the exact re-run of the sweep (and
    also for graphs too big for that). False where the check cannot decide."""
    import mpmath
    import numpy as np

    if graph.n_evaluated > value_audit.MAX_CONDITION_NODES or \
            not all(type(v) is float for v in point.values()):
        return False
    try:
        with mpmath.workdps(VALUE_DIGITS):
            exact = engine.forward(graph, {k: mpmath.mpf(v) for k, v in point.items()},
                                   "mpmath")
            nodes = value_audit._live_ops(graph)
            ref = np.array([float(exact[i]) for i in nodes.tolist()])
    except (ArithmeticError, ValueError, TypeError, MemoryError):
        return False
    got = np.asarray(V)[nodes]
    if not (np.isfinite(ref).all() and np.isfinite(got).all()):
        return False
    return bool((np.abs(got - ref) <= value_audit.CONDITION_LIMIT * np.abs(ref)).all())


def check_point(graph: Graph, point: dict[str, Any], V: Any, D: Mapping[str, Sequence[Any]],
                wrt: tuple[str, ...], gradient: dict[str, Any], reverse: bool,
                normal: bool = False) -> Checked:
    """One point: audit the forward values (:mod:`diffx.value_audit`: overflow, underflow,
    ill-conditioning) and the float sweep (``D``: per input, the adjoints or its tangents);
    where either lost precision, or a derivative is not finite while the function is, re-run
    it in mpmath and report those values (and f's) with a warning naming the node. A value
    audit runs even where f is not finite: an overflow may be all that made it so."""
    found = value_audit.audit(graph, V, normal)
    if found is not None and found[1] == "conditioning" and values_hold(graph, point, V):
        found = None  # the error bound was pessimistic: every value checked at 40 digits
    finite = math.isfinite(V[graph.output])
    if found is None and not finite:
        return Checked({}, [])
    if finite:  # the sweep's own audit; beside a value's fault, for the digits it needs
        for w in (wrt[:1] if reverse else wrt):
            swept = precision.audit(graph, V, D[w], (w,) if not reverse else wrt, reverse)
            if swept is not None:
                found = swept if found is None else found[:2] + (max(found[2], swept[2]),)
                break
    doubtful = finite and not all(math.isfinite(gradient[w]) for w in wrt)
    if found is None and not doubtful:
        return Checked({}, [])
    return verify(graph, point, gradient, found, wrt, reverse, float(V[graph.output]))


def exact(graph: Graph, point: dict[str, Any], wrt: tuple[str, ...],
          reverse: bool, span: int = 0) -> tuple[int, dict[str, Any]] | str:
    """The derivatives at ``point`` in mpmath, and the digits that settled them, or the
    reason that arithmetic cannot give them (:func:`exact_run`, without f's value)."""
    got = exact_run(graph, point, wrt, reverse, span)
    return got if isinstance(got, str) else (got[0], got[1])


def exact_run(graph: Graph, point: dict[str, Any], wrt: tuple[str, ...],
              reverse: bool, span: int = 0) -> tuple[int, dict[str, Any], Any] | str:
    """The derivatives and the value at ``point`` in mpmath, and the digits that settled
    them, or the reason that arithmetic cannot give them (a complex value, too large a
    graph, no agreement in time).

    Infinite local derivatives are IEEE infinities there too (0.5/0 is inf, as in the float
    sweep), with the same strong zeros, so an exact re-run finishes wherever the float one
    did. Cancellation can outrun any fixed precision (1 + 1e200 - 1e200 needs 201 digits), as
    can an ill-conditioned value (tan(sinh(416)) needs the 180 digits of sinh(416) before
    its period position), so the digits double from 50 (plus ``span``, the decimal range of
    the float sweep's magnitudes) until two runs agree to 30 digits."""
    if graph.n_evaluated > MAX_EXACT_NODES:
        return (f"the graph has {graph.n_evaluated:,} operations, more than the "
                f"{MAX_EXACT_NODES:,} an exact re-run takes on")
    import mpmath

    previous = None
    runs: list[tuple[int, dict[str, Any], Any]] = []  # (digits, derivatives, value) so far
    start = time.perf_counter()
    for digits in sorted({max(d, 50 + span) for d in DIGIT_STEPS}):
        got = _exact_at(graph, point, wrt, reverse, digits)
        if isinstance(got, str):
            return got
        grads, value = got
        runs.append((digits, grads, value))
        if previous is not None:
            zero = {w for w in wrt if _to_zero([(d, g[w]) for d, g, _ in runs[-3:]])}
            zero_value = _to_zero([(d, v) for d, _, v in runs[-3:]])
            if all(w in zero or _settled(previous[0][w], grads[w]) for w in wrt) and \
                    (zero_value or _settled(previous[1], value)):
                return digits, {w: mpmath.mpf(0 if w in zero else grads[w]) for w in wrt}, \
                    mpmath.mpf(0) if zero_value else value
        previous = got
        if time.perf_counter() - start > EXACT_SECONDS:
            return (f"runs at up to {digits} digits did not agree within "
                    f"{EXACT_SECONDS:g} s")
    return f"runs at up to {DIGIT_STEPS[-1]} digits did not agree"


def _to_zero(runs: list[tuple[int, Any]]) -> bool:
    """Whether three runs (digits, value) see a true 0: what is left of it is rounding,
    which shrinks with the digits, run after run, by at least half of the digits added
    (1e-16 at 50 digits, 1e-66 at 100, 1e-166 at 200), where a number that is not 0, however
    small, settles (1e-70 is 1e-70 at 200 digits and at 400). Exact zeros in every run are 0."""
    import mpmath

    if len(runs) < 3 or not all(mpmath.isfinite(v) for _, v in runs):
        return False
    if all(v == 0 for _, v in runs):
        return True
    return all(a != 0 and abs(b) <= abs(a) * mpmath.mpf(10) ** -((db - da) // 2)
               for (da, a), (db, b) in zip(runs, runs[1:]))


def _settled(a: Any, b: Any) -> bool:
    import mpmath

    if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
        return a == b or bool(mpmath.isnan(a) and mpmath.isnan(b))
    return abs(a - b) <= mpmath.mpf(10) ** -30 * max(abs(a), abs(b))


def _exact_at(graph: Graph, point: dict[str, Any], wrt: tuple[str, ...], reverse: bool,
              digits: int) -> tuple[dict[str, Any], Any] | str:
    """The derivatives and f's value at ``digits`` digits, or why they cannot be had."""
    import mpmath

    hi = graph.output + 1
    with mpmath.workdps(digits):
        try:
            vals = engine.forward(graph, {k: mpmath.mpf(v) for k, v in point.items()},
                                  "mpmath")
            at = next((i for i, v in enumerate(vals[:hi]) if isinstance(v, mpmath.mpc)), None)
            if at is not None:
                return f"{graph.describe(at)} is complex in exact arithmetic"
            if reverse:
                G = engine.sweep(graph, vals, wrt, "mpmath", careful=True)
                grads = {w: G[graph.input_nodes[w]] for w in wrt}
                if mpmath.isfinite(vals[graph.output]):  # inf - inf on routes that cancel:
                    # forward mode adds them first, as the float reverse method does
                    grads.update({w: engine.tangents(graph, vals, w, "mpmath")[graph.output]
                                  for w in wrt if mpmath.isnan(grads[w])})
            else:
                grads = {w: engine.tangents(graph, vals, w, "mpmath")[graph.output]
                         for w in wrt}
        except (ArithmeticError, ValueError, TypeError, MemoryError) as exc:
            said = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
            if isinstance(exc, OverflowError) and said:  # (the bounded namespace's sentence)
                return f"the high-precision numbers grew out of range: {said}"
            return f"mpmath raised {type(exc).__name__}{': ' + said if said else ''}"
    if any(isinstance(v, mpmath.mpc) for v in grads.values()):
        return "a derivative is complex in exact arithmetic"
    return {w: mpmath.mpf(v) for w, v in grads.items()}, mpmath.mpf(vals[graph.output])


def _agree(got: float, true: Any) -> bool:
    import mpmath

    if not mpmath.isfinite(true) or not math.isfinite(float(true)):
        # past the float range (1e310) the float sweep's inf is as close as a float gets
        return got == float(true) if not mpmath.isnan(true) else math.isnan(got)
    if not math.isfinite(got):
        return False
    return abs(mpmath.mpf(got) - true) <= AGREE * abs(true) + precision.SMALLEST_NORMAL


def _listed(names: list[str]) -> str:
    """'∂/∂x is' or '∂/∂x, ∂/∂y are', for a sentence about derivatives."""
    return ", ".join(f"∂/∂{w}" for w in names) + (" is" if len(names) == 1 else " are")


def verify(graph: Graph, point: dict[str, Any], gradient: dict[str, Any],
           found: tuple[int, str, int] | None, wrt: tuple[str, ...], reverse: bool,
           value: float | None = None) -> Checked:
    """Compare the float derivatives (and the float value of f, when given) with exact
    ones; returns the corrected derivatives (only those that differ), f's exact value when
    it differs, and a warning that says where the floats lost them. Where no exact re-run
    can be had after an overflow, the derivatives are reported as nan (unreliable)."""
    name = "reverse sweep" if reverse else "forward (tangent) sweep"
    where = ""
    if found is not None:
        node, kind, _ = found
        how = HOW_LOST[kind]
        where = f" at {graph.describe(node)} ({how})"
    result = exact_run(graph, point, wrt, reverse, found[2] if found else 0)
    if isinstance(result, str):
        if found is None:
            return Checked({}, [])
        if found[1] == "overflow":
            # a finite derivative after an overflow is garbage (0 from 0.5/inf); an
            # infinite one is as close as a float gets to one past the float range
            garbage = [w for w in wrt if math.isfinite(gradient[w])]
            kept = [w for w in wrt if w not in garbage]
            said = [f"{_listed(garbage)} reported as nan"] if garbage else []
            if kept:
                said.append(f"{_listed(kept)} left as the floats' infinity (the true value "
                            "lies past the float range, or is undefined)")
            return Checked({w: math.nan for w in garbage}, [
                f"the float {name} is unreliable{where}; a high-precision re-run could not "
                f"be made here ({result}), so {', and '.join(said)}"])
        return Checked({}, [f"the float {name} may have lost precision{where}; a "
                            f"high-precision check could not be run here ({result}), so the "
                            "derivatives may be inaccurate"])
    digits, grads, true_value = result
    fixed = {w: float(grads[w]) for w in wrt if not _agree(gradient[w], grads[w])}
    new_value = None
    if value is not None and not _agree(value, true_value):
        new_value = float(true_value)
    if not fixed and new_value is None:
        return Checked({}, [])
    told = [f"∂/∂{w}: got {gradient[w]:.17g}, {digits}-digit arithmetic gives "
            f"{fixed[w]:.17g}" for w in fixed]
    if new_value is not None:
        told.append(f"f: got {value:.17g}, {digits}-digit arithmetic gives {new_value:.17g}")
    return Checked(fixed, [f"the float {name} lost precision{where}: {'; '.join(told)}. "
                           f"The {digits}-digit values are reported"], new_value)
