"""The picture model: what a picture of the graph shows, as data, built from one reverse run.

``picture()`` asks the reverse method once (values and adjoints of every node; with ``wrt``,
its listing of the routes from that input too) and gathers, for every node, its kind, name,
op, value and adjoint, and for every edge the local derivative it carries (symbolically,
written with the program's names, and its value at the point), which edges lie on a route
from ``wrt`` to the output, and the route-sum for the caption. :mod:`diffx.present.dot` turns
a ``Picture`` into a ``graphviz.Digraph`` without computing anything, and :mod:`diffx.draw`
holds the public entry points (``render``, ``save``, ``render_svg``).

With ``tree=True`` the expression is drawn as a tree, every shared node copied, which shows
what sharing saves: each copy of an input is exactly one route, and the route products on the
copies add up to the gradient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import ops as _ops
from . import node_labels as _labels
from . import route_formulas as _formulas
from . import routes as _routes
from .api import grad, resolve_wrt
from .counts import big_count, count_routes, tree_count, tree_size
from .errors import DiffxError, OptionError, option
from .graph import Graph
from .ops import CONST, INPUT
from .notation import formula_text
from .tracing import graph_of
from .routes import DEFAULT_LIMIT
from .tree_copies import tree_copies

MAX_NODES = 300  # larger graphs are refused: use the statistics commands instead
CAPTION_ROUTES = 8  # the caption spells out the route-sum up to this many routes


@dataclass
class PictureNode:
    id: str
    kind: str  # "input", "const", "op"
    name: str | None  # the program's name for it (inputs: the input name)
    op: str | None  # the op's label ("+", "×", "sin", "σ"); None for leaves
    text: str  # constants: their text; others: how routes call the node
    output: bool = False
    dag: int = -1  # the graph node it draws
    value: Any = None
    adjoint: Any = None  # d output / d node (in a tree: the product along the path up)
    highlighted: bool = False


@dataclass
class PictureEdge:
    tail: str  # the argument
    head: str  # the node that uses it
    key: int  # the argument position
    partial: str  # "∂d/∂c"
    formula: str | None  # "a"
    value: Any = None  # 4.0
    highlighted: bool = False
    constant: bool = False  # an edge from a constant carries no derivative


@dataclass
class RouteTerm:
    nodes: list[str]  # route labels, input first
    factors: list[Any]  # local derivatives from the output down, values or formulas
    product: Any = None


@dataclass
class Picture:
    title: str
    output_name: str
    nodes: list[PictureNode]
    edges: list[PictureEdge]
    direction: str = "LR"
    wrt: str | None = None
    point: dict[str, Any] | None = None
    routes: list[RouteTerm] = field(default_factory=list)  # spelled out in the caption
    route_count: int | None = None
    route_count_log10: float | None = None
    derivative: Any = None  # the sweep's value, or the simplified formula
    route_sum: str | None = None  # the formula's route-sum (no point)
    selected_route: int | None = None
    tree_nodes: int | None = None  # with tree=True: nodes of the tree
    dag_nodes: int | None = None
    legend: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def picture(source_or_graph: str | Graph, *, at: Any = None, wrt: str | None = None,
            route: int | None = None, tree: bool = False, direction: str = "LR",
            max_nodes: int = MAX_NODES) -> Picture:
    """What ``diffx graph`` draws, as data (see the module docstring)."""
    graph = graph_of(source_or_graph, at)  # a Python function is traced at ``at``
    if direction not in ("LR", "TB", "RL", "BT"):
        raise OptionError(f"{option('direction')} must be LR, TB, RL or BT, got {direction!r}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise OptionError(f"{option('max_nodes')} must be a positive whole number, got "
                          f"{max_nodes!r}", param="max_nodes")
    if wrt is not None:
        names = resolve_wrt(graph, wrt)
        if len(names) != 1:
            raise OptionError(f"{option('wrt')} takes one input for a picture (its routes are "
                              "drawn)", param="wrt")
        wrt = names[0]
    if route is not None:
        if wrt is None:
            raise OptionError(f"{option('route')} needs {option('wrt')}: the routes go from that "
                              "input to the output", param="route")
        if isinstance(route, bool) or not isinstance(route, int) or route < 1:
            raise OptionError(f"{option('route')} must be a route number from 1, got {route!r}")
        _check_route(graph, wrt, route)
    live = graph.reachable_from_output()
    shown = sum(live[: graph.output + 1])
    if tree:  # refused from the counts, before any value or formula is made
        exact, log10 = tree_count(graph)
        if exact is None or exact > max_nodes:
            raise DiffxError(
                f"as a tree this expression has {big_count(exact, log10)} nodes (as a DAG, "
                f"{shown:,}): too many to draw ({option('max_nodes')} {max_nodes:,}). That gap "
                "is what sharing saves")
    elif shown > max_nodes:
        raise DiffxError(
            f"the graph has {shown:,} nodes; pictures stop at {max_nodes:,} "
            f"({option('max_nodes')}). "
            "For large graphs the numbers tell more: diffx grad --routes counts the routes, and "
            "diffx grad --method reverse shows the sweep's cost")
    result = _reverse(graph, at, wrt, route) if at is not None or wrt is not None else None
    pic = Picture(title=graph.title(), output_name=graph.output_name, nodes=[], edges=[],
                  direction=direction, wrt=wrt, point=result.point if result else None)
    if result is not None:
        pic.warnings = list(result.warnings)
    labels = _labels.labels(graph)
    from .sym import TooLarge

    try:
        formulas: _formulas.Formulas | None = _formulas.Formulas(graph, labels)
    except (TooLarge, RecursionError):
        formulas = None
    if tree:
        _tree(graph, pic, result, labels, formulas, max_nodes)
    else:
        _dag(graph, pic, result, labels, formulas, live)
    if wrt is not None and result is not None:
        _caption(graph, pic, result, wrt, route, labels)
    pic.legend = dict(labels.legend)
    return pic


def _reverse(graph: Graph, at: Any, wrt: str | None, route: int | None) -> Any:
    """The one reverse run a picture needs: the values and adjoints of every node (all inputs
    swept) and, with ``wrt``, the route listing for the caption, up to the route asked for and
    at least ``CAPTION_ROUTES`` (without a point the listing's limit is also the route-sum
    formula's, which keeps the method's default)."""
    if wrt is None:
        return grad(graph, at=at, method="reverse")
    least = CAPTION_ROUTES if at is not None else DEFAULT_LIMIT
    return grad(graph, at=at, method="reverse", routes=True, route_limit=max(route or 0, least))


def _check_route(graph: Graph, wrt: str, route: int) -> None:
    """``route=K`` names one of the routes, which are listed in order up to the listing's
    largest limit: refused from the count, before anything is listed."""
    from .methods import MAX_ROUTE_LIMIT

    exact, _ = count_routes(graph)[wrt]
    if exact is not None and route > exact:
        plural = "route" if exact == 1 else "routes"
        raise OptionError(f"{option('route')} {route}: there {'is' if exact == 1 else 'are'} "
                          f"only {exact:,} {plural} from {wrt} to {graph.output_name}")
    if route > MAX_ROUTE_LIMIT:
        raise OptionError(f"{option('route')} {route}: routes are listed in order up to the "
                          f"{MAX_ROUTE_LIMIT:,}th; choose one of those")


def _node(graph: Graph, node: int, ident: str, labels: _labels.Labels) -> PictureNode:
    code = graph.op[node]
    if code == INPUT:
        kind, op_label = "input", None
    elif code == CONST:
        kind, op_label = "const", None
    else:
        kind, op_label = "op", _ops.BY_CODE[code].label
    name = graph.name(node)
    text = graph.const_text(node) if code == CONST else labels(node)
    return PictureNode(ident, kind, name, op_label, text, output=node == graph.output, dag=node)


def _edge_formula(formulas: _formulas.Formulas | None, edge: _routes.Edge) -> str | None:
    if formulas is None:
        return None
    try:
        with formulas.as_written():
            return formula_text(formulas.edge(edge))
    except RecursionError:  # sympy prints recursively; a label-deep formula never gets here
        return None


def _dag(graph: Graph, pic: Picture, result: Any, labels: _labels.Labels,
         formulas: _formulas.Formulas | None, live: bytearray) -> None:
    vals = result.details.values if result is not None else None
    adj = result.details.adjoints if result is not None else None
    on_route = None
    if pic.wrt is not None:
        reach = graph.depends_on([graph.input_nodes[pic.wrt]])
        on_route = (reach, live)
    for node in range(graph.output + 1):
        if not live[node]:
            continue
        pn = _node(graph, node, f"n{node}", labels)
        if vals is not None:
            pn.value = vals[node]
            if adj is not None:
                pn.adjoint = adj[node]
        if on_route is not None:
            pn.highlighted = bool(on_route[0][node])
        pic.nodes.append(pn)
        for pos, arg in enumerate(graph.args(node)):
            edge = _routes.Edge(arg, node, pos)
            if graph.is_const(arg):  # nothing is differentiated with respect to a constant
                pic.edges.append(PictureEdge(f"n{arg}", f"n{node}", pos, "", None,
                                             constant=True))
                continue
            pe = PictureEdge(f"n{arg}", f"n{node}", pos, _labels.partial_symbol(labels, edge),
                             _edge_formula(formulas, edge))
            if vals is not None:
                pe.value = _routes.local_value(graph, vals, edge)
            if on_route is not None:
                pe.highlighted = bool(on_route[0][arg])
            pic.edges.append(pe)


def _tree(graph: Graph, pic: Picture, result: Any, labels: _labels.Labels,
          formulas: _formulas.Formulas | None, max_nodes: int) -> None:
    total = tree_size(graph)  # at most max_nodes: picture() refused larger trees
    pic.tree_nodes = total
    pic.dag_nodes = sum(graph.reachable_from_output()[: graph.output + 1])
    vals = result.details.values if result is not None else None
    target = graph.input_nodes.get(pic.wrt) if pic.wrt else None
    reach = graph.depends_on([target]) if target is not None else None
    for ident, node, parent, pos, path in tree_copies(graph, vals, total):
        pn = _node(graph, node, ident, labels)
        pn.output = parent is None
        if vals is not None:
            pn.value = vals[node]
            pn.adjoint = path
        if reach is not None:
            pn.highlighted = bool(reach[node])
        pic.nodes.append(pn)
        if parent is None:
            continue
        edge = _routes.Edge(node, int(_parent_node(pic, parent)), pos)
        if graph.is_const(node):
            pic.edges.append(PictureEdge(ident, parent, pos, "", None, constant=True))
            continue
        pe = PictureEdge(ident, parent, pos, _labels.partial_symbol(labels, edge),
                         _edge_formula(formulas, edge))
        if vals is not None:
            pe.value = _routes.local_value(graph, vals, edge)
        if reach is not None:
            pe.highlighted = bool(reach[node])
        pic.edges.append(pe)


def _parent_node(pic: Picture, parent: str) -> int:
    return next(n.dag for n in pic.nodes if n.id == parent)


def _caption(graph: Graph, pic: Picture, result: Any, wrt: str, route: int | None,
             labels: _labels.Labels) -> None:
    """The route-sum for the caption, from the reverse method's own route listing."""
    pic.route_count = result.details.routes[wrt]
    pic.route_count_log10 = result.details.routes_log10[wrt]
    pic.derivative = result.gradient[wrt] if result.gradient else None
    if result.point is None:
        pic.route_sum = (result.details.route_sum or {}).get(wrt)
    info = result.details.route_listing[wrt]
    rows = info["routes"]
    if route is not None:
        if route > len(rows):
            raise OptionError(f"{option('route')} {route}: there are only {len(rows)} routes from "
                              f"{wrt} to {graph.output_name}")
        rows = [rows[route - 1]]
        pic.selected_route = route
        keep = {tuple(e) for e in rows[0]["edges"]}
        on = {e[0] for e in keep} | {e[1] for e in keep}
        if not pic.tree_nodes:
            for pe in pic.edges:
                pe.highlighted = (int(pe.tail[1:]), int(pe.head[1:]), pe.key) in keep
            for pn in pic.nodes:
                pn.highlighted = int(pn.id[1:]) in on
    elif not info["complete"] or len(rows) > CAPTION_ROUTES:
        return
    for row in rows:
        edges = row["edges"]
        nodes = [edges[-1][0]] + [e[1] for e in reversed(edges)] if edges else []
        factors = row["factors"] if row["factors"] is not None else (row["formulas"] or [])
        pic.routes.append(RouteTerm([labels(n) for n in nodes], factors, row["product"]))
