"""Points: where to differentiate.

A point maps input names to values: numbers for one point, arrays for many points at once.
From the command line a point is written ``a=4,b=3``; a value may be any constant expression
of the language (``x=pi/4``, ``t=-1e-3``), read by diffx's own parser, never by Python.
Each value is exactly one number or constant expression: ``a=1;b=2`` or ``a=x=1`` is an error
that names the entry and points at the column. A range ``start:stop:count`` gives evenly
spaced points (``x=0:1:101``, at most ``MAX_POINTS``), and a CSV file with a header row of
input names gives one point per row (diffx.csv_points). Arrays given by the library must be
real: a complex array is an error, never silently truncated to its real part. A bracket
literal ``x=[1,-2]``, ``W=[[1,2],[3,4]]`` is one vector or matrix, a ``Value``
(diffx.point_values), never many points.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

# the cap on points and the plain-number rule are shared with the CSV reader, which holds them
from .csv_points import _PLAIN_NUMBER, MAX_POINTS, read_csv_points  # noqa: F401  (re-exported)
from .errors import DiffxError, ParseError, PointError, option
from .graph import Graph
from .parse_errors import slip_hint
from .point_values import (  # noqa: F401  (Value, parse_shapes, declared_shapes re-exported)
    Value, declared_shapes, parse_shapes, read_brackets, real_array, value_array)


def parse_point(text: str) -> dict[str, Any]:
    """Read ``name=value,name=value`` into a dict (values are floats or float arrays).

    Each value is one number, one constant expression (``pi/4``), a range
    ``start:stop:count`` or a bracket literal (``[1,-2]``, a ``Value``); anything else (``a=1;b=2``, ``a=x=1``) is an error that names the
    entry and points at the column of the text.
    """
    if not isinstance(text, str):
        raise PointError(f"a point must be 'a=4,b=3' text, not {type(text).__name__}")
    text = text.strip()
    if not text:
        raise PointError(f"{option('at')} is empty; write name=value pairs such as a=4,b=3")
    point: dict[str, Any] = {}
    for start, item in _split_top_level(text):
        start += len(item) - len(item.lstrip())
        item = item.strip()
        if not item:
            raise PointError(f"{option('at')} {text!r} has an empty entry; separate pairs with "
                             "one ','")
        name, eq, value = item.partition("=")
        value_at = start + len(name) + 1 + len(value) - len(value.lstrip())
        name, value = name.strip(), value.strip()
        if not eq:
            raise PointError(f"{option('at')} entry {item!r} has no value; write "
                             f"{_assignment_for(item)}")
        if ";" in value:
            write = "rows in brackets: [[1,2],[3,4]]" if value.startswith("[") else \
                text.replace(";", ",")
            semicolon = ParseError(f"separate entries with ',', not ';' (write {write})", text,
                                   value_at + value.index(";"))
            raise PointError(f"{option('at')} entry {item!r}: {semicolon}")
        if not name.isidentifier() or not name.isascii():
            raise PointError(f"{option('at')} entry {item!r}: {name!r} is not an input name")
        if not value:
            raise PointError(f"{option('at')} entry {item!r} has no value after '='")
        if name in point:
            raise PointError(f"{option('at')} gives {name!r} twice")
        point[name] = _value(name, value, _Where(text, value_at, item))
    return point


class _Where(NamedTuple):
    """Where a value sits in the point's text, so that errors can point at its column."""

    text: str  # the whole point text
    offset: int  # where the value starts in it
    entry: str  # the name=value entry


def _split_top_level(text: str) -> list[tuple[int, str]]:
    """The comma-separated entries of ``text`` with their offsets (commas inside
    parentheses or brackets, as in ``max(1, 2)`` or ``x=[1, 2]``, do not separate)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((start, text[start:i]))
            start = i + 1
    parts.append((start, text[start:]))
    return parts


def _value(name: str, text: str, where: _Where | None = None) -> Any:
    if text.startswith("["):
        return _bracket_value(name, text, where)
    if text.count(":") == 2:
        return _range(name, text, where)
    return _number(name, text, where)


def _number(name: str, text: str, where: _Where | None, offset: int = 0,
            within: str | None = None) -> float:
    """A plain number (the fast path) or one constant expression; ``offset`` is where
    ``text`` starts inside the value (for a range's start and stop); ``within``: the
    vector or matrix input whose entry ``name`` (``x[1]``) this is."""
    if _PLAIN_NUMBER.fullmatch(text):
        value = float(text)
        if not math.isfinite(value):
            whose = f" (entry {name} of the input {within})" if within else ""
            raise PointError(f"{option('at')} {name}={text}: the number is too large for a "
                             f"float{whose}")
        return value
    if where is None:
        return constant_expression(text, f"{option('at')} {name}")
    return constant_expression(text, f"{option('at')} {name}", (where.text, where.offset + offset,
                                                       where.entry))


def _bracket_value(name: str, text: str, where: _Where | None) -> Value:
    """A vector or matrix written ``[1,-2]`` or ``[[1,2],[3,4]]`` (see diffx.point_values):
    one value of its shape, not a batch of points."""
    if where is None:  # a value given as text in a dict: its errors show name=value
        where = _Where(f"{name}={text}", len(name) + 1, f"{name}={text}")

    def fail(reason: str, offset: int, length: int = 1) -> PointError:
        shown = ParseError(reason, where.text, where.offset + offset, length)
        entry = where.entry if len(where.entry) <= 60 else where.entry[:57] + "..."
        return PointError(f"{option('at')} entry {entry!r}: {shown}")

    def number(entry: str, at: int, index: tuple[int, ...]) -> float:
        # an entry's errors name the input and the position: --at x[1]=1e400
        return _number(f"{name}[{','.join(map(str, index))}]", entry, where, at, name)

    return Value(read_brackets(text, number, fail))


def _range(name: str, text: str, where: _Where | None) -> Any:
    import numpy as np

    lo, hi, count = text.split(":")
    hi_at = len(lo) + 1
    start = _number(name, lo.strip(), where, len(lo) - len(lo.lstrip()))
    stop = _number(name, hi.strip(), where, hi_at + len(hi) - len(hi.lstrip()))
    count = count.strip()
    try:
        n = int(count) if count.isdigit() else int("x")
    except ValueError:
        raise PointError(f"{option('at')} {name}={text}: the count {count!r} must be a whole "
                         f"number of points, from 1 to {MAX_POINTS:,} (start:stop:count, as "
                         f"{name}=0:1:5)") from None
    if not 1 <= n <= MAX_POINTS:
        raise PointError(f"{option('at')} {name}={text}: the count must be between 1 and "
                         f"{MAX_POINTS:,}")
    return np.linspace(start, stop, n)


def constant_expression(text: str, what: str,
                        where: tuple[str, int, str] | None = None) -> float:
    """The value of one constant expression such as ``pi/4``, read with diffx's own parser.

    ``what`` names the value in messages (``at x``); ``where`` is (the whole text, the
    offset of ``text`` in it, the entry) so that an error points at the column of the whole.
    """
    from . import engine
    from .lexer import NAME, tokens
    from .program import parse_expression

    def fail(reason: str, offset: int, length: int = 1) -> PointError:
        if where is None:
            return PointError(f"{what}={text}: not a number: "
                              f"{ParseError(reason, text, offset, length)}")
        whole, at, entry = where
        return PointError(f"{option('at')} entry {entry!r} is not a number: "
                          f"{ParseError(reason, whole, at + offset, length)}")

    try:
        graph = parse_expression(text)
    except ParseError as exc:
        if text.count(":") == 1 and "[" not in text:  # a range missing its count
            raise fail("a range is start:stop:count (e.g. 0:1:5, five points from 0 to 1)",
                       text.index(":")) from None
        raise fail(exc.reason, exc.offset, exc.length) from None
    except DiffxError as exc:
        raise PointError(f"{what}={text}: not a number ({exc})") from None
    if graph.inputs:
        used = graph.inputs[0]
        at = next(t[2] for t in tokens(graph.source) if t[0] == NAME and t[1] == used)
        raise fail(f"{used!r} is a name; a value must be a number or a constant expression "
                   "like pi/4", at, len(used))
    try:
        value = engine.forward(graph, {}, "math")[graph.output]
    except (ArithmeticError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise PointError(f"{what}={text}: the value is not a finite number")
    return float(value)


def normalize_point(graph: Graph, at: Any) -> tuple[dict[str, Any], bool]:
    """Check a point against the graph's inputs; returns (point, whether it holds arrays).

    Every input needs a value and every value must belong to an input. Numbers become Python
    floats; sequences become float64 arrays, and all arrays must share one shape (scalars are
    broadcast). A ``Value`` is one vector or matrix, not many points (see _given_values).
    """
    as_text = isinstance(at, str)
    if as_text:
        at = parse_point(at)
    if not isinstance(at, dict):
        raise PointError(f"a point must be a dict of input values or 'a=4,b=3' text, "
                         f"not {type(at).__name__}")
    unknown = [k for k in at if k not in graph.input_nodes]
    if unknown:
        hint = _not_input_hint(graph, unknown[0])
        raise PointError(f"{option('at')} names {unknown[0]!r}, which is not an input of the "
                         f"expression{hint}")
    missing = [k for k in graph.inputs if k not in at]
    if missing:
        raise PointError(f"{option('at')} has no value for input{'s' * (len(missing) > 1)} "
                         f"{', '.join(repr(k) for k in missing)}"
                         f"{slip_hint(graph.source or '', graph.assigned, missing[0])}; "
                         f"{_add_values(missing, as_text)}")
    point: dict[str, Any] = {}
    for name in graph.inputs:
        value = at[name]
        if isinstance(value, bool) or value is None:
            raise PointError(f"{option('at')} {name}: {value!r} is not a number")
        if isinstance(value, int | float):
            try:
                point[name] = float(value)
            except OverflowError:
                raise PointError(f"{option('at')} {name}: the number is too large for a "
                                 "float") from None
            if not math.isfinite(point[name]):
                raise PointError(f"{option('at')} {name}: values must be finite numbers")
    if len(point) == len(graph.inputs):
        return point, False  # the common case: plain numbers, no numpy needed
    if any(isinstance(at[name], Value) for name in graph.inputs):
        return _given_values(graph, at)
    return _normalize_arrays(graph, at, point)


def _given_values(graph: Graph, at: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A point holding ``Value``s (vectors, matrices) for the scalar program ``graph``.

    A ``Value`` of shape () is a number. Any other needs a vector program, which diffx does
    not build yet, so it is refused here (the one place that will hand it over instead).
    """
    at = dict(at)
    for name in graph.inputs:
        if isinstance(at[name], Value):
            arr = value_array(name, at[name])
            if arr.ndim:
                shown = ", ".join(map(str, arr.ravel()[:3].tolist())) + ", ..." * (arr.size > 3)
                source = graph.source if len(graph.source) <= 40 else graph.source[:37] + "..."
                raise PointError(
                    f"vector and matrix values need a vector program: {option('at')} {name} is "
                    f"a {'vector' if arr.ndim == 1 else 'matrix'} of shape {arr.shape} "
                    f"([{shown}]), but {source!r} uses no vectors or matrices; vector programs "
                    "(@, transpose, sum, ...) are not supported yet, and many points of a "
                    "scalar program come from a range (x=0:1:11) or a CSV file")
            at[name] = float(arr)
    return normalize_point(graph, at)


def _normalize_arrays(graph: Graph, at: dict[str, Any], point: dict[str, Any]
                      ) -> tuple[dict[str, Any], bool]:
    import numpy as np

    shapes = set()
    for name in graph.inputs:
        value = at[name]
        if isinstance(value, int | float):
            continue
        if isinstance(value, str):
            point[name] = _value(name, value)
            if isinstance(point[name], Value):
                return _given_values(graph, {**at, name: point[name]})
            if isinstance(point[name], float):
                continue
            value = point[name]
        arr = real_array(name, value)
        if arr.ndim == 0:
            point[name] = float(arr)
            continue
        if arr.size == 0:
            raise PointError(f"{option('at')} {name}: the array of points is empty")
        point[name] = arr
        shapes.add(arr.shape)
    if len(shapes) > 1:
        each = ", ".join(f"{k} {np.shape(v)}" for k, v in point.items() if np.ndim(v))
        raise PointError(f"{option('at')} arrays of points must all have the same shape (one "
                         f"value per point for each input), got {each}")
    if shapes:
        shape = shapes.pop()
        for name, value in point.items():
            if isinstance(value, float):
                point[name] = np.full(shape, value)
    for name, value in point.items():
        bad = not math.isfinite(value) if isinstance(value, float) else \
            not bool(np.all(np.isfinite(value)))
        if bad:
            raise PointError(f"{option('at')} {name}: values must be finite numbers")
    point = {name: point[name] for name in graph.inputs}  # in the inputs' order, as numbers are
    return point, bool(shapes) or any(not isinstance(v, float) for v in point.values())


def _assignment_for(item: str) -> str:
    """What to write for an entry without '=': ``a=4`` for ``a:4`` and ``x=0:1:11`` for
    ``x:0:1:11`` (a ':' where '=' belongs), else ``item=<number>``."""
    name, colon, value = item.partition(":")
    if colon and name.strip().isidentifier() and value.strip():
        return f"{name.strip()}={value.strip()} (a name and its value are joined by '=')"
    if item.isidentifier():
        return f"{item}=<number>"
    return (f"name={item} (each entry is a name and its value; a vector's entries go in "
            f"brackets: x=[1,2])")


def _add_values(missing: list[str], as_text: bool) -> str:
    """How to give the missing inputs, in the words of whoever called: ``add y=1`` on the
    command line (where ``at`` is the flag ``--at``) or to a point given as text,
    ``add 'y': <value> to at`` to a dict in Python."""
    if as_text or option("at") != "at":
        return "add " + ",".join(f"{k}=1" for k in missing)
    return "add " + ", ".join(f"{k!r}: <value>" for k in missing) + " to at"


def _not_input_hint(graph: Graph, name: str) -> str:
    inputs = ", ".join(graph.inputs) if graph.inputs else "none"
    if name in graph.assigned:
        return (f" ({name!r} is assigned in the program; its value comes from the inputs: "
                f"{inputs})")
    return f"; the inputs are: {inputs}"
