"""The function's value from the graph's own forward pass, for a report whose methods gave
none (never from a method's own arithmetic), chunk by chunk at many points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..graph import Graph
from .base import to_python

CHUNK_VALUES = 4_000_000  # nodes x points held at once (as the runner's chunks)


def graph_value(graph: Graph, point: dict[str, Any] | None, arrays: bool
                ) -> tuple[Any, list[str]]:
    """The function's value from the graph's own forward pass (never from a method's
    arithmetic), with warnings when it is not finite; at many points, chunk by chunk."""
    from .. import diagnose, evaluation
    from ..exact_points import value_faults

    if point is None:
        if graph.inputs:
            return None, []
        point = {}
    if not arrays:
        vals, _ = evaluation.evaluate(graph, point, False)
        return _exact_value(graph, point, vals, to_python(vals[graph.output]),
                            diagnose.value_warnings(graph, vals))
    import numpy as np

    shape = np.broadcast_shapes(*(np.shape(v) for v in point.values()))
    total = int(np.prod(shape))
    per_chunk = max(1, CHUNK_VALUES // max(1, graph.size))
    flat = {k: np.ravel(np.broadcast_to(v, shape)) for k, v in point.items()}
    out = np.empty(total)
    warnings: list[str] = []
    lost: list[Any] = []
    for lo in range(0, total, per_chunk):
        part = {k: v[lo:lo + per_chunk] for k, v in flat.items()}
        vals, _ = evaluation.evaluate(graph, part, True)
        out[lo:lo + per_chunk] = np.broadcast_to(vals[graph.output], out[lo:lo + per_chunk].shape)
        for w in diagnose.value_warnings(graph, vals):
            if w not in warnings:
                warnings.append(w)
        lost.append(lo + value_faults(graph, vals, out[lo:lo + per_chunk].shape)[1])
    where = np.concatenate(lost) if lost else np.zeros(0, dtype=np.int64)
    return out.reshape(shape), warnings + _exact_at_points(graph, flat, out, where)


def _exact_at_points(graph: Graph, flat: dict[str, Any], out: Any, where: Any) -> list[str]:
    """Many points: f re-run in mpmath at the points ``where`` (up to the array path's
    ``MAX_RECOVERED``), as one point would be; ``out`` (flat) is patched in place."""
    from .. import exact
    from ..exact_points import MAX_RECOVERED

    if not where.size:
        return []
    if where.size > MAX_RECOVERED:
        return [f"f may have lost precision in floats at {where.size:,} of {out.size:,} "
                f"points (a value there could not be held in floats or lost its digits); "
                f"diffx recomputes up to {MAX_RECOVERED} such points in high-precision "
                "arithmetic, here there are more"]
    told, first = 0, ""
    for i in where.tolist():
        got = exact.exact_run(graph, {k: float(v[i]) for k, v in flat.items()}, (), True)
        if isinstance(got, str) or exact._agree(float(out[i]), got[2]):
            continue
        if not told:
            where_ = ", ".join(f"{k} = {v[i]:.17g}" for k, v in flat.items())
            first = (f"f lost precision in floats (first at {where_}): got {out[i]:.17g}, "
                     f"{got[0]}-digit arithmetic gives {float(got[2]):.17g}")
        out[i] = float(got[2])
        told += 1
    if not told:
        return []
    return [f"at {told:,} of {out.size:,} points: {first}; the high-precision values are "
            "reported"]


def _exact_value(graph: Graph, point: dict[str, Any], vals: Sequence[Any], value: Any,
                 warnings: list[str]) -> tuple[Any, list[str]]:
    """One point: where the value audit finds a value floats could not hold (overflow,
    underflow, ill-conditioning), f's value in mpmath, as the sweeps report it."""
    from .. import exact, value_audit
    from ..evaluation import known_normal

    V = exact.point_values(graph, vals)
    if V is None or not isinstance(value, float):
        return value, warnings
    found = value_audit.audit(graph, V, known_normal(vals))
    if found is None:
        return value, warnings
    got = exact.exact_run(graph, point, (), True, found[2])
    if isinstance(got, str) or exact._agree(value, got[2]):
        return value, warnings
    true = float(got[2])
    return true, [*warnings, f"f lost precision in floats at {graph.describe(found[0])} "
                             f"({exact.HOW_LOST[found[1]]}): got {value:.17g}, {got[0]}-digit "
                             f"arithmetic gives {true:.17g}, the value reported"]
