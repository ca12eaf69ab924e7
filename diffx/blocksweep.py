"""The block-level sweep: a vector program evaluated and differentiated on whole numpy arrays.

``forward`` walks the block nodes in order and computes each node's value with
``blockops.evaluate`` (one numpy call per node: ``W1 @ x`` is one product, not 4 scalar
nodes). ``backward`` walks them in reverse and accumulates each argument's adjoint with the
op's vector-Jacobian product, ``adj[arg] += vjp`` (for ``y = W @ h``: ``W̄ += ȳ hᵀ``,
``h̄ += Wᵀ ȳ``), as autograd's ``backward_pass`` does. Nodes that do not depend on the inputs
differentiated by are skipped (``active``), so ``t̄`` is not computed when only ``W1`` is asked.

This is the matrix form of the reverse sweep: the ``matrix`` method's engine, the values of
``diffx.backward``'s lines, and the reference the matrix notation is tested against. It has no
strong-zero handling (the scalar sweep is the careful one): a value or adjoint that is inf or
nan gives the warning of ``finite_warnings``. One loop each, no recursion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from . import blockops as _blockops
from .blocks import BlockProgram
from .ops import CONST, INPUT
from .shapes import Shape

NOT_FINITE = "the matrix sweep met inf/nan; compare with the scalar sweep (method reverse)"


def _parts(program: Any, shapes: tuple[Shape, ...] | None
           ) -> tuple[BlockProgram, tuple[Shape, ...]]:
    """A VectorProgram, or a BlockProgram with its node shapes, as (blocks, node shapes)."""
    if isinstance(program, BlockProgram):
        if shapes is None:
            raise ValueError("a BlockProgram needs its node shapes (blocks.infer)")
        return program, shapes
    return program.blocks, program.node_shapes


def forward(program: Any, point: Mapping[str, Any],
            shapes: tuple[Shape, ...] | None = None) -> list[Any]:
    """Every block node's value at ``point`` (input name -> number or array of its shape):
    numpy arrays (0-d or float for scalars), in node order."""
    blocks, node_shapes = _parts(program, shapes)
    values: list[Any] = []
    with np.errstate(all="ignore"):
        for k, code in enumerate(blocks.code):
            attr = blocks.attr[k]
            if code == INPUT:
                if attr not in point:
                    raise KeyError(f"no value for {attr}")
                value = np.asarray(point[attr], dtype=float)
                if value.shape != tuple(node_shapes[k]):
                    raise ValueError(f"{attr}: shape {value.shape} but the program has "
                                     f"{tuple(node_shapes[k])}")
                values.append(value)
            elif code == CONST:
                values.append(np.asarray(float(attr[0])))
            else:
                args = tuple(values[a] for a in blocks.args[k])
                values.append(np.asarray(_blockops.evaluate(code, args, attr), dtype=float))
    return values


def active(blocks: BlockProgram, wrt: Iterable[str] | None) -> list[bool]:
    """Which nodes depend on an input of ``wrt`` (every input when None): the only nodes the
    backward sweep visits."""
    wanted = None if wrt is None else set(wrt)
    out: list[bool] = []
    for k, code in enumerate(blocks.code):
        if code == INPUT:
            out.append(wanted is None or blocks.attr[k] in wanted)
        elif code == CONST:
            out.append(False)
        else:
            out.append(any(out[a] for a in blocks.args[k]))
    return out


def backward(program: Any, values: list[Any], wrt: Iterable[str] | None = None,
             seed: Any = None, shapes: tuple[Shape, ...] | None = None) -> dict[int, Any]:
    """The adjoint d output / d node of every active node the output depends on, as arrays
    shaped like the nodes. ``seed`` is the output's adjoint (1 for a scalar output; a vector
    output needs one, a cotangent of its shape)."""
    blocks, _ = _parts(program, shapes)
    live = active(blocks, wrt)
    out = blocks.output
    if seed is None:
        seed = np.ones(np.shape(values[out]))
    adj: dict[int, Any] = {}
    if live[out]:
        adj[out] = np.asarray(seed, dtype=float)
    with np.errstate(all="ignore"):
        for k in range(out, -1, -1):
            g = adj.get(k)
            code = blocks.code[k]
            if g is None or code in (INPUT, CONST):
                continue
            args = blocks.args[k]
            need = tuple(live[a] for a in args)
            shares = _blockops.vjp(code, g, tuple(values[a] for a in args), values[k],
                                   blocks.attr[k], need)
            for a, share, wanted in zip(args, shares, need):
                if not wanted:
                    continue
                share = np.asarray(share, dtype=float)
                adj[a] = share if a not in adj else adj[a] + share
    return adj


def input_adjoints(program: Any, adjoints: Mapping[int, Any], wrt: Iterable[str],
                   shapes: tuple[Shape, ...] | None = None) -> dict[str, Any]:
    """The gradient by each input of ``wrt``, shaped like it (zeros where the output does not
    depend on it)."""
    blocks, node_shapes = _parts(program, shapes)
    nodes = {str(blocks.attr[k]): k for k, c in enumerate(blocks.code) if c == INPUT}
    out: dict[str, Any] = {}
    for name in wrt:
        k = nodes[name]
        share = adjoints.get(k)
        out[name] = np.zeros(node_shapes[k]) if share is None else np.asarray(share, dtype=float)
    return out


def finite_warnings(values: list[Any], adjoints: Mapping[int, Any]) -> list[str]:
    """The warning when a value or an adjoint is inf or nan (none otherwise). A finite sum
    proves every entry finite without a mask the size of the array; only a sum that is not
    (an entry inf or nan, or finite entries whose sum overflows) is looked at entry by entry."""
    with np.errstate(all="ignore"):  # finite entries whose sum overflows are looked at too
        for v in (*values, *adjoints.values()):
            if not np.isfinite(np.sum(v)) and not np.all(np.isfinite(v)):
                return [NOT_FINITE]
    return []
