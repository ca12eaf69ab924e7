"""Vector and matrix values in points: bracket literals, ``Value``, ``--shape`` declarations,
and scalar programs left as they were (arrays, ranges and CSV columns still mean many points).
"""

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import diffx
from diffx import PointError, Value
from diffx.cli import app
from diffx.errors import naming
from diffx.points import declared_shapes, normalize_point, parse_point, parse_shapes

# ------------------------------------------------------------------ golden errors -----------


def cli_message(call) -> str:
    """The message of the PointError ``call`` raises, worded as on the command line."""
    with naming(lambda p: "--shape" if p == "shapes" else "--" + p), \
            pytest.raises(PointError) as err:
        call()
    return str(err.value)


@pytest.mark.parametrize("text, first_line", [
    ("W=[[1,2],[3]]", "--at entry 'W=[[1,2],[3]]': row 1 has 1 entry, row 0 has 2 at column 11"),
    ("x=[]", "--at entry 'x=[]': an empty vector has no entries at column 3"),
    ("T=[[[1]]]", "--at entry 'T=[[[1]]]': at most 2 dimensions (vectors and matrices) at "
                  "column 3"),
    ("x=[1,2", "--at entry 'x=[1,2': '[' is never closed at column 3"),
    ("a=1, x=[[1,2],[3,4]", "--at entry 'x=[[1,2],[3,4]': '[' is never closed at column 8"),
    ("x=[1,,2]", "--at entry 'x=[1,,2]': an entry is missing before ',' at column 6"),
    ("x=[1,2,]", "--at entry 'x=[1,2,]': an entry is missing before ']' at column 8"),
    ("x=[[]]", "--at entry 'x=[[]]': an empty row has no entries at column 4"),
    ("x=[1,[2]]", "--at entry 'x=[1,[2]]': entry 1 is a row, but entry 0 is a number; a "
                  "vector's entries are numbers at column 6"),
    ("W=[[1],2]", "--at entry 'W=[[1],2]': row 1 is a number, but row 0 is a list; write each "
                  "row of a matrix in brackets at column 8"),
    ("x=[1,2] 3", "--at entry 'x=[1,2] 3': unexpected text after the closing ']' at column 9"),
    ("x=[1,2]]", "--at entry 'x=[1,2]]': unexpected text after the closing ']' at column 8"),
    ("x=[1 [2]]", "--at entry 'x=[1 [2]]': '[' inside an entry; separate entries with ',' at "
                  "column 6"),
    ("x=[1,y]", "--at entry 'x=[1,y]' is not a number: 'y' is a name; a value must be a number "
                "or a constant expression like pi/4 at column 6"),
    ("x=[1;2]", "--at entry 'x=[1;2]': separate entries with ',', not ';' (write rows in "
                "brackets: [[1,2],[3,4]]) at column 5"),
])
def test_bracket_errors_name_the_entry_and_column(text, first_line):
    message = cli_message(lambda: parse_point(text))
    lines = message.split("\n")
    assert lines[0] == first_line
    assert lines[1] == "  " + text
    column = int(first_line.rsplit(" ", 1)[1])
    assert lines[2].index("^") == 2 + column - 1  # the caret sits under that column


def test_a_ragged_row_is_underlined_whole():
    message = cli_message(lambda: parse_point("W=[[1,2],[3,4,5]]"))
    assert message.split("\n")[2] == "  " + " " * 10 + "^^^^^"


# ------------------------------------------------------------------ values read back --------


def test_comma_inside_brackets_does_not_separate_entries():
    point = parse_point("W1=[[0.1,0.2],[-0.3,0.4]], x=[1,-2], lr=0.1")
    assert list(point) == ["W1", "x", "lr"]
    assert isinstance(point["W1"], Value) and isinstance(point["x"], Value)
    np.testing.assert_array_equal(point["W1"].array, np.array([[0.1, 0.2], [-0.3, 0.4]]))
    assert point["W1"].array.dtype == np.float64 and point["W1"].array.shape == (2, 2)
    np.testing.assert_array_equal(point["x"].array, np.array([1.0, -2.0]))
    assert point["lr"] == 0.1


def test_entries_may_be_constant_expressions_with_their_own_commas():
    point = parse_point("x=[ pi/4 , max(1, 2), -2^3 ], W=[ [ 1 ], [ exp(0) ] ]")
    np.testing.assert_array_equal(point["x"].array, [math.pi / 4, 2.0, -8.0])
    np.testing.assert_array_equal(point["W"].array, [[1.0], [1.0]])


def test_a_one_entry_vector_and_a_one_by_one_matrix_keep_their_shapes():
    point = parse_point("v=[5], M=[[5]]")
    assert point["v"].array.shape == (1,) and point["M"].array.shape == (1, 1)


def test_scalar_points_are_unchanged():
    assert parse_point("a=4,b=3") == {"a": 4.0, "b": 3.0}
    assert normalize_point(diffx.parse("a*b"), "a=4,b=3") == ({"a": 4.0, "b": 3.0}, False)


def test_a_range_still_gives_many_points():
    point, arrays = normalize_point(diffx.parse("x^2"), "x=0:1:3")
    assert arrays
    np.testing.assert_array_equal(point["x"], [0.0, 0.5, 1.0])
    assert diffx.grad("x^2", at="x=0:1:3").gradient["x"].tolist() == [0.0, 1.0, 2.0]


def test_a_plain_array_in_at_still_means_many_points():
    g = diffx.grad("a*b", at={"a": np.array([1.0, 2.0]), "b": 3.0})
    assert g.gradient["b"].tolist() == [1.0, 2.0]


# ------------------------------------------------------------------ scalar programs ---------


def test_a_value_of_shape_nothing_is_a_number():
    g = diffx.grad("a*b", at={"a": Value(np.array(2.0)), "b": 3})
    assert g.gradient == {"a": 3.0, "b": 2.0}


@pytest.mark.parametrize("at", [
    "a=[1,2],b=3",
    {"a": Value(np.array([1.0, 2.0])), "b": 3.0},
    {"a": "[1, 2]", "b": 3.0},
])
def test_a_vector_value_makes_a_scalar_program_a_vector_program(at):
    # a*b is then a vector: its Jacobian by a is 3 I, by b the column a; sum(a*b) is a number
    j = diffx.grad("a*b", at=at)
    np.testing.assert_allclose(j.gradient["a"], [[3.0, 0.0], [0.0, 3.0]])
    np.testing.assert_allclose(j.gradient["b"], [1.0, 2.0])
    g = diffx.grad("sum(a*b)", at=at)
    np.testing.assert_allclose(g.gradient["a"], [3.0, 3.0])
    assert g.gradient["b"] == pytest.approx(3.0)


@pytest.mark.parametrize("value, says", [
    (Value(np.zeros((1, 1, 1))), "at a: at most 2 dimensions (vectors and matrices), got shape "
                                 "(1, 1, 1)"),
    (Value([]), "at a: an empty vector has no entries"),
    (Value([1.0, np.nan]), "at a: values must be finite numbers"),
    (Value([1 + 2j]), "at a: complex values are not supported"),
    (Value(["x"]), "at a: ['x'] is not a number or an array of numbers"),
])
def test_a_bad_value_is_named(value, says):
    with pytest.raises(PointError) as err:
        diffx.grad("a*b", at={"a": value, "b": 1.0})
    assert str(err.value).startswith(says)


def test_cli_vector_value_for_a_scalar_program_is_an_error_not_a_traceback():
    result = CliRunner().invoke(app, ["grad", "a*b", "--at", "a=[1,2],b=3"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "∂f/∂a  shape (2, 2) (numerator layout: rows are f, columns are a)" in result.output


def test_cli_malformed_bracket_shows_the_column():
    result = CliRunner().invoke(app, ["grad", "a*b", "--at", "b=3,a=[[1,2],[3]]"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "row 1 has 1 entry, row 0 has 2 at column 15" in result.output


# ------------------------------------------------------------------ shapes ------------------


def test_parse_shapes():
    assert parse_shapes("W1=2x3,x=3,c=1x3") == {"W1": (2, 3), "x": (3,), "c": (1, 3)}
    assert parse_shapes("s=, t=(), v = 4") == {"s": (), "t": (), "v": (4,)}


@pytest.mark.parametrize("text, first_line", [
    ("W=2xa", "--shape entry 'W=2xa': 'a' is not a whole number; write a shape as 3 (a vector) "
              "or 2x3 (a matrix) at column 5"),
    ("x=3,W=2x", "--shape entry 'W=2x': a length is missing: a whole number; write a shape as 3 "
                 "(a vector) or 2x3 (a matrix) at column 9"),
    ("T=2x3x4", "--shape entry 'T=2x3x4': at most 2 dimensions (vectors and matrices) at "
                "column 3"),
    ("x=0", "--shape entry 'x=0': a length must be between 1 and 1,000,000,000 at column 3"),
    ("x=3, x=4", "--shape entry 'x=4': 'x' is given twice at column 6"),
    ("W", "--shape entry 'W': no shape; write W=3 for a vector or W=2x3 for a matrix at "
          "column 2"),
    ("2W=3", "--shape entry '2W=3': '2W' is not an input name at column 1"),
    ("x=(2,3)", "--shape entry 'x=(2': '(2' is not a whole number; write a shape as 3 (a vector) "
                "or 2x3 (a matrix) at column 3"),
    ("x=99999999999999999999", "--shape entry 'x=99999999999999999999': a length must be "
                               "between 1 and 1,000,000,000 at column 3"),
])
def test_shape_errors_name_the_entry_and_column(text, first_line):
    assert cli_message(lambda: parse_shapes(text)).split("\n")[0] == first_line


def test_shape_errors_carry_their_parameter():
    with pytest.raises(PointError) as err:
        parse_shapes("x=,,")
    assert err.value.param == "shapes"
    assert str(err.value) == "shapes 'x=,,' has an empty entry; separate entries with one ','"
    with pytest.raises(PointError, match="^shapes is empty; write name=shape pairs such as "
                       "W=2x3,x=3$"):
        parse_shapes("  ")


def test_declared_shapes_joins_values_and_declarations():
    point = parse_point("W=[[1,2,3],[4,5,6]], x=[1,2,3], lr=0.1")
    assert declared_shapes(point, {"c": (1, 3)}) == {"c": (1, 3), "W": (2, 3), "x": (3,)}
    assert declared_shapes(point, {"x": (3,)})["x"] == (3,)
    assert declared_shapes({"a": 1.0}) == {}
    message = cli_message(lambda: declared_shapes(point, parse_shapes("W=3x2")))
    assert message == "--at W has shape (2, 3), but --shape declares W with shape (3, 2)"


# ------------------------------------------------------------------ properties --------------

FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def nested_lists(draw):
    """A random vector or matrix as nested lists of floats (rows of one length)."""
    if draw(st.booleans()):
        return draw(st.lists(FLOATS, min_size=1, max_size=6))
    cols = draw(st.integers(1, 5))
    return draw(st.lists(st.lists(FLOATS, min_size=cols, max_size=cols), min_size=1,
                         max_size=5))


@settings(max_examples=200, deadline=None)
@given(nested_lists(), st.sampled_from(["", " ", "  "]))
def test_any_nested_list_reads_back_equal(lists, space):
    sep = "," + space
    if isinstance(lists[0], list):
        text = "[" + sep.join("[" + sep.join(repr(v) for v in row) + "]" for row in lists) + "]"
    else:
        text = "[" + sep.join(repr(v) for v in lists) + "]"
    value = parse_point(f"q={text}, r=1")["q"]
    expected = np.array(lists, dtype=float)
    assert value.array.shape == expected.shape
    np.testing.assert_array_equal(value.array, expected)


BRACKET_ALPHABET = st.sampled_from(list("[[[]]],,, 0123456789.-+e()*/;:x=pi"))


@settings(max_examples=400, deadline=None)
@given(st.text(BRACKET_ALPHABET, max_size=30))
def test_garbage_brackets_give_a_point_error_and_nothing_else(tail):
    try:
        point = parse_point("x=[" + tail)
    except PointError as exc:
        assert str(exc)
        return
    for value in point.values():  # what was read is a vector or matrix, or a number
        assert isinstance(value, float | Value | np.ndarray)
        if isinstance(value, Value):
            assert 1 <= value.array.ndim <= 2 and value.array.size >= 1


def test_a_long_entry_is_shortened_in_the_message():
    text = "x=[" + ",".join(["1.5"] * 200) + ",]"
    first = cli_message(lambda: parse_point(text)).split("\n")[0]
    assert first == ("--at entry 'x=[" + "1.5," * 13 + "1....': an entry is missing before ']' "
                     "at column 804")


# ------------------------------------------------------------------ CSV element headers -----


def write_csv(tmp_path, text: str) -> str:
    path = tmp_path / "points.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_csv_element_headers_are_gathered_into_batches_of_values(tmp_path):
    from diffx.csv_points import group_elements, read_csv_points

    path = write_csv(tmp_path, 'x[0],x[ 1 ],W[0,0],"W[0,1]",W[1,0],W[1,1],b\n'
                               "1,2,3,4,5,6,7\n8,9,10,11,12,13,14\n")
    columns = read_csv_points(path)
    assert list(columns) == ["x[0]", "x[1]", "W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "b"]
    grouped = group_elements(path, columns)
    np.testing.assert_array_equal(grouped["x"], [[1, 2], [8, 9]])
    np.testing.assert_array_equal(grouped["W"], [[[3, 4], [5, 6]], [[10, 11], [12, 13]]])
    np.testing.assert_array_equal(grouped["b"], [7, 14])
    assert grouped["W"].shape == (2, 2, 2)  # 2 points of a 2x2 matrix
    assert group_elements(path, columns, {"x": (2,), "W": (2, 2)})["x"].shape == (2, 2)


@pytest.mark.parametrize("header, shapes, says", [
    ("x[0],b", {"x": (2,)}, "x is a vector of 2 entries, so the header needs x[0] and x[1] "
                            "(missing x[1])"),
    ("x,b", {"x": (2,)}, "x is a vector of 2 entries, so the header needs x[0] and x[1] "
                         "(missing x[0], x[1])"),
    ("W[0,0],W[1,1]", {}, "W is a 2x2 matrix, so the header needs W[0,0] to W[1,1] (missing "
                          "W[0,1], W[1,0])"),
    ("x[2],b", {"x": (2,)}, "x[2] is outside x, whose shape is (2,)"),
    ("x[0],b", {"x": (2, 1)}, "x[0] has 1 index, but x has shape (2, 1)"),
    ("x[0],x[0,1]", {}, "the headers of x mix vector and matrix elements (x[0], x[0,1])"),
    ("x,x[0]", {}, "the header names both x and x[0]; give x as one column or as its "
                   "elements, not both"),
])
def test_csv_element_headers_must_name_every_element(tmp_path, header, shapes, says):
    from diffx.csv_points import group_elements, read_csv_points

    columns = len(re.findall(r"[A-Za-z]+(?:\[[0-9, ]+\])?", header))  # W[0,0] is one column
    path = write_csv(tmp_path, f"{header}\n{','.join(['1'] * columns)}\n")
    with pytest.raises(PointError) as err:
        group_elements(path, read_csv_points(path), shapes)
    assert str(err.value) == f"{path}: {says}"


@pytest.mark.parametrize("header, says", [
    ("x[a],b", "header 'x[a]' (column 1) is not an input name or an element such as x[0]"),
    ("x[0],x[ 0]", "the header names 'x[0]' twice (columns 1 and 2)"),
    ("x[-1]", "header 'x[-1]' (column 1) is not an input name"),
])
def test_csv_bad_element_headers(tmp_path, header, says):
    from diffx.csv_points import read_csv_points

    path = write_csv(tmp_path, f"{header}\n1,2\n")
    with pytest.raises(PointError, match=re.escape(says)):
        read_csv_points(path)


def test_csv_element_columns_make_the_input_a_vector(tmp_path):
    # the header x[0] says x is a vector (of 1 entry): x*b is then a vector, sum(x*b) a number
    path = write_csv(tmp_path, "x[0],b\n1,2\n3,4\n")
    result = CliRunner().invoke(app, ["grad", "x*b", "--at", path])
    assert result.exit_code == 0 and "Traceback" not in result.output  # its Jacobian, per row
    assert "∂f/∂x  shape (1, 1) (numerator layout: rows are f, columns are x)" in result.output
    result = CliRunner().invoke(app, ["grad", "sum(x*b)", "--at", path, "--json"])
    assert result.exit_code == 0, result.output
    grads = json.loads(result.output)["results"]["reverse"]["gradient"]
    assert grads["x"] == {"shape": [2, 1], "value": [[2.0], [4.0]]}  # 2 rows of x (1,)
    assert grads["b"] == {"shape": [2], "value": [1.0, 3.0]}


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("[],;=:()xyW 0129.-e")), min_size=1, max_size=25))
def test_garbage_point_text_gives_a_point_error_and_nothing_else(text):
    try:
        parse_point(text)
    except PointError as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("Wx=,0123()x× ")), min_size=1, max_size=20))
def test_garbage_shape_text_gives_a_point_error_and_nothing_else(text):
    try:
        shapes = parse_shapes(text)
    except PointError as exc:
        assert str(exc)
        return
    assert all(len(s) <= 2 and all(n >= 1 for n in s) for s in shapes.values())
