"""--at given more than once adds its entries up, as a user who types it expects."""

from __future__ import annotations

import json

from conftest import ROUTE_SUM, invoke


def test_repeated_at_entries_add_up():
    # the lecture's a = 4, b = 3: ∂d/∂a = 2a + b = 11, ∂d/∂b = a = 4
    r = invoke("grad", ROUTE_SUM, "--at", "a=4", "--at", "b=3", "-m", "reverse", "--json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["results"]["reverse"]["gradient"] == {"a": 11.0, "b": 4.0}


def test_a_csv_file_comes_alone(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("a,b\n4,3\n")
    r = invoke("grad", ROUTE_SUM, "--at", str(path), "--at", "b=3")
    assert r.exit_code == 2 and "comes alone" in r.stderr
