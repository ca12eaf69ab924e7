"""``diffx quiz --grade quiz.md --answers answers.json``: the exercise as printed (Markdown or
LaTeX) is what grading reads, through its record line; the key JSON keeps working.

Right answers are derived by hand: the route sum c = a + b, d = a·c at a = 4, b = 3 has
c̄ = d̄·a = 4, b̄ = c̄·1 = 4, ā = c̄·1 + d̄·c = 4 + 7 = 11; Baydin et al.'s survey example
f = ln x1 + x1·x2 − sin x2 at (2, 5) has ∂f/∂x1 = 1/x1 + x2 = 5.5 and ∂f/∂x2 = x1 − cos x2
= 2 − cos 5 = 1.716 (Table 3); for c = 2a + b, d = a·c (2a is the step v1) the local
partials are ∂v1/∂a = 2, ∂c/∂v1 = 1, ∂c/∂b = 1, ∂d/∂a = c = 2a + b and ∂d/∂c = a.
"""

import json
import math
import re

import pytest

from conftest import ROUTE_SUM, invoke

BAYDIN = "v1 = log(x1); v2 = x1*x2; v3 = sin(x2); v4 = v1 + v2; y = v4 - v3"
CASES = {  # (program, point, blank, hand-derived answers)
    "adjoints": (ROUTE_SUM, "a=4,b=3", "adjoints", {"c_bar": 4, "b_bar": 4, "a_bar": 11}),
    "gradient": (BAYDIN, "x1=2,x2=5", "gradient",
                 {"dy/dx1": 5.5, "dy/dx2": 2 - math.cos(5)}),
    "partials": ("c = 2*a + b; d = a * c", "a=4,b=3", "partials",
                 {"dv1/da": "2", "dc/dv1": "1", "dc/db": "1", "dd/da": "b + a*2",
                  "dd/dc": "a"}),
}
WRONG = {"adjoints": ("b_bar", 5), "gradient": ("dy/dx2", 1.7), "partials": ("dd/da", "2*a")}


def _quiz(tmp_path, case, fmt, *extra):
    source, at, blank, _ = CASES[case]
    res = invoke("quiz", source, "--at", at, "--blank", blank, "--seed", "7",
                 "--format", fmt, *extra)
    assert res.exit_code == 0, res.output
    path = tmp_path / ("quiz.md" if fmt == "markdown" else "quiz.tex")
    path.write_text(res.stdout, encoding="utf-8")
    return path


def _grade(quiz, tmp_path, answers, as_json=True, *extra):
    path = tmp_path / ("answers.json" if as_json else "answers.txt")
    text = json.dumps(answers) if as_json else "".join(f"{k} = {v}\n"
                                                       for k, v in answers.items())
    path.write_text(text, encoding="utf-8")
    return invoke("quiz", "--grade", str(quiz), "--answers", str(path), *extra)


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("as_json", [True, False])
def test_all_right_passes_and_one_wrong_fails_exactly_that_blank(tmp_path, fmt, case,
                                                                 as_json):
    quiz = _quiz(tmp_path, case, fmt)
    right = CASES[case][3]
    res = _grade(quiz, tmp_path, right, as_json)
    assert res.exit_code == 0, res.output
    assert res.stdout.count("PASS") == len(right) and f"{len(right)} of {len(right)} right" \
        in res.stdout
    key, bad = WRONG[case]
    res = _grade(quiz, tmp_path, {**right, key: bad}, as_json)
    assert res.exit_code == 1, res.output
    fails = [line for line in res.stdout.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 1 and res.stdout.count("PASS") == len(right) - 1, res.stdout


def test_feedback_gives_the_right_value_and_the_rule(tmp_path):
    quiz = _quiz(tmp_path, "adjoints", "markdown")
    res = _grade(quiz, tmp_path, {"c_bar": 4, "b_bar": 5, "a_bar": 11})
    assert "FAIL  b\u0304: you wrote 5" in res.stdout
    assert "right: b\u0304 = c\u0304·1 = 4 (sum over children)" in res.stdout
    quiz = _quiz(tmp_path, "partials", "latex")
    res = _grade(quiz, tmp_path, {**CASES["partials"][3], "dd/da": "2*a + 2*b"})
    assert res.exit_code == 1 and "right: ∂d/∂a = c (product rule)" in res.stdout


@pytest.mark.parametrize("answer", ["2*a+b", "b + a*2", "c", "a + a + b", "(4*a + 2*b)/2"])
def test_formulas_are_compared_symbolically(tmp_path, answer):
    quiz = _quiz(tmp_path, "partials", "markdown")
    res = _grade(quiz, tmp_path, {**CASES["partials"][3], "dd/da": answer})
    assert res.exit_code == 0, res.stdout


@pytest.mark.parametrize("answer", ["abs(a)", "sqrt(a^2)", "relu(a)", "a*heaviside(a)",
                                    "min(a, 5)", "max(a, -1)"])
def test_a_formula_equal_only_for_positive_names_fails(tmp_path, answer):
    # ∂d/∂c = a: these agree with a wherever a > 0 (and some at the quiz's a = 4), not for a < 0
    quiz = _quiz(tmp_path, "partials", "markdown")
    res = _grade(quiz, tmp_path, {**CASES["partials"][3], "dd/dc": answer})
    assert res.exit_code == 1 and f"∂d/∂c: you wrote {answer}" in res.stdout, res.stdout


@pytest.mark.parametrize("answer", ["a*sign(a)^2", "(a^2)/a", "c - 2*a - b + a"])
def test_a_formula_equal_everywhere_it_is_defined_passes(tmp_path, answer):
    quiz = _quiz(tmp_path, "partials", "markdown")  # (c - 2a - b = 0 in the program)
    res = _grade(quiz, tmp_path, {**CASES["partials"][3], "dd/dc": answer})
    assert res.exit_code == 0, res.stdout


def test_the_printed_template_left_blank_is_no_answer(tmp_path):
    quiz = _quiz(tmp_path, "adjoints", "markdown")
    template = re.search(r"```\n(c_bar = \n.*?)```", quiz.read_text(encoding="utf-8"),
                         re.S).group(1)
    answers = tmp_path / "answers.txt"
    answers.write_text(template.replace("a_bar = ", "a_bar = 11"), encoding="utf-8")
    res = invoke("quiz", "--grade", str(quiz), "--answers", str(answers))
    assert res.exit_code == 1 and res.stdout.count("no answer") == 2
    assert "PASS  a\u0304 = 11" in res.stdout


def test_the_key_json_still_grades(tmp_path):
    key = tmp_path / "key.json"
    _quiz(tmp_path, "adjoints", "markdown", "--key", str(key))
    res = _grade(key, tmp_path, CASES["adjoints"][3])
    assert res.exit_code == 0 and "3 of 3 right" in res.stdout


def test_a_random_quiz_grades_from_its_markdown_as_from_its_key(tmp_path):
    key = tmp_path / "key.json"
    res = invoke("quiz", "--random", "--level", "3", "--seed", "7", "--blank", "trace",
                 "--key", str(key))
    quiz = tmp_path / "quiz.md"
    quiz.write_text(res.stdout, encoding="utf-8")
    answers = json.loads(key.read_text(encoding="utf-8"))["answers"]
    wrong = next(iter(answers))
    answers[wrong] = answers[wrong] + 1 if isinstance(answers[wrong], float) else "0"
    by_md, by_key = _grade(quiz, tmp_path, answers), _grade(key, tmp_path, answers)
    assert by_md.exit_code == by_key.exit_code == 1 and by_md.stdout == by_key.stdout
    assert [line.split()[0] for line in by_md.stdout.splitlines()[:-1]].count("FAIL") == 1


HOSTILE = ("# a --> b <!-- c --> 100% & $x$ ~^{}\\ π\ncost_total = x_1*2 # 50% & $3\n"
           "y = cost_total^2 + x_1")


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_a_hostile_program_survives_the_record(tmp_path, fmt):
    res = invoke("quiz", HOSTILE, "--at", "x_1=1.5", "--blank", "gradient", "--format", fmt)
    assert res.exit_code == 0, res.output
    quiz = tmp_path / "quiz.txt"
    quiz.write_text(res.stdout, encoding="utf-8")
    record = [line for line in res.stdout.splitlines() if "diffx-quiz" in line]
    assert len(record) == 1 and record[0].isascii() and ">" not in record[0][5:-4]
    res = _grade(quiz, tmp_path, {"dy/dx_1": 8 * 1.5 + 1})  # y = 4 x² + x
    assert res.exit_code == 0, res.output


def _tampered(tmp_path, edit, fmt="markdown"):
    quiz = _quiz(tmp_path, "adjoints", fmt)
    lines = quiz.read_text(encoding="utf-8").splitlines()
    lines = edit(lines)
    quiz.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = _grade(quiz, tmp_path, CASES["adjoints"][3])
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    return res.stderr


def _record_line(lines):
    return next(k for k, line in enumerate(lines) if "diffx-quiz" in line)


def test_an_edited_record_is_refused_with_its_line(tmp_path):
    def edit(lines):
        k = _record_line(lines)
        lines[k] = lines[k].replace('"seed": 7', '"seed": 8')
        return lines
    err = _tampered(tmp_path, edit)
    assert re.search(r"quiz\.md, line \d+: the quiz record was edited", err), err


def test_an_edited_program_is_refused(tmp_path):
    def edit(lines):
        return [line.replace(ROUTE_SUM, "c = a - b; d = a * c") if "diffx-quiz" not in line
                else line for line in lines]
    err = _tampered(tmp_path, edit)
    assert "quiz.md, line 4: the program shown is not the one the quiz record holds" in err
    err = _tampered(tmp_path, edit, "latex")
    assert "quiz.tex, line 4: the program shown is not" in err


def test_a_cut_record_or_none_or_two_are_refused(tmp_path):
    def cut(lines):
        k = _record_line(lines)
        lines[k] = lines[k][:60] + " -->"
        return lines
    assert "the quiz record is not valid JSON" in _tampered(tmp_path, cut)
    err = _tampered(tmp_path, lambda lines: [x for x in lines if "diffx-quiz" not in x])
    assert "has no 'diffx-quiz' record line" in err
    err = _tampered(tmp_path, lambda lines: lines + [lines[_record_line(lines)]])
    assert "holds 2 quiz records" in err
    err = _tampered(tmp_path, lambda lines: ["just some notes"])
    assert "is not a quiz diffx can grade" in err


def test_a_small_key_is_not_answered_by_zero(tmp_path):
    # c = a*b = 0.01 * 0.0431 = 0.000431 (by hand); 0 was within the old absolute floor of 1e-3
    res = invoke("quiz", "c = a * b; d = c + a", "--at", "a=0.01,b=0.0431", "--blank", "values")
    assert res.exit_code == 0, res.output
    quiz = tmp_path / "quiz.md"
    quiz.write_text(res.stdout, encoding="utf-8")
    wrong = _grade(quiz, tmp_path, {"c": 0, "d": 0.010431})
    assert wrong.exit_code == 1 and "FAIL  c: you wrote 0" in wrong.stdout, wrong.stdout
    right = _grade(quiz, tmp_path, {"c": 0.000431, "d": 0.010431})
    assert right.exit_code == 0, right.stdout
