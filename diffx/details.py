"""What each method records beside its derivative: one typed record per kind of method.

A :class:`~diffx.result.Gradient` holds its method's record in ``details``. Each record says
for itself what a reader needs from it, so the presenters, the CLI and ``compare`` never ask
which method made a result:

* ``summary(cost, number, count)`` -- the one-line cost cell of ``diffx grad``'s table
  (``number`` and ``count`` are the presenter's number formats: the model formats no numbers);
* ``built(graph)`` -- what ``diffx compare``'s "built" column shows: the size of what the
  method built;
* ``as_json()`` -- the "details" of the JSON output, without the bulk per-node arrays;
* ``node_values()`` -- the forward values and adjoints per node, where the method kept them;
* ``cell(w)`` -- the text shown for ``w`` instead of the derivative's formula, if any;
* ``VALUE_FROM_GRAPH`` -- whether the result's ``value`` is the graph's own forward pass
  (the sweeps'), which a report may show as the function's value;
* ``BULK`` -- the fields dropped when results over chunks of points are merged (they hold
  nodes × points); ``chunks`` counts the chunks of a merged result.
"""

from __future__ import annotations

import dataclasses
import math
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass
class Details:
    """A method's record; this base holds only what every result may have (a failed method
    records nothing)."""

    BULK: ClassVar[tuple[str, ...]] = ()
    VALUE_FROM_GRAPH: ClassVar[bool] = False
    chunks: int | None = None  # how many chunks of points a merged result came from

    def summary(self, cost: dict[str, Any], number: Callable[..., str],
                count: Callable[..., str]) -> str:
        """The cost cell: each counted thing with its number."""
        return ", ".join(f"{k} {v}" for k, v in cost.items())

    def built(self, graph: Any) -> str:
        """The size of what the method built ("" when it says nothing)."""
        return ""

    def as_json(self) -> dict[str, Any]:
        """The record as JSON data: every field that is set, in order, bulk arrays aside."""
        out = {}
        for f in dataclasses.fields(self):
            if f.name in self.hidden() or f.name == "chunks":
                continue
            v = getattr(self, f.name)
            if v is not None:
                out[f.name] = v
        if self.chunks is not None:
            out["chunks"] = self.chunks
        return out

    def hidden(self) -> tuple[str, ...]:
        """Fields kept out of the JSON (per-node arrays: see ``node_values``)."""
        return ()

    def node_values(self) -> tuple[Sequence[Any], Sequence[Any]] | None:
        """Every node's forward value and adjoint, when the method kept them."""
        return None

    def cell(self, w: str) -> str | None:
        """Text to show for ``w`` in place of the derivative, when the method has more to say."""
        return None

    def no_derivative(self, at: Any = None, shape: tuple[int, ...] = ()) -> None:
        """f has no value at the point (diffx.undefined), or at the points ``at`` (flat indices
        into ``shape``): forget what stands for ∂f/∂node there."""

    def without_bulk(self) -> Details:
        """A copy without the fields that hold nodes × points."""
        return dataclasses.replace(self, **{k: None for k in self.BULK})


@dataclass
class SymbolicDetails(Details):
    """sympy's formula per input: ``count_ops`` (operations), ``tree_size`` (nodes of its
    tree) and ``notation`` (the functions written in diffx's notation, with their meaning)."""

    count_ops: dict[str, int | None] | None = None
    tree_size: dict[str, int] | None = None
    notation: dict[str, str] | None = None

    def summary(self, cost: dict[str, Any], number: Callable[..., str],
                count: Callable[..., str]) -> str:
        ops = cost.get("operations")
        trees = self.tree_size or {}
        size = max(trees.values()) if trees else 0
        several = len(trees) > 1
        if ops is None:
            return f"formula tree{'s ≤' if several else ' of'} {size:,} nodes"
        return (f"formula{'s' * several}: {ops:,} op{'' if ops == 1 else 's'}, "
                f"tree {'≤ ' * several}{size:,}")

    def built(self, graph: Any) -> str:
        trees = self.tree_size or {}
        return f"formula tree of {max(trees.values()):,} nodes" if trees else ""


@dataclass
class NumericDetails(Details):
    """Finite differences: the ``scheme``, and per input the ``step`` used and the
    ``error_estimate`` of the result (floats, or arrays at many points)."""

    BULK: ClassVar[tuple[str, ...]] = ("step", "error_estimate")
    scheme: str | None = None
    step: dict[str, Any] | None = None
    error_estimate: dict[str, Any] | None = None

    def summary(self, cost: dict[str, Any], number: Callable[..., str],
                count: Callable[..., str]) -> str:
        steps = self.step or {}
        h = next(iter(steps.values()), None) if steps else None
        h_text = f" h={number(h, 2)}" if h is not None and not hasattr(h, "shape") else ""
        n = cost.get('evaluations', 0)
        return f"{n:,} eval{'' if n == 1 else 's'} ({self.scheme}{h_text})"

    def built(self, graph: Any) -> str:
        steps = self.step or {}
        h = max(steps.values()) if steps else None
        return f"step {h:.2g}" if isinstance(h, float) else ""


class _NodeList:
    """A per-node field (values, adjoints) that reads as a plain list: the compiled tier's
    array-backed values (:class:`diffx.float_values.FloatValues`) and a big graph's packed ones
    (``array('d')``, :func:`diffx.engine.packs`) are kept as given and become their list of
    Python floats on first read, so a report that never reads them never
    converts them, and a reader always gets what the pure-Python engine gives."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return None  # the field's default
        value = getattr(obj, self.slot, None)
        if isinstance(value, array) or getattr(value, "array", None) is not None \
                and hasattr(value, "tolist"):
            value = value.tolist()  # type: ignore[union-attr]
            setattr(obj, self.slot, value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(obj, self.slot, value)


@dataclass
class SweepDetails(Details):
    """The sweeps over the graph (reverse and forward mode).

    At a point: every node's forward ``values`` and (reverse) ``adjoints``. Without a point
    (reverse): per input the ``route_sum`` as written, its ``simplified`` form, and its
    ``form`` (``"route-sum"`` or why it is factored). Routes per input: ``routes`` (exact
    count, None past the exact range) and ``routes_log10``; with ``routes=True`` the
    ``route_listing`` and the ``route_legend`` of its symbols. Fields not computed are None.
    """

    BULK: ClassVar[tuple[str, ...]] = ("values", "adjoints", "tangents")
    VALUE_FROM_GRAPH: ClassVar[bool] = True
    values: Sequence[Any] | None = _NodeList()  # type: ignore[assignment]
    adjoints: Sequence[Any] | None = _NodeList()  # type: ignore[assignment]
    tangents: dict[str, list[Any]] | None = None
    route_sum: dict[str, str] | None = None
    simplified: dict[str, str] | None = None
    form: dict[str, str] | None = None
    route_listing: dict[str, Any] | None = None
    route_legend: dict[str, str] | None = None
    routes: dict[str, int | None] | None = None
    routes_log10: dict[str, float | None] | None = None  # None: no route

    def summary(self, cost: dict[str, Any], number: Callable[..., str],
                count: Callable[..., str]) -> str:
        if "routes" not in cost:  # forward mode counts sweeps, not routes
            return super().summary(cost, number, count)
        routes = count(cost.get("routes"), cost.get("routes_log10"))
        if "forward_ops" in cost:
            return (f"{cost['forward_ops']:,}+{cost['backward_ops']:,} ops, "
                    f"{routes} route{'s' * (routes != '1')}")
        return f"{routes} route{'s' * (routes != '1')}"

    def built(self, graph: Any) -> str:
        if graph is None:
            return ""
        return f"the graph: {graph.size:,} nodes, {graph.n_edges:,} edges"

    def hidden(self) -> tuple[str, ...]:
        return self.BULK

    def node_values(self) -> tuple[Sequence[Any], Sequence[Any]] | None:
        if self.adjoints is None or self.values is None:
            return None
        return self.values, self.adjoints

    def no_derivative(self, at: Any = None, shape: tuple[int, ...] = ()) -> None:
        """Every adjoint is ∂f/∂node, and f has no value here (or at the points ``at``, flat
        indices into ``shape``): each one is nan there (the sweep's numbers, a 0 at the input
        of ``1/x^2`` at 0, would read as a derivative), and so is the tangent of a node that
        has no value there (f, or 1/x^2 on its way)."""
        import numpy as np

        def spoiled(v: Any) -> Any:
            if at is None:
                return math.nan
            out = np.array(np.broadcast_to(np.asarray(v, dtype=float), shape))
            out.ravel()[at] = math.nan  # (one per point, where a constant 1 was one number)
            return out

        kept = getattr(self, "_adjoints", None)
        if kept is not None:
            self.adjoints = [math.nan] * len(kept) if at is None else \
                [spoiled(a) for a in self.adjoints or ()]
        values = self.values
        if self.tangents is not None and values is not None:
            with np.errstate(invalid="ignore"):
                self.tangents = {w: [_where_valued(t, v) for t, v in zip(ts, values)]
                                 for w, ts in self.tangents.items()}

    def cell(self, w: str) -> str | None:
        if not self.route_sum or not self.simplified:
            return None
        route_sum, simple = self.route_sum[w], self.simplified[w]
        return route_sum if route_sum == simple else f"{route_sum}\n= {simple}"


def sweep_details(details: Details) -> SweepDetails:
    """A sweep method's record (reverse, forward), where route counts and listings are read;
    a ``TypeError`` for any other method's record."""
    if not isinstance(details, SweepDetails):
        raise TypeError(f"routes are recorded by the sweep methods, not in "
                        f"{type(details).__name__}")
    return details


def _where_valued(tangent: Any, value: Any) -> Any:
    """A node's tangent, nan wherever its value is not finite (a float, or per point)."""
    import numpy as np

    if isinstance(value, float | int) and isinstance(tangent, float | int):
        return tangent if math.isfinite(value) else math.nan
    return np.where(np.isfinite(np.asarray(value, dtype=float)), tangent, math.nan)
