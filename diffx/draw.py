"""The picture entry points: ``render`` (``diffx.render``), ``save``, ``render_svg`` and the
notebook's ``svg_or_none``.

The local derivative on every edge, values and adjoints on the nodes, routes highlighted:

    >>> dot = render("c = a + b; d = a * c", at={"a": 4, "b": 3}, wrt="a")
    >>> "∂d/∂c = a" in dot.source and "∂d/∂a = 7 + 4·1 = 11" in dot.source
    True

``render`` builds a ``graphviz.Digraph`` and does not render it: call ``.source`` for the DOT
text, or ``diffx.draw.save(...)`` / ``diffx graph -o FILE`` to write SVG, PNG, PDF or DOT.
The layers below: :mod:`diffx.picture` builds the picture's data from the graph and one
reverse run, :mod:`diffx.present.dot` turns it into Graphviz, and
:mod:`diffx.present.picture_files` renders and writes the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .graph import Graph
from .picture import picture
from .present import dot as _dot
from .present import picture_files as _files
from .vectors import VectorProgram


def render(source_or_graph: Any, *, at: Any = None, wrt: str | None = None,
           route: int | None = None, tree: bool = False, direction: str = "LR",
           max_nodes: int = 300, expand: bool = False, shapes: Any = None) -> Any:
    """The graph as a ``graphviz.Digraph``: a local derivative on every edge; with ``at``,
    values and adjoints on the nodes; with ``wrt``, the routes from that input highlighted and
    the route-sum in the caption (``route=K``: only the K-th route); ``tree=True`` draws the
    expression as a tree with shared nodes copied.

    A vector program is drawn at the block level (one node per vector or matrix, edges with
    their matrix rules, :mod:`diffx.block_picture`); ``expand=True``, ``tree``, ``route`` or
    an element ``wrt`` (``W1[0,1]``) draw its scalar expansion instead."""
    if isinstance(source_or_graph, str | VectorProgram):
        from .methods.vector_request import parse_program

        program, declared = parse_program(source_or_graph, at, shapes)
        if isinstance(program, VectorProgram):
            return _vector(program, declared, at, wrt, route, tree, direction, max_nodes,
                           expand)
        source_or_graph = program
    return _dot.to_digraph(picture(source_or_graph, at=at, wrt=wrt, route=route, tree=tree,
                                   direction=direction, max_nodes=max_nodes))


def _vector(program: VectorProgram, declared: dict[str, Any], at: Any, wrt: str | None,
            route: int | None, tree: bool, direction: str, max_nodes: int,
            expand: bool) -> Any:
    """A vector program's picture: the block level, or the scalar expansion."""
    from .block_picture import block_picture
    from .errors import PointError, option
    from .methods.vector_request import block_point, element_point
    from .present import block_dot

    values = None
    if at is not None:
        values, batch, dims = block_point(program, at, declared)
        if batch:
            raise PointError(f"a picture is drawn at one point; {option('at')} gives a batch "
                             f"of {batch} points", param="at")
        program = program.with_shapes(dims)
    if expand or tree or route is not None or (wrt is not None and wrt not in program.inputs):
        point = element_point(program, values, ()) if values is not None else None
        return _dot.to_digraph(picture(program.scalar, at=point, wrt=wrt, route=route,
                                       tree=tree, direction=direction, max_nodes=max_nodes))
    return block_dot.to_digraph(block_picture(program, values, wrt=wrt, direction=direction,
                                              max_nodes=max_nodes))


def save(source_or_graph: Any, path: str | Path, **options: Any) -> Path:
    """Render and write a picture; the format follows the extension (.svg .png .pdf .dot).
    The path is checked before anything is drawn."""
    _files.picture_format(path)
    return _files.write(render(source_or_graph, **options).source, path)


def render_svg(source_or_graph: str | Graph, **options: Any) -> str:
    """The picture as SVG text (with or without the system's Graphviz)."""
    return _files.render_bytes(render(source_or_graph, **options).source, "svg").decode("utf-8")


def svg_or_none(source_or_graph: str | Graph, **options: Any) -> str | None:
    """SVG for notebooks: None (the plain repr) when the picture cannot be drawn."""
    from .errors import DiffxError

    try:
        return render_svg(source_or_graph, **options)
    except DiffxError:
        return None
