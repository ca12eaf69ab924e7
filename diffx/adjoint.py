"""The adjoint program: the reverse sweep written out as a scalar Graph of its own.

``adjoint(source_or_graph, wrt)`` copies the forward nodes into a new GraphBuilder (so the
sweep shares them, as backprop reuses the forward values), seeds ``d_bar = 1`` at the output
and walks the nodes from the output down. Each argument of each node gets the contribution
"child adjoint x the op table's local partial", added to what it has in the lecture's order::

    c = a + b            d_bar = 1
    d = a * c            a_bar = d_bar * c         (from d, argument 1)
                         c_bar = d_bar * a         (from d, argument 2)
                         a_bar2 = a_bar + c_bar    (from c)
                         b_bar = c_bar

The partials are built from the op table's texts (``diffx.ops``) by diffx's own parser, never
by ``eval``. Where a partial calls a helper that is not in the language, ``HELPERS`` writes it
with the language's ops, exactly where possible:

* ``sign`` and ``heaviside`` are ops of the language: abs' is ``sign(x)`` (0 at 0); ``step``
  (relu') is ``sign(relu(x))``, read ``[x > 0]`` (relu(x) is relu's own output, so it costs
  one node); ``ge``/``le`` (max', min') are ``heaviside(x - y)``: 1 or 0 off a tie, 1/2 at a
  tie, so relu'(0) = 0, abs'(0) = 0 and a max/min tie gives 1/2 each, as
  docs/conventions.md says; max's second argument gets the rest, ``g - g*heaviside(x - y)``;
* ``powdx`` (d/dx x^y = y x^(y-1), 0 where y = 0) and ``powlog`` (x^y log x, 0 where x^y = 0,
  nan for x < 0) use ``abs(sign(.))`` (0 at 0, else 1) to be exact at 0^0 and 0^y; with a
  constant exponent or a constant non-zero base they are the plain ``c*x^(c-1)`` and
  ``out*log(b)``;
* ``dtanh`` is 1/cosh(x)^2 (the op table's own formula); ``dsigmoid`` is sigmoid(x)*sigmoid(-x)
  and ``datan`` 1/(1 + x*x): both agree with the op table to a few units in the last place
  (the lecture's sigma(1 - sigma) would lose every digit in the tails); 1/(1 + x*x) underflows
  to 0 past |x| = 1.3e154, where the table gives a subnormal below 6e-309.

The program is plain arithmetic: the sweep's strong zeros (0 times an infinite partial is 0)
are not written into it, so where a zero adjoint meets an infinite partial it gives nan.

A Graph has one output; the adjoint program has several (the value and one partial per input),
so :class:`Adjoint` holds the Graph with the names of its output statements. The Graph's output
is the one of them built last (so that one forward pass evaluates them all); it carries no
statement records, so ``Graph.unused`` reports nothing. ``diffx.adjoint_text`` writes it as a
diffx program (the Graph's ``source``) or as a Python function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import ops as _ops
from .adjoint_text import diffx_text, number_text, python_text, tape
from .errors import DiffxError
from .graph import Graph
from .graph_builder import GraphBuilder
from .ops import CONST, INPUT

#: how the op table's helper functions are written in the language (over their arguments p, q
#: and the op's output ``out``); see the module docstring for what is exact
HELPERS: dict[str, tuple[tuple[str, ...], str]] = {
    "step": (("p",), "sign(relu(p))"),  # [p > 0]; relu(p) is relu's own output: one node
    "ge": (("p", "q"), "heaviside(p - q)"),  # [p > q], 1/2 at a tie
    "le": (("p", "q"), "heaviside(q - p)"),
    "powdx": (("p", "q"), "q * p^(q - abs(sign(q)))"),
    "powlog": (("p", "o"), "o * log(p^abs(sign(o))) + sqrt(-relu(-p))"),
    "dtanh": (("p",), "1 / cosh(p)^2"),
    "dsigmoid": (("p",), "out * sigmoid(-p)"),
    "datan": (("p",), "1 / (1 + p * p)"),
}

#: partials that are 1 minus the other argument's (max and min split a tie 1/2 each): the
#: second argument's contribution is written g - (the first's), one node instead of a partial
#: and a product
_COMPLEMENTS = {("ge(x, y)", "ge(y, x)"), ("le(x, y)", "le(y, x)")}

_CALL = re.compile(r"^(\w+)\(([^()]*)\)$")
_POW = _ops.BY_NAME["pow"].code


class Statement(NamedTuple):
    """One statement of the adjoint program, as the printer reads it.

    ``kind`` is ``value`` (``name = `` the forward node ``node``), ``seed`` (``name = 1``),
    ``zero`` (``name = 0``), ``alias`` (``name = `` the statement ``prev``) or ``add``
    (``name = prev + g * partial``; ``prev`` None for a first contribution, ``partial`` None
    for a partial of 1, ``negate`` for a partial of -1; ``rest`` for the term
    ``g - g * partial``, what max and min give their second argument).
    """

    name: str
    kind: str
    node: int
    prev: str | None = None
    g: str | None = None
    partial: int | None = None
    negate: bool = False
    rest: bool = False  # the term is g - g * partial (max's and min's second argument)


@dataclass(frozen=True)
class Adjoint:
    """The adjoint program of ``original``: its Graph, the statement that holds the value and
    the statement that holds each requested partial."""

    graph: Graph
    original: Graph
    wrt: tuple[str, ...]
    value: str  # statement name of the function's value
    partials: dict[str, str]  # input -> statement name of d value / d input
    statements: tuple[Statement, ...] = field(repr=False)
    names: dict[int, str] = field(repr=False)  # forward node -> the name it is printed by
    #: what the original graph carries (a traced function's branch taken): the program holds
    #: only where the original does, so its texts repeat these as comments
    warnings: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        """Nodes of the adjoint graph per node of the original (the cheap-gradient principle
        says a small constant)."""
        return self.graph.size / max(1, self.original.size)

    def text(self) -> str:
        """The program in diffx's language (it parses back with ``diffx.parse``)."""
        return diffx_text(self)

    def python(self, function: str | None = None) -> str:
        """A standalone Python function (``import math`` only) returning the value and the
        gradient as a dict."""
        return python_text(self, function)

    def partial_graph(self, w: str) -> Graph:
        """The program up to the statement holding d value / d ``w``, as a Graph whose output
        is that partial (what a second sweep differentiates for one row of the Hessian)."""
        g = self.graph
        out = g.assigned[self.partials[w]]
        leaf = {k: v for k, v in g._leaf.items() if k <= out}
        assigned = {k: v for k, v in g.assigned.items() if v <= out}
        return Graph(g.source, g.op[: out + 1], g.a[: out + 1], g.b[: out + 1], leaf, assigned,
                     out, len(assigned), self.partials[w])

    def evaluate(self, at: dict[str, float]) -> tuple[Any, dict[str, Any]]:
        """The value and the gradient the program computes at ``at`` (one forward pass)."""
        from .evaluation import evaluate

        vals, _ = evaluate(self.graph, {k: float(v) for k, v in at.items()}, arrays=False)
        nodes = self.graph.assigned
        return (float(vals[nodes[self.value]]),
                {w: float(vals[nodes[n]]) for w, n in self.partials.items()})


def adjoint(source_or_graph: Any, wrt: str | Iterable[str] | None = None,
            helpers: dict[str, tuple[tuple[str, ...], str]] | None = None,
            text: bool = True, *, at: Any = None) -> Adjoint:
    """The reverse sweep of a program as a program of its own (see the module docstring).
    With ``text=False`` the Graph's ``source`` is left empty (``Adjoint.text()`` still
    writes the program): what second derivatives use, which never print it. A Python
    function is traced at ``at`` (as ``grad`` traces it); a branch it took there is in the
    result's ``warnings`` and in its texts as a comment.

    >>> adj = adjoint("c = a + b; d = a * c")
    >>> adj.partials, adj.evaluate({"a": 4, "b": 3})
    ({'a': 'a_bar2', 'b': 'b_bar'}, (28.0, {'a': 11.0, 'b': 4.0}))
    """
    from .methods.run import resolve_wrt
    from .tracing import graph_of

    g = graph_of(source_or_graph, at)  # a Python function is traced at ``at``
    wrt = resolve_wrt(g, wrt)
    return _Sweep(g, wrt, HELPERS if helpers is None else helpers, text).run()


class _Sweep:
    """The builder of one adjoint program (loops only: graphs may be 10^5 nodes deep)."""

    def __init__(self, g: Graph, wrt: tuple[str, ...],
                 helpers: dict[str, tuple[tuple[str, ...], str]], text: bool = True) -> None:
        self.text = text  # write the program as the Graph's source
        self.helpers = helpers  # how the op table's helpers are written (HELPERS by default)
        self.g, self.wrt = g, wrt
        self.b = GraphBuilder("")
        self.taken = set(g.inputs) | set(g.assigned)
        self.statements: list[Statement] = []
        self.names: dict[int, str] = {}  # adjoint-graph node -> forward name
        self.count = 0  # unnamed forward nodes named so far (v1, v2, ...)

    def fresh(self, base: str) -> str:
        name = base
        while name in self.taken:
            name += "_"
        self.taken.add(name)
        return name

    def emit(self, st: Statement) -> str:
        self.statements.append(st)
        self.b.statement(st.name, st.node)
        return st.name

    def run(self) -> Adjoint:
        g, b = self.g, self.b
        live = g.reachable_from_output()
        active = g.depends_on([g.input_nodes[w] for w in self.wrt])
        copy = [-1] * (g.output + 1)  # forward node -> its node here
        for inp in g.inputs:
            node = b.input(inp)
            self.names[node] = inp
            if g.input_nodes[inp] <= g.output:
                copy[g.input_nodes[inp]] = node
        for i in range(g.output + 1):
            code = g.op[i]
            if not live[i] or code == INPUT:
                continue
            if code == CONST:
                copy[i] = b.const(g.const_value(i), g.const_text(i))
                continue
            node = copy[i] = b.node(code, copy[g.a[i]], copy[g.b[i]] if g.b[i] >= 0 else -1)
            name = g.name(i)
            if name is None:
                if i == g.output:
                    name = self.fresh(g.output_name)
                else:
                    self.count += 1
                    while f"v{self.count}" in self.taken:
                        self.count += 1
                    name = self.fresh(f"v{self.count}")
            self.names[node] = name
            self.emit(Statement(name, "value", node))
        out = copy[g.output]
        value = self.names.get(out) if g.op[g.output] > CONST else None
        if value is None:  # the output is an input or a constant: name it (y = x)
            name = g.output_name if g.output_name in g.assigned else self.fresh(g.output_name)
            value = self.emit(Statement(name, "value", out))
        adj: dict[int, tuple[str, int, int]] = {}  # forward node -> (name, node, contributions)
        if active[g.output]:
            seed = self.emit(Statement(self.fresh(value + "_bar"), "seed", b.const(1.0, "1")))
            adj[g.output] = (seed, self.b.assigned[seed], 1)
        for i in range(g.output, -1, -1):
            if i not in adj or g.op[i] <= CONST:
                continue
            op = _ops.BY_CODE[g.op[i]]
            gname, gnode, _ = adj.pop(i)
            complement = tuple(op.partials) in _COMPLEMENTS
            first: int | None = None  # the first argument's term g * partial, when a node
            share: int | str = "0"  # the first argument's partial
            for pos, arg in enumerate(g.args(i)):
                if not active[arg]:
                    continue
                if pos == 1 and complement and first is not None:
                    self.contribute(adj, arg, copy, gname, gnode, share, rest=True)
                else:
                    share = self.partial(op, pos, i, copy)
                    first = self.contribute(adj, arg, copy, gname, gnode, share)
        partials = {}
        for w in self.wrt:
            node = g.input_nodes[w]
            if node == g.output:  # y = x: x_bar is the seed itself
                seed_name, seed_node, _ = adj[node]
                partials[w] = self.emit(Statement(self.fresh(w + "_bar"), "alias", seed_node,
                                                  g=seed_name))
            elif node in adj:
                partials[w] = adj[node][0]
            else:  # the output does not depend on w
                zero = b.const(0.0, "0")
                partials[w] = self.emit(Statement(self.fresh(w + "_bar"), "zero", zero))
        return self.finish(value, partials)

    def contribute(self, adj: dict, arg: int, copy: list[int], gname: str, gnode: int,
                   partial: int | str, rest: bool = False) -> int | None:
        """Add ``g * partial`` (with ``rest``: ``g - g * partial``, a node partial) to the
        adjoint of ``arg``: the first contribution names it ``arg_bar``, the k-th
        ``arg_bar<k>``. Returns the node of ``g * partial`` when there is one."""
        if partial == "0":
            return None
        b = self.b
        base = self.names[copy[arg]] + "_bar"
        prev = adj.get(arg)
        k = 1 if prev is None else prev[2] + 1
        name = self.fresh(base if k == 1 else f"{base}{k}")
        negate = partial == "-1"
        p: int | None = None
        product = None
        if isinstance(partial, int):
            term = product = b.node(_ops.BY_NAME["mul"].code, gnode, partial)
            p = partial
            if rest:
                term = b.node(_ops.BY_NAME["sub"].code, gnode, product)
        else:
            term = gnode
        if prev is None:
            if partial == "1":
                adj[arg] = (self.emit(Statement(name, "alias", gnode, g=gname)), gnode, k)
                return None
            node = b.node(_ops.BY_NAME["neg"].code, term) if negate else term
        else:
            code = _ops.BY_NAME["sub" if negate else "add"].code
            node = b.node(code, prev[1], term)
        st = Statement(name, "add", node, prev[0] if prev else None, gname, p, negate, rest)
        adj[arg] = (self.emit(st), node, k)
        return product

    def partial(self, op: _ops.Op, pos: int, i: int, copy: list[int]) -> int | str:
        """The local partial of node ``i`` (forward index) with respect to its argument
        ``pos``, as a node here, or the text "0", "1" or "-1" for those constants."""
        g = self.g
        x = copy[g.a[i]]
        y = copy[g.b[i]] if g.b[i] >= 0 else -1
        out = copy[i]
        text = op.partials[pos]
        if op.code == _POW and pos == 0 and g.is_const(g.b[i]):  # x^c: c*x^(c-1)
            c = g.const_value(g.b[i])
            if c in (0.0, 1.0):
                return "0" if c == 0 else "1"
            if c == 2.0:
                return self.splice("2 * x", {"x": x})
            return self.splice("c * x^d", {"x": x, "c": y,
                                           "d": self.b.const(c - 1, number_text(c - 1))})
        if op.code == _POW and pos == 1 and g.is_const(g.a[i]) and g.const_value(g.a[i]) != 0:
            return self.splice("out * log(x)", {"x": x, "out": out})  # b^y: b^y log b
        if text in ("0", "1", "-1"):
            return text
        call = _CALL.match(text)
        if call and call.group(1) not in _ops.FUNCTIONS and call.group(1) not in self.helpers:
            raise DiffxError(f"the adjoint program cannot write the partial of {op.name} "
                             f"({text}) in the language: {call.group(1)} has no exact "
                             "form in diffx.adjoint.HELPERS")
        if call and call.group(1) in self.helpers:
            params, template = self.helpers[call.group(1)]
            bound = {"x": x, "y": y, "out": out}
            args = [bound[a.strip()] for a in call.group(2).split(",")]
            return self.splice(template, {**dict(zip(params, args)), "out": out})
        return self.splice(text, {"x": x, "y": y, "out": out})

    def splice(self, text: str, bind: dict[str, int]) -> int:
        """The nodes of ``text`` (diffx's own partial text) added here, its names bound to
        nodes."""
        tape_, result = tape(text)
        nodes: list[int] = []
        for entry in tape_:
            if entry[0] == "in":
                nodes.append(bind[entry[1]])
            elif entry[0] == "const":
                nodes.append(self.b.const(entry[1], entry[2]))
            else:
                nodes.append(self.b.node(entry[1], nodes[entry[2]],
                                         nodes[entry[3]] if entry[3] >= 0 else -1))
        return nodes[result]

    def finish(self, value: str, partials: dict[str, str]) -> Adjoint:
        b, assigned = self.b, self.b.assigned
        outputs = [assigned[value], *(assigned[n] for n in partials.values())]
        last = max(outputs)
        name = next(st.name for st in reversed(self.statements) if st.node == last)
        # no statement records: the other outputs are not "unused" statements

        def build(source: str) -> Graph:
            return Graph(source, b.op, b.a, b.b, b.leaf, dict(assigned), last,
                         len(self.statements), name)

        told = tuple(getattr(self.g, "warnings", ()))  # a traced function's branch
        adj = Adjoint(build(""), self.g, self.wrt, value, partials, tuple(self.statements),
                      self.names, told)
        if not self.text:
            return adj
        return Adjoint(build(diffx_text(adj)), self.g, self.wrt, value, partials,
                       adj.statements, adj.names, told)
