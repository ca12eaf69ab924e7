"""The interactive page: one self-contained HTML file that steps through the sweeps.

``diffx.explore(source, at=...)`` (and ``diffx graph ... -o FILE.html``, or ``.htm``) writes
one HTML file with everything inline -- the Graphviz SVG and the graph's arrays as JSON
(:mod:`diffx.present.explore_data`), the op table's JavaScript form
(:func:`diffx.ops.js_source`), and a small dependency-free script and style sheet (``diffx/static/explore.js``,
``explore.css``) -- so it opens from disk with no network. In the page the user steps through
the forward sweep node by node and the reverse sweep edge by edge (the running sums of the
adjoints shown), clicks an input to see every route to the output with its product and their
sum, clicks a node to see its local partials and adjoint with numbers, moves an input with a
number box or a slider (every value, partial and adjoint recomputed in the page), and
collapses or expands a statement's group of nodes; a graph above ``max_nodes`` opens
collapsed, one above :data:`diffx.present.explore_data.DRAW_LIMIT` nodes (and above
``max_nodes``) is not drawn (its numbers are).

    >>> page = explore("c = a + b; d = a * c", at={"a": 4, "b": 3})
    >>> page.html.startswith("<!DOCTYPE html>") and "dx_n3" in page.html
    True

In Jupyter an ``Explore`` displays itself inline (in a sandboxed frame).
"""

from __future__ import annotations

import html as _html
import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import DiffxError, OptionError, PointError, option

PAGE_SUFFIXES = (".html", ".htm")


def _static(name: str) -> str:
    return resources.files("diffx").joinpath("static").joinpath(name).read_text(encoding="utf-8")


def _json_for_script(data: Any) -> str:
    """Strict JSON safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` escaped, so no
    name or label can close the element or open another (the script reads it with
    ``JSON.parse`` and writes every string with ``textContent``)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                     ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, esc)
    return text


class Explore:
    """An interactive page: ``.html`` is its text, ``.save(path)`` writes it; in Jupyter it
    displays itself."""

    def __init__(self, html: str, nodes: int, drawn: bool, collapsed: bool) -> None:
        self.html = html
        self.nodes = nodes
        self.drawn = drawn
        self.collapsed = collapsed

    def save(self, path: str | Path) -> Path:
        path = check_page_path(path)
        try:
            path.write_text(self.html, encoding="utf-8")
        except OSError as exc:
            raise DiffxError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path

    def _repr_html_(self) -> str:
        return ('<iframe sandbox="allow-scripts" style="width: 100%; height: 640px; '
                f'border: 1px solid #ddd" srcdoc="{_html.escape(self.html, quote=True)}">'
                "</iframe>")

    def __repr__(self) -> str:
        return f"<diffx interactive page: {self.nodes} nodes, {len(self.html):,} bytes>"


def check_page_path(path: str | Path) -> Path:
    """A page's file: a name ending in .html or .htm whose folder exists (checked before
    drawing)."""
    if not isinstance(path, str | Path) or not str(path).strip():
        raise OptionError(f"{option('path')} needs a file name ending in .html or .htm, got "
                          f"{path!r}")
    p = Path(path)
    if p.suffix.lower() not in PAGE_SUFFIXES:
        raise OptionError(f"an interactive page is written to a file ending in .html or .htm; "
                          f"got {p}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise DiffxError(f"cannot write {p}: the folder {parent} does not exist")
    return p


def explore(source_or_graph: Any, *, at: Any = None, max_nodes: int = 300,
            direction: str = "LR", wrt: str | None = None, title: str | None = None,
            path: str | Path | None = None, shapes: Any = None) -> Explore:
    """The interactive page of a program (text, a Graph, a vector program's scalar expansion,
    or a Python function traced at ``at``) at the point ``at``; ``wrt`` opens with that
    input's routes shown; ``path`` also writes the page there; ``shapes`` declares a vector
    program's shapes (as for ``grad``)."""
    from ..api import grad, resolve_wrt
    from .explore_data import DRAW_LIMIT, page_parts
    from ..tracing import graph_of

    if path is not None:
        check_page_path(path)
    if direction not in ("LR", "TB", "RL", "BT"):
        raise OptionError(f"{option('direction')} must be LR, TB, RL or BT, got {direction!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise OptionError(f"{option('max_nodes')} must be a positive whole number, got "
                          f"{max_nodes!r}", param="max_nodes")
    if at is None:
        raise PointError(f"an interactive page starts from a point: give {option('at')} "
                         "(every value can then be moved in the page)", param="at")
    source_or_graph, at = _scalar(source_or_graph, at, shapes)
    graph = graph_of(source_or_graph, at)
    result = grad(graph, at=at, method="reverse")
    point = result.point or {}
    if any(not isinstance(v, float) for v in point.values()):
        raise PointError(f"an interactive page starts from one point; {option('at')} gives "
                         "several", param="at")
    if wrt is not None:
        names = resolve_wrt(graph, wrt)
        if len(names) != 1:
            raise OptionError(f"{option('wrt')} takes one input for the page (its routes are "
                              "shown)", param="wrt")
        wrt = names[0]
    live = graph.reachable_from_output()
    count = sum(live[: graph.output + 1])
    draw = count <= max(DRAW_LIMIT, max_nodes)
    formulas = _formulas(graph) if count <= max_nodes else None
    details: Any = result.details  # the reverse method's record: values and adjoints
    data, svg = page_parts(graph, point, details.values, details.adjoints,
                           formulas=formulas, draw=draw, collapsed=count > max_nodes,
                           direction=direction, title=graph.title() if title is None else
                           str(title))
    data["wrt"] = graph.input_nodes[wrt] if wrt is not None else None
    data["warnings"] = [str(w) for w in result.warnings]
    page = Explore(_page(data, svg), count, draw, count > max_nodes)
    if path is not None:
        page.save(path)
    return page


def _scalar(source: Any, at: Any, shapes: Any) -> tuple[Any, Any]:
    """A vector program becomes its scalar expansion at the point's shapes, and the point one
    value per element (the page steps through the elements' nodes)."""
    from ..vectors import VectorProgram

    if not isinstance(source, str | VectorProgram):
        return source, at
    from ..methods.vector_request import block_point, element_point, parse_program

    program, declared = parse_program(source, at, shapes)
    if not isinstance(program, VectorProgram):
        return program, at
    values, batch, dims = block_point(program, at, declared)
    if batch:
        raise PointError(f"an interactive page starts from one point; {option('at')} gives a "
                         f"batch of {batch} points", param="at")
    program = program.with_shapes(dims)
    return program.scalar, element_point(program, values, ())


def _formulas(graph: Any) -> dict[tuple[int, int, int], str | None] | None:
    """Each edge's local derivative as a formula in the program's names (as the picture
    writes it), or None when the formulas are too large to build."""
    from .. import node_labels as _labels
    from .. import route_formulas as _rf
    from ..notation import formula_text
    from ..sym import TooLarge

    try:
        formulas = _rf.Formulas(graph, _labels.labels(graph))
    except (TooLarge, RecursionError):
        return None
    out: dict[tuple[int, int, int], str | None] = {}
    live = graph.reachable_from_output()
    from ..routes import Edge

    with formulas.as_written():
        for node in range(graph.output + 1):
            if not live[node]:
                continue
            for pos, arg in enumerate(graph.args(node)):
                if graph.is_const(arg):
                    continue
                try:
                    out[(arg, node, pos)] = formula_text(formulas.edge(Edge(arg, node, pos)))
                except (TooLarge, RecursionError):
                    out[(arg, node, pos)] = None
    return out


def _page(data: dict[str, Any], svg: str | None) -> str:
    """The page's HTML: fixed markup, the SVG, the data and the scripts, all inline."""
    from ..ops import js_source

    scripts = js_source() + "\n" + _static("explore.js")
    if "</script" in scripts.lower():  # diffx's own text: never, but the page depends on it
        raise AssertionError("a page script must not contain </script")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>diffx: step through the sweeps</title>\n"
        f"<style>\n{_static('explore.css')}</style>\n</head>\n<body>\n"
        '<header>\n<h1 id="dx-title"></h1>\n<div id="dx-controls">'
        '<button type="button" id="dx-start" title="before the forward sweep">« start</button>'
        '<button type="button" id="dx-back" title="one step back (←)">◀ back</button>'
        '<button type="button" id="dx-step" title="one step (→)">step ▶</button>'
        '<button type="button" id="dx-end" title="both sweeps done">end »</button>'
        '<button type="button" id="dx-zoom" title="the drawing at its own size (scrolls) '
        'or shrunk to the window\'s width">actual size</button>'
        '<span id="dx-pos"></span><span id="dx-timing"></span></div>\n'
        '<div id="dx-inputs"></div>\n<div id="dx-status"></div>\n</header>\n'
        '<div id="dx-main">\n<div id="dx-svg">' + (svg or "") + "</div>\n"
        '<div id="dx-side">\n<table class="dx-table"><thead><tr><th></th><th>value</th>'
        '<th>adjoint</th></tr></thead><tbody id="dx-grad"></tbody></table>\n'
        '<div id="dx-details"></div>\n<div id="dx-routes"></div>\n'
        '<h4 id="dx-groups-title">statement groups</h4>\n<div id="dx-groups"></div>\n'
        '<div id="dx-legend"></div>\n'
        "</div>\n</div>\n"
        f'<script type="application/json" id="dx-data">{_json_for_script(data)}</script>\n'
        f"<script>\n{scripts}</script>\n</body>\n</html>\n")
