"""sympy functions with diffx's kink convention, for the op table's sympy namespace.

``relu`` differentiates to ``Heaviside(z, 0)`` (relu'(0) = 0) and ``abs`` to ``sign(z)``
(abs'(0) = 0, also where sympy cannot prove the argument real); :func:`real_or_nan` makes
sympy's Max, Min and Heaviside total over the language's constants (nan for a non-real one).
A max/min tie keeps sympy's Heaviside(0) = 1/2: the derivative is split in half. ``max`` and
``min`` stay binary as the program writes them (sympy would merge ``Max(Max(x, y), z)`` into
``Max(x, y, z)``, whose derivative at a three-way tie is ½ to each argument, not the ¼, ¼, ½
of the nested ties every other method gives). Built on first use, as sympy is imported
lazily.
"""

from __future__ import annotations

from typing import Any

_FUNCTIONS: list[Any] = []  # built on first use: sympy is imported lazily


def kink_functions() -> tuple[Any, Any]:
    """sympy functions ``relu`` and ``abs`` with diffx's kink convention.

    ``relu'(z) = Heaviside(z, 0)``, so relu'(0) = 0 (sympy's ``Max(0, z)`` would give
    Heaviside(z) = 1/2 there); ``abs'(z) = sign(z)``, so abs'(0) = 0, also for an argument sympy
    cannot prove real (``abs(asin(x))``; sympy's Abs would differentiate into re/im parts).
    Both evaluate on numbers (to a number, or nan for a non-real argument: the language is
    real) and otherwise stay as written, printing as ``relu(z)`` and ``abs(z)``.
    """
    if _FUNCTIONS:
        return _FUNCTIONS[0], _FUNCTIONS[1]
    import sympy

    class relu(sympy.Function):  # noqa: N801  (prints as the language writes it)
        nargs = 1

        @classmethod
        def eval(cls, z: Any) -> Any:  # safe: sympy's Function.eval hook, not Python's eval
            if z is sympy.nan or z.is_extended_real is False:
                return sympy.nan
            if z.is_extended_nonnegative:
                return z
            if z.is_extended_nonpositive:
                return sympy.Integer(0)
            return None

        def fdiff(self, argindex: int = 1) -> Any:
            return sympy.Heaviside(self.args[0], 0)

        def _eval_is_extended_real(self) -> Any:
            return self.args[0].is_extended_real

        def _eval_is_extended_nonnegative(self) -> Any:
            return True if self.args[0].is_extended_real else None

        def _eval_rewrite_as_Max(self, z: Any, **kw: Any) -> Any:
            return sympy.Max(0, z)

        def _eval_evalf(self, prec: int) -> Any:
            z = self.args[0].evalf(prec)
            return sympy.Max(0, z) if z.is_extended_real else None

    class abs(sympy.Function):  # noqa: N801,A001
        nargs = 1

        @classmethod
        def eval(cls, z: Any) -> Any:  # safe: sympy's Function.eval hook, not Python's eval
            if z is sympy.nan or z.is_extended_real is False:
                return sympy.nan
            if z.is_extended_real:
                return sympy.Abs(z)  # sympy's own Abs: its derivative is sign(z)
            return None

        def fdiff(self, argindex: int = 1) -> Any:
            return sympy.sign(self.args[0])

        def _eval_is_extended_nonnegative(self) -> Any:
            return True if self.args[0].is_extended_real else None

        def _eval_evalf(self, prec: int) -> Any:
            z = self.args[0].evalf(prec)
            return sympy.Abs(z) if z.is_extended_real else None

    _FUNCTIONS[:] = [relu, abs]
    return relu, abs


def real_or_nan(fn: Any) -> Any:
    """``fn`` (sympy's Max, Min, Heaviside) made total: a non-real constant argument (the
    language is real: ``max(log(-2), x)``) gives nan instead of sympy's "not comparable"."""
    import sympy

    def total(*args: Any) -> Any:
        args = tuple(sympy.Integer(a) if isinstance(a, int) else a for a in args)
        if any(a is sympy.nan or a.is_extended_real is False for a in args):
            return sympy.nan
        try:
            if fn in (sympy.Max, sympy.Min) and len(args) == 2 and \
                    not all(a.is_number for a in args):
                # keep nested max/min binary: sympy's flattening would change the tie split
                return fn(*args, evaluate=False) if args[0] != args[1] else args[0]
            return fn(*args)
        except (ValueError, TypeError):
            return sympy.nan
    return total


def jump_derivatives(expr: Any) -> Any:
    """``expr`` with sympy's unevaluated derivatives of a jump written out: sympy leaves
    d/dx sign(u) as ``Derivative(sign(u), x)`` where it cannot prove u real (``sign(x/y)``:
    y may be 0), which evaluates to nothing; it is 2·δ(u)·u' (and d/dx Heaviside(u) is
    δ(u)·u'), 0 at every point by the jump convention."""
    import sympy

    def written(d: Any) -> Any:
        inner = d.expr
        out = 2 * sympy.DiracDelta(inner.args[0]) if isinstance(inner, sympy.sign) else \
            sympy.DiracDelta(inner.args[0])
        for v, n in d.variable_count:
            if n != 1:
                return sympy.S.Zero  # (a jump's higher derivatives: 0 by the convention)
            out = out * sympy.diff(inner.args[0], v)
        return out

    return expr.replace(
        lambda e: isinstance(e, sympy.Derivative) and isinstance(e.expr, (sympy.sign,
                                                                          sympy.Heaviside)),
        written)
