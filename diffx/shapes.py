"""Shapes of vector and matrix values: numpy's rules, stated once, with diffx's wording.

A shape is a tuple of whole numbers: ``()`` a scalar, ``(3,)`` a vector, ``(2, 3)`` a matrix
(rows, columns). Values have at most two dimensions. ``broadcast`` is numpy's rule for
elementwise operations (a scalar goes with anything; otherwise the shapes align from the right
and a 1 stretches); ``matmul_shape`` is ``@``'s. Each raises ``ShapeProblem`` with a sentence
that the parser turns into an error at the operator's column.
"""

from __future__ import annotations

Shape = tuple[int, ...]
MAX_DIMENSIONS = 2


class ShapeProblem(ValueError):
    """Two shapes that do not go together; the text says why (no position: the caller's)."""


def describe(shape: Shape) -> str:
    """``(2, 3)``, ``(3,)`` or ``()``, as numpy prints a shape."""
    return str(tuple(shape))


def size(shape: Shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def broadcast(x: Shape, y: Shape) -> Shape:
    """The shape of an elementwise operation on ``x`` and ``y`` (numpy broadcasting)."""
    if x == y:
        return x
    out: list[int] = []
    for i in range(1, max(len(x), len(y)) + 1):
        a = x[-i] if i <= len(x) else 1
        b = y[-i] if i <= len(y) else 1
        if a != b and a != 1 and b != 1:
            raise ShapeProblem(f"shapes {describe(x)} and {describe(y)} cannot be broadcast "
                               "together")
        out.append(b if a == 1 else a)
    return tuple(reversed(out))


def matmul_shape(x: Shape, y: Shape) -> Shape:
    """The shape of ``x @ y``: matrix-matrix, matrix-vector, vector-matrix or the dot product
    of two vectors (a scalar)."""
    if not x or not y:
        raise ShapeProblem(f"@ needs vectors or matrices, got shapes {describe(x)} and "
                           f"{describe(y)}")
    inner_x = x[-1]
    inner_y = y[0]
    if inner_x != inner_y:
        left = f"{inner_x} columns" if len(x) == 2 else f"{inner_x} entries"
        right = f"{inner_y} rows" if len(y) == 2 else f"{inner_y} entries"
        raise ShapeProblem(f"shapes {describe(x)} and {describe(y)} do not match (the left "
                           f"side has {left}, the right side {right})")
    return x[:-1] + y[1:]


def parse_index(shape: Shape, index: tuple[int, ...]) -> tuple[tuple[int, ...], Shape]:
    """Whole-number indices into ``shape`` (negative ones count from the end, as numpy's), made
    non-negative, and the shape of what they select (``W[1]`` is a row)."""
    if not shape:
        raise ShapeProblem("a scalar cannot be indexed")
    if len(index) > len(shape):
        raise ShapeProblem(f"too many indices: {len(index)} for shape {describe(shape)}, which "
                           f"has {len(shape)} axes")
    fixed = []
    for i, d in zip(index, shape):
        if not -d <= i < d:
            raise ShapeProblem(f"index {i} is out of range for shape {describe(shape)}")
        fixed.append(i + d if i < 0 else i)
    return tuple(fixed), shape[len(index):]
