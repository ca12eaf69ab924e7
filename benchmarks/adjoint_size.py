"""The size of the adjoint program against its function: nodes of diffx.adjoint's Graph per
node of the original, for 10^5-node graphs of several op mixes (issue 11: at most 4).

    python benchmarks/adjoint_size.py            # 10^5 nodes per graph
    python benchmarks/adjoint_size.py --nodes 10000

Each random graph is a seeded program over 10 inputs: every statement applies an op drawn from
the mix to one or two earlier values (mostly recent ones, so the graph is deep as well as wide)
and the output is the sum of every value no statement uses, so that every node is live.
Values are kept where the ops are defined (a power's base is squared plus one, a log's
argument likewise), because the adjoint must be the program of a function, though its size
does not depend on the point. Counts are of the Graph's nodes (inputs and constants included,
as the original's count includes them).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import diffx  # noqa: E402

INPUTS = 10
TARGET = 4.0  # issue 11: the adjoint program has at most 4 times the nodes of its graph

# op mixes: (op, weight); "pow c" is x^c with a constant c, "c pow" is c^x, "pow" is x^y
MIXES: dict[str, list[tuple[str, int]]] = {
    "pow-heavy": [("pow c", 4), ("c pow", 1), ("pow", 1), ("add", 2), ("mul", 2), ("sub", 1)],
    "kink-heavy": [("relu", 2), ("abs", 2), ("max", 2), ("min", 2), ("add", 2), ("mul", 1),
                   ("sub", 1)],
    "mixed": [("add", 2), ("sub", 1), ("mul", 2), ("div", 1), ("sin", 1), ("exp", 1),
              ("tanh", 1), ("sigmoid", 1), ("log", 1), ("pow c", 1), ("relu", 1), ("abs", 1),
              ("max", 1)],
}
_EXPONENTS = ("2", "3", "0.5", "-1", "1.5", "4")


def random_program(mix: list[tuple[str, int]], statements: int, seed: int = 0) -> str:
    """A seeded random program of ``statements`` statements over x0..x9 (see the module
    docstring); its output is the sum of the values nothing uses."""
    rng = random.Random(seed)
    ops = [op for op, w in mix for _ in range(w)]
    names = [f"x{i}" for i in range(INPUTS)]
    used = [False] * (INPUTS + statements)
    lines = []

    def pick() -> int:
        k = len(names) - 1 - min(int(rng.expovariate(1 / 8)), len(names) - 1)
        used[k] = True
        return k

    for s in range(statements):
        op = rng.choice(ops)
        a = names[pick()]
        if op == "pow c":
            text = f"(1 + {a}*{a})^{rng.choice(_EXPONENTS)}"
        elif op == "c pow":
            text = f"{rng.choice(('2', '0.5', '3'))}^sin({a})"
        elif op == "pow":
            text = f"(1 + {a}*{a})^sin({names[pick()]})"
        elif op == "log":
            text = f"log(1 + {a}*{a})"
        elif op in ("add", "sub", "mul"):
            text = f"{a} {dict(add='+', sub='-', mul='*')[op]} {names[pick()]}"
        elif op == "div":
            text = f"{a} / (1 + {names[pick()]}^2)"
        elif op in ("max", "min"):
            text = f"{op}({a}, {names[pick()]})"
        else:
            text = f"{op}({a})"
        names.append(f"v{s}")
        lines.append(f"v{s} = {text}")
    sinks = [names[k] for k in range(INPUTS, len(names)) if not used[k]]
    lines.append("y = " + " + ".join(sinks))
    return "\n".join(lines)


def logistic_program(steps: int) -> str:
    """The W1 logistic map l = 4 l (1 - l), three operations per step."""
    return "\n".join(["l0 = x"] + [f"l{k + 1} = 4*l{k}*(1 - l{k})" for k in range(steps)])


def mlp_program(width: int, layers: int) -> str:
    """A scalar MLP: ``layers`` tanh layers of ``width`` units (weights as inputs), then a
    relu layer, a linear output and a squared error."""
    lines, prev = [], [f"x{i}" for i in range(width)]
    for k in range(layers):
        act = "relu" if k == layers - 1 else "tanh"
        cur = []
        for j in range(width):
            terms = " + ".join(f"w{k}_{j}_{i}*{p}" for i, p in enumerate(prev))
            lines.append(f"h{k}_{j} = {act}({terms} + b{k}_{j})")
            cur.append(f"h{k}_{j}")
        prev = cur
    lines.append("o = " + " + ".join(f"u{j}*{p}" for j, p in enumerate(prev)))
    lines.append("y = (o - t)^2")
    return "\n".join(lines)


def measure(label: str, source: str) -> tuple[str, int, int, float, float]:
    graph = diffx.parse(source)
    start = time.perf_counter()
    adj = diffx.adjoint(graph)
    seconds = time.perf_counter() - start
    return label, graph.size, adj.graph.size, adj.ratio, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000, help="about this many graph nodes")
    args = ap.parse_args()
    n = args.nodes
    cases = []
    for mix, ops in MIXES.items():
        per = {"pow-heavy": 2.3, "kink-heavy": 1.0, "mixed": 1.6}[mix]  # nodes per statement
        cases.append((f"random, {mix}", random_program(ops, int(n / per))))
    cases.append(("logistic map", logistic_program(n // 3)))
    width = 24
    layers = max(1, round(n / (2 * width * width + 2 * width)))
    cases.append((f"MLP {layers} x {width}", mlp_program(width, layers)))
    print(f"adjoint nodes / graph nodes (issue 11 target: at most {TARGET:g})")
    print(f"{'graph':28} {'nodes':>9} {'adjoint':>9} {'ratio':>6}  {'build s':>7}")
    worst = 0.0
    for label, source in cases:
        label, size, asize, ratio, seconds = measure(label, source)
        worst = max(worst, ratio)
        mark = "" if ratio <= TARGET else "  over"
        print(f"{label:28} {size:9,} {asize:9,} {ratio:6.2f}  {seconds:7.2f}{mark}")
    print(f"worst ratio {worst:.2f} ({'within' if worst <= TARGET else 'over'} {TARGET:g})")


if __name__ == "__main__":
    main()
