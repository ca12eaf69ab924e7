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


def render(source_or_graph: str | Graph, *, at: Any = None, wrt: str | None = None,
           route: int | None = None, tree: bool = False, direction: str = "LR",
           max_nodes: int = 300) -> Any:
    """The graph as a ``graphviz.Digraph``: a local derivative on every edge; with ``at``,
    values and adjoints on the nodes; with ``wrt``, the routes from that input highlighted and
    the route-sum in the caption (``route=K``: only the K-th route); ``tree=True`` draws the
    expression as a tree with shared nodes copied."""
    return _dot.to_digraph(picture(source_or_graph, at=at, wrt=wrt, route=route, tree=tree,
                                   direction=direction, max_nodes=max_nodes))


def save(source_or_graph: str | Graph, path: str | Path, **options: Any) -> Path:
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
