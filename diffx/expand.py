"""The expansion: a block program with its shapes, written out as an ordinary scalar Graph.

This is the bridge between the two levels. Every element of every vector and matrix becomes a
scalar node, and each block op is spelled with scalar ops as a person would write it out:
``(W @ x)[i] = W[i,0]*x[0] + W[i,1]*x[1] + ...`` (folded from the left), ``sum`` the same way,
``softmax`` and ``logsumexp`` with the usual shift by the row's maximum (a chain of ``max``),
``mean(x) = sum(x) / n``; transposing and indexing only rearrange nodes. Every method, route
count, picture and statistic of the scalar machinery then works unchanged.

Input elements are named as the source would index them: ``W1[0,1]``, ``x[2]``, a scalar input
by its own name. The elements of named values are named the same way (``z[1]``), and the
output keeps its statement's name. One loop over the block nodes, none over nesting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import blockops as _blockops
from . import ops as _ops
from .blocks import BlockProgram
from .graph import Graph
from .graph_builder import GraphBuilder
from .ops import CONST, INPUT
from .shapes import Shape, size

_ADD = _ops.BY_NAME["add"].code
_SUB = _ops.BY_NAME["sub"].code
_MUL = _ops.BY_NAME["mul"].code
_DIV = _ops.BY_NAME["div"].code
_EXP = _ops.BY_NAME["exp"].code
_LOG = _ops.BY_NAME["log"].code
_MAX = _ops.BY_NAME["max"].code


def element_name(name: str, index: tuple[int, ...]) -> str:
    """``W1[0,1]`` for a matrix entry, ``x[2]`` for a vector's, ``s`` for a scalar."""
    if not index:
        return name
    return f"{name}[{','.join(str(i) for i in index)}]"


def element_names(name: str, shape: Shape) -> list[str]:
    """Every element's name in row-major order (numpy's)."""
    return [element_name(name, tuple(int(i) for i in idx)) for idx in np.ndindex(*shape)]


class _Writer:
    """Spells block ops with scalar nodes on one GraphBuilder."""

    def __init__(self, builder: GraphBuilder) -> None:
        self.b = builder
        self.shifts: set[int] = set()  # the max chains softmax and logsumexp shift by

    def row_max(self, row: list[int]) -> int:
        """The row's maximum, as the shift of softmax and logsumexp: their value and
        derivatives do not depend on it (exp(v - m) / Σ exp(u - m) for any m), so its
        ties are no kinks and a complex step may pass it."""
        total = row[0]
        for item in row[1:]:
            before = len(self.b.op)
            total = self.b.node(_MAX, total, item)
            if len(self.b.op) > before:  # (a max the program also writes stays its own)
                self.shifts.add(total)
        return total

    def fold(self, code: int, items: list[int]) -> int:
        total = items[0]
        for item in items[1:]:
            total = self.b.node(code, total, item)
        return total

    def dot(self, xs: list[int], ys: list[int]) -> int:
        node = self.b.node
        return self.fold(_ADD, [node(_MUL, x, y) for x, y in zip(xs, ys)])

    def matmul(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x2 = x if x.ndim == 2 else x[None, :]
        y2 = y if y.ndim == 2 else y[:, None]
        out = np.empty((x2.shape[0], y2.shape[1]), dtype=np.int64)
        for i in range(x2.shape[0]):
            row = [int(v) for v in x2[i]]
            for j in range(y2.shape[1]):
                out[i, j] = self.dot(row, [int(v) for v in y2[:, j]])
        if x.ndim == 1:
            out = out[0]
        if y.ndim == 1:
            out = out[..., 0]
        return out

    def rows(self, x: np.ndarray, per_row: Callable[[list[int]], Any]) -> np.ndarray:
        """``per_row`` over the last axis of ``x`` (a vector is one row)."""
        flat = x.reshape(-1, x.shape[-1])
        results = [per_row([int(v) for v in row]) for row in flat]
        return np.array(results, dtype=np.int64).reshape(x.shape[:-1] + np.shape(results[0]))

    def shifted_exps(self, row: list[int]) -> list[int]:
        m = self.row_max(row)
        return [self.b.node(_EXP, self.b.node(_SUB, v, m)) for v in row]

    def softmax_row(self, row: list[int]) -> list[int]:
        exps = self.shifted_exps(row)
        total = self.fold(_ADD, exps)
        return [self.b.node(_DIV, e, total) for e in exps]

    def logsumexp_row(self, row: list[int]) -> int:
        m = self.row_max(row)
        exps = [self.b.node(_EXP, self.b.node(_SUB, v, m)) for v in row]
        return self.b.node(_ADD, m, self.b.node(_LOG, self.fold(_ADD, exps)))

    def elementwise(self, code: int, args: list[np.ndarray]) -> np.ndarray:
        node = self.b.node
        if len(args) == 1:
            x = args[0]
            return np.array([node(code, int(v)) for v in x.flat],
                            dtype=np.int64).reshape(x.shape)
        x, y = np.broadcast_arrays(*args)
        return np.array([node(code, int(u), int(v)) for u, v in zip(x.flat, y.flat)],
                        dtype=np.int64).reshape(x.shape)


def expand(program: BlockProgram, shapes: tuple[Shape, ...],
           names: Callable[[str, Shape], list[str]] = element_names
           ) -> tuple[Graph, list[np.ndarray]]:
    """The scalar Graph of ``program`` at its inferred ``shapes`` (see the module docstring),
    and for every block node the array of its elements' scalar nodes (0-d for a scalar).
    ``names(input, shape)`` lists an input's element names (a caller that keeps them passes
    its own list, so each name is one string in memory)."""
    b = GraphBuilder(program.source)
    w = _Writer(b)
    ids: list[np.ndarray] = []
    for k, code in enumerate(program.code):
        attr = program.attr[k]
        args = [ids[a] for a in program.args[k]]
        if code == INPUT:
            shape = shapes[k]
            out = np.array([b.input(n) for n in names(attr, shape)],
                           dtype=np.int64).reshape(shape)
        elif code == CONST:
            out = np.array(b.const(attr[0], attr[1]), dtype=np.int64)
        elif not _blockops.is_block(code):
            out = w.elementwise(code, args)
        else:
            out = _block(w, code, args, attr)
        ids.append(out)
    _name_elements(program, shapes, ids, b)
    graph = b.finish()
    graph.shifts = frozenset(w.shifts)  # (read by the kink warnings and the complex step)
    return graph, ids


def node_bound(program: BlockProgram, shapes: tuple[Shape, ...]) -> int:
    """An upper bound on the expansion's node count, from the shapes alone: what each block op
    writes out (sharing only lowers it). ``(m, k) @ (k,)`` is ``m*k`` products and
    ``m*(k-1)`` sums; a softmax row of ``n`` is ``5n - 2`` nodes, a logsumexp row ``4n``."""
    total = 0
    for k, code in enumerate(program.code):
        out = size(shapes[k])
        arg = size(shapes[program.args[k][0]]) if program.args[k] else 0
        if code in (INPUT, CONST) or not _blockops.is_block(code):
            total += out
            continue
        name = _blockops.BY_CODE[code].name
        if name == "matmul":
            inner = shapes[program.args[k][0]][-1]
            total += out * max(1, 2 * inner - 1)
        elif name in ("sum", "mean", "outer"):
            total += out if name == "outer" else arg + 1
        elif name == "dot":
            total += 2 * arg
        elif name in ("softmax", "logsumexp"):
            total += 5 * arg
    return total


def _block(w: _Writer, code: int, args: list[np.ndarray], attr: Any) -> np.ndarray:
    name = _blockops.BY_CODE[code].name
    x = args[0]
    if name == "matmul":
        return w.matmul(x, args[1])
    if name == "transpose":
        return x.T
    if name == "index":
        return np.asarray(x[attr])
    if name == "sum":
        return np.array(w.fold(_ADD, [int(v) for v in x.flat]), dtype=np.int64)
    if name == "mean":
        total = w.fold(_ADD, [int(v) for v in x.flat])
        n = x.size
        return np.array(w.b.node(_DIV, total, w.b.const(float(n), str(n))), dtype=np.int64)
    if name == "dot":
        return np.array(w.dot([int(v) for v in x], [int(v) for v in args[1]]), dtype=np.int64)
    if name == "outer":
        y = args[1]
        return np.array([[w.b.node(_MUL, int(u), int(v)) for v in y] for u in x],
                        dtype=np.int64)
    if name == "softmax":
        return w.rows(x, w.softmax_row)
    if name == "logsumexp":
        return w.rows(x, w.logsumexp_row)
    raise AssertionError(f"no expansion for block op {name}")  # the table and this agree


def _name_elements(program: BlockProgram, shapes: tuple[Shape, ...], ids: list[np.ndarray],
                   b: GraphBuilder) -> None:
    """The named values' elements get their names (``z[1]``); the output statement ends the
    graph, so its name is the graph's output name."""
    inputs = {int(v) for k, c in enumerate(program.code) if c == INPUT for v in ids[k].flat}
    for target, node, offset in program.statements[:-1]:
        if target is None:
            continue
        for idx in np.ndindex(*shapes[node]):
            element = int(ids[node][idx])
            if element not in inputs:
                b.assigned[element_name(target, tuple(int(i) for i in idx))] = element
    target, node, offset = program.statements[-1]
    out = ids[node]
    if out.ndim == 0:
        b.statement(target, int(out), offset)
    else:  # a vector output: its elements are named; the graph's output is the last one
        for idx in np.ndindex(*shapes[node]):
            b.assigned[element_name(target or "f", tuple(int(i) for i in idx))] = int(out[idx])
        b.statement(None, int(out.flat[-1]), offset)
    b.n_statements = len(program.statements)
