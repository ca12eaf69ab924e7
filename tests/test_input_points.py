"""Points at the edges: one constant expression per value, CSV files with caps, real arrays."""

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx import PointError, csv_points
from diffx.points import MAX_POINTS, normalize_point, parse_point, read_csv_points

# ------------------------------------------------------------------ --at text -------------

@pytest.mark.parametrize("text, entry, column, says", [
    ("a=1;b=2", "a=1;b=2", 4, "separate entries with ',', not ';' (write a=1,b=2)"),
    ("a=x=1", "a=x=1", 4, "'=' cannot appear here"),
    ("x=1, y = 2; z=3", "y = 2; z=3", 11, "';'"),
    ("x=1_000", "x=1_000", 3, "malformed number '1_000'"),
    ("x=2e", "x=2e", 3, "malformed number '2e'"),
    ("x=0x10", "x=0x10", 3, "malformed number '0x10'"),
    ("x=y+1", "x=y+1", 3, "'y' is a name"),
    ("a=2,x= pi*q", "x= pi*q", 11, "'q' is a name"),
    ("x=0:1e:5", "x=0:1e:5", 5, "malformed number '1e'"),
    ("x=max(1, 2;3)", "x=max(1, 2;3)", 11, "';'"),
    ("x=sin(", "x=sin(", 7, "needs an operand"),
    ("x=(1+2", "x=(1+2", 3, "never closed"),
])
def test_a_value_is_one_constant_expression(text, entry, column, says):
    with pytest.raises(PointError) as info:
        parse_point(text)
    message = str(info.value)
    # a ';' is read as a separator written wrongly, anything else as a value's mistake
    what = ": separate entries with ','" if ";" in entry else " is not a number: "
    assert message.startswith(f"at entry {entry!r}{what}")
    assert says in message
    assert f"at column {column}\n" in message
    # the caret sits under that column of the point text
    text_line, caret_line = message.splitlines()[-2:]
    assert text_line.strip() == text
    assert caret_line.index("^") - text_line.index(text[0]) == column - 1


@pytest.mark.parametrize("text, expected", [
    ("a=1,b=2", {"a": 1.0, "b": 2.0}),
    ("x=pi/4", {"x": math.pi / 4}),
    ("x=-1e-3, y=+.5", {"x": -1e-3, "y": 0.5}),
    ("x=max(1, 2)", {"x": 2.0}),
    ("x=π/4", {"x": math.pi / 4}),
    ("x=2·3", {"x": 6.0}),
    ("x=−2", {"x": -2.0}),
    ("x=√4", {"x": 2.0}),
])
def test_good_values(text, expected):
    assert parse_point(text) == pytest.approx(expected, rel=1e-15)


def test_a_range_still_works_and_its_ends_point_at_their_column():
    assert list(parse_point("x=0:pi:3")["x"]) == pytest.approx([0, math.pi / 2, math.pi])
    with pytest.raises(PointError, match="count must be between 1"):
        parse_point(f"x=0:1:{MAX_POINTS + 1}")


def test_values_given_to_the_library_as_text_are_checked_the_same_way():
    g = diffx.parse("a*b")
    with pytest.raises(PointError, match="';'"):
        normalize_point(g, {"a": "1;b=2", "b": 1.0})


def test_too_large_a_number():
    with pytest.raises(PointError, match="too large"):
        parse_point("x=1e999")


# ------------------------------------------------------------------ arrays -----------------

def test_a_complex_array_is_refused_not_truncated():
    g = diffx.parse("x*y")
    for value in (np.array([1 + 2j, 3.0]), np.array([1 + 0j]), np.complex128(1 + 1j)):
        with pytest.raises(PointError, match="complex"):
            normalize_point(g, {"x": value, "y": 1.0})
    with pytest.raises(PointError, match="complex"):
        diffx.grad("x*y", at={"x": np.array([1 + 2j, 3.0]), "y": np.array([1.0, 2.0])})


def test_a_real_array_still_works():
    point, arrays = normalize_point(diffx.parse("x*y"), {"x": np.array([1.0, 2.0]), "y": 3})
    assert arrays and list(point["y"]) == [3.0, 3.0]


# ------------------------------------------------------------------ CSV --------------------

def write(tmp_path, data: bytes | str, name: str = "p.csv"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.mark.parametrize("data", [
    "x,y\n1,2\n3,4\n",
    "x,y\r\n1,2\r\n3,4\r\n",
    "x,y\r1,2\r3,4\r",
    "\ufeffx,y\n1,2\n3,4",
    "\ufeffx,y\r1,2\r\r3,4\r",
    " x , y \n1, 2\n\n3 ,4\n",
])
def test_csv_line_ends_bom_blanks(tmp_path, data):
    points = read_csv_points(write(tmp_path, data))
    assert list(points) == ["x", "y"]
    assert list(points["x"]) == [1.0, 3.0] and list(points["y"]) == [2.0, 4.0]


@pytest.mark.parametrize("data, says", [
    ("x,x\n1,2\n", "names 'x' twice (columns 1 and 2)"),
    ("a,b,a\n1,2,3\n", "names 'a' twice (columns 1 and 3)"),
    ("x,\n1,2\n", "column 2 of the header is empty"),
    ("x,2y\n1,2\n", "'2y' (column 2) is not an input name"),
    ("x\n1\nnan\n", "line 3, column 'x': 'nan' is not a number"),
    ("x\ninf\n", "'inf' is not a number"),
    ("x\n1_000\n", "'1_000' is not a number"),
    ("x\n1e999\n", "too large"),
    ("x\n", "at least one row"),
    ("", "at least one row"),
    ("x,y\n1,2\n3\n", "line 3: 1 values for 2 names"),
    ("x\n" + "1" * 200_000 + "\n", "line 2: a field is longer than 131,072 characters"),
])
def test_csv_errors(tmp_path, data, says):
    with pytest.raises(PointError) as info:
        read_csv_points(write(tmp_path, data))
    assert says in str(info.value)


def test_csv_not_utf8(tmp_path):
    with pytest.raises(PointError, match="not a UTF-8 text file"):
        read_csv_points(write(tmp_path, b"x\n\xff\n"))


def test_csv_caps(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_points, "MAX_POINTS", 3)
    with pytest.raises(PointError, match="more than 3 rows"):
        read_csv_points(write(tmp_path, "x\n1\n2\n3\n4\n"))
    assert len(read_csv_points(write(tmp_path, "x\n1\n2\n3\n"))["x"]) == 3
    monkeypatch.setattr(csv_points, "MAX_CSV_NUMBERS", 5)
    with pytest.raises(PointError, match="more than 5 numbers"):
        read_csv_points(write(tmp_path, "x,y\n1,2\n3,4\n5,6\n"))
    monkeypatch.setattr(csv_points, "MAX_CSV_BYTES", 10)
    with pytest.raises(PointError, match="larger than 10 bytes"):
        read_csv_points(write(tmp_path, "x\n1\n2\n3.25\n"))
    monkeypatch.setattr(csv_points, "MAX_CSV_BYTES", 1000)
    monkeypatch.setattr(csv_points, "MAX_CSV_LINE", 8)
    with pytest.raises(PointError, match="line 2: the line is longer than 8"):
        read_csv_points(write(tmp_path, "x,y\n12345,67890\n"))


def test_the_row_cap_is_the_range_cap():
    assert csv_points.MAX_POINTS == MAX_POINTS


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_devices_directories_and_fifos_are_refused_without_reading(tmp_path):
    with pytest.raises(PointError, match="it is a device"):
        read_csv_points("/dev/zero")
    with pytest.raises(PointError, match="it is a directory"):
        read_csv_points(tmp_path)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "points.csv"
        os.mkfifo(fifo)
        with pytest.raises(PointError, match="named pipe"):
            read_csv_points(fifo)  # opening a FIFO with no writer would block forever
    with pytest.raises(PointError, match="No such file"):
        read_csv_points(tmp_path / "missing.csv")


def test_cli_at_dev_zero_exits_2_quickly(runner):
    from diffx.cli import app

    res = runner.invoke(app, ["grad", "x^2", "--at", "/dev/zero"])
    assert res.exit_code == 2
    assert "it is a device" in res.output


def test_csv_points_reach_the_derivative(tmp_path):
    path = write(tmp_path, "\ufeffx,y\r1,2\r3,-1\r")
    result = diffx.grad("x^2*y", at=read_csv_points(path), method="reverse")
    assert list(result.gradient["x"]) == [4.0, -6.0]   # 2xy
    assert list(result.gradient["y"]) == [1.0, 9.0]    # x^2


# ------------------------------------------------------------------ fuzz -------------------


POINT_ALPHABET = st.sampled_from(list("xyab0129.e+-*/^();=,: \t\n\r[]_") + [
    "pi", "sin", "max", "π", "²", "⁻", "√", "·", "−", "\ufeff", "1e", "0x", "é", "1e999"])


@settings(max_examples=300, deadline=None)
@given(st.lists(POINT_ALPHABET, max_size=24).map("".join))
def test_any_point_text_gives_a_point_or_a_point_error(text):
    try:
        point = parse_point(text)
    except PointError as exc:
        message = str(exc)
        if " at column " in message or " at line " in message:
            assert message.splitlines()[-1].strip().startswith("^")
        return
    for name, value in point.items():
        assert name.isidentifier()
        assert np.all(np.isfinite(value))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_csv_text_gives_points_or_a_point_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("csv") / "p.csv"
    path.write_text(text, encoding="utf-8")
    try:
        points = read_csv_points(path)
    except PointError:
        return
    lengths = {len(v) for v in points.values()}
    assert len(lengths) == 1 and lengths.pop() >= 1


@pytest.mark.parametrize("value, says", [
    (b"1", "not a number"), (bytearray(b"1"), "not a number"), (np.bool_(True), "not a number"),
    (np.array([True, False]), "not a number"), (np.array(["1", "2"]), "not a number"),
    (np.array([1, True], dtype=object), "not a number"), ([1, [2, 3]], "not a number"),
    (np.datetime64("2020-01-01"), "not a number"), ([1j, 2], "complex"),
    (np.ma.masked_array([1.0, 2.0], [0, 1]), "masked entries"),
])
def test_values_float_conversion_would_change_are_refused(value, says):
    with pytest.raises(PointError, match=says):
        normalize_point(diffx.parse("x*y"), {"x": value, "y": 1.0})


def test_ordinary_number_types_still_work():
    from decimal import Decimal
    from fractions import Fraction

    g = diffx.parse("x*y")
    for value, expected in ((Decimal("1.5"), 1.5), (Fraction(1, 4), 0.25), (np.int64(3), 3.0),
                            (np.float32(0.5), 0.5), (np.array(2.0), 2.0)):
        assert normalize_point(g, {"x": value, "y": 1})[0]["x"] == expected
    point, arrays = normalize_point(g, {"x": range(3), "y": np.ma.masked_array([1, 2, 3])})
    assert arrays and list(point["x"]) == [0, 1, 2] and list(point["y"]) == [1, 2, 3]


def test_a_range_without_its_count_says_how_a_range_is_written():
    with pytest.raises(PointError) as err:
        parse_point("x=0:1")
    assert "a range is start:stop:count (e.g. 0:1:5" in str(err.value)
    assert list(parse_point("x=0:1:3")["x"]) == [0.0, 0.5, 1.0]


def test_many_points_keep_the_inputs_order():
    # a number beside a range was put first (y before x); the header and JSON follow the
    # program's inputs, as they do at one point
    graph = diffx.parse("1/x^2 + y")
    point, arrays = normalize_point(graph, "x=2:-1:4,y=2")
    assert arrays and list(point) == ["x", "y"]
    assert point["x"].tolist() == [2.0, 1.0, 0.0, -1.0] and point["y"].tolist() == [2.0] * 4
