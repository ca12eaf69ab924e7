"""``diffx grad --order 2``: the Hessian by every method (:mod:`diffx.hessian`), one table per
method with its cost and warnings, then how far each method is from the first; ``--json`` gives
the same as strict JSON (non-finite entries as null)."""

from __future__ import annotations

import json
import math
from typing import Any

from ..errors import DiffxError
from ..hessian import METHODS, Hessian, agreement, hessian_all, not_compared
from .text import NOT_FINITE, number

DIGITS = 10


def _cost(h: Hessian) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in h.cost.items())


def hessian_text(results: dict[str, Hessian], shared: tuple[str, ...] = ()) -> str:
    """The tables and the agreement line, as plain text; ``shared`` are warnings every
    method carries (the caller prints them once, in the header), left out of each table."""
    lines: list[str] = []
    for method, h in results.items():
        lines.append(f"{method}" + (f"  ({_cost(h)})" if h.cost else ""))
        if h.matrix is None:
            lines.append(f"  error: {h.error}")
            lines.append("")
            continue
        cells = [[number(float(v), DIGITS) for v in row] for row in h.matrix]
        width = max([len(n) for n in h.wrt] + [len(c) for row in cells for c in row] + [1])
        lines.append("  " + " " * max(len(n) for n in h.wrt) + "  "
                     + "  ".join(n.rjust(width) for n in h.wrt))
        for name, row in zip(h.wrt, cells):
            lines.append("  " + name.ljust(max(len(n) for n in h.wrt)) + "  "
                         + "  ".join(c.rjust(width) for c in row))
        finite_estimates = [] if h.error_estimate is None else \
            [float(e) for e in h.error_estimate.ravel() if math.isfinite(e)]
        if finite_estimates:
            lines.append(f"  error estimate up to ±{number(max(finite_estimates), 2)}")
        lines.extend(f"  warning: {w}" for w in h.warnings if w not in shared)
        lines.append("")
    agree, skipped = agreement(results), not_compared(results)
    first = next((m for m, h in results.items() if h.matrix is not None), None)
    if first is not None and len(results) > 1:
        parts = [f"{m} {NOT_FINITE if e is None else number(e, 2)}"
                 + (f" ({NOT_FINITE} at {'; '.join(skipped[m])})"
                    if skipped.get(m) and e is not None else "")
                 for m, e in agree.items() if m != first and m in skipped]
        lines.append(f"largest difference from {first}, relative to max(1, its largest entry): "
                     + (", ".join(parts) if parts else "none"))
    return "\n".join(lines)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def hessian_json(results: dict[str, Hessian], header: dict[str, Any] | None = None) -> str:
    data: dict[str, Any] = dict(header or {})
    for method, h in results.items():
        data[method] = {
            "wrt": list(h.wrt), "value": None if h.value is None else _finite(h.value),
            "hessian": None if h.matrix is None else
            [[_finite(float(v)) for v in row] for row in h.matrix],
            "cost": h.cost, "asymmetry": _finite(h.asymmetry), "warnings": h.warnings,
            "error": h.error}
    data["agreement"] = agreement(results)
    skipped = {m: entries for m, entries in not_compared(results).items() if entries}
    if skipped:  # (the entries not finite in a method's Hessian or the first's)
        data["not_compared"] = skipped
    return json.dumps(data, allow_nan=False)


def order_two(program: Any, point: Any, wrt: Any, json_out: bool,
              timeout: float = 30.0, method: str = "all") -> str:
    """What ``diffx grad --order 2`` prints (the caller reads the program and the point):
    the header of the first derivative's table (the expression, the point, the value, the
    graph's own warnings once), then a table per method (``method`` one of them, or all);
    ``timeout`` bounds the symbolic method, as ``--timeout`` does for the gradient."""
    if point is None:
        raise DiffxError("--order 2 gives values of the Hessian at a point: add --at, e.g. "
                         "--at " + ",".join(f"{n}=1" for n in getattr(program, "inputs", ())))
    if method != "all" and method not in METHODS:
        raise DiffxError(f"--method {method} has no Hessian: --order 2 runs "
                         f"{', '.join(METHODS)} (or all)")
    methods = METHODS if method == "all" else (method,)
    results = hessian_all(program, at=point, wrt=wrt, methods=methods, timeout=timeout)
    first = next(iter(results.values()))
    shared = tuple(w for w in first.warnings
                   if all(w in h.warnings for h in results.values()))
    told = tuple(w for w in getattr(program, "warnings", ()) if w in shared)
    value = next((h.value for h in results.values() if h.value is not None), None)
    title = program.title() if hasattr(program, "title") else str(program)
    out_name = getattr(program, "output_name", "f")
    if json_out:
        return hessian_json(results, {
            "expression": title, "point": {k: _finite(v) for k, v in first.point.items()},
            "value": None if value is None else _finite(value), "warnings": list(told)})
    head = [title, "at " + ", ".join(f"{k}={number(v, DIGITS)}" for k, v in first.point.items())]
    if value is not None:
        head.append(f"{out_name} = {number(value)}")
    head.extend(f"warning: {w}" for w in told)
    return "\n".join([*head, "", hessian_text(results, told)])
