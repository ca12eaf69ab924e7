"""The op table as the machine parser (diffx.parse_machine) reads it: plain arrays."""

from __future__ import annotations

import functools
from typing import Any

from . import ops as _ops


@functools.lru_cache(maxsize=1)
def tables() -> tuple[Any, ...]:
    """The op table as the machine parser reads it: per byte a binary operator's code,
    precedence and associativity; the reserved names (:func:`reserved_names`) back to back,
    with their op code and arity."""
    import numpy as np

    code = np.zeros(256, np.int64)
    prec = np.zeros(256, np.int64)
    right = np.zeros(256, np.int64)
    for symbol, op in _ops.BY_SYMBOL.items():
        if len(symbol) == 1:
            code[ord(symbol)], prec[ord(symbol)], right[ord(symbol)] = \
                op.code, op.precedence, op.right
    reserved = [(name, code, arity) for name, code, arity in reserved_names()]
    blob = "".join(name for name, _, _ in reserved).encode("ascii")
    ends = np.cumsum([len(name) for name, _, _ in reserved]).astype(np.int64)
    return (code, prec, right, _ops.UNARY_PRECEDENCE, _ops.BY_NAME["neg"].code,
            np.frombuffer(blob, np.uint8), ends,
            np.array([c for _, c, _ in reserved], np.int64),
            np.array([a for _, _, a in reserved], np.int64))


@functools.lru_cache(maxsize=1)
def reserved_names() -> list[tuple[str, int, int]]:
    """(name, op code, arity) of the names the machine parser knows: the op table's functions,
    then the named constants (code -2). A call of any other name, ``ln`` and the block
    functions among them, is refused as an unknown function; used as values they are names
    like any other, as for the parser."""
    return [(name, op.code, op.arity) for name, op in _ops.FUNCTIONS.items()] + \
        [(name, -2, 0) for name in _ops.CONSTANTS]
