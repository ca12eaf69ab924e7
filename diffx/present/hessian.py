"""``diffx grad --order 2``: the Hessian by every method (:mod:`diffx.hessian`), one table per
method with its cost and warnings, then how far each method is from the first; ``--json`` gives
the same as strict JSON (non-finite entries as null)."""

from __future__ import annotations

import json
import math
from typing import Any

from ..errors import DiffxError
from ..hessian import Hessian, agreement, hessian_all
from .text import number

DIGITS = 10


def _cost(h: Hessian) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in h.cost.items())


def hessian_text(results: dict[str, Hessian]) -> str:
    """The tables and the agreement line, as plain text."""
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
        if h.error_estimate is not None and h.error_estimate.size:
            lines.append(f"  error estimate up to ±{number(float(h.error_estimate.max()), 2)}")
        lines.extend(f"  warning: {w}" for w in h.warnings)
        lines.append("")
    agree = agreement(results)
    first = next((m for m, h in results.items() if h.matrix is not None), None)
    if first is not None:
        parts = [f"{m} {number(e, 2)}" for m, e in agree.items() if e is not None and m != first]
        lines.append(f"largest difference from {first}, relative to max(1, its largest entry): "
                     + (", ".join(parts) if parts else "none"))
    return "\n".join(lines)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def hessian_json(results: dict[str, Hessian]) -> str:
    data: dict[str, Any] = {}
    for method, h in results.items():
        data[method] = {
            "wrt": list(h.wrt), "value": None if h.value is None else _finite(h.value),
            "hessian": None if h.matrix is None else
            [[_finite(float(v)) for v in row] for row in h.matrix],
            "cost": h.cost, "asymmetry": _finite(h.asymmetry), "warnings": h.warnings,
            "error": h.error}
    data["agreement"] = agreement(results)
    return json.dumps(data, allow_nan=False)


def order_two(program: Any, point: Any, wrt: Any, json_out: bool,
              timeout: float = 30.0) -> str:
    """What ``diffx grad --order 2`` prints (the caller reads the program and the point);
    ``timeout`` bounds the symbolic method, as ``--timeout`` does for the gradient."""
    if point is None:
        raise DiffxError("--order 2 gives values of the Hessian at a point: add --at, e.g. "
                         "--at " + ",".join(f"{n}=1" for n in getattr(program, "inputs", ())))
    results = hessian_all(program, at=point, wrt=wrt, timeout=timeout)
    return hessian_json(results) if json_out else hessian_text(results)
