"""The computational graph: the one model every method, picture and statistic reads.

Nodes live in flat lists in topological order, exactly as the parser built them: an op code,
the indices of up to two arguments (``-1`` where there is none), and for leaves the constant's
value or the input's name. Identical subexpressions are one node (hash-consing), so
``a*(a+b)`` has a single ``a`` used twice, and ``x*x`` is one node with two edges from ``x``.

A ``Graph`` is immutable once built (``diffx.graph_builder.GraphBuilder`` builds it); work
that depends only on its structure (compiled sweeps, route counts) is cached on it.
``graph.nx`` is a ``networkx.MultiDiGraph`` view built on first use (edge key = argument
position); the hot paths never touch it.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple

from . import ops as _ops
from .ops import CONST, INPUT

if TYPE_CHECKING:
    import networkx

_SCANNED_LOOKUPS = 32  # Graph.name: look-ups answered by a scan before a table is built


class Unused(NamedTuple):
    """A statement whose value the output does not depend on."""

    name: str | None  # the statement's target, None for a bare expression
    line: int  # 1-based line where the statement starts


class Graph:
    """An immutable computational graph in flat arrays (see the module docstring)."""

    def __init__(
        self,
        source: str,
        op: bytearray,
        a: Sequence[int],
        b: Sequence[int],
        leaf: dict[int, Any],
        assigned: dict[str, int],
        output: int,
        n_statements: int,
        output_name: str | None,
        statements: tuple[list[str | None], Any, Any] | None = None,
    ) -> None:
        self.source = source
        self.op = op  # one byte per node: the op code (INPUT, CONST or an op of the table)
        self.a = a  # first argument of each node, -1 for none
        self.b = b  # second argument of each node, -1 for none
        self._leaf = leaf  # input node -> name; const node -> (value, text)
        self.assigned = assigned  # name -> node, in program order
        self._names_cache: dict[int, str] | None = None
        self._name_lookups = 0
        self.output = output
        self.n_statements = n_statements
        self._output_name = output_name  # the last statement's target, None for an expression
        # (names, nodes, source offsets) of the statements in program order, when parsed
        self._statements = statements
        # inputs in program order: the order of their first appearance (= node order)
        inputs = sorted((k, v) for k, v in leaf.items() if op[k] == INPUT)
        self.inputs: tuple[str, ...] = tuple(name for _, name in inputs)
        self.input_nodes: dict[str, int] = {name: node for node, name in inputs}
        self._cache: dict[Any, Any] = {}
        self._nx: Any = None
        # the VectorProgram this graph is the scalar expansion of (set by it), else None
        self.blocks: Any = None
        # nodes of the max chains softmax and logsumexp shift by (diffx.expand): smooth
        # functions of the inputs' rows, whose ties are no kinks
        self.shifts: frozenset[int] = frozenset()
        # several chosen outputs (``select``): (name, node) of each, in the order asked
        self.chosen: tuple[tuple[str, int], ...] = ()

    # ---------------------------------------------------------------- basic facts ----------
    def __len__(self) -> int:
        return len(self.op)

    @property
    def size(self) -> int:
        """Number of nodes (inputs, constants and operations)."""
        return len(self.op)

    @property
    def n_ops(self) -> int:
        """Number of operation nodes (not leaves)."""
        op = self.op  # counted at C speed: every node but the leaves
        return len(op) - op.count(INPUT) - op.count(CONST)

    @property
    def n_evaluated(self) -> int:
        """Operation nodes one forward evaluation computes (those up to the output)."""
        cached = self._cache.get("n_evaluated")
        if cached is None:
            out = self.output
            op, hi = self.op, out + 1
            cached = self._cache["n_evaluated"] = \
                hi - op.count(INPUT, 0, hi) - op.count(CONST, 0, hi)
        return cached

    @property
    def n_edges(self) -> int:
        # arguments are node indices or -1 for none: counted at C speed
        return len(self.a) - self.a.count(-1) + len(self.b) - self.b.count(-1)

    def args(self, node: int) -> tuple[int, ...]:
        a, b = self.a[node], self.b[node]
        if a < 0:
            return ()
        return (a,) if b < 0 else (a, b)

    def op_of(self, node: int) -> _ops.Op | None:
        """The op record of an operation node, None for leaves."""
        return _ops.BY_CODE.get(self.op[node])

    def is_input(self, node: int) -> bool:
        return self.op[node] == INPUT

    def is_const(self, node: int) -> bool:
        return self.op[node] == CONST

    def const_value(self, node: int) -> float:
        return self._leaf[node][0]

    def const_text(self, node: int) -> str:
        return self._leaf[node][1]

    def input_name(self, node: int) -> str:
        return self._leaf[node]

    def names_of(self, node: int) -> tuple[str, ...]:
        """The names a program gave this node (``c`` in ``c = a + b``), input name for inputs."""
        if self.op[node] == INPUT:
            return (self._leaf[node],)
        return tuple(name for name, n in self.assigned.items() if n == node)

    def name(self, node: int) -> str | None:
        """The node's first name, or None for unnamed intermediates and constants."""
        if self.op[node] == INPUT:
            return self._leaf[node]
        if self._names_cache is None:
            # a few look-ups (a report naming a node or two) scan the names at C speed; the
            # table node -> first name (about 17 bytes a node) is built for the many
            self._name_lookups += 1
            if self._name_lookups <= _SCANNED_LOOKUPS:
                try:
                    at = operator.indexOf(self.assigned.values(), node)
                except ValueError:
                    return None
                return next(islice(self.assigned, at, None))
            names: dict[int, str] = {}  # node -> first name assigned
            for name, n in self.assigned.items():
                names.setdefault(n, name)
            self._names_cache = names
        return self._names_cache.get(node)

    @property
    def output_name(self) -> str:
        """The output's name: the last statement's target, or ``f`` for a bare expression."""
        if self._output_name is not None:
            return self._output_name
        taken = set(self.inputs) | set(self.assigned)
        return next(n for n in ("f", "out", "result", "f_", "out_") if n not in taken)

    # ---------------------------------------------------------------- structure ------------
    def reachable_from_output(self) -> bytearray:
        """Nodes the output depends on (one backward pass over the arrays)."""
        cached = self._cache.get("live")
        if cached is None and not self.chosen:  # the usual graph, in numpy passes
            from .node_arrays import all_used

            cached = self._cache["live"] = all_used(self)
        if cached is None:
            n, out = len(self.op), self.output
            # 1 byte per node: 0 or 1; one slot more, for a missing argument's -1 to mark
            live = bytearray(n + 1)
            live[out] = 1
            for _, node in self.chosen:  # several outputs: what any of them uses
                live[node] = 1
            skip = n - 1 - out
            for i, x, y in zip(range(out, -1, -1), islice(reversed(self.a), skip, None),
                               islice(reversed(self.b), skip, None)):
                if live[i]:
                    live[x] = 1
                    live[y] = 1
            del live[n]
            cached = self._cache["live"] = live
        return cached

    def nodes_with(self, codes: frozenset[int]) -> list[int]:
        """The nodes (up to the output) whose op code is in ``codes``, found at C speed."""
        key = ("nodes_with", codes)
        found = self._cache.get(key)
        if found is None:
            found = []
            hi = self.output + 1
            for code in codes:
                needle = bytes((code,))
                at = self.op.find(needle, 0, hi)
                while at != -1:
                    found.append(at)
                    at = self.op.find(needle, at + 1, hi)
            found.sort()
            self._cache[key] = found
        return found

    def depends_on(self, nodes: list[int] | tuple[int, ...]) -> bytearray:
        """Nodes that depend on any of ``nodes`` (one forward pass)."""
        active = bytearray(len(self.op))
        for n in nodes:
            active[n] = 1
        a, b = self.a, self.b
        for i in range(len(self.op)):
            if not active[i] and ((a[i] >= 0 and active[a[i]]) or (b[i] >= 0 and active[b[i]])):
                active[i] = 1
        return active

    def text(self, node: int, limit: int = 48, use_names: bool = True) -> str:
        """Infix text of a node, built without recursion and cut to ``limit`` characters;
        named intermediates are shown by name (see :func:`diffx.graph_text.node_text`)."""
        from .graph_text import node_text

        return node_text(self, node, limit, use_names)

    def title(self) -> str:
        """How reports name the graph: its source if it is one short line, else its output."""
        source = self.source.strip()
        if len(source) <= 70 and "\n" not in source and "#" not in source:
            return " ".join(source.split())
        n = self.n_statements
        return f"{self.describe(self.output)}   ({n} statement{'s' * (n != 1)})"

    def describe(self, node: int) -> str:
        """A short human reference to a node for messages: ``log(x)`` or ``c = a + b``."""
        name = self.name(node)
        if self.op[node] == INPUT:
            return f"input {name}"
        text = self.text(node)
        return f"{name} = {text}" if name and name != text else text

    @property
    def unused(self) -> list[Unused]:
        """Statements (before the last) whose value the output does not depend on, in program
        order: ``y1 = x^2*z; y2 = x^3`` gives ``[Unused('y1', 1)]``. They are kept in the graph
        but no method evaluates or differentiates them."""
        cached = self._cache.get("unused")
        if cached is None:
            cached = self._cache["unused"] = [Unused(name, line) for name, line, _ in
                                              self._unused_statements()]
        return list(cached)

    def _unused_statements(self) -> list[tuple[str | None, int, int]]:
        if self._statements is None:
            return []
        names, nodes, offsets = self._statements
        live = self.reachable_from_output()
        found, line, counted_to = [], 1, 0
        source = self.source
        for k in range(len(nodes)):  # (the output's own statement is live)
            if live[nodes[k]]:
                continue
            line += source.count("\n", counted_to, offsets[k])
            counted_to = offsets[k]
            found.append((names[k], line, nodes[k]))
        return found

    def unused_warning(self) -> str | None:
        """A sentence about the unused statements, or None: ``y1 (line 1) is not used by the
        output y2``; inputs used only there are named too."""
        found = self._unused_statements()
        if not found:
            return None
        shown = [f"{name if name is not None else self.text(node, 30)} (line {line})"
                 for name, line, node in found[:5]]
        if len(found) > 5:
            shown.append(f"{len(found) - 5} more")
        text = (", ".join(shown[:-1]) + " and " + shown[-1]) if len(shown) > 1 else shown[0]
        verb = "is" if len(found) == 1 else "are"
        outs = [name for name, _ in self.chosen]
        by = f"the outputs {', '.join(outs[:-1])} and {outs[-1]}" if outs else \
            f"the output {self.output_name}"
        text = f"{text} {verb} not used by {by}"
        live = self.reachable_from_output()
        dead = [name for name, node in self.input_nodes.items() if not live[node]]
        if dead:
            text += (f"; input{'s' * (len(dead) > 1)} {', '.join(dead)} "
                     f"{'is' if len(dead) == 1 else 'are'} used only there")
        return text

    def differentiated_note(self) -> str:
        """What is differentiated, said beside the unused statements: ``only the last
        statement, and what it uses, is differentiated`` (or the outputs chosen)."""
        outs = [name for name, _ in self.chosen]
        if outs:
            return f"only {', '.join(outs[:-1])} and {outs[-1]}, and what they use, are " \
                   "differentiated"
        last = self._statements is not None and bool(self._statements[1]) and \
            self._statements[1][-1] == self.output
        what = "the last statement" if last else self.output_name
        return f"only {what}, and what it uses, is differentiated"

    # ---------------------------------------------------------------- output selection -----
    def view(self, node: int, name: str) -> Graph:
        """This graph with ``node`` as its output: the same node arrays (nothing copied), its
        own cache of structure-dependent work (liveness depends on the output)."""
        import copy

        seen = copy.copy(self)
        seen.output, seen._output_name, seen.chosen = node, name, ()
        seen._cache, seen._nx, seen._names_cache, seen._name_lookups = {}, None, None, 0
        return seen

    # ---------------------------------------------------------------- networkx view --------
    @property
    def nx(self) -> networkx.MultiDiGraph:
        """A ``networkx.MultiDiGraph`` view: one edge per argument, edge key = position."""
        if self._nx is None:
            self._nx = self.to_networkx()
        return self._nx

    def to_networkx(self) -> networkx.MultiDiGraph:
        import networkx as nx

        g = nx.MultiDiGraph(source=self.source, output=self.output, inputs=self.inputs)
        for i, code in enumerate(self.op):
            attrs: dict[str, Any] = {"label": self.name(i) or ""}
            if code == INPUT:
                attrs.update(kind="input", op="input", name=self._leaf[i])
            elif code == CONST:
                attrs.update(kind="const", op="const", value=self._leaf[i][0],
                             text=self._leaf[i][1])
            else:
                attrs.update(kind="op", op=_ops.BY_CODE[code].name)
            if i == self.output:
                attrs["output"] = True
            g.add_node(i, **attrs)
            for pos, arg in enumerate(self.args(i)):
                g.add_edge(arg, i, key=pos)
        return g

    def __repr__(self) -> str:
        src = self.source if len(self.source) <= 40 else self.source[:39] + "…"
        return (f"Graph({src!r}: {self.size} nodes, inputs {list(self.inputs)}, "
                f"output {self.output_name})")
