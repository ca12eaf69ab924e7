"""Strong zeros that may hide the answer: where a sweep took 0 × ∞ (or ∞ × 0) as 0 although
the zero moves with the input differentiated.

The sweeps multiply with strong zeros (docs/conventions.md): right when the zero is flat -- the
branch is constant near the point (relu on its losing side, a factor that does not depend on
the input) -- and silently wrong when the zero is a value that moves with the input
(``y^x * y^x`` at y = 0: each factor's slope is infinite, the other factor is 0). Here every
edge whose local partial is infinite or nan (or exactly 0 next to an infinite flow) is looked
at, per input ``w``; the edge's contribution ``tangent(arg) * partial * adjoint(node)`` was
decided by the convention when the partial is not finite and a flow is 0 (or the partial is
0 and a flow is infinite). It may hide the answer unless one side is a *flat* zero:

* a tangent is a flat zero when every contribution to it is: the input's own tangent is 1,
  never flat; a contribution is flat when its tangent is, or its partial is a flat 0;
* an adjoint likewise from the output down (the output's adjoint 1 is never flat);
* a partial 0 is flat for relu, abs, max and min off their kinks (piecewise constant), for
  a partial that reads only operands not depending on ``w`` (``x * c`` with c = 0), and for
  ``b^e`` with respect to e at b = 0 (0^e is 0 for every e > 0); otherwise it moves;
* ``u - u``, ``u + -u`` and ``-u + u`` are 0 for every value of the input: their tangent is a
  flat zero, and the two routes into u cancel exactly (``(x + -x)^(-x)`` at x < 0).

Only points where every value involved is finite are looked at (other warnings explain the
rest). A cheap screen runs first: no edge has an infinite or nan partial, nothing to find.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from . import engine
from . import ops as _ops
from .graph import Graph
from .ops import CONST

PIECEWISE = frozenset(_ops.BY_NAME[n].code for n in ("relu", "abs", "max", "min"))
# ops whose local partial can be infinite or nan at finite arguments
SUSPECT = frozenset(op.code for op in _ops.OPS if op.domain or op.kink) \
    | {_ops.BY_NAME["tan"].code}
#: node visits the per-input check may take (inputs × nodes); beyond it a single warning says
#: the check was not done
TRACE_BUDGET = 50_000_000
SUB, MUL, POW, ADD, NEG = (_ops.BY_NAME[n].code for n in ("sub", "mul", "pow", "add", "neg"))
_NAMES = re.compile(r"\b(x|y|out)\b")


def _reads(op: _ops.Op, k: int) -> frozenset[str]:
    return frozenset(_NAMES.findall(op.partials[k]))


def hidden_zero_warnings(graph: Graph, vals: Sequence[Any], flows: Mapping[str, Sequence[Any]],
                         wrt: tuple[str, ...], method: str, arrays: bool) -> list[str]:
    """One warning per input whose derivative a strong zero may have hidden.

    ``flows``: per input the method's own flows -- the adjoints (``method == "reverse"``) or
    the tangents (``"forward"``); the other kind is computed here when the screen fires.
    """
    if not wrt or not _screen(graph, vals, wrt):
        return []
    if len(wrt) * len(graph) > TRACE_BUDGET:  # one trace per input: too much work here
        return [f"a local partial is infinite or nan where the sweep took 0 × ∞ as 0; checking "
                f"each of the {len(wrt):,} inputs for a derivative this hid would take one "
                f"sweep per input over {len(graph):,} nodes, so it was not done: compare with "
                "the numeric method for the inputs you need"]
    import numpy as np

    nvals = [np.asarray(v) for v in vals]
    found = []
    adj: Sequence[Any] | None = None
    G: Sequence[Any]
    T: Sequence[Any]
    for w in wrt:
        with np.errstate(all="ignore"):
            if method == "reverse":
                G, T = flows[w], engine.tangents(graph, nvals, w, "numpy")
            else:
                if adj is None:
                    from . import evaluation

                    adj = evaluation.sweep(graph, vals, wrt, "numpy", arrays)[0]
                G, T = adj, flows[w]
            message = _trace(graph, nvals, [np.asarray(g) for g in G],
                             [np.asarray(t) for t in T], w, method)
        if message:
            found.append(message)
    return found


def _screen(graph: Graph, vals: Sequence[Any], wrt: tuple[str, ...]) -> bool:
    """Whether some live node depending on ``wrt`` has an infinite or nan local partial at
    finite values towards an argument that depends on ``wrt`` (only such an edge lets a strong
    zero decide a contribution; d/dy x^y for a constant y = 2 is never used)."""
    import numpy as np

    codes, _ = engine._active_codes(graph, wrt)
    live = graph.reachable_from_output()
    for i in graph.nodes_with(SUSPECT):
        if not codes[i] or not live[i]:
            continue
        op = graph.op_of(i)
        assert op is not None
        args = tuple(vals[a] for a in graph.args(i))
        if all(isinstance(v, float) for v in (*args, vals[i])):
            if not all(math.isfinite(v) for v in (*args, vals[i])):
                continue
            try:
                partials = op.local_partials(tuple(float(a) for a in args), float(vals[i]),
                                             "math")
            except (ArithmeticError, ValueError):
                partials = (math.inf,)
            if not all(math.isfinite(p) for k, p in enumerate(partials)
                       if codes[i] >> k & 1) and bool(_singular(graph, i, vals)):
                return True
            continue
        with np.errstate(all="ignore"):
            partials = op.local_partials(tuple(np.asarray(a) for a in args),
                                         np.asarray(vals[i]))
            ok = np.isfinite(vals[i])
            for a in args:
                ok = ok & np.isfinite(a)
            ok = ok & _singular(graph, i, vals)
            if any(bool(np.any(ok & ~np.isfinite(p))) for k, p in enumerate(partials)
                   if codes[i] >> k & 1):
                return True
    return False


def _singular(graph: Graph, node: int, vals: Sequence[Any]) -> Any:
    """Where a node sits on a true singularity of its partials: an argument exactly 0 (sqrt,
    0^e, division by 0) or its kink (asin at ±1). An infinite partial elsewhere is an
    overflow (log at 1e-310), not an infinity a strong zero could hide."""
    import numpy as np

    op = graph.op_of(node)
    assert op is not None
    args = [np.asarray(vals[a]) for a in graph.args(node)]
    at = np.zeros(np.shape(args[0]) if args else (), dtype=bool)
    for v in args:
        at = at | (v == 0)
    cond = _ops.condition(op, "kink")
    if cond is not None:
        with np.errstate(all="ignore"):
            at = at | np.asarray(cond(*args))
    return at


def _flat_partial(graph: Graph, node: int, k: int, dep: bytearray, vals: list[Any],
                  p: Any) -> Any:
    """Where the partial of ``node`` with respect to argument ``k`` is a flat 0."""
    import numpy as np

    op = graph.op_of(node)
    assert op is not None
    args = graph.args(node)
    zero = p == 0
    if graph.op[node] in PIECEWISE:
        cond = _ops.condition(op, "kink")
        assert cond is not None
        return zero & ~np.asarray(cond(*(vals[a] for a in args)))
    if graph.op[node] == POW and k == 1 and not dep[args[0]]:
        return zero & (vals[args[0]] == 0)
    reads = _reads(op, k)
    if "out" in reads:
        return zero & False
    moving = any(dep[args[j]] for j, name in enumerate("xy") if name in reads and j < len(args))
    return zero & (not moving)


def _cancelling(graph: Graph, edges: list[tuple[int, int, int, Any, Any]], users: list[int]
                ) -> tuple[set[int], set[tuple[int, int]]]:
    """The nodes that are 0 for every value of the input by their form (``u - u``, ``u + -u``,
    ``-u + u``: their tangent is a flat zero), and the edges ``(node, argument)`` whose
    contributions to the adjoint of ``u`` cancel exactly there (for ``u + -u`` only when the
    ``-u`` has no other use, so that its adjoint is the sum's)."""
    zero: set[int] = set()
    cancel: set[tuple[int, int]] = set()
    for i, k, arg, _, _ in edges:
        if k != 1:
            continue
        first = graph.args(i)[0]
        if graph.op[i] == SUB and first == arg:
            zero.add(i)
            cancel.add((i, arg))
        elif graph.op[i] == ADD:
            for u, m in ((first, arg), (arg, first)):
                if graph.op[m] == NEG and graph.args(m)[0] == u:
                    zero.add(i)
                    if users[m] == 1:
                        cancel.update({(i, u), (m, u)})
    return zero, cancel


def _trace(graph: Graph, vals: list[Any], G: list[Any], T: list[Any], w: str,
           method: str) -> str | None:
    import numpy as np

    dep = graph.depends_on([graph.input_nodes[w]])
    live = graph.reachable_from_output()
    out = graph.output
    if not dep[out]:
        return None
    edges = []  # (node, k, arg, partial, flat partial), live edges along routes from w
    for i in range(out + 1):
        if not dep[i] or not live[i] or graph.op[i] <= CONST:
            continue
        op = graph.op_of(i)
        assert op is not None
        args = graph.args(i)
        partials = op.local_partials(tuple(vals[a] for a in args), vals[i])
        singular = None
        for k, arg in enumerate(args):
            if dep[arg]:
                p = np.asarray(partials[k])
                if not bool(np.all(np.isfinite(p))):  # overflowed partials are not infinite
                    singular = _singular(graph, i, vals) if singular is None else singular
                    p = np.where(np.isfinite(p) | singular, p, np.finfo(float).max)
                edges.append((i, k, arg, p, _flat_partial(graph, i, k, dep, vals, p)))
    n = out + 1
    users = [0] * n
    for _, _, arg, _, _ in edges:
        users[arg] += 1
    zero, cancel = _cancelling(graph, edges, users)
    flat_t: list[Any] = [True] * n  # tangent a flat zero
    flat_t[graph.input_nodes[w]] = False
    for i, k, arg, p, pflat in edges:  # ascending: arguments first
        flat_t[i] = flat_t[i] & (flat_t[arg] | pflat | (i in zero))
    flat_g: list[Any] = [True] * n
    flat_g[out] = False
    origin: dict[int, tuple[int, int]] = {}
    for i, k, arg, p, pflat in reversed(edges):  # descending: consumers first
        term = flat_g[i] | pflat
        if (i, arg) in cancel:
            term = True  # u - u, u + -u: the two routes into u cancel exactly
        flat_g[arg] = flat_g[arg] & term
        if arg not in origin and bool(np.any(~np.asarray(term))):
            origin[arg] = (i, k)
    value_ok = np.isfinite(vals[out])
    chosen = None
    for i, k, arg, p, pflat in reversed(edges):
        ok = value_ok & np.isfinite(vals[i]) & np.isfinite(vals[arg])
        sides = ~np.asarray(flat_t[arg]) & ~np.asarray(flat_g[i]) & ok
        infinite = ~np.isfinite(p) & ((G[i] == 0) | (T[arg] == 0))
        by_zero = (p == 0) & ~pflat & (~np.isfinite(G[i]) | ~np.isfinite(T[arg]))
        hidden = sides & (infinite | by_zero)
        if bool(np.any(hidden)):
            mask = hidden if hidden.ndim else None
            # the edge where this method itself met the zero: the reverse sweep multiplies a
            # zero adjoint, forward mode a zero or infinite tangent
            own = (G[i] == 0) & ~np.isfinite(p) if method == "reverse" else \
                ((T[arg] == 0) & ~np.isfinite(p)) | (~np.isfinite(T[arg]) & (p == 0))
            if bool(np.any(hidden & own)):
                return _message(graph, vals, G, T, w, method, (i, k, arg, p), origin, mask)
            chosen = chosen or (i, k, arg, p, mask)
    if chosen is None:
        return None
    return _message(graph, vals, G, T, w, method, chosen[:4], origin, chosen[4])


def _message(graph: Graph, vals: list[Any], G: list[Any], T: list[Any], w: str, method: str,
             edge: tuple[int, int, int, Any], origin: dict[int, tuple[int, int]],
             mask: Any) -> str:
    from .diagnose import _args_at, _pick, _where

    i, k, arg, p = edge
    who = "the reverse sweep" if method == "reverse" else "forward mode"
    node = graph.text(i, 40)
    at = _args_at(graph, i, vals, mask)
    pv = float(_pick(p, mask))
    tail = (f", so the true derivative is a limit {who} cannot decide (it may be infinite)"
            f"{_where(mask) if mask is not None else ''}")
    if not math.isfinite(pv):
        slope = "infinite" if math.isinf(pv) else "not a number"
        if float(_pick(G[i], mask)) == 0:
            why = _zero_adjoint(graph, vals, G, i, w, origin, mask)
            return (f"∂/∂{w}: {who} took 0 × ∞ as 0 at {node} (its slope is {slope}{at}) "
                    f"because {why}{tail}")
        return (f"∂/∂{w}: {who} took ∞ × 0 as 0 at {node} (its slope is {slope}{at}) "
                f"because the slope of {graph.text(arg, 40)} with respect to {w} is 0 here, "
                f"a zero that moves with {w}{tail}")
    other = (f"the slope of {graph.text(arg, 40)} with respect to {w} is infinite"
             if not math.isfinite(float(_pick(T[arg], mask))) else
             f"the derivative of the output with respect to {node} is infinite")
    return (f"∂/∂{w}: {who} took ∞ × 0 as 0 at {node}: {other}, and "
            f"{_zero_partial(graph, vals, i, k, w)}{tail}")


def _zero_partial(graph: Graph, vals: list[Any], i: int, k: int, w: str) -> str:
    args = graph.args(i)
    if graph.op[i] == MUL:
        other = args[1 - k]
        return (f"another factor, {graph.text(other, 40)} = 0, is zero here; that factor "
                f"moves with {w}")
    return (f"the local derivative of {graph.text(i, 40)} with respect to "
            f"{graph.text(args[k], 40)} is 0 here and moves with {w}")


def _zero_adjoint(graph: Graph, vals: list[Any], G: list[Any], node: int, w: str,
                  origin: dict[int, tuple[int, int]], mask: Any) -> str:
    """Why the adjoint of ``node`` is a zero that moves: follow the recorded origins up."""
    from .diagnose import _pick

    d = node
    for _ in range(len(graph.op)):
        if d not in origin:
            break
        e, k = origin[d]
        if float(_pick(G[e], mask)) != 0:
            op = graph.op_of(e)
            assert op is not None
            args = graph.args(e)
            partial = op.local_partials(tuple(vals[a] for a in args), vals[e])[k]
            if float(_pick(partial, mask)) == 0:
                return _zero_partial(graph, vals, e, k, w)
            return (f"the contributions to the adjoint of {graph.text(d, 40)} cancel to 0 "
                    f"here, and they move with {w}")
        d = e
    return f"the adjoint of {graph.text(node, 40)} is 0 here, a zero that moves with {w}"
