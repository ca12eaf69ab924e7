"""Messages a newcomer met and could not act on, reworded to say what is wrong and what to
type: the library's words (``at``, ``path``) from Python, the flags (``--at``, ``-o``) from
the command line. Each test asserts the new text on both sides where both can meet it."""

from __future__ import annotations

import pytest
from conftest import invoke

import diffx
from diffx.errors import DiffxError, OptionError, PointError


def cli_error(*args: str) -> str:
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    return res.output


# 1. ';' between entries of a point
def test_semicolon_between_entries_says_to_use_commas():
    out = cli_error("grad", "a*b", "--at", "a=1;b=2")
    assert "error: --at entry 'a=1;b=2': separate entries with ',', not ';' (write a=1,b=2) " \
        "at column 4\n  a=1;b=2\n     ^" in out
    assert "program of statements" not in out
    with pytest.raises(PointError) as info:
        diffx.grad("a*b", at="a=1;b=2")
    assert str(info.value).startswith("at entry 'a=1;b=2': separate entries with ',', not ';' "
                                      "(write a=1,b=2) at column 4")


def test_semicolon_inside_a_range_entry_is_named_too():
    with pytest.raises(PointError, match=r"\(write x=0:1:3,y=2\) at column 8"):
        diffx.grad("x*y", at="x=0:1:3;y=2")


# 2. ':' where '=' belongs
def test_colon_for_equals_suggests_the_assignment():
    out = cli_error("grad", "a*b", "--at", "a:4,b:3")
    assert "error: --at entry 'a:4' has no value; write a=4 " in out
    assert "a:4=<number>" not in out
    with pytest.raises(PointError, match=r"^at entry 'x:0:1:11' has no value; write x=0:1:11 "):
        diffx.grad("x", at="x:0:1:11")


def test_entry_without_value_and_colon_keeps_the_placeholder():
    with pytest.raises(PointError, match=r"entry 'b' has no value; write b=<number>$"):
        diffx.grad("a*b", at="a=1,b")


# 3. swell's sizes
def test_backwards_range_of_sizes_says_so():
    out = cli_error("swell", "logistic", "--n", "3..1")
    assert "error: --n '3..1': the range 3..1 runs backwards, so it holds no sizes; write 1..3" \
        in out
    with pytest.raises(OptionError, match=r"^n '5\.\.2': the range 5\.\.2 runs backwards.*"
                                          r"write 2\.\.5$"):
        diffx.swell("logistic", n="5..2")


def test_sizes_below_one_name_the_value_given():
    with pytest.raises(OptionError, match=r"^n 0: sizes are whole numbers from 1, and 0 is "
                                          r"less than 1$"):
        diffx.swell("logistic", n=0)
    out = cli_error("swell", "logistic", "--n", "0..3")
    assert "error: --n '0..3': sizes are whole numbers from 1, and 0 is less than 1" in out


def test_empty_sizes_say_they_are_empty():
    with pytest.raises(OptionError, match=r"^n range\(3, 1\) gives no sizes \(it runs "
                                          r"backwards"):
        diffx.swell("logistic", n=range(3, 1))
    with pytest.raises(OptionError, match=r"^n \[\] gives no sizes; give whole numbers"):
        diffx.swell("logistic", n=[])


# 4. a missing input, in the caller's syntax
def test_missing_input_in_python_suggests_dict_syntax():
    with pytest.raises(PointError) as info:
        diffx.grad("x*y", at={"x": 1})
    assert str(info.value) == "at has no value for input 'y'; add 'y': <value> to at"
    with pytest.raises(PointError, match=r"add 'x': <value>, 'y': <value> to at$"):
        diffx.grad("x*y", at={})


def test_missing_input_in_text_or_cli_suggests_name_equals():
    with pytest.raises(PointError, match=r"; add y=1$"):
        diffx.grad("x*y", at="x=1")
    out = cli_error("grad", "x*y*z", "--at", "x=1")
    assert "error: --at has no value for inputs 'y', 'z'; add y=1,z=1" in out


def test_a_slip_in_a_long_program_is_found_and_named():
    # l1x was meant to be l1: an input no --at gives, used on line 3 of the program
    program = "l0 = x\nl1 = 4*l0\nl2 = sin (l1x)\nl2"
    with pytest.raises(PointError) as info:
        diffx.grad(program, at="x=1")
    assert str(info.value) == ("at has no value for input 'l1x' (used at line 3, column 11; "
                               "did you mean 'l1', which the program assigns?); add l1x=1")
    with pytest.raises(PointError, match=r"input 'b'; add b=1$"):  # a one-line expression:
        diffx.grad("a*b", at="a=1")  # nothing more to say
    # the names on its own line come first: w5000x beside w50000 (w5000 is as close by
    # spelling, but far away; the statement's own target cannot be meant)
    program = "w5000 = x\nw50000 = 2*w5000\nw50001 = 4*w5000x*(1 - w50000)\nw50001"
    with pytest.raises(PointError, match=r"line 3, column 12; did you mean 'w50000',"):
        diffx.grad(program, at="x=1")


# 5. check with one number for a function of several inputs
def test_check_refuses_one_number_for_several_arguments_up_front():
    calls = []

    def f(a, b):
        calls.append((a, b))
        return a * b

    with pytest.raises(OptionError) as info:
        diffx.check(f, lambda a, b: [b, a], at=3)
    assert str(info.value) == (
        "check(f, grad, at): at=3 is one number, but f takes 2 arguments (a, b); for a "
        "function of several inputs pass a dict of values by argument name: "
        "at={'a': <value>, 'b': <value>}")
    assert calls == []  # refused before f was called
    assert diffx.check(f, lambda a, b: [b, a], at={"a": 3, "b": 2}).passed


def test_check_one_number_for_an_indexing_function_says_pass_a_list():
    f, g = (lambda x: x[0] * x[1]), (lambda x: [x[1], x[0]])
    with pytest.raises(OptionError, match=r"^check\(f, grad, at\): at=3 is one number, but "
                                          r"grad indexes its argument .*pass a list of values, "
                                          r"one per input: at=\[x0, x1, \.\.\.\]$"):
        diffx.check(f, g, at=3)
    with pytest.raises(OptionError, match=r"at=3 is one number, but f indexes its argument"):
        diffx.check(f, lambda x: 1.0, at=3)
    assert diffx.check(f, g, at=[3.0, 2.0]).passed
    assert diffx.check(lambda x: x * x, lambda x: 2 * x, at=3).passed  # one input: fine


# 6. a noise bound that overflows
def test_overflowing_noise_bound_is_not_printed_as_inf():
    import numpy as np

    from diffx.methods.numeric_noise import cancellation

    f0, h, top = np.array([1.0]), np.array([1e-300]), np.array([1e300])
    # 1e300 / 1e-300 = 1e600 is past the largest float (about 1.8e308)
    clause = cancellation(f0, h, np.array([1e300]), top, 0)
    assert "inf" not in clause
    assert "rounding noise in f reaches the end of the float range (about 1.8e308)" in clause
    assert "at the step 1e-300" in clause
    assert "inf" not in cancellation(f0, np.array([1e-3]), np.array([np.inf]), top, 0)
    # a finite bound keeps its numbers: 1e-10 / 1e-3 = 1e-7
    assert "about ±1e-10 in f swamps the difference quotient (±1e-07 at the step 0.001)" in \
        cancellation(f0, np.array([1e-3]), np.array([1e-10]), np.array([1e6]), 0)


# 7. a picture's file name
def test_picture_name_error_names_the_option_as_the_caller_knows_it(tmp_path):
    from diffx.draw import save

    out = cli_error("graph", "x*y", "-o", str(tmp_path / "x.jpg"))
    assert "error: unknown picture format '.jpg': -o needs a file name ending in .svg, .png, " \
        ".pdf or .dot" in out
    assert "(path=)" not in out
    with pytest.raises(DiffxError, match=r"^unknown picture format '\.jpg': path needs a file "
                                         r"name ending in \.svg"):
        save("x*y", tmp_path / "x.jpg")
    with pytest.raises(DiffxError, match=r"^path needs a file name .*; .* has no extension$"):
        save("x*y", tmp_path / "noext")


# 8. the example in a parse error is not read as part of the location
def test_parse_error_example_sits_in_parentheses_before_the_location():
    with pytest.raises(diffx.ParseError) as info:
        diffx.parse("sin x")
    assert str(info.value).splitlines()[0] == (
        "function 'sin' needs its argument in parentheses (write sin(x)) at column 1")
    out = cli_error("grad", "x=1; x=2", "--at", "x=1")
    assert "each statement needs a new name (such as x2) at column 6" in out


def test_a_bare_number_in_at_asks_for_a_name_not_a_number_as_one():
    with pytest.raises(PointError) as got:
        diffx.grad("x*y", at="x=1,2")
    assert "write name=2 (each entry is a name and its value" in str(got.value)
    assert "2=<number>" not in str(got.value)


@pytest.mark.parametrize("count", ["-5", "3.0", "1e9"])
def test_a_range_count_says_what_a_count_is(count):
    with pytest.raises(PointError, match=r"must be a whole number of points, from 1 to "):
        diffx.grad("x", at=f"x=0:1:{count}")


def test_ranges_of_different_lengths_name_each_input_and_its_shape():
    with pytest.raises(PointError, match=r"same shape .*got x \(3,\), y \(4,\)$"):
        diffx.grad("x*y", at="x=0:1:3,y=0:1:4")


def test_steps_on_a_vector_program_names_no_option_it_lacks():
    res = invoke("steps", "y = W @ x; L = sum(y)")
    assert res.exit_code == 2 and "this command takes scalar programs only" in res.output
    assert "--shape" not in res.output and "--at" not in res.output
    res = invoke("grad", "y = W @ x; L = sum(y)")  # grad has both: it names them
    assert "a shape in --shape" in res.output


def test_adjoint_of_a_vector_program_points_to_the_backward_pass():
    for extra in ([], ["--at", "W=[[1,2],[3,4]]"]):
        res = invoke("adjoint", "sum(W)", *extra)
        assert res.exit_code == 2 and "diffx grad --backward" in res.output
        assert "--shape" not in res.output
    assert invoke("adjoint", "c = a + b; d = a * c").exit_code == 0


@pytest.mark.parametrize("args, said", [
    (["--method", "reverse", "--scheme", "forward"], "--scheme is an option of the numeric"),
    (["--method", "symbolic", "--routes"], "--routes is an option of the reverse method"),
    (["--method", "reverse", "--step", "1e-3"], "--step is an option of the numeric method"),
    (["--order", "2", "--step", "1e-4"], "--order 2 does not take it"),
])
def test_an_option_no_method_run_takes_is_refused_not_dropped(args, said):
    res = invoke("grad", "x^2", "--at", "x=1", *args)
    assert res.exit_code == 2 and said in res.output


def test_an_option_a_method_run_takes_is_kept():
    assert invoke("grad", "x^2", "--at", "x=1", "--method", "numeric", "--scheme",
                  "forward").exit_code == 0
    assert invoke("grad", "x^2", "--at", "x=1", "--routes").exit_code == 0


def test_wrt_naming_an_input_twice_is_refused_as_at_is():
    with pytest.raises(OptionError, match=r"names 'x' twice"):
        diffx.grad("x*y", at={"x": 1.0, "y": 2.0}, wrt="x,x")
