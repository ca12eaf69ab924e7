"""The adjoint program (``diffx.adjoint.Adjoint``) as source text: a diffx program that parses
back to the same nodes (it is also the adjoint Graph's ``source``), or a standalone Python
function that needs only ``math``; and the other way, the op table's partial texts read by
diffx's own parser into tapes of nodes (``tape``). Text is generated from the graph's nodes
and diffx's own names; nothing here is ever executed by diffx.

Operands are parenthesised whenever the parser would group them differently (``g * (a * b)``
keeps its parentheses), so the re-parsed program rounds exactly as the adjoint graph does.
"""

from __future__ import annotations

import keyword
from functools import lru_cache
from typing import Any

from . import ops as _ops
from .ops import CONST, INPUT
from .parser import parse_text

_POW = _ops.BY_NAME["pow"]
_MUL = _ops.BY_NAME["mul"]

# The language's functions that Python's math lacks, written as diffx's ``math`` namespace
# computes them (diffx.op_namespaces), so that the function gives diffx's numbers.
_PY_HELPERS = {
    "sigmoid": ("def _sigmoid(x):\n"
                "    if x >= 0:\n"
                "        return 1.0 / (1.0 + math.exp(-x))\n"
                "    z = math.exp(x)\n"
                "    return z / (1.0 + z)\n"),
    "softplus": ("def _softplus(x):\n"
                 "    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))\n"),
    "relu": "def _relu(x):\n    return 0.0 if x <= 0 else x\n",
    "max": "def _max(x, y):\n    return x if x >= y or x != x else y\n",
    "min": "def _min(x, y):\n    return x if x <= y or x != x else y\n",
    "heaviside": "def _heaviside(x):\n    return 1.0 if x > 0 else 0.5 if x == 0 else 0.0\n",
    "sign": ("def _sign(x):\n"
             "    return 1.0 if x > 0 else -1.0 if x < 0 else (0.0 if x == x else x)\n"),
}
_PY_RESERVED = frozenset(keyword.kwlist) | {"math", "abs", "max"} | {
    f"_{name}" for name in _PY_HELPERS}


def _spell_op(op: _ops.Op, parts: list[tuple[str, int]], python: bool) -> tuple[str, int]:
    """``op`` applied to argument texts (with their precedence), parenthesised so that it
    parses back to exactly this tree."""
    p = op.precedence
    if op.arity == 1 and op.symbol:  # unary minus
        text, q = parts[0]
        return "-" + (f"({text})" if q <= p else text), p
    if op.symbol and not (python and op is _POW):
        (left, lp), (right, rp) = parts
        if lp < p or (op.right and lp == p):
            left = f"({left})"
        if rp < p or (not op.right and rp == p):
            right = f"({right})"
        return (f"{left}^{right}" if op is _POW else f"{left} {op.symbol} {right}"), p
    args = ", ".join(text for text, _ in parts)
    if not python:
        return f"{op.name}({args})", 9
    if op is _POW:
        return f"math.pow({args})", 9
    if op.name in _PY_HELPERS:
        return f"_{op.name}({args})", 9
    return (f"abs({args})" if op.name == "abs" else f"math.{op.name}({args})"), 9


class _Speller:
    """Spells nodes of the adjoint graph, named nodes by name (loops only, no recursion)."""

    def __init__(self, graph: Any, names: dict[int, str], python: bool) -> None:
        self.g, self.names, self.python = graph, names, python

    def leaf(self, n: int) -> tuple[str, int]:
        g = self.g
        if g.op[n] == INPUT:
            return self.names[n], 9
        value, text = g.const_value(n), g.const_text(n)
        if self.python:
            text = {"pi": "math.pi", "e": "math.e"}.get(text, repr(value))
        return text, 3 if text.startswith("-") else 9

    def spell(self, node: int, own: bool = True) -> tuple[str, int]:
        """Text and precedence of ``node``; with ``own`` the node itself is spelled out even
        when it has a name (the right side of its statement)."""
        g, memo = self.g, {}
        stack = [(node, False)]
        while stack:
            n, expanded = stack.pop()
            if n in memo:
                continue
            if n in self.names and not (own and n == node):
                memo[n] = (self.names[n], 9) if g.op[n] != CONST else self.leaf(n)
                continue
            if g.op[n] <= CONST:
                memo[n] = self.leaf(n)
                continue
            args = g.args(n)
            if not expanded:
                stack.append((n, True))
                stack.extend((x, False) for x in args if x not in memo)
                continue
            memo[n] = _spell_op(_ops.BY_CODE[g.op[n]], [memo[x] for x in args], self.python)
        return memo[node]


def _py_names(adj: Any) -> dict[str, str]:
    """diffx name -> Python name: keywords, ``math`` and the helpers' names get a ``_``."""
    used: set[str] = set()
    out: dict[str, str] = {}
    for name in [*adj.original.inputs, *(st.name for st in adj.statements)]:
        py = name
        while py in _PY_RESERVED or py in used:
            py += "_"
        used.add(py)
        out[name] = py
    return out


def _lines(adj: Any, python: bool) -> list[str]:
    rename = _py_names(adj) if python else {}

    def nm(name: str) -> str:
        return rename.get(name, name)

    speller = _Speller(adj.graph, {n: nm(s) for n, s in adj.names.items()}, python)
    lines = []
    for st in adj.statements:
        if st.kind == "value":
            text = speller.spell(st.node)[0]
        elif st.kind == "seed":
            text = "1.0" if python else "1"
        elif st.kind == "zero":
            text = "0.0" if python else "0"
        elif st.kind == "alias":
            text = nm(st.g)
        else:
            g = nm(st.g)
            if st.partial is not None:
                ptext, p = speller.spell(st.partial, own=False)
                term = f"{g} * ({ptext})" if p <= _MUL.precedence else f"{g} * {ptext}"
                if st.rest:  # max's and min's second argument: the rest of g
                    term = f"({g} - {term})" if st.prev is not None else f"{g} - {term}"
            else:
                term = g
            if st.prev is None:
                text = f"-{term}" if st.negate else term
            else:
                text = f"{nm(st.prev)} {'-' if st.negate else '+'} {term}"
        lines.append(f"{nm(st.name)} = {text}")
    return lines


def _header(adj: Any) -> str:
    wrt = ", ".join(adj.wrt) if adj.wrt else "no input"
    return (f"value and gradient of {adj.value} with respect to {wrt}: "
            "the program the reverse sweep runs")


def size_line(adj: Any) -> str:
    """The cheap-gradient principle, measured: nodes of the adjoint graph per node of the
    original."""
    return (f"{adj.graph.size} nodes, the original has {adj.original.size}: "
            f"{adj.ratio:.2f} times its size")


def warning_comments(adj: Any, indent: str = "") -> list[str]:
    """The original's warnings (a traced function's branch taken) as comment lines: the
    program is valid only where they say."""
    import textwrap

    out: list[str] = []
    for w in getattr(adj, "warnings", ()):
        out.extend(f"{indent}# {part}" for part in
                   textwrap.wrap(f"warning: {w}", 92, subsequent_indent="  "))
    return out


def diffx_text(adj: Any) -> str:
    """The adjoint program in diffx's language, with a comment saying what it computes."""
    return "\n".join([f"# {_header(adj)}", *warning_comments(adj), *_lines(adj, python=False),
                      f"# {size_line(adj)}"]) + "\n"


def python_text(adj: Any, function: str | None = None) -> str:
    """A standalone Python function (``import math`` only) returning the value and the
    gradient as a dict. Where diffx gives inf or nan, Python's ``math`` raises instead."""
    rename = _py_names(adj)
    name = function or rename.get(adj.value, adj.value) + "_and_gradient"
    used = {_ops.BY_CODE[c].name for c in set(adj.graph.op) if c > CONST}
    helpers = [_PY_HELPERS[n] for n in _PY_HELPERS if n in used]
    params = ", ".join(rename[i] for i in adj.original.inputs)
    grad = ", ".join(f"{w!r}: {rename[n]}" for w, n in adj.partials.items())
    body = [f"    {line}" for line in _lines(adj, python=True)]
    text = ["import math", "", "", *(h + "\n" for h in helpers),
            f"def {name}({params}):",
            f'    """Value and gradient of {adj.value} (generated by diffx adjoint)."""',
            *warning_comments(adj, "    "), *body, f"    return {rename[adj.value]}, {{{grad}}}"]
    return "\n".join(text) + "\n"


# ---------------------------------------------------------------- reading partial texts

def number_text(v: float) -> str:
    """A number as the language writes it, read back exactly (3, not 3.0)."""
    return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)


class _Recorder:
    """Stands in for a GraphBuilder while diffx's parser reads a partial's text: records the
    nodes as a tape (``in``/``const``/``op`` entries, arguments as tape positions)."""

    def __init__(self) -> None:
        self.tape: list[tuple] = []
        self.leaf: dict[int, tuple[float, str]] = {}
        self.assigned: dict[str, int] = {}
        self.n_statements = 0
        self.result = -1

    def _add(self, entry: tuple) -> int:
        self.tape.append(entry)
        return len(self.tape) - 1

    def input(self, name: str) -> int:
        return self._add(("in", name))

    def const(self, value: float, text: str) -> int:
        node = self._add(("const", value, text))
        self.leaf[node] = (value, text)
        return node

    def node(self, code: int, a: int, b: int = -1, at: int = -1) -> int:
        return self._add(("op", code, a, b))

    def is_literal(self, node: int) -> bool:
        return node in self.leaf and self.leaf[node][1] not in _ops.CONSTANTS

    def statement(self, name: str | None, node: int, offset: int = 0) -> None:
        self.n_statements += 1
        self.result = node

    def finish(self) -> tuple[tuple, int]:
        return tuple(self.tape), self.result


@lru_cache(maxsize=256)
def tape(text: str) -> tuple[tuple, int]:
    """diffx's own partial text, parsed once into a tape of nodes to replay."""
    return parse_text(text, _Recorder())
