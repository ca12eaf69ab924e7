"""``diffx.math``: the op table's functions by name, for traced functions and plain numbers.

``diffx.math.sigmoid(x)`` on a traced value adds a ``sigmoid`` node to the trace; on a float
it is the op's value (computed as every method computes it; a value outside the function's
domain is nan or inf, as numpy gives, not an exception); on a numpy array, elementwise. So a
function written with ``diffx.math`` runs plainly and traces alike. ``pi`` and ``e`` are the
constants of diffx programs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import ops as _ops
from .tracer import Tracer, TraceError, evaluate

pi = _ops.CONSTANTS["pi"]
e = _ops.CONSTANTS["e"]


def _function(op: _ops.Op) -> Callable[..., Any]:
    def fn(*args: Any) -> Any:
        if len(args) != op.arity:
            raise TraceError(f"diffx.math.{op.name} takes {op.arity} argument"
                             f"{'s' * (op.arity > 1)}, got {len(args)}")
        traced = next((x for x in args if isinstance(x, Tracer)), None)
        if traced is not None:
            return traced._trace.apply(op, args, f"diffx.math.{op.name}")
        if any(hasattr(x, "shape") for x in args):
            import numpy as np

            with np.errstate(all="ignore"):
                return op.evaluate(*(np.asarray(x, dtype=float) for x in args), ns="numpy")
        return evaluate(op, tuple(float(x) for x in args))

    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = (f"{op.name} from diffx's op table: traced on traced values, "
                  "computed on numbers and arrays.")
    return fn


# one function per op of the table (a new op appears here by itself)
globals().update({name: _function(op) for name, op in _ops.FUNCTIONS.items()})

__all__ = [*_ops.FUNCTIONS, "pi", "e"]
