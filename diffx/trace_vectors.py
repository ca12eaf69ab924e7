"""A vector program for the teaching commands: ``diffx trace`` shows its scalar expansion
(one row per element, ``W[0,1]``), its inputs shaped by their values in the point; the quiz
names the inputs that make a program a vector one when it refuses it."""

from __future__ import annotations

from typing import Any

from .errors import DiffxError
from .graph import Graph


def array_inputs(at: Any) -> dict[str, tuple[int, ...]]:
    """The inputs ``at`` gives a vector or matrix value, with their shapes."""
    import numpy as np

    if not isinstance(at, dict):
        return {}
    shapes = {}
    for name, value in at.items():
        try:
            shape = np.shape(value)
        except ValueError:  # ragged lists: the point's own reader says what is wrong
            continue
        if shape:
            shapes[str(name)] = tuple(int(n) for n in shape)
    return shapes


def scalar_program(source: Any, at: Any) -> tuple[Graph, Any]:
    """The scalar graph a trace shows and its point: a vector program (``W @ x`` with ``W``
    and ``x`` given as arrays) through its scalar expansion, one row per element
    (``W[0,1]``), the point in element values."""
    from .program import parse

    shapes = array_inputs(at)
    try:
        program = parse(source)
    except DiffxError:
        if not shapes or not isinstance(source, str):
            raise
        program = parse(source, shapes=shapes)  # a vector program, shaped by its point
    if isinstance(program, Graph):
        return program, at  # arrays in the point are points (one, or too many for a trace)
    if shapes:
        program = program.with_shapes(shapes)
    if at is not None:
        at = program.element_point(at)
    return program.scalar, at
