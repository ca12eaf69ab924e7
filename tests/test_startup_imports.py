"""What starting diffx loads: ``import diffx`` loads none of its submodules until a public name
is used, and each public name still resolves to what it always did (issue 14, start-up).

Each check runs in a fresh interpreter, so that what an earlier test imported cannot hide an
eager import: the assertions are on the modules loaded (behaviour), never on time.
"""

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import diffx

ROOT = Path(diffx.__file__).resolve().parent.parent

# modules that a plain `import diffx` must not load: sympy (~300 ms), numpy, and the library
HEAVY_FOR_IMPORT = {"sympy", "numpy", "networkx", "mpmath", "diffx.api", "diffx.methods",
                    "diffx.graph", "diffx.parser", "diffx.swell", "diffx.quiz", "diffx.steps",
                    "diffx.trace_table", "diffx.present.trace", "diffx.present.steps"}


def fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter from the repository root (this checkout's diffx
    first); it prints one JSON object, returned."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_import_diffx_loads_no_submodule_and_neither_sympy_nor_numpy():
    out = fresh("import sys, json, diffx\n"
                "print(json.dumps(sorted(m for m in sys.modules if m.startswith('diffx') "
                "or m.split('.')[0] in ('sympy', 'numpy', 'networkx', 'mpmath'))))")
    assert out == ["diffx"]
    assert not HEAVY_FOR_IMPORT & set(out)


def test_a_public_name_loads_its_module_and_only_what_that_module_needs():
    out = fresh("import sys, json, diffx\n"
                "g = diffx.grad('a*(a+b)', at={'a': 4, 'b': 3}, method='reverse')\n"
                "print(json.dumps([g.gradient, sorted(sys.modules)]))")
    gradient, modules = out
    assert gradient == {"a": 11.0, "b": 4.0}  # d/da a(a+b) = 2a+b, d/db = a
    assert "diffx.api" in modules
    assert not {"sympy", "diffx.swell", "diffx.quiz", "diffx.steps", "diffx.trace_table",
                "diffx.hessian", "diffx.check", "diffx.compare"} & set(modules)


def test_every_public_name_resolves_and_is_listed():
    for name in diffx.__all__:
        assert getattr(diffx, name) is not None, name
    assert set(diffx.__all__) <= set(dir(diffx))
    # the API, not the package's helpers and loaded submodules
    assert not {n for n in dir(diffx) if not n.startswith("__")} - set(diffx.__all__)
    assert diffx.grad is importlib.import_module("diffx.api").grad
    assert diffx.math is importlib.import_module("diffx.math_functions")
    assert diffx.DiffxError is importlib.import_module("diffx.errors").DiffxError
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        diffx.nonesuch  # noqa: B018


def test_a_public_function_named_like_its_module_stays_the_function():
    # importing diffx.steps (as the library does) binds the submodule on the package; the
    # public name diffx.steps must stay the function, as it was before the names were lazy
    out = fresh("import json, inspect, diffx\n"
                "import diffx.steps, diffx.swell, diffx.adjoint, diffx.hessian, diffx.quiz\n"
                "from diffx.check import check\n"
                "names = ['steps', 'swell', 'adjoint', 'hessian', 'quiz', 'check', 'compare',"
                " 'backward', 'trace_table']\n"
                "print(json.dumps({n: inspect.isfunction(getattr(diffx, n)) for n in names}))")
    assert all(out.values()), out
    assert inspect.isfunction(diffx.steps) and inspect.isfunction(diffx.swell)


def test_swell_default_budget_is_the_measuring_modules():
    module = importlib.import_module("diffx.swell")
    assert inspect.signature(diffx.swell).parameters["budget"].default == \
        module.DEFAULT_BUDGET


def shown_and_written(how: str, var: str, presenter: str) -> list[str]:
    """In a fresh process: ``str()`` of the model ``var`` that ``how`` made, and what the
    presenter's ``text`` writes of it. str() comes first: the test's own import of the
    presenter must not be what registers it."""
    return fresh(f"{how}\nshown = str({var})\nimport json\nfrom {presenter} import text\n"
                 f"print(json.dumps([shown, text({var})]))")


@pytest.mark.parametrize("how", [
    "import diffx; t = diffx.trace_table('a*(a+b)', at={'a': 4, 'b': 3})",
    "from diffx import trace_table; t = trace_table('a*(a+b)', at={'a': 4, 'b': 3})",
    "from diffx.trace_table import trace_table; t = trace_table('a*(a+b)', at={'a': 4, 'b': 3})",
])
def test_a_trace_table_prints_as_the_text_presenter_writes_it_however_reached(how):
    shown, written = shown_and_written(how, "t", "diffx.present.trace")
    assert shown == written
    # the adjoints of a*(a+b) at (4, 3): ā = 2a + b = 11, b̄ = a = 4
    assert "forward primal trace" in shown and "a\u0304 = 11" in shown and \
        "b\u0304 = 4" in shown


@pytest.mark.parametrize("how", [
    "import diffx; s = diffx.steps('x^2*sin(x)')",
    "from diffx.steps import steps; s = steps('x^2*sin(x)')",
])
def test_steps_print_as_the_text_presenter_writes_them_however_reached(how):
    shown, written = shown_and_written(how, "s", "diffx.present.steps")
    assert shown == written
    assert "product rule" in shown and not shown.startswith("Steps(")


# ---------------------------------------------------------------- the command line -----------

# what `diffx grad ... --method reverse` has no use for: sympy, the other commands' modules and
# the library behind them (teaching, swell, second order, drawing, tracing Python functions),
# networkx, matplotlib, numpy.ma (which np.unique would load)
NOT_FOR_REVERSE = {"sympy", "networkx", "matplotlib", "mpmath",
                   "diffx.cli.teach", "diffx.cli.measure", "diffx.cli.draw", "diffx.cli.adjoint",
                   "diffx.swell", "diffx.quiz", "diffx.quiz_grade", "diffx.steps",
                   "diffx.trace_table", "diffx.present.trace", "diffx.present.steps",
                   "diffx.adjoint", "diffx.hessian", "diffx.check", "diffx.compare",
                   "diffx.backward", "diffx.draw", "diffx.sym", "diffx.tracing", "diffx.tracer",
                   "diffx.traced_graph", "numpy.ma"}


def command_modules(*argv: str) -> tuple[str, set[str]]:
    """The output of ``python -m diffx ARGV`` and the modules it loaded, in a fresh
    interpreter."""
    code = ("import io, json, runpy, sys, contextlib\n"
            f"sys.argv = ['diffx', *{list(argv)!r}]\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            "    try:\n        runpy.run_module('diffx', run_name='__main__')\n"
            "    except SystemExit as exc:\n        assert not exc.code, exc.code\n"
            "print(json.dumps([out.getvalue(), sorted(sys.modules)]))")
    text, modules = fresh(code)
    return text, set(modules)


def test_the_reverse_command_loads_neither_sympy_nor_the_other_commands():
    text, modules = command_modules("grad", "a*(a+b)", "--at", "a=4,b=3", "--method",
                                    "reverse", "--json")
    assert json.loads(text)["results"]["reverse"]["gradient"] == {"a": 11.0, "b": 4.0}
    assert "diffx.cli.differentiate" in modules and "diffx.methods.reverse" in modules
    assert not NOT_FOR_REVERSE & modules, sorted(NOT_FOR_REVERSE & modules)


def test_help_and_version_load_no_command_library():
    text, modules = command_modules("--version")
    assert text == f"diffx {diffx.__version__}\n"
    assert not {"diffx.api", "diffx.methods", "numpy", "sympy"} & modules
    text, modules = command_modules("--help")
    assert all(c in text for c in ("grad", "graph", "routes", "swell", "compare", "check",
                                   "trace", "steps", "quiz", "adjoint"))
    assert not {"diffx.api", "sympy"} & modules  # the commands' modules, not the library


def test_a_teaching_command_loads_its_own_module():
    text, modules = command_modules("trace", "a*(a+b)", "--at", "a=4,b=3", "--format",
                                    "markdown")
    assert "diffx.cli.teach" in modules and "diffx.present.trace" in modules
    assert "a\u0304 = 11   b\u0304 = 4" in text  # 2a + b and a at (4, 3)
    assert not {"diffx.cli.measure", "diffx.swell"} & modules
