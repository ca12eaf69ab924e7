"""Several named outputs of one program (``--of y1,y2``, ``grad(..., of=["y1", "y2"])``): their
Jacobian, by the same machinery as a vector output's (:mod:`diffx.methods.jacobian`).

One name makes that statement the output (a scalar program as any other). Several names make
the program a vector output of shape ``(m,)``: :class:`Outputs` is what the Jacobian runner
reads of a vector program (the expansion, the output's element nodes, the shapes), so every
method -- symbolic, numeric, reverse (one sweep per output), forward (one sweep per input) --
gives ``∂(y1, y2)/∂x`` as an array with one entry per output, measured against the reference
entry by entry. :func:`jacobian_matrix` assembles the rows-are-outputs matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from ..errors import OptionError, option
from ..graph import Graph
from ..result import Gradient, Shapes
from .vector_request import VectorRun, wrt_names


@dataclass(frozen=True)
class OutputShapes(Shapes):
    """The shapes of several scalar outputs seen as one vector output: ``names`` are the
    outputs in the order asked (the Jacobian's rows in the numerator layout)."""

    names: tuple[str, ...] = ()

    def layout_text(self, name: str) -> str:
        outs = ", ".join(self.names)
        if self.layout == "denominator":
            return f"denominator layout: rows are the inputs, columns are {outs}"
        return f"numerator layout: rows are {outs}, columns are the inputs"

    def as_json(self) -> dict[str, list[int]]:
        return {**{k: list(v) for k, v in self.inputs.items()}, **{k: [] for k in self.names}}


class _Blocks(NamedTuple):
    output: int


class Outputs:
    """A scalar program's chosen outputs as the vector program the Jacobian runner expects:
    the graph is its own expansion, the outputs' nodes its output block."""

    def __init__(self, graph: Graph) -> None:
        import numpy as np

        self.scalar = graph
        self.output_names = tuple(name for name, _ in graph.chosen)
        self.output_name = f"({', '.join(self.output_names)})"
        self.output_shape = (len(graph.chosen),)
        self.inputs = graph.inputs
        self.input_shapes: dict[str, tuple[int, ...]] = {k: () for k in graph.inputs}
        self.source = graph.source
        self.blocks = _Blocks(0)
        self.expansion = (graph, [np.array([node for _, node in graph.chosen])])

    def shape_of(self, name: str) -> tuple[int, ...]:
        return ()

    def scalar_size(self) -> int:
        return len(self.scalar)

    def element_wrt(self, names: tuple[str, ...]) -> tuple[str, ...]:
        return names  # (scalar inputs are their own elements)

    def element_point(self, values: dict[str, Any]) -> dict[str, Any]:
        return values

    def regroup(self, flat: Any, names: tuple[str, ...]) -> dict[str, Any]:
        return {w: flat[w] for w in names}

    def title(self) -> str:
        return self.scalar.title()

    def run(self, wrt: tuple[str, ...], point: Any, layout: str) -> VectorRun:
        """What the methods run on: the program's own inputs and point, the shapes of a
        vector output of one entry per output."""
        shapes = OutputShapes(dict(self.input_shapes), self.output_name, self.output_shape,
                              layout, self.output_names)
        return VectorRun(self, wrt, point, (), shapes, layout)  # type: ignore[arg-type]


def chosen_names(of: Any) -> list[str]:
    """The output names ``of`` gives (``"y1,y2"`` or a list), not yet checked; a name given
    twice is an error (a Jacobian has one row per output, and y1,y1 asks for two)."""
    try:
        names = wrt_names(of)
    except OptionError:
        raise OptionError(f"{option('of')} must be a statement's name, names separated by "
                          f"commas, or a list of names, such as ['y1', 'y2']; got {of!r}",
                          param="of") from None
    stripped = [n.strip() for n in names]
    twice = [n for n in dict.fromkeys(stripped) if stripped.count(n) > 1]
    if twice:
        raise OptionError(f"{option('of')} names {', '.join(twice)} more than once; name each "
                          "output once (a Jacobian has one row per output)", param="of")
    return stripped


def select_outputs(program: Any, of: Any) -> tuple[Any, Outputs | None]:
    """The program with the outputs ``of`` names: one name, that statement as the output
    (``None`` beside it); several, the program with them all chosen and its :class:`Outputs`.
    A vector program takes only its own output's name."""
    from ..vectors import VectorProgram

    names = chosen_names(of)
    if isinstance(program, VectorProgram):
        if names == [program.output_name]:
            return program, None
        raise OptionError(f"{option('of')} chooses among a scalar program's statements; in a "
                          f"vector program the last statement is the output (here "
                          f"{program.output_name}): make the output you want the last statement, "
                          f"or combine the outputs into one vector", param="of")
    graph = select(program, names)
    return (graph, Outputs(graph)) if graph.chosen else (graph, None)


def select(graph: Graph, names: list[str]) -> Graph:
    """The program with the statements ``names`` as its outputs (``--of y1,y2``): one name
    makes that statement the output; several keep them all in ``chosen`` (the output is the
    latest of them, and what any of them uses is live). Unknown names are an
    :class:`~diffx.errors.OptionError` with a did-you-mean suggestion."""
    picked = [(name, _statement_node(graph, name)) for name in names]
    last = max(picked, key=lambda p: p[1])
    seen = graph.view(last[1], last[0])
    if len(picked) > 1:
        seen.chosen = tuple(picked)
    return seen


def _statement_node(graph: Graph, name: str) -> int:
    import difflib

    if name in graph.assigned:
        return graph.assigned[name]
    if graph._output_name is None and name == graph.output_name:
        return graph.output  # a bare expression's output (f)
    targets = list(graph.assigned) or [graph.output_name]
    if name in graph.input_nodes:
        raise OptionError(f"{option('of')} {name}: {name!r} is an input of the program, "
                          f"not a statement; the statements are: {', '.join(targets)}",
                          param="of")
    lower = {t.lower(): t for t in reversed(targets)}  # (Y1 is y1)
    close = difflib.get_close_matches(name.lower(), list(lower), n=1)
    hint = f"did you mean {lower[close[0]]!r}?" if close else ""
    raise OptionError(f"{option('of')} {name}: no statement assigns {name!r} (the statements "
                      f"are: {', '.join(targets)}){'; ' + hint if hint else ''}", param="of")


#: How a method builds the Jacobian of several outputs, per sweep over the graph.
SWEEP_PER = {"reverse": "output", "forward": "input"}


def sweep_note(result: Gradient) -> str:
    """``2 sweeps (one per output)`` for reverse mode at a point, ``3 tangent sweeps (one per
    input)`` for forward mode; empty for the methods that do not sweep."""
    per = SWEEP_PER.get(result.method)
    sweeps = result.cost.get("sweeps")
    if per is None or result.point is None or not isinstance(sweeps, int):
        return ""
    kind = "tangent sweep" if per == "input" else "sweep"
    return f"{sweeps} {kind}{'s' * (sweeps != 1)} (one per {per})"


def jacobian_matrix(result: Gradient) -> Any:
    """A several-output result's Jacobian as one matrix: rows are the outputs and columns the
    inputs (numerator layout), or the transpose (denominator); an object array of formulas
    without a point. None when the method gave no gradient."""
    import numpy as np

    shapes = result.shapes
    if result.gradient is None or not isinstance(shapes, OutputShapes):
        return None
    cols = [np.asarray(result.gradient[w], dtype=object if result.point is None else float)
            for w in result.wrt]
    matrix = np.stack(cols, axis=-1)  # (batch..., outputs, inputs)
    return np.swapaxes(matrix, -1, -2) if shapes.layout == "denominator" else matrix
