"""A route listing is bounded by its total number of factors, not only by its number of routes.

A route of the n-statement logistic map has 2(n − 1) factors (each step goes through 4·l or
1 − l, then the product), so 1,000 routes at n = 10^5 would hold 2·10^8 factors; the listing
stops at ``routes.MAX_LISTED_FACTORS`` and says why, in the library, the text and the JSON.
"""

import json
import math
import tracemalloc

import pytest
from conftest import logistic_program
from typer.testing import CliRunner

import diffx
from diffx import routes as _routes
from diffx.cli import app


def test_the_cap_is_two_million_factors():
    assert _routes.MAX_LISTED_FACTORS == 2_000_000


def test_a_long_logistic_map_lists_as_many_routes_as_fit_in_the_cap_and_little_memory():
    n = 3000
    per_route = 2 * (n - 1)  # 5,998 factors: by hand, two edges per step
    fit = 2_000_000 // per_route  # 333 routes, well under the route limit of 1,000
    g = diffx.parse(logistic_program(n))
    tracemalloc.start()
    try:
        r = diffx.grad(g, at={"x": 0.3}, method="reverse", routes=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    info = r.details.route_listing["x"]
    assert len(info["routes"]) == fit == 333
    assert all(len(row["factors"]) == per_route for row in info["routes"])
    assert info["complete"] is False and info["sum"] is None
    assert info["stopped"] == ("each route has 5,998 factors and a listing stops at "
                               "2,000,000 factors in all")
    assert peak < 200 * 2**20, f"peak {peak / 2**20:.0f} MB"


def test_the_walk_stops_before_storing_the_route_past_the_cap():
    g = diffx.parse(logistic_program(11))  # 1,024 routes of 20 factors
    edges, found, complete, nxt = _routes.walk_routes(g, "x", 1000, max_factors=100)
    assert len(found) == 5 and not complete and nxt == 20
    assert all(len(ids) == 20 for ids in found)
    edges, found, complete, nxt = _routes.walk_routes(g, "x", 1000, max_factors=20 * 1024)
    assert len(found) == 1000 and not complete and nxt == 0  # the route limit came first
    edges, found, complete, nxt = _routes.walk_routes(g, "x", 1024, max_factors=20 * 1024)
    assert len(found) == 1024 and complete and nxt == 0  # exactly at the cap: all listed


def test_routes_of_different_lengths_say_which_route_did_not_fit(monkeypatch):
    monkeypatch.setattr(_routes, "MAX_LISTED_FACTORS", 2)
    r = diffx.grad("y = x + sin(sin(x))", at={"x": 0.3}, method="reverse", routes=True)
    info = r.details.route_listing["x"]
    assert [row["route"] for row in info["routes"]] == ["x → y"]
    assert info["stopped"] == ("the next route has 3 factors, the 1 listed have 1, and a "
                               "listing stops at 2 factors in all")
    monkeypatch.setattr(_routes, "MAX_LISTED_FACTORS", 4)
    info = diffx.grad("y = x + sin(sin(x))", at={"x": 0.3}, method="reverse",
                      routes=True).details.route_listing["x"]
    assert info["complete"] and info["stopped"] is None
    assert info["sum"] == pytest.approx(1 + math.cos(math.sin(0.3)) * math.cos(0.3), rel=1e-14)


def test_small_listings_keep_their_exact_values():
    # l2 = 4x(1 - x) = 0.84 at x = 0.3; l3 = (4 l2)(1 - l2): factors by hand, output down
    r = diffx.grad(logistic_program(3), at={"x": 0.3}, method="reverse", routes=True)
    info = r.details.route_listing["x"]
    assert info["complete"] and info["stopped"] is None
    expected = [[0.16, 4, 0.7, 4], [0.16, 4, 1.2, -1], [3.36, -1, 0.7, 4], [3.36, -1, 1.2, -1]]
    assert [row["factors"] for row in info["routes"]] == [
        pytest.approx(f, rel=1e-14) for f in expected]
    assert [row["product"] for row in info["routes"]] == pytest.approx(
        [1.792, -0.768, -9.408, 4.032], rel=1e-14)
    assert info["sum"] == pytest.approx(-4.352, rel=1e-14)


def test_the_cli_says_why_in_text_and_json(monkeypatch, tmp_path):
    monkeypatch.setattr(_routes, "MAX_LISTED_FACTORS", 100)
    src = tmp_path / "l11.dx"
    src.write_text(logistic_program(11))
    why = "each route has 20 factors and a listing stops at 100 factors in all"
    res = CliRunner().invoke(app, ["routes", "-f", str(src), "--at", "x=0.3"])
    assert res.exit_code == 0, res.output
    assert f"listing stopped at 5 of 1,024 routes ({why})" in res.stdout
    assert sum(1 for line in res.stdout.splitlines() if line.startswith("  x → ")) == 5
    res = CliRunner().invoke(app, ["routes", "-f", str(src), "--at", "x=0.3", "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)["listing"]["x"]
    assert len(info["routes"]) == 5 and info["complete"] is False and info["stopped"] == why
    # the route limit, when it comes first, is reported as before
    res = CliRunner().invoke(app, ["routes", "-f", str(src), "--at", "x=0.3", "--limit", "3"])
    assert "listing stopped at 3 of 1,024 routes (the limit)" in res.stdout


def test_the_json_of_a_long_listing_is_written_a_few_rows_at_a_time():
    # 333 routes of 5,998 factors are ~3·10^8 characters of JSON: held as one block before
    # writing, they took 1.7 GB; written in blocks of BLOCK_CHARS, a few tens of MB
    from diffx.present.listing_json import write_listing_json
    from diffx.present.command_output import routes_data

    g = diffx.parse(logistic_program(3000))
    r = diffx.grad(g, at={"x": 0.3}, method="reverse", routes=True)
    sizes: list[int] = []
    tracemalloc.start()
    try:
        write_listing_json(routes_data(g, r), lambda text: sizes.append(len(text)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(sizes) > 2 * 10**8  # every row was written
    assert peak < 200 * 2**20, f"peak {peak / 2**20:.0f} MB"
