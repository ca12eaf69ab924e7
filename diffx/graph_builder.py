"""Building a Graph node by node: ``GraphBuilder``, the only owner of hash-consing.

The parser calls ``input``, ``const`` and ``node`` in topological order and ``statement`` once
per statement; ``node`` returns the existing node when the same op was applied to the same
arguments before, so identical subexpressions are one node. ``finish`` hands the flat arrays to
an immutable ``Graph`` and drops the hash-consing tables. The argument arrays are
``array('i')``: 4 bytes a node (node indices stay below 2**31), where a list holds a pointer and
an int object per entry (a million-node expansion's lists were most of its memory).

Hash-consing without a dict entry per node: a node ``code(a, b)`` can only equal an earlier
node with the same arguments, and so with the same *anchor*, the later of its arguments. Each
node remembers the first two nodes anchored on it (two ``array('i')``, 8 bytes a node), so
``code(a, b)`` is found by comparing at most two nodes' arrays; only a node's third and later
anchored users go to a dict, keyed by the packed ``(code, a, b)``. In a chain of statements
(``l2 = 4*l1*(1 - l1)``) no node has three, and the dict stays empty (a dict entry, its key
and its value cost about 100 bytes a node).
"""

from __future__ import annotations

from array import array
from typing import Any

from . import ops as _ops
from .graph import Graph
from .ops import CONST, INPUT

_KEY_STRIDE = 1 << 32  # node indices are below 2**32, so (a, b, code) packs into one int
_NONE = -1  # no node anchored here yet


class GraphBuilder:
    """Builds a Graph node by node in topological order, sharing identical subexpressions."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.op = bytearray()
        # arguments in compact arrays (4 bytes a node; a list of ints holds an int object each)
        self.a = array("i")
        self.b = array("i")
        self.leaf: dict[int, Any] = {}
        self.assigned: dict[str, int] = {}
        self.n_statements = 0
        self.last: tuple[str | None, int] | None = None
        # one entry per statement: its target (None for a bare expression), node, offset
        self.statement_names: list[str | None] = []
        self.statement_nodes = array("i")
        self.statement_offsets = array("q")
        # hash-consing: the first two nodes anchored on each node, then a dict for the rest
        self._first = array("i")
        self._second = array("i")
        self._ops: dict[int, int] = {}  # packed (a, b, code) -> node: third and later users
        self._inputs: dict[str, int] = {}
        self._consts: dict[tuple[float, bool], int] = {}

    def _new(self, code: int, a: int, b: int) -> int:
        node = len(self.a)
        self.op.append(code)
        self.a.append(a)
        self.b.append(b)
        self._first.append(_NONE)
        self._second.append(_NONE)
        return node

    def input(self, name: str) -> int:
        node = self._inputs.get(name)
        if node is None:
            node = self._inputs[name] = self._new(INPUT, -1, -1)
            self.leaf[node] = name
        return node

    def const(self, value: float, text: str) -> int:
        key = (value, text in _ops.CONSTANTS)
        node = self._consts.get(key)
        if node is None:
            node = self._consts[key] = self._new(CONST, -1, -1)
            self.leaf[node] = (value, text)
        return node

    def node(self, code: int, a: int, b: int = -1, at: int = -1) -> int:
        """The node ``code(a, b)``: an existing one if the same op was applied to the same
        arguments before (hash-consing; the key is known only here), else a new one. (``at``,
        the operator's source offset, is for the block builder's errors; unused here.)"""
        anchor = a if a > b else b
        first = self._first[anchor]
        if first == _NONE:
            node = self._first[anchor] = self._new(code, a, b)
            return node
        op, args_a, args_b = self.op, self.a, self.b
        if op[first] == code and args_a[first] == a and args_b[first] == b:
            return first
        second = self._second[anchor]
        if second == _NONE:
            node = self._second[anchor] = self._new(code, a, b)
            return node
        if op[second] == code and args_a[second] == a and args_b[second] == b:
            return second
        key = ((b + 1) * _KEY_STRIDE + a + 1) * 64 + code
        node = self._ops.get(key)  # type: ignore[assignment]
        if node is None:
            node = self._ops[key] = self._new(code, a, b)
        return node

    def is_literal(self, node: int) -> bool:
        return self.op[node] == CONST and self.leaf[node][1] not in _ops.CONSTANTS

    def statement(self, name: str | None, node: int, offset: int = 0) -> None:
        """Record a statement: ``name = node`` (``name`` None for a bare expression) that
        starts at ``offset`` in the source."""
        if name is not None:
            self.assigned[name] = node
        self.n_statements += 1
        self.last = (name, node)
        self.statement_names.append(name)
        self.statement_nodes.append(node)
        self.statement_offsets.append(offset)

    def statements_recorded(self) -> None:
        """After statements were appended to the statement arrays directly (the parser's fast
        path, diffx.parse_fast, does so inline): count them and note the last."""
        self.n_statements = len(self.statement_names)
        if self.statement_names:
            self.last = (self.statement_names[-1], self.statement_nodes[-1])

    def finish(self) -> Graph:
        assert self.last is not None
        name, output = self.last
        # the hash-consing tables are not kept
        self._ops, self._consts, self._inputs = {}, {}, {}
        self._first, self._second = array("i"), array("i")
        return Graph(self.source, self.op, self.a, self.b, self.leaf, self.assigned, output,
                     self.n_statements, name,
                     statements=(self.statement_names, self.statement_nodes,
                                 self.statement_offsets))
