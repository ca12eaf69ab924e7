"""Pictures as Graphviz: a ``Picture`` becomes a ``graphviz.Digraph`` (built, not rendered).

Formatting only: every number and formula comes from :mod:`diffx.picture`: the node and edge
labels, the styles of routes and the caption with the route-sum. Files are rendered and
written by :mod:`diffx.present.picture_files`.
"""

from __future__ import annotations

from typing import Any

from ..picture import Picture, PictureEdge, PictureNode
from .text import count, number

RED, RED_TEXT, GREY = "#d62728", "#b0171d", "#9a9a9a"

_STYLE = {
    "input": {"shape": "ellipse", "style": "filled", "fillcolor": "#dcebfa", "color": "#3b73b9"},
    "const": {"shape": "plain", "fontcolor": "#666666", "fontsize": "10"},
    "op": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f2f2f2", "color": "#555555"},
}
_OUTPUT = {"peripheries": "2", "fillcolor": "#fdf1cf"}


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\")


def _value(x: Any) -> str:
    return number(x, 6)


def _signed(x: Any) -> str:
    text = _value(x)
    return f"({text})" if text.startswith("-") else text


def node_label(pic: Picture, n: PictureNode) -> str:
    if n.kind == "const":
        return _esc(n.text)
    name = n.name or (pic.output_name if n.output else None) or (
        n.text if n.text in pic.legend else None)  # v1 = +, as the legend names it
    if n.kind == "input":
        lines = [n.name or n.text]
    else:
        lines = [f"{name} = {n.op}" if name else (n.op or "")]
    if n.value is not None:
        lines.append(f"= {_value(n.value)}")
    if n.adjoint is not None:
        if pic.tree_nodes is not None:  # in a tree, the product along the path to the root
            lines.append(f"path product {_value(n.adjoint)}")
        else:
            lines.append(f"∂{pic.output_name}/∂{_part(name or n.text)} = {_value(n.adjoint)}")
    return "\\n".join(_esc(line) for line in lines)


def _part(text: str) -> str:
    return f"({text})" if any(c in text for c in " +-*/^") else text


def edge_label(e: PictureEdge) -> str:
    first = f"{e.partial} = {e.formula}" if e.formula is not None else e.partial
    lines = [first]
    if e.value is not None and _value(e.value) != e.formula:
        lines.append(f"= {_value(e.value)}")
    return "\\n".join(_esc(line) for line in lines)


def caption(pic: Picture) -> list[str]:
    lines = [pic.title]
    d = f"∂{pic.output_name}/∂{pic.wrt}" if pic.wrt else ""
    routes = count(pic.route_count, pic.route_count_log10)
    plural = "route" if routes == "1" else "routes"
    if pic.selected_route is not None and pic.routes:
        term = pic.routes[0]
        factors = "·".join(_signed(f) if not isinstance(f, str) else f for f in term.factors)
        total = f" = {_value(term.product)}" if term.product is not None else ""
        lines.append(f"route {pic.selected_route} of {routes}: {' → '.join(term.nodes)}: "
                     f"{factors or '1'}{total}")
        lines.append(f"{d} = {_value(pic.derivative)} (all {routes} {plural})")
    elif pic.wrt and pic.point is None and pic.route_sum:
        lines.append(f"{d} = {pic.route_sum} = {pic.derivative}   ({routes} {plural})")
    elif pic.wrt and pic.routes:
        terms = " + ".join("·".join(_signed(f) for f in t.factors) or "1" for t in pic.routes)
        lines.append(f"{d} = {terms} = {_value(pic.derivative)}   ({routes} {plural})")
    elif pic.wrt:
        lines.append(f"{d} = {_value(pic.derivative)}   ({routes} {plural}, added up by the "
                     "reverse sweep without listing them)")
    if pic.tree_nodes is not None:
        lines.append(f"as a tree: {pic.tree_nodes:,} nodes; as a DAG: {pic.dag_nodes:,}. "
                     "Each copy of an input is one route; its path product is that route's "
                     "term of the route-sum")
    for name, text in pic.legend.items():
        lines.append(f"{name} = {text}")
    return lines


def to_digraph(pic: Picture) -> Any:
    """The picture as a ``graphviz.Digraph`` (built, not rendered)."""
    import graphviz

    dot = graphviz.Digraph(
        "diffx",
        graph_attr={"rankdir": pic.direction, "fontname": "Helvetica", "fontsize": "12",
                    "labelloc": "b", "labeljust": "l", "nodesep": "0.35", "ranksep": "0.5",
                    "label": "\\l".join(_esc(line) for line in caption(pic)) + "\\l"},
        node_attr={"fontname": "Helvetica", "fontsize": "12"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10", "color": "#555555",
                   "arrowsize": "0.7"},
    )
    routes_drawn = pic.wrt is not None
    for n in pic.nodes:
        attrs = dict(_STYLE[n.kind])
        if n.output:
            attrs.update(_OUTPUT)
        if routes_drawn and n.highlighted and n.kind != "const":
            attrs.update(color=RED, penwidth="2")
        dot.node(n.id, label=node_label(pic, n), **attrs)
    for e in pic.edges:
        if e.constant:
            dot.edge(e.tail, e.head, color="#bbbbbb", style="dashed", arrowsize="0.5")
            continue
        attrs = {}
        if routes_drawn:
            attrs = ({"color": RED, "penwidth": "2.2", "fontcolor": RED_TEXT} if e.highlighted
                     else {"color": GREY, "fontcolor": "#777777"})
        dot.edge(e.tail, e.head, label=edge_label(e), **attrs)
    return dot
