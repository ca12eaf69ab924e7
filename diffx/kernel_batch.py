"""The compiled tier's kernel text for batches of points: the value audit's error recurrence
over many points (``condition_many``), generated from the op table as diffx.kernel_source
generates the rest of the kernel (which includes these lines)."""

from __future__ import annotations

import re

from . import ops as _ops

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _needs_out(op: _ops.Op) -> bool:
    """Whether one of the op's partials reads its output (``out``)."""
    return any("out" in _NAME.findall(p) for p in op.partials)


def condition_many_lines(ops: list[_ops.Op]) -> list[str]:
    """``condition_many(vals, E, op, A, B, nodes, EA, EB, limit_rel, bad)``: ``condition``
    over a batch (``vals[node, point]``, errors into ``E`` alike), ``bad[point]`` set where a
    value lost its digits (:func:`diffx.value_audit.conditioning_points`: the same
    operations); returns 1 when an op's value is not finite and normal, else 0. ``EA``/``EB``: per node of ``nodes`` its argument that carries an error, or
    -1 (none, or ``u - u``'s, whose roundings cancel): a node with neither only rounds once
    and loses no digits (an op marked ``exact`` in the op table not even once: its error is
    0). A node's op is switched on once, its points looped inside."""
    # (which nodes' ops never round: a test on the op code, written from the op table)
    exact = " or ".join(f"o == {op.code}" for op in ops if op.exact) or "False"
    lines = ["", "", "@numba.njit(**_jit)",
             "def condition_many(vals, E, op, A, B, nodes, EA, EB, limit_rel, bad):",
             "    m = vals.shape[1]",
             "    normal = True",
             "    for j in range(nodes.size):",
             "        i = nodes[j]",
             "        o = op[i]",
             "        a = A[i]",
             "        b = B[i]",
             "        ea = EA[j]",
             "        eb = EB[j]",
             "        if ea < 0 and eb < 0:",
             f"            exact_op = {exact}  # (its value is not rounded: no error)",
             "            for k in range(m):",
             "                v = abs(vals[i, k])",
             "                E[i, k] = 0.0 if exact_op else EPS * v",
             "                normal &= NORMAL <= v < INF",
             "            continue"]
    for n, op in enumerate(ops):
        lines += [f"        {'if' if n == 0 else 'elif'} o == {op.code}:  # {op.name}",
                  "            for k in range(m):",
                  "                out = vals[i, k]",
                  "                x = vals[a, k]"]
        if op.arity == 2:
            lines.append("                y = vals[b, k]")
        # a term adds nothing where its argument's error is exactly 0 (not inf·0)
        lines += ["                v = abs(out)",
                  "                normal &= NORMAL <= v < INF",
                  f"                e = {'0.0' if op.exact else 'EPS * v'}",
                  "                if ea >= 0:",
                  "                    t = E[ea, k]",
                  f"                    c = abs({op.partials[0]}) * t",
                  "                    e += c if t != 0 else 0.0"]
        if op.arity == 2:
            lines += ["                if eb >= 0:",
                      "                    t = E[eb, k]",
                      f"                    c = abs({op.partials[1]}) * t",
                      "                    e += c if t != 0 else 0.0"]
        lines += ["                E[i, k] = e",
                  "                bad[k] |= (e < INF) & (e > limit_rel * v)"]
    return lines + ["    return 0 if normal else 1"]
