"""The block program: a vector or matrix program with one node per whole-array operation.

``z = W1 @ x + b1; h = sigmoid(z)`` is kept at this level, as the lecture writes it: a node is
an input (a name), a constant, a scalar op of ``diffx.ops`` applied elementwise, or a block op
of ``diffx.blockops`` (``@``, transpose, indexing, ``sum``, ...). The parser builds it through
``BlockBuilder``, which has ``GraphBuilder``'s interface (so the one shunting-yard loop of
``diffx.parser`` drives both) and shares identical nodes the same way. Each node keeps the
source offset of its operator, so that ``infer`` -- the shapes of every node from the shapes of
the inputs, one loop in node order -- reports a mismatch at its column:

    W1 @ x: shapes (2, 3) and (2,) do not match (...) at column 4

An input with no shape given is a scalar. ``diffx.expand`` turns a block program with its
shapes into the ordinary scalar ``Graph`` every method understands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import blockops as _blockops
from . import ops as _ops
from .errors import ParseError, option
from .ops import CONST, INPUT
from .shapes import Shape, ShapeProblem, describe, parse_index


@dataclass(frozen=True)
class BlockProgram:
    """A parsed vector program (see the module docstring); immutable."""

    source: str
    code: tuple[int, ...]  # INPUT, CONST, a scalar op code (elementwise) or a block op code
    args: tuple[tuple[int, ...], ...]
    attr: tuple[Any, ...]  # input name | (value, text) | index tuple | None
    at: tuple[int, ...]  # source offset of the node's operator, -1 where unknown
    assigned: dict[str, int]  # statement targets -> node, in program order
    statements: tuple[tuple[str | None, int, int], ...]  # (target, node, offset)
    output: int
    inputs: tuple[str, ...] = field(default=())  # input names in order of first use

    @property
    def output_name(self) -> str | None:
        return self.statements[-1][0] if self.statements else None

    def __len__(self) -> int:
        return len(self.code)

    def name_of(self, node: int) -> str | None:
        """The input's name or the last statement target naming ``node``, else None."""
        if self.code[node] == INPUT:
            return str(self.attr[node])
        found = None
        for name, k in self.assigned.items():
            if k == node:
                found = name
        return found


class BlockBuilder:
    """Builds a BlockProgram node by node; the parser's builder in vector mode."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.code: list[int] = []
        self.args: list[tuple[int, ...]] = []
        self.attr: list[Any] = []
        self.at: list[int] = []
        self.leaf: dict[int, Any] = {}
        self.assigned: dict[str, int] = {}
        self.statements: list[tuple[str | None, int, int]] = []
        self._shared: dict[tuple[Any, ...], int] = {}

    @property
    def n_statements(self) -> int:
        return len(self.statements)

    def _node(self, code: int, args: tuple[int, ...], attr: Any, at: int) -> int:
        key = (code, args, attr)
        node = self._shared.get(key)
        if node is None:
            node = self._shared[key] = len(self.code)
            self.code.append(code)
            self.args.append(args)
            self.attr.append(attr)
            self.at.append(at)
        return node

    def input(self, name: str) -> int:
        node = self._node(INPUT, (), name, -1)
        self.leaf[node] = name
        return node

    def const(self, value: float, text: str) -> int:
        node = self._node(CONST, (), (value, text in _ops.CONSTANTS), -1)
        self.leaf.setdefault(node, (value, text))
        return node

    def is_literal(self, node: int) -> bool:
        return self.code[node] == CONST and self.leaf[node][1] not in _ops.CONSTANTS

    def node(self, code: int, a: int, b: int = -1, at: int = -1) -> int:
        """``code(a, b)`` for a scalar op (elementwise) or a block op; ``norm`` (code -1) is
        spelled ``sqrt(sum(a^2))``."""
        if code == -1:
            square = self._node(_ops.BY_NAME["pow"].code, (a, self.const(2.0, "2")), None, at)
            total = self._node(_blockops.SUM, (square,), None, at)
            return self._node(_ops.BY_NAME["sqrt"].code, (total,), None, at)
        return self._node(code, (a,) if b == -1 else (a, b), None, at)

    def index(self, x: int, index: tuple[int, ...], at: int) -> int:  # vector mode only
        return self._node(_blockops.INDEX, (x,), index, at)

    def statement(self, name: str | None, node: int, offset: int = 0) -> None:
        if name is not None:
            self.assigned[name] = node
        self.statements.append((name, node, offset))

    def finish(self) -> BlockProgram:
        inputs = tuple(self.attr[k] for k, c in enumerate(self.code) if c == INPUT)
        attr = tuple(self.leaf.get(k, a) if c == CONST else a
                     for k, (c, a) in enumerate(zip(self.code, self.attr)))
        return BlockProgram(self.source, tuple(self.code), tuple(self.args), attr,
                            tuple(self.at), dict(self.assigned), tuple(self.statements),
                            self.statements[-1][1], inputs)


def infer(program: BlockProgram, shapes: Mapping[str, Shape]) -> tuple[Shape, ...]:
    """The shape of every node, from the inputs' ``shapes`` (an input not given is a scalar);
    a mismatch is a ParseError at the operator's column."""
    out: list[Shape] = []
    for k, code in enumerate(program.code):
        if code == INPUT:
            out.append(tuple(shapes.get(program.attr[k], ())))
            continue
        if code == CONST:
            out.append(())
            continue
        arg_shapes = tuple(out[a] for a in program.args[k])
        try:
            out.append(_blockops.shape_of(code, arg_shapes, program.attr[k]))
        except ShapeProblem as problem:
            raise _shape_error(program, k, str(problem), shapes, arg_shapes) from None
    return tuple(out)


def _shape_error(program: BlockProgram, node: int, problem: str, shapes: Mapping[str, Shape],
                 arg_shapes: tuple[Shape, ...]) -> ParseError:
    """The error at ``node``'s operator: how the source writes it, the problem, and a hint --
    the input that was never given a shape, or ``@`` where ``dot``/``outer`` met a matrix."""
    code, args = program.code[node], program.args[node]
    text = spell(program, node)
    if code == _blockops.SUM and _is_norm(program, node):
        text, args = f"norm({_word(program, program.args[args[0]][0])})", program.args[args[0]]
        problem = problem.replace("sum takes", "norm takes")
    hint = ""
    unshaped = _unshaped_inputs(program, args, shapes)
    if unshaped and ("()" in problem or "a scalar" in problem):
        # (a caller names the options it has: steps has neither, adjoint only a point)
        ways = [f"a vector or matrix value in {option('at')}"] * bool(option("at")) + \
            [f"a shape in {option('shapes')}"] * bool(option("shapes"))
        hint = (f" (no shape was given for {unshaped[0]}; give it {' or '.join(ways)})" if ways
                else f" (no shape was given for {unshaped[0]}: this command takes scalar "
                "programs only)")
    elif code == _blockops.BY_NAME["dot"].code:
        matrices = [_word(program, a) for a, s in zip(args, arg_shapes) if len(s) == 2]
        if matrices:
            hint = (f" ({matrices[0]} is a matrix: write {matrices[0]} @ v for a matrix "
                    "times a vector)")
    at = max(program.at[node], 0)
    return ParseError(f"{text}: {problem}{hint}", program.source, at)


def _unshaped_inputs(program: BlockProgram, args: tuple[int, ...],
                     shapes: Mapping[str, Shape]) -> list[str]:
    """The inputs without a given shape that ``args`` are computed from (one loop over a
    work list, nearest first)."""
    found: list[str] = []
    todo, seen = list(args), set(args)
    while todo:
        k = todo.pop(0)
        if program.code[k] == INPUT:
            if program.attr[k] not in shapes and program.attr[k] not in found:
                found.append(str(program.attr[k]))
            continue
        for a in program.args[k]:
            if a not in seen:
                seen.add(a)
                todo.append(a)
    return found


def _is_norm(program: BlockProgram, node: int) -> bool:
    """Whether the ``sum`` at ``node`` is the one ``norm(x)`` is spelled with."""
    at = program.at[node]
    return at >= 0 and program.source.startswith("norm", at)


def _word(program: BlockProgram, k: int) -> str:
    """A node as a message names it: its name, its literal, an index or transpose of a name
    (``x[0]``, ``W.T``), else ``(…)``."""
    name = program.name_of(k)
    if name is not None:
        return name
    code = program.code[k]
    if code == CONST:
        return str(program.attr[k][1])
    if code in (_blockops.INDEX, _blockops.TRANSPOSE):
        inner = program.name_of(program.args[k][0])
        if inner is not None:
            return (f"{inner}.T" if code == _blockops.TRANSPOSE else
                    f"{inner}[{','.join(str(i) for i in program.attr[k])}]")
    return "(…)"


def spell(program: BlockProgram, node: int) -> str:
    """How the source writes ``node``, one level deep: its arguments by name where they have
    one (``W1 @ x``, ``t - y``, ``sum(…)``), for a message."""
    def word(k: int) -> str:
        return _word(program, k)

    code, args = program.code[node], program.args[node]
    if code in (INPUT, CONST):
        return word(node)
    if code == _blockops.INDEX:
        return f"{word(args[0])}[{','.join(str(i) for i in program.attr[node])}]"
    if code == _blockops.TRANSPOSE:
        return f"{word(args[0])}.T"
    if code == _blockops.MATMUL:
        return f"{word(args[0])} @ {word(args[1])}"
    if code in _blockops.BY_CODE:
        return f"{_blockops.BY_CODE[code].name}({', '.join(word(a) for a in args)})"
    op = _ops.BY_CODE[code]
    if op.symbol and op.arity == 2:
        return f"{word(args[0])} {op.symbol} {word(args[1])}"
    if op.symbol:
        return f"{op.symbol}{word(args[0])}"
    return f"{op.name}({', '.join(word(a) for a in args)})"


def index_in_range(shape: Shape, index: tuple[int, ...]) -> tuple[int, ...]:
    """``index`` made non-negative for ``shape`` (ShapeProblem when out of range)."""
    return parse_index(shape, index)[0]


def describe_shapes(program: BlockProgram, shapes: tuple[Shape, ...]) -> str:
    """``W1 (2, 2), x (2,)``: the inputs with their shapes, for a title line."""
    nodes = {name: k for k, name in enumerate(program.attr) if program.code[k] == INPUT}
    return ", ".join(f"{name} {describe(shapes[nodes[name]])}" for name in program.inputs)
