"""Picture files and compare: clear errors for bad paths, non-finite never shown as agreement."""

import math

import pytest
from typer.testing import CliRunner

import diffx
from diffx.cli import app
from diffx.compare import compare
from diffx.draw import save
from diffx.present.picture_files import picture_format

runner = CliRunner()


@pytest.mark.parametrize("name, says", [
    ("", "is a folder"), ("pic", "has no extension"), ("pic.", "has no extension"),
    ("pic.jpg", "unknown picture format '.jpg'"), ("no/pic.svg", "does not exist")])
def test_a_picture_path_is_checked_with_a_clear_error(tmp_path, name, says):
    path = tmp_path / name if name else tmp_path
    with pytest.raises(diffx.DiffxError, match=says):
        picture_format(path)
    with pytest.raises(diffx.DiffxError, match="file name ending in .svg, .png, .pdf or .dot"
                       if "exist" not in says else says):
        save("x*y", path)
    res = runner.invoke(app, ["graph", "x*y", "-o", str(path)])
    assert res.exit_code != 0 and says in res.output and "'.'" not in res.output
    assert "Traceback" not in res.output


def test_good_picture_paths(tmp_path):
    assert [picture_format(tmp_path / f"g.{e}") for e in ("svg", "PNG", "pdf", "dot", "gv")] \
        == ["svg", "png", "pdf", "dot", "dot"]
    assert save("x*y", tmp_path / "g.dot").read_text().startswith("digraph")


@pytest.mark.parametrize("source, at", [("sqrt(x)", {"x": -1.0}), ("log(x)", {"x": 0.0}),
                                        ("exp(x)*y", {"x": 1000.0, "y": 0.0}),
                                        ("1/x", {"x": 0.0})])
def test_non_finite_derivatives_are_never_shown_as_agreement(source, at):
    c = compare(source, at=at)
    for row in c.rows:
        if row.gradient is None or row.label == c.reference:
            continue
        pairs = [(row.gradient[w], c.row(c.reference).gradient[w]) for w in c.wrt]
        if any(not math.isfinite(v) or not math.isfinite(r) for v, r in pairs):
            assert math.isnan(row.relative_error), row.label  # never 0
            assert math.isnan(row.worst_absolute_error), row.label
    assert any("not finite" in w and "never agreement" in w for w in c.warnings)
    res = runner.invoke(app, ["compare", source, "--at",
                              ",".join(f"{k}={v}" for k, v in at.items())])
    assert res.exit_code in (0, 1) and "Traceback" not in res.output


def test_finite_derivatives_still_measure_their_errors():
    c = compare("sin(x)", at={"x": 1.0})
    assert c.row("reverse").relative_error < 1e-15
    central = c.row("numeric central")
    want = abs(central.gradient["x"] - math.cos(1.0))
    assert central.worst_absolute_error == pytest.approx(want, rel=1e-3)
    assert not any("not finite" in w for w in c.warnings)
