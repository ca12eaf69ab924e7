"""What a trace becomes: :class:`TracedGraph` and its program text.

A traced graph is an ordinary :class:`~diffx.graph.Graph` (every method, picture and count
reads it as it reads a parsed one) with three additions: ``warnings``, which the runner adds
to every result (the branch taken at the traced point); a title naming the function; and its
``source``, a diffx program equivalent to the graph -- names from ``diffx.name``, the output
named after the function, ``t1, t2, ...`` for other values used more than once -- written
when first asked for (a 10^5-step loop need not pay for text nobody reads). That text parses
back to the same graph, which is how ``check`` evaluates claims against it.
"""

from __future__ import annotations

from array import array
from typing import Any

from . import ops as _ops
from .graph import Graph
from .graph_builder import GraphBuilder
from .ops import CONST, INPUT

#: an unnamed value whose text grows past this many characters gets a name of its own, so
#: that a long chain (sin(sin(sin(...)))) is written in linear, not quadratic, time
INLINE_CHARS = 80


class TracedGraph(Graph):
    """The Graph of a traced Python function (see the module docstring)."""

    def __init__(self, builder: GraphBuilder, output: int, out_name: str | None,
                 function: str, warnings: list[str]) -> None:
        self._program: str | None = None
        self._lazy_statements: tuple[list[str | None], Any, Any] | None = None
        self.function = function
        self.warnings = warnings
        super().__init__("", builder.op, builder.a, builder.b, builder.leaf,
                         dict(builder.assigned), output, 1 + len(builder.assigned) -
                         (out_name is not None), out_name)

    @property
    def source(self) -> str:
        if self._program is None:
            self._program, self._lazy_statements = _program(self)
        return self._program

    @source.setter
    def source(self, value: str) -> None:
        self._program = value or None

    @property
    def _statements(self) -> tuple[list[str | None], Any, Any]:
        if self._lazy_statements is None:
            self._program, self._lazy_statements = _program(self)
        return self._lazy_statements

    @_statements.setter
    def _statements(self, value: Any) -> None:
        pass  # written with the program text

    def title(self) -> str:
        return f"{self.function}({', '.join(self.inputs)})"

    def text(self, node: int, limit: int = 48, use_names: bool = True) -> str:
        """As :meth:`Graph.text`, written from the left and stopped after ``limit``
        characters: a message about a node of a 10^5-step loop reads a few dozen nodes, not
        the whole chain below it."""
        return bounded_text(self, node, limit, use_names)


def bounded_text(g: Graph, node: int, limit: int = 48, use_names: bool = True) -> str:
    """:meth:`Graph.text` of ``node`` (its infix text, named intermediates by name, cut to
    ``limit`` characters with "…"), written left to right with an explicit stack and stopped
    once ``limit`` characters are out: O(limit + depth) instead of a pass over every node
    below. The same text: a node's spelling (:func:`diffx.ops.spell`) decides its parentheses
    from its arguments' precedences, which depend on their ops alone, and the text cut at
    every level keeps the whole text's first ``limit - 1`` characters."""
    op_codes, leaf = g.op, g._leaf

    def named(n: int) -> str | None:
        return g.name(n) if use_names and n != node else None

    def precedence(n: int) -> int:
        code = op_codes[n]
        if code == CONST:
            return 3 if leaf[n][1].startswith("-") else 9
        if code == INPUT or named(n) is not None:
            return 9
        return _ops.BY_CODE[code].precedence if _ops.BY_CODE[code].symbol else 9

    out: list[str] = []
    size = 0
    stack: list[str | int] = [node]
    while stack and size <= limit:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            size += len(item)
            continue
        code = op_codes[item]
        label = named(item)
        if label is not None or code == INPUT:
            stack.append(label if label is not None else leaf[item])
            continue
        if code == CONST:
            stack.append(leaf[item][1])
            continue
        op = _ops.BY_CODE[code]
        args = g.args(item)
        parts: list[str | int] = []
        if op.arity == 1 and op.symbol:
            wrap = precedence(args[0]) < op.precedence
            parts = ["-", *(["(", args[0], ")"] if wrap else [args[0]])]
        elif op.symbol:
            p, (left, right) = op.precedence, args
            lp, rp = precedence(left), precedence(right)
            wrap_l = lp < p or (op.right and lp == p)
            wrap_r = rp < p or (not op.right and rp == p and op.name in ("sub", "div"))
            parts = [*(["(", left, ")"] if wrap_l else [left]),
                     f" {op.symbol} " if p == 1 else op.symbol,
                     *(["(", right, ")"] if wrap_r else [right])]
        else:
            parts = [f"{op.name}("]
            for k, x in enumerate(args):
                parts += [", ", x] if k else [x]
            parts.append(")")
        stack.extend(reversed(parts))
    text = "".join(out)
    if op_codes[node] > CONST and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def _program(g: TracedGraph) -> tuple[str, tuple[list[str | None], Any, Any]]:
    """The graph as a diffx program, and its statements (names, nodes, offsets), in one
    forward pass over the nodes (no recursion)."""
    n = len(g.op)
    named: dict[int, str] = {}
    for given, node in g.assigned.items():
        named.setdefault(node, given)
    out_name = g._output_name
    if out_name is not None and named.get(g.output) == out_name:
        del named[g.output]  # the output's own statement is the last line
    live = bytearray(n)
    live[g.output] = 1
    for node in named:
        live[node] = 1
    uses = [0] * n
    a, b, op = g.a, g.b, g.op
    for i in range(n - 1, -1, -1):
        if live[i]:
            for arg in (a[i], b[i]):
                if arg >= 0:
                    live[arg] = 1
                    uses[arg] += 1
    taken = set(g.inputs) | set(g.assigned) | set(_ops.FUNCTIONS) | set(_ops.CONSTANTS)
    lines: list[str] = []
    names: list[str | None] = []
    nodes, offsets = array("q"), array("q")
    memo: list[tuple[str, int]] = [("", 0)] * n  # text and precedence of each live node
    counter, offset = 0, 0
    for i in range(n):
        if not live[i]:
            continue
        code = op[i]
        if code == INPUT:
            memo[i] = (g.input_name(i), 9)
        elif code == CONST:
            txt = g.const_text(i)
            memo[i] = (txt, 3 if txt.startswith("-") else 9)
        else:
            memo[i] = _ops.spell(_ops.BY_CODE[code], [memo[x] for x in g.args(i)])
        label = named.get(i)
        if label is None and code > CONST and i != g.output and (
                uses[i] > 1 or len(memo[i][0]) > INLINE_CHARS):
            counter += 1
            while f"t{counter}" in taken:
                counter += 1
            label = f"t{counter}"
        if label is not None:
            line = f"{label} = {memo[i][0]}"
            if label in g.assigned:
                names.append(label)
                nodes.append(i)
                offsets.append(offset)
            lines.append(line)
            offset += len(line) + 1
            memo[i] = (label, 9)
    last = memo[g.output][0]
    if out_name is not None:
        last = f"{out_name} = {last}"
    names.append(out_name)
    nodes.append(g.output)
    offsets.append(offset)
    lines.append(last)
    return "\n".join(lines), (names, nodes, offsets)
