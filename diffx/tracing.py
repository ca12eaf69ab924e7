"""Tracing a Python function into a Graph: ``trace(f, **point)`` and ``graph_of``.

``trace`` calls ``f`` once, at the point, with one :class:`~diffx.tracer.Tracer` per
parameter (the tracer records every operation into a GraphBuilder), and returns a
:class:`~diffx.traced_graph.TracedGraph`: the scalar Graph a program would give, named after
the parameters, with a warning when ``f`` compared traced values (the branch taken there).

:func:`graph_of` is the one entry where a source becomes a Graph given the point: text, a
Graph or a vector program is parsed (:func:`diffx.program.parse_graph`), a Python function is
traced. ``grad``, ``grad_all``, ``compare``, ``evaluate``, ``check``, ``render``, ``swell``
and the CLI all go through it. Calling the function handed over here, and importing the
user's file in :func:`diffx.cli.sources.load_function`, are the only places where diffx runs
user code; no text is ever executed.
"""

from __future__ import annotations

import inspect
import linecache
import os
from collections.abc import Callable
from typing import Any

from . import ops as _ops
from .errors import DiffxError, PointError, option
from .graph import Graph
from .graph_builder import GraphBuilder
from .traced_graph import TracedGraph
from .tracer import Trace, TraceError, Tracer, _fname, _is_name


def graph_of(source: Any, at: Any = None) -> Graph:
    """The scalar Graph of ``source``: parsed (text, a Graph, a vector program), or, for a
    Python function, traced at ``at``."""
    from .program import parse_graph
    from .vectors import VectorProgram

    if callable(source) and not isinstance(source, str | Graph | VectorProgram):
        return trace_at(source, at)
    return parse_graph(source)


def trace(f: Callable[..., Any], /, **point: Any) -> Any:
    """The Graph of ``f`` traced at ``point`` (one value per parameter):

    >>> import numpy as np
    >>> g = trace(lambda x, y: np.sin(x) * y + x, x=0.3, y=2.0)
    >>> g.inputs, g.source
    (('x', 'y'), 'sin(x)*y + x')
    """
    return trace_at(f, point)


def trace_at(f: Callable[..., Any], at: Any) -> Any:
    """``trace`` with the point as the library's ``at`` takes it: a dict, ``"x=1,y=2"`` text,
    or a bare number for a function of one parameter."""
    if not callable(f):
        raise TraceError(f"expected a Python function to trace, got {type(f).__name__}")
    params, positional = _parameters(f)
    point = point_for(f, params, at)
    run = Trace(point)
    tracers = {p: Tracer(run, run.builder.input(p)) for p in point}
    args = [tracers.pop(p) for p in positional if p in tracers]
    try:
        out = f(*args, **tracers)
    except DiffxError:
        raise
    except Exception as exc:
        raise TraceError(f"{_fname(f)} raised {type(exc).__name__} while being traced"
                         f"{_where(exc)}: {exc}") from exc
    try:
        graph = finish(run, f, out)
    finally:
        run.open = False
    graph.warnings += _untraced_value(f, positional, point, graph)
    return graph


def _untraced_value(f: Callable[..., Any], positional: list[str], point: dict[str, Any],
                    graph: Any) -> list[str]:
    """Call ``f`` once more on the point's plain numbers and compare with the graph's
    value: a function that tells a traced value from a number (``isinstance(x, float)``, a
    conversion) was traced down another path, and its graph is not the function."""
    import math

    from .evaluation import evaluate

    kwargs = dict(point)
    args = [kwargs.pop(p) for p in positional if p in kwargs]
    try:
        plain = float(f(*args, **kwargs))
        traced = float(evaluate(graph, point, False)[0][graph.output])
    except Exception:  # noqa: BLE001 - the user's code on plain numbers: no evidence either way
        return []
    same = plain == traced or (math.isnan(plain) and math.isnan(traced)) or \
        abs(plain - traced) <= 1e-9 * max(abs(plain), abs(traced))
    if same:
        return []
    return [f"{_fname(f)} gives {plain:.10g} when called with numbers but {traced:.10g} as "
            "traced: it does not compute the same thing on diffx's traced values (a type "
            "check such as isinstance(x, float), or a conversion), so the graph, its value "
            "and its derivatives are not the function's; remove the type check"]


def _parameters(f: Callable[..., Any]) -> tuple[list[tuple[str, bool]], list[str]]:
    """(name, has a default) per parameter, and the positional-only ones."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        raise TraceError(f"cannot read the parameters of {_fname(f)}") from None
    params, positional = [], []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TraceError(f"{_fname(f)} takes *{p.name}: a traced function needs named "
                             "parameters, one per input")
        if not _is_name(p.name) or p.name in _ops.FUNCTIONS or p.name in _ops.CONSTANTS:
            raise TraceError(f"parameter {p.name!r} of {_fname(f)} cannot name an input of a "
                             "diffx program (a function or constant name, or not ASCII); "
                             "rename it")
        params.append((p.name, p.default is not p.empty))
        if p.kind == p.POSITIONAL_ONLY:
            positional.append(p.name)
    return params, positional


def _where(exc: BaseException) -> str:
    tb, last = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__") != __name__:
            last = tb
        tb = tb.tb_next
    if last is None:
        return ""
    code = last.tb_frame.f_code
    return f" (line {last.tb_lineno} of {code.co_name}, {os.path.basename(code.co_filename)})"


def point_for(f: Callable[..., Any], params: list[tuple[str, bool]], at: Any) -> dict[str, float]:
    """The trace point, checked as a program's point is: a value for every parameter without
    a default (parameters with one keep it unless the point gives them), single numbers."""
    from .points import normalize_point

    fn = _fname(f)
    if at is None:
        needed = ", ".join(p for p, default in params if not default) or "none"
        raise PointError(f"tracing {fn} needs the point to trace it at: give {option('at')} "
                         f"a value for each parameter ({needed})", param="at")
    given = at
    if isinstance(at, str):
        from .points import parse_point

        given = parse_point(at)
    elif not isinstance(at, dict) and not isinstance(at, bool):
        required = [p for p, default in params if not default]
        if len(required) != 1:
            raise PointError(f"{option('at')}={at!r}: a bare value needs a function of one "
                             f"parameter, and {fn} has {len(required)}; give a dict",
                             param="at")
        given = {required[0]: at}
    if not isinstance(given, dict):
        raise PointError(f"a point must be a dict of input values or 'a=4,b=3' text, "
                         f"not {type(at).__name__}", param="at")
    _scalar_parameters(fn, given)
    names = [p for p, default in params if not default or p in given]
    stub = GraphBuilder(" + ".join(names) or "0")
    nodes = [stub.input(p) for p in names]
    stub.statement(None, nodes[-1] if nodes else stub.const(0.0, "0"))
    point, arrays = normalize_point(stub.finish(), given)
    if arrays:
        raise PointError(f"a Python function is traced at one point (its branches may differ "
                         f"from point to point): give single values in {option('at')}",
                         param="at")
    return point


def finish(run: Trace, f: Callable[..., Any], out: Any) -> TracedGraph:
    """The graph of a finished trace whose function returned ``out``."""
    fn = _fname(f)
    if isinstance(out, tuple | list):
        raise TraceError(f"{fn} returned a {type(out).__name__} of {len(out)} values; a traced "
                         "function returns one number (several outputs are not supported yet)")
    node = run.node_of(out, f"the value returned by {fn}") if isinstance(
        out, Tracer) or not isinstance(out, bool) else None
    if node is None:
        raise TraceError(f"{fn} returned {type(out).__name__}, not a number; a traced "
                         "function returns one number computed from its parameters")
    b = run.builder
    taken = set(run.point) | set(_ops.FUNCTIONS) | set(_ops.CONSTANTS)
    named_nodes: set[int] = set()
    for label, n in sorted(run.names, key=lambda item: item[1]):
        if n in named_nodes:
            continue  # a value keeps the first name it was given
        named_nodes.add(n)
        unique, k = label, 1
        while unique in taken:
            k += 1
            unique = f"{label}_{k}"
        taken.add(unique)
        b.assigned[unique] = n
    out_name = getattr(f, "__name__", "")
    if not out_name.isascii() or not out_name.isidentifier() or out_name in taken:
        out_name = None
    else:
        b.assigned[out_name] = node
    return TracedGraph(b, node, out_name, fn, branch_warnings(run, fn))


def branch_warnings(run: Trace, fn: str) -> list[str]:
    """One warning when the function compared traced values: where, and what it found."""
    if not run.branches:
        return []
    items = list(run.branches.items())
    first_file = items[0][0][0]
    parts = []
    for (file, line, where), (yes, no, symbol) in items[:5]:
        text = linecache.getline(file, line).strip()
        said = ("True" if not no else "False" if not yes else
                f"True {yes} times, False {no} times")
        place = f"line {line} of {where}"
        if file != first_file:
            place += f" ({os.path.basename(file)})"
        parts.append(f"{place}" + (f" `{text}`" if text and len(text) <= 80 else "") +
                     f" ({symbol} gave {said})")
    if len(items) > 5:
        parts.append(f"{len(items) - 5} more lines")
    at = ", ".join(f"{k}={v!r}" for k, v in run.point.items())
    return [f"{fn} branches on traced values, so this graph holds only for the branch taken at "
            f"{at}: {'; '.join(parts)}. At other points {fn} may take another branch, with "
            "another derivative"]


def _scalar_parameters(fn: str, given: dict[str, Any]) -> None:
    """A traced function's parameters are numbers: a vector or matrix given for one is
    refused with what to do instead (a diffx vector program is differentiated by block)."""
    import numpy as np

    from .point_values import Value, value_array

    for name, v in given.items():
        if not isinstance(v, Value):
            continue  # (an array of numbers is many points: refused as such below)
        try:
            arr = value_array(name, v)
        except DiffxError:
            continue  # (the point's own checks say what is wrong)
        if arr.ndim:
            kind = "a vector" if arr.ndim == 1 else "a matrix"
            raise PointError(
                f"{option('at')} {name} is {kind} of shape {arr.shape}, but a Python function "
                f"is traced with a number for each parameter: give {fn} one parameter per "
                "element, or write the computation as a diffx vector program (@, sum, "
                "softmax, ...), whose parameters may be vectors and matrices", param="at")
