"""Jacobians of vector outputs: every method's ``∂y/∂x`` for a vector or matrix ``y``.

With output shape ``O`` and input shape ``I`` the Jacobian is ``J[o..., i...]`` of shape
``O + I`` in the numerator layout (the default, as JAX and PyTorch: rows are the outputs);
``layout="denominator"`` gives its transpose ``I + O``, the lectures' vector-by-vector table.
A batch of points puts its axes first.

How each method builds it, and what that costs (the lectures' argument):

- ``reverse``, ``symbolic``, ``numeric``: one run per output element, on a *view* of the
  expansion whose output is that element (:func:`view`: a ``Graph`` sharing the node arrays;
  the engine caches compiled loops by their source text, so no view recompiles). Reverse
  mode: ``m`` sweeps for ``m`` outputs.
- ``forward``: one run on the view of the last output element, which holds every output
  element (the expansion builds them in order); each output's row is read from the tangents
  the forward method keeps: ``n`` tangent sweeps for ``n`` inputs.
- ``matrix``: ``m`` vector-Jacobian products with basis cotangents on the block values.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import OptionError, option
from ..expand import element_names
from ..graph import Graph
from ..result import Gradient
from .base import Method

#: Entries a Jacobian may have (outputs x inputs) before it is refused as a usage error.
MAX_JACOBIAN_ENTRIES = 100_000
LAYOUTS = ("numerator", "denominator")


def check_layout(layout: Any) -> str:
    if layout not in LAYOUTS:
        raise OptionError(f"{option('layout')} must be 'numerator' (rows are the outputs, as "
                          f"JAX and PyTorch) or 'denominator' (rows are the inputs, as the "
                          f"lectures write vector-by-vector derivatives), not {layout!r}",
                          param="layout")
    return layout


def sizes(program: Any, wrt: tuple[str, ...]) -> tuple[int, int]:
    """(m, n): the Jacobian's rows (output entries) and columns (entries of ``wrt``)."""
    m = math.prod(program.output_shape)
    n = sum(math.prod(program.shape_of(w)) if w in program.inputs else 1 for w in wrt)
    return m, n


def check_size(program: Any, wrt: tuple[str, ...]) -> None:
    """A usage error when the Jacobian would have more than ``MAX_JACOBIAN_ENTRIES``."""
    m, n = sizes(program, wrt)
    if m * n > MAX_JACOBIAN_ENTRIES:
        raise OptionError(
            f"the Jacobian of {program.output_name} (shape {program.output_shape}) by "
            f"{', '.join(wrt)} would have {m:,} × {n:,} = {m * n:,} entries, more than "
            f"{MAX_JACOBIAN_ENTRIES:,}; choose fewer inputs with {option('wrt')} (such as "
            f"{option('wrt')} {wrt[-1]}), or differentiate a number made from "
            f"{program.output_name}, such as sum({program.output_name})", param="wrt")


def cost_text(out_name: str, m: int, wrt: tuple[str, ...], n: int) -> str:
    """``Jacobian ∂y/∂x is 2 × 3: reverse 2 sweeps (one per output), forward 3 sweeps (one
    per input) — reverse is cheaper here``."""
    by = wrt[0] if len(wrt) == 1 else f"({', '.join(wrt)})"
    verdict = "reverse is cheaper here" if m < n else \
        "forward is cheaper here" if n < m else "they cost the same here"
    return (f"Jacobian ∂{out_name}/∂{by} is {m} × {n}: reverse {m} sweep{'s' * (m != 1)} "
            f"(one per output), forward {n} sweep{'s' * (n != 1)} (one per input) — {verdict}")


def view(graph: Graph, node: int, name: str) -> Graph:
    """The expansion with ``node`` as its output: the same node arrays (nothing copied), its
    own cache of structure-dependent work (liveness depends on the output)."""
    return graph.view(node, name)


def jacobian_rows(spec: Method, req: Any, run_on: Callable[[Graph], Gradient]) -> Gradient:
    """One method's Jacobian of a vector program's vector output (``req`` a runner Request
    whose ``vector`` is set; ``run_on(view)`` runs the method on a view of the expansion at
    the element point): gradients of shape ``O + I`` (numerator) or ``I + O``."""
    run = req.vector
    program = run.program
    graph, shape, nodes, names = _outputs(program)
    if spec.name == "matrix" and getattr(program, "output_names", None):
        from .base import MethodError

        raise MethodError("the matrix method needs a vector program (one with @, .T, "
                          "indexing or a block function such as sum); several outputs of a "
                          "scalar program are differentiated by the scalar methods")
    if spec.name == "matrix":
        from .matrix import vjp_rows

        seeds = []
        for k in range(len(nodes)):
            seed = np.zeros(shape)
            seed.flat[k] = 1.0
            seeds.append(seed)
        rows = vjp_rows(graph, run.wrt, run.point, req.arrays, seeds)
        _scalar_rows_where_not_finite(rows, graph, nodes, names, run.wrt, run.point)
    elif spec.name == "forward" and req.point is not None:
        last = max(range(len(nodes)), key=nodes.__getitem__)
        one = run_on(view(graph, nodes[last], names[last]))
        rows = _forward_rows(one, nodes, last)
        from .forward_rows import check_rows  # every row gets the run's exact check

        check_rows(rows, [None if k == last else view(graph, node, names[k])
                          for k, node in enumerate(nodes)], req.arrays)
    else:
        rows = [run_on(view(graph, node, name)) for node, name in zip(nodes, names)]
    return _combine(rows, req, shape, spec.name)


def _scalar_rows_where_not_finite(rows: list[Gradient], graph: Graph, nodes: list[int],
                                  names: list[str], wrt: tuple[str, ...],
                                  point: dict[str, Any]) -> None:
    """The matrix method's rows whose block sweep met inf or nan (0 × inf is nan in a
    block product; a row of log(x) at a negative entry was finite) take the scalar reverse
    sweep's numbers on that output element, as a scalar output does
    (:data:`diffx.methods.matrix.SCALAR_TOLD`)."""
    from .. import blocksweep
    from .matrix import adopt_scalar, scalar_sweep

    for k, row in enumerate(rows):
        if blocksweep.NOT_FINITE not in row.warnings:
            continue
        scalar = scalar_sweep(view(graph, nodes[k], names[k]), wrt, point)
        if scalar is not None and scalar.gradient is not None:
            value = row.value
            adopt_scalar(row, scalar, dict(scalar.gradient))
            row.value = value  # (each matrix row holds the whole output's value)


def output_value(req: Any) -> tuple[Any, list[str]]:
    """A vector output's value from the expansion's own forward pass (one pass: the last
    output element's view holds them all), shaped like the output (batch axes first), and
    the pass's warnings."""
    from .. import diagnose, evaluation
    from .base import to_python

    run = req.vector
    graph, shape, nodes, names = _outputs(run.program)
    last = max(range(len(nodes)), key=nodes.__getitem__)
    whole = view(graph, nodes[last], names[last])
    vals, _ = evaluation.evaluate(whole, run.point, req.arrays)
    value = _stack([to_python(vals[node]) for node in nodes], shape, run.program, None,
                   "numerator")
    return value, diagnose.value_warnings(whole, vals)


def _outputs(program: Any) -> tuple[Graph, tuple[int, ...], list[int], list[str]]:
    """The expansion, the output's shape, and its elements' nodes and names (row-major)."""
    graph, ids = program.expansion
    out_ids = np.asarray(ids[program.blocks.output])
    shape = tuple(out_ids.shape)
    names = getattr(program, "output_names", None) or element_names(program.output_name, shape)
    return graph, shape, [int(k) for k in out_ids.ravel()], names


def _forward_rows(one: Gradient, nodes: list[int], last: int) -> list[Gradient]:
    """Every output element's row from one forward run's tangents (the last element's row is
    the run's own gradient, with the method's checks applied)."""
    from .reverse import undefined_where_nan
    from .base import to_python

    tangents = one.details.tangents  # type: ignore[attr-defined]
    values = one.details.values  # type: ignore[attr-defined]
    rows = []
    for k, node in enumerate(nodes):
        row = copy.copy(one)
        if k != last:
            row.gradient = {w: to_python(undefined_where_nan(tangents[w][node], values[node]))
                            for w in one.wrt}
            row.value = to_python(values[node])
        rows.append(row)
    one.cost = dict(one.cost)
    return rows


def _combine(rows: list[Gradient], req: Any, shape: tuple[int, ...], name: str) -> Gradient:
    """The rows (one Gradient per output element, keyed by element inputs) as one result:
    each block input's Jacobian in the layout asked for, the output's value as an array."""
    run = req.vector
    program = run.program
    first = rows[0]
    result = Gradient(method=name, expression=program.source, inputs=program.inputs,
                      wrt=req.wrt, point=req.point, graph=req.graph, shapes=run.shapes)
    result.details = first.details.without_bulk() if hasattr(first.details, "without_bulk") \
        else first.details
    _routes_of_every_row(result, rows)
    for r in rows:
        result.seconds += r.seconds
        for w in r.warnings:
            if w not in result.warnings:
                result.warnings.append(w)
    if name == "forward" and req.point is not None:  # one run: n tangent sweeps
        result.cost = dict(first.cost)
        result.seconds = first.seconds
    else:
        result.cost = _summed([r.cost for r in rows])
    if name == "matrix":  # one forward pass on the blocks, m VJPs
        result.cost.update(evaluations=1, sweeps=len(rows))
    elif name == "reverse" and req.point is not None:
        result.cost["sweeps"] = len(rows)
    if any(r.gradient is None for r in rows):
        return result
    grouped = [program.regroup(r.gradient, req.wrt) for r in rows]
    result.gradient = {w: _stack([g[w] for g in grouped], shape, program, w, run.layout)
                       for w in req.wrt}
    if all(isinstance(r.formula, dict) for r in rows) and req.point is None:
        result.formula = result.gradient
    if name == "matrix":  # (each row holds the whole output)
        result.value = first.value
    elif req.point is not None:
        result.value = _stack([r.value for r in rows], shape, program, None, "numerator")
    return result


def _routes_of_every_row(result: Gradient, rows: list[Gradient]) -> None:
    """A Jacobian's route counts per input: its routes to every output element (the rows'
    counts added), not the first element's alone; exact counts only (past the exact range
    the first row's stand, as the cost line's total does)."""
    per_row: list[dict[str, Any]] = []
    for r in rows:
        counts = getattr(r.details, "routes", None)
        if not isinstance(counts, dict):
            return
        per_row.append(counts)
    names = list(per_row[0]) if per_row else []
    if not names or any(not isinstance(c.get(w), int) for c in per_row for w in names):
        return
    details = copy.copy(result.details)
    total = {w: sum(c[w] for c in per_row) for w in names}
    details.routes = total  # type: ignore[attr-defined]
    details.routes_log10 = {w: math.log10(n) if n else None  # type: ignore[attr-defined]
                            for w, n in total.items()}
    result.details = details


def _summed(costs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in costs[0]:
        values = [c.get(key) for c in costs]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            out[key] = sum(values)
        else:
            out[key] = values[0]
    return out


def _stack(parts: list[Any], shape: tuple[int, ...], program: Any, w: str | None,
           layout: str) -> Any:
    """Rows (one per output element, each shaped ``B + I``) as ``B + O + I`` (numerator) or
    ``B + I + O`` (denominator); text rows (formulas) as an object array."""
    inner = program.shape_of(w) if w is not None and w in program.inputs else ()
    text = any(isinstance(p, str) or getattr(p, "dtype", None) == object for p in parts)
    if text:
        arrs = [np.asarray(p, dtype=object) for p in parts]
        stacked = np.empty((len(arrs),) + arrs[0].shape, dtype=object)
        for k, a in enumerate(arrs):
            stacked[k] = a.item() if a.ndim == 0 else a  # (a 0-d array is one formula)
        batch: tuple[int, ...] = ()
    else:
        arrs = [np.asarray(p, dtype=float) for p in parts]
        arrs = list(np.broadcast_arrays(*arrs))
        batch = arrs[0].shape[:arrs[0].ndim - len(inner)]
        stacked = np.stack(arrs, axis=len(batch))
    stacked = stacked.reshape(batch + shape + inner)
    if layout == "denominator":
        b, o = len(batch), len(shape)
        order = (*range(b), *range(b + o, b + o + len(inner)), *range(b, b + o))
        stacked = np.transpose(stacked, order)
    return stacked
