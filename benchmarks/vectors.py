"""Vector programs: the block path against hand-written numpy, and the scalar expansion's cost.

    python3 benchmarks/vectors.py                 # both parts (the scalar part takes minutes)
    python3 benchmarks/vectors.py --skip-scalar   # the block path only

The numbers of issue 10 (docs/vectors-plan.md §8), on the 784-100-10 sigmoid MLP with squared
error (the lecture's 28×28 digits, 79,510 parameters):

1. *Block path*, a batch of 64: ``H = sigmoid(X @ W1.T + b1); Y = H @ W2.T + b2;
   L = 0.5*sum((Y - T)^2)``, parsed once with shapes; the matrix method's gradient by W1, b1,
   W2, b2 is timed against a hand-written numpy backprop, interleaved round by round
   (harness.py, 101 rounds), the ratio the median of per-round ratios. Targets: at most 3×
   numpy, and max |Δ| / max |g| ≤ 1e-10 per parameter.
2. *Scalar expansion*, one example (x (784,), t (10,)): parse + expand +
   ``diffx.grad(program.scalar, method="reverse")``: seconds (without tracemalloc), nodes,
   tracemalloc peak per scalar node (target ≤ 300 B; expansion_memory.py's measurement) and
   agreement with the block path on the same point (≤ 1e-10).

numpy runs single-threaded for every contender: OMP_NUM_THREADS and OPENBLAS_NUM_THREADS are
set to 1 before numpy is imported (a shared 2-core machine makes threaded BLAS noisy).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported, for every contender alike

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from expansion_memory import measure, worst  # noqa: E402
import harness  # noqa: E402
from harness import Bench, Contender, machine  # noqa: E402

import diffx  # noqa: E402
from diffx import blocksweep  # noqa: E402
from diffx.errors import DiffxError  # noqa: E402
from diffx.methods import REGISTRY  # noqa: E402
from diffx.program import parse  # noqa: E402

SOURCE = "H = sigmoid(X @ W1.T + b1); Y = H @ W2.T + b2; L = 0.5*sum((Y - T)^2)"
PARAMS = ("W1", "b1", "W2", "b2")
MATRIX, NUMPY, SWEEP = ("diffx matrix method", "hand-written numpy backprop",
                        "diffx block sweep alone (forward + backward)")


def batch_point(n: int, m: int, k: int, batch: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights (scaled as an initialisation would), inputs in [0, 1], one-hot targets."""
    rng = np.random.default_rng(seed)
    return {"X": rng.uniform(0, 1, size=(batch, n)), "W1": rng.normal(size=(m, n)) * 0.05,
            "b1": rng.normal(size=m) * 0.1, "W2": rng.normal(size=(k, m)) * 0.1,
            "b2": rng.normal(size=k) * 0.1, "T": np.eye(k)[rng.integers(0, k, size=batch)]}


def numpy_backprop(X, W1, b1, W2, b2, T):  # noqa: N803 (the lecture's names)
    """The hand-written backprop: never derived from diffx's rules."""
    Z = X @ W1.T + b1
    H = 1 / (1 + np.exp(-Z))
    Y = H @ W2.T + b2
    D = Y - T
    gW2 = D.T @ H
    gb2 = D.sum(0)
    dZ = (D @ W2) * H * (1 - H)
    gW1 = dZ.T @ X
    gb1 = dZ.sum(0)
    return {"W1": gW1, "b1": gb1, "W2": gW2, "b2": gb2}


def matrix_call(program, point):
    """The matrix method's gradient through diffx.grad when the runner takes vector
    programs, else the registered method called directly; returns (call, how it is called)."""
    try:
        diffx.grad(program, at=point, wrt=",".join(PARAMS), method="matrix")
    except DiffxError as exc:
        method = REGISTRY["matrix"]
        how = ('REGISTRY["matrix"].run(program, wrt, point, False): diffx.grad does not take '
               f"this vector program yet ({exc})")
        return (lambda: method.run(program, PARAMS, point, False).gradient), how
    return (lambda: diffx.grad(program, at=point, wrt=",".join(PARAMS),
                               method="matrix").gradient), 'diffx.grad(..., method="matrix")'


def agreement(label: str, got: dict, want: dict) -> bool:
    ok = True
    parts = []
    for p in PARAMS:
        r = float(np.max(np.abs(np.asarray(got[p]) - want[p])) / np.max(np.abs(want[p])))
        ok &= r <= 1e-10
        parts.append(f"{p} {r:.1e}")
    print(f"  agreement, {label}: max|Δ|/max|g| = {', '.join(parts)}; target ≤ 1e-10: "
          f"{'holds' if ok else 'NOT MET'}", flush=True)
    return ok


def block_path(bench: Bench, n: int, m: int, k: int, batch: int) -> None:
    point = batch_point(n, m, k, batch)
    program = parse(SOURCE, shapes={name: v.shape for name, v in point.items()})
    section = (f"{n}-{m}-{k} sigmoid MLP, batch of {batch} "
               f"({m * n + m + k * m + k:,} parameters), gradient by W1, b1, W2, b2")
    print(f"\n{section}", flush=True)
    call, how = matrix_call(program, point)
    print(f"  the matrix method is called through {how}", flush=True)

    def sweep():
        values = blocksweep.forward(program, point)
        adjoints = blocksweep.backward(program, values, PARAMS)
        return blocksweep.input_adjoints(program, adjoints, PARAMS)

    contenders = [Contender(MATRIX, lambda: call),
                  Contender(NUMPY, lambda: lambda: numpy_backprop(**point)),
                  Contender(SWEEP, lambda: sweep, note="internal calls, for reference")]
    bench.contest(section, contenders, [("matrix method / numpy", MATRIX, NUMPY, "≤ 3"),
                                        ("block sweep alone / numpy", SWEEP, NUMPY, "")])
    _, text, ratio, *_ = bench.ratios[-2]
    print(f"  target: matrix method ≤ 3× numpy: {'holds' if ratio <= 3 else 'NOT MET'} "
          f"({ratio:.2f}×)", flush=True)
    agreement("matrix method vs numpy", call(), numpy_backprop(**point))


def scalar_path(n: int, m: int, k: int) -> None:
    batch = batch_point(n, m, k, 1)  # weights drawn the same way; one example, as vectors
    point = {"W1": batch["W1"], "x": batch["X"][0], "b1": batch["b1"], "W2": batch["W2"],
             "b2": batch["b2"], "t": batch["T"][0]}
    print(f"\n{n}-{m}-{k} sigmoid MLP, one example, through the scalar expansion "
          "(parse + expand + reverse gradient)", flush=True)
    plain = measure(point, trace=False)
    nodes = plain["nodes"]
    total = plain["parse_expand"] + plain["element_point"] + plain["gradient"]
    print(f"  {nodes:,} scalar nodes ({plain['inputs']:,} inputs); without tracemalloc: "
          f"parse + expand {plain['parse_expand']:.2f} s, element point "
          f"{plain['element_point']:.2f} s, reverse gradient {plain['gradient']:.2f} s, "
          f"total {total:.2f} s", flush=True)
    traced = measure(point, trace=True)
    per = traced["peak"] / nodes
    print(f"  tracemalloc peak: {per:.0f} B/node ({traced['peak'] / 2**20:.1f} MiB); the "
          f"expansion alone {traced['expand_peak'] / nodes:.0f} B/node; held when the "
          f"gradient starts {traced['held'] / nodes:.0f} B/node, the gradient's own peak "
          f"above it {traced['grad_extra'] / nodes:.0f} B/node", flush=True)
    print(f"  target ≤ 300 B/node: {'holds' if per <= 300 else 'NOT MET'}", flush=True)
    # the block path on the same parsed program (expansion_memory.SOURCE, W1 @ x: one example)
    block = REGISTRY["matrix"].run(plain["program"], PARAMS, point, False).gradient
    agreement("scalar expansion (reverse) vs the block path (matrix method)", plain["grad"],
              {p: np.asarray(block[p]) for p in PARAMS})
    print(f"  (and vs the numpy backprop of expansion_memory.py: "
          f"{worst(plain['grad'], _one_example_backprop(point)):.1e})", flush=True)


def _one_example_backprop(point: dict) -> dict:
    from expansion_memory import backprop

    return backprop(**point)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=784)
    ap.add_argument("--hidden", type=int, default=100)
    ap.add_argument("--outputs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--budget", type=float, default=20.0,
                    help="seconds of timed rounds for the block path (harness.py)")
    ap.add_argument("--rounds", type=int, default=101,
                    help="interleaved rounds of the block path (at most, within --budget)")
    ap.add_argument("--skip-scalar", action="store_true", help="the block path only")
    args = ap.parse_args()
    harness.MIN_ROUNDS = min(harness.MIN_ROUNDS, args.rounds)
    harness.MAX_ROUNDS = args.rounds  # a run takes milliseconds: more rounds than run.py's
    print(machine())
    print("numpy single-threaded (OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = 1, set before "
          "numpy is imported)")
    block_path(Bench(budget=args.budget), args.inputs, args.hidden, args.outputs, args.batch)
    if not args.skip_scalar:
        scalar_path(args.inputs, args.hidden, args.outputs)


if __name__ == "__main__":
    main()
