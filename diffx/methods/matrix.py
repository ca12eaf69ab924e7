"""The matrix method: the reverse sweep in matrix form, on whole numpy arrays.

It runs ``diffx.blocksweep`` on the vector program's block nodes, one vector-Jacobian product
per block op (``W̄ += ȳ hᵀ``), instead of one per scalar node: the fast path for big matrices,
checked against the scalar sweep by every report that runs both. It needs a vector program:
either the program itself (a ``VectorProgram``), or its scalar expansion, whose ``Graph.blocks``
points back to it. Inputs may be named as blocks (``W1``: the gradient is an array shaped like
``W1``) or as elements (``W1[0,1]``: that entry's number, as the scalar methods give it); the
point likewise, whole arrays or element values. It takes one point, not a batch.

A vector output is differentiated as the expansion's output is, its last entry (Jacobians are
the business of ``diffx.methods.jacobian``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .. import blocksweep
from .. import routes as _routes
from ..details import Details
from ..errors import option
from ..expand import element_names
from ..ops import CONST, INPUT
from ..result import Gradient
from .base import Evaluated, MethodError, register, to_python


@dataclass
class BlockDetails(Details):
    """The block sweep's record: every active block node's adjoint (an array of its shape)."""

    BULK: ClassVar[tuple[str, ...]] = ("block_adjoints",)
    block_adjoints: dict[int, Any] | None = None

    def summary(self, cost: dict[str, Any], number: Any, count: Any) -> str:
        ops, sweeps = cost.get("operations", 0), cost.get("sweeps", 1)
        return f"{ops} block op{'s' * (ops != 1)}, {sweeps} sweep{'s' * (sweeps != 1)}"

    def hidden(self) -> tuple[str, ...]:
        return self.BULK


def program_of(graph: Any) -> Any:
    """The VectorProgram behind ``graph`` (itself, or the program a Graph expands), else a
    usage MethodError."""
    if hasattr(graph, "node_shapes") and hasattr(graph, "blocks"):
        return graph
    program = getattr(graph, "blocks", None)
    if program is None:
        raise MethodError("the matrix method needs a vector program (one with @, .T, "
                          "indexing, a block function such as sum, or vector and matrix "
                          f"values in {option('at')}); this one is scalar: use "
                          f"{option('method')} reverse")
    return program


def _block_point(program: Any, point: dict[str, Any]) -> dict[str, Any]:
    """Whole input values from a point of whole values or of element values (``W1[0,1]``)."""
    out: dict[str, Any] = {}
    for name in program.inputs:
        if name in point:
            out[name] = point[name]
            continue
        shape = program.shape_of(name)
        elements = element_names(name, shape)
        missing = [e for e in elements if e not in point]
        if missing:
            raise MethodError(f"the matrix method needs a value for {missing[0]}")
        out[name] = np.array([float(point[e]) for e in elements]).reshape(shape)
    return out


def _targets(program: Any, wrt: tuple[str, ...]) -> tuple[list[str], dict[str, tuple]]:
    """The block inputs to differentiate by, and each element name asked for -> (its block
    input, its index)."""
    blocks: list[str] = []
    entries: dict[str, tuple] = {}
    owner = {}
    for name in program.inputs if any(w not in program.inputs for w in wrt) else ():
        shape = program.shape_of(name)  # element names only when an element is asked for
        for idx, element in zip(np.ndindex(*shape), element_names(name, shape)):
            owner[element] = (name, idx)
    for w in wrt:
        if w in program.inputs:
            name = w
        elif w in owner:
            name = owner[w][0]
            entries[w] = owner[w]
        else:
            raise MethodError(f"{w} is not an input of the vector program (inputs: "
                              f"{', '.join(program.inputs)})")
        if name not in blocks:
            blocks.append(name)
    return blocks, entries


@register("matrix", {}, "matrix-form reverse sweep on numpy arrays (one VJP per block op)",
          variants=())
def run(graph: Any, wrt: tuple[str, ...], point: dict[str, Any] | None, arrays: bool,
        evaluated: Evaluated | None = None) -> Gradient:
    result = vjp_rows(graph, wrt, point, arrays, None)[0]
    if point is not None and blocksweep.NOT_FINITE in result.warnings \
            and graph is not program_of(graph) \
            and all(w in graph.input_nodes for w in wrt):
        _scalar_where_not_finite(graph, wrt, point, result)
    return result


#: said when the block sweep met inf/nan and the scalar sweep's numbers are reported
SCALAR_TOLD = ("the matrix sweep met inf/nan, where its products have no conventions "
               "(0 × inf is nan in a block product); the numbers reported are the scalar reverse "
               "sweep's on the same program, which follows diffx's (a zero times an infinite "
               "local derivative is 0{norm}; see docs/conventions.md) and re-runs a value that "
               "overflowed in exact arithmetic")
NORM_TOLD = ", so norm'(0) = 0 as abs'(0) = 0"  # (said where the program takes a norm)


def _scalar_where_not_finite(graph: Any, wrt: tuple[str, ...], point: dict[str, Any],
                             result: Gradient) -> None:
    """Where the block sweep met inf or nan (``norm(x)`` at 0: ``2x · 0.5/0`` is 0 × inf;
    at 1e300: ``x^2`` overflowed), report the scalar reverse sweep's numbers, which follow the
    conventions every method shares (strong zeros) and recover overflow exactly."""
    scalar = scalar_sweep(graph, wrt, point)
    if scalar is not None and scalar.gradient is not None:
        adopt_scalar(result, scalar, dict(scalar.gradient))


def adopt_scalar(result: Gradient, scalar: Gradient, gradient: dict[str, Any]) -> None:
    """Report the scalar sweep's numbers (``gradient``: its gradient, regrouped as the result
    is keyed) in place of the block sweep's, and say why."""
    result.gradient = gradient
    result.value = scalar.value
    result.warnings = [w for w in result.warnings if w != blocksweep.NOT_FINITE]
    norm = NORM_TOLD if "norm" in str(getattr(result, "expression", "")) else ""
    result.warnings += [SCALAR_TOLD.format(norm=norm), *scalar.warnings]


def scalar_sweep(graph: Any, wrt: tuple[str, ...], point: dict[str, Any]) -> Gradient | None:
    """The scalar reverse sweep of the expansion at one point (None if it failed)."""
    from .reverse import run as reverse_run

    scalar = reverse_run(graph, wrt, point, False, None, routes=False,
                         route_limit=_routes.DEFAULT_LIMIT, timeout=30.0)
    if not scalar.ok or scalar.gradient is None:
        return None
    from .. import undefined  # (called here, not by the runner: no value, no derivative)

    scalar.warnings += undefined.apply(scalar.gradient, graph, point, scalar.value, False)
    return scalar


def vjp_rows(graph: Any, wrt: tuple[str, ...], point: dict[str, Any] | None, arrays: bool,
             seeds: list[Any] | None) -> list[Gradient]:
    """One forward pass on the block values, then one VJP per cotangent in ``seeds`` (for a
    vector output: basis vectors give the Jacobian's rows). ``seeds=None`` is the method's own
    run: the output's adjoint 1, or for a vector output its last entry, as the expansion."""
    program = program_of(graph)
    if point is None:
        raise MethodError(f"the matrix method computes values: add {option('at')}")
    if arrays:
        # a batch value has shape B + (the input's shape): the points are B's, not the entries
        n = max((int(np.prod(np.shape(v)[:np.ndim(v) - len(program.shape_of(k))]))
                 for k, v in point.items() if k in program.inputs), default=1)
        raise MethodError(f"the matrix method takes one point (the other methods run on the "
                          f"{n:,} points)")
    blocks, entries = _targets(program, wrt)
    start = time.perf_counter()
    values = blocksweep.forward(program, _block_point(program, point))
    out = program.blocks.output
    own = seeds is None
    if own:
        seed = None
        if np.ndim(values[out]):  # as the expansion: its output is the last entry
            seed = np.zeros(np.shape(values[out]))
            seed.flat[-1] = 1.0
        seeds = [seed]
    n_ops = sum(1 for c in program.blocks.code if c not in (INPUT, CONST))
    results = []
    assert seeds is not None  # given, or the output's own
    for seed in seeds:
        adjoints = blocksweep.backward(program, values, blocks, seed=seed)
        whole = blocksweep.input_adjoints(program, adjoints, blocks)
        gradient: dict[str, Any] = {}
        for w in wrt:
            if w in entries:
                name, idx = entries[w]
                gradient[w] = float(whole[name][idx])
            else:
                gradient[w] = to_python(whole[w])
        result = Gradient(method="matrix", expression=program.source,
                          inputs=program.inputs if not entries else getattr(graph, "inputs",
                                                                             program.inputs),
                          wrt=wrt, point=point, graph=None if graph is program else graph)
        result.gradient = gradient
        value = values[out]
        if own and graph is not program:  # on the expansion, its output's (the last entry)
            value = value.flat[-1]
        result.value = to_python(value if np.ndim(value) else float(value))
        result.seconds = time.perf_counter() - start
        result.cost = {"evaluations": 1, "operations": n_ops, "sweeps": 1}
        result.details = BlockDetails(block_adjoints=adjoints)
        result.warnings += blocksweep.finite_warnings(values, adjoints)
        results.append(result)
        start = time.perf_counter()
    return results
