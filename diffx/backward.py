"""The backward pass of a vector program in the lecture's matrix notation (``diffx.backward``).

One line per named value in reverse program order, then the inputs, each the adjoint of that
value written with the other adjoints: ``ȳ = L̄ · (y − t)``, ``W̄2 = ȳ hᵀ``, ``h̄ = W2ᵀ ȳ``,
``z̄ = h̄ ∘ σ'(z) = h̄ ∘ h ∘ (1 − h)``. Nothing is written for a particular example: the text is
derived by one reverse loop over the block nodes from the block ops' ``notation`` rows
(``diffx.blockops``) and, for elementwise ops, the op table's partials as shown (``shown``,
with ``out`` read as the value's name), taken by sympy with the constants put in. Unnamed
intermediates are inlined. A term is a coefficient, scalar factors and array factors:
constants fold (0.5 · 2 = 1), a factor 1 is dropped, and −(t − y) is written (y − t). Where a
rule is not one of these simple products it is printed as written in its record.

Every line's value is the block sweep's (``diffx.blocksweep``), seeded with ones at a vector
output (the gradient of the sum of its entries); ``Backward.check()`` compares each with the
scalar reverse sweep's adjoints of its elements on the expansion, seeded the same way (one
sweep per output entry, summed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import blocksweep
from . import blockops as _blockops
from . import ops as _ops
from .backward_terms import (Factor, Term, bar, elementwise_rule, index_term, render,
                             render_sum, size, unbroadcast)
from .blocks import BlockProgram
from .details import SweepDetails
from .ops import CONST, INPUT
from .shapes import Shape

# block and scalar sweeps do the same arithmetic in another order: rounding apart, never more
CHECK_TOLERANCE = 1e-8


@dataclass
class BackwardLine:
    """One adjoint: ``symbol = text`` (``= shown``, the op table's form, when it differs)."""

    name: str
    symbol: str
    text: str
    shown: str | None
    shape: Shape
    value: np.ndarray
    node: int = -1


@dataclass
class BackwardCheck:
    """Every line's adjoint against the scalar sweep's: the worst difference and where."""

    worst: float
    entry: str
    per_line: dict[str, float] = field(default_factory=dict)
    tolerance: float = CHECK_TOLERANCE
    seed: str = ""  # how the output's adjoint was seeded, said in the text

    @property
    def agrees(self) -> bool:
        """Whether every entry is within ``tolerance`` (relative, at least absolute)."""
        return bool(self.worst <= self.tolerance)


@dataclass
class Backward:
    """The backward program of ``program`` at ``point`` (see the module docstring)."""

    program: Any  # VectorProgram
    point: dict[str, Any]
    wrt: tuple[str, ...]
    lines: list[BackwardLine]
    warnings: list[str] = field(default_factory=list)

    def check(self) -> BackwardCheck:
        """Each line's value against the scalar reverse sweep's adjoints of its elements."""
        from .api import grad

        program = self.program
        graph, ids = program.expansion
        at = program.element_point(self.point)
        element_wrt = program.element_wrt(self.wrt)
        outs = ids[program.blocks.output]
        adjoints: Any = None
        # the block sweep seeds a vector output with ones (the gradient of the sum of its
        # entries): the scalar sweep is seeded alike, one sweep per entry, summed
        for node in outs.flat:
            result = grad(graph.view(int(node), graph.output_name), at=at, wrt=element_wrt,
                          method="reverse")
            details = result.details
            assert isinstance(details, SweepDetails)  # the reverse method's
            assert details.adjoints is not None  # kept at one point
            these = np.array([float(v) for v in details.adjoints])
            adjoints = these if adjoints is None else adjoints + these
        assert adjoints is not None  # an output has at least one entry
        worst, entry, per_line = 0.0, "", {}
        from .expand import element_names

        for line in self.lines:
            nodes = ids[line.node]
            ref = np.array([float(adjoints[int(n)]) for n in nodes.flat]).reshape(nodes.shape)
            diff = np.abs(np.asarray(line.value, dtype=float) - ref)
            scale = np.maximum(1.0, np.abs(ref))
            rel = diff / scale
            per_line[line.name] = float(rel.max(initial=0.0))
            if rel.size and float(rel.max()) >= worst:
                worst = float(rel.max())
                entry = element_names(line.name, line.shape)[int(np.argmax(rel))]
        name = program.blocks.output_name or "f"
        seed = f"{bar(name)} = 1 (every entry: the gradient of sum({name}))" if outs.ndim else ""
        return BackwardCheck(worst, entry, per_line, seed=seed)


def backward(source: Any, *, at: Any = None, shapes: Any = None,
             wrt: Any = None) -> Backward:
    """The backward program of a vector program at ``at`` (whole values), in matrix notation."""
    from .program import parse
    from .vectors import VectorProgram
    from .errors import OptionError, PointError, option

    if not isinstance(at, Mapping):
        raise PointError(f"the backward pass needs one point: give {option('at')} with a "
                         "value for every input (x=[1,-2], W=[[1,2],[3,4]])", param="at")
    shapes = dict(shapes or {})
    point = dict(at)
    for name, value in point.items():
        value = getattr(value, "array", value)
        point[name] = np.asarray(value, dtype=float)
        if point[name].ndim:  # scalars need no shape: a scalar program stays scalar
            shapes.setdefault(name, point[name].shape)
    program = source if isinstance(source, VectorProgram) else parse(source, shapes=shapes)
    if not isinstance(program, VectorProgram):
        raise OptionError("the backward pass in matrix notation needs a vector program (one "
                          "with @, .T, indexing, sum or vector values)")
    if shapes and isinstance(source, VectorProgram):
        program = program.with_shapes(shapes)
    if isinstance(wrt, str):
        wrt = tuple(w.strip() for w in wrt.split(","))
    wrt = tuple(wrt) if wrt else program.inputs
    unknown = [w for w in wrt if w not in program.inputs]
    if unknown:
        raise OptionError(f"{option('wrt')} {unknown[0]}: not an input of the program (the "
                          f"inputs are: {', '.join(program.inputs)})", param="wrt")
    extra = [n for n in point if n not in program.inputs]
    if extra:
        raise PointError(f"{option('at')} names {extra[0]!r}, which is not an input of the "
                         f"program; the inputs are: {', '.join(program.inputs)}", param="at")
    missing = [n for n in program.inputs if n not in point]
    if missing:
        raise OptionError(f"the backward pass needs a value for {missing[0]} in "
                          f"{option('at')}", param="at")
    values = blocksweep.forward(program, point)
    adjoints = blocksweep.backward(program, values, wrt)
    lines = notation_lines(program.blocks, program.node_shapes, wrt)
    for line in lines:
        line.value = adjoints[line.node]
    return Backward(program, point, wrt, lines, blocksweep.finite_warnings(values, adjoints))


# -- the notation: one reverse loop with terms in place of arrays ------------------------------
def notation_lines(blocks: BlockProgram, shapes: tuple[Shape, ...],
                   wrt: tuple[str, ...]) -> list[BackwardLine]:
    """The lines of the backward program (values left empty): the same sweep twice, with the
    elementwise derivatives named (σ'(z)) and written out (h ∘ (1 − h))."""
    named = _names(blocks)
    texts = _forward_texts(blocks, named, shapes)
    abstract = _sweep(blocks, shapes, wrt, named, texts, concrete=False)
    concrete = _sweep(blocks, shapes, wrt, named, texts, concrete=True)
    order = _line_order(blocks, named, wrt)
    seen: set[int] = set()
    lines = []
    for node in order:
        if node in seen or node not in abstract:
            continue
        seen.add(node)
        name = named[node]
        text = abstract[node]
        shown = concrete[node] if concrete[node] != text else None
        lines.append(BackwardLine(name, bar(name), text, shown, shapes[node],
                                  np.zeros(shapes[node]), node))
    return lines


def _line_order(blocks: BlockProgram, named: dict[int, str], wrt: tuple[str, ...]) -> list[int]:
    """The statements' values in reverse program order, each followed by the inputs of ``wrt``
    that its statement is the first to use (``ȳ``, then ``W̄2`` and ``b̄2``)."""
    wanted = set(wrt)
    order: list[int] = []
    ends = [node for _, node, _ in blocks.statements]
    for s in range(len(ends) - 1, -1, -1):
        target, node, _ = blocks.statements[s]
        if target is not None and named.get(node) == target:
            order.append(node)
        start = max(ends[:s], default=-1) + 1
        order += [k for k in range(start, node + 1) if blocks.code[k] == INPUT
                  and blocks.attr[k] in wanted]
    placed = set(order)
    return order + [k for k, c in enumerate(blocks.code)
                    if c == INPUT and blocks.attr[k] in wanted and k not in placed]


def _names(blocks: BlockProgram) -> dict[int, str]:
    named: dict[int, str] = {}
    for k, c in enumerate(blocks.code):
        if c == INPUT:
            named[k] = str(blocks.attr[k])
    for target, node, _ in blocks.statements:
        if target is not None and node not in named:
            named[node] = target
    if blocks.output not in named:
        named[blocks.output] = blocks.output_name or "f"
    return named


def _forward_texts(blocks: BlockProgram, named: dict[int, str],
                   shapes: tuple[Shape, ...]) -> list[Factor]:
    """How each node's value is written: its name, else spelled from its arguments."""
    out: list[Factor] = []
    for k, code in enumerate(blocks.code):
        args = [out[a] for a in blocks.args[k]]
        if k in named:
            out.append(Factor(named[k]))
        elif code == CONST:
            out.append(Factor(str(blocks.attr[k][1]), const=float(blocks.attr[k][0])))
        elif _blockops.is_block(code):
            name = _blockops.BY_CODE[code].name
            ranks = [len(shapes[a]) for a in blocks.args[k]]
            if name == "matmul":  # a vector is a column: on the left it is transposed
                left = args[0].transposed if ranks[0] == 1 else args[0].wrapped
                out.append(Factor(f"{left} {args[1].wrapped}", atomic=False))
            elif name == "transpose":
                out.append(Factor(args[0].transposed) if ranks[0] == 2 else args[0])
            elif name == "index":
                idx = ",".join(str(i) for i in blocks.attr[k])
                out.append(Factor(f"{args[0].wrapped}[{idx}]", atomic=True))
            else:
                out.append(Factor(f"{name}({', '.join(a.text for a in args)})", atomic=True))
        else:
            op = _ops.BY_CODE[code]
            parts = [(a.text, 9 if a.alone else 1) for a in args]
            text, _ = _ops.spell(op, parts)
            text = text.replace(" - ", " − ").replace("*", " ∘ ")
            diff = (args[0].text, args[1].text) if op.name == "sub" else None
            out.append(Factor(text, atomic=op.symbol is None, diff=diff))
    return out


def edge_rules(blocks: BlockProgram, shapes: tuple[Shape, ...], wrt: tuple[str, ...]
               ) -> dict[tuple[int, int, int], tuple[str, str]]:
    """Each edge's share of its argument's adjoint, (argument, node, position) -> (rule, rule
    with the elementwise derivatives written out): ``ȳ hᵀ`` on the edge from W2 to W2 @ h."""
    named = _names(blocks)
    texts = _forward_texts(blocks, named, shapes)
    abstract: dict[tuple[int, int, int], Term] = {}
    concrete: dict[tuple[int, int, int], Term] = {}
    _sweep(blocks, shapes, wrt, named, texts, concrete=False, edges=abstract)
    _sweep(blocks, shapes, wrt, named, texts, concrete=True, edges=concrete)
    return {e: (render(t), render(concrete.get(e, t))) for e, t in abstract.items()}


def _sweep(blocks: BlockProgram, shapes: tuple[Shape, ...], wrt: tuple[str, ...],
           named: dict[int, str], texts: list[Factor], concrete: bool,
           edges: dict[tuple[int, int, int], Term] | None = None) -> dict[int, str]:
    """Reverse loop: each node's adjoint as terms; a named node's line is its terms' sum, and
    the nodes it feeds see it by its symbol (ȳ). ``edges`` collects each edge's term."""
    live = blocksweep.active(blocks, wrt)
    parts: dict[int, list[Term]] = {}
    lines: dict[int, str] = {}
    out = blocks.output
    if not live[out]:
        return lines
    parts[out] = [Term()]
    for k in range(out, -1, -1):
        terms = parts.pop(k, None)
        if not terms:
            continue
        if k in named:
            lines[k] = render_sum(terms, shapes[k])
            symbol = bar(named[k])
            g = Term(scalars=(symbol,)) if not shapes[k] else Term(factors=(("", Factor(symbol)),))
        elif len(terms) == 1:
            g = terms[0]
        else:
            text = f"({render_sum(terms, shapes[k])})"
            g = Term(scalars=(text,)) if not shapes[k] else Term(factors=(("", Factor(text)),))
        code = blocks.code[k]
        if code in (INPUT, CONST):
            continue
        args = blocks.args[k]
        arg_texts = [texts[a] for a in args]
        for i, a in enumerate(args):
            if not live[a]:
                continue
            if _blockops.is_block(code):
                term = _block_rule(blocks, k, i, g, arg_texts, texts[k], shapes)
            else:
                scalar = [not shapes[b] for b in args] + [not shapes[k]]
                term = elementwise_rule(code, i, g, arg_texts, texts[k], concrete, scalar)
                term = unbroadcast(term, shapes[a], shapes[k])
            if term is not None:
                parts.setdefault(a, []).append(term)
                if edges is not None:
                    edges[(a, k, i)] = term
    return lines


_TOKEN = re.compile(r"(?<![\w])(ḡ|Ḡ|a|b|s|n)(ᵀ?)(?![\w])")


def _block_rule(blocks: BlockProgram, k: int, i: int, g: Term, args: list[Factor],
                out: Factor, shapes: tuple[Shape, ...]) -> Term | None:
    op = _blockops.BY_CODE[blocks.code[k]]
    if op.name == "index":
        return index_term(g, blocks.attr[k], shapes[blocks.args[k][0]])
    template = op.notation(tuple(shapes[a] for a in blocks.args[k]))[i]
    words = template.split()
    simple = all(_TOKEN.fullmatch(w) or w in ("𝟙", "/") for w in words)
    if simple:
        term = Term(g.coef, g.scalars, ())
        for w in words:
            if w in ("𝟙", "/"):  # ones are implied; "/ n" divides by the count
                continue
            match = _TOKEN.fullmatch(w)
            assert match is not None  # simple: every word matched
            base, t = match.groups()
            if base in "ḡḠ":
                factor = g.block()
                if factor is None and not shapes[k]:
                    continue
                factor = factor or Factor("𝟙")
                term = term.times(factor.transposed_factor() if t else factor, " ")
            elif base == "n":
                term = Term(term.coef / size(shapes[blocks.args[k][0]]), term.scalars,
                            term.factors)
            else:
                f = out if base == "s" else args["ab".index(base)]
                term = term.times(f.transposed_factor() if t else f, " ")
        return term
    names = {"n": str(size(shapes[blocks.args[k][0]]))}

    def fill(m: re.Match) -> str:
        base, t = m.groups()
        if base in "ḡḠ":
            text = render(g)
            return (f"({text})" if " " in text else text) + t
        if base == "n":
            return names["n"]
        factor = out if base == "s" else args["ab".index(base)]
        return factor.wrapped + t

    text = _TOKEN.sub(fill, template)
    return Term(factors=(("", Factor(text, atomic=False)),))
