"""The command line's layout: a package of small modules in which the commands parse options,
call the library and hand the result to a presenter; the presenters shape every output; the
entry points start without the heavy libraries."""

import ast
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace as NS

import pytest
import typer.main

import diffx
from diffx.present import command_output
from conftest import invoke, strict_json

ROOT = Path(diffx.__file__).resolve().parent
CLI = sorted((ROOT / "cli").glob("*.py"))
PRESENT = sorted((ROOT / "present").glob("*.py"))


@pytest.mark.parametrize("path", CLI + PRESENT, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_module_is_small_and_says_what_it_holds(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 360  # "about 350" (present/as_json.py is 351)
    assert ast.get_docstring(ast.parse(text)), f"{path.name} has no docstring"


def test_the_cli_package_holds_the_app_the_policy_the_inputs_and_the_commands():
    assert {p.stem for p in CLI} == {"__init__", "args", "run", "options", "sources",
                                     "differentiate", "draw", "measure", "teach",
                                     "adjoint"}


@pytest.mark.parametrize("path", CLI, ids=lambda p: p.name)
def test_commands_shape_no_output_themselves(path):
    """No JSON, no markup, no dict built for output in the CLI: the presenters do that."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not {a.name for a in node.names} & {"json", "dataclasses"}, path.name
        if isinstance(node, ast.ImportFrom):
            names = {a.name for a in node.names}
            assert node.module not in ("json", "dataclasses", "rich.markup"), path.name
            assert not names & {"dumps", "asdict", "escape"}, (path.name, node.lineno)
        if isinstance(node, ast.Dict) and len(node.keys) > 3:
            # the one dict is grad's options, which go to the methods that declare them
            assert {k.value for k in node.keys} == {"scheme", "step", "timeout", "routes",
                                                    "route_limit"}, (path.name, node.lineno)


def test_help_lists_the_commands_in_their_order():
    out = invoke("--help").stdout
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == ["grad", "graph", "routes", "swell", "compare", "check", "trace",
                      "steps", "quiz", "adjoint"]


def test_the_old_names_still_import_from_diffx_cli():
    from diffx.cli import (MethodChoice, Scheme, app, expression_arguments, flag, main,
                           read_source)

    assert callable(main) and "grad" in typer.main.get_command(app).list_commands(None)
    assert flag("claims") == "--claim" and flag("route_limit") == "--route-limit"
    assert expression_arguments(["-x^2", "--at", "x=3"], {"--at": True}) == \
        ["--at", "x=3", "--", "-x^2"]
    assert read_source("a*b", None) == "a*b"
    assert "all" in {m.value for m in MethodChoice} and "central" in {s.value for s in Scheme}


def _modules_after(*argv: str) -> set[str]:
    """The modules loaded by ``python -m diffx ARGV``, in a fresh interpreter."""
    code = ("import runpy, sys\n"
            f"sys.argv = ['diffx', *{list(argv)!r}]\n"
            "try:\n    runpy.run_module('diffx', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print('MODULES', ' '.join(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT.parent, timeout=120)
    line = next(x for x in done.stdout.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


def test_version_and_a_reverse_gradient_start_without_the_heavy_libraries():
    version = _modules_after("--version")
    assert "diffx.cli" in version
    assert not {"sympy", "rich", "networkx", "json", "matplotlib"} & version
    reverse = _modules_after("grad", "x*y", "--at", "x=1,y=2", "--method", "reverse")
    assert "diffx.present.gradient_table" in reverse
    assert not {"sympy", "networkx", "json", "matplotlib"} & reverse


# ---------------------------------------------------------------- the presenters' shapes -----

def test_check_failure_names_the_worst_input_and_its_error():
    # d(a*b)/da = b = 3 at (2, 3); the claim says a = 2: |2 - 3| / (2 + 3) = 0.2
    res = invoke("check", "a*b", "--at", "a=2,b=3", "--claim", "a = a", "--claim", "b = a")
    assert res.exit_code == 1
    assert res.stderr.strip() == ("error: the check failed: the derivative with respect to a "
                                  "is off by a relative error of 2.0e-01, more than "
                                  "--threshold 1e-06")


def test_grad_failure_is_none_unless_every_method_failed():
    ok, bad = NS(ok=True, error=None), NS(ok=False, error="timed out")
    assert command_output.grad_failure(NS(results={}), "f") is None
    assert command_output.grad_failure(NS(results={"symbolic": bad, "reverse": ok}), "f") \
        is None
    assert command_output.grad_failure(NS(results={"symbolic": bad}), "f") == \
        "symbolic: timed out"
    both = NS(results={"symbolic": bad, "numeric": NS(ok=False, error="no point")})
    assert command_output.grad_failure(both, "d") == \
        "no method could differentiate d (symbolic: timed out; numeric: no point)"


def test_the_routes_document_has_the_listing_and_the_hand_counted_routes():
    # d = a * c, c = a + b: a reaches d directly and through c (2 routes), b through c (1)
    res = invoke("routes", "c = a + b; d = a * c", "--at", "a=4,b=3", "--json")
    data = strict_json(res.stdout)
    assert list(data) == ["expression", "wrt", "point", "gradient", "routes", "routes_log10",
                          "listing", "legend", "sweep_multiply_adds",
                          "sweep_multiply_adds_for", "warnings"]
    assert data["routes"] == {"a": 2, "b": 1}
    assert data["gradient"] == {"a": 11.0, "b": 4.0}  # 2a + b = 11, a = 4
    products = sorted(r["product"] for r in data["listing"]["a"]["routes"])
    assert products == [4.0, 7.0]  # through c: a * 1 = 4; direct: c = 7


def test_unused_statements_are_warned_once_and_first():
    res = invoke("grad", "u = 5; c = a + b; d = a * c", "--at", "a=4,b=3", "--json")
    warnings = strict_json(res.stdout)["warnings"]
    unused = [w for w in warnings if "only the last statement" in w]
    assert len(unused) == 1 and warnings[0] == unused[0] and "u" in unused[0]
