"""What the interactive page holds: the graph's arrays as JSON data and its Graphviz SVG.

``page_parts(graph, point, ...)`` gives the data the page's script computes with (op codes,
arguments, constants, inputs and their values, the statement groups, each edge's local
derivative symbol and formula, and each node's label) and the SVG it draws on, laid out by
Graphviz with the labels, styles and edge formulas of ``diffx graph``'s pictures
(:mod:`diffx.node_labels`, :mod:`diffx.present.dot`, :mod:`diffx.route_formulas`). Every node,
edge and statement group of the SVG carries an id (``dx_n<node>``, ``dx_e<edge>``,
``dx_g<group>``) by which the script finds it, and every label has a fixed set of lines (a
node: its header, ``= value`` and its adjoint; an edge: its local derivative and ``= value``)
that the script rewrites when the point moves. Numbers here are the starting picture's; the
page recomputes them all with the op table's JavaScript form.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .. import node_labels as _labels
from .. import ops as _ops
from .. import routes as _routes
from ..graph import Graph
from ..ops import CONST, INPUT
from .text import number

# nodes: a larger graph (and larger than max_nodes) is not drawn -- Graphviz takes seconds
# per few hundred nodes -- but its page holds and recomputes its numbers all the same
DRAW_LIMIT = 600


def _num(x: Any) -> float | None:
    """A float for strict JSON: None for nan and the infinities (the script reads them back)."""
    x = float(x)
    return x if math.isfinite(x) else None


_NAME = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)(\[[0-9, ]+\])?")


def adjoint_name(label: str) -> str:
    """A node's adjoint as the notes and ``--backward`` write it: a bar over a name (``ā``,
    ``v̄1``, ``z̄[0]``), ``adj(w*x)`` for a label that is an expression."""
    from ..backward_terms import bar

    m = _NAME.fullmatch(label)
    if m is None:
        return f"adj({label})"
    return bar(m.group(1)) + (m.group(2) or "")


def _precedence(graph: Graph, labels: Any, node: int) -> int:
    """The precedence of a node's label as an operand (as ``Graph.text`` spells it): a name or
    a function call binds tightest, a negative constant as a unary minus, an inline
    expression as its operator."""
    if graph.op[node] == INPUT or labels.is_short_name(node):
        return 9
    if graph.op[node] == CONST:
        return 3 if labels(node).startswith("-") else 9
    op = _ops.BY_CODE[graph.op[node]]
    return op.precedence if op.symbol else 9


def groups_of(graph: Graph, live: bytearray) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """The statement groups: the op nodes each statement made, in program order (a node
    shared with an earlier statement stays in that one's group). The elements of one block of
    a vector program's expansion (``z[0]``, ``z[1]``, ...) form one group. Groups of one node
    are not listed: there is nothing to collapse."""
    ends = sorted(set(graph.assigned.values()) | {graph.output})
    found: list[dict[str, Any]] = []
    prev = -1
    for end in ends:
        if end <= prev:
            continue
        nodes = [n for n in range(prev + 1, end + 1)
                 if live[n] and graph.op[n] not in (INPUT, CONST)]
        prev = end
        name = graph.name(end) or (graph.output_name if end == graph.output else None)
        block = name.split("[")[0] if name and name.endswith("]") else None
        if block is not None and found and found[-1]["block"] == block:
            found[-1]["members"] += nodes
            found[-1]["end"] = end
            found[-1]["ends"].append(end)
            found[-1]["elements"] += 1
            found[-1]["label"] = f"{block}: {found[-1]['elements']} elements"
            continue
        text = graph.text(end, limit=60)
        found.append({"end": end, "ends": [end], "members": nodes, "block": block,
                      "elements": 1,
                      "label": f"{name} = {text}" if name and text != name else text})
    groups: list[dict[str, Any]] = []
    member: dict[int, int] = {}
    for g in found:
        if len(g["members"]) < 2:
            continue
        for n in g["members"]:
            member[n] = len(groups)
        groups.append({"end": g["end"], "ends": g["ends"], "members": g["members"],
                       "label": g["label"]})
    return groups, member


def page_parts(graph: Graph, point: dict[str, float], values: Any, adjoints: Any, *,
               formulas: dict[tuple[int, int, int], str | None] | None, draw: bool,
               collapsed: bool, direction: str, title: str) -> tuple[dict[str, Any], str | None]:
    """The page's data (JSON-ready) and its SVG (None when the graph is too large to draw)."""
    live = graph.reachable_from_output()
    labels = _labels.labels(graph)
    out_name = graph.output_name
    groups, member = groups_of(graph, live)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for node in range(graph.output + 1):
        if not live[node]:
            continue
        code = graph.op[node]
        label = graph.const_text(node) if code == CONST else labels(node)
        name = graph.name(node) or (out_name if node == graph.output else None)
        entry: dict[str, Any] = {"id": node, "op": int(code), "args": list(graph.args(node)),
                                 "label": label, "group": member.get(node, -1)}
        if code == INPUT:
            entry.update(kind="input", header=label)
        elif code == CONST:
            entry.update(kind="const", header=label, const=_num(graph.const_value(node)))
        else:
            op = _ops.BY_CODE[code]
            shown = name or (label if label in labels.legend else None)
            spelled = _ops.spell(op, [(labels(a), _precedence(graph, labels, a))
                                      for a in graph.args(node)])[0]
            entry.update(kind="op", header=f"{shown} = {op.label}" if shown else op.label,
                         expr=f"{label} = {spelled}" if label != spelled else spelled,
                         opName=op.name)
        nodes.append(entry)
        for pos, arg in enumerate(graph.args(node)):
            edge = _routes.Edge(arg, node, pos)
            constant = graph.is_const(arg)
            edges.append({"tail": arg, "head": node, "pos": pos, "constant": constant,
                          "symbol": "" if constant else _labels.partial_symbol(labels, edge),
                          "formula": None if constant or formulas is None
                          else formulas.get((arg, node, pos))})
    data = {
        "title": title, "output": graph.output, "outputName": out_name,
        "inputs": [{"name": name, "node": graph.input_nodes[name], "value": _num(point[name])}
                   for name in graph.inputs if live[graph.input_nodes[name]]],
        "nodes": nodes, "edges": edges, "groups": groups, "legend": dict(labels.legend),
        "adjointNames": {str(n["id"]): adjoint_name(n["label"]) for n in nodes},
        "drawn": draw, "collapsed": collapsed,
    }
    local = [None if e["constant"] else _routes.local_value(
        graph, values, _routes.Edge(e["tail"], e["head"], e["pos"])) for e in edges]
    svg = _svg(data, values, adjoints, local, direction) if draw else None
    return data, svg


def _svg(data: dict[str, Any], values: Any, adjoints: Any, local: list[Any],
         direction: str) -> str:
    """The Graphviz SVG with ids on every node, edge and group, lines fixed per label."""
    import graphviz

    from .dot import _OUTPUT, _STYLE
    from .picture_files import render_bytes

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\")

    dot = graphviz.Digraph(
        "diffx", graph_attr={"rankdir": direction, "fontname": "Helvetica", "fontsize": "12",
                             "nodesep": "0.35", "ranksep": "0.5"},
        node_attr={"fontname": "Helvetica", "fontsize": "12"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10", "color": "#555555",
                   "arrowsize": "0.7"})
    clusters = [graphviz.Digraph(name=f"cluster_{k}", graph_attr={
        "id": f"dx_g{k}", "label": esc(g["label"]), "style": "dashed",
        "color": "#8c8c8c", "fontsize": "11", "fontcolor": "#555555"})
        for k, g in enumerate(data["groups"])]
    for n in data["nodes"]:
        i = n["id"]
        attrs = dict(_STYLE[n["kind"]])
        if n["kind"] == "op":
            attrs["style"] = "filled"  # square corners: a box is 5 points, not a long path
        if i == data["output"]:
            attrs.update(_OUTPUT)
        if n["kind"] == "const":
            lines = [n["header"]]
        else:
            lines = [n["header"], f"= {number(values[i], 6)}",
                     f"{data['adjointNames'][str(i)]} = {number(adjoints[i], 6)}"]
        target = clusters[n["group"]] if n["group"] >= 0 else dot
        target.node(f"n{i}", label="\\n".join(esc(t) for t in lines), id=f"dx_n{i}",
                    **attrs)
    for c in clusters:
        dot.subgraph(c)
    for k, e in enumerate(data["edges"]):
        if e["constant"]:
            dot.edge(f"n{e['tail']}", f"n{e['head']}", id=f"dx_e{k}", color="#bbbbbb",
                     style="dashed", arrowsize="0.5")
            continue
        first = f"{e['symbol']} = {e['formula']}" if e["formula"] else e["symbol"]
        dot.edge(f"n{e['tail']}", f"n{e['head']}", id=f"dx_e{k}",
                 label=esc(first) + "\\n" + esc(f"= {number(local[k], 6)}"))
    svg = render_bytes(dot.source, "svg").decode("utf-8")
    svg = svg[svg.find("<svg"):]  # no XML prolog or doctype inside HTML
    return slim(svg)


def slim(svg: str) -> str:
    """Graphviz's SVG made smaller for the page (the page's style sheet sets the font):
    no comments, tooltips or font families, coordinates to a tenth of a point."""
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = re.sub(r"<title>[^<]*</title>\n?", "", svg)
    svg = svg.replace(' font-family="Helvetica,sans-Serif"', "")
    return re.sub(r"(\d\.\d)\d+", r"\1", svg)
