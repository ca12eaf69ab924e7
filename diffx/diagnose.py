"""Warnings that explain non-finite values and kinks, traced to the node that caused them.

The values come from :mod:`diffx.evaluation` (inf or nan like IEEE arithmetic, never an
exception); the ``*_warnings`` functions say what happened and where in the graph: the first
node whose arguments were finite but whose value was not, the op's reason (``log needs a
positive argument``), and kinks (relu or abs at 0, max at a tie) where the methods may
legitimately disagree.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Sequence
from typing import Any

from . import ops as _ops
from . import undefined
from .evaluation import all_finite_floats, all_true, is_finite
from .graph import Graph

MAX_REPORTED = 3  # origins named per kind of problem; the rest are counted
KINK_CODES = frozenset(op.code for op in _ops.OPS if op.kink is not None)
# corners whose derivative is a documented convention (relu'(0) = abs'(0) = 0, a tie split ½-½)
CONVENTION_OPS = frozenset({"relu", "abs", "max", "min"})


def _fmt(v: Any) -> str:
    import numpy as np

    if isinstance(v, float | int | np.floating):
        return f"{float(v):.6g}"
    arr = np.asarray(v)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    return "an array"


def _pick(v: Any, mask: Any) -> Any:
    """The first value of ``v`` where ``mask`` holds; a constant or a broadcast value (a
    scalar next to an array of points) is the same everywhere."""
    if mask is None or getattr(mask, "ndim", 0) == 0:
        return v
    import numpy as np

    arr = np.asarray(v)
    if arr.shape != mask.shape:
        try:
            arr = np.broadcast_to(arr, mask.shape)
        except ValueError:
            return v
    chosen = arr[mask]
    return chosen.flat[0] if chosen.size else v


def _args_at(graph: Graph, node: int, vals: Sequence[Any], mask: Any = None) -> str:
    parts = []
    for k, arg in enumerate(graph.args(node)):
        if graph.is_const(arg) or arg in graph.args(node)[:k]:
            continue
        label = graph.name(arg) or graph.text(arg, 20)
        parts.append(f"{label} = {_fmt(_pick(vals[arg], mask))}")
    return f" at {', '.join(parts)}" if parts else ""


def _where(mask: Any) -> str:
    if isinstance(mask, bool | int) or getattr(mask, "ndim", 0) == 0:
        return ""
    return f" (at {int(mask.sum()):,} of {mask.size:,} points)"


def value_warnings(graph: Graph, vals: Sequence[Any], finite: bool | None = None) -> list[str]:
    """Explain non-finite values: the nodes where finite arguments gave inf or nan.

    Every live node is looked at, not only the output: a nan that a later operation masks
    (``sqrt(x)^0``, ``atan(1/x)`` at 0) still makes the derivatives there doubtful.
    ``finite``: whether every value is finite, when the caller knows already.
    """
    out = vals[graph.output]
    if finite or (finite is None and isinstance(out, float)
                  and all_finite_floats(vals, graph.output + 1)):
        return []
    live = graph.reachable_from_output()
    out_ok = is_finite(out)
    found: list[str] = []
    count = 0
    for i in range(graph.output + 1):
        if not live[i] or graph.op[i] <= _ops.CONST:
            continue
        ok = is_finite(vals[i])
        if all_true(ok):
            continue
        args_ok: Any = True
        for arg in graph.args(i):
            args_ok = args_ok & is_finite(vals[arg])
        bad = ~ok & args_ok
        if getattr(bad, "ndim", 0) == 0:
            bad = bool(bad)
        if not all_true(~bad if not isinstance(bad, bool) else not bad):
            count += 1
            if len(found) < MAX_REPORTED:
                hidden = bad & out_ok if i != graph.output else False
                found.append(_origin(graph, i, vals, bad) + _masked(graph, i, vals, hidden))
    if count > len(found):
        found.append(f"... and {count - len(found)} more node(s) with non-finite values")
    return found


def _masked(graph: Graph, node: int, vals: Sequence[Any], hidden: Any) -> str:
    """Say so when a non-finite value does not reach the output (a later operation masks it,
    at the points ``hidden``): at a singularity (:func:`singularity`) the function is undefined
    there and its derivatives are doubtful; an overflow is the floats', not the function's."""
    import numpy as np

    if not bool(np.any(hidden)):
        return ""
    masks = "; it does not reach the output (a later operation masks it)"
    if singularity(graph, node, vals, hidden) is not None:
        return (f"{masks}, so the function is undefined there and its derivatives are "
                "doubtful: a method's value there, or methods agreeing on one, is no evidence "
                "of a derivative")
    return (f"{masks}: an overflow of the floats, not a singularity, so the function is "
            "defined here, but the float values computed from it may be inaccurate")


POLE = "a pole"  # the classification of a node that is not finite at an argument exactly 0


def singularity(graph: Graph, node: int, vals: Sequence[Any], where: Any = True
                ) -> str | None:
    """Why ``node``'s value is not finite while its arguments are (at the points ``where``, a
    mask over many points, or True), the one classification the value warnings and
    :func:`masked_singularities` share: the op's domain note where an argument
    is outside the op's domain (``log needs a positive argument``, ``division by zero``),
    :data:`POLE` where an argument is exactly 0 (``x^-1`` at 0), and None otherwise: a
    finite value overflowed past the float range (``exp(x)`` at 1000), no singularity."""
    import numpy as np

    if where is True and undefined.underflowed_args(graph, node, vals):
        return None  # an argument is 0 only because it underflowed: the floats', no pole
    op = graph.op_of(node)
    assert op is not None
    args = [np.asarray(vals[a]) for a in graph.args(node)]
    cond = _ops.condition(op, "domain")
    if cond is not None:
        with np.errstate(all="ignore"):
            outside = ~np.asarray(cond(*args), dtype=bool) & where
        if bool(np.any(outside)):
            return op.domain_note
    if any(bool(np.any((v == 0) & where)) for v in args):
        return POLE
    return None


def _origin(graph: Graph, node: int, vals: Sequence[Any], bad: Any) -> str:
    op = graph.op_of(node)
    assert op is not None
    import numpy as np

    sample = _pick(vals[node], bad)
    what = "nan (not a number)" if math.isnan(float(sample)) else f"{float(sample)}"
    if not isinstance(bad, bool) and np.ndim(vals[node]):  # many points: nan and inf apart
        at = np.broadcast_to(vals[node], np.shape(bad))[bad]
        nans = int(np.isnan(at).sum())
        if 0 < nans < at.size:
            what = f"not finite (nan at {nans:,}, infinite at {at.size - nans:,} of them)"
    why = singularity(graph, node, vals, bad)
    if why == POLE:
        zeros = [graph.name(a) or graph.text(a, 20) for a in dict.fromkeys(graph.args(node))
                 if not graph.is_const(a) and bool(np.any(np.asarray(vals[a]) == 0))]
        at = f"at {' = '.join(zeros)} = 0" if zeros else "at an argument 0"
        reason = f": {POLE} {at} (unbounded there), not an overflow"
    elif why is not None:
        reason = f": {why}"
    elif under := (undefined.underflowed_args(graph, node, vals)
                   if isinstance(bad, bool) else []):
        named = " = ".join(graph.name(a) or graph.text(a, 20) for a in under)
        reason = (f": {named} underflowed to 0 (its true value is not 0, only below the "
                  "smallest float), so this value is the floats' fault, not a singularity of "
                  "the function")
    elif math.isinf(float(sample)):
        reason = (": an overflow: the result is too large for a float (past about 1.8e308), "
                  "though its true value is finite")
    else:
        reason = ""
    return (f"{graph.describe(node)} is {what}{_args_at(graph, node, vals, bad)}"
            f"{_where(bad)}{reason}")


def masked_singularities(graph: Graph, point: dict[str, Any], values: Any = None
                         ) -> list[str]:
    """What makes a point doubtful: the nodes the output uses whose value is not finite at a
    singularity (:func:`singularity`) -- finite arguments outside the op's domain (``1/x`` or
    ``log(x)`` at 0, ``sqrt(x)`` below 0) or a pole at an argument exactly 0 (``x^-1`` at 0)
    -- while a later operation masks it and the output is finite (``atan(1/x)`` or
    ``exp(-1/x^2)`` at 0). The function is then undefined at the point and IEEE arithmetic
    chose a value for it, so its derivative there may not exist, and methods that agree on
    one give no evidence for it. An overflow (``atan(exp(x))`` at 1000) is no singularity:
    the exact re-runs resolve it. Each is described as the non-finite-value warning names
    it. One point only; ``values``: its forward values, where a method kept them."""
    from . import evaluation

    vals = values if values is not None and len(values) > graph.output else \
        evaluation.evaluate(graph, point, False)[0]
    if not _finite(vals[graph.output]) or all_finite_floats(vals, graph.output + 1):
        return []  # nothing masked (a non-finite output: the value warnings and errors say it)
    live = graph.reachable_from_output()
    found = []
    for i in range(graph.output + 1):
        if not live[i] or graph.op[i] <= _ops.CONST or _finite(vals[i]):
            continue
        if not all(_finite(vals[a]) for a in graph.args(i)):
            continue  # not where it arose
        why = singularity(graph, i, vals)
        if why is not None:
            shown = "nan" if math.isnan(float(vals[i])) else str(float(vals[i]))
            found.append(f"{graph.describe(i)} is {shown}{_args_at(graph, i, vals)} ({why})")
    return found


def _finite(v: Any) -> bool:
    """One point's value: a finite real (or complex) number."""
    return cmath.isfinite(v) if isinstance(v, complex) else math.isfinite(float(v))


def kink_warnings(graph: Graph, vals: Sequence[Any], wrt: tuple[str, ...]) -> list[str]:
    """Nodes evaluated exactly at a kink (relu/abs at 0, max/min at a tie, sqrt at 0)."""
    kinky = graph.nodes_with(KINK_CODES)
    if not kinky:
        return []
    import numpy as np

    live = graph.reachable_from_output()
    active = graph.depends_on([graph.input_nodes[w] for w in wrt]) if wrt else None
    found = []
    for i in kinky:
        op = graph.op_of(i)
        assert op is not None
        if not live[i] or (active and not active[i]) or i in graph.shifts:
            continue  # (a softmax's shift: its ties are no kinks of the function)
        args_of = graph.args(i)
        if op.kink == "x == y" and args_of[0] == args_of[1]:
            continue  # max(x, x): a tie of a node with itself is no corner (½ + ½ = 1)
        if op.kink_arg is not None and active is not None and not active[args_of[op.kink_arg]]:
            continue  # (-2)^y is a kink in y only: x^2 at x = -2 is smooth
        cond = _ops.condition(op, "kink")
        assert cond is not None
        args = [np.asarray(vals[a]) for a in graph.args(i)]
        with np.errstate(all="ignore"):
            at = np.asarray(cond(*args))
        if bool(np.any(at)):
            mask = at if at.ndim else bool(at)
            if op.name in ("sign", "heaviside"):  # a jump: differences across it diverge
                tail = ("Reverse, forward and symbolic follow this convention; finite "
                        "differences across a jump grow like 1/h and give no derivative here")
            elif op.name in CONVENTION_OPS:
                tail = ("Reverse, forward and symbolic follow this convention; finite "
                        "differences give the average of the one-sided slopes, so the methods "
                        "may disagree here")
            else:
                tail = ("The methods may disagree here: finite differences see a finite "
                        "one-sided or averaged slope")
            found.append(f"{graph.describe(i)} is at a kink{_args_at(graph, i, vals, mask)}"
                         f"{_where(mask)}: {op.kink_note}. {tail}")
    return found
