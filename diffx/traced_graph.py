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
