"""diffx: a differentiation explorer.

One computational graph, differentiated three interchangeable ways side by side::

    >>> import diffx
    >>> g = diffx.grad("c = a + b; d = a * c", at={"a": 4, "b": 3})
    >>> g.gradient
    {'a': 11.0, 'b': 4.0}

``parse`` builds the graph, ``grad`` runs one method (``reverse``, ``symbolic``, ``numeric``,
``forward``), ``grad_all`` runs several and compares them, ``compare`` runs every variant,
``check`` checks a hand-derived gradient, ``backward`` writes a vector program's backward
pass in matrix notation, ``adjoint`` writes the reverse sweep out as a program, ``hessian`` and ``hvp`` differentiate
it again (second derivatives by every method), ``swell``
measures expression swell, ``render`` draws the graph, ``explore`` makes an interactive page
of it, ``trace_table`` builds the primal,
tangent and adjoint traces, ``steps`` derives a derivative rule by rule, ``quiz`` makes an exercise on them and ``grade`` grades the
answers.

Each of them also takes a Python function with ``at`` giving the point: ``trace`` runs it once
on traced values and gives its Graph (``name`` names an intermediate; ``diffx.math`` holds the
op table's functions, for traced values and plain numbers)::

    >>> import numpy as np
    >>> diffx.grad(lambda x, y: np.sin(x) * y, at={"x": 0.0, "y": 2.0}).gradient
    {'x': 2.0, 'y': 0.0}

In IPython or Jupyter, graphs and results show themselves as pictures and tables: importing
diffx in a running shell registers the display (:mod:`diffx.present.notebook`), as does
``%load_ext diffx``.
"""

import sys as _sys
from pathlib import Path as _Path
from typing import Any as _Any

from . import swell as _swell
from .adjoint import Adjoint, adjoint
from .api import evaluate, grad, grad_all, resolve_wrt
from .backward import backward
from .check import check
from .compare import compare
from .errors import DiffxError, OptionError, ParseError, PointError
from .graph import Graph
from .hessian import Hessian, hessian, hessian_all, hvp
from .point_values import Value
from .program import parse
from .quiz import quiz
from .quiz_grade import grade
from .result import Gradient, Report
from .steps import steps
from .trace_table import trace_table
from .tracer import name
from .tracing import trace
from . import math_functions as math
# print(trace_table(...)) and print(steps(...)) write what the CLI prints: the presenters
# register their text writers with the model
from .present import steps as _steps_text, trace as _trace_text  # noqa: F401

__version__ = "0.1.0"


def render(source_or_graph: str | Graph, **options: _Any) -> _Any:
    """The graph as a ``graphviz.Digraph`` (see :func:`diffx.draw.render`)."""
    from .draw import render as _render

    return _render(source_or_graph, **options)


def explore(source_or_graph: _Any, **options: _Any) -> _Any:
    """The interactive page of the graph at a point: step through the sweeps, follow the
    routes, move the inputs (see :func:`diffx.present.explore_page.explore`)."""
    from .present.explore_page import explore as _explore

    return _explore(source_or_graph, **options)


def swell(family_or_expression: str, n: _Any = None, *,
          budget: float = _swell.DEFAULT_BUDGET, formulas: bool = True,
          on_row: _Any = None, plot: str | _Path | None = None,
          at: _Any = None) -> _swell.SwellTable:
    """Measure swell for a family (``logistic``, ``logistic-expanded``, ``sigmoid-chain``,
    ``product``) over ``n`` (default 1..8), for a single expression, or for a Python function
    traced at ``at`` (see
    :func:`diffx.swell.swell`). ``plot=PATH`` (.png, .svg, .pdf) also draws the sizes against
    n (:func:`diffx.present.plot.plot_swell`); the path is checked before any measuring."""
    if plot is None:
        return _swell.swell(family_or_expression, n, budget=budget, formulas=formulas,
                            on_row=on_row, at=at)
    from .present.plot import check_plot_path, plot_swell

    _swell.check_request(family_or_expression, n, budget)
    check_plot_path(plot)
    table = _swell.swell(family_or_expression, n, budget=budget, formulas=formulas,
                         on_row=on_row, at=at)
    plot_swell(table, plot)
    return table


def load_ipython_extension(shell: _Any) -> None:
    """``%load_ext diffx``: show graphs and results as pictures and tables in this shell."""
    from .present.notebook import register

    register(shell)


def _register_notebook_display() -> None:
    """When diffx is imported inside a running IPython, register its display there. IPython
    is never imported here: a running shell has already loaded it."""
    ipython = _sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    if shell is not None:
        load_ipython_extension(shell)


_register_notebook_display()

__all__ = [
    "Adjoint", "DiffxError", "Gradient", "Graph", "OptionError", "ParseError", "PointError",
    "Hessian", "Report", "Value", "adjoint", "backward", "check", "compare", "evaluate", "explore", "grad",
    "grad_all", "grade", "hessian", "hessian_all", "hvp", "math", "name", "parse", "quiz", "render", "resolve_wrt", "steps",
    "swell", "trace", "trace_table",
]
