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

from __future__ import annotations

import sys as _sys
from importlib import import_module as _import_module
from types import ModuleType as _ModuleType
from typing import TYPE_CHECKING
from typing import Any as _Any

if TYPE_CHECKING:  # what the type checker and IDEs see; at run time each is loaded on first use
    from pathlib import Path as _Path

    from . import math_functions as math
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
    from .swell import SwellTable
    from .trace_table import trace_table
    from .tracer import name
    from .tracing import trace

__version__ = "0.1.0"

# The public names, each loaded from its module when first used (PEP 562), so that
# ``import diffx`` and a command that needs little (``diffx grad --method reverse``) load
# neither sympy nor the teaching modules: name -> (module, attribute; None: the module).
_LAZY: dict[str, tuple[str, str | None]] = {
    "Adjoint": (".adjoint", "Adjoint"), "adjoint": (".adjoint", "adjoint"),
    "evaluate": (".api", "evaluate"), "grad": (".api", "grad"),
    "grad_all": (".api", "grad_all"), "resolve_wrt": (".api", "resolve_wrt"),
    "backward": (".backward", "backward"), "check": (".check", "check"),
    "compare": (".compare", "compare"),
    "DiffxError": (".errors", "DiffxError"), "OptionError": (".errors", "OptionError"),
    "ParseError": (".errors", "ParseError"), "PointError": (".errors", "PointError"),
    "Graph": (".graph", "Graph"),
    "Hessian": (".hessian", "Hessian"), "hessian": (".hessian", "hessian"),
    "hessian_all": (".hessian", "hessian_all"), "hvp": (".hessian", "hvp"),
    "Value": (".point_values", "Value"), "parse": (".program", "parse"),
    "quiz": (".quiz", "quiz"), "grade": (".quiz_grade", "grade"),
    "Gradient": (".result", "Gradient"), "Report": (".result", "Report"),
    "steps": (".steps", "steps"), "trace_table": (".trace_table", "trace_table"),
    "name": (".tracer", "name"), "trace": (".tracing", "trace"),
    "math": (".math_functions", None),
}

__all__ = [
    "Adjoint", "DiffxError", "Gradient", "Graph", "OptionError", "ParseError", "PointError",
    "Hessian", "Report", "Value", "adjoint", "backward", "check", "compare", "evaluate", "explore", "grad",
    "grad_all", "grade", "hessian", "hessian_all", "hvp", "math", "name", "parse", "quiz", "render", "resolve_wrt", "steps",
    "swell", "trace", "trace_table",
]

# print(trace_table(...)) and print(steps(...)) write what the CLI prints: the presenters
# register their text writers with the model, so importing the model, by any path, imports
# its presenter too (see _Package)
_TEXT_WRITERS = {"trace_table": ".present.trace", "steps": ".present.steps"}


def __getattr__(attr: str) -> _Any:
    """A public name, loaded from its module on first use and kept."""
    try:
        module, inside = _LAZY[attr]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {attr!r}") from None
    value = _import_module(module, __name__)
    if inside is not None:
        value = getattr(value, inside)
    globals()[attr] = value
    return value


def __dir__() -> list[str]:
    """The public names (loaded or not) and the module's own dunders, not the helpers and
    submodules the package holds (tab completion shows the API)."""
    return sorted(set(__all__) | {name for name in globals() if name.startswith("__")})


class _Package(_ModuleType):
    """The package ``diffx``, where importing a submodule does two things more.

    Python binds a submodule, once imported, as an attribute of its package: ``diffx.steps``
    would become the module ``diffx.steps`` in place of the function :func:`diffx.steps`. The
    public name is kept. And a model whose ``str()`` a presenter writes
    (``_TEXT_WRITERS``) brings its presenter in, whoever imported it.
    """

    def __setattr__(self, attr: str, value: _Any) -> None:
        if isinstance(value, _ModuleType) and value.__name__ == f"{__name__}.{attr}":
            if attr in _TEXT_WRITERS:
                _import_module(_TEXT_WRITERS[attr], __name__)
            if attr in __all__:  # the function of that name, not its module
                return
        super().__setattr__(attr, value)


_sys.modules[__name__].__class__ = _Package


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
          budget: float = 10.0, formulas: bool = True,
          on_row: _Any = None, plot: str | _Path | None = None,
          at: _Any = None) -> SwellTable:
    """Measure swell for a family (``logistic``, ``logistic-expanded``, ``sigmoid-chain``,
    ``product``) over ``n`` (default 1..8), for a single expression, or for a Python function
    traced at ``at`` (see
    :func:`diffx.swell.swell`). ``plot=PATH`` (.png, .svg, .pdf) also draws the sizes against
    n (:func:`diffx.present.plot.plot_swell`); the path is checked before any measuring.
    ``budget`` is :data:`diffx.swell.DEFAULT_BUDGET` seconds per sympy cell unless given."""
    from .swell import check_request, swell as measure

    if plot is None:
        return measure(family_or_expression, n, budget=budget, formulas=formulas,
                       on_row=on_row, at=at)
    from .present.plot import check_plot_path, plot_swell

    check_request(family_or_expression, n, budget)
    check_plot_path(plot)
    table = measure(family_or_expression, n, budget=budget, formulas=formulas,
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
