"""Points: where to differentiate.

A point maps input names to values: numbers for one point, arrays for many points at once.
From the command line a point is written ``a=4,b=3``; a value may be any constant expression
of the language (``x=pi/4``, ``t=-1e-3``), read by diffx's own parser, never by Python.
A range ``start:stop:count`` gives evenly spaced points (``x=0:1:101``), and a CSV file with
a header row of input names gives one point per row.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from .errors import DiffxError, PointError
from .graph import Graph

MAX_POINTS = 1_000_000


def parse_point(text: str) -> dict[str, Any]:
    """Read ``name=value,name=value`` into a dict (values are floats or float arrays)."""
    text = text.strip()
    if not text:
        raise PointError("--at is empty; write name=value pairs such as a=4,b=3")
    point: dict[str, Any] = {}
    for item in _split_top_level(text):
        item = item.strip()
        if not item:
            raise PointError(f"--at {text!r} has an empty entry; separate pairs with one ','")
        name, eq, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not eq:
            raise PointError(f"--at entry {item!r} has no value; write {item}=<number>")
        if not name.isidentifier() or not name.isascii():
            raise PointError(f"--at entry {item!r}: {name!r} is not an input name")
        if not value:
            raise PointError(f"--at entry {item!r} has no value after '='")
        if name in point:
            raise PointError(f"--at gives {name!r} twice")
        point[name] = _value(name, value)
    return point


def read_csv_points(path: str | Path) -> dict[str, Any]:
    """A CSV file with a header of input names: one point per row, as arrays."""
    import numpy as np

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise PointError(f"cannot read points from {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PointError(f"{path} is not a UTF-8 text file") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if len(rows) < 2:
        raise PointError(f"{path} needs a header row of input names and at least one row")
    header = [h.strip() for h in rows[0]]
    for h in header:
        if not h.isidentifier():
            raise PointError(f"{path}: header {h!r} is not an input name")
    columns: list[list[float]] = [[] for _ in header]
    for lineno, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise PointError(f"{path}, line {lineno}: {len(row)} values for {len(header)} names")
        for col, cell in zip(columns, row):
            try:
                col.append(float(cell))
            except ValueError:
                raise PointError(f"{path}, line {lineno}: {cell.strip()!r} is not a number") \
                    from None
    return {h: np.asarray(c, dtype=float) for h, c in zip(header, columns)}


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _value(name: str, text: str) -> Any:
    if text.count(":") == 2:
        return _range(name, text)
    try:
        return float(text)
    except ValueError:
        pass
    return constant_expression(text, f"--at {name}")


def _range(name: str, text: str) -> Any:
    import numpy as np

    lo, hi, count = (p.strip() for p in text.split(":"))
    start = constant_expression(lo, f"--at {name}")
    stop = constant_expression(hi, f"--at {name}")
    try:
        n = int(count)
    except ValueError:
        raise PointError(f"--at {name}={text}: the count {count!r} must be a whole number") \
            from None
    if not 1 <= n <= MAX_POINTS:
        raise PointError(f"--at {name}={text}: the count must be between 1 and {MAX_POINTS:,}")
    return np.linspace(start, stop, n)


def constant_expression(text: str, what: str) -> float:
    """The value of a constant expression such as ``pi/4``, read with diffx's own parser."""
    from . import engine
    from .parser import parse

    try:
        graph = parse(text)
    except DiffxError as exc:
        first = str(exc).splitlines()[0]
        raise PointError(f"{what}={text}: not a number ({first})") from None
    if graph.inputs:
        raise PointError(f"{what}={text}: not a number (it uses the name "
                         f"{graph.inputs[0]!r}; a value must be a number or a constant "
                         "expression like pi/4)")
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
    broadcast).
    """
    if isinstance(at, str):
        at = parse_point(at)
    if not isinstance(at, dict):
        raise PointError(f"a point must be a dict of input values or 'a=4,b=3' text, "
                         f"not {type(at).__name__}")
    unknown = [k for k in at if k not in graph.input_nodes]
    if unknown:
        hint = _not_input_hint(graph, unknown[0])
        raise PointError(f"--at names {unknown[0]!r}, which is not an input of the expression"
                         f"{hint}")
    missing = [k for k in graph.inputs if k not in at]
    if missing:
        example = ",".join(f"{k}=1" for k in missing)
        raise PointError(f"--at has no value for input{'s' * (len(missing) > 1)} "
                         f"{', '.join(repr(k) for k in missing)}; add {example}")
    point: dict[str, Any] = {}
    for name in graph.inputs:
        value = at[name]
        if isinstance(value, bool) or value is None:
            raise PointError(f"--at {name}: {value!r} is not a number")
        if isinstance(value, int | float):
            try:
                point[name] = float(value)
            except OverflowError:
                raise PointError(f"--at {name}: the number is too large for a float") from None
            if not math.isfinite(point[name]):
                raise PointError(f"--at {name}: values must be finite numbers")
    if len(point) == len(graph.inputs):
        return point, False  # the common case: plain numbers, no numpy needed
    return _normalize_arrays(graph, at, point)


def _normalize_arrays(graph: Graph, at: dict[str, Any], point: dict[str, Any]
                      ) -> tuple[dict[str, Any], bool]:
    import numpy as np

    shapes = set()
    for name in graph.inputs:
        value = at[name]
        if isinstance(value, int | float):
            continue
        if isinstance(value, np.generic) and value.ndim == 0:
            if np.iscomplexobj(value):
                raise PointError(f"--at {name}: complex values are not supported")
            point[name] = float(value)
            continue
        if isinstance(value, str):
            point[name] = _value(name, value)
            if isinstance(point[name], float):
                continue
            value = point[name]
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise PointError(f"--at {name}: {_short(value)} is not a number or an array of "
                             "numbers") from None
        if arr.ndim == 0:
            point[name] = float(arr)
            continue
        if arr.size == 0:
            raise PointError(f"--at {name}: the array of points is empty")
        point[name] = arr
        shapes.add(arr.shape)
    if len(shapes) > 1:
        raise PointError("--at arrays must all have the same shape, got "
                         + ", ".join(str(s) for s in sorted(shapes)))
    if shapes:
        shape = shapes.pop()
        for name, value in point.items():
            if isinstance(value, float):
                point[name] = np.full(shape, value)
    for name, value in point.items():
        bad = not math.isfinite(value) if isinstance(value, float) else \
            not bool(np.all(np.isfinite(value)))
        if bad:
            raise PointError(f"--at {name}: values must be finite numbers")
    return point, bool(shapes) or any(not isinstance(v, float) for v in point.values())


def _not_input_hint(graph: Graph, name: str) -> str:
    inputs = ", ".join(graph.inputs) if graph.inputs else "none"
    if name in graph.assigned:
        return (f" ({name!r} is assigned in the program; its value comes from the inputs: "
                f"{inputs})")
    return f"; the inputs are: {inputs}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
