"""Exercises that grade themselves (``diffx quiz``, ``diffx.quiz``, ``diffx.grade``).

The lecture's route-sum example (seed 004: c = a + b, d = a·c at a = 4, b = 3) has adjoints
derived by hand: d̄ = 1, c̄ = d̄·a = 4, b̄ = c̄·1 = 4, ā = c̄·1 + d̄·c = 4 + 7 = 11.
Random programs are checked against the symbolic method (sympy.diff), which shares nothing with the
sweeps the quiz reads.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

import diffx
from conftest import ROUTE_SUM, invoke, strict_json
from diffx.present import quiz as present_quiz

AT = {"a": 4, "b": 3}
WORKTREE = Path(__file__).resolve().parent.parent


def _key(tmp_path, *args):
    key = tmp_path / "key.json"
    res = invoke("quiz", *args, "--key", str(key))
    assert res.exit_code == 0, res.output
    return key, res


def _grade(key, tmp_path, text, *extra):
    answers = tmp_path / ("answers.json" if text.lstrip().startswith("{") else "answers.txt")
    answers.write_text(text, encoding="utf-8")
    return invoke("quiz", "--grade", str(key), "--answers", str(answers), *extra)


# ---------------------------------------------------------------- the lecture's example ----

def test_the_lecture_adjoints_are_the_hand_derived_ones():
    q = diffx.quiz(ROUTE_SUM, at=AT, blank="adjoints")
    assert {b.key: b.value for b in q.blanks} == {"a_bar": 11, "b_bar": 4, "c_bar": 4}
    assert {b.shown: b.working for b in q.blanks} == {
        "a\u0304": "a\u0304 = c̄·1 + d̄·c", "b̄": "b̄ = c̄·1", "c̄": "c̄ = d̄·a"}


def test_right_answers_all_pass_and_exit_0(tmp_path):
    key, _ = _key(tmp_path, ROUTE_SUM, "--at", "a=4,b=3", "--blank", "adjoints", "--seed", "7")
    res = _grade(key, tmp_path, "a_bar = 11\nb_bar = 4\nc_bar = 4\n")
    assert res.exit_code == 0, res.output
    assert res.stdout.count("PASS") == 3 and "FAIL" not in res.stdout
    # the exercise's own symbols are keys too, and JSON answers may be text or numbers
    res = _grade(key, tmp_path, '{"ā": 11, "b̄": "4", "c̄": "2*2"}')
    assert res.exit_code == 0, res.output


def test_one_wrong_blank_fails_exactly_that_blank_with_the_right_value(tmp_path):
    key, _ = _key(tmp_path, ROUTE_SUM, "--at", "a=4,b=3", "--blank", "adjoints")
    res = _grade(key, tmp_path, "a_bar = 11\nb_bar = 5\nc_bar = 4\n")
    assert res.exit_code == 1
    fails = [line for line in res.stdout.splitlines() if line.startswith("FAIL")]
    assert fails == ["FAIL  b̄: you wrote 5; 5 is off by 0.25 relative (more than the tolerance 0.001); "
                     "right: b̄ = c̄·1 = 4 (sum over children)"]
    data = strict_json(_grade(key, tmp_path, "a_bar = 12\nb_bar = 4\nc_bar = 4\n",
                              "--json").stdout)
    assert not data["ok"] and data["passed"] == 2
    assert [(b["key"], b["passed"]) for b in data["blanks"]] == [
        ("c_bar", True), ("b_bar", True), ("a_bar", False)]
    assert "a\u0304 = c̄·1 + d̄·c = 11 (sum over children)" in data["blanks"][2]["feedback"]


def test_a_number_within_the_tolerance_passes_and_rtol_tightens_it(tmp_path):
    key, _ = _key(tmp_path, ROUTE_SUM, "--at", "a=4,b=3")
    assert _grade(key, tmp_path, "a_bar = 11.005\nb_bar = 4\nc_bar = 4").exit_code == 0
    assert _grade(key, tmp_path, "a_bar = 11.005\nb_bar = 4\nc_bar = 4",
                  "--rtol", "1e-6").exit_code == 1


def test_a_missing_answer_fails_its_blank():
    g = diffx.grade(diffx.quiz(ROUTE_SUM, at=AT), {"a_bar": 11, "b_bar": 4})
    assert [(v.blank.key, v.passed, v.note) for v in g.verdicts] == [
        ("c_bar", False, "no answer"), ("b_bar", True, None), ("a_bar", True, None)]


# ----------------------------------------------------------------------- formulas ------

def test_partials_name_their_rule_and_the_formula():
    q = diffx.quiz(ROUTE_SUM, at=AT, blank="partials")
    assert [(b.shown, b.formula, b.value, b.rule) for b in q.blanks] == [
        ("∂c/∂a", "1", 1, "sum rule"), ("∂c/∂b", "1", 1, "sum rule"),
        ("∂d/∂a", "c", 7, "product rule"), ("∂d/∂c", "a", 4, "product rule")]


def test_a_formula_written_differently_but_equal_passes_an_unequal_one_fails():
    # d = c·(a + c): ∂d/∂c (the first factor) is the second factor, v1 = a + c
    q = diffx.quiz("c = a + b; d = c * (a + c)", at=AT, blank="partials")
    key = next(b.key for b in q.blanks if b.node == q.graph.output and b.position == 0)
    assert key == "dd/dc"
    others = {b.key: b.formula for b in q.blanks if b.key != key}
    for answer, ok in (("c*1 + a", True), ("a + c", True), ("v1", True), ("(a+b) + a", True),
                       ("a*c", False), ("a + b", False)):
        g = diffx.grade(q, {key: answer, **others})
        verdict = next(v for v in g.verdicts if v.blank.key == key)
        assert verdict.passed is ok, answer
        assert [v.passed for v in g.verdicts if v.blank.key != key] == [True] * len(others)


def test_formulas_equal_only_after_simplify_pass():
    q = diffx.quiz("y = sigmoid(x)", at={"x": 0.3}, blank="partials")
    (b,) = q.blanks
    assert (b.formula, b.rule) == ("y*(1 - y)", "derivative of sigmoid")
    assert diffx.grade(q, {"dy/dx": "y - y^2"}).ok
    assert diffx.grade(q, {"dy/dx": "exp(-x)/(1 + exp(-x))^2"}).ok
    assert not diffx.grade(q, {"dy/dx": "y*(1 + y)"}).ok


def test_the_value_of_a_partial_is_not_its_formula(tmp_path):
    key, _ = _key(tmp_path, ROUTE_SUM, "--at", "a=4,b=3", "--blank", "partials")
    res = _grade(key, tmp_path, "dc/da = 1\n∂c/∂b = 1\ndd/da = c\ndd/dc = 4\n")
    assert res.exit_code == 1
    assert ("FAIL  ∂d/∂c: you wrote 4; that is its value at the point; the blank asks for "
            "the formula; right: ∂d/∂c = a (product rule)") in res.stdout


@pytest.mark.parametrize("answer", ["__import__('os')", '__import__("os").system("touch X")',
                                    "__import__(os)", "().__class__", "a; import os"])
def test_malicious_answer_text_is_a_parse_error_for_its_blank_and_never_runs(
        answer, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for blank, right in (("partials", {"dc/da": "1", "dc/db": "1", "dd/da": "c"}),
                         ("adjoints", {"a_bar": 11, "b_bar": 4})):
        q = diffx.quiz(ROUTE_SUM, at=AT, blank=blank)
        bad = next(b.key for b in q.blanks if b.key not in right)
        g = diffx.grade(q, {**right, bad: answer})
        (failed,) = [v for v in g.verdicts if not v.passed]
        assert failed.blank.key == bad
        assert failed.note.startswith("the answer cannot be read: "), failed.note
    assert not (tmp_path / "X").exists()


# ------------------------------------------------------------------ the other blanks ------

def test_values_and_gradient_blanks():
    q = diffx.quiz(ROUTE_SUM, at=AT, blank="values")
    assert [(b.key, b.value, b.working) for b in q.blanks] == [
        ("c", 7, "c = a + b"), ("d", 28, "d = a*c")]
    q = diffx.quiz(ROUTE_SUM, at=AT, blank="gradient")
    assert [(b.shown, b.value) for b in q.blanks] == [("∂d/∂a", 11), ("∂d/∂b", 4)]
    assert diffx.grade(q, "∂d/∂a = 11\n∂d/∂b = 4\n").ok
    assert diffx.grade(q, {"a": 11, "b": 4}).ok  # a bare name answers its own derivative


def test_trace_blanks_are_a_seeded_half_of_the_cells_and_shown_blank():
    t = diffx.trace_table(ROUTE_SUM, at=AT)
    truth = {r.node: r.value for r in t.primal}
    chosen = set()
    for seed in range(8):
        q = diffx.quiz(ROUTE_SUM, at=AT, blank="trace", seed=seed)
        assert len(q.blanks) == 3  # of 2 values, 2 tangents and 3 adjoints
        for b in q.blanks:
            if b.kind == "value":
                assert b.value == truth[b.node]
            chosen.add(b.key)
        text = present_quiz.markdown(q)
        assert text.count(" = ?`") == 3 and "reverse adjoint trace" in text
    assert chosen == {"c", "d", "c_dot", "d_dot", "a_bar", "b_bar", "c_bar"}
    q = diffx.quiz(ROUTE_SUM, at=AT, blank="trace", seed=7)
    assert diffx.grade(q, {b.key: b.value for b in q.blanks}).ok


# ------------------------------------------------------------------ random programs ------

@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_random_programs_are_valid_and_their_key_matches_the_symbolic_method(level):
    for seed in range(4):
        q = diffx.quiz(blank="gradient", level=level, seed=seed)
        assert q.level == level and q.graph.inputs and q.graph.unused_warning() is None
        sym = diffx.grad(q.source, at=q.point, method="symbolic").gradient
        for b in q.blanks:
            w = b.key.split("/d")[1]
            assert math.isclose(b.value, sym[w], rel_tol=1e-9, abs_tol=1e-12), (q.source, w)


def test_levels_grow_in_size_and_in_the_functions_that_appear():
    sizes = []
    for level in (1, 2, 3, 4):
        qs = [diffx.quiz(level=level, seed=s) for s in range(12)]
        sizes.append(sum(q.graph.size for q in qs) / len(qs))
        ops = {q.graph.op_of(n).name for q in qs for n in range(q.graph.size)
               if q.graph.op_of(n) is not None}
        if level == 1:
            assert ops <= {"add", "sub", "mul"}
        if level == 4:
            assert {"tanh", "sigmoid", "sqrt", "exp"} & ops
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def _run(*args, hashseed):
    env = {**os.environ, "PYTHONHASHSEED": str(hashseed)}
    done = subprocess.run([sys.executable, "-m", "diffx", "quiz", *args], cwd=WORKTREE,
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_a_seeded_quiz_is_identical_on_two_runs(fmt):
    args = ("--random", "--level", "3", "--seed", "5", "--blank", "trace", "--format", fmt)
    first, second = _run(*args, hashseed=1), _run(*args, hashseed=2)
    assert first == second and (" = ?`" in first) == (fmt == "markdown")
    assert first != _run("--random", "--level", "3", "--seed", "6", "--blank", "trace",
                         "--format", fmt, hashseed=1)


@pytest.mark.parametrize("blank", ["adjoints", "trace", "partials"])
def test_a_random_quiz_is_graded_from_its_key(blank, tmp_path):
    key, res = _key(tmp_path, "--random", "--level", "3", "--seed", "3", "--blank", blank)
    data = strict_json(key.read_text(encoding="utf-8"))
    assert data["quiz"]["level"] == 3 and data["quiz"]["source"] in res.stdout
    answers = "\n".join(f"{k} = {v}" for k, v in data["answers"].items())
    res = _grade(key, tmp_path, answers, "--json")
    assert res.exit_code == 0, res.stdout
    graded = strict_json(res.stdout)
    assert [b["key"] for b in graded["blanks"]] == list(data["answers"])
    assert graded["quiz"]["level"] == 3


# ------------------------------------------------------------------ output and errors ------

def test_the_exercise_json_has_no_answers_and_grades_like_the_key(tmp_path):
    res = invoke("quiz", ROUTE_SUM, "--at", "a=4,b=3", "--format", "json")
    data = strict_json(res.stdout)
    assert [b["key"] for b in data["blanks"]] == ["c_bar", "b_bar", "a_bar"]
    assert "11" not in res.stdout
    exercise = tmp_path / "quiz.json"
    exercise.write_text(res.stdout, encoding="utf-8")
    assert _grade(exercise, tmp_path, "a_bar = 11\nb_bar = 4\nc_bar = 4").exit_code == 0


def test_the_picture_leaves_out_what_is_asked(tmp_path):
    pic = tmp_path / "g.svg"
    res = invoke("quiz", ROUTE_SUM, "--at", "a=4,b=3", "--blank", "partials", "--picture",
                 str(pic))
    assert res.exit_code == 0 and f"]({pic})" in res.stdout
    svg = pic.read_text(encoding="utf-8")
    assert "∂d/∂c" in svg and "∂d/∂c = a" not in svg and "= 28" in svg
    invoke("quiz", ROUTE_SUM, "--at", "a=4,b=3", "--blank", "adjoints", "--picture", str(pic))
    svg = pic.read_text(encoding="utf-8")
    assert "∂d/∂c = a" in svg and "= 11" not in svg


def test_latex_has_a_line_per_blank():
    res = invoke("quiz", ROUTE_SUM, "--at", "a=4,b=3", "--format", "latex")
    assert res.exit_code == 0
    assert res.stdout.count("\\underline") == 3 and "\\begin{tabular}" in res.stdout


@pytest.mark.parametrize("answers, message", [
    ("z_bar = 1", "'z_bar' is not a blank of this quiz"),
    ("a_bar 11", "line 1: expected 'name = value'"),
    ("a_bar = 1\na_bar = 2", "answered twice"),
    ('{"a_bar": NaN}', "not valid JSON"),
    ('{"a_bar": [1]}', "must be a number or text"),
])
def test_bad_answers_files_exit_2(answers, message, tmp_path):
    key, _ = _key(tmp_path, ROUTE_SUM, "--at", "a=4,b=3")
    res = _grade(key, tmp_path, answers)
    assert res.exit_code == 2 and message in res.stderr, res.stderr


def test_bad_requests_exit_2(tmp_path):
    assert "needs both" in invoke("quiz", "--grade", "x.json").stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"source": "x"}', encoding="utf-8")
    res = invoke("quiz", "--grade", str(bad), "--answers", str(bad))
    assert res.exit_code == 2 and "not a quiz's JSON" in res.stderr
    res = invoke("quiz", "--random", "--level", "5")
    assert res.exit_code == 2 and "--level must be 1, 2, 3 or 4" in res.stderr
    res = invoke("quiz", ROUTE_SUM, "--level", "2", "--at", "a=1,b=2")
    assert res.exit_code == 2 and "give a program or a level" in res.stderr
    assert invoke("quiz", ROUTE_SUM).exit_code == 2  # no point


def test_the_docs_page_shows_the_commands_real_output(tmp_path, monkeypatch):
    doc = (WORKTREE / "docs" / "quiz.md").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    Path("answers.txt").write_text("a_bar = 11\nb_bar = 5\nc_bar = 4\n", encoding="utf-8")
    Path("partials.txt").write_text("dc/da = 1\ndc/db = 1\ndd/da = c*1 + a - a\ndd/dc = 4\n",
                                    encoding="utf-8")
    runs = [
        (("quiz", ROUTE_SUM, "--at", "a=4,b=3", "--blank", "adjoints", "--seed", "7", "--key",
          "key.json"), 0),
        (("quiz", "--grade", "key.json", "--answers", "answers.txt"), 1),
        (("quiz", ROUTE_SUM, "--at", "a=4,b=3", "--blank", "partials", "--key",
          "partials.json"), 0),
        (("quiz", "--grade", "partials.json", "--answers", "partials.txt"), 1),
        (("quiz", "--random", "--level", "2", "--seed", "3", "--blank", "gradient"), 0),
    ]
    for k, (args, status) in enumerate(runs):
        res = invoke(*args)
        assert res.exit_code == status, res.output
        if k != 2:
            assert res.stdout.rstrip("\n") + "\n" in doc, args


@pytest.mark.parametrize("blank", ["values", "partials", "adjoints", "trace", "gradient"])
def test_on_random_quizzes_one_wrong_blank_fails_exactly_that_blank(blank):
    for level in (1, 2, 3, 4):
        q = diffx.quiz(blank=blank, level=level, seed=level)
        right = {b.key: b.formula if b.formula is not None else b.value for b in q.blanks}
        assert diffx.grade(q, right).ok, (q.source, blank)
        for k, b in enumerate(q.blanks[:3]):
            wrong = dict(right)
            wrong[b.key] = f"({b.formula}) + 1" if b.formula is not None else b.value + 1
            g = diffx.grade(q, wrong)
            assert [v.blank.key for v in g.verdicts if not v.passed] == [b.key], q.source


def test_the_key_never_overwrites_the_program_or_a_file_that_is_not_a_key(tmp_path):
    program = tmp_path / "prog.dx"
    program.write_text("c = a + b; d = a * c\n", encoding="utf-8")
    run = ["quiz", "-f", str(program), "--at", "a=4,b=3"]
    res = invoke(*run, "--key", str(program))
    assert res.exit_code == 2 and "is the program's own file" in res.output
    assert program.read_text(encoding="utf-8") == "c = a + b; d = a * c\n"
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n", encoding="utf-8")
    res = invoke(*run, "--key", str(notes))
    assert res.exit_code == 2 and "not a quiz key; refusing to overwrite it" in res.output
    assert notes.read_text(encoding="utf-8") == "my notes\n"
    key = tmp_path / "key.json"  # a key is rewritten, as --key is for
    assert invoke(*run, "--key", str(key)).exit_code == 0
    assert invoke(*run, "--key", str(key), "--seed", "3").exit_code == 0
    assert json.loads(key.read_text(encoding="utf-8"))["quiz"]["seed"] == 3


def test_nothing_is_written_when_one_output_cannot_be(tmp_path):
    picture = tmp_path / "graph.svg"
    res = invoke("quiz", "c = a + b; d = a * c", "--at", "a=4,b=3", "--picture", str(picture),
                 "--key", str(tmp_path / "missing" / "key.json"))
    assert res.exit_code == 2 and "does not exist" in res.output and not picture.exists()
    res = invoke("quiz", "c = a + b; d = a * c", "--at", "a=4,b=3", "--picture", str(picture),
                 "--key", str(picture))
    assert res.exit_code == 2 and "the same file" in res.output and not picture.exists()


@pytest.mark.parametrize("seed", range(12))
def test_a_trace_quiz_never_shows_a_cell_that_gives_a_blank_away(seed):
    # ḟ (the output's tangent, seeded at the first input) equals that input's adjoint: one
    # shown and the other asked gave the answer away
    q = diffx.quiz("c = a * b; d = c * c; g = d - 1.49", at={"a": 1.23456, "b": 0.99},
                   blank="trace", seed=seed)
    t = q.table
    asked = {(b.kind, b.node) for b in q.blanks}
    assert (("tangent", t.output) in asked) == (("adjoint", t.input_nodes[t.seed]) in asked)


def test_a_value_worked_out_from_the_shown_cells_passes():
    # g = d - 1.49 with d = (1.23456 * 0.99)^2 = 1.493808...: shown to 3 decimals (1.494) a
    # student's g = 0.004 was 5% off the right 0.003808; the cells now show 6 decimals
    q = diffx.quiz("c = a * b; d = c * c; g = d - 1.49", at={"a": 1.23456, "b": 0.99},
                   blank="values")
    text = present_quiz.markdown(q)
    assert "| 1.493808 |" not in text  # (d is a blank here: shown as a question)
    q = diffx.quiz("c = a * b; d = c * c; g = d - 1.49", at={"a": 1.23456, "b": 0.99},
                   blank="trace", seed=0)
    text = present_quiz.markdown(q)
    assert "| d | c × c | 1.493808 |" in text
    d = 1.493808  # as shown
    g = next(b for b in q.blanks if b.key == "g")
    assert diffx.grade(q, {b.key: b.value for b in q.blanks} | {"g": d - 1.49}).ok, g.value


def test_grading_refuses_the_options_that_make_a_quiz(tmp_path):
    key = tmp_path / "key.json"
    assert invoke("quiz", ROUTE_SUM, "--at", "a=4,b=3", "--key", str(key)).exit_code == 0
    answers = tmp_path / "answers.txt"
    answers.write_text("a_bar = 11\nb_bar = 4\nc_bar = 4\n", encoding="utf-8")
    res = invoke("quiz", "--grade", str(key), "--answers", str(answers), "--key",
                 str(tmp_path / "other.json"))
    assert res.exit_code == 2 and "--key makes a quiz" in res.output
    assert not (tmp_path / "other.json").exists()
    res = invoke("quiz", "--random", "--at", "zz=1")
    assert res.exit_code == 2 and "--random makes up its own point" in res.output
