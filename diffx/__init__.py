"""diffx: a differentiation explorer.

One computational graph, differentiated three interchangeable ways side by side::

    >>> import diffx
    >>> g = diffx.grad("c = a + b; d = a * c", at={"a": 4, "b": 3})
    >>> g.gradient
    {'a': 11.0, 'b': 4.0}

``parse`` builds the graph, ``grad`` runs one method (``reverse``, ``symbolic``, ``numeric``,
``forward``), ``grad_all`` runs several and compares them, ``compare`` runs every variant,
``check`` checks a hand-derived gradient, ``swell`` measures expression swell, ``render``
draws the graph.
"""

from .api import evaluate, grad, grad_all, resolve_wrt
from .check import check
from .compare import compare
from .errors import DiffxError, OptionError, ParseError, PointError
from .graph import Graph
from .parser import parse
from .result import Gradient, Report
from .swell import swell

__version__ = "0.1.0"


def render(source_or_graph, **options):  # type: ignore[no-untyped-def]
    """The graph as a ``graphviz.Digraph`` (see :func:`diffx.draw.render`)."""
    from .draw import render as _render

    return _render(source_or_graph, **options)

__all__ = [
    "DiffxError", "Gradient", "Graph", "OptionError", "ParseError", "PointError", "Report",
    "check", "compare", "evaluate", "grad", "grad_all", "parse", "render", "resolve_wrt",
    "swell",
]
