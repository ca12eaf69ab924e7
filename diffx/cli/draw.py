"""The ``graph`` command: the picture of a program's graph, as DOT text or a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .options import At, Direction, File, Shape, Source, check_whole
from .sources import read_program_at


def graph(
    source: Source = None,
    file: File = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the picture here; the format follows the extension: "
        ".svg, .png, .pdf or .dot, or .html (or .htm) for an interactive page (step through "
        "the sweeps, follow the routes, move the inputs; needs --at). Without it, the DOT text "
        "is printed.",
        show_default=False)] = None,
    at: At = None,
    wrt: Annotated[str | None, typer.Option(
        "--wrt", help="Highlight every route from this input to the output.",
        show_default=False)] = None,
    route: Annotated[int | None, typer.Option(
        "--route", help="Highlight only the K-th route (with --wrt); the caption shows its "
        "product.", show_default=False)] = None,
    tree: Annotated[bool, typer.Option(
        "--tree", help="Draw the expression as a tree, shared nodes copied.")] = False,
    direction: Annotated[Direction, typer.Option(
        "--direction", help="Left to right (LR) or top to bottom (TB).")] = Direction.LR,
    max_nodes: Annotated[int, typer.Option(
        "--max-nodes", help="Refuse graphs (or trees) with more nodes than this; an .html "
        "or .htm page opens such a graph with its statements collapsed.")] = 300,
    shape: Shape = None,
    expand: Annotated[bool, typer.Option(
        "--expand", help="Draw a vector program's scalar expansion (one node per element) "
        "instead of its block level.")] = False,
) -> None:
    """Draw the graph of SOURCE: the local derivative on every edge, values and adjoints on
    the nodes (with --at), the routes from an input highlighted (with --wrt). A vector
    program is drawn at the block level, edges labelled with their matrix rules (ȳ hᵀ)."""
    from ..draw import render
    from ..methods import MAX_ROUTE_LIMIT
    from ..present.picture_files import write

    if route is not None:
        check_whole("--route", route, 1, MAX_ROUTE_LIMIT)
    if output is not None and output.suffix.lower() in (".html", ".htm"):
        _page(source, file, at, shape, output, wrt, route, tree, expand, direction.value,
              max_nodes)
        return
    if output is not None:
        from ..present.picture_files import picture_format

        picture_format(output)
    program, point, shapes = read_program_at(source, file, at, shape)
    for w in getattr(program, "warnings", ()):  # a traced function's branch taken
        typer.echo(f"warning: {w}", err=True)
    picture = render(program, at=point, wrt=wrt, route=route, tree=tree,
                     direction=direction.value, max_nodes=max_nodes, expand=expand,
                     shapes=shapes or None)
    if output is None:
        typer.echo(picture.source)
        return
    path = write(picture.source, output)
    typer.echo(f"wrote {path}")


def _page(source: Source, file: File, at: At, shape: Shape, output: Path, wrt: str | None,
          route: int | None, tree: bool, expand: bool, direction: str, max_nodes: int) -> None:
    """``-o FILE.html`` (or ``.htm``): the interactive page
    (:mod:`diffx.present.explore_page`)."""
    from ..errors import OptionError
    from ..present.explore_page import check_page_path, explore

    for flag, given in (("--route", route is not None), ("--tree", tree),
                        ("--expand", expand)):
        if given:
            raise OptionError(f"{flag} draws a static picture; the interactive page (.html "
                              "or .htm) shows every route of the input clicked, on the DAG")
    check_page_path(output)
    program, point, shapes = read_program_at(source, file, at, shape)
    page = explore(program, at=point, wrt=wrt, direction=direction, max_nodes=max_nodes,
                   shapes=shapes or None)
    path = page.save(output)
    typer.echo(f"wrote {path} ({page.nodes} nodes, {len(page.html.encode()):,} bytes)")
