"""The method registry: every differentiator behind one interface (the package
:mod:`diffx.methods` re-exports this and imports the methods, which register themselves).

A method is a function ``run(graph, wrt, point, arrays, evaluated, **options) -> Gradient``
registered with its name, its options (name -> default) and a one-line summary; ``evaluated``
is the point's forward pass (:class:`Evaluated`, None without a point), computed once when a
method first asks for it and shared with the runner, which adds the point-level warnings
(non-finite values, kinks) to every method's result. ``diffx.grad`` and the CLI
find methods only through :data:`REGISTRY`, so a new method is one module with one
``@register``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import DiffxError, OptionError, option
from ..graph import Graph
from ..result import Gradient


class MethodError(DiffxError):
    """A method cannot run on this request (``usage=True``: kind ``"usage"``) or could not
    finish: time, size or depth ran out, or sympy failed (``usage=False``: kind
    ``"unfinished"``). The runner records ``kind`` as the result's ``error_kind``."""

    def __init__(self, message: str, usage: bool = True) -> None:
        super().__init__(message)
        self.kind = "usage" if usage else "unfinished"

    @property
    def usage(self) -> bool:
        return self.kind == "usage"


@dataclass(frozen=True)
class Method:
    name: str
    run: Callable[..., Gradient]
    options: dict[str, Any]
    summary: str
    #: the option sets ``compare`` runs side by side, each a row labelled by the method's name
    #: and the options' values (``numeric central``); one row with the defaults by default
    variants: tuple[dict[str, Any], ...] = ({},)

    @property
    def labelled_variants(self) -> list[tuple[str, dict[str, Any]]]:
        return [(" ".join([self.name, *map(str, v.values())]), dict(v)) for v in self.variants]

    def __call__(self, graph: Graph, wrt: tuple[str, ...], point: dict[str, Any] | None,
                 arrays: bool = False, evaluated: Evaluated | None = None,
                 **options: Any) -> Gradient:
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            known = ", ".join(sorted(self.options)) or "none"
            raise OptionError(f"the {self.name} method has no option {unknown[0]!r} "
                              f"(its options: {known})")
        if evaluated is None and point is not None:
            evaluated = Evaluated(graph, point, arrays)
        return self.run(graph, wrt, point, arrays, evaluated=evaluated,
                        **{**self.options, **options})


class Evaluated:
    """The graph's forward pass at one point (or one array of points): every node's value and
    the namespace that computed it (``evaluation.evaluate``), computed when first asked for,
    so a method that needs the values and the runner's warnings share one pass; and the
    point-level warnings, each computed once."""

    def __init__(self, graph: Graph, point: dict[str, Any], arrays: bool) -> None:
        self.graph, self.point, self.arrays = graph, point, arrays
        self._pass: tuple[Sequence[Any], str] | None = None
        self._kinks: dict[tuple[str, ...], list[str]] = {}
        self._values_said: list[str] | None = None
        self.finite: bool | None = None  # every value finite, when a method has found out

    @property
    def values(self) -> Sequence[Any]:
        return self.forward()[0]

    def forward(self) -> tuple[Sequence[Any], str]:
        """Every node's value and the namespace (``"math"`` or ``"numpy"``) that computed them."""
        if self._pass is None:
            from .. import evaluation

            self._pass = evaluation.evaluate(self.graph, self.point, self.arrays)
        return self._pass

    def kinks(self, wrt: tuple[str, ...]) -> list[str]:
        """Nodes evaluated exactly at a kink (:func:`diffx.diagnose.kink_warnings`)."""
        if wrt not in self._kinks:
            from .. import diagnose

            self._kinks[wrt] = diagnose.kink_warnings(self.graph, self.values, wrt)
        return self._kinks[wrt]

    def warnings(self, wrt: tuple[str, ...]) -> list[str]:
        """The point-level warnings: non-finite values where they arise, then kinks."""
        if self._values_said is None:
            from .. import diagnose

            self._values_said = diagnose.value_warnings(self.graph, self.values, self.finite)
        return [*self._values_said, *self.kinks(wrt)]


def check_timeout(timeout: Any) -> float:
    """A time budget in seconds: a positive number (at most a day)."""
    try:
        value = float(timeout)
    except (TypeError, ValueError):
        raise OptionError(f"{option('timeout')} must be a number of seconds, got {timeout!r}",
                          param="timeout") from None
    if not 0 < value <= 86400:
        raise OptionError(f"{option('timeout')} must be between 0 and 86400 seconds, got "
                          f"{timeout!r}", param="timeout")
    return value


MAX_ROUTE_LIMIT = 100_000


def check_route_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_ROUTE_LIMIT:
        raise OptionError(f"{option('route_limit')} must be a whole number from 0 to "
                          f"{MAX_ROUTE_LIMIT:,}, got {limit!r}", param="route_limit")
    return limit


REGISTRY: dict[str, Method] = {}
DEFAULT_METHODS = ("symbolic", "numeric", "reverse")


def register(name: str, options: dict[str, Any], summary: str,
             variants: tuple[dict[str, Any], ...] = ({},)) -> Callable:
    """Register a method. The registry's order (the import order in :mod:`diffx.methods`) is
    the order the methods are shown in."""
    def wrap(fn: Callable[..., Gradient]) -> Callable[..., Gradient]:
        REGISTRY[name] = Method(name, fn, dict(options), summary, tuple(variants))
        return fn
    return wrap


def get(name: str) -> Method:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise OptionError(f"unknown method {name!r}; the methods are: {known}, all") from None


def new_result(method: str, graph: Graph, wrt: tuple[str, ...],
               point: dict[str, Any] | None) -> Gradient:
    """A method's empty result; its ``expression``, the graph's program text, is written when
    first read (a traced graph writes it in a pass over all its nodes)."""
    return Gradient(method=method, expression=lambda: graph.source,  # type: ignore[arg-type]
                    inputs=graph.inputs, wrt=wrt, point=point, graph=graph)


def to_python(x: Any) -> Any:
    """numpy scalars become Python numbers; arrays stay arrays."""
    import numbers

    if isinstance(x, float | int):
        return float(x)
    if isinstance(x, numbers.Number) and not hasattr(x, "shape"):
        return x
    shape = getattr(x, "shape", None)
    if shape == ():
        return x.item()
    return x



def use_other_mode_where_nan(graph: Graph, vals: Sequence[Any], wrt: tuple[str, ...],
                             gradient: dict[str, Any], other: Callable[[str], Any],
                             said: str) -> list[str]:
    """Where one sweep gives nan for a function that is defined there, infinite terms
    cancelled (inf - inf, ``sqrt(x - x)``); the other mode adds its terms first and meets the
    infinite local derivative as a strong zero. ``other(w)`` is that mode's derivative; it is
    used at those points (``gradient`` is updated), and ``said`` (with ``{w}``) says so."""
    import math

    value = vals[graph.output]
    if isinstance(value, float) and all(isinstance(gradient[w], float) and
                                        not math.isnan(gradient[w]) for w in wrt):
        return []  # the common case, without numpy
    import numpy as np

    from .. import evaluation

    told = []
    for w in wrt:
        bad = np.isnan(gradient[w]) & np.isfinite(value)
        if not np.any(bad) or not evaluation.may_hide_strong_zero(graph, vals):
            continue
        fixed = np.where(bad, other(w), gradient[w])
        if np.array_equal(np.isnan(fixed), np.isnan(gradient[w])):
            continue
        gradient[w] = to_python(fixed)
        told.append(said.format(w=w))
    return told
