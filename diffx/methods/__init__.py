"""The method registry: every differentiator behind one interface.

A method is a function ``run(graph, wrt, point, arrays, **options) -> Gradient`` registered
with its name, its options (name -> default) and a one-line summary. ``diffx.grad`` and the CLI
find methods only through :data:`REGISTRY`, so a new method is one module with one
``@register``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import DiffxError, OptionError
from ..graph import Graph
from ..result import Gradient


class MethodError(DiffxError):
    """A method cannot run on this request (``usage``) or could not finish (timed out)."""

    def __init__(self, message: str, usage: bool = True) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True)
class Method:
    name: str
    run: Callable[..., Gradient]
    options: dict[str, Any]
    summary: str

    def __call__(self, graph: Graph, wrt: tuple[str, ...], point: dict[str, Any] | None,
                 arrays: bool = False, **options: Any) -> Gradient:
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            known = ", ".join(sorted(self.options)) or "none"
            raise OptionError(f"the {self.name} method has no option {unknown[0]!r} "
                              f"(its options: {known})")
        return self.run(graph, wrt, point, arrays, **{**self.options, **options})


REGISTRY: dict[str, Method] = {}
DEFAULT_METHODS = ("symbolic", "numeric", "reverse")


def register(name: str, options: dict[str, Any], summary: str) -> Callable:
    def wrap(fn: Callable[..., Gradient]) -> Callable[..., Gradient]:
        REGISTRY[name] = Method(name, fn, dict(options), summary)
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
    return Gradient(method=method, expression=graph.source, inputs=graph.inputs, wrt=wrt,
                    point=point)


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


from . import forward, numeric, reverse, symbolic  # noqa: E402,F401  (registration)
