"""Every method and variant side by side at one point: value, error, time, cost, size.

    >>> c = compare("exp(x)/sqrt(sin(x)^3 + cos(x)^3)", at={"x": 1.5})
    >>> [row.label for row in c.rows][:3]
    ['symbolic', 'numeric forward', 'numeric backward']
    >>> c.row("numeric complex").relative_error < 1e-14
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .errors import OptionError, option
from .graph import Graph
from .result import Gradient, max_finite, relative_error

VARIANTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("symbolic", {}),
    ("numeric", {"scheme": "forward"}),
    ("numeric", {"scheme": "backward"}),
    ("numeric", {"scheme": "central"}),
    ("numeric", {"scheme": "richardson"}),
    ("numeric", {"scheme": "complex"}),
    ("reverse", {}),
    ("forward", {}),
)


@dataclass
class CompareRow:
    """One method or variant: what it found and what it cost."""

    method: str
    variant: str | None
    gradient: dict[str, Any] | None
    absolute_error: dict[str, Any] | None
    relative_error: float | None  # the worst over the inputs
    seconds: float
    evaluations: int | None
    operations: int | None
    built: str  # the size of what the method built
    error: str | None = None
    result: Gradient | None = field(default=None, repr=False)

    @property
    def worst_absolute_error(self) -> float | None:
        """The largest absolute error; nan when any is nan (not measured: not finite)."""
        errors = [v for v in (self.absolute_error or {}).values()]
        if not errors:
            return None
        if any(math.isnan(v) for v in errors):
            return math.nan
        return max(errors)

    @property
    def label(self) -> str:
        return f"{self.method} {self.variant}" if self.variant else self.method


@dataclass
class Comparison:
    expression: str
    point: dict[str, Any]
    wrt: tuple[str, ...]
    value: Any
    reference: str
    rows: list[CompareRow]
    warnings: list[str]

    def row(self, label: str) -> CompareRow:
        for r in self.rows:
            if r.label == label:
                return r
        raise KeyError(label)


def compare(source_or_graph: str | Graph, *, at: Any, wrt: Any = None,
            reference: str = "symbolic", timeout: float = 30.0) -> Comparison:
    """Run every method and variant at ``at``; errors are measured against ``reference``
    (a row label such as ``symbolic``, ``reverse`` or ``numeric richardson``)."""
    from . import methods
    from .api import _prepare, run_method

    if at is None:
        raise OptionError(f"compare needs a point: give {option('at')}", param="at")
    graph, names, point, arrays = _prepare(source_or_graph, at, wrt)
    if arrays:
        raise OptionError(f"compare works at one point; give single values in {option('at')}",
                          param="at")
    rows: list[CompareRow] = []
    warnings: list[str] = []
    for method, options in VARIANTS:
        spec = methods.get(method)
        opts = dict(options)
        if method == "symbolic":
            opts["timeout"] = timeout
        try:
            r = run_method(spec, graph, names, point, False, opts)
        except methods.MethodError as exc:
            rows.append(CompareRow(method, options.get("scheme"), None, None, None, 0.0, None,
                                   None, "", error=str(exc)))
            continue
        for w in r.warnings:
            if w not in warnings:
                warnings.append(w)
        rows.append(CompareRow(method, options.get("scheme"), r.gradient, None, None, r.seconds,
                               r.cost.get("evaluations"), r.cost.get("operations"),
                               _built(graph, r), result=r))
    labels = [r.label for r in rows]
    if reference not in labels:
        raise OptionError(f"{option('reference')} {reference!r}: choose one of "
                          f"{', '.join(labels)}", param="reference")
    ref = next(r for r in rows if r.label == reference)
    if ref.gradient is None:
        fallback = next((r for r in rows if r.label == "reverse" and r.gradient), None)
        if fallback is None:
            raise OptionError(f"the reference {reference} failed: {ref.error}")
        warnings.append(f"the reference {reference} failed ({ref.error}); errors are measured "
                        "against reverse instead")
        ref = fallback
    not_finite: dict[str, list[str]] = {}
    for r in rows:
        if r.gradient is None:
            continue
        errors = [_errors(r.gradient.get(w), ref.gradient.get(w)) for w in names]  # type: ignore
        r.absolute_error = {w: e[0] for w, e in zip(names, errors)}
        rel = [e[1] for e in errors]
        r.relative_error = (math.nan if any(math.isnan(e) for e in rel) else
                            max_finite(rel)) if names else 0.0
        for w in names:
            if not _finite(r.gradient.get(w)):
                not_finite.setdefault(w, []).append(f"{r.label} ({_show(r.gradient.get(w))})")
    for w, where in not_finite.items():
        warnings.append(f"the derivative with respect to {w} is not finite in "
                        f"{', '.join(where)}: its errors are not measured there (nan), "
                        "which is never agreement")
    # the graph's own forward pass (reverse, forward), not sympy's simplified formula, which
    # may have a value where the graph has none (x/x at 0)
    value = next((r.result.value for method in ("reverse", "forward") for r in rows
                  if r.method == method and r.result is not None and r.result.value is not None),
                 next((r.result.value for r in rows if r.result is not None), None))
    return Comparison(graph.source, point, names, value, ref.label, rows, warnings)


def _finite(v: Any) -> bool:
    """A finite real or complex number (not None, nan or inf)."""
    if isinstance(v, bool) or not isinstance(v, int | float | complex):
        try:
            v = complex(v)
        except (TypeError, ValueError):
            return False
    return math.isfinite(v.real) and math.isfinite(v.imag) if isinstance(v, complex) \
        else math.isfinite(v)


def _show(v: Any) -> str:
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    return str(v)


def _errors(value: Any, reference: Any) -> tuple[float, float]:
    """(absolute, relative) error; nan for both when either value is not finite: two nans
    or two infinities are not an agreement."""
    if not (_finite(value) and _finite(reference)):
        return math.nan, math.nan
    diff = abs(value - reference)
    try:
        rel = float(relative_error(value, reference))
    except (TypeError, ValueError):  # complex values: |difference| / |reference|
        rel = diff / abs(reference) if reference != 0 else diff
    return float(diff), rel


def _built(graph: Graph, r: Gradient) -> str:
    if r.method == "symbolic":
        trees = r.details.get("tree_size", {})
        return f"formula tree of {max(trees.values()):,} nodes" if trees else ""
    if r.method in ("reverse", "forward"):
        return f"the graph: {graph.size:,} nodes, {graph.n_edges:,} edges"
    if r.method == "numeric":
        steps = r.details.get("step", {})
        h = max(steps.values()) if steps else None
        return f"step {h:.2g}" if isinstance(h, float) else ""
    return ""
