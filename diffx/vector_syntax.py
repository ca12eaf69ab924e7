"""The vector notation's part of the grammar: what the scalar parser hands to the block level.

``diffx.parser`` reads scalar programs on its hot path and never looks at vector notation;
the first ``@``, ``[``, ``.T``/``ᵀ`` or call of a block function (``sum(``, ``dot(``, ...)
raises ``NeedsBlocks``, and the program is parsed again with a ``diffx.blocks.BlockBuilder``.
This module holds that signal, the call entry of a block function, and the reader of an
index (``v[0]``, ``W[1,0]``, ``v[-1]``: whole numbers only, 0-based as numpy's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .errors import ParseError
from .lexer import COMMA, END, NUM, OP, RBRACK, SEP, Token, describe


class NeedsBlocks(Exception):
    """The scalar parse met vector notation: parse again at the block level."""


class BlockCall(NamedTuple):
    """A call to a block function (``sum``, ``dot``, ...), as the parser's call entry holds
    it (the same fields it reads from a scalar op)."""

    name: str
    arity: int
    code: int


def read_index(read: Callable[[], Token], source: str, start: int) -> tuple[int, ...]:
    """The whole numbers of an index after the ``[`` at ``start``, up to its ``]``; a new line
    inside the brackets continues the index, as inside parentheses."""
    def next_token() -> Token:
        tok = read()
        while tok[0] == SEP and tok[1] == "\n":
            tok = read()
        return tok

    index: list[int] = []
    while True:
        sign, item = 1, next_token()
        if item[0] == OP and item[1] in "-+":
            sign, item = (-1 if item[1] == "-" else 1), next_token()
        if item[0] == RBRACK:
            raise ParseError("an index needs a whole number here", source, item[2])
        if item[0] != NUM or not item[1].isdigit():
            if item[0] in (SEP, END):
                raise ParseError("'[' is never closed", source, start)
            raise ParseError(f"index takes whole numbers, got {describe(item)} (slices are "
                             "not supported; write W[1] for a row or W.T[0] for a column)",
                             source, item[2], max(1, len(item[1])))
        index.append(sign * int(item[1]))
        after = next_token()
        if after[0] == RBRACK:
            return tuple(index)
        if after[0] in (SEP, END):
            raise ParseError("'[' is never closed", source, start)
        if after[0] != COMMA:
            raise ParseError(f"expected ',' or ']' in the index, got {describe(after)}",
                             source, after[2])
