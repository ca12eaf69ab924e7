"""The peers of the many-points workload (a 15-operation expression at 10^5 points): numpy,
sympy lambdified, torch vectorised (one thread), JAX jit (compile excluded and included), HIPS
autograd and numdifftools. Each ``make_*`` returns a callable doing one complete gradient, or
``None`` when the library is not installed (see peers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from peers import _jax, _torch, available

# ---------------------------------------------------------------- workload C: many points

# 15 operations: sin, y*y, neg, exp, *, x*y, tanh, x*x, 1+, /, +, x-y, cos, 0.5*, +
C_SOURCE = "sin(x)*exp(-(y*y)) + tanh(x*y)/(1 + x*x) + 0.5*cos(x - y)"


def c_expr(x: Any, y: Any, m: Any) -> Any:
    return m.sin(x) * m.exp(-(y * y)) + m.tanh(x * y) / (1 + x * x) + 0.5 * m.cos(x - y)


def c_points(n: int, seed: int = 0) -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.uniform(-2, 2, n), rng.uniform(-2, 2, n)


def make_C_numpy(n: int) -> Callable[[], Any]:
    import numpy as np

    x, y = c_points(n)
    return lambda: c_expr(x, y, np)


def make_C_sympy(n: int, cse: bool = False) -> Callable[[], Any]:
    import sympy as sp

    x, y = c_points(n)
    X, Y = sp.symbols("x y")
    f = c_expr(X, Y, sp)
    g = sp.lambdify((X, Y), [sp.diff(f, X), sp.diff(f, Y)], "numpy", cse=cse)
    return lambda: g(x, y)


def make_C_torch(n: int) -> Callable[[], Any] | None:
    if not available("torch"):
        return None
    torch = _torch()

    xn, yn = c_points(n)

    def run() -> Any:
        x = torch.from_numpy(xn).requires_grad_(True)
        y = torch.from_numpy(yn).requires_grad_(True)
        gx, gy = torch.autograd.grad(c_expr(x, y, torch).sum(), (x, y))
        return gx.numpy(), gy.numpy()

    return run


def make_C_jax_jit(n: int) -> Callable[[], Any] | None:
    if not available("jax"):
        return None
    jax = _jax()
    import jax.numpy as jnp

    xn, yn = c_points(n)
    x, y = jnp.asarray(xn), jnp.asarray(yn)
    g = jax.jit(jax.grad(lambda a, b: jnp.sum(c_expr(a, b, jnp)), argnums=(0, 1)))
    jax.block_until_ready(g(x, y))  # compile once, untimed
    return lambda: jax.block_until_ready(g(x, y))


def make_C_jax_jit_compiled(n: int) -> Callable[[], Any] | None:
    """jit traced and compiled at every call (a new function each time)."""
    if not available("jax"):
        return None
    jax = _jax()
    import jax.numpy as jnp

    xn, yn = c_points(n)
    x, y = jnp.asarray(xn), jnp.asarray(yn)
    return lambda: jax.block_until_ready(
        jax.jit(jax.grad(lambda a, b: jnp.sum(c_expr(a, b, jnp)), argnums=(0, 1)))(x, y))


def make_C_autograd(n: int) -> Callable[[], Any] | None:
    if not available("autograd"):
        return None
    import autograd.numpy as anp
    from autograd import grad

    x, y = c_points(n)
    g = grad(lambda a, b: anp.sum(c_expr(a, b, anp)), argnum=(0, 1))
    return lambda: g(x, y)


def make_C_numdifftools(n: int) -> Callable[[], Any] | None:
    if not available("numdifftools"):
        return None
    import numdifftools as nd
    import numpy as np

    x, y = c_points(n)
    dx = nd.Derivative(lambda a: c_expr(a, y, np))
    dy = nd.Derivative(lambda b: c_expr(x, b, np))
    return lambda: (dx(x), dy(y))
