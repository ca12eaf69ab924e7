"""Route listings as text and JSON: the same output as before the streaming rewrite, strict and
complete JSON, each distinct edge formatted once; compare cells for non-finite values."""

from __future__ import annotations

import io
import math

from conftest import ROUTE_SUM, invoke, logistic_program, logistic_slope, strict_json

from diffx import api
from diffx.present import as_json, listing_json, text

SMALL_TEXT = """\
c = a + b; d = a * c
routes from a to d: 2
  a → d:      ∂d/∂a = c = 5
  a → c → d:  ∂d/∂c · ∂c/∂a = a · 1 = 2 · 1 = 2
  sum: 5 + 2 = 7; the reverse sweep got 7 with 4 multiply-adds (one sweep for ∂/∂a and ∂/∂b), listing no route ✓
routes from b to d: 1
  b → c → d:  ∂d/∂c · ∂c/∂b = a · 1 = 2 · 1 = 2
  sum: 2; the reverse sweep got 2 with 4 multiply-adds (one sweep for ∂/∂a and ∂/∂b), listing no route ✓
"""


def run(*args: str):
    return invoke(*args, columns=400)


def _routes_data(source: str, at: dict, limit: int = 1000) -> dict:
    r = api.grad(source, at=at, method="reverse", routes=True, route_limit=limit)
    return {"expression": source, "wrt": list(r.wrt), "point": r.point,
            "gradient": r.gradient, "routes": r.details.routes,
            "routes_log10": r.details.routes_log10, "listing": r.details.route_listing,
            "legend": r.details.route_legend or {},
            "sweep_multiply_adds": r.cost.get("backward_ops"),
            "sweep_multiply_adds_for": list(r.wrt) if r.cost.get("backward_ops") is not None
            else None, "warnings": r.warnings}


def test_small_listing_text_is_unchanged():
    res = run("routes", ROUTE_SUM, "--at", "a=2,b=3")
    assert res.exit_code == 0, res.output
    assert res.stdout == SMALL_TEXT  # d = a(a + b): ∂d/∂a = c + a = 7, ∂d/∂b = a = 2


def test_small_listing_json_is_what_dumps_writes():
    res = run("routes", ROUTE_SUM, "--at", "a=2,b=3", "--json")
    assert res.exit_code == 0, res.output
    data = strict_json(res.stdout)
    assert res.stdout == as_json.dumps(data) + "\n"  # byte for byte the whole-document dump
    assert [row["product"] for row in data["listing"]["a"]["routes"]] == [5.0, 2.0]
    assert data["listing"]["a"]["routes"][1]["edges"] == [[2, 3, 1], [0, 2, 0]]


def test_non_finite_route_values_are_null_and_flagged_as_dumps_does():
    data = _routes_data("y = sqrt(x) * log(x) + x", {"x": -1.0})
    out = io.StringIO()
    listing_json.write_listing_json(data, out.write)
    assert out.getvalue() == as_json.dumps(data) + "\n"  # warnings in the same order too
    got = strict_json(out.getvalue())
    assert got["listing"]["x"]["routes"][0]["factors"][1] is None
    assert "$.listing.x.routes[0].factors[1] was nan; written as null" in got["warnings"]
    assert got["listing"]["x"]["routes"][2]["product"] == 1.0  # the route x → y


def test_many_non_finite_values_are_counted_past_the_cap(monkeypatch):
    monkeypatch.setattr(listing_json, "ROUTE_WARNINGS", 2)
    data = _routes_data("y = sqrt(x) * log(x) + x", {"x": -1.0})
    out = io.StringIO()
    listing_json.write_listing_json(data, out.write)
    got = strict_json(out.getvalue())
    listed = [w for w in got["warnings"] if "routes[" in w]
    assert len(listed) == 2  # 5 nan route values: 2 named, 3 counted
    assert "$.listing.x.routes: 3 more non-finite route values written as null" in got["warnings"]


def test_json_of_1024_routes_is_strict_complete_and_sums_to_the_gradient():
    res = run("routes", logistic_program(11), "--wrt", "x", "--at", "x=0.3", "--limit", "100000",
              "--json")
    assert res.exit_code == 0, res.output
    data = strict_json(res.stdout)
    info = data["listing"]["x"]
    rows = info["routes"]
    assert len(rows) == 2 ** 10 == data["routes"]["x"]
    assert info["complete"] is True
    expected = logistic_slope(0.3, 11)
    total = math.fsum(row["product"] for row in rows)
    assert abs(total - expected) <= 1e-9 * abs(expected)
    assert abs(data["gradient"]["x"] - expected) <= 1e-9 * abs(expected)
    for row in rows[:50]:
        assert math.isclose(math.prod(row["factors"]), row["product"], rel_tol=1e-12)
        assert len(row["factors"]) == len(row["edges"]) == len(row["partials"]) == 20


def test_listing_past_the_limit_says_it_is_incomplete():
    res = run("routes", logistic_program(11), "--wrt", "x", "--at", "x=0.3", "--limit", "1000")
    assert res.exit_code == 0, res.output
    assert "listing stopped at 1,000 of 1,024 routes (the limit)" in res.stdout
    assert sum(1 for line in res.stdout.splitlines() if line.startswith("  x → ")) == 1000


def test_each_edge_is_formatted_once(monkeypatch):
    calls = {"text": 0, "json": 0}
    signed, edge_item = text._signed, listing_json._edge_item

    def count_signed(x):
        calls["text"] += 1
        return signed(x)

    def count_item(item, k):
        calls["json"] += 1
        return edge_item(item, k)

    monkeypatch.setattr(text, "_signed", count_signed)
    monkeypatch.setattr(listing_json, "_edge_item", count_item)
    res = run("routes", logistic_program(11), "--wrt", "x", "--at", "x=0.3", "--limit", "100000")
    assert res.exit_code == 0, res.output
    res = run("routes", logistic_program(11), "--wrt", "x", "--at", "x=0.3", "--limit", "100000",
              "--json")
    assert res.exit_code == 0, res.output
    edges = 4 * 10  # each step: l → 4*l, l → 1 - l, and both into the product
    assert 0 < calls["text"] <= edges  # 1,024 rows, each showing 6 of its 20 values
    assert calls["json"] == 4 * edges  # symbol, formula, value, [arg, node, position]


def test_compare_relative_error_is_not_finite_never_differs_or_nan():
    res = run("compare", "sqrt(x) + y^2", "--at", "x=0,y=3")
    assert res.exit_code == 0, res.output
    for method in ("reverse", "numeric central"):
        row = next(line for line in res.stdout.splitlines()
                   if line.strip().startswith(method + " "))
        cells = [c.strip() for c in row.split("│")]
        # sqrt'(0) is infinite (or nan by differences): x is not compared; ∂/∂y = 2y = 6
        assert cells[4] == "0; not finite: x", row
        assert "differs" not in row and "nan;" not in row
