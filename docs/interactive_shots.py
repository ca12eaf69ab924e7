"""Screenshots of the interactive page for docs/interactive.md, taken in headless Chromium.

    python3 docs/interactive_shots.py        # writes docs/img/interactive-*.png

Each page is made by ``diffx.explore`` from an example program, opened from disk in Debian's
``chromium`` (driven by Playwright, as in tests/test_explore_page.py), stepped or clicked to
one stage, and photographed. Before each shot the script checks that no two visible labels of
the picture overlap, and stops if any do.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import diffx  # noqa: E402

IMG = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MLP_AT = {"w11": 0.5, "x1": 1.0, "w12": -0.3, "x2": 2.0, "b1": 0.3, "w21": 0.8, "w22": 0.2,
          "b2": -0.4, "v11": 1.2, "v12": -0.7, "c1": 0.05, "v21": 0.3, "v22": 0.9,
          "c2": -0.1, "t1": 1.0, "t2": 0.0}

def overlapping_labels(page) -> list[list[str]]:
    """The pairs of visible picture labels that overlap on screen."""
    return page.evaluate("window.diffxExplore.overlaps()")


def shoot(page, name: str) -> None:
    clash = overlapping_labels(page)
    if clash:
        raise SystemExit(f"{name}: labels overlap: {clash[:3]}")
    page.screenshot(path=str(IMG / f"interactive-{name}.png"), full_page=True)
    print(f"wrote docs/img/interactive-{name}.png")


def main() -> None:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp())
    pages = {
        "route-sum": diffx.explore((ROOT / "examples/route_sum.dx").read_text(),
                                   at={"a": 4, "b": 3}, path=work / "route-sum.html"),
        "logistic": diffx.explore((ROOT / "examples/logistic_map.dx").read_text(),
                                  at={"x": 0.3}, path=work / "logistic.html"),
        "mlp": diffx.explore((ROOT / "examples/mlp.dx").read_text(), at=MLP_AT,
                             path=work / "mlp.html"),
    }
    assert all(p.drawn for p in pages.values())
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1250, "height": 480})

        def load(name: str) -> None:
            page.goto((work / f"{name}.html").as_uri())
            page.wait_for_selector("body[data-ready]", state="attached")

        load("route-sum")
        page.click("#dx-start")
        for _ in range(3):  # a, b, c
            page.keyboard.press("ArrowRight")
        shoot(page, "forward")
        for _ in range(4):  # d, the seed, then d's two edges
            page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")  # c's edge to a: a's running sum 7 + 4
        shoot(page, "reverse")
        page.click("#dx-end")
        page.click("#dx_n0")
        shoot(page, "routes")
        page.click("#dx_n2")
        shoot(page, "node")
        page.fill("#dx-in-0", "1.5")
        page.click("#dx_n0")
        shoot(page, "moved")

        page.set_viewport_size({"width": 2300, "height": 700})
        load("logistic")
        page.click("#dx_n0")
        shoot(page, "logistic-routes")

        page.set_viewport_size({"width": 2300, "height": 900})
        load("mlp")
        shoot(page, "mlp")
        for k in (0, 1, 4):  # z1, z2 and L collapse into their statements' nodes
            page.click(f"#dx-toggle-{k}")
        shoot(page, "mlp-collapsed")
        browser.close()


if __name__ == "__main__":
    main()
