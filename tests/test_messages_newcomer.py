"""Messages a newcomer met and could not act on, reworded to say what is wrong and what to
type: the library's words (``at``, ``path``) from Python, the flags (``--at``, ``-o``) from
the command line. Each test asserts the new text on both sides where both can meet it."""

from __future__ import annotations

import pytest
from conftest import invoke

import diffx
from diffx.errors import OptionError, PointError


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

