"""Vector and matrix values: the ``Value`` marker and the reader of bracket literals.

``Value(array)`` says *one value of this shape, not a batch of points*: a plain array in a
point still means many points of a scalar program. From the command line a vector or matrix
is a bracket literal, row-major nested lists as in numpy: ``x=[1,-2]``,
``W=[[0.1,0.2],[-0.3,0.4]]``. Each entry is a plain number or a constant expression
(``pi/4``), read by the caller's own number reader (diffx.points), never by Python. The
reader is one loop with an explicit stack (no recursion): at most 2 dimensions, rows of one
length, no empty vector, every ``[`` closed; a malformed literal is an error that points at
its column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from .errors import ParseError, PointError, option

MAX_DIMENSIONS = 2  # vectors and matrices
MAX_DIMENSION = 1_000_000_000  # the largest length of one axis in a declared shape


class Value(NamedTuple):
    """One value of the shape of ``array`` (a vector, a matrix), not a batch of points."""

    array: Any  # np.ndarray of float64


class _Open(NamedTuple):
    """A ``[`` not closed yet: where it is and what it has gathered so far."""

    at: int  # offset of the '[' in the value text
    items: list[Any]  # numbers, or rows (lists of numbers) for a matrix
    first: int  # offset of the first entry (for messages about this row)


def read_brackets(text: str, number: Callable[[str, int, tuple[int, ...]], float],
                  fail: Callable[..., Exception]) -> Any:
    """The float64 array written by the bracket literal ``text`` (which starts with ``[``).

    ``number(entry, offset, index)`` reads one entry found at ``offset`` of ``text``, at
    position ``index`` of the array (``(1,)``, or ``(row, column)``), so its errors name it;
    ``fail(reason, offset, length)`` makes the error for a problem at ``offset`` of ``text``.
    """
    import numpy as np

    stack: list[_Open] = []
    result: list[Any] | None = None
    expect_entry = True  # after '[' or ',': an entry; after an entry: ',' or ']'
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        ch = text[i]
        if result is not None:
            raise fail("unexpected text after the closing ']'", i, n - i)
        if not stack:
            if ch != "[":
                raise fail("a vector or matrix starts with '['", i)
            stack.append(_Open(i, [], _skip_space(text, i + 1)))
            i += 1
            continue
        top = stack[-1]
        if not expect_entry:
            if ch == ",":
                expect_entry = True
                i += 1
                continue
            if ch != "]":
                raise fail(f"expected ',' or ']' here, found {ch!r}", i)
            stack.pop()
            i += 1
            if not stack:
                result = top.items
                continue
            _add_row(stack[-1], top, i, fail)
            continue
        if ch == "[":
            if len(stack) == MAX_DIMENSIONS:
                raise fail("at most 2 dimensions (vectors and matrices)", stack[0].at)
            if _holds(stack, float):
                raise fail(f"entry {len(top.items)} is a row, but entry 0 is a number; a "
                           "vector's entries are numbers", i)
            stack.append(_Open(i, [], _skip_space(text, i + 1)))
            i += 1
            continue
        if ch == "]" and not top.items:
            raise fail(f"an empty {'row' if len(stack) > 1 else 'vector'} has no entries",
                       top.at)
        if ch in ",]":
            raise fail(f"an entry is missing before {ch!r}", i)
        end = _entry_end(text, i)
        if _holds(stack, list):
            raise fail(f"row {len(top.items)} is a number, but row 0 is a list; write each row "
                       "of a matrix in brackets", i, end - i)
        if end < n and text[end] == "[":
            raise fail("'[' inside an entry; separate entries with ','", end)
        entry = text[i:end].rstrip()
        index = tuple(len(o.items) for o in stack)
        top.items.append(number(entry, i, index))
        i = end
        expect_entry = False
    if stack:
        raise fail("'[' is never closed", stack[-1].at)
    if result is None:
        raise fail("a vector or matrix starts with '['", 0)
    return np.array(result, dtype=float)


def _add_row(parent: _Open, row: _Open, end: int,
             fail: Callable[..., Exception]) -> None:
    """Append the closed ``row`` (which ended before ``end``) to its matrix."""
    if parent.items and len(row.items) != len(parent.items[0]):
        length, first = len(row.items), len(parent.items[0])
        raise fail(f"row {len(parent.items)} has {length} entr{'y' if length == 1 else 'ies'}, "
                   f"row 0 has {first}", row.first, max(1, end - 1 - row.first))
    parent.items.append(row.items)


def _holds(stack: list[_Open], kind: type) -> bool:
    """Whether the innermost open bracket already holds items of ``kind`` (float or list)."""
    return bool(stack) and bool(stack[-1].items) and isinstance(stack[-1].items[0], kind)


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _entry_end(text: str, i: int) -> int:
    """Where the entry starting at ``i`` ends: at the first ',', ']' or '[' outside
    parentheses (``max(1, 2)`` is one entry), or at the end of the text."""
    depth = 0
    for j in range(i, len(text)):
        ch = text[j]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth <= 0 and ch in ",][":
            return j
    return len(text)


def value_array(name: str, value: Value) -> Any:
    """The array of a ``Value`` given in a point, checked: real, finite, not empty, at most
    2 dimensions."""
    import numpy as np

    arr = real_array(name, value.array)
    if arr.ndim > MAX_DIMENSIONS:
        raise PointError(f"{option('at')} {name}: at most 2 dimensions (vectors and matrices), "
                         f"got shape {arr.shape}")
    if arr.size == 0:
        raise PointError(f"{option('at')} {name}: an empty {_kind(arr.shape)} has no entries")
    if not bool(np.all(np.isfinite(arr))):
        raise PointError(f"{option('at')} {name}: values must be finite numbers")
    return arr


def _kind(shape: tuple[int, ...]) -> str:
    return {0: "scalar", 1: "vector"}.get(len(shape), "matrix")


def parse_shapes(text: str) -> dict[str, tuple[int, ...]]:
    """Read ``W1=2x3,x=3,c=1x3`` into ``{"W1": (2, 3), "x": (3,), "c": (1, 3)}``; ``s=`` or
    ``s=()`` declares a scalar. An error names the entry and points at its column."""
    if not isinstance(text, str):
        raise PointError(f"{option('shapes')} must be text such as W=2x3,x=3, not "
                         f"{type(text).__name__}", param="shapes")
    if not text.strip():
        raise PointError(f"{option('shapes')} is empty; write name=shape pairs such as "
                         "W=2x3,x=3", param="shapes")
    shapes: dict[str, tuple[int, ...]] = {}
    start = 0
    for item in text.split(","):
        at, start = start, start + len(item) + 1
        entry = item.strip()
        at += len(item) - len(item.lstrip())

        def fail(reason: str, offset: int, length: int = 1) -> PointError:
            where = ParseError(reason, text, offset, length)
            return PointError(f"{option('shapes')} entry {entry!r}: {where}", param="shapes")

        if not entry:
            raise PointError(f"{option('shapes')} {text!r} has an empty entry; separate "
                             "entries with one ','", param="shapes")
        name, eq, dims = entry.partition("=")
        name = name.strip()
        if not eq:
            raise fail(f"no shape; write {entry}=3 for a vector or {entry}=2x3 for a matrix",
                       at + len(entry))
        if not name.isidentifier() or not name.isascii():
            raise fail(f"{name!r} is not an input name", at, max(1, len(name)))
        if name in shapes:
            raise fail(f"{name!r} is given twice", at, len(name))
        shapes[name] = _dims(dims, at + entry.index("=") + 1, fail)
    return shapes


def _dims(text: str, at: int, fail: Callable[..., PointError]) -> tuple[int, ...]:
    """The shape written ``2x3``, ``3``, ``()`` or nothing, found at offset ``at``."""
    if text.strip() in ("", "()"):
        return ()
    dims: list[int] = []
    for part in text.split("x"):
        offset = at + len(part) - len(part.lstrip())
        at += len(part) + 1
        digits = part.strip()
        if not digits.isascii() or not digits.isdigit():
            shown = f"{digits!r} is not" if digits else "a length is missing:"
            raise fail(f"{shown} a whole number; write a shape as 3 (a vector) or 2x3 (a "
                       "matrix)", offset, max(1, len(digits)))
        if len(digits) > 10 or not 1 <= int(digits) <= MAX_DIMENSION:
            raise fail(f"a length must be between 1 and {MAX_DIMENSION:,}", offset, len(digits))
        dims.append(int(digits))
    if len(dims) > MAX_DIMENSIONS:
        raise fail("at most 2 dimensions (vectors and matrices)", at - len(text) - 1,
                   len(text))
    return tuple(dims)


def declared_shapes(point: dict[str, Any], shapes: dict[str, tuple[int, ...]] | None = None
                    ) -> dict[str, tuple[int, ...]]:
    """The declared shape of each input: from ``shapes`` and from every ``Value`` in
    ``point``; a value whose shape differs from the one declared for it is an error."""
    out = {name: tuple(shape) for name, shape in (shapes or {}).items()}
    for name, value in point.items():
        if not isinstance(value, Value):
            continue
        shape = tuple(value_array(name, value).shape)
        if name in out and out[name] != shape:
            raise PointError(f"{option('at')} {name} has shape {shape}, but {option('shapes')} "
                             f"declares {name} with shape {out[name]}")
        out[name] = shape
    return out


def real_array(name: str, value: Any) -> Any:
    """``value`` as a float64 array, refusing what float conversion would silently change:
    complex numbers (the imaginary part dropped), booleans, bytes (read as character codes)
    and masked entries (their hidden data used)."""
    import numpy as np

    def not_a_number() -> PointError:  # the message shows the value: built only when raised
        return PointError(f"{option('at')} {name}: {_short(value)} is not a number or an array "
                          "of numbers")

    if isinstance(value, bytes | bytearray | memoryview):
        raise not_a_number()
    try:
        raw = value if isinstance(value, np.ndarray) else np.asarray(value)
        if np.iscomplexobj(raw):
            raise PointError(f"{option('at')} {name}: complex values are not supported (diffx "
                             "differentiates real functions at real points)")
        kind = raw.dtype.kind  # b: bool, S/U: text, V: raw, M/m: dates, O: Python objects
        if kind in "bSUVMm" or kind == "O" and any(
                isinstance(v, bool | complex | np.bool_ | bytes | str) for v in raw.flat):
            raise not_a_number()
        if np.ma.is_masked(value):
            raise PointError(f"{option('at')} {name}: the array has masked entries; pass only the "
                             "points to use")
        return np.asarray(raw, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise not_a_number() from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
