"""Block-level pictures as Graphviz: a ``BlockPicture`` (:mod:`diffx.block_picture`) becomes a
``graphviz.Digraph``, built and not rendered.

Formatting only: a node shows its name (``z = +`` for a named op), its shape and, at a point,
a summary of its value and of its adjoint: the entries when there are at most ``FULL`` of them,
else the first ``HEAD`` and the norm ``‖·‖``. An edge shows its matrix rule
(``∂L/∂W2 = ȳ hᵀ``; ``+=`` when the tail has other uses) and the Jacobian's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..block_picture import BlockEdge, BlockNode, BlockPicture, legend
from .dot import _OUTPUT, _STYLE, GREY, RED, RED_TEXT, _esc
from .text import number

FULL, HEAD = 6, 3


def shape_text(shape: tuple[int, ...]) -> str:
    return "scalar" if not shape else str(tuple(shape))


def summary(value: Any, norm: float | None = None) -> str:
    """``[0.1 0.2; -0.3 0.4]`` (rows split by ``;``), or the first entries and the norm."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return number(float(arr), 6)
    if arr.size <= FULL:
        rows = arr.reshape(1, -1) if arr.ndim == 1 else arr
        return "[" + "; ".join(" ".join(number(v, 4) for v in row) for row in rows) + "]"
    head = " ".join(number(v, 4) for v in arr.ravel()[:HEAD])
    size = float(np.linalg.norm(arr.ravel())) if norm is None else norm
    return f"[{head} …]  ‖·‖ = {number(size, 4)}"


def node_label(pic: BlockPicture, n: BlockNode) -> str:
    if n.kind == "const":
        return _esc(n.text)
    if n.kind == "input":
        first = f"{n.name} {shape_text(n.shape)}"
    else:
        head = f"{n.name} = {n.op}" if n.name else n.op or ""
        first = f"{head}  {shape_text(n.shape)}"
    lines = [first]
    if n.value is not None:
        lines.append(f"= {summary(n.value, n.norm)}")
    if n.adjoint is not None:
        lines.append(f"{n.partial} = {summary(n.adjoint)}")
    return "\\n".join(_esc(line) for line in lines)


def edge_label(e: BlockEdge) -> str:
    lines = [f"{e.partial} {'+=' if e.shared else '='} {e.rule}"]
    if e.shown:
        lines.append(f"= {e.shown}")
    lines.append(f"Jacobian {shape_text(e.jacobian)}")
    return "\\n".join(_esc(line) for line in lines)


def caption(pic: BlockPicture) -> list[str]:
    lines = [pic.title, *legend(pic)]
    if pic.wrt is not None and pic.derivative is not None:
        lines.append(f"∂{pic.output_name}/∂{pic.wrt} = {summary(pic.derivative)}")
    return lines


def to_digraph(pic: BlockPicture) -> Any:
    """The block picture as a ``graphviz.Digraph`` (built, not rendered)."""
    import graphviz

    dot = graphviz.Digraph(
        "diffx",
        graph_attr={"rankdir": pic.direction, "fontname": "Helvetica", "fontsize": "12",
                    "labelloc": "b", "labeljust": "l", "nodesep": "0.35", "ranksep": "0.6",
                    "label": "\\l".join(_esc(line) for line in caption(pic)) + "\\l"},
        node_attr={"fontname": "Helvetica", "fontsize": "12"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10", "color": "#555555",
                   "arrowsize": "0.7"},
    )
    routes = pic.wrt is not None
    for n in pic.nodes:
        attrs = dict(_STYLE[n.kind])
        if n.output:
            attrs.update(_OUTPUT)
        if routes and n.highlighted and n.kind != "const":
            attrs.update(color=RED, penwidth="2")
        dot.node(n.id, label=node_label(pic, n), **attrs)
    for e in pic.edges:
        if e.constant:
            dot.edge(e.tail, e.head, color="#bbbbbb", style="dashed", arrowsize="0.5")
            continue
        attrs = {}
        if routes:
            attrs = ({"color": RED, "penwidth": "2.2", "fontcolor": RED_TEXT} if e.highlighted
                     else {"color": GREY, "fontcolor": "#777777"})
        dot.edge(e.tail, e.head, label=edge_label(e), **attrs)
    return dot
