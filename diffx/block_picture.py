"""The picture model of a vector program at the block level: what ``diffx graph`` draws for
``z = W1 @ x + b1; h = sigmoid(z); ...`` by default, as data.

One node per block node (an input such as ``W1``, a named value such as ``z``, an op such as
``@`` or ``σ``), with its name, shape and, at a point, its value and its adjoint ∂L/∂node from
the block sweep (:mod:`diffx.blocksweep`). One edge per argument, labelled with that edge's
share of the argument's adjoint in the lecture's matrix notation (``∂L/∂W2 = ȳ hᵀ``), taken
from the backward model (:func:`diffx.backward.edge_rules`, which derives it from the block
ops' ``notation`` rows), and the shape of the Jacobian ∂head/∂tail (head's shape then tail's).
Nothing here draws: :mod:`diffx.present.block_dot` turns a ``BlockPicture`` into Graphviz.
``--expand`` draws the scalar expansion with :mod:`diffx.picture` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import blockops as _blockops
from . import blocksweep
from . import ops as _ops
from .backward import _forward_texts, _names, edge_rules
from .backward_terms import bar
from .errors import DiffxError, OptionError, option
from .ops import CONST, INPUT
from .shapes import Shape


@dataclass
class BlockNode:
    id: str
    node: int  # the block node it draws
    kind: str  # "input", "const", "op"
    name: str | None  # the program's name for it
    op: str | None  # the op's label ("@", "+", "σ", "sum"); None for leaves
    text: str  # how the backward rules write it ("W2 h"); constants: their text
    shape: Shape
    partial: str = ""  # "∂L/∂(W2 h)"
    output: bool = False
    value: Any = None  # numpy array at the point
    norm: float | None = None  # its Euclidean (Frobenius) norm
    adjoint: Any = None  # ∂output/∂node, shaped like the node
    highlighted: bool = False


@dataclass
class BlockEdge:
    tail: str
    head: str
    key: int  # the argument position
    partial: str  # "∂L/∂W2"
    rule: str | None  # "ȳ hᵀ"; None on an edge that carries no derivative
    shown: str | None  # the rule with elementwise derivatives written out, when it differs
    shared: bool  # the tail has other uses: this edge adds one share ("+=")
    jacobian: Shape  # shape of ∂head/∂tail: head's shape, then tail's
    constant: bool = False
    highlighted: bool = False


@dataclass
class BlockPicture:
    title: str
    output_name: str
    nodes: list[BlockNode]
    edges: list[BlockEdge]
    direction: str = "LR"
    point: dict[str, Any] | None = None
    wrt: str | None = None
    derivative: Any = None  # with wrt: ∂output/∂wrt, shaped like it
    vector_output: bool = False  # adjoints need a cotangent: none shown
    warnings: list[str] = field(default_factory=list)


def _op_label(code: int) -> str:
    if _blockops.is_block(code):
        op = _blockops.BY_CODE[code]
        return op.label or op.name
    return _ops.BY_CODE[code].label


def block_picture(program: Any, values: dict[str, Any] | None = None, *,
                  wrt: str | None = None, direction: str = "LR",
                  max_nodes: int = 300) -> BlockPicture:
    """The block-level picture of the VectorProgram ``program``; ``values`` (input name ->
    array of its shape) gives values and adjoints; ``wrt`` (an input's name) highlights what
    depends on it."""
    if direction not in ("LR", "TB", "RL", "BT"):
        raise OptionError(f"{option('direction')} must be LR, TB, RL or BT, got {direction!r}")
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise OptionError(f"{option('max_nodes')} must be a positive whole number, got "
                          f"{max_nodes!r}", param="max_nodes")
    blocks, shapes = program.blocks, program.node_shapes
    if wrt is not None and wrt not in program.inputs:
        raise OptionError(f"{option('wrt')} {wrt}: not an input of the program (the inputs "
                          f"are: {', '.join(program.inputs)})", param="wrt")
    live = _reachable(blocks)
    shown = sum(live)
    if shown > max_nodes:
        raise DiffxError(f"the block graph has {shown:,} nodes; pictures stop at "
                         f"{max_nodes:,} ({option('max_nodes')})")
    out = blocks.output
    output_name = blocks.output_name or "f"
    named = _names(blocks)
    texts = _forward_texts(blocks, named, shapes)
    rules = edge_rules(blocks, shapes, tuple(program.inputs))
    pic = BlockPicture(program.title(), output_name, [], [], direction, wrt=wrt,
                       vector_output=bool(shapes[out]))
    vals = adj = None
    if values is not None:
        vals = blocksweep.forward(program, values)
        if not shapes[out]:
            adj = blocksweep.backward(program, vals)
        pic.point = {k: np.asarray(v, dtype=float) for k, v in values.items()}
        pic.warnings = blocksweep.finite_warnings(vals, adj or {})
    near = blocksweep.active(blocks, [wrt]) if wrt is not None else None
    uses = [0] * len(blocks.code)
    for k in range(out + 1):
        if live[k]:
            for a in blocks.args[k]:
                uses[a] += 1
    for k in range(out + 1):
        if not live[k]:
            continue
        code = blocks.code[k]
        kind = "input" if code == INPUT else "const" if code == CONST else "op"
        name = named.get(k) if kind != "const" else None
        node = BlockNode(f"b{k}", k, kind, name, None if kind != "op" else _op_label(code),
                         texts[k].text, tuple(shapes[k]), output=k == out,
                         partial=f"∂{output_name}/∂{_part(name or texts[k].text)}")
        if vals is not None and kind != "const":
            node.value = vals[k]
            node.norm = float(np.linalg.norm(np.ravel(vals[k])))
            if adj is not None:
                node.adjoint = adj.get(k, np.zeros(shapes[k]))
        if near is not None:
            node.highlighted = near[k]
        pic.nodes.append(node)
        for i, a in enumerate(blocks.args[k]):
            rule = rules.get((a, k, i))
            tail = named.get(a) or texts[a].text
            edge = BlockEdge(f"b{a}", f"b{k}", i, f"∂{output_name}/∂{_part(tail)}",
                             rule[0] if rule else None,
                             rule[1] if rule and rule[1] != rule[0] else None,
                             uses[a] > 1, tuple(shapes[k]) + tuple(shapes[a]),
                             constant=rule is None)
            if near is not None:
                edge.highlighted = near[a]
            pic.edges.append(edge)
    if wrt is not None and adj is not None:
        pic.derivative = blocksweep.input_adjoints(program, adj, [wrt])[wrt]
    return pic


def legend(pic: BlockPicture) -> list[str]:
    """What the symbols of the rules mean (the caption's lines)."""
    o = pic.output_name
    lines = [f"v̄ = ∂{o}/∂v, the adjoint of v (shaped like v); ∘ is the elementwise product; "
             "each edge: its share of the adjoint of its tail, and the Jacobian's shape"]
    if pic.vector_output:
        lines.append(f"{o} is a vector: the rules start from a cotangent {bar(o)}; no adjoint "
                     "values without one")
    return lines


def _part(text: str) -> str:
    return f"({text})" if " " in text else text


def _reachable(blocks: Any) -> list[bool]:
    """The nodes the output depends on (one reverse loop)."""
    live = [False] * len(blocks.code)
    live[blocks.output] = True
    for k in range(blocks.output, -1, -1):
        if live[k]:
            for a in blocks.args[k]:
                live[a] = True
    return live
