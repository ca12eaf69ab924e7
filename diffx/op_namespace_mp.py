"""The ``mpmath`` namespace of :mod:`diffx.op_namespaces`: mpmath numbers at any precision
(the exact re-runs), its functions bounded so that no argument can ask for unbounded time or
memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: mpmath's functions refuse an argument past 2^MAX_MPMATH_MAG (about 10^616, the square of the
#: largest double): exp, cosh or a power of such a number takes time and memory that grow with
#: its exponent (cosh(10^(10^10)) builds a 4 GB integer in one uninterruptible call), and no
#: derivative diffx reports in doubles depends on it
MAX_MPMATH_MAG = 2048
#: ... and an argument below 2^-MIN_MPMATH_MAG (about 10^-315,653): adding it to an ordinary
#: number, as a complex power's logarithm does, shifts a mantissa by its exponent (10^(-10^13)
#: asks for terabytes)
MIN_MPMATH_MAG = 2**20


#: the namespace's own helpers as a user reads them (the ops are named as the language names them)
SHOWN = {"szmul": "a product of the sweep"}


def _too_large(v: Any) -> bool:
    parts = [v._mpf_] if hasattr(v, "_mpf_") else list(getattr(v, "_mpc_", ()))
    return any(m[1] and not -MIN_MPMATH_MAG <= m[2] + m[3] <= MAX_MPMATH_MAG
               for m in parts)  # nonzero mantissa


def bounded_mpmath(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``fn`` that raises OverflowError (an ArithmeticError: the exact re-runs give up and say
    why) for an argument past 2^MAX_MPMATH_MAG instead of computing with it."""
    shown = SHOWN.get(name, name)

    def call(*args: Any) -> Any:
        if any(_too_large(v) for v in args):
            raise OverflowError(f"{shown} met a number outside the sizes it computes (about "
                                "10^-315653 to 10^616)")
        return fn(*args)
    return call


def mpmath_namespace(math_space: dict[str, Any]) -> dict[str, Any]:
    """mpmath numbers (unbounded exponent, any precision): the sweeps' 50-digit re-run. The
    functions are bounded (:func:`bounded_mpmath`)."""
    import mpmath as mp

    zero = mp.mpf(0)

    def powlog(x: Any, out: Any) -> Any:
        return mp.nan if x < 0 else zero if out == 0 else out * mp.log(x)

    def powdx(x: Any, y: Any) -> Any:
        return zero if y == 0 else y * mp.power(x, y - 1)

    space = dict(math_space)
    own: dict[str, Callable[..., Any]] = {
        "sin": mp.sin, "cos": mp.cos, "tan": mp.tan, "exp": mp.exp, "log": mp.log,
        "sqrt": mp.sqrt, "tanh": mp.tanh, "sinh": mp.sinh, "cosh": mp.cosh,
        "asin": mp.asin, "acos": mp.acos, "atan": mp.atan, "pow": mp.power,
        "sigmoid": lambda x: 1 / (1 + mp.exp(-x)), "softplus": lambda x: mp.log1p(mp.exp(x)),
        "relu": lambda x: zero if x <= 0 else x, "datan": lambda x: 1 / (1 + x * x),
        "dtanh": lambda x: mp.sech(x) ** 2,
        "dsigmoid": lambda x: 1 / ((1 + mp.exp(-x)) * (1 + mp.exp(x))),
        "powlog": powlog, "powdx": powdx,
        "szmul": lambda t, p: zero if t == 0 or p == 0 else t * p,
    }
    space.update({name: bounded_mpmath(fn, name) for name, fn in own.items()})
    return space
