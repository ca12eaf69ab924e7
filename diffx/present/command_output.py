"""What the commands make of their results beyond the tables: the warnings the grad command
adds, the JSON documents of the routes, swell, compare and check commands, and the one-line
reason (for stderr) when a command failed. JSON is made by ``present.as_json`` (imported when
needed, so the text output of grad does not load it)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..details import sweep_details
from ..result import Gradient, Report

if TYPE_CHECKING:  # (the grad command need not import what the others measure)
    from ..check import CheckReport
    from ..swell import SwellTable

NO_LISTING = ("routes are listed at one point (or as formulas without --at), not at many "
              "points: give single values in --at to list them")


def unused_warnings(graph: Any) -> list[str]:
    """The graph's sentence about statements the output does not use, if there are any."""
    text = graph.unused_warning()
    return [f"{text} ({graph.differentiated_note()})"] if text else []


def add_grad_warnings(report: Report, graph: Any, routes: bool) -> None:
    """The grad command's own warnings, put in the report before it is shown: routes asked for
    but not listed (many points), and statements the output does not use (first)."""
    rev = report.results.get("reverse")
    if routes and rev is not None and rev.ok and sweep_details(rev.details).route_listing is None:
        report.warnings.append(NO_LISTING)
    for w in unused_warnings(graph):
        if w not in report.warnings:
            report.warnings.insert(0, w)


def grad_failure(report: Report, out_name: str) -> str | None:
    """Why the grad command failed when no method could differentiate (None: one could)."""
    failed = [(name, r.error) for name, r in report.results.items() if not r.ok]
    if not report.results or len(failed) < len(report.results):
        return None
    if len(failed) > 1:
        reasons = "; ".join(f"{name}: {error}" for name, error in failed)
        return f"no method could differentiate {out_name} ({reasons})"
    return f"{failed[0][0]}: {failed[0][1]}"


def routes_data(graph: Any, result: Gradient) -> dict[str, Any]:
    """The routes command's JSON document as plain data (written by ``write_listing_json``,
    which streams the listing)."""
    d = sweep_details(result.details)
    return {"expression": graph.source, "wrt": list(result.wrt),
            "point": result.point, "gradient": result.gradient,
            "routes": d.routes,
            "routes_log10": d.routes_log10,
            "listing": d.route_listing,
            "legend": d.route_legend or {},
            "sweep_multiply_adds": result.cost.get("backward_ops"),
            # one sweep for exactly these inputs: fewer than all of them skip edges
            "sweep_multiply_adds_for": list(result.wrt)
            if result.cost.get("backward_ops") is not None else None,
            "warnings": result.warnings}


def swell_json(table: SwellTable) -> str:
    """The swell command's JSON: the family, its description, the budget and every row."""
    from .as_json import dumps

    return dumps({"family": table.name, "description": table.description,
                  "budget": table.budget, "rows": [r.as_dict() for r in table.rows]})


def compare_json(result: Report) -> str:
    """The compare command's JSON: the point, the value, the reference and every row; at a
    doubtful point, the inputs whose errors are not measured (``doubtful``)."""
    from .as_json import dumps

    doubtful = {"doubtful": list(result.doubtful)} if result.doubtful else {}
    return dumps({
        "expression": result.expression, "point": result.point,
        "value": result.value,
        "reference": result.reference, "wrt": list(result.wrt), **doubtful,
        "rows": [r.as_dict() for r in result.rows],
        "warnings": result.warnings})


def check_json(report: CheckReport) -> str:
    """The check command's JSON: the whole report, field by field."""
    from dataclasses import asdict

    from .as_json import dumps

    data = asdict(report)
    if not report.doubtful:
        del data["doubtful"]  # (said only where the point is doubtful)
    if report.no_derivative is None:
        del data["no_derivative"]  # (said only where f has no value)
    if report.too_large is None:
        del data["too_large"]  # (said only where floats cannot check)
    return dumps(data)


#: where f has no value at the point (``report.no_derivative``), the scalar and the vector check
NO_GRADIENT = "there is no gradient to check here; check at another point"
NO_DERIVATIVE_FAILURE = ("the check failed: f is not finite at this point, in exact arithmetic "
                         "too, so there is no derivative to check")


def check_failure(report: CheckReport) -> str:
    """The one-line reason a check failed, for stderr."""
    worst = next((c for c in report.inputs if c.name == report.worst), None)
    if worst is None:
        return "the check failed"
    shown = {"claimed": worst.claimed, "reverse": worst.reverse, "central": worst.central}
    bad = [f"{k} {v}" for k, v in shown.items()
           if isinstance(v, float) and not math.isfinite(v)]
    if report.no_derivative is not None:
        return NO_DERIVATIVE_FAILURE
    if worst.too_large and report.too_large is not None:
        return f"the check could not be made: {report.too_large}"
    if bad:
        return (f"the check failed: the derivative with respect to {worst.name} is not finite "
                f"({', '.join(bad)})")
    if report.doubtful:
        return (f"the check failed at a doubtful point (the derivative with respect to "
                f"{worst.name} may not exist here): a relative error of {worst.error:.1e}, "
                f"more than --threshold {report.threshold:g}")
    return (f"the check failed: the derivative with respect to {worst.name} is off by a "
            f"relative error of {worst.error:.1e}, more than --threshold {report.threshold:g}")
