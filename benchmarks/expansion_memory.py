"""Memory per scalar node of a vector program's expansion, with its reverse gradient.

    python3 benchmarks/expansion_memory.py            # the 784-100-10 MLP, one example
    python3 benchmarks/expansion_memory.py --hidden 20

The one-example network of docs/vectors-plan.md §8 (x (784,), W1 (100, 784), W2 (10, 100)):
parse with shapes, expand to the scalar Graph, and ``diffx.grad(..., method="reverse")``, all
under tracemalloc. Prints the nodes, the seconds of each phase, the peak of the whole run per
scalar node (the plan's target: at most 300 B/node), the peak of the expansion alone, what is
held when the gradient starts and the gradient's own peak above that, and
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


def network(n: int = 784, m: int = 100, k: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    """A point of the one-example network: random weights, an input in [0, 1], a one-hot t."""
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=(m, n)) * 0.05, "x": rng.uniform(0, 1, size=n),
            "b1": rng.normal(size=m) * 0.1, "W2": rng.normal(size=(k, m)) * 0.1,
            "b2": rng.normal(size=k) * 0.1, "t": np.eye(k)[k // 2]}


def measure(point: dict[str, np.ndarray], trace: bool = True) -> dict:
    """Parse + expand + reverse gradient of SOURCE at ``point`` (x, t, W1, b1, W2, b2).
    Returns the nodes, the seconds of each phase, the gradient regrouped into arrays, and
    with ``trace`` the tracemalloc peaks: of the expansion alone, of the whole run, and of
    the gradient phase above what was held when it began."""
    shapes = {name: np.shape(value) for name, value in point.items()}
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    program = parse(SOURCE, shapes=shapes)
    graph = program.scalar
    t1 = time.perf_counter()
    expand_peak = tracemalloc.get_traced_memory()[1] if trace else 0
    flat = program.element_point(point)
    wrt = program.element_wrt(("W1", "b1", "W2", "b2"))
    t2 = time.perf_counter()
    held = before = 0
    if trace:
        held, before = tracemalloc.get_traced_memory()  # before: the peak so far
        tracemalloc.reset_peak()
    result = diffx.grad(graph, at=flat, wrt=wrt, method="reverse")
    t3 = time.perf_counter()
    peak = grad_peak = 0
    if trace:
        grad_peak = tracemalloc.get_traced_memory()[1]
        peak = max(before, grad_peak)
        tracemalloc.stop()
    return {"program": program, "nodes": graph.size, "inputs": len(graph.inputs),
            "parse_expand": t1 - t0, "element_point": t2 - t1, "gradient": t3 - t2,
            "expand_peak": expand_peak, "peak": peak, "held": held,
            "grad_extra": grad_peak - held,
            "grad": program.regroup(result.gradient, ("W1", "b1", "W2", "b2"))}


def worst(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> float:
    """max over the parameters of max |got - want| / max |want|."""
    return max(float(np.max(np.abs(np.asarray(got[p]) - want[p])) / np.max(np.abs(want[p])))
               for p in want)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=784)
    ap.add_argument("--hidden", type=int, default=100)
    ap.add_argument("--outputs", type=int, default=10)
    args = ap.parse_args()
    n, m, k = args.inputs, args.hidden, args.outputs
    point = network(n, m, k)
    r = measure(point)
    nodes = r["nodes"]
    print(f"{n}-{m}-{k} MLP, one example: {nodes:,} scalar nodes "
          f"({r['inputs']:,} inputs); bound scalar_size() = {r['program'].scalar_size():,}")
    print(f"parse + expand {r['parse_expand']:.2f} s, element point {r['element_point']:.2f} s, "
          f"reverse gradient {r['gradient']:.2f} s (under tracemalloc)")
    print(f"peak, expansion alone: {r['expand_peak'] / nodes:.0f} B/node "
          f"({r['expand_peak'] / 2**20:.1f} MiB)")
    print(f"held when the gradient starts (graph, element point): {r['held'] / nodes:.0f} "
          f"B/node; the gradient's own peak above it: {r['grad_extra'] / nodes:.0f} B/node")
    print(f"peak, expansion + reverse gradient: {r['peak'] / nodes:.0f} B/node "
          f"({r['peak'] / 2**20:.1f} MiB); target <= 300 B/node")
    print(f"gradient vs numpy backprop: max |d| / max |g| = "
          f"{worst(r['grad'], backprop(**point)):.1e} (target <= 1e-10)")


if __name__ == "__main__":
    main()
