"""The graph's set-up passes in machine code: which nodes are live, and which depend on the
inputs being differentiated.

A new graph's first gradient makes a few passes over its flat arrays before the sweep: the
output's liveness (:meth:`diffx.graph.Graph.reachable_from_output`) and the active codes of
the sweep's plan (:func:`diffx.sweep_plan.active`). In numpy each is several whole-array
passes; these are the same answers in one loop each. The functions are plain Python over numpy
arrays, written for numba: diffx.kernel_source copies this file's text into the compiled
tier's kernel, as it does diffx.parse_machine's, and the callers use them only where the tier
is loaded. Run as they are here, they are what the tests compare with the numpy passes.
"""

import numpy as np

CONST_OP = 1  # diffx.ops.CONST: op codes above it are operations


def all_args_used(A, B, hi):
    """Whether every node below ``hi - 1`` is an argument of a node below ``hi`` (then every
    node up to the output ``hi - 1`` is live, by induction from the output down)."""
    used = np.zeros(hi, np.uint8)
    for i in range(hi):
        a = A[i]
        if a >= 0:
            used[a] = 1
        b = B[i]
        if b >= 0:
            used[b] = 1
    for i in range(hi - 1):
        if used[i] == 0:
            return False
    return True


def active_codes(op, A, B, active, codes):
    """Fill ``codes`` with each operation's active code (4 × op code + a bit for each argument
    that depends on the inputs marked in ``active``; 0 for a node that does not depend on
    them), marking the nodes that do in ``active``; returns the number of active edges."""
    edges = 0
    for i in range(op.size):
        code = op[i]
        if code > CONST_OP:
            a = A[i]
            b = B[i]
            mask = 0
            if a >= 0 and active[a] != 0:
                mask = 1
            if b >= 0 and active[b] != 0:
                mask += 2
            if mask != 0:
                active[i] = 1
                codes[i] = 4 * code + mask
                edges += (mask & 1) + (mask >> 1)
    return edges
