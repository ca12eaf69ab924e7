"""The Hessian-vector product against one evaluation of the function (issue 11: forward-over-
reverse costs at most 6 times one evaluation).

    python benchmarks/hvp_cost.py              # graphs of about 10^5 nodes
    python benchmarks/hvp_cost.py --nodes 10000

For each graph, on diffx's engine (the compiled loops over Python floats, what diffx.evaluate
and diffx.grad run):

* ``f``: one evaluation of the graph (engine forward pass);
* ``hvp, program built``: H·v by forward-over-reverse, the adjoint program built once beforehand
  (as a compiled gradient is): one forward pass over the adjoint program and one tangent sweep;
* ``diffx.hvp``: the library call, which also builds the adjoint program each time.

The three are timed (CPU time of this process) round by round in rotating order (benchmarks/harness.py); each ratio is the
median of the ratios within a round. Operation counts are exact: the nodes one evaluation
computes, and the nodes of the adjoint program plus the tangent sweep's multiply-adds (edges
whose argument depends on an input).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import adjoint_size  # noqa: E402
import peers  # noqa: E402

import diffx  # noqa: E402
from diffx import engine, evaluation  # noqa: E402
from diffx.hessian_sweeps import _adjoint, _tangent_sweep  # noqa: E402

TARGET = 6.0
ROUNDS = 9
clock = time.process_time  # CPU time of this process: steadier than wall time on a busy machine


def _graphs(n: int) -> list[tuple[str, diffx.Graph, dict[str, float]]]:
    out = []
    steps = n // 3
    logistic = diffx.parse(peers.logistic_source(steps, r=3))
    out.append((f"logistic map r = 3, {steps:,} steps", logistic, {"x": 0.3}))
    x, spec = peers.dag_spec(n)
    dag = diffx.parse(peers.dag_source(spec, len(x)))
    out.append((f"random DAG, {n:,} operations", dag,
                {f"x{i}": v for i, v in enumerate(x) if f"x{i}" in dag.input_nodes}))
    width = 16
    layers = max(1, round(n / (2 * width * width + 2 * width)))
    mlp = diffx.parse(adjoint_size.mlp_program(width, layers))
    point = {name: 0.1 * ((k * 7919) % 13 - 6) / 6 for k, name in enumerate(mlp.inputs)}
    out.append((f"MLP {layers} x {width} (tanh, relu)", mlp, point))
    return out


def measure(label: str, graph: diffx.Graph, point: dict[str, float]) -> None:
    wrt = tuple(point)
    v = {w: 1.0 / (1 + k) for k, w in enumerate(wrt)}
    adj = _adjoint(graph, wrt)
    outputs = [adj.graph.assigned[adj.partials[w]] for w in wrt]
    contenders = {
        "f": lambda: evaluation.evaluate(graph, point, False),
        "hvp, program built": lambda: _tangent_sweep(adj.graph, point, v, outputs),
        "diffx.hvp": lambda: diffx.hvp(graph, at=point, v=v),
    }
    for fn in contenders.values():  # untimed: compilation and caches
        fn()
    times: dict[str, list[float]] = {k: [] for k in contenders}
    order = list(contenders)
    for r in range(ROUNDS):
        for name in order[r % 3:] + order[: r % 3]:
            start = clock()
            contenders[name]()
            times[name].append(clock() - start)
    ratios = {k: statistics.median(t / f for t, f in zip(times[k], times["f"]))
              for k in contenders if k != "f"}
    ops_f = sum(1 for o in graph.op if o > 1)
    ops_hvp = sum(1 for o in adj.graph.op if o > 1) + engine.edge_count(adj.graph, wrt)
    print(f"\n{label}: {graph.size:,} nodes, adjoint program {adj.graph.size:,} "
          f"({adj.ratio:.2f} x)")
    print(f"  one evaluation          {statistics.median(times['f']) * 1e3:9.1f} ms")
    for k, r in ratios.items():
        mark = "" if r <= TARGET or k == "diffx.hvp" else "  over"
        print(f"  {k:22}  {statistics.median(times[k]) * 1e3:9.1f} ms  {r:6.2f} x f{mark}")
    print(f"  operations: f {ops_f:,}; hvp {ops_hvp:,} (adjoint nodes + tangent multiply-adds)"
          f" = {ops_hvp / ops_f:.2f} x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    args = ap.parse_args()
    print(f"H·v (forward-over-reverse) / one evaluation, median of {ROUNDS} interleaved rounds "
          f"(issue 11 target: at most {TARGET:g} with the program built)")
    for label, graph, point in _graphs(args.nodes):
        measure(label, graph, point)


if __name__ == "__main__":
    main()
