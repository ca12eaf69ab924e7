"""Vectors and matrices as text: a vector program's gradients (or formulas) printed in the
shape of the input they belong to, numpy's row-major layout, columns aligned. Vectors of more
than ``MAX_SHOWN`` entries and matrices larger than ``MAX_SHOWN`` x ``MAX_SHOWN`` are elided
with ``…`` (``--json`` gives every entry). Formatting only, no computing."""

from __future__ import annotations

from typing import Any

from .text import number

MAX_SHOWN = 8  # entries per axis shown in full; past it, the first 4 and the last 3
HEAD, TAIL = 4, 3
DIGITS = 6


def _picks(n: int) -> list[int | None]:
    """Which indices of an axis of length ``n`` to show (None: the elision mark)."""
    if n <= MAX_SHOWN:
        return list(range(n))
    return [*range(HEAD), None, *range(n - TAIL, n)]


def _cell(v: Any) -> str:
    return v if isinstance(v, str) else number(v, DIGITS)


def array_lines(value: Any) -> list[str]:
    """A vector as one line ``[0 4 8 12]``; a matrix as one line per row, numpy-style
    ``[[a b]`` / `` [c d]]``; a number as itself. Entries are right-aligned per column."""
    import numpy as np

    arr = np.asarray(value, dtype=object if _is_text(value) else float)
    if arr.ndim == 0:
        return [_cell(arr.item())]
    if arr.ndim > 2:  # a Jacobian of a matrix output: its slices, numpy-style
        return _slices(arr)
    rows = [arr] if arr.ndim == 1 else [arr[i] if i is not None else None
                                        for i in _picks(arr.shape[0])]
    cols = _picks(arr.shape[-1])
    cell = _cell
    if arr.dtype.kind == "f" and bool(np.any(arr < 0)):  # numpy's room for the sign
        def cell(v: Any) -> str:
            return _cell(v) if v < 0 else " " + _cell(v)
    table = [None if row is None else
             [cell(row[j]) if j is not None else "…" for j in cols] for row in rows]
    widths = [max(len(r[k]) for r in table if r is not None) for k in range(len(cols))]
    texts = [None if r is None else " ".join(c.rjust(w) for c, w in zip(r, widths))
             for r in table]
    if arr.ndim == 1:
        return [f"[{texts[0]}]"]
    lines = []
    for k, text in enumerate(texts):
        inner = "…" if text is None else f"[{text}]"
        lines.append(("[" if k == 0 else " ") + inner + ("]" if k == len(texts) - 1 else ""))
    return lines


def _slices(arr: Any) -> list[str]:
    """An array of 3 or more axes as its slices along the first, a blank line between."""
    picks = _picks(arr.shape[0])
    lines: list[str] = []
    for k, i in enumerate(picks):
        inner = ["…"] if i is None else array_lines(arr[i])
        if k:
            lines.append("")
        lines += [("[" if k == 0 else " ") + line if j == 0 else " " + line if line else ""
                  for j, line in enumerate(inner)]
    lines[-1] += "]"
    return lines


def _is_text(value: Any) -> bool:
    """A formula, or an array of formulas (numbers are floats)."""
    dtype = getattr(value, "dtype", None)
    return isinstance(value, str) or dtype is not None and dtype.kind == "O"


def shape_text(shape: tuple[int, ...]) -> str:
    """``(2, 2)``, ``(4,)``, ``()``: numpy's way of writing a shape."""
    return str(tuple(shape))


def gradient_lines(out_name: str, w: str, value: Any, shape: tuple[int, ...],
                   indent: str = "", layout: str = "") -> list[str]:
    """``∂L/∂W1  shape (2, 2)`` and its matrix under it; a vector or a number on the same
    line. A batch of points (extra leading axes) shows its first point and says so. A
    Jacobian names its ``layout`` after its shape (``(numerator layout: rows are y, columns
    are x)``)."""
    head = f"{indent}∂{out_name}/∂{w}"
    if value is None:
        return [f"{head}  —"]
    import numpy as np

    arr = np.asarray(value, dtype=object if _is_text(value) else float)
    batch = arr.shape[:arr.ndim - len(shape)]
    where = ""
    if batch:
        where = f"  (at the first of {int(np.prod(batch)):,} points, batch shape {batch})"
        arr = arr[(0,) * len(batch)]
    if not shape:
        return [f"{head}  {array_lines(arr)[0]}{where}"]
    lines = array_lines(arr)
    head = f"{head}  shape {shape_text(shape)}{f' ({layout})' if layout else ''}{where}"
    if len(shape) == 1:
        return [f"{head}  {lines[0]}"]
    return [head, *(f"{indent}  {line}" if line else "" for line in lines)]


def value_lines(name: str, value: Any, shape: tuple[int, ...]) -> list[str]:
    """``y = [-2 -2]``, or ``y  shape (2, 3)`` with its matrix under it; a batch of points
    shows its first point and says so; a number is ``L = 0.605``."""
    import numpy as np

    if not shape:
        return [f"{name} = {number(value)}"]
    arr = np.asarray(value, dtype=float)
    batch = arr.shape[:arr.ndim - len(shape)]
    where = ""
    if batch:
        where = f"  (at the first of {int(np.prod(batch)):,} points, batch shape {batch})"
        arr = arr[(0,) * len(batch)]
    lines = array_lines(arr)
    if len(shape) == 1:
        return [f"{name} = {lines[0]}{where}"]
    return [f"{name}  shape {shape_text(shape)}{where}",
            *(f"  {line}" if line else "" for line in lines)]


def point_line(point: dict[str, Any], shapes: dict[str, tuple[int, ...]]) -> str:
    """``at W1 (2, 2), x (2,), lr=0.1``: matrices and vectors by their shape, numbers by
    their value (a batch by its number of points)."""
    import numpy as np

    parts = []
    for name, value in point.items():
        shape = shapes.get(name, ())
        batch = np.shape(value)[:np.ndim(value) - len(shape)]
        points = f" ({int(np.prod(batch)):,} points)" if batch else ""
        if shape or batch:
            parts.append(f"{name}{' ' + shape_text(shape) if shape else ''}{points}")
        else:
            parts.append(f"{name}={number(value, 10)}")
    return "at " + ", ".join(parts)
