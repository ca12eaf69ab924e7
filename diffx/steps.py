"""A derivative derived rule by rule, as a textbook writes it: the model behind ``diffx steps``.

Every operation the output depends on (and that depends on the input differentiated) gives one
:class:`Step`: what is differentiated, the rule's name (sum, difference, product, quotient,
power, exponential, general power rule, chain rule, "the derivative of sin(x) is cos(x)"), the
rule applied with the arguments' derivatives still primed (``(x^2)'*sin(x) + x^2*(sin(x))'``)
and the derivative it comes to. Each function's rule is read from the op table
(``diffx.ops``: the ``shown`` partials, else ``partials``) with diffx's own parser; the few
partials written with helper functions the language lacks (relu's step, abs's sign, max/min's
tie-splitting H) are spelled in the notation of :mod:`diffx.notation`, and their steps state
the kink convention of docs/conventions.md.

By default shared subexpressions (nodes used twice) and the program's named statements are
derived once and referred to by name (``u' = 2*x``, then ``cos(u)*u'*u + sin(u)*u'``): the DAG
view, free of expression swell. ``tree=True`` writes every use out in place, as a textbook does.
The last formula, in the inputs, is checked against ``sympy.diff`` of the graph's sympy form
(:mod:`diffx.sym`). Loops and explicit stacks only; a graph beyond ``MAX_STEPS`` is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import ops as _ops
from .errors import DiffxError, OptionError, option
from .graph import Graph
from .ops import CONST, INPUT
from .steps_rules import Check, Rules, check

__all__ = ["Check", "Step", "Steps", "steps"]

MAX_STEPS = 500  # operations derived one by one; beyond this a derivation is refused
# operations nested inside one another: sympy sorts the factors of a chain rule's product by
# comparing nested formulas, so 50 take about 1.5 s and 300 about 20 s; deeper is refused
MAX_DEPTH = 50
TEXT_LIMIT = 80  # characters of a subexpression's text before it is cut with …
MAX_FORMULA = 5_000  # nodes of a step's formula tree beyond which it is not printed


@dataclass(frozen=True)
class Step:
    """One rule applied: ``target`` (the subexpression, or its name) differentiated by
    ``rule``; ``rewrite`` is the rule with the arguments' derivatives primed, ``result`` the
    derivative (``expr`` its sympy form); ``note`` states a convention (a kink)."""

    target: str
    rule: str
    rewrite: str
    result: str
    name: str | None = None  # the derivative is referred to as ``name'`` later on
    note: str = ""
    expr: Any = None

    @property
    def lhs(self) -> str:
        """``u'`` for a named subexpression, ``(x^2*sin(x))'`` otherwise."""
        if self.name is not None:
            return f"{self.name}'"
        return f"{self.target}'" if self.target.isidentifier() else f"({self.target})'"


@dataclass(frozen=True)
class Steps:
    """A derivation: its steps in order, the names it uses (``u = x^2``), the final formula
    in the inputs (``formula``, ``expr``) and the check against sympy."""

    source: str
    wrt: str
    tree: bool
    output: str  # the output's name, or its text for a bare expression
    names: tuple[tuple[str, str], ...]
    steps: tuple[Step, ...]
    formula: str
    expr: Any
    check: Check

    def __str__(self) -> str:
        """The derivation in plain text, as ``diffx steps`` prints it (written by the text
        presenter, :func:`diffx.present.steps.text`, which registers itself in ``TEXT``)."""
        return TEXT[0](self) if TEXT else repr(self)


TEXT: list[Callable[[Steps], str]] = []  # the text presenter, once it is imported


def steps(source: str | Graph, wrt: str | None = None, tree: bool = False) -> Steps:
    """The derivative of ``source`` with respect to ``wrt`` (default: the first input),
    rule by rule. ``tree=True`` derives every use of a shared subexpression in place.

        >>> s = steps("x^2*sin(x)")
        >>> [step.rule for step in s.steps]
        ['product rule', 'power rule', 'the derivative of sin(x) is cos(x)']
        >>> s.formula
        'x^2*cos(x) + 2*x*sin(x)'
    """
    from .program import parse

    g = parse(source)
    if not isinstance(g, Graph):
        raise DiffxError("steps derives scalar expressions and programs; this one uses "
                         "vectors or matrices (diffx.backward writes its backward pass)")
    w = _wrt(g, wrt)
    try:
        return _Derivation(g, w, tree).run()
    except RecursionError:
        raise DiffxError("the expression is too deeply nested for sympy, which builds the "
                         "formulas of the steps (the reverse method handles any depth)") from None


def _wrt(g: Graph, wrt: str | None) -> str:
    from .methods.run import resolve_wrt

    if not g.inputs:
        raise OptionError("the expression has no inputs, so there is nothing to "
                          "differentiate with respect to", param="wrt")
    chosen = resolve_wrt(g, wrt) if wrt is not None else g.inputs[:1]
    if len(chosen) != 1:
        raise OptionError(f"steps derives with respect to one input at a time; "
                          f"{option('wrt')} {wrt} names {len(chosen)}", param="wrt")
    return chosen[0]


def _strong(partial: Any, d: Any) -> Any:
    """One argument's term ``partial * d`` with the strong zeros (docs/conventions.md) as the
    sweeps take them: an argument whose derivative is exactly 0 adds nothing, even where its
    partial is infinite (``sqrt(x - x)``: 0/(2·0) is 0), and a partial exactly 0 adds nothing
    even where the derivative is not finite (``(x/0)^0``: 0·(x/0)^(-1)·(1/0) is 0). A partial
    undefined somewhere (the zero base's ``d/dy 0^y``, nan for y <= 0) times a derivative
    that is 0 at a point is 0 there too (``(x - x)^(-x*x)`` at x = 0, as the sweeps take
    -inf × 0)."""
    import sympy

    if d == 0 or partial == 0:
        return sympy.Integer(0)
    term = partial * d
    if isinstance(partial, sympy.Basic) and partial.has(sympy.nan) and \
            getattr(d, "free_symbols", None):
        return sympy.piecewise_fold(sympy.Piecewise((0, sympy.Eq(d, 0)), (term, True)))
    return term


def _substitute_strong(expr: Any, full_d: dict[Any, Any], primes: Any) -> Any:
    """The names' formulas put in, the derivatives that are exactly 0 first: a term times a
    zero derivative is 0 (the strong zeros, as :func:`_strong` takes them), even where the
    other factors are infinite once the names are in (``(x - x)^(x - x)``: u·u^(u - 1)·u' with
    u = u' = 0 is 0, not 0·∞·0). ``primes``: the derivatives' symbols."""
    from .sym import substitute

    zeros = {k: v for k, v in full_d.items() if k in primes and v == 0}
    return substitute(substitute(expr, zeros) if zeros else expr, full_d)


class _Derivation:
    """The walk over one graph: which nodes get steps, their names, texts and formulas."""

    def __init__(self, g: Graph, wrt: str, tree: bool) -> None:
        self.g, self.wrt, self.tree = g, wrt, tree
        self.x = g.input_nodes[wrt]
        live = g.reachable_from_output()
        moving = g.depends_on([self.x])
        self.active = bytearray(live[i] and moving[i] for i in range(g.output + 1))
        self.ops = [i for i in range(g.output + 1) if self.active[i] and g.op[i] > CONST]
        self._count()
        self.named = {} if tree else self._names(live)

    def _count(self) -> None:
        """Refuse a derivation of more than MAX_STEPS steps (each use counts in a tree) or
        operations nested more than MAX_DEPTH deep."""
        g, count = self.g, [0] * (self.g.output + 1)
        depth = [0] * (g.output + 1)
        for i in self.ops:
            count[i] = 1 + sum(count[a] for a in g.args(i)) if self.tree else 1
            depth[i] = 1 + max(depth[a] for a in g.args(i))
        deepest = max(depth)
        if deepest > MAX_DEPTH:
            raise DiffxError(
                f"steps writes out derivatives of operations nested at most {MAX_DEPTH} "
                f"deep; here {deepest:,} operations that depend on {self.wrt} are nested "
                "one inside another (the reverse method handles any depth, and the trace "
                "table shows its sweep line by line)")
        total = count[g.output] if self.tree else len(self.ops)
        if total > MAX_STEPS:
            how = "written out as a tree it has" if self.tree else "it has"
            raise DiffxError(
                f"steps derives at most {MAX_STEPS:,} operations one by one; {how} "
                f"{total:,} that depend on {self.wrt} (the symbolic method gives the "
                "formula, the trace table the sweep)" + (
                    f"; without {option('tree')}, shared parts are derived once"
                    if self.tree else ""))

    def _names(self, live: bytearray) -> dict[int, str]:
        """Names for the DAG view: the program's names and u, v, w, u1, ... for other
        operations used twice (the output keeps its program name, if any)."""
        g = self.g
        uses = [0] * (g.output + 1)
        for i in range(g.output + 1):
            if live[i]:
                for a in g.args(i):
                    uses[a] += 1
        taken = set(g.inputs) | set(g.assigned)
        fresh = (n for n in ("u", "v", "w", *(f"u{k}" for k in range(1, 10**6)))
                 if n not in taken)
        named: dict[int, str] = {}
        for i in self.ops:
            name = g.name(i)
            if name is not None:
                named[i] = name
            elif uses[i] > 1:
                named[i] = next(fresh)
        return named

    # ------------------------------------------------------------------ the formulas -------
    def _formulas(self) -> None:
        """Values and derivatives as sympy expressions, in topological order: ``value``
        with named nodes as symbols, ``own`` a named node's own definition, ``d`` the
        derivative with named arguments' derivatives as symbols ``u'``."""
        import sympy

        from .sym import to_sympy

        g = self.g
        self.sym = {i: sympy.Symbol(n, real=True) for i, n in self.named.items()}
        self.dsym = {i: sympy.Symbol(n + "'", real=True) for i, n in self.named.items()}
        self.value = to_sympy(g, names=dict(self.sym) if self.sym else None)
        self.full = to_sympy(g) if self.sym else self.value
        self.rules = Rules(g)
        self.d: dict[int, Any] = {}
        for i in self.ops:
            args = g.args(i)
            out = self.rules.value(i, [self.value[a] for a in args]) if i in self.sym \
                else self.value[i]
            parts = self.rules.partials(i, [self.value[a] for a in args], out,
                                        [self.full[a] for a in args])
            self.d[i] = sympy.Add(*[_strong(p, self._dexpr(a))
                                    for p, a in zip(parts, args) if self.active[a]])

    def _dexpr(self, a: int) -> Any:
        return 1 if a == self.x else self.dsym[a] if a in self.dsym else self.d[a]

    # ------------------------------------------------------------------ the texts ----------
    def text(self, node: int, own: bool = False) -> tuple[str, int]:
        """``node`` spelled in the language, named nodes by name (``own``: the node itself
        spelled out, its arguments by name)."""
        g, memo = self.g, {}
        stack = [(node, False)]
        while stack:
            n, ready = stack.pop()
            if n in memo:
                continue
            if (n != node or not own) and n in self.named:
                memo[n] = (self.named[n], 9)
            elif g.op[n] == INPUT:
                memo[n] = (g.input_name(n), 9)
            elif g.op[n] == CONST:
                t = g.const_text(n)
                memo[n] = (t, 3 if t.startswith("-") else 9)
            elif not ready:
                stack.append((n, True))
                stack.extend((a, False) for a in g.args(n) if a not in memo)
            else:
                t, p = _ops.spell(_ops.BY_CODE[g.op[n]], [memo[a] for a in g.args(n)])
                memo[n] = (t if len(t) <= TEXT_LIMIT else t[:TEXT_LIMIT - 1] + "…", p)
        return memo[node]

    def prime(self, a: int) -> tuple[str, int]:
        """How the rule writes an argument's derivative: 1, 0, u' or (x^2)'."""
        if a == self.x:
            return "1", 9
        if not self.active[a]:
            return "0", 9
        if a in self.named:
            return self.named[a] + "'", 9
        t, p = self.text(a)
        return (f"{t}'" if t.isidentifier() else f"({t})'"), 9

    def show(self, expr: Any) -> str:
        from .notation import formula_text
        from .sym import sizes

        n = sizes(expr)[1]
        return formula_text(expr) if n <= MAX_FORMULA else f"(a formula of {n:,} nodes)"

    # ------------------------------------------------------------------ the walk -----------
    def step(self, i: int) -> Step:
        g = self.g
        args = g.args(i)
        rule, rewrite, note = self.rules.apply(
            i, [self.text(a) for a in args], [self.prime(a) for a in args],
            [bool(self.active[a]) for a in args], [a == self.x for a in args],
            self.text(i, own=True))
        expr = self.d[i]
        return Step(self.text(i, own=True)[0], rule, rewrite, self.show(expr), self.named.get(i),
                    note, expr)

    def _output(self) -> str:
        g = self.g
        return g.output_name if g.name(g.output) is not None else g.text(g.output, TEXT_LIMIT)

    def run(self) -> Steps:
        import sympy

        from .sym import substitute, undefined_everywhere

        self._formulas()
        g, out = self.g, self.g.output
        x = sympy.Symbol(self.wrt, real=True)
        if g.op[out] <= CONST:  # the output is an input or a constant
            d = sympy.Integer(1 if out == self.x else 0)
            rule = "variable rule" if out == self.x else "constant rule"
            made = [Step(self.text(out)[0], rule, str(d), str(d), None, "", d)]
            return Steps(g.source, self.wrt, self.tree, self._output(), (), tuple(made),
                         str(d), d, check(d, self.full[out], x, self.show))
        order: list[int] = []
        # the DAG view derives each named node (topological order) before its uses
        roots = [i for i in self.ops if i in self.named and i != out] + [out]
        seen: set[int] = set()
        for root in roots:
            stack = [root] if self.active[root] else []
            while stack:  # preorder: a rule first, then the derivatives it asks for
                n = stack.pop()
                if not self.tree and n in seen:
                    continue
                seen.add(n)
                order.append(n)
                # a named argument is derived once, as its own root, before this one
                stack.extend(a for a in reversed(g.args(n)) if self.active[a]
                             and g.op[a] > CONST and (self.tree or a not in self.named))
        made = [self.step(i) for i in order]
        final = self.d[out] if self.active[out] else sympy.Integer(0)
        names = tuple((n, f"{n} = {self.text(i, own=True)[0]}") for i, n in self.named.items())
        if not self.active[out]:
            made = [Step(self.text(out, own=True)[0], "constant rule", "0", "0",
                         self.named.get(out), "", final)]
        elif self.sym and any(i != out for i in self.named):  # put the names' formulas in
            full_d: dict[Any, Any] = {}
            primes = set(self.dsym.values())
            for i in self.ops:
                if i in self.named:
                    full_d[self.sym[i]] = self.full[i]
                    full_d[self.dsym[i]] = _substitute_strong(self.d[i], full_d, primes)
            final = _substitute_strong(final, full_d, primes)
            used = ", ".join(f"{n}, {n}'" for i, n in self.named.items() if i != out)
            made.append(Step(self.text(out, own=True)[0], f"substituting {used}",
                             self.show(self.d[out]), self.show(final),
                             self.named.get(out), "", final))
        verdict = check(final, self.full[out], x, self.show)
        if undefined_everywhere(self.full[out]):  # as the symbolic method: sympy would
            final = sympy.nan  # call the derivative of an undefined function 0
            verdict = Check(verdict.reference, None, "the function is undefined for every "
                            "value of its inputs, so its derivative is nan (sympy.diff calls "
                            f"it {verdict.reference})")
            made.append(Step(self.text(out, own=True)[0], "the function is undefined for every"
                             f" value of {self.wrt}: its formula is {self.show(self.full[out])}",
                             "nan", "nan", self.named.get(out), "", final))
        return Steps(g.source, self.wrt, self.tree, self._output(), names, tuple(made),
                     self.show(final), final, verdict)
