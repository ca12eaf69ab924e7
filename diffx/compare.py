"""Every method and variant side by side at one point: value, error, time, cost, size.

    >>> c = compare("exp(x)/sqrt(sin(x)^3 + cos(x)^3)", at={"x": 1.5})
    >>> [row.label for row in c.rows][:3]
    ['symbolic', 'numeric forward', 'numeric backward']
    >>> c.row("numeric complex").relative_error < 1e-14
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import OptionError
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
        errors = [v for v in (self.absolute_error or {}).values()]
        return max(errors) if errors else None

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
        raise OptionError("compare needs a point: add --at")
    graph, names, point, arrays = _prepare(source_or_graph, at, wrt)
    if arrays:
        raise OptionError("compare works at one point; give single values in --at")
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
        raise OptionError(f"--reference {reference!r}: choose one of {', '.join(labels)}")
    ref = next(r for r in rows if r.label == reference)
    if ref.gradient is None:
        fallback = next((r for r in rows if r.label == "reverse" and r.gradient), None)
        if fallback is None:
            raise OptionError(f"the reference {reference} failed: {ref.error}")
        warnings.append(f"the reference {reference} failed ({ref.error}); errors are measured "
                        "against reverse instead")
        ref = fallback
    for r in rows:
        if r.gradient is None:
            continue
        r.absolute_error = {w: abs(r.gradient[w] - ref.gradient[w]) for w in names}  # type: ignore
        r.relative_error = max_finite(relative_error(r.gradient[w], ref.gradient[w])  # type: ignore
                                      for w in names) if names else 0.0
    value = next((r.result.value for r in rows if r.result is not None), None)
    return Comparison(graph.source, point, names, value, ref.label, rows, warnings)


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
