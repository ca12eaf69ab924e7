"""The JSON of a vector program's report (``diffx grad --json``): the inputs' and output's
shapes, each gradient as ``{"shape": [...], "value": nested lists}`` (a batch's leading axes
included in its shape; a vector output's Jacobian in its ``layout``, with its cost), each
method's relative errors per entry and its worst entry. Strict JSON, made by the cleaner of
``present.as_json``; a scalar program's JSON is made there."""

from __future__ import annotations

import math
from typing import Any

from ..result import Report
from .as_json import report_dumps, result_entries


def _jacobian_keys(report: Report) -> dict[str, Any]:
    """A vector output's ``layout`` and the cost of its Jacobian (m reverse sweeps, n forward
    sweeps); nothing for a scalar output."""
    shapes = report.shapes
    if shapes is None or not shapes.output_shape:
        return {}
    from .gradient_table import jacobian_cost

    m = math.prod(shapes.output_shape)
    n = sum(math.prod(shapes.inputs.get(w, ())) for w in report.wrt)
    return {"layout": shapes.layout,
            "jacobian_cost": {"outputs": m, "inputs": n, "reverse_sweeps": m,
                              "forward_sweeps": n, "text": jacobian_cost(report)}}


def vector_report_json(report: Report, graph: Any) -> str:
    """A vector program's report: the inputs' and output's shapes, each gradient as
    ``{"shape": [...], "value": nested lists}``, and each method's worst entry."""
    import numpy as np

    shapes = report.shapes
    assert shapes is not None
    results = result_entries(report, graph)
    for name, entry in results.items():
        if entry["gradient"] is not None:
            entry["gradient"] = {w: {"shape": list(np.shape(v)), "value": v}
                                 for w, v in entry["gradient"].items()}
        worst = report.worst.get(name)
        if worst is not None and name != report.reference:
            entry["worst"] = {"entry": worst.entry or None,
                              "relative_error": worst.relative_error}
            if worst.not_finite:  # entries not finite in the method and the reference
                entry["worst"]["not_finite"] = worst.not_finite
    data = {
        "expression": report.expression,
        "inputs": list(report.inputs),
        "shapes": shapes.as_json(),
        "output": shapes.output,
        **_jacobian_keys(report),
        "wrt": list(report.wrt),
        "point": report.point,
        "value": report.value,
        "reference": report.reference,
        "results": results,
    }
    return report_dumps(data, report)
