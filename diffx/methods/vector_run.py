"""The runner's lazy view of a vector program: what the methods see of it (``VectorRun``: the
expansion's element inputs and point, made on first use) and the request's graph
(``Expansion``: the scalar expansion, built when a method first looks at it). The matrix
method works on whole arrays (``run_blocks``) and never builds either, so a program whose
expansion is over the size limit still runs there; the methods that need the expansion get a
MethodError saying so. ``element_point`` and ``element_wrt`` translate block values and names
to the expansion's elements.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from ..blocksweep import NOT_FINITE
from ..errors import DiffxError, option
from ..graph import Graph
from ..result import Gradient, Shapes
from ..vectors import VectorProgram
from .base import MethodError


class VectorRun:
    """What the methods see of a vector program: its expansion's element inputs (``wrt``) and
    point, both made on first use from the block-level ``names`` and ``values`` (the matrix
    method never asks for them, so a program too large to expand still runs there)."""

    def __init__(self, program: VectorProgram, names: tuple[str, ...],
                 values: dict[str, Any] | None, batch: tuple[int, ...], shapes: Shapes,
                 layout: str = "numerator") -> None:
        self.program, self.names, self.values, self.batch = program, names, values, batch
        self.shapes = shapes
        self.layout = layout  # a vector output's Jacobian layout (methods/jacobian.py)

    @cached_property
    def wrt(self) -> tuple[str, ...]:
        """Element inputs of the expansion."""
        _expandable(self.program)
        return element_wrt(self.program, self.names)

    @cached_property
    def point(self) -> dict[str, Any] | None:
        """Element values (numbers, or batch arrays)."""
        if self.values is None:
            return None
        _expandable(self.program)  # (millions of element values only to be refused after)
        return element_point(self.program, self.values, self.batch)


def _expandable(program: VectorProgram) -> None:
    """A MethodError when the program's expansion is over the size limit, saying so."""
    from ..vectors import MAX_EXPANDED_NODES

    if program.scalar_size() > MAX_EXPANDED_NODES:
        Expansion(program)._build()


class Expansion(Graph):
    """A vector program's scalar expansion, built when a method first looks at it: the
    request's graph. Until then only ``source`` and ``blocks`` are known; a program whose
    expansion is over the size limit gives a MethodError saying so to the method that needs it
    (the matrix method works on whole arrays and never does)."""

    def __init__(self, program: VectorProgram) -> None:  # (Graph's fields come with _build)
        self.source = program.source
        self.blocks = program

    def _build(self) -> None:
        try:
            graph = self.blocks.scalar
        except MethodError:
            raise
        except DiffxError as exc:
            raise MethodError(f"{exc}; this method runs on the scalar expansion, the matrix "
                              f"method works on whole arrays without it (use "
                              f"{option('method')} matrix)",
                              usage=False) from None
        self.__dict__.update(graph.__dict__)

    def __getattr__(self, name: str) -> Any:  # only for what the instance does not hold yet
        if name.startswith("__") or name in _NOT_GRAPH or "op" in self.__dict__:
            raise AttributeError(name)
        self._build()
        return self.__dict__[name]

    @property
    def inputs(self) -> tuple[str, ...]:  # type: ignore[override]
        """The element inputs; when the expansion is too large to build, the block inputs
        (what a failed result names)."""
        if "op" not in self.__dict__:
            try:
                self._build()
            except MethodError:
                return self.blocks.inputs
        return self.__dict__["inputs"]


_NOT_GRAPH = frozenset({"node_shapes", "warnings"})  # asked by duck typing, never a Graph's


def run_blocks(spec: Any, run: VectorRun, arrays: bool, options: dict[str, Any]) -> Gradient:
    """A method that works on whole arrays (the matrix method), on the block program itself:
    gradients keyed by the block names asked for, no expansion built."""
    result = spec(run.program, run.names, run.values, arrays, **options)
    if not arrays and run.values is not None and NOT_FINITE in result.warnings:
        _elementwise(run, result)
    result.inputs, result.wrt, result.point = run.program.inputs, run.names, run.values
    result.shapes = run.shapes
    return result


def _elementwise(run: VectorRun, result: Gradient) -> None:
    """Where the block sweep met inf or nan at one point (``norm(x)`` at 0 or at 1e300), the
    numbers of the expansion's scalar sweep, which follows the conventions every method shares
    and re-runs an overflow exactly (as the matrix method does on an expansion); a program
    too big to expand keeps the block sweep's, with its warning."""
    from .matrix import adopt_scalar, scalar_sweep

    try:
        wrt, point = run.wrt, run.point  # (refused first when the expansion is too big)
        graph = run.program.scalar
    except DiffxError:
        return
    scalar = scalar_sweep(graph, wrt, point or {})
    if scalar is None or scalar.gradient is None:
        return
    adopt_scalar(result, scalar, run.program.regroup(scalar.gradient, run.names))


def element_point(program: VectorProgram, values: dict[str, Any], batch: tuple[int, ...]
                  ) -> dict[str, Any]:
    """Element values for the expansion; in a batch every element is an array of its shape."""
    import numpy as np

    point = program.element_point(values)
    if not batch:
        return point
    return {k: np.full(batch, v) if isinstance(v, float) else np.asarray(v, dtype=float)
            for k, v in point.items()}


def element_wrt(program: VectorProgram, wrt: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(program.element_wrt(wrt)))
