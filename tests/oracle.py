"""An independent oracle for random diffx programs (not a test module: the fuzz tests import it).

It provides

* :func:`random_program` -- a straight-line program of 1-12 statements over 1-3 inputs that
  uses every op of the language (``+ - * / ^``, unary ``-``, the 15 one-argument functions and
  ``max``/``min``) and constants from 0 to 1e300, as a small AST and as diffx source text;
* :func:`random_point` -- ordinary points, domain edges (0, +-1, +-0.5), ties, tiny
  (1e-200..1e-10) and huge (1e10..1e300) magnitudes;
* :func:`run_oracle` -- the program's value and gradient from this module's own interpreter of
  the AST in mpmath (2,400 bits, checked against 4,800) with dual numbers: diffx's parser and op
  table are never used. The gradient follows the documented kink convention (relu'(0) = 0,
  abs'(0) = 0, a max/min tie splits 1/2-1/2) and strong zeros (a zero tangent or a zero local
  partial contributes 0 whatever it meets). A second "shadow" run rounds every node's value to
  a double, as diffx's forward pass does, but still takes local derivatives exactly: a method
  that matches either run has differentiated correctly the program diffx evaluated.

The ASTs are at most a few levels deep, so the small recursive helpers here are safe.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import mpmath

#: a private context: sympy's evalf changes the shared ``mpmath.mp`` precision (in abandoned
#: worker threads too), which must never leak into the reference values
mp = mpmath.MPContext()
mpf = mp.mpf

UNARY = ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "asin",
         "acos", "atan", "sigmoid", "relu", "softplus")
CONSTANTS = ("0", "1", "0.5", "2", "3", "0.1", "pi", "e", "1e300", "1e-300", "1e10", "1e-10",
             "2.5", "10")
EXPONENTS = ("2", "3", "0.5", "-1", "0", "1.5", "-2", "1", "1e10")
INPUT_SETS = (("x", "y", "z"), ("a", "b", "c"), ("x1", "x2", "x3"))
CLAMP = 100_000  # |log2 value| beyond this: the exact run calls the value infinite (or 0)


# ---------------------------------------------------------------- programs

def _expr(rng: random.Random, depth: int, leaves: list) -> tuple:
    if depth <= 0 or rng.random() < 0.25:
        roll = rng.random()
        if roll < 0.12:
            return ("c", rng.choice(CONSTANTS))
        return rng.choice(leaves)
    kind = rng.random()
    if kind < 0.40:
        op = rng.choice("+-*/^")
        left = _expr(rng, depth - 1, leaves)
        if op == "^" and rng.random() < 0.7:
            return ("op", op, left, ("c", rng.choice(EXPONENTS)))
        return ("op", op, left, _expr(rng, depth - 1, leaves))
    if kind < 0.47:
        return ("neg", _expr(rng, depth - 1, leaves))
    if kind < 0.90:
        return ("fn", rng.choice(UNARY), _expr(rng, depth - 1, leaves))
    b = ("c", rng.choice(("0", "0.5", "1"))) if rng.random() < 0.4 else \
        _expr(rng, depth - 1, leaves)
    return ("fn", rng.choice(("max", "min")), _expr(rng, depth - 1, leaves), b)


def render(node: tuple) -> str:
    """diffx source text for an expression AST, fully parenthesised."""
    tag = node[0]
    if tag in ("in", "ref"):
        return node[1]
    if tag == "c":
        return f"({node[1]})" if node[1].startswith("-") else node[1]
    if tag == "neg":
        return f"(-{render(node[1])})"
    if tag == "op":
        return f"({render(node[2])} {node[1]} {render(node[3])})"
    return f"{node[1]}({', '.join(render(a) for a in node[2:])})"


def _refs(node: tuple, out: set) -> set:
    if node[0] in ("in", "ref"):
        out.add(node[1])
    for child in node[1:]:
        if isinstance(child, tuple):
            _refs(child, out)
    return out


@dataclass
class Program:
    inputs: tuple[str, ...]  # the inputs the program uses, in order of first use
    statements: list = field(default_factory=list)  # [(name, ast)]

    @property
    def source(self) -> str:
        return "; ".join(f"{n} = {render(e)}" for n, e in self.statements)


def random_program(rng: random.Random) -> Program:
    """A straight-line program in which every statement and every input is used."""
    names = rng.choice(INPUT_SETS)[: rng.randint(1, 3)]
    n = rng.randint(1, 12)
    statements: list = []
    for k in range(n):
        leaves = [("in", x) for x in names] + [("ref", s) for s, _ in statements[-3:]]
        statements.append((f"s{k + 1}", _expr(rng, rng.randint(1, 3), leaves)))
    used: set = set()
    for _, e in statements:
        _refs(e, used)
    last_name, last = statements[-1]
    for s, _ in statements[:-1]:
        if s not in used:
            last = ("op", "+", last, ("ref", s))
    missing = [x for x in names if x not in used and x not in _refs(last, set())]
    for x in missing:
        last = ("op", rng.choice("+*"), last, ("fn", rng.choice(UNARY), ("in", x)))
    statements[-1] = (last_name, last)
    seen: list[str] = []
    for _, e in statements:
        for x in _ordered_inputs(e):
            if x in names and x not in seen:
                seen.append(x)
    return Program(tuple(seen), statements)


def _ordered_inputs(node: tuple) -> list[str]:
    if node[0] == "in":
        return [node[1]]
    out: list[str] = []
    for child in node[1:]:
        if isinstance(child, tuple):
            out += _ordered_inputs(child)
    return out


POINT_KINDS = ("ordinary", "edge", "tiny", "huge", "tie")


def random_point(rng: random.Random, inputs: tuple[str, ...], kind: str | None = None) -> dict:
    kind = kind or rng.choice(POINT_KINDS)
    shared = round(rng.uniform(-2, 2), 2) if rng.random() < 0.5 else rng.choice((0.0, 1.0, 0.5))

    def one() -> float:
        k = kind if kind != "tie" else "tie"
        if k == "ordinary":
            return round(rng.uniform(-3, 3), rng.choice((1, 3, 17)))
        if k == "edge":
            return rng.choice((0.0, 1.0, -1.0, 0.5, -0.5, 2.0))
        if k == "tiny":
            return rng.choice((1, -1)) * 10 ** rng.uniform(-200, -10)
        if k == "huge":
            return rng.choice((1, -1)) * 10 ** rng.uniform(10, 300)
        return shared

    return {x: float(one()) for x in inputs}


# ---------------------------------------------------------------- the interpreter

NAN = mpf("nan")


def _fin(*xs) -> bool:
    return all(mp.isfinite(x) for x in xs)


def _pow(a, b):
    if not _fin(a, b):
        return mpf(float(np_pow(float(a), float(b))))
    if a == 0:
        return mpf(0) if b > 0 else (mpf(1) if b == 0 else mp.inf)
    if a < 0 and b != mp.floor(b):
        return NAN
    size = b * mp.log(abs(a), 2)
    if abs(size) > CLAMP:
        if size < 0:
            return mpf(0)
        return mp.inf if a > 0 or b % 2 == 0 else -mp.inf
    return mp.power(a, b)


def np_pow(a: float, b: float) -> float:
    import numpy as np

    with np.errstate(all="ignore"):
        return float(np.power(np.float64(a), np.float64(b)))


def _exp(a):
    if a > CLAMP:
        return mp.inf
    return mpf(0) if a < -CLAMP else mp.exp(a)


def _sigmoid(a):
    t = _exp(-abs(a))
    return 1 / (1 + t) if a >= 0 else t / (1 + t)


def _div(a, b):
    if b == 0:
        return NAN if a == 0 or not _fin(a) else mp.inf * mp.sign(a)
    return a / b


def _local(name: str, args: list) -> tuple:
    """(value, local partials) of one op at exact arguments; non-finite partials as nan."""
    a = args[0]
    b = args[1] if len(args) > 1 else None
    if name == "+":
        return a + b, (1, 1)
    if name == "-":
        return a - b, (1, -1)
    if name == "*":
        return a * b, (b, a)
    if name == "/":
        return _div(a, b), (_div(mpf(1), b), _div(-a, b * b))
    if name == "neg":
        return -a, (-1,)
    if name == "^":
        da = 0 if b == 0 else b * _pow(a, b - 1)
        if a > 0:
            db = _pow(a, b) * mp.log(a)
        else:
            db = mpf(0) if a == 0 and b > 0 else NAN
        return _pow(a, b), (da, db)
    if name in ("max", "min"):
        first = (a > b) if name == "max" else (a < b)
        if a == b:
            return a, (mpf(0.5), mpf(0.5))
        return (a, (1, 0)) if first else (b, (0, 1))
    if not _fin(a):
        return _nonfinite(name, a), (NAN,)
    if name == "sin":
        return mp.sin(a), (mp.cos(a),)
    if name == "cos":
        return mp.cos(a), (-mp.sin(a),)
    if name == "tan":
        return mp.tan(a), (1 / mp.cos(a) ** 2,)
    if name == "exp":
        return _exp(a), (_exp(a),)
    if name == "log":
        if a <= 0:
            return (-mp.inf if a == 0 else NAN), (NAN,)
        return mp.log(a), (1 / a,)
    if name == "sqrt":
        if a <= 0:
            return (mpf(0) if a == 0 else NAN), (mp.inf if a == 0 else NAN,)
        return mp.sqrt(a), (1 / (2 * mp.sqrt(a)),)
    if name == "abs":
        return abs(a), (mp.sign(a),)
    if name in ("tanh", "sinh", "cosh"):
        if abs(a) > CLAMP / 2:
            big = mp.inf if name == "cosh" else mp.inf * mp.sign(a)
            return (mp.sign(a) if name == "tanh" else big), \
                (mpf(0) if name == "tanh" else mp.inf * (mp.sign(a) if name == "cosh" else 1),)
        if name == "tanh":
            return mp.tanh(a), (1 / mp.cosh(a) ** 2,)
        return (mp.sinh(a), (mp.cosh(a),)) if name == "sinh" else (mp.cosh(a), (mp.sinh(a),))
    if name in ("asin", "acos"):
        if abs(a) > 1:
            return NAN, (NAN,)
        sign = 1 if name == "asin" else -1
        d = mp.inf * sign if abs(a) == 1 else sign / mp.sqrt(1 - a * a)
        return (mp.asin(a) if name == "asin" else mp.acos(a)), (d,)
    if name == "atan":
        return mp.atan(a), (1 / (1 + a * a),)
    if name == "sigmoid":
        t = _exp(-abs(a))
        return _sigmoid(a), (t / (1 + t) ** 2,)
    if name == "relu":
        return (a if a > 0 else mpf(0)), (mpf(1) if a > 0 else mpf(0),)
    if name == "sign":  # a jump: its derivative is 0, taken as 0 at 0 too
        return mpf(mp.sign(a)), (mpf(0),)
    if name == "heaviside":  # [a > 0], 1/2 at 0; a jump like sign
        return (mpf(1) if a > 0 else mpf(0.5) if a == 0 else mpf(0)), (mpf(0),)
    if name == "softplus":
        return (a + mp.log1p(_exp(-a)) if a > 0 else mp.log1p(_exp(a))), (_sigmoid(a),)
    raise ValueError(name)


def _nonfinite(name: str, a) -> mpf:
    """An op at an infinite or nan argument: numpy's float64 answer."""
    import numpy as np

    fns = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "relu": lambda v: np.maximum(v, 0),
           "softplus": lambda v: np.logaddexp(0, v),
           "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan}
    with np.errstate(all="ignore"):
        return mpf(float(fns.get(name, getattr(np, name, None))(np.float64(float(a)))))


def _const(text: str):
    return {"pi": +mp.pi, "e": +mp.e}.get(text) or mpf(text)


@dataclass
class Run:
    value: mpf
    gradient: dict
    kink: bool = False  # relu/abs at 0 or a max/min tie of different arguments, input-dependent
    bad: bool = False  # some node's value is not finite
    strong: bool = False  # a strong zero met a non-finite partial or tangent
    scale: dict = field(default_factory=dict)  # per input: the sum of |terms| of the chain rule


def _run(program: Program, point: dict, rounding: bool) -> Run:
    n = len(program.inputs)
    index = {x: k for k, x in enumerate(program.inputs)}
    env: dict = {}
    run = Run(NAN, {})

    def rnd(v):
        return mpf(float(v)) if rounding else v

    keys: dict = {}  # structural identity: x and s1 = x are one node, as in diffx

    def key(*parts) -> int:
        return keys.setdefault(parts, len(keys))

    def ev(node):
        tag = node[0]
        if tag == "in":
            t = [mpf(0)] * n
            t[index[node[1]]] = mpf(1)
            return mpf(point[node[1]]), t, key("in", node[1]), list(t)
        if tag == "ref":
            return env[node[1]]
        if tag == "c":
            return rnd(_const(node[1])), [mpf(0)] * n, key("c", node[1]), [mpf(0)] * n
        name = node[1] if tag in ("op", "fn") else "neg"
        kids = [ev(c) for c in (node[2:] if tag in ("op", "fn") else node[1:])]
        vals = [k[0] for k in kids]
        v, partials = _local(name, vals)
        v = rnd(v) if not (mp.isnan(v) or mp.isinf(v)) else v
        live = any(any(t != 0 for t in k[1]) for k in kids)
        if live and ((name in ("relu", "abs", "sign", "heaviside") and vals[0] == 0) or (
                name in ("max", "min") and vals[0] == vals[1] and kids[0][2] != kids[1][2])):
            run.kink = True
        if not mp.isfinite(v):
            run.bad = True
        merged: dict = {}  # the local partial per distinct argument (x/x: 1/x - x/x^2 = 0)
        for p, k in zip(partials, kids):
            merged[k[2]] = (merged.get(k[2], (0, k))[0] + p, k)
        tan, scale = [], []
        for j in range(n):
            total, size = mpf(0), mpf(0)
            for p, k in zip(partials, kids):
                if p != 0 and k[1][j] != 0:
                    total += p * k[1][j]
                elif not (mp.isfinite(p) and mp.isfinite(k[1][j])):
                    run.strong = True
            for p, k in merged.values():
                if p != 0 and k[3][j] != 0:
                    size += abs(p * k[3][j])
            tan.append(total)
            scale.append(size)
        return v, tan, key(name, *(k[2] for k in kids)), scale

    for name, e in program.statements:
        env[name] = ev(e)
    value, tan, _, scale = env[program.statements[-1][0]]
    run.value = value
    run.gradient = dict(zip(program.inputs, tan))
    run.scale = dict(zip(program.inputs, scale))
    return run


@dataclass
class Oracle:
    exact: Run  # exact arithmetic (EXACT_BITS)
    shadow: Run  # every value rounded to a double, local derivatives exact
    unstable: bool  # EXACT_BITS and twice as many disagree: the exact run is not trusted


#: bits of the exact run: 60 digits past the 2,100 bits that a sum of doubles and 1e300-sized
#: constants can span (at 60 digits, x - cos(x) at x = 4e247 lost cos(x) in both runs, so the
#: runs agreed on sin(-x) and the method that had it right was called wrong)
EXACT_BITS = 200 + 2 * 1100


def run_oracle(program: Program, point: dict) -> Oracle:
    with mp.workprec(EXACT_BITS):
        exact = _run(program, point, False)
        shadow = _run(program, point, True)
    with mp.workprec(2 * EXACT_BITS):
        fine = _run(program, point, False)
    unstable = any(not _close(exact.gradient[w], fine.gradient[w], mpf("1e-40"))
                   for w in program.inputs)
    return Oracle(exact, shadow, unstable)


def _close(got, want, rtol, atol=0.0) -> bool:
    """Equal within rtol (relative) or atol; nan equals nan, inf equals inf of its sign."""
    got, want = mpf(got), mpf(want)
    if mp.isnan(got) or mp.isnan(want):
        return bool(mp.isnan(got) and mp.isnan(want))
    if mp.isinf(got) or mp.isinf(want):
        return got == want
    return abs(got - want) <= rtol * abs(want) + atol
