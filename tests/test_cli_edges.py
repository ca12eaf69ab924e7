"""The command line at its edges: what a newcomer types, what the screen says, how it fails.

Expected values are derived by hand (d/dx -x^2 = -2x, so -6 at 3) or taken from math/mpmath;
JSON is parsed strictly (NaN and Infinity literals raise).
"""

import math
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import ROUTE_SUM, invoke, strict_json

import diffx
from diffx import cli
from diffx.cli import expression_arguments

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, input: str | None = None):
    return invoke(*args, input=input, columns=160)


def python_m(*args: str, **kw):
    """``python -m diffx`` on this checkout (cwd first on sys.path), as a user runs it."""
    return subprocess.run([sys.executable, "-m", "diffx", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "COLUMNS": "160"}, **kw)


# ---------------------------------------------------------------- -x^2 and '--' -------------

@pytest.mark.parametrize("args, expected", [
    (["-x^2", "--at", "x=3"], -6.0),                       # d/dx -x^2 = -2x
    (["--at", "x=3", "-x^2"], -6.0),
    (["--", "-x^2", "--at", "x=3"], -6.0),
    (["-2*x", "--at", "x=3"], -2.0),
    (["-sin(x)", "--at", "x=0.5"], -math.cos(0.5)),
    (["-mreverse", "-x^3", "--at", "x=2"], -12.0),          # -m with its value attached
    (["--at", "x=-1", "-x^2"], 2.0),                        # an option's value may start with -
])
def test_an_expression_starting_with_minus_is_the_expression(args, expected):
    res = run("grad", *args, "--method", "reverse", "--json")
    assert res.exit_code == 0, res.output
    gradient = strict_json(res.stdout)["results"]["reverse"]["gradient"]
    assert gradient["x"] == pytest.approx(expected, rel=1e-15)


def test_a_step_value_starting_with_minus_stays_the_option_value():
    res = run("grad", "x^2", "--at", "x=1", "--method", "numeric", "--step", "-1e-3")
    assert res.exit_code == 2
    assert "--step" in res.stderr and "-1e-3" not in res.stdout


def test_a_misspelt_long_option_is_still_an_option_error():
    res = run("grad", "x", "--metod", "reverse")
    assert res.exit_code == 2
    assert "--metod" in res.output


def test_expression_arguments_moves_only_unknown_single_dash_words():
    options = {"--at": True, "-m": True, "--method": True, "--json": False, "-h": False}
    assert expression_arguments(["-x^2", "--at", "x=3"], options) == \
        ["--at", "x=3", "--", "-x^2"]
    assert expression_arguments(["--at", "-1", "-h"], options) == ["--at", "-1", "-h"]
    assert expression_arguments(["-", "--json"], options) == ["-", "--json"]
    assert expression_arguments(["-mreverse", "x"], options) == ["-mreverse", "x"]
    assert expression_arguments(["--", "--json", "--at", "x=1"], options) == \
        ["--at", "x=1", "--", "--json"]


def test_subprocess_minus_expression_after_double_dash():
    out = python_m("grad", "--", "-x^2", "--at", "x=3", "--json")
    assert out.returncode == 0, out.stderr
    data = strict_json(out.stdout)
    assert data["value"] == -9.0
    for method in ("symbolic", "numeric", "reverse"):
        assert data["results"][method]["gradient"]["x"] == pytest.approx(-6.0, rel=1e-9)


# ---------------------------------------------------------------- -h, --version -------------

def test_short_help_and_version():
    for args in (["-h"], ["grad", "-h"], ["routes", "-h"]):
        res = run(*args)
        assert res.exit_code == 0, res.output
        assert "Usage:" in res.output
    assert "diffx grad -- -x^2" in run("grad", "-h").output  # '--' is documented
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    res = run("--version")
    assert res.exit_code == 0
    assert res.stdout.strip() == f"diffx {version}"


# ---------------------------------------------------------------- reading the source --------

def test_closed_standard_input_is_an_error_not_a_traceback():
    out = subprocess.run(["sh", "-c", f'exec "{sys.executable}" -m diffx grad - --at x=1 <&-'],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("error: ") and "closed" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("data", ["", "  \n"])
def test_empty_standard_input_is_an_error(data):
    out = python_m("grad", "-", "--at", "x=1", input=data)
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and "empty" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_file_with_a_byte_order_mark(tmp_path):
    prog = tmp_path / "bom.dx"
    prog.write_bytes(b"\xef\xbb\xbfc = a + b\nd = a * c\n")
    res = run("grad", "-f", str(prog), "--at", "a=4,b=3", "--method", "reverse", "--json")
    assert res.exit_code == 0, res.output
    assert strict_json(res.stdout)["results"]["reverse"]["gradient"] == {"a": 11.0, "b": 4.0}


def test_reading_keeps_carriage_returns_and_drops_the_mark(tmp_path):
    prog = tmp_path / "cr.dx"
    prog.write_bytes(b"\xef\xbb\xbfc = a + b\rd = a * c\r")
    assert cli.read_source(None, prog) == "c = a + b\rd = a * c\r"


def test_a_file_with_carriage_return_line_ends(tmp_path):
    try:
        diffx.parse("c = a\rd = c")
    except diffx.ParseError:
        pytest.skip("this parser does not read CR-only line ends yet (the parser's fix)")
    prog = tmp_path / "cr.dx"
    prog.write_bytes(b"c = a + b\rd = a * c\r")
    res = run("grad", "-f", str(prog), "--at", "a=4,b=3", "--method", "reverse", "--json")
    assert res.exit_code == 0, res.output
    assert strict_json(res.stdout)["results"]["reverse"]["gradient"] == {"a": 11.0, "b": 4.0}


# ---------------------------------------------------------------- what the screen says ------

def _row(output: str, method: str) -> str:
    return next(line for line in output.splitlines() if line.strip().startswith(method + " "))


def test_both_nan_reads_not_finite_not_zero():
    res = run("grad", "sqrt(x)", "--at", "x=-1")  # sqrt'(x) = 1/(2 sqrt x): nan for x < 0
    assert res.exit_code == 0, res.output
    for method in ("symbolic", "numeric"):
        row = _row(res.stdout, method)
        assert "not finite" in row
        assert not row.rstrip().split("│")[2].strip() == "0"


def test_one_input_not_finite_the_other_compared():
    res = run("grad", "sqrt(x) + y^2", "--at", "x=0,y=3", "--method", "all")
    row = _row(res.stdout, "symbolic")
    assert "not finite: x" in row  # sqrt'(0) is infinite; ∂/∂y = 6 by both: compared


def test_json_not_finite_relative_errors_are_null_and_flagged():
    res = run("grad", "sqrt(x) + y^2", "--at", "x=0,y=3", "--json")
    data = strict_json(res.stdout)
    symbolic = data["results"]["symbolic"]
    assert symbolic["relative_error"]["x"] is None
    assert symbolic["relative_error_not_finite"] == ["x"]
    assert symbolic["gradient"]["y"] == 6.0


def test_compare_not_finite_cells_and_json():
    res = run("compare", "sqrt(x)", "--at", "x=-1")
    assert res.exit_code == 0, res.output
    row = _row(res.stdout, "reverse")
    assert row.count("not finite") == 2  # absolute and relative error
    data = strict_json(run("compare", "sqrt(x)", "--at", "x=-1", "--json").stdout)
    rev = next(r for r in data["rows"] if r["method"] == "reverse")
    assert rev["relative_error"] is None and rev["not_finite"] == ["x"]


@pytest.mark.parametrize("method", ["all", "symbolic", "numeric", "reverse", "forward"])
def test_the_value_is_the_graphs_whatever_the_method(method):
    # x/x at 0 is 0/0: the graph's value is nan, though sympy simplifies x/x to 1
    res = run("grad", "x/x", "--at", "x=0", "--method", method)
    assert "f = nan" in res.stdout, res.output
    data = strict_json(run("grad", "x/x", "--at", "x=0", "--method", method, "--json").stdout)
    assert data["value"] is None
    assert any("$.value was nan" in w for w in data["warnings"])


def test_a_constant_expression_shows_its_value():
    res = run("grad", "2^3^2")  # right-associative: 2^9
    assert res.exit_code == 0, res.output
    assert "f = 512" in res.stdout
    assert strict_json(run("grad", "2^3^2", "--json").stdout)["value"] == 512.0


def test_one_statement_title(tmp_path):
    prog = tmp_path / "one.dx"
    prog.write_text("# just one\ny = x^2\n")
    res = run("grad", "-f", str(prog), "--at", "x=1")
    assert "(1 statement)" in res.stdout
    prog.write_text("# two\nc = x^2\ny = c + 1\n")
    assert "(2 statements)" in run("grad", "-f", str(prog), "--at", "x=1").stdout


def test_route_lines_do_not_repeat_a_value_equal_to_its_formula():
    res = run("routes", "a + x", "--at", "a=1,x=2")
    assert "a → f:  ∂f/∂a = 1\n" in res.stdout
    assert "= 1 = 1" not in res.stdout
    assert "sum: 1;" in res.stdout
    res = run("routes", "c = x + 1; d = c + 2", "--at", "x=1")
    assert "∂d/∂c · ∂c/∂x = 1 · 1 = 1\n" in res.stdout
    res = run("routes", "a*x")
    assert "sum: x = x" not in res.stdout and "sum: x\n" in res.stdout


# ---------------------------------------------------------------- option errors -------------

@pytest.mark.parametrize("args, message", [
    (["graph", "x", "--wrt", "x", "--route", "999999"], "--route must be"),
    (["graph", "x", "--wrt", "x", "--route", "0"], "--route must be"),
    (["routes", "x", "--limit", "-1"], "--limit must be a whole number from 0"),
    (["grad", "x", "--route-limit", "-1"], "--route-limit must be"),
    (["swell", "logistic", "--budget", "0"],
     "--budget must be greater than 0 and at most 600 seconds, got 0"),
    (["swell", "logistic", "--budget", "nan"], "--budget must be greater than 0"),
    (["grad", "x", "--timeout", "0"], "--timeout must be greater than 0"),
    (["compare", "x", "--at", "x=1", "--timeout", "-1"], "--timeout must be greater than 0"),
])
def test_option_errors_name_the_option_typed(args, message):
    res = run(*args)
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: ") and message in res.stderr
    assert "between 0 and" not in res.stderr


def test_choices_come_from_the_registry():
    from diffx import methods
    from diffx.methods import numeric

    assert {m.value for m in cli.MethodChoice} == {"all", *methods.REGISTRY}
    assert [s.value for s in cli.Scheme] == list(numeric.SCHEMES)


# ---------------------------------------------------------------- failures ------------------

def test_a_failed_check_says_why_on_stderr():
    res = run("check", "x^2", "--at", "x=3", "--claim", "x=3*x")  # true 2x = 6, claimed 9
    assert res.exit_code == 1
    assert res.stderr.startswith("error: the check failed") and "x" in res.stderr
    assert res.stderr.count("\n") == 1


def _replace_method(monkeypatch, name, run_fn):
    from diffx import methods

    spec = methods.REGISTRY[name]
    monkeypatch.setitem(methods.REGISTRY, name,
                        methods.Method(name, run_fn, spec.options, spec.summary))


def test_every_method_failing_says_why_on_stderr(monkeypatch):
    from diffx.methods import MethodError

    def gives_up(*args, **kwargs):
        raise MethodError("stopped after 0.1 s", usage=False)

    _replace_method(monkeypatch, "reverse", gives_up)
    res = run("grad", "x^2", "--at", "x=1", "--method", "reverse")
    assert res.exit_code == 1
    assert res.stderr == "error: reverse: stopped after 0.1 s\n"


@pytest.mark.parametrize("exc, code, words", [
    ("budget", 1, "time budget ran out"),
    ("base", 70, "internal error (Odd"),
])
def test_a_base_exception_from_a_method_is_one_error_line(monkeypatch, exc, code, words):
    from diffx.budget import BudgetExceeded

    class Odd(BaseException):
        pass

    def explodes(*args, **kwargs):
        raise {"budget": BudgetExceeded(), "base": Odd(), "value": ValueError("boom")}[exc]

    _replace_method(monkeypatch, "symbolic", explodes)
    res = run("grad", "x^2", "--at", "x=1")
    assert res.exit_code == code
    assert res.stderr.startswith("error: ") and words in res.stderr
    assert "Traceback" not in res.output


# ---------------------------------------------------------------- unused statements ---------

def test_unused_statements_are_warned_about():
    res = run("grad", "y1 = x^2*z; y2 = x^3", "--at", "x=1,z=2")
    assert res.exit_code == 0, res.output
    warnings = [line for line in res.stdout.splitlines() if line.startswith("warning:")]
    assert any("y1 (line 1)" in w and "not used" in w and "input z" in w for w in warnings), \
        res.stdout
    data = strict_json(run("grad", "y1 = x^2*z; y2 = x^3", "--at", "x=1,z=2", "--json").stdout)
    assert any("y1" in w and "not used" in w for w in data["warnings"])


def test_no_warning_when_every_statement_is_used():
    res = run("grad", ROUTE_SUM, "--at", "a=4,b=3")
    assert "not used" not in res.stdout


# ---------------------------------------------------------------- routes at many points -----

@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_routes_at_many_points_never_crash(extra):
    res = run("routes", "x*y", "--at", "x=0:1:5,y=1", *extra)
    assert "Traceback" not in res.output and "internal error" not in res.output
    if res.exit_code == 0:  # a listing at many points: the products are arrays
        assert "routes" in res.stdout
    else:
        assert res.exit_code == 2 and res.stderr.startswith("error: routes are listed")


def test_grad_routes_at_many_points_says_why_none_are_listed():
    res = run("grad", "x*y", "--at", "x=0:1:5,y=1", "--routes", "--method", "reverse")
    assert res.exit_code == 0, res.output
    assert "routes from x" in res.stdout or "warning: routes are listed at one point" in \
        res.stdout


def test_the_value_header_at_many_points_shows_nan():
    # sqrt at -1, 0, 1 is nan, 0, 1; '[nan, ...]' must not be swallowed as a rich markup tag
    res = run("grad", "sqrt(x)", "--at", "x=-1:1:3", "--method", "reverse")
    assert "f = [nan, 0, 1] (3 points)" in res.stdout, res.stdout


# ---------------------------------------------------------------- output paths, --at paths --

@pytest.mark.parametrize("args, words", [
    (["graph", "x", "-o", "{tmp}"], "is a folder"),
    (["graph", "x", "-o", "{tmp}/picture"], "has no extension"),
    (["graph", "x", "-o", "{tmp}/picture.jpg"], "'.jpg'"),
    (["swell", "logistic", "--n", "1..30", "--plot", "{tmp}/sizes.jpg"], "'.jpg'"),
    (["check", "x^2", "--at", "x=1", "--plot", "{tmp}"], "is a folder"),
    (["grad", "x", "--at", "/dev/zero"], "it is a device"),
])
def test_unusable_paths_are_refused_before_any_work(tmp_path, args, words):
    import time

    start = time.perf_counter()
    res = run(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert time.perf_counter() - start < 10  # swell 1..30 would take minutes
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: ") and words in res.stderr
    assert "'.'" not in res.stderr


def test_compare_shows_the_graphs_value():
    res = run("compare", "x/x", "--at", "x=0")  # 0/0 is nan; sympy's x/x = 1 is not the value
    assert "f = nan" in res.stdout and "f = 1 " not in res.stdout
    assert strict_json(run("compare", "x/x", "--at", "x=0", "--json").stdout)["value"] is None
    assert strict_json(run("compare", "x^3", "--at", "x=2", "--json").stdout)["value"] == 8.0


def test_check_with_non_finite_derivatives_says_so():
    # sqrt(x) has no value at -1, so no derivative (sqrt'(x) = 1/(2 sqrt x) is nan there too):
    # a FAIL that says so, and no error figure pretending otherwise
    res = run("check", "sqrt(x)", "--at", "x=-1", "--claim", "x=1/(2*sqrt(x))")
    assert res.exit_code == 1
    row = _row(res.stdout, "x")
    assert row.count("not finite") == 2 and "no derivative" in row
    assert "FAIL: f has no derivative at this point" in res.stdout
    assert "loses digits" not in res.stdout  # (nan in floats and in exact arithmetic alike)
    assert res.stderr.startswith("error: the check failed") and "not finite" in res.stderr


@pytest.mark.parametrize("timeout", ["1e-9", "1e-6", "1e-4"])
def test_a_tiny_timeout_ends_cleanly(timeout):
    out = python_m("grad", "sin(x)^2*exp(x)/(1+x^2)", "--at", "x=1", "--timeout", timeout)
    assert out.returncode in (0, 1), (out.returncode, out.stderr)  # never killed by SIGALRM
    assert "Traceback" not in out.stderr + out.stdout
    if out.returncode == 1:
        assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1


def test_an_ordinary_exception_in_one_method_leaves_the_others_running(monkeypatch):
    def explodes(*args, **kwargs):
        raise ValueError("boom")

    _replace_method(monkeypatch, "symbolic", explodes)
    res = run("grad", "x^2", "--at", "x=3")
    assert res.exit_code == 0, res.output
    assert "internal error in the symbolic method" in _row(res.stdout, "symbolic")
    assert "6" in _row(res.stdout, "reverse") and "Traceback" not in res.output


@pytest.mark.parametrize("command", ["grad", "compare", "check"])
def test_format_json_points_to_json_where_the_command_has_no_format(command):
    """trace, steps and quiz take --format json; grad, compare and check write JSON with
    --json, and the error says so instead of guessing a close name (--at)."""
    r = invoke(command, "x^2", "--at", "x=1", "--format", "json")
    assert r.exit_code == 2
    assert "this command writes JSON with --json" in r.output
    assert "--at" not in r.output.split("No such option")[-1]


def test_format_is_still_an_option_of_trace():
    r = invoke("trace", "x^2", "--at", "x=1", "--format", "json")
    assert r.exit_code == 0 and strict_json(r.stdout)["source"] == "x^2"


def test_check_plot_where_there_is_no_sweep_still_prints_the_report(tmp_path):
    # log(x) at -1 has no derivative, so no step sweep is made; --plot said "add --sweep"
    # (given) and printed no report
    picture = tmp_path / "sweep.svg"
    res = invoke("check", "log(x)", "--at", "x=-1", "--sweep", "--plot", str(picture))
    assert res.exit_code == 1 and "no derivative" in res.output, res.output
    assert "add --sweep" not in res.output and "no picture written" in res.output
    assert not picture.exists()


def test_a_python_file_that_prints_or_exits_keeps_diffx_output_whole(tmp_path, monkeypatch):
    (tmp_path / "noisy.py").write_text(
        "import sys\nprint('loading')\n"
        "def f(x):\n    print('called')\n    return x * x\n"
        "def g(x):\n    sys.exit(3)\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    done = subprocess.run([sys.executable, "-m", "diffx", "grad", "noisy.py:f", "--at", "x=2",
                           "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert strict_json(done.stdout)["value"] == 4.0  # d/dx x^2 = 4 at 2; x^2 = 4
    assert "loading" in done.stderr and "called" in done.stderr
    done = subprocess.run([sys.executable, "-m", "diffx", "grad", "noisy.py:g", "--at", "x=2"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "called sys.exit(3) while being traced" in done.stderr


def test_a_matrix_for_a_traced_functions_parameter_says_what_to_do(tmp_path, monkeypatch):
    (tmp_path / "vecf.py").write_text("import numpy as np\ndef mlp(W, x):\n"
                                      "    return np.sum(np.tanh(W @ x))\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = invoke("grad", "vecf.py:mlp", "--at", "W=[[1,2],[3,4]], x=[0.1,-0.2]")
    assert res.exit_code == 2
    assert "W is a matrix of shape (2, 2), but a Python function is traced with a number" \
        in " ".join(res.output.split())
    assert "'W + x'" not in res.output and "not supported yet" not in res.output
