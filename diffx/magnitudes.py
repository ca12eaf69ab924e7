"""The magnitude sweep: a cheap screen over many points for the precision audit.

After a float sweep over arrays of points every contribution ``g * partial`` to an adjoint (or
a tangent) can be recomputed from the finished values. This pass does so once per edge, as the
sweep itself did, generated per graph like the sweeps (:mod:`diffx.engine`), and keeps per
point only what could make :func:`diffx.precision.audit_points` flag that point:

* the summed magnitudes ``sum |g * partial|`` into every node that receives two or more
  contributions (only those can cancel), against the node's signed total;
* the smallest magnitude of a contribution (a single contribution is the node's adjoint or
  tangent itself), for products that underflow;
* the smallest and largest magnitudes of the partials that are not exact copies (a partial
  that is 0, subnormal or infinite at ordinary arguments);
* sin, cos and tan of a computed argument of magnitude ``PERIODIC_LIMIT`` or more: its
  rounding error (about |u|·ε) is no longer small against the period, so the value and the
  slope there are off by as much (``tan(sinh(x))`` at 416: 47 %).

Every test here is looser than the audit's own (one bit on the sums, no exemptions), so the
points that pass cannot be flagged; the full audit then runs on the others only. Where there
is nothing to find this costs about one more sweep.
"""

from __future__ import annotations

import re
import types
from collections.abc import Sequence
from typing import Any

from . import engine
from . import ops as _ops
from .graph import Graph

SMALLEST_NORMAL = 2.2250738585072014e-308
SCREEN_BITS = 29  # a bit below the audit's LOST_BITS: summation order cannot hide a loss

# Ops whose partials are exact copies or conventions (0 is a true 0 there).
EXACT_PARTIALS = frozenset({"add", "sub", "neg", "mul", "relu", "abs", "max", "min"})
# Ops whose partials are at most 1 in size at every finite argument: never infinite.
BOUNDED_PARTIALS = frozenset({"sin", "cos", "tanh", "atan", "sigmoid", "softplus"})
# Periodic ops: an argument's absolute rounding error |u|·2^-53 is what their value and slope
# lose. At |u| >= 2^30 that is 2^-23 or more, the loss the audit's LOST_BITS stands for.
PERIODIC = frozenset({"sin", "cos", "tan"})
PERIODIC_LIMIT = 2.0**30
_PERIODIC_CODES = frozenset(_ops.BY_NAME[name].code for name in PERIODIC)


def periodic(graph: Graph, wrt: tuple[str, ...]) -> tuple[Any, Any]:
    """The swept sin, cos and tan nodes whose argument is computed (an input or a constant is
    exact as given, its float sin correctly rounded), and those arguments, as index arrays."""
    key = ("audit-periodic", wrt)
    cached = graph._cache.get(key)
    if cached is None:
        import numpy as np

        nodes = graph.nodes_with(_PERIODIC_CODES)
        if nodes:  # (the sweep's plan only where there is a periodic op)
            codes, _ = engine._active_codes(graph, wrt)
            plan = engine._sweep_plan(graph, wrt)[0]
            nodes = [i for i in nodes if codes[i] and plan[i]
                     and graph.op[graph.a[i]] > _ops.CONST]
        cached = graph._cache[key] = (np.asarray(nodes, dtype=np.int64),
                                      np.asarray([graph.a[i] for i in nodes], dtype=np.int64))
    return cached


def periodic_loss(vals: Any, args: Any) -> Any:
    """Per periodic node (rows) and point (columns, when ``vals`` rows are arrays): whether
    its argument is finite and at least ``PERIODIC_LIMIT`` in size."""
    import numpy as np

    size = np.abs(vals[args])
    return (size >= PERIODIC_LIMIT) & np.isfinite(size)


def _plan(graph: Graph, wrt: tuple[str, ...], reverse: bool) -> tuple[Any, ...]:
    """Per swept node a variant (op, active arguments, arguments whose target is shared), the
    compiled screen, and the targets that receive two or more contributions and one."""
    key = ("magnitude-screen", wrt, reverse)
    cached = graph._cache.get(key)
    if cached is not None:
        return cached
    codes, _ = engine._active_codes(graph, wrt)
    plan = engine._sweep_plan(graph, wrt)[0]
    a_, b_ = graph.a, graph.b
    live = [i for i in range(graph.output + 1) if codes[i] and plan[i]]
    received = [0] * (graph.output + 1)
    for i in live:
        mask = codes[i] & 3
        if reverse:
            for k, arg in ((0, a_[i]), (1, b_[i])):
                if mask & (1 << k):
                    received[arg] += 1
        else:
            received[i] += (mask & 1) + (mask >> 1)
    ids: dict[tuple[int, int, int], int] = {}
    vids = []
    for i in live:
        mask = codes[i] & 3
        if reverse:
            shared = sum(1 << k for k, arg in ((0, a_[i]), (1, b_[i]))
                         if mask & (1 << k) and received[arg] >= 2)
        else:
            shared = mask if received[i] >= 2 else 0
        vids.append(ids.setdefault((codes[i] >> 2, mask, shared), len(ids) + 1))
    fn = _build(_source(sorted(ids, key=ids.__getitem__), reverse))
    # A single contribution is the adjoint (tangent) itself: its size is checked on the node,
    # except for plain copies (add, sub, neg: ±g), whose source node is checked already.
    copies: set[int] = set()
    for i in live:
        if _ops.BY_CODE[codes[i] >> 2].name in ("add", "sub", "neg"):
            if reverse:
                copies.update(arg for k, arg in ((0, a_[i]), (1, b_[i])) if codes[i] & (1 << k))
            else:
                copies.add(i)
    many = [j for j, r in enumerate(received) if r >= 2]
    one = [j for j, r in enumerate(received) if r == 1 and j not in copies] + many
    cached = graph._cache[key] = (fn, live, vids, [a_[i] for i in live],
                                  [max(b_[i], 0) for i in live], many, one)
    return cached


def _source(variants: list[tuple[int, int, int]], reverse: bool) -> str:
    """The screen's loop. Every array operation writes into a preallocated buffer (``w``, the
    running extremes ``lo`` of partials and contributions and ``hi`` of partials, and the sums
    ``M``): at 10^5 points a fresh array per operation costs about as much as the arithmetic."""
    lines = ["def screen(vals, D, M, nodes, vids, A, B, w, lo, hi):",
             "    for i, c, a, b in zip(nodes, vids, A, B):"]
    for vid, (code, mask, shared) in enumerate(variants, 1):
        op = _ops.BY_CODE[code]
        body = ["g = D[i]"] if reverse else []
        for k, slot in ((0, "a"), (1, "b")):
            if not mask & (1 << k):
                continue
            partial = engine._subst(op.partials[k], "vals[a]", "vals[b]", "vals[i]")
            g = "g" if reverse else f"D[{slot}]"
            target = slot if reverse else "i"
            if op.name not in EXACT_PARTIALS:
                if shared & (1 << k) or engine._simple(partial):
                    body += [f"p = {partial}", "absolute(p, out=w)"]
                    partial = "p"
                else:  # the sole contribution g * p is the target's adjoint: p from it, one
                    # division instead of the partial's formula (1/cosh(x)^2, ...)
                    body += [f"divide(D[{target}], {g}, out=w)", "absolute(w, out=w)"]
                body.append("fmin(lo, w, out=lo)")
                # sqrt, asin, acos (kinks): infinite slopes are true ones
                if op.kink is None and op.name not in BOUNDED_PARTIALS:
                    body.append("fmax(hi, w, out=hi)")
            if shared & (1 << k):
                body.append(f"absolute({g}, out=w)" if partial in ("1", "-1") else
                            f"multiply({g}, {partial}, out=w); absolute(w, out=w)")
                body += [f"add(M[{target}], w, out=M[{target}])", "fmin(lo, w, out=lo)"]
        lines.append(f"        {'if' if vid == 1 else 'elif'} c == {vid}:")
        lines += [f"            {stmt}" for stmt in body or ["pass"]]
    if not variants:
        lines.append("        pass")
    lines.append("    return lo, hi")
    return "\n".join(lines) + "\n"


def _build(source: str) -> Any:
    import numpy as np

    space = {**_ops.namespace("numpy"), "absolute": np.absolute, "fmin": np.fmin,
             "fmax": np.fmax, "multiply": np.multiply, "add": np.add, "divide": np.divide}
    module = compile(source, "<diffx magnitude screen>", "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    return types.FunctionType(code, space, "screen")


def screen(graph: Graph, vals: Sequence[Any], D: Sequence[Any], wrt: tuple[str, ...],
           reverse: bool, shape: tuple[int, ...]) -> Any:
    """Per point (flat, over ``shape``), whether the precision audit could flag it: the
    points where contributions may have cancelled, a product underflowed or a partial was
    lost. ``D``: the adjoints (``reverse``) or the tangents with respect to ``wrt[0]``."""
    import numpy as np

    fn, live, vids, A, B, many, one = _plan(graph, wrt, reverse)
    if any(np.iscomplexobj(v) for v in vals[:graph.output + 1]) or \
            any(np.iscomplexobj(D[i]) for i in live):
        return np.ones(int(np.prod(shape)), dtype=bool)  # not screened: all audited
    M: list[Any] = [None] * (graph.output + 1)
    for j in many:
        M[j] = np.zeros(shape)
    w, lo, hi = np.empty(shape), np.full(shape, np.inf), np.zeros(shape)
    with np.errstate(all="ignore"):
        fn(vals, D, M, live, vids, A, B, w, lo, hi)
        for j in one:  # a single contribution is the adjoint (tangent) itself
            np.fmin(lo, np.absolute(D[j], out=w), out=lo)
            np.maximum(hi, w, out=hi)  # nan too: a partial recovered as D/g needs g finite
        flag = lo < 2 * SMALLEST_NORMAL  # a partial recovered as D/g: within 2 rounding steps
        flag |= ~(hi < np.inf)
        more = np.empty(shape, dtype=bool)
        for j in many:
            np.multiply(np.absolute(D[j], out=w), 2.0**SCREEN_BITS, out=w)
            flag |= np.greater(M[j], w, out=more)
        for a in periodic(graph, wrt)[1]:
            np.absolute(vals[a], out=w)
            flag |= (w >= PERIODIC_LIMIT) & (w < np.inf)
    return np.ravel(flag)



def kernel_audit_lines(ops: list[_ops.Op]) -> list[str]:
    """The kernel's ``audit``: the precision audit's scan at one point, reverse
    (:func:`diffx.precision_scan.scan_kernel`), one pass over the swept nodes. Per edge its
    contribution ``g * p`` (``p`` from the op table, as ``condition``), its size summed into
    ``T`` and counted in ``C`` (with ``PAIR`` set where a node's two contributions to one
    argument are exact opposites, ``DOUBT`` where numpy's partials might make them so);
    ``LP`` the first node per (active code, argument) whose partial is lost, ``R``
    underflow's first and last node and cancellation's, ``F`` the span's extremes (of the
    adjoints and values, of the sums). Returns 1
    where the numpy scan could answer otherwise: a sum within ``MARGIN`` of its limit (its
    last bits depend on the order of its terms) or past ``HUGE``, a size or a checked
    partial by the smallest normal number or past ``HUGE`` (numpy's partials may be an ulp
    off math's)."""
    lines = ["", "", "MARGIN = 2.0 ** -20", "HUGE = 2.0 ** 1000", "LOST = 2.0 ** 30",
             "PAIR = 1 << 24", "DOUBT = 1 << 25", "", "", "@numba.njit(**_jit)",
             "def audit(vals, G, op, A, B, plan, output, T, C, LP, R, F):",
             "    near = 0",
             "    for i in range(output, -1, -1):",
             "        f = plan[i]",
             "        if not f:",
             "            continue",
             "        o = op[i]",
             "        a = A[i]",
             "        b = B[i]",
             "        ma = f & 2",
             "        mb = f & 8",
             "        g = G[i]",
             "        out = vals[i]",
             "        x = vals[a]",
             "        y = vals[b] if b >= 0 else 0.0",
             "        p0 = 0.0",
             "        p1 = 0.0",
             "        chk = 0",
             "        fz = 0",
             "        ok = True"]
    for n, op in enumerate(ops):
        lines.append(f"        {'if' if n == 0 else 'elif'} o == {op.code}:  # {op.name}")
        lines += ["            if ma:", f"                p0 = {op.partials[0]}"]
        if op.arity == 2:
            lines += ["            if mb:", f"                p1 = {op.partials[1]}"]
        # a partial of IEEE operations only (+ - * / sqrt) is numpy's to the last bit
        # (or a step, a sign: EXACT_PARTIALS)
        fuzzy = op.name not in EXACT_PARTIALS and bool(
            {n for p in op.partials for n in re.findall(r"[A-Za-z_]\w*", p)}
            - {"x", "y", "out", "sqrt"})
        if fuzzy:
            lines.append("            fz = 1")
        if op.name not in EXACT_PARTIALS:  # 2: an infinite partial is lost too
            lines.append(f"            chk = {2 if op.kink is None else 1}")
            ordinary = ["abs(x) < INF", "x != 0"] + (["abs(y) < INF", "y != 0"]
                                                     if op.arity == 2 else [])
            if op.name == "pow":  # d/dx x^0 = 0 and d/dy 1^y = 0 are true zeros
                ordinary += ["x != 1", "y != 0"]
            lines.append("            ok = abs(out) < INF and out != 0 and "
                         + " and ".join(ordinary))
    lines += ["        code = 8 * o + (2 if ma else 0) + (4 if mb else 0)",
              "        s0 = 0.0"]
    for k, arg, mask, p in ((0, "a", "ma", "p0"), (1, "b", "mb", "p1")):
        edge = [f"s = g * {p}",
                "c = abs(s)",
                f"w = abs({p})",
                "if fz and (w < NORMAL * (1 + MARGIN) or HUGE < w",
                "           or NORMAL * (1 - MARGIN) <= c <= NORMAL * (1 + MARGIN)):",
                "    near = 1",
                "if chk and ok and g != 0 and (w < NORMAL or chk == 2 and w == INF):",
                f"    if i < LP[code + {k}]:",
                f"        LP[code + {k}] = i",
                f"if c < NORMAL and g != 0 and {p} != 0 and abs(g) < INF and w < INF:",
                "    if i < R[0]:",
                "        R[0] = i",
                "    if i > R[1]:",
                "        R[1] = i",
                f"T[{arg}] += c",
                f"C[{arg}] += 1"]
        edge += ["s0 = s"] if k == 0 else [  # x - x, x/x: both contributions from here
            "if ma and a == b:",
            "    C[a] |= DOUBT if fz else (PAIR if s == -s0 else 0)"]
        lines += [f"        if {mask}:"] + [f"            {line}" for line in edge]
    lines += [
              # the sums against the adjoints: cancellation, and the span's extremes
              "    top = -INF",
              "    bottom = INF",
              "    top_t = -INF",
              "    bottom_t = INF",
              "    for j in range(output + 1):",
              "        t = T[j]",
              "        d = abs(G[j])",
              "        lim = LOST * d",
              "        if HUGE < t:",
              "            near = 1",
              "        elif 0 < t and lim < INF and abs(t - lim) <= MARGIN * t:",
              "            near = 1",
              "        if lim < t < INF and not (d == 0 and C[j] == 2 | PAIR):",
              "            if d == 0 and C[j] == 2 | DOUBT:",
              "                near = 1",
              "            if j < R[2]:",
              "                R[2] = j",
              "            R[3] = j",
              "        if 0 < t < INF:",
              "            top_t = max(top_t, t)",
              "            bottom_t = min(bottom_t, t)",
              "        if 0 < d < INF:",
              "            top = max(top, d)",
              "            bottom = min(bottom, d)",
              "    for j in range(vals.size):",
              "        v = abs(vals[j])",
              "        if 0 < v < INF:",
              "            top = max(top, v)",
              "            bottom = min(bottom, v)",
              "    F[0] = top",
              "    F[1] = bottom",
              "    F[2] = top_t",
              "    F[3] = bottom_t",
              "    return near"]
    return lines
