"""Strict JSON for every command's output: no NaN or Infinity literals, ever.

A non-finite number becomes ``null`` and the report's ``warnings`` say where and what it was.
Arrays become lists; numpy scalars become Python numbers.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..result import Gradient, Report

MAX_NODES_LISTED = 200  # adjoints by node name are included for graphs up to this size


class _Clean:
    """Copies plain data into strict-JSON-safe data (an explicit stack, no recursion)."""

    def __init__(self) -> None:
        self.replaced: list[str] = []

    def __call__(self, value: Any, where: str) -> Any:
        box = [None]
        stack: list[tuple[Any, str, Any, Any]] = [(value, where, box, 0)]
        while stack:
            v, at, parent, key = stack.pop()
            parent[key] = self._leaf(v, at, stack)
        return box[0]

    def _leaf(self, v: Any, at: str, stack: list) -> Any:
        if v is None or isinstance(v, bool | str | int):
            return v
        if isinstance(v, float):
            if math.isfinite(v):
                return v
            self.replaced.append(f"{at} was {_name(v)}; written as null")
            return None
        if isinstance(v, complex):
            self.replaced.append(f"{at} was complex ({v}); written as null")
            return None
        if isinstance(v, dict):
            out: dict[str, Any] = {str(k): None for k in v}
            stack.extend((item, f"{at}.{k}", out, str(k)) for k, item in v.items())
            return out
        if isinstance(v, list | tuple):
            items: list[Any] = [None] * len(v)
            stack.extend((item, f"{at}[{i}]", items, i) for i, item in enumerate(v))
            return items
        if hasattr(v, "tolist"):  # numpy arrays and scalars
            data = v.tolist()
            if isinstance(data, list):
                return self._array(data, at)
            return self._leaf(data, at, stack)
        return str(v)

    def _array(self, data: list, where: str) -> list:
        bad = 0
        stack = [data]
        while stack:
            items = stack.pop()
            for i, v in enumerate(items):
                if isinstance(v, list):
                    stack.append(v)
                elif isinstance(v, float) and not math.isfinite(v):
                    items[i] = None
                    bad += 1
        if bad:
            self.replaced.append(f"{where} had {bad} non-finite value(s); written as null")
        return data


def _name(x: float) -> str:
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def gradient_dict(result: Gradient, graph: Any = None) -> dict[str, Any]:
    """The JSON shape of one method's result (before cleaning)."""
    out: dict[str, Any] = {
        "gradient": result.gradient if (result.ok and result.point is not None) else None,
        "formula": result.formula,
        "value": result.value if result.point is not None else None,
        "seconds": result.seconds,
        "cost": result.cost,
        "details": _details(result, graph),
    }
    if result.warnings:
        out["warnings"] = result.warnings
    if result.error is not None:
        out.update(error=result.error, error_kind=result.error_kind)
    return out


def _details(result: Gradient, graph: Any) -> dict[str, Any]:
    details = result.details.as_json()
    kept = result.details.node_values()
    if graph is not None and kept is not None and graph.size <= MAX_NODES_LISTED:
        vals, adj = kept
        named = {}
        for node in range(graph.size):
            name = graph.name(node)
            if name is not None and name not in named:
                named[name] = {"value": vals[node], "adjoint": adj[node]}
        details["nodes"] = named
    return details


def relative_errors_json(errors: dict[str, Any], values: dict[str, Any] | None,
                         reference: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """Relative errors with ``null`` where the value and its reference are both not finite
    (there an error of 0 would read as agreement), and the inputs where that happened."""
    import numpy as np

    from ..result import both_not_finite

    out: dict[str, Any] = {}
    flagged: list[str] = []
    for w, err in errors.items():
        both = both_not_finite((values or {}).get(w), (reference or {}).get(w))
        if isinstance(both, bool):
            out[w] = None if both else err
            if both:
                flagged.append(w)
            continue
        if both.any():
            flagged.append(w)
            data = np.broadcast_to(np.asarray(err, dtype=float), both.shape).astype(object)
            data[both] = None
            out[w] = data.tolist()
        else:
            out[w] = err
    return out, flagged


def result_entries(report: Report, graph: Any = None) -> dict[str, dict[str, Any]]:
    """Each method's result as JSON data, with its relative error to the reference."""
    results = {}
    ref = report.results.get(report.reference) if report.reference else None
    for name, r in report.results.items():
        entry = gradient_dict(r, graph)
        if name in report.relative_errors and name != report.reference:
            errors, not_finite = relative_errors_json(
                report.relative_errors[name], r.gradient, ref.gradient if ref else None)
            entry["relative_error"] = errors
            if not_finite:
                entry["relative_error_not_finite"] = not_finite
            if report.doubtful:  # not measured: null, never the nan (Report.doubtful)
                entry["relative_error"] = {w: None if w in report.doubtful else e
                                           for w, e in errors.items()}
                entry["doubtful"] = list(report.doubtful)
        results[name] = entry
    return results


def report_dumps(data: dict[str, Any], report: Report) -> str:
    """Strict JSON of a report's ``data``; its ``warnings`` are the report's, then where a
    non-finite number was written as null."""
    clean = _Clean()
    cleaned = clean(data, "$")
    if report.doubtful:  # the inputs not measured at a doubtful point
        cleaned["doubtful"] = list(report.doubtful)
    cleaned["warnings"] = list(report.warnings) + clean.replaced
    return json.dumps(cleaned, indent=2, ensure_ascii=False, allow_nan=False)


def report_json(report: Report, graph: Any = None) -> str:
    data = {
        "expression": report.expression,
        "inputs": list(report.inputs),
        "wrt": list(report.wrt),
        "point": report.point,
        "value": report.value,
        "reference": report.reference,
        "results": result_entries(report, graph),
    }
    return report_dumps(data, report)


def dumps(data: Any) -> str:
    """Strict JSON of any plain data (used by the other commands)."""
    clean = _Clean()
    cleaned = clean(data, "$")
    if clean.replaced and isinstance(cleaned, dict):
        cleaned.setdefault("warnings", [])
        cleaned["warnings"] = list(cleaned["warnings"]) + clean.replaced
    return json.dumps(cleaned, indent=2, ensure_ascii=False, allow_nan=False)


# ---------------------------------------------------------------- route listings, streamed ----
