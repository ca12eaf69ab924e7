"""Memory per scalar node of a vector program's expansion, with its reverse gradient.

    python3 benchmarks/expansion_memory.py            # the 784-100-10 MLP, one example
    python3 benchmarks/expansion_memory.py --hidden 20

The one-example network of docs/vectors-plan.md §8 (x (784,), W1 (100, 784), W2 (10, 100)):
parse with shapes, expand to the scalar Graph, and ``diffx.grad(..., method="reverse")``, all
under tracemalloc. Prints the nodes, the seconds of each phase, the peak of the whole run per
scalar node (the plan's target: at most 300 B/node) and the peak of the expansion alone, and
checks the gradient against numpy backprop written out here. Not a test: the figures depend on
the machine and on tracemalloc's own overhead (which also slows every phase).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import diffx  # noqa: E402
from diffx.program import parse  # noqa: E402

SOURCE = "z = W1 @ x + b1; h = sigmoid(z); y = W2 @ h + b2; L = 0.5*sum((y - t)^2)"


def backprop(W1, x, b1, W2, b2, t):
    """The lecture's vectorised backprop (numpy), the reference for the gradient."""
    z = W1 @ x + b1
    h = 1 / (1 + np.exp(-z))
    y = W2 @ h + b2
    yb = y - t
    zb = (W2.T @ yb) * h * (1 - h)
    return {"W1": np.outer(zb, x), "b1": zb, "W2": np.outer(yb, h), "b2": yb}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=784)
    ap.add_argument("--hidden", type=int, default=100)
    ap.add_argument("--outputs", type=int, default=10)
    args = ap.parse_args()
    n, m, k = args.inputs, args.hidden, args.outputs
    rng = np.random.default_rng(0)
    point = {"W1": rng.normal(size=(m, n)) * 0.05, "x": rng.uniform(0, 1, size=n),
             "b1": rng.normal(size=m) * 0.1, "W2": rng.normal(size=(k, m)) * 0.1,
             "b2": rng.normal(size=k) * 0.1, "t": np.eye(k)[k // 2]}
    shapes = {name: value.shape for name, value in point.items()}

    tracemalloc.start()
    t0 = time.perf_counter()
    program = parse(SOURCE, shapes=shapes)
    graph = program.scalar
    t1 = time.perf_counter()
    _, expand_peak = tracemalloc.get_traced_memory()
    flat = program.element_point(point)
    wrt = program.element_wrt(("W1", "b1", "W2", "b2"))
    t2 = time.perf_counter()
    result = diffx.grad(graph, at=flat, wrt=wrt, method="reverse")
    t3 = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    nodes = graph.size
    got = program.regroup(result.gradient, ("W1", "b1", "W2", "b2"))
    want = backprop(**point)
    worst = max(float(np.max(np.abs(got[p] - want[p])) / np.max(np.abs(want[p])))
                for p in want)
    print(f"{n}-{m}-{k} MLP, one example: {nodes:,} scalar nodes "
          f"({len(graph.inputs):,} inputs); bound scalar_size() = {program.scalar_size():,}")
    print(f"parse + expand {t1 - t0:.2f} s, element point {t2 - t1:.2f} s, "
          f"reverse gradient {t3 - t2:.2f} s (under tracemalloc)")
    print(f"peak, expansion alone: {expand_peak / nodes:.0f} B/node "
          f"({expand_peak / 2**20:.1f} MiB)")
    print(f"peak, expansion + reverse gradient: {peak / nodes:.0f} B/node "
          f"({peak / 2**20:.1f} MiB); target <= 300 B/node")
    print(f"gradient vs numpy backprop: max |d| / max |g| = {worst:.1e} (target <= 1e-10)")


if __name__ == "__main__":
    main()
