"""The peers diffx is measured against, one maker per (workload, peer).

Every ``make_*`` takes a size and returns a callable that does one complete computation the
way a user of that library would (build the graph and differentiate, for the tape-based
peers), or ``None`` when the library is not installed. Heavy imports happen inside the makers.
Install the peers with ``pip install -e ".[bench]"``; the many-points peers are in
peers_points.py.

Notes measured while writing these:
* micrograd 0.1.0 (PyPI) has + - * / ** and relu only; sin, tanh and exp below are written in
  its own closure style so that the random DAG is the same function for every peer.
* micrograd's backward builds its topological order recursively (a few frames per logistic
  step), so the recursion limit is raised; every micrograd Value sits in a reference cycle,
  so Python's cyclic garbage collector does the freeing: it is timed as users run it
  (collector on), and also with the collector off, reported separately.
* JAX needs float64 switched on before any array exists. Eager JAX costs about 1 ms per
  scalar operation; jit of the unrolled logistic map compiles in superlinear time (minutes
  beyond a few thousand steps), so the jit peer is the rolled loop (lax.fori_loop), a
  different program, shown with and without its compile time. XLA is given one intra-op
  thread and torch ``set_num_threads(1)``: numpy and diffx run on one core, and on a shared
  2-core machine torch's second thread made its vectorised peer about 60 times slower.
* The plain-Python reference loops are written with float literals (``4.0*x*(1.0-x)``): int
  literals cost an int-to-float conversion per operation (1.5 times slower).
* The random DAG's output is the sum of its sinks (nodes no other node uses), so every node is
  live and the gradient has to visit all of them.
"""

from __future__ import annotations

import importlib.util
import math
import os
import random
import sys
from collections.abc import Callable
from typing import Any

X0 = 0.3


def available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


# ---------------------------------------------------------------- workload A: logistic map

def logistic_source(steps: int, r: int = 4, python: bool = False) -> str:
    """The logistic map l = r l (1 - l) as a diffx program: three operations per step. r = 4 is
    chaotic (the derivative doubles each step and overflows), r = 3 stays finite. With
    ``python``, the same program as Python source with float literals (x given by the caller)."""
    one = ".0" if python else ""
    lines = ["l0 = x"] + [f"l{k + 1} = {r}{one}*l{k}*(1{one} - l{k})" for k in range(steps)]
    return "\n".join(lines)


def logistic_python(x: Any, steps: int, r: float = 4.0) -> Any:
    """The map for the tracing peers (autograd, JAX eager), which call it on their own types."""
    for _ in range(steps):
        x = r * x * (1.0 - x)
    return x


def _plain_4(x: float, steps: int) -> float:
    for _ in range(steps):
        x = 4.0 * x * (1.0 - x)
    return x


def _plain_3(x: float, steps: int) -> float:
    for _ in range(steps):
        x = 3.0 * x * (1.0 - x)
    return x


def plain_loop(r: int) -> Callable[[float, int], float]:
    """The plain-Python reference loop, the constants written as float literals."""
    return {4: _plain_4, 3: _plain_3}[r]


def make_A_plain(steps: int, r: int = 4) -> Callable[[], Any]:
    loop = plain_loop(r)
    return lambda: loop(X0, steps)


def make_A_central(steps: int, r: int = 4, h: float = 1e-7) -> Callable[[], Any]:
    loop = plain_loop(r)
    return lambda: (loop(X0 + h, steps) - loop(X0 - h, steps)) / (2 * h)


def make_A_micrograd(steps: int, r: int = 4) -> Callable[[], Any] | None:
    if not available("micrograd"):
        return None
    from micrograd.engine import Value

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * steps + 10_000))

    def run() -> float:
        x = Value(X0)
        l = x  # noqa: E741
        for _ in range(steps):
            l = r * l * (1.0 - l)  # noqa: E741
        l.backward()
        return x.grad

    return run


def _torch() -> Any:
    import torch

    torch.set_num_threads(1)
    return torch


def make_A_torch(steps: int, r: int = 4) -> Callable[[], Any] | None:
    if not available("torch"):
        return None
    torch = _torch()

    def run() -> float:
        x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
        l = x  # noqa: E741
        for _ in range(steps):
            l = r * l * (1.0 - l)  # noqa: E741
        (g,) = torch.autograd.grad(l, x)
        return g.item()

    return run


def make_A_autograd(steps: int, r: int = 4) -> Callable[[], Any] | None:
    if not available("autograd"):
        return None
    from autograd import grad

    g = grad(lambda x: logistic_python(x, steps, float(r)))
    return lambda: float(g(X0))


def _jax() -> Any:
    flags = os.environ.get("XLA_FLAGS", "")
    if "intra_op_parallelism_threads" not in flags:  # read when the CPU backend starts
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1").strip()
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


def make_A_jax_eager(steps: int, r: int = 4) -> Callable[[], Any] | None:
    if not available("jax"):
        return None
    jax = _jax()
    g = jax.grad(lambda x: logistic_python(x, steps, float(r)))
    return lambda: float(g(X0))


def _rolled(jax: Any, steps: int, r: int) -> Any:
    rf = float(r)
    return jax.jit(jax.grad(lambda x: jax.lax.fori_loop(0, steps,
                                                        lambda i, v: rf * v * (1.0 - v), x)))


def make_A_jax_rolled_jit(steps: int, r: int = 4) -> Callable[[], Any] | None:
    """jit of a *rolled* loop (lax.fori_loop): not the same graph; compiled once, untimed."""
    if not available("jax"):
        return None
    jax = _jax()
    g = _rolled(jax, steps, r)
    float(g(X0))  # compile once, untimed
    return lambda: float(g(X0))


def make_A_jax_rolled_jit_compiled(steps: int, r: int = 4) -> Callable[[], Any] | None:
    """The same, traced and compiled at every call (a new function each time): what one
    gradient costs a user who runs it once."""
    if not available("jax"):
        return None
    jax = _jax()
    return lambda: float(_rolled(jax, steps, r)(X0))


# ---------------------------------------------------------------- workload B: random DAG

B_OPS = ("avg", "dif", "mul", "sin", "tanh", "exp")


def dag_spec(ops: int, inputs: int = 10, seed: int = 0) -> tuple[list[float], list[tuple]]:
    """A seeded random DAG: each operation takes one or two random earlier nodes. Values stay
    in [-1, 1]: avg = (a+b)/2, dif = (a-b)/2, mul = a*b, sin, tanh, exp = 0.6 exp(a/2)."""
    rng = random.Random(seed)
    x = [rng.uniform(-1.0, 1.0) for _ in range(inputs)]
    spec = []
    for k in range(inputs, inputs + ops):
        spec.append((B_OPS[rng.randrange(len(B_OPS))], rng.randrange(k), rng.randrange(k)))
    return x, spec


UNARY = ("sin", "tanh", "exp")
SUM_CHUNK = 64  # sinks added per statement of the diffx program


def dag_sinks(spec: list[tuple], inputs: int) -> list[int]:
    """The nodes (indices among inputs + operations) that no operation uses, inputs excluded:
    the DAG's output is their sum, so every operation is live."""
    used = bytearray(inputs + len(spec))
    for op, i, j in spec:
        used[i] = 1
        if op not in UNARY:
            used[j] = 1
    return [k for k in range(inputs, inputs + len(spec)) if not used[k]]


def dag_source(spec: list[tuple], inputs: int) -> str:
    """The same DAG as a diffx program; the last statements add up the sinks, left to right,
    in the order the Python peers add them."""
    names = [f"x{i}" for i in range(inputs)]
    lines = []
    for k, (op, i, j) in enumerate(spec):
        a, b = names[i], names[j]
        expr = {"avg": f"0.5*({a} + {b})", "dif": f"0.5*({a} - {b})", "mul": f"{a}*{b}",
                "sin": f"sin({a})", "tanh": f"tanh({a})", "exp": f"0.6*exp(0.5*{a})"}[op]
        names.append(f"v{k}")
        lines.append(f"v{k} = {expr}")
    sinks = [names[k] for k in dag_sinks(spec, inputs)]
    acc = ""
    for n, start in enumerate(range(0, len(sinks), SUM_CHUNK)):
        terms = ([acc] if acc else []) + sinks[start:start + SUM_CHUNK]
        acc = f"s{n}"
        lines.append(f"{acc} = " + " + ".join(terms))
    return "\n".join(lines)


def _dag_value(spec: list[tuple], values: list[Any], sin: Any, tanh: Any, exp: Any,
               sinks: list[int]) -> Any:
    vals = list(values)
    for op, i, j in spec:
        a = vals[i]
        if op == "avg":
            vals.append(0.5 * (a + vals[j]))
        elif op == "dif":
            vals.append(0.5 * (a - vals[j]))
        elif op == "mul":
            vals.append(a * vals[j])
        elif op == "sin":
            vals.append(sin(a))
        elif op == "tanh":
            vals.append(tanh(a))
        else:
            vals.append(0.6 * exp(0.5 * a))
    acc = vals[sinks[0]]
    for k in sinks[1:]:
        acc = acc + vals[k]
    return acc


def make_B_plain(x: list[float], spec: list[tuple]) -> Callable[[], Any]:
    sinks = dag_sinks(spec, len(x))
    return lambda: _dag_value(spec, x, math.sin, math.tanh, math.exp, sinks)


def _micrograd_unary(fn: Callable[[float], float], dfn: Callable[[float], float],
                     name: str) -> Callable[[Any], Any]:
    from micrograd.engine import Value

    def op(v: Any) -> Any:
        out = Value(fn(v.data), (v,), name)
        slope = dfn(v.data)

        def _backward() -> None:
            v.grad += slope * out.grad

        out._backward = _backward
        return out

    return op


def make_B_micrograd(x: list[float], spec: list[tuple]) -> Callable[[], Any] | None:
    if not available("micrograd"):
        return None
    from micrograd.engine import Value

    sin = _micrograd_unary(math.sin, math.cos, "sin")
    tanh = _micrograd_unary(math.tanh, lambda v: 1 - math.tanh(v) ** 2, "tanh")
    exp = _micrograd_unary(math.exp, math.exp, "exp")
    sinks = dag_sinks(spec, len(x))
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(spec) + 10_000))

    def run() -> list[float]:
        xs = [Value(v) for v in x]
        _dag_value(spec, xs, sin, tanh, exp, sinks).backward()
        return [v.grad for v in xs]

    return run


def make_B_torch(x: list[float], spec: list[tuple]) -> Callable[[], Any] | None:
    if not available("torch"):
        return None
    torch = _torch()
    sinks = dag_sinks(spec, len(x))

    def run() -> list[float]:
        xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in x]
        out = _dag_value(spec, xs, torch.sin, torch.tanh, torch.exp, sinks)
        grads = torch.autograd.grad(out, xs, allow_unused=True)
        return [0.0 if g is None else g.item() for g in grads]

    return run


def make_B_autograd(x: list[float], spec: list[tuple]) -> Callable[[], Any] | None:
    if not available("autograd"):
        return None
    import autograd.numpy as anp
    from autograd import grad

    sinks = dag_sinks(spec, len(x))
    g = grad(lambda xs: _dag_value(spec, xs, anp.sin, anp.tanh, anp.exp, sinks))
    return lambda: [float(v) for v in g(list(x))]
