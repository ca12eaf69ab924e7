"""Library errors name Python parameters (``at``, ``wrt``); the CLI names its flags.

A message names an option through ``diffx.errors.option``: the library's word is the
parameter, the CLI installs its parameter -> flag naming around each command. The scan below
keeps flag spellings out of the library's messages; the other tests check both sides of the
same error, by the library and by the CLI.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import diffx
from diffx import errors
from diffx.cli import app, flag
from diffx.errors import DiffxError, OptionError, PointError

PACKAGE = Path(diffx.__file__).parent
FLAG = re.compile(r"--[A-Za-z]")
# the CLI and the presenters only it uses speak in flags by design
CLI_ONLY = {"cli", "__main__.py", "present"}
# messages that must keep a flag, by (file, text in the string), with the reason
ALLOWED: dict[tuple[str, str], str] = {
    # a shell command the user is told to run: its flags are the command's, not parameters
    ("picture.py", "diffx grad --routes"): "names the CLI command to run instead",
    ("picture.py", "diffx grad --method reverse"): "names the CLI command to run instead",
}
# messages in modules that another change is rewriting now; each is to go
PENDING_FILES: set[str] = set()


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def flag_strings(root: Path = PACKAGE) -> list[tuple[str, int, str]]:
    """Every string in a library module (not a docstring) that spells a flag: file, line,
    text. An f-string is read without its fields, implicit concatenations as one string."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in CLI_ONLY or rel.split("/")[0] in CLI_ONLY:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                for part in node.values:
                    skip.add(id(part))
                text = "".join(p.value for p in node.values
                               if isinstance(p, ast.Constant) and isinstance(p.value, str))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in skip:
                text = node.value
            else:
                continue
            if FLAG.search(text):
                found.append((rel, node.lineno, text))
    return found


def test_scan_finds_flags_in_messages(tmp_path):
    # the scan itself can fail: it finds flags in f-strings, concatenations and plain strings,
    # and passes over docstrings, comments, the CLI and presenters, and options as fields
    (tmp_path / "lib.py").write_text(
        '"""--doc"""\n'
        'def f(x):\n'
        '    """--doc too"""\n'
        '    # --comment\n'
        '    if x:\n'
        '        raise E(f"{option(\'at\')} {x}: bad")\n'
        '    raise E(f"{x} is bad: " "add --at")\n'
        'W = "see --wrt"\n', encoding="utf-8")
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "run.py").write_text('M = "--at"\n', encoding="utf-8")
    (tmp_path / "present").mkdir()
    (tmp_path / "present" / "text.py").write_text('M = "--at"\n', encoding="utf-8")
    found = [(rel, line) for rel, line, _ in flag_strings(tmp_path)]
    assert sorted(found) == [("lib.py", 7), ("lib.py", 8)]


def test_library_messages_do_not_spell_flags():
    bad = []
    for rel, line, text in flag_strings():
        if any(rel == f and snippet in text for (f, snippet) in ALLOWED):
            continue
        if rel in PENDING_FILES:
            continue
        bad.append(f"diffx/{rel}:{line}: {text[:70]!r}")
    assert not bad, "library messages name CLI flags:\n" + "\n".join(bad)


def test_pending_modules_are_listed_exactly():
    # a pending module that no longer spells flags leaves the list, so none hides there
    pending = {rel for rel, _, text in flag_strings() if rel in PENDING_FILES
               and not any(rel == f and s in text for (f, s) in ALLOWED)}
    assert pending == PENDING_FILES


def test_library_error_names_the_parameter():
    with pytest.raises(PointError) as info:
        diffx.grad("x*y", at={"x": 1})
    message = str(info.value)
    assert message.startswith("at has no value for input 'y'")
    assert "--" not in message
    assert info.value.param == "at"


def test_library_wrt_error_names_the_parameter():
    with pytest.raises(OptionError) as info:
        diffx.grad("x*y", at={"x": 1, "y": 2}, wrt="z")
    assert str(info.value).startswith("wrt z: not an input")
    assert info.value.param == "wrt"


def test_cli_names_the_flag_for_the_same_error():
    res = CliRunner().invoke(app, ["grad", "x*y", "--at", "x=1"])
    assert res.exit_code == 2
    assert "error: --at has no value for input 'y'" in res.output
    res = CliRunner().invoke(app, ["grad", "x*y", "--at", "x=1,y=2", "--wrt", "z"])
    assert res.exit_code == 2
    assert "error: --wrt z: not an input" in res.output


def test_cli_names_claims_by_its_flag():
    res = CliRunner().invoke(app, ["check", "x*y", "--at", "x=1,y=2", "--claim", "z = y"])
    assert res.exit_code == 2
    assert "--claim z: 'z' is not an input" in res.output
    with pytest.raises(OptionError) as info:
        from diffx.check import check
        check("x*y", at={"x": 1, "y": 2}, claims={"z": "y"})
    assert str(info.value).startswith("claims z: 'z' is not an input")
    assert info.value.param == "claims"


def test_naming_is_scoped_and_restored():
    assert errors.option("route_limit") == "route_limit"
    with errors.naming(flag):
        assert errors.option("route_limit") == "--route-limit"
        assert errors.option("claims") == "--claim"
        try:
            with errors.naming(str.upper):
                raise DiffxError(errors.option("at"))
        except DiffxError as exc:
            assert str(exc) == "AT"
        assert errors.option("at") == "--at"
    assert errors.option("at") == "at"


def test_param_is_kept_and_optional():
    assert DiffxError("plain").param is None
    assert OptionError("x", param="step").param == "step"
    assert PointError("x").param == "at"


def test_point_text_errors_name_the_flag_in_the_cli():
    res = CliRunner().invoke(app, ["grad", "x*y", "--at", "x=(1+2,y=1"])
    assert res.exit_code == 2
    assert "error: --at entry 'x=(1+2,y=1' is not a number" in res.output
    with pytest.raises(PointError) as info:
        diffx.grad("x*y", at="x=(1+2,y=1")
    assert str(info.value).startswith("at entry 'x=(1+2,y=1' is not a number")


def test_routes_names_its_own_flag_for_the_route_limit(monkeypatch):
    # `diffx routes` spells the library's route_limit as --limit, not --route-limit
    import diffx.api

    def refuse(*args, **kwargs):
        raise OptionError(f"{errors.option('route_limit')} is refused here",
                          param="route_limit")

    monkeypatch.setattr(diffx.api, "grad", refuse)
    res = CliRunner().invoke(app, ["routes", "x*y"])
    assert res.exit_code == 2
    assert "error: --limit is refused here" in res.output


def test_a_budgeted_worker_thread_names_options_as_its_caller():
    # off the main thread the budget runs the work in a worker thread; the naming the CLI
    # installed must reach it, or a message raised there would speak the library's words
    import threading

    from diffx import budget
    from diffx.errors import naming, option

    seen = {}

    def caller():
        with naming(lambda p: "--" + p.replace("_", "-")):
            seen["name"] = budget.run_with_budget(lambda: option("route_limit"), 5.0)

    t = threading.Thread(target=caller)
    t.start()
    t.join(10)
    assert seen["name"] == "--route-limit"
