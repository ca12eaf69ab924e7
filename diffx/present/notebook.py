"""Notebook display: what IPython and Jupyter show for diffx's objects.

A graph is shown as its picture (SVG), a ``Gradient`` or ``grad_all``'s ``Report`` as the
picture of its graph with the values and adjoints at its point; the results of ``compare``
(a ``Report`` made by compare), ``check`` and ``swell`` as the tables ``diffx compare``,
``diffx check`` and ``diffx swell`` print (HTML in a notebook, plain text in the terminal
shell). The package registers these formatters with a
running IPython (``import diffx``, or ``%load_ext diffx``); the model never draws itself.
``diffx.render`` stays the static picture; ``diffx.explore``'s page
(:class:`diffx.present.explore_page.Explore`) shows itself through its own
``_repr_html_``, the interactive page inline in a sandboxed frame.

    >>> from diffx import check
    >>> print(text(check("x^2", at={"x": 3}, claims={"x": "2*x"})))
    x^2
    at x=3
     input ┃ claimed ┃ reverse ┃ central ┃ claim vs reverse ┃ claim vs central ┃
    ━━━━━━━╇━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━╇━━━━
     x     │       6 │       6 │       6 │          0.0e+00 │          0.0e+00 │ ok
    PASS: the worst input is x, relative error 0.0e+00 (claim vs reverse) ≤ 1e-06
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from ..check import CheckReport
from ..graph import Graph
from ..result import Gradient, Report
from ..swell import SwellTable

WIDTH = 140  # characters: a notebook scrolls a wide table rather than wrapping it


def graph_svg(graph: Graph) -> str | None:
    """The graph's picture; None (the plain repr) when it cannot be drawn (too large)."""
    from ..draw import svg_or_none

    return svg_or_none(graph)


def gradient_svg(result: Gradient) -> str | None:
    """The graph with values and adjoints at the result's point (one point, not many)."""
    if result.graph is None:
        return None
    from ..draw import svg_or_none

    scalar = result.point is not None and all(isinstance(v, float)
                                              for v in result.point.values())
    return svg_or_none(result.graph, at=result.point if scalar else None,
                       wrt=result.wrt[0] if len(result.wrt) == 1 else None)


def report_svg(report: Report) -> str | None:
    if _shows_table(report):
        return None
    first = next(iter(report.results.values()), None)
    return gradient_svg(first) if first is not None else None


def _shows_table(obj: Any) -> bool:
    """Whether ``obj`` is shown as a table: compare's report is, grad_all's is a picture."""
    return not isinstance(obj, Report) or obj.made_by == "compare"


def _output_name(report: Report) -> str:
    """The output's name as the CLI shows it (``∂d/∂a``), from the report's graph."""
    return "f" if report.graph is None else str(report.graph.output_name)


def _printer(obj: Any) -> Callable[[Any], None]:
    """The terminal presenter that prints ``obj`` on a rich console."""
    from . import tables

    if isinstance(obj, Report) and obj.made_by == "compare":
        return lambda console: tables.print_comparison(obj, console, _output_name(obj))
    if isinstance(obj, Report):  # grad_all's: the table `diffx grad` prints
        return lambda console: _print_gradients(obj, console)
    if isinstance(obj, CheckReport):
        return lambda console: tables.print_check(obj, console)
    if isinstance(obj, SwellTable):
        return lambda console: tables.print_swell(obj, console, formulas=True)
    raise TypeError(f"no table for {type(obj).__name__}")


def _print_gradients(report: Report, console: Any) -> None:
    """grad_all's report as `diffx grad` prints it: a Jacobian for several outputs, else the
    methods side by side (a vector program's gradients with their shapes)."""
    if getattr(report.shapes, "names", ()):
        from .outputs_table import print_outputs_report

        print_outputs_report(report, console, report.expression)
        return
    from .gradient_table import print_report

    print_report(report, console, _output_name(report),
                 every_point="; the report's gradients hold every one")


def _recorded(obj: Any) -> Any:
    from rich.console import Console

    console = Console(record=True, file=io.StringIO(), width=WIDTH, highlight=False,
                      soft_wrap=False, color_system="truecolor", force_jupyter=False)
    _printer(obj)(console)
    return console


def text(obj: Any) -> str:
    """A result of compare, check or swell as the CLI prints it, without colour."""
    lines = str(_recorded(obj).export_text(clear=False)).rstrip("\n").splitlines()
    return "\n".join(line.rstrip() for line in lines)


def html(obj: Any) -> str | None:
    """The same table as HTML: colours inline, in a monospace ``<pre>`` block."""
    if not _shows_table(obj):
        return None  # grad_all's report: its picture
    return str(_recorded(obj).export_html(
        inline_styles=True,
        code_format='<pre style="font-family: Menlo, \'DejaVu Sans Mono\', Consolas, '
                    'monospace; line-height: 1.25">{code}</pre>'))


def _pretty(obj: Any, p: Any, cycle: bool) -> None:
    """IPython's plain-text printer: the table (the terminal shell has no HTML)."""
    p.text(text(obj) if _shows_table(obj) else repr(obj))


SVG = (Graph, graph_svg), (Gradient, gradient_svg), (Report, report_svg)
TABLES = (Report, CheckReport, SwellTable)  # a Report: compare's (see _shows_table)


def register(shell: Any) -> None:
    """Register diffx's formatters with an IPython shell (``get_ipython()``)."""
    formatters = shell.display_formatter.formatters
    for cls, svg in SVG:
        formatters["image/svg+xml"].for_type(cls, svg)
    for table in TABLES:
        formatters["text/html"].for_type(table, html)
        formatters["text/plain"].for_type(table, _pretty)
