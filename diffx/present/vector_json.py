"""The JSON of a vector program's report (``diffx grad --json``): the inputs' and output's
shapes, each gradient as ``{"shape": [...], "value": nested lists}`` (a batch's leading axes
included in its shape; a vector output's Jacobian in its ``layout``, with its cost), each
method's relative errors per entry and its worst entry. Strict JSON, made by the cleaner of
``present.as_json``; a scalar program's JSON is made there."""

from __future__ import annotations

import json
import math
from typing import Any

from ..result import Report
from .as_json import _Clean, gradient_dict, relative_errors_json


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
    clean = _Clean()
    ref = report.results.get(report.reference) if report.reference else None
    results = {}
    for name, r in report.results.items():
        entry = gradient_dict(r, graph)
        if entry["gradient"] is not None:
            entry["gradient"] = {w: {"shape": list(np.shape(v)), "value": v}
                                 for w, v in entry["gradient"].items()}
        if name in report.relative_errors and name != report.reference:
            errors, not_finite = relative_errors_json(
                report.relative_errors[name], r.gradient, ref.gradient if ref else None)
            entry["relative_error"] = errors
            if not_finite:
                entry["relative_error_not_finite"] = not_finite
        worst = report.worst.get(name)
        if worst is not None and name != report.reference:
            entry["worst"] = {"entry": worst.entry, "relative_error": worst.relative_error}
        results[name] = entry
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
    cleaned = clean(data, "$")
    cleaned["warnings"] = list(report.warnings) + clean.replaced
    return json.dumps(cleaned, indent=2, ensure_ascii=False, allow_nan=False)
