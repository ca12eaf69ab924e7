"""Tracing a Python loop and taking its gradient, against micrograd doing the same (issue 11:
diffx at least 3 times faster, with micrograd's garbage collector on and off).

    pip install micrograd                       # 0.1.0, pure Python (or: pip install -e ".[bench]")
    python benchmarks/tracing_vs_micrograd.py   # 10^5 steps
    python benchmarks/tracing_vs_micrograd.py --steps 10000

The function is the W1 logistic map written as a plain Python loop, ``x = 4*x*(1 - x)``,
called on a diffx tracer (``diffx.trace``) or on a micrograd ``Value``; then the gradient:
diffx's reverse sweep over the traced Graph (``diffx.grad(graph, method="reverse")``, with its
warnings and precision audit) and micrograd's ``backward()``. At r = 4 the derivative doubles
each step and overflows, so r = 3 is also run (x = 0.3: finite numbers to compare).

micrograd is at its best: its recursive topological sort needs a recursion limit of a few
frames per step, which is raised (if a run still fails, the largest step count it manages is
reported and compared there); it is timed with Python's cyclic garbage collector on (as users
run it: every Value sits in a reference cycle) and off. diffx runs with the collector on.
Contenders alternate round by round, timed in CPU time of the process; each ratio is the median
of the per-round ratios. Before each timed run the cyclic garbage is collected, untimed:
micrograd with its collector off leaves its whole graph (every Value in a reference cycle) to
whoever collects next, which cost the contender after it about a second.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import diffx  # noqa: E402

TARGET = 3.0
ROUNDS = 5
clock = time.process_time  # CPU time of this process: steadier than wall time on a busy machine
X0 = 0.3


def logistic(x, steps: int, r: float):
    for _ in range(steps):
        x = r * x * (1 - x)
    return x


def diffx_run(steps: int, r: float):
    def run() -> float:
        graph = diffx.trace(lambda x: logistic(x, steps, r), x=X0)
        return diffx.grad(graph, at={"x": X0}, method="reverse")["x"]
    return run


def micrograd_run(steps: int, r: float, gc_off: bool):
    from micrograd.engine import Value

    def run() -> float:
        if gc_off:
            gc.disable()
        try:
            x = Value(X0)
            logistic(x, steps, r).backward()
            return x.grad
        finally:
            if gc_off:
                gc.enable()
    return run


def largest_micrograd_steps(steps: int) -> int:
    """The largest step count (halving from ``steps``) micrograd's backward completes."""
    n = steps
    while n > 1:
        try:
            micrograd_run(n, 3.0, False)()
            return n
        except (RecursionError, MemoryError):
            n //= 2
    return n


def contest(steps: int, r: float, rounds: int = ROUNDS) -> None:
    runs = {"diffx trace + grad": diffx_run(steps, r),
            "micrograd, gc on": micrograd_run(steps, r, False),
            "micrograd, gc off": micrograd_run(steps, r, True)}
    values = {k: fn() for k, fn in runs.items()}  # untimed first run; the results shown
    times: dict[str, list[float]] = {k: [] for k in runs}
    order = list(runs)
    for k in range(rounds):
        for name in order[k % 3:] + order[: k % 3]:
            gc.collect()  # untimed: no contender pays for the garbage another left
            start = clock()
            runs[name]()
            times[name].append(clock() - start)
    print(f"\nlogistic map r = {r:g}, {steps:,} steps, x = {X0}")
    for name in runs:
        print(f"  {name:20} {statistics.median(times[name]):8.3f} s   d/dx = {values[name]:.6g}")
    if all(math.isnan(v) for v in values.values()):
        print(f"  (nan from both: at r = {r:g} the derivative about doubles each step and "
              "overflows long before the last one; past that, arithmetic on infinities gives "
              "nan. r = 3 compares finite numbers)")
    for peer in ("micrograd, gc on", "micrograd, gc off"):
        ratio = statistics.median(m / d for m, d in zip(times[peer], times["diffx trace + grad"]))
        verdict = "meets" if ratio >= TARGET else "below"
        print(f"  {peer} / diffx: {ratio:.2f} x ({verdict} the target {TARGET:g} x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=ROUNDS)
    ap.add_argument("--r", type=float, nargs="*", default=[3.0, 4.0])
    args = ap.parse_args()
    try:
        import micrograd  # noqa: F401
    except ImportError:
        sys.exit("micrograd is not installed: pip install micrograd (0.1.0, PyPI)")
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * args.steps + 10_000))
    steps = largest_micrograd_steps(args.steps)
    if steps < args.steps:
        print(f"micrograd's recursive backward fails beyond {steps:,} steps; compared there")
    for r in args.r:
        contest(steps, r, args.rounds)
    graph = diffx.trace(lambda x: logistic(x, steps, 3.0), x=X0)
    t0 = time.perf_counter()
    graph.source  # noqa: B018  (the program text, written when first read)
    t1 = time.perf_counter()
    print(f"\nnot in diffx's time: writing the traced graph as program text {t1 - t0:.3f} s "
          "(a result's expression writes it when read)")


if __name__ == "__main__":
    main()
