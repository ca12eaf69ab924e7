"""Parser speed and memory on the logistic map as a program (issue 14, parts 2 and 4).

For 10^5 and 10^6 nodes, with the statements separated by new lines and by ``;`` on one line:

- ``diffx.parse(text)``: microseconds per node;
- one-shot ``diffx.grad(text, at={"x": 0.3}, method="reverse")``: microseconds per node;
- the tracemalloc peak of that one-shot gradient, in bytes per node over the source text;
- the peer: CPython's ``compile()`` of the same program as Python source (float literals), and
  ``exec(compile(...))`` for the gradient's comparison.

Contenders are timed in interleaved rounds (the order rotated each round) and every ratio is
taken within a round; the median over the rounds is printed with the range. The compiled tier
(numba, diffx.compiled) is off unless ``--compiled`` is given: it loads itself once enough
nodes went through the process, which would change the engine half-way through the runs.

    python3 benchmarks/parse_speed.py [--rounds 3] [--sizes 100000,1000000] [--compiled]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import diffx  # noqa: E402
from peers import logistic_source  # noqa: E402

FORMS = {"new lines": "\n", "';' on one line": "; "}


def programs(nodes: int, sep: str) -> tuple[str, str, int]:
    """(diffx text, Python text, node count): three nodes a step, plus x and the constants."""
    steps = -(-(nodes - 3) // 3)
    text = logistic_source(steps).replace("\n", sep)
    python = "x = 0.3\n" + logistic_source(steps, python=True).replace("\n", sep)
    return text, python, 3 * steps + 3


def timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peak_bytes(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.3g} (range {min(values):.3g}-{max(values):.3g})"


def run(nodes: int, form: str, rounds: int) -> None:
    text, python, n = programs(nodes, FORMS[form])
    contenders: dict[str, Callable[[], Any]] = {
        "parse": lambda: diffx.parse(text),
        "grad": lambda: diffx.grad(text, at={"x": 0.3}, method="reverse"),
        "compile": lambda: compile(python, "<peer>", "exec"),
        "exec(compile)": lambda: exec(compile(python, "<peer>", "exec"), {}),
    }
    times: dict[str, list[float]] = {k: [] for k in contenders}
    names = list(contenders)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(timed(contenders[name]))
    peak = peak_bytes(contenders["grad"])
    per_node = {k: [t / n * 1e6 for t in v] for k, v in times.items()}
    print(f"\n{n:,} nodes, statements separated by {form} ({len(text):,} characters), "
          f"{rounds} interleaved rounds")
    print(f"  diffx.parse                 {summary(per_node['parse'])} us/node")
    print(f"  diffx.grad one shot         {summary(per_node['grad'])} us/node")
    print(f"  CPython compile()           {summary(per_node['compile'])} us/node")
    print(f"  CPython exec(compile())     {summary(per_node['exec(compile)'])} us/node")
    ratio = [p / c for p, c in zip(times["parse"], times["compile"])]
    print(f"  parse / compile()           {summary(ratio)} (per round)")
    ratio = [g / c for g, c in zip(times["grad"], times["exec(compile)"])]
    print(f"  grad / exec(compile())      {summary(ratio)} (per round)")
    print(f"  grad tracemalloc peak       {peak / n:.0f} bytes/node (the source text "
          "excluded: it exists before)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--compiled", action="store_true",
                        help="let the compiled tier load when it would (off by default)")
    args = parser.parse_args()
    if not args.compiled:
        os.environ["DIFFX_COMPILED"] = "0"  # read by diffx.compiled.worth_it on each call
    for nodes in (int(s) for s in args.sizes.split(",")):
        for form in FORMS:
            run(nodes, form, args.rounds)


if __name__ == "__main__":
    main()
