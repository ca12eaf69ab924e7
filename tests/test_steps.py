"""``diffx steps``: a derivative derived rule by rule, each rule named, ending in a formula
that equals sympy's; shared parts derived once by name, or written out with --tree."""

import math
import random

import pytest
import sympy
from hypothesis import HealthCheck, given, settings

import diffx
from diffx import ops
from diffx.present import steps as present
from diffx.steps import MAX_DEPTH, steps
from diffx.sym import to_sympy
from conftest import expression_strategy, invoke, strict_json

x, y = sympy.symbols("x y", real=True)


def _equal(a, b, symbols=(x,)) -> bool:
    """Equal as functions: simplify to 0, or agree to 1e-10 at random points (sympy's evalf,
    independent of diffx's own evaluation)."""
    d = a - b
    try:
        if d == 0 or sympy.simplify(d) == 0:
            return True
    except (AttributeError, TypeError):  # sympy's simplify fails on some sign/Abs nests
        pass  # (sign(x - y)*sign(Abs(x - y)) - sign(x - y)): compare at points instead
    rng = random.Random(3)
    seen = 0
    for _ in range(16):  # magnitudes on both sides of 1: log(log(x)) is real only for x > 1
        at = {s: sympy.Float(rng.uniform(0.2, 3.0) * rng.choice((1, -1))) for s in symbols}
        try:
            u, v = complex(a.evalf(30, subs=at)), complex(b.evalf(30, subs=at))
        except (TypeError, ValueError, KeyError):  # sympy cannot evaluate there (complex x^x)
            continue
        if not all(map(math.isfinite, (u.real, u.imag, v.real, v.imag))) or u.imag or v.imag:
            continue
        seen += 1
        if abs(u - v) > 1e-10 * max(1.0, abs(u)):
            return False
    return seen > 0


def _rules(s):
    return [st.rule for st in s.steps]


def test_product_rule_then_power_and_sin():
    s = steps("x^2*sin(x)")
    assert _rules(s) == ["product rule", "power rule", "the derivative of sin(x) is cos(x)"]
    assert s.steps[0].rewrite == "(x^2)'*sin(x) + x^2*(sin(x))'"
    assert s.steps[1].rewrite == "2*x^(2 - 1)" and s.steps[1].result == "2*x"
    hand = 2 * x * sympy.sin(x) + x**2 * sympy.cos(x)
    assert sympy.simplify(s.expr - hand) == 0
    assert s.expr == sympy.diff(x**2 * sympy.sin(x), x)
    assert s.check.agrees is True and s.formula == "x^2*cos(x) + 2*x*sin(x)"


def test_quotient_rule():
    s = steps("(x + 1)/(x^2 + 1)")
    assert s.steps[0].rule == "quotient rule"
    assert s.steps[0].rewrite == "((x + 1)'*(x^2 + 1) - (x + 1)*(x^2 + 1)')/(x^2 + 1)^2"
    hand = ((x**2 + 1) - (x + 1) * 2 * x) / (x**2 + 1) ** 2
    assert sympy.simplify(s.expr - hand) == 0
    assert "sum rule and constant rule" in _rules(s)


def test_chain_rule():
    s = steps("sin(x^2)")
    assert _rules(s) == ["chain rule; the derivative of sin(x) is cos(x)", "power rule"]
    assert s.steps[0].rewrite == "cos(x^2)*(x^2)'"
    assert sympy.simplify(s.expr - 2 * x * sympy.cos(x**2)) == 0


def test_exp_of_sigmoid_reads_the_lectures_form_of_sigmoids_derivative():
    s = steps("exp(sigmoid(x))")
    assert _rules(s) == ["chain rule; the derivative of exp(x) is exp(x)",
                         "the derivative of sigmoid(x) is sigmoid(x)*(1 - sigmoid(x))"]
    sig = 1 / (1 + sympy.exp(-x))
    assert _equal(s.expr, sympy.exp(sig) * sig * (1 - sig))
    # at x = 0.3 against mpmath's numerical derivative
    import mpmath
    want = mpmath.diff(lambda t: mpmath.exp(1 / (1 + mpmath.exp(-t))), 0.3)
    assert float(s.expr.subs(x, sympy.Rational(3, 10)).evalf(30)) == pytest.approx(
        float(want), rel=1e-12)


def test_a_named_shared_part_is_derived_once_and_used_by_name():
    s = steps("u = x^2; y = sin(u) * u")
    derived_u = [st for st in s.steps if st.name == "u"]
    assert len(derived_u) == 1 and derived_u[0].result == "2*x"
    assert s.steps[0] is derived_u[0]  # u' first, then used
    later = s.steps[1:]
    assert any("u'" in st.rewrite for st in later)
    assert not any("x^2" in st.rewrite for st in later[:-1])
    assert ("u", "u = x^2") in s.names
    hand = sympy.diff(sympy.sin(x**2) * x**2, x)
    assert sympy.simplify(s.expr - hand) == 0 and s.check.agrees is True


def test_tree_form_writes_each_use_in_place_and_equals_the_dag_form():
    dag, tree = steps("u = x^2; y = sin(u) * u"), steps("u = x^2; y = sin(u) * u", tree=True)
    assert tree.names == () and all(st.name is None for st in tree.steps)
    assert [st.target for st in tree.steps].count("x^2") == 2  # both uses derived
    assert [st.target for st in dag.steps].count("x^2") == 1
    assert [st.rewrite for st in tree.steps] != [st.rewrite for st in dag.steps]
    assert sympy.simplify(tree.expr - dag.expr) == 0


def test_an_unnamed_shared_node_gets_a_name():
    s = steps("sin(x^2) * x^2")  # one x^2 node, used twice
    assert s.names == (("u", "u = x^2"),)
    assert s.steps[0].lhs == "u'" and s.steps[0].result == "2*x"
    assert _equal(s.expr, sympy.diff(sympy.sin(x**2) * x**2, x))


@pytest.mark.parametrize("src, rule", [
    ("x^x", "general power rule"), ("2^x", "exponential rule"), ("3*x", "constant multiple rule"),
    ("x - sin(x)", "difference rule"), ("-x^3", "constant multiple rule (-1)"),
    ("(x^2 + 1)^3", "chain rule; power rule")])
def test_rule_names(src, rule):
    s = steps(src)
    assert s.steps[0].rule == rule
    g = diffx.parse(src)
    assert _equal(s.expr, sympy.diff(to_sympy(g)[-1], x))


@pytest.mark.parametrize("op", [o for o in ops.OPS if o.symbol is None], ids=lambda o: o.name)
def test_every_functions_rule_comes_from_the_op_table_and_agrees_with_sympy(op):
    src = f"{op.name}(0.5*x)" if op.arity == 1 else f"{op.name}(x, 0.5*x^2)"
    s = steps(src)
    assert s.steps[0].rule.startswith(f"chain rule; the derivative of {op.name}(x")
    assert s.check.agrees is True
    assert _equal(s.expr, sympy.diff(to_sympy(diffx.parse(src))[-1], x))


def test_kinks_state_the_convention():
    s = steps("relu(x) + abs(x) + max(x, 1)")
    notes = " ".join(st.note for st in s.steps)
    assert "relu has a corner at 0; its derivative there is taken as 0" in notes
    assert "sign(0) = 0" in notes and "split 1/2" in notes and "conventions.md" in notes
    # relu'(0) = 0 and abs'(0) = 0 in the formula itself (the convention, not sympy's default)
    assert s.expr.subs(x, 0) == sympy.Rational(0)


def test_with_respect_to_another_input():
    s = steps("x*y^2", wrt="y")
    assert s.wrt == "y" and s.steps[0].rule == "constant multiple rule"
    assert sympy.simplify(s.expr - 2 * x * y) == 0


EXPRESSIONS = expression_strategy(
    ["x", "y", "0.5", "2", "x"],
    ["sin", "cos", "exp", "log", "sqrt", "tanh", "atan", "sigmoid", "softplus", "relu",
     "abs", "-"], max_leaves=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_the_final_formula_equals_sympys_on_random_expressions(src):
    g = diffx.parse(src)
    if "x" not in g.input_nodes:
        return
    s = steps(g, wrt="x")
    assert s.check.agrees is not False
    f = to_sympy(g)[-1]
    if f.has(sympy.nan, sympy.zoo):  # undefined everywhere (log(x - x)): sympy's diff says 0
        assert s.expr.has(sympy.nan, sympy.zoo) and s.check.agrees is None
        return
    if _zero_base_named_exponent(f, s):  # undecided by the check, which says so
        return
    assert _equal(s.expr, sympy.diff(f, x), (x, y))
    assert _equal(steps(g, wrt="x", tree=True).expr, s.expr, (x, y))


def _zero_base_named_exponent(f, s) -> bool:
    """f is a power of an identically-zero base (sympy writes 0^u as a Piecewise, or 0^-u as
    zoo^u) and the steps, written over a named exponent, substitute it into x^y·log(x):
    log(0) is infinite there and the formula is nowhere finite, which the check says."""
    return bool(f.atoms(sympy.Piecewise) or f.has(sympy.zoo)) and s.expr.has(sympy.zoo) \
        and s.check.agrees is None


def test_zero_to_the_zero_of_a_named_base():
    # (x - x)^(x - x) is 0^0 = 1 for every x: its derivative is 0 in every method. The power
    # rule's first term, written over the named base u with u' = 0, was 0·0^(-1)·0 = nan once
    # the names were put in; zero derivatives now go in first (the strong zeros)
    assert diffx.grad("(x - x)^(x - x)", at={"x": 0.7}, method="reverse")["x"] == 0
    assert steps("(x - x)^(x - x)").expr == 0


def test_a_piecewise_term_is_written_in_words():
    # the zero base's d/dy 0^y (0 where y > 0, undefined elsewhere) times u' is kept as a
    # piecewise term; it was printed as sympy's Piecewise(ExprCondPair(0, Or(Equality(...
    r = invoke("steps", "(x - x)^(x - x)")
    assert "u*u^(u - 1)*u' + (0 if u' = 0 or u > 0 else nan)" in r.stdout
    assert "Piecewise" not in r.stdout and "ExprCondPair" not in r.stdout
    from diffx.notation import formula_text

    x, y = sympy.symbols("x y")
    both = sympy.Piecewise((x, sympy.And(sympy.Le(x, 1), sympy.Ne(y, 0))), (1 - y, True))
    assert formula_text(both) == "(x if x <= 1 and y != 0 else 1 - y)"


def test_a_power_of_an_identically_zero_base():
    """0^x is 0 for x > 0: its derivative there is 0 (powlog's convention, d/dy x^y = 0
    where x^y = 0), which the steps give when the base is written out ..."""
    s = steps("(x + -x)^x")
    assert s.check.agrees is True
    assert s.expr.subs(x, sympy.Rational(1, 2)) == 0


@pytest.mark.parametrize("tree", [False, True])
def test_a_power_of_an_identically_zero_base_with_a_named_exponent(tree):
    """-x is used twice, so the DAG view names it u and the base reads x + u: whether the
    base is identically 0 is decided on its formula in the inputs, not on its name (the
    formula was nowhere finite: u*log(x + u) became log(0))."""
    s = steps("(x + -x)^(-x)", tree=tree)  # 0^(-x) is 0 for x < 0 (a constant): slope 0
    assert s.expr.subs(x, -sympy.Rational(1, 2)) == 0
    assert s.expr.subs(x, -3) == 0
    assert s.expr.subs(x, sympy.Rational(1, 2)) is sympy.nan  # 0^(-1/2) is infinite there
    assert s.check.agrees is True


def test_a_deep_chain_is_refused_with_a_clear_message():
    deep = "v0 = x\n" + "\n".join(f"v{i} = sin(v{i - 1})" for i in range(1, 10_001))
    with pytest.raises(diffx.DiffxError, match=f"nested at most {MAX_DEPTH} deep; here 10,000"):
        steps(deep)
    r = invoke("steps", "sin(" * 10_000 + "x" + ")" * 10_000)
    assert r.exit_code == 2 and "error: steps writes out" in r.stderr
    assert "Traceback" not in r.output


def test_a_chain_at_the_depth_limit_is_derived_and_the_printed_steps_are_capped():
    chain = "v0 = x\n" + "\n".join(f"v{i} = sin(v{i - 1})" for i in range(1, MAX_DEPTH + 1))
    s = steps(chain)
    assert len(s.steps) == MAX_DEPTH + 1  # each statement once, then the substitution
    hand = sympy.Integer(1)
    v = x
    for _ in range(MAX_DEPTH):
        hand, v = hand * sympy.cos(v), sympy.sin(v)
    assert s.expr == hand
    text = "\n".join(present.text_lines(s, limit=5))
    assert "… 46 more steps" in text and text.count("[") == 5
    assert f"dv{MAX_DEPTH}/dx = cos(x)*cos(sin(x))" in text


# ------------------------------------------------------------------ the command ------------

def test_cli_text():
    r = invoke("steps", "x^2*sin(x)")
    assert r.exit_code == 0, r.output
    assert "1. (x^2*sin(x))' = (x^2)'*sin(x) + x^2*(sin(x))'    [product rule]" in r.stdout
    assert "d/dx (x^2*sin(x)) = x^2*cos(x) + 2*x*sin(x)" in r.stdout
    assert "check: agrees: identical to sympy.diff" in r.stdout


def test_cli_json_is_strict_and_complete():
    r = invoke("steps", "u = x^2; y = sin(u) * u", "--format", "json")
    data = strict_json(r.stdout)
    assert [st["rule"] for st in data["steps"]][:2] == ["power rule", "product rule"]
    assert data["names"][0] == {"name": "u", "definition": "u = x^2"}
    assert data["formula"] == "2*x^3*cos(x^2) + 2*x*sin(x^2)" and data["check"]["agrees"]
    assert strict_json(invoke("steps", "x^2", "--json").stdout)["steps"][0]["result"] == "2*x"


def test_cli_markdown_and_latex():
    md = invoke("steps", "sin(x^2)", "--format", "markdown").stdout
    assert md.startswith("**d/dx of sin(x^2)") and "1. `(sin(x^2))' = cos(x^2)*(x^2)'`" in md
    tex = invoke("steps", "x^(2*x)/sqrt(x)", "--format", "latex").stdout
    assert tex.count("{") == tex.count("}") and tex.count("$") % 2 == 0
    assert "\\begin{enumerate}" in tex and "x^{(2 \\cdot x)}" in tex


def test_cli_tree_and_wrt():
    r = invoke("steps", "sin(x^2) * x^2", "--tree", "--wrt", "x")
    assert r.exit_code == 0 and "names:" not in r.stdout
    assert r.stdout.count("(x^2)' = 2*x^(2 - 1)") == 2


@pytest.mark.parametrize("args, message", [
    (("x*y", "--wrt", "z"), "--wrt z: not an input"),
    (("3",), "has no inputs"),
    (("x", "--limit", "0"), "--limit"),
    (("sum(W @ v)", "--wrt", "v"), "vectors or matrices"),
])
def test_cli_errors(args, message):
    r = invoke("steps", *args)
    assert r.exit_code == 2 and message in r.stderr and "Traceback" not in r.output


def test_the_docs_page_is_the_commands_real_output():
    import os
    import re
    import shlex
    import subprocess
    import sys
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "steps.md").read_text("utf-8")
    blocks = re.findall(r"```console\n\$ (.*?)\n(.*?)\n```", page, re.S)
    assert len(blocks) == 4
    env = {**os.environ, "COLUMNS": "110", "NO_COLOR": "1", "TERM": "dumb"}
    for command, shown in blocks:
        args = [sys.executable, "-m", "diffx", *shlex.split(command)[1:]]
        out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
        lines = [line.rstrip() for line in (out.stdout + out.stderr).rstrip().splitlines()]
        assert lines == shown.splitlines(), command


def test_the_check_can_fail_and_looks_beyond_small_points():
    from diffx.steps import check

    v = sympy.log(x - 3) / (1 + sympy.exp(-x))
    right = sympy.diff(v, x)
    wrong = right + sympy.Rational(1, 10**6) * sympy.tanh(x - 3) ** 2
    bad = check(wrong, v, x, str)
    assert bad.agrees is False and "differs from sympy.diff at x = " in bad.how
    # defined only for x > 3: the small points give nan, the larger ones decide (the wrong
    # formula's difference, 1, does not simplify to 0, so only the points can refute it)
    odd = sympy.sqrt(x - 3) * sympy.sin(x) ** 3
    written = sympy.Rational(1, 2) * sympy.sin(x) ** 3 / sympy.sqrt(x - 3) + \
        3 * sympy.sqrt(x - 3) * sympy.sin(x) ** 2 * sympy.cos(x)
    ok = check(written, odd, x, str)
    assert ok.agrees is True
    assert check(written + 1, odd, x, str).agrees is False


@pytest.mark.parametrize("src", ["sqrt((x) - (x))", "sqrt(x - x) + x", "log(abs(x - x) + 1)*x"])
def test_a_zero_inner_derivative_is_a_strong_zero(src):
    """The chain rule's u'·f'(u) with u' = 0 is 0 even where f'(u) is infinite (sqrt(0)), as
    in every method (docs/conventions.md, strong zeros); sympy.diff of the simplified f
    agrees."""
    g = diffx.parse(src)
    s = steps(g, wrt="x")
    assert s.check.agrees is True
    assert _equal(s.expr, sympy.diff(to_sympy(g)[-1], x), (x, y))


def test_an_undefined_function_has_an_undefined_derivative():
    """log(x - x) is log(0) for every x: as the symbolic and reverse methods say, its
    derivative is nan, though sympy.diff calls it 0 (and the strong zero would drop the inner
    term). sqrt(x - x) is defined (0): there the strong zero gives 0."""
    s = steps("log(x - x)")
    assert s.expr is sympy.nan and s.check.agrees is None
    assert "undefined for every value" in s.check.how
    r = diffx.grad_all("log(x - x)", at={"x": 1.0})
    assert all(math.isnan(r.results[m]["x"]) for m in ("reverse", "symbolic"))
    s = steps("sqrt(x - x)")
    assert s.expr == 0 and s.check.agrees is True


# (source, undefined for every x): a literal division by 0 or a log, root or power of 0 or a
# negative constant is undefined at every x (IEEE gives inf or nan there); the rest are
# defined somewhere (0^x is 0 for x > 0, sqrt(x - x) is 0, x^0.5 + ... for x >= 0)
UNDEFINED = [("log(x - x)", True), ("(x - x)^(-1)", True), ("x/0", True), ("x/0 + 1", True),
             ("sin(x)/0", True), ("x/(x - x)", True), ("atan(x/0)", True), ("x*(1/0)", True),
             ("sqrt(-1) + x", True), ("0^x", False), ("0^(-x)", False), ("(x - x)^x", False),
             ("sqrt(x - x)", False), ("x^0.5 + sqrt(-x) - sqrt(-x)", False)]


@pytest.mark.parametrize("src, undefined", UNDEFINED)
def test_steps_and_the_symbolic_method_share_one_test_of_an_undefined_function(src, undefined):
    """One predicate (diffx.sym.undefined_everywhere) decides for both: x/0 is sympy's
    zoo*x, which the symbolic method once differentiated to 1/0 (and sin(x)/0 to
    (1/0)*cos(x)) while the steps said nan."""
    said = "undefined for every value"
    s = steps(src)
    r = diffx.grad(src, method="symbolic")
    assert (said in s.check.how) is undefined
    assert (r.formula["x"] == "nan") is undefined
    assert (said in " ".join(r.warnings)) is undefined
    if undefined:
        assert s.expr is sympy.nan
        at = diffx.grad(src, at={"x": 0.75}, method="symbolic")
        assert math.isnan(at["x"])


# ------------------------------------- strong zeros in the steps, as the sweeps take them -

def _at(expr, value):
    """A derivation's formula at x = value (the steps' x is a real symbol)."""
    sym = next(iter(expr.free_symbols), None)
    return expr if sym is None else expr.subs(sym, value)


@pytest.mark.parametrize("at", [0.0, 0.5, -2.0, 3.0])
def test_a_power_0_of_anything_has_slope_0_in_every_method(at):
    """(x/0)^0: x^0 is 1 for every x in IEEE (inf^0 = nan^0 = 1) and in sympy (zoo^0 = 1), so
    f is the constant 1 and its slope 0 by hand; the power rule's partial 0·(x/0)^(-1) is
    exactly 0 and (x/0)' = 1/0 is not finite: a strong zero, 0 (the steps said nan). The point
    is doubtful (x/0 is masked), and every method says 0."""
    s = steps("(x/0)^0")
    assert s.expr == 0 and s.check.agrees is True
    for method in ("symbolic", "reverse", "forward", "numeric"):
        g = diffx.grad("(x/0)^0", at={"x": at}, method=method)
        assert g.value == 1.0 and g.gradient["x"] == 0.0, method
    assert diffx.grad_all("(x/0)^0", at={"x": at}).doubtful == ("x",)


def test_a_zero_base_to_a_power_that_is_0_only_at_one_point():
    """(x - x)^(-x*x) is 0^(-x^2): 1 at x = 0 (0^0) and infinite at every other x (0 to a
    negative power). Where f is finite, x = 0, the sweeps take d/dy 0^y = -inf times
    (-x^2)' = 0 as 0 (a strong zero, with a warning that it moves) and the symbolic method
    says 0: the steps give 0 there too (they said nan everywhere). Where f is infinite the
    steps give nan, as the reverse and numeric methods do."""
    s = steps("(x - x)^(-x*x)")
    assert _at(s.expr, 0) == 0
    for x in (sympy.Rational(1, 2), -3):
        assert _at(s.expr, x) is sympy.nan
    for method in ("symbolic", "reverse", "forward"):
        g = diffx.grad("(x - x)^(-x*x)", at={"x": 0.0}, method=method)
        assert g.value == 1.0 and g.gradient["x"] == 0.0, method
    g = diffx.grad("(x - x)^(-x*x)", at={"x": 0.0}, method="reverse")
    assert any("moves with x" in w for w in g.warnings)
    for method in ("reverse", "numeric"):
        g = diffx.grad("(x - x)^(-x*x)", at={"x": 0.5}, method=method)
        assert g.value == math.inf and math.isnan(g.gradient["x"]), method


def test_a_strong_zero_at_a_point_agrees_with_the_sweeps():
    """0^(x^2): 1 at x = 0 and 0 elsewhere; the sweeps give 0 at x = 0 (-inf × 0) and 0
    where f = 0 (d/dy 0^y = 0 for y > 0); the steps give the same at both."""
    s = steps("(x - x)^(x*x)")
    for x, f in ((0.0, 1.0), (1.5, 0.0), (-2.0, 0.0)):
        assert _at(s.expr, x) == 0
        g = diffx.grad("(x - x)^(x*x)", at={"x": x}, method="reverse")
        assert g.value == f and g.gradient["x"] == 0.0
