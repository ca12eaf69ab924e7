"""``parse``: source text to a scalar Graph, or to a VectorProgram for vector notation.

The scalar parser (diffx.parser) runs first, on its hot path. A program that uses ``@``, ``.T``,
an index or a block function (``sum``, ``dot``, ...), or whose inputs are given shapes, is read
again at the block level (diffx.blocks) and becomes a :class:`~diffx.vectors.VectorProgram`.
"""

from __future__ import annotations

from collections.abc import Mapping

from .blocks import BlockBuilder
from . import blockops as _blockops
from .errors import DiffxError, ParseError
from .graph import Graph
from .lexer import END, LBRACK, MATMUL, NAME, TRANSPOSE, describe, tokens
from . import parse_errors as _errors
from . import parse_big
from .parser import parse_text
from .vector_syntax import NeedsBlocks
from .vectors import VectorProgram


def parse(source: str | Graph | VectorProgram,
          shapes: Mapping[str, tuple[int, ...]] | None = None) -> Graph | VectorProgram:
    r"""Parse an expression or program into a :class:`Graph` (a Graph is returned unchanged),
    or, for a program in vector notation (``@``, ``W.T``, ``v[0]``, ``sum(...)``) or when
    ``shapes`` gives an input a shape, into a :class:`~diffx.vectors.VectorProgram`.

    A leading byte-order mark is dropped and ``\r\n`` or a lone ``\r`` ends a line like
    ``\n`` (the graph's ``source`` is the text so normalised).

    >>> g = parse("c = a + b; d = a * c")
    >>> g.inputs, g.output_name, g.size
    (('a', 'b'), 'd', 4)
    """
    if isinstance(source, Graph) and not shapes:
        return source
    if isinstance(source, VectorProgram):
        return source.with_shapes(shapes) if shapes else source
    if isinstance(source, Graph):
        source = source.source
    if not isinstance(source, str):
        raise DiffxError(f"expected source text or a Graph, got {type(source).__name__}")
    text = normalize_source(source)
    if not shapes:
        try:  # a big program, where the compiled tier reads it: in machine code
            return parse_big.parse(text) or parse_text(text)
        except NeedsBlocks:
            pass  # vector notation: parse again at the block level
    program = VectorProgram(parse_text(text, BlockBuilder(text)), shapes)
    if all(name in program.given for name in program.inputs):
        program.node_shapes  # every shape is known (0 @ 0): a mismatch is a ParseError now
    return program


def parse_expression(source: str) -> Graph:
    """Parse exactly one expression: no ``;``, no new line, no ``name = ...``.

    For text that must be a single value or formula (a point's value, a claim); the error
    points at the ``;``, line end or ``=`` that would start or name a statement.

    >>> parse_expression("pi/4").inputs
    ()
    """
    if not isinstance(source, str):
        raise DiffxError(f"expected an expression as text, got {type(source).__name__}")
    source = normalize_source(source)
    _errors.check_one_expression(source)
    try:
        return parse_text(source)
    except NeedsBlocks:
        raise _no_vectors_here(source) from None


def _no_vectors_here(source: str) -> ParseError:
    """The error for vector notation in a single expression: at its first ``@``, ``[``,
    ``.T``/``ᵀ`` or call of a block function (where the scalar parse stopped)."""
    for kind, text, start, end in tokens(source):
        if kind == END:
            break
        if kind in (MATMUL, LBRACK, TRANSPOSE) or (
                kind == NAME and text in _blockops.FUNCTIONS):
            return ParseError(f"{describe((kind, text, start, end))} cannot appear here: this "
                              "must be one scalar expression (vector notation is for programs)",
                              source, start, max(1, end - start))
    return ParseError("vector notation cannot appear here: this must be one scalar expression",
                      source, 0)


def normalize_source(source: str) -> str:
    r"""Drop a leading byte-order mark; ``\r\n`` and a lone ``\r`` become ``\n``."""
    if source.startswith("\ufeff"):
        source = source[1:]
    if "\r" in source:
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    return source


def parse_graph(source: str | Graph | VectorProgram) -> Graph:
    """The scalar Graph of a program: itself, or the expansion of a vector program (whose
    inputs then need their shapes)."""
    program = parse(source)
    return program.scalar if isinstance(program, VectorProgram) else program
