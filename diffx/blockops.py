"""The block ops: operations on whole vectors and matrices, one record each.

A vector program (``z = W1 @ x + b1; h = sigmoid(z)``) has two kinds of node. Every scalar op
of ``diffx.ops`` acts elementwise with numpy broadcasting; its value and partials are the op
table's own (compiled for numpy), so a new scalar op is a vector op at once. The ops that are
not elementwise are the records below: ``@``, transpose, indexing, ``sum``, ``mean``, ``dot``,
``outer``, ``softmax`` and ``logsumexp`` (the last two along the last axis, as
``torch.softmax(x, dim=-1)``). Each record gives the shape rule, the value on numpy arrays, the
vector-Jacobian product for each argument (the matrix form of the chain rule:
for ``y = W @ h`` it is ``W̄ += ȳ hᵀ`` and ``h̄ += Wᵀ ȳ``) and that rule in the lecture's
notation. ``norm(x)`` and ``transpose(W)`` are spelled with these (``sqrt(sum(x^2))``, ``W.T``).

Codes of block ops start at ``FIRST_CODE``, above every scalar op code, so one code tells the
two kinds apart. The chain rule is not here: ``diffx.blocksweep`` combines these products.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import ops as _ops
from .shapes import Shape, ShapeProblem, broadcast, describe, matmul_shape, parse_index

FIRST_CODE = 64


@dataclass(frozen=True)
class BlockOp:
    """One operation on whole arrays (see the module docstring)."""

    name: str
    arity: int
    code: int
    shape: Callable[[tuple[Shape, ...], Any], Shape]  # raises ShapeProblem
    value: Callable[..., Any]  # (*args, attr) -> array
    vjp: tuple[Callable[..., Any], ...]  # per argument: (g, *args, out, attr) -> array
    notation: Callable[[tuple[Shape, ...]], tuple[str, ...]]  # per argument, over ḡ, a, b
    label: str = ""


def unbroadcast(g: Any, shape: Shape) -> Any:
    """Sum ``g`` over the axes that broadcasting stretched, back to ``shape``: the leading
    axes in one reduction, then the stretched axes of length 1 in another (no copy when
    nothing was stretched)."""
    g = np.asarray(g)
    lead = g.ndim - len(shape)
    if lead > 0:
        g = g.sum(axis=tuple(range(lead)))
    stretched = tuple(axis for axis, d in enumerate(shape) if d == 1 and g.shape[axis] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def scatter(shape: Shape, index: tuple[int, ...], g: Any) -> np.ndarray:
    """An array of zeros of ``shape`` holding ``g`` at ``index`` (indexing's product)."""
    out = np.zeros(shape)
    out[index] = g
    return out


def softmax(x: Any) -> np.ndarray:
    """softmax along the last axis, shifted by the maximum (exact in floats: no overflow)."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def logsumexp(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    m = x.max(axis=-1)
    return m + np.log(np.exp(x - m[..., None]).sum(axis=-1))


# -- shape rules -------------------------------------------------------------------------------
def _matmul_shape(s: tuple[Shape, ...], attr: Any) -> Shape:
    return matmul_shape(s[0], s[1])


def _vector_pair(name: str) -> Callable[[tuple[Shape, ...], Any], Shape]:
    def rule(s: tuple[Shape, ...], attr: Any) -> Shape:
        x, y = s
        if len(x) != 1 or len(y) != 1 or (name == "dot" and x != y):
            what = "two vectors of one length" if name == "dot" else "two vectors"
            raise ShapeProblem(f"{name} takes {what}, got shapes {describe(x)} and "
                               f"{describe(y)}")
        return () if name == "dot" else (x[0], y[0])
    return rule


def _last_axis(name: str, keep: bool) -> Callable[[tuple[Shape, ...], Any], Shape]:
    def rule(s: tuple[Shape, ...], attr: Any) -> Shape:
        if not s[0]:
            raise ShapeProblem(f"{name} takes a vector or a matrix, got a scalar")
        return s[0] if keep else s[0][:-1]
    return rule


def _needs_array(name: str, result: Callable[[Shape], Shape]
                 ) -> Callable[[tuple[Shape, ...], Any], Shape]:
    def rule(s: tuple[Shape, ...], attr: Any) -> Shape:
        if not s[0]:
            raise ShapeProblem(f"{name} takes a vector or a matrix, got a scalar")
        return result(s[0])
    return rule


def _index_shape(s: tuple[Shape, ...], attr: Any) -> Shape:
    return parse_index(s[0], attr)[1]


# -- vector-Jacobian products: (g, *args, out, attr) -> the adjoint's contribution -------------
def _matmul_dx(g: Any, x: Any, y: Any, out: Any, attr: Any) -> Any:
    if y.ndim == 1:
        return np.outer(g, y) if x.ndim == 2 else g * y
    return g @ y.T if x.ndim == 2 else y @ g


def _matmul_dy(g: Any, x: Any, y: Any, out: Any, attr: Any) -> Any:
    if x.ndim == 1:
        return np.outer(x, g) if y.ndim == 2 else g * x
    return x.T @ g


def _matmul_notation(s: tuple[Shape, ...]) -> tuple[str, ...]:
    rx, ry = len(s[0]), len(s[1])
    if rx == 2 and ry == 2:
        return "ḡ bᵀ", "aᵀ ḡ"
    if rx == 2:
        return "ḡ bᵀ", "aᵀ ḡ"  # W̄ = ȳ hᵀ, h̄ = Wᵀ ȳ
    if ry == 2:
        return "b ḡ", "a ḡᵀ"
    return "ḡ b", "ḡ a"


def _fixed(*texts: str) -> Callable[[tuple[Shape, ...]], tuple[str, ...]]:
    return lambda s: texts


_BLOCK_TABLE: tuple[tuple[Any, ...], ...] = (
    # name, arity, shape rule, value, vjps, notation, label
    ("matmul", 2, _matmul_shape, lambda x, y, a: x @ y, (_matmul_dx, _matmul_dy),
     _matmul_notation, "@"),
    ("transpose", 1, lambda s, a: s[0][::-1], lambda x, a: np.asarray(x).T,
     (lambda g, x, out, a: np.asarray(g).T,),
     lambda s: ("ḡᵀ",) if len(s[0]) == 2 else ("ḡ",), "ᵀ"),  # a vector's .T is itself
    ("index", 1, _index_shape, lambda x, a: np.asarray(x)[a],
     (lambda g, x, out, a: scatter(np.shape(x), a, g),), _fixed("ḡ eᵢ"), "[]"),
    ("sum", 1, _needs_array("sum", lambda s: ()), lambda x, a: np.sum(x),
     (lambda g, x, out, a: np.full(np.shape(x), g),), _fixed("ḡ 𝟙"), "Σ"),
    ("mean", 1, _needs_array("mean", lambda s: ()), lambda x, a: np.mean(x),
     (lambda g, x, out, a: np.full(np.shape(x), g / np.size(x)),), _fixed("ḡ 𝟙 / n"), "mean"),
    ("dot", 2, _vector_pair("dot"), lambda x, y, a: np.dot(x, y),
     (lambda g, x, y, out, a: g * y, lambda g, x, y, out, a: g * x), _fixed("ḡ b", "ḡ a"),
     "·"),
    ("outer", 2, _vector_pair("outer"), lambda x, y, a: np.outer(x, y),
     (lambda g, x, y, out, a: g @ y, lambda g, x, y, out, a: g.T @ x),
     _fixed("Ḡ b", "Ḡᵀ a"), "⊗"),
    ("softmax", 1, _last_axis("softmax", True), lambda x, a: softmax(x),
     (lambda g, x, out, a: out * (g - (g * out).sum(axis=-1, keepdims=True)),),
     _fixed("s ∘ (ḡ − (s · ḡ))"), "softmax"),
    ("logsumexp", 1, _last_axis("logsumexp", False), lambda x, a: logsumexp(x),
     (lambda g, x, out, a: np.asarray(g)[..., None] * softmax(x),),
     _fixed("ḡ softmax(a)"), "logsumexp"),
)

BLOCK_OPS: tuple[BlockOp, ...] = tuple(
    BlockOp(name, arity, FIRST_CODE + i, shape, value, vjp, notation, label)
    for i, (name, arity, shape, value, vjp, notation, label) in enumerate(_BLOCK_TABLE)
)
BY_CODE: dict[int, BlockOp] = {op.code: op for op in BLOCK_OPS}
BY_NAME: dict[str, BlockOp] = {op.name: op for op in BLOCK_OPS}
MATMUL = BY_NAME["matmul"].code
TRANSPOSE = BY_NAME["transpose"].code
INDEX = BY_NAME["index"].code
SUM = BY_NAME["sum"].code
# the words a program may call, beyond the scalar functions: each is a block op, or (norm,
# transpose) spelled with them by the builder
FUNCTIONS: dict[str, int] = {"sum": SUM, "mean": BY_NAME["mean"].code,
                             "dot": BY_NAME["dot"].code, "outer": BY_NAME["outer"].code,
                             "softmax": BY_NAME["softmax"].code,
                             "logsumexp": BY_NAME["logsumexp"].code,
                             "transpose": TRANSPOSE, "norm": -1}
ARITY: dict[str, int] = {name: (1 if code < 0 else BY_CODE[code].arity)
                         for name, code in FUNCTIONS.items()}
assert max(_ops.BY_CODE) < FIRST_CODE


def is_block(code: int) -> bool:
    return code >= FIRST_CODE


def shape_of(code: int, shapes: tuple[Shape, ...], attr: Any) -> Shape:
    """The shape of ``code`` applied to arguments of ``shapes``; raises ShapeProblem."""
    if code >= FIRST_CODE:
        return BY_CODE[code].shape(shapes, attr)
    return shapes[0] if len(shapes) == 1 else broadcast(shapes[0], shapes[1])


def evaluate(code: int, args: tuple[Any, ...], attr: Any) -> Any:
    """The value of one node on numpy arrays (a scalar op elementwise, from the op table)."""
    with np.errstate(all="ignore"):  # inf and nan are reported by the sweeps' warnings
        if code >= FIRST_CODE:
            return BY_CODE[code].value(*args, attr)
        return _ops.BY_CODE[code].evaluate(*args, ns="numpy")


def vjp(code: int, g: Any, args: tuple[Any, ...], out: Any, attr: Any,
        need: tuple[bool, ...] | None = None) -> tuple[Any, ...]:
    """Each argument's share of the adjoint ``g`` of the node ``code(args) = out``, shaped
    like the argument (the matrix chain rule of one op). With ``need`` (one flag per
    argument), a share not needed is None and not computed: ``X̄ = ȳ W`` of ``X @ W.T`` costs
    as much as the product itself when only ``W`` is differentiated by."""
    if need is None:
        need = (True,) * len(args)
    with np.errstate(all="ignore"):  # inf and nan are reported by the sweeps' warnings
        if code >= FIRST_CODE:
            op = BY_CODE[code]
            return tuple(rule(g, *args, out, attr) if wanted else None
                         for rule, wanted in zip(op.vjp, need))
        partials = _ops.BY_CODE[code].local_partials(args, out, ns="numpy")
        return tuple(unbroadcast(g * p, np.shape(x)) if wanted else None
                     for p, x, wanted in zip(partials, args, need))
