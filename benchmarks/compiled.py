"""The compiled tier (numba) against the pure-Python engine, in benchmarks/harness.py's style:
contenders interleaved round by round, each ratio the median of the per-round ratios.

    python3 benchmarks/compiled.py [--steps 100000] [--budget 20]

Sections: W1 (the logistic map, finite r = 3 and chaotic r = 4) repeated gradient, parsed once:
diffx.grad and the engine alone (forward + sweep) with the tier on and off, the kernel alone,
the plain-Python float loop (and jax.jit when installed); the one-time costs (compiling the
kernel into an empty cache, loading it from a warm one) in fresh processes; the size where the
kernel's call overhead breaks even; and the start-up of a small gradient from the CLI with this
checkout against another (``--before``, e.g. the main checkout).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers  # noqa: E402
from harness import Bench, Contender, engine_alone, forced_tier as tier  # noqa: E402

import diffx  # noqa: E402
from diffx import compiled  # noqa: E402

COMP, PY = "diffx.grad, compiled tier", "diffx.grad, pure-Python engine"
ENG_C, ENG_P = "engine alone, compiled tier", "engine alone, pure-Python engine"
KERNEL = "kernel alone (compiled.forward + sweep, float lists out)"
RAW = "kernel on arrays (forward + sweep, no lists)"
PLAIN = "plain Python forward, float literals (no gradient)"
JIT = "JAX jit, fori_loop (compile excluded)"


def points():
    counter = iter(range(10**9))
    return lambda: {"x": 0.3 + 1e-9 * next(counter)}


def kernel_alone(graph, new_point):
    def run():
        vals = compiled.forward(graph, new_point())
        adj = compiled.sweep(graph, vals, ("x",)) if vals is not None else None
        return adj[graph.input_nodes["x"]] if adj is not None else None
    return run


def kernel_raw(graph, new_point):
    """The two kernel calls on float64 arrays: what the machine code itself costs."""
    import numpy as np

    op, A, B, _ = compiled._arrays(graph)
    k, n, out = compiled.kernel(), len(op), graph.output

    def run():
        vals = compiled._leaves(graph, new_point(), (n,))
        k.forward(vals, op, A, B, out + 1)
        G = np.zeros(n)
        G[out] = 1.0
        active = np.zeros(n, dtype=np.uint8)
        active[graph.input_nodes["x"]] = 1
        k.sweep(vals, G, op, A, B, active, np.zeros(n, dtype=np.uint8), out)
        return float(G[graph.input_nodes["x"]])
    return run


def logistic(b: Bench, steps: int, r: int) -> None:
    kind = "chaotic, r = 4: the gradient overflows" if r == 4 else f"finite, r = {r}"
    section = f"W1 logistic map ({kind}), {steps:,} steps, repeated gradient"
    print(f"\n{section}", flush=True)
    graph = diffx.parse(peers.logistic_source(steps, r))
    contenders = [
        Contender(PLAIN, lambda: peers.make_A_plain(steps, r)),
        Contender(COMP, lambda: tier(True, lambda p=points(): diffx.grad(graph, at=p())["x"])),
        Contender(PY, lambda: tier(False, lambda p=points(): diffx.grad(graph, at=p())["x"])),
        Contender(ENG_C, lambda: tier(True, engine_alone(graph, ("x",), points()))),
        Contender(ENG_P, lambda: tier(False, engine_alone(graph, ("x",), points()))),
        Contender(KERNEL, lambda: kernel_alone(graph, points())),
        Contender(RAW, lambda: kernel_raw(graph, points())),
    ]
    if steps <= 100_000:
        contenders.append(Contender(JIT, lambda: peers.make_A_jax_rolled_jit(steps, r)))
    b.contest(section, contenders, [
        ("pure-Python grad / compiled grad", PY, COMP, ""),
        ("pure-Python engine / compiled engine", ENG_P, ENG_C, ""),
        ("compiled grad / plain Python forward", COMP, PLAIN, "issue 14: < 1"),
        ("compiled engine / plain Python forward", ENG_C, PLAIN, ""),
        ("kernel alone / plain Python forward", KERNEL, PLAIN, ""),
        ("kernel on arrays / plain Python forward", RAW, PLAIN, ""),
        ("compiled grad / JAX jit", COMP, JIT, "issue 14: ≤ 3"),
        ("kernel on arrays / JAX jit", RAW, JIT, ""),
    ])


def _fresh(code: str, env: dict[str, str]) -> float:
    """Seconds a fresh interpreter takes to run ``code`` (measured inside it)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, check=True)
    return float(out.stdout.split()[-1])


LOAD = ("import time, diffx, numpy as np; t = time.perf_counter(); from diffx import compiled; "
        "k = compiled.kernel(); v = np.zeros(3); o = np.zeros(3, np.uint8); "
        "A = np.zeros(3, np.int64); k.forward(v, o, A, A, 3); "
        "k.sweep(v, v.copy(), o, A, A, o.copy(), o.copy(), 2); "
        "print(time.perf_counter() - t)")
IMPORT_NUMBA = "import time; t = time.perf_counter(); import numba; print(time.perf_counter() - t)"


def one_time(b: Bench, runs: int) -> None:
    section = "one-time costs of the compiled tier (fresh processes)"
    print(f"\n{section}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        cold = _fresh(LOAD, {"DIFFX_CACHE_DIR": tmp})
        b.row(section, "compile the kernel into an empty cache (once per installation)",
              f"{cold:.2f} s")
        warm = sorted(_fresh(LOAD, {"DIFFX_CACHE_DIR": tmp}) for _ in range(runs))
        numba = sorted(_fresh(IMPORT_NUMBA, {}) for _ in range(runs))
    b.row(section, "load numba and the cached kernel (once per process)",
          f"{warm[runs // 2]:.2f} s (median of {runs}; {warm[0]:.2f}–{warm[-1]:.2f})")
    b.row(section, "of which import numba", f"{numba[runs // 2]:.2f} s (median of {runs})")
    graph = diffx.parse(peers.logistic_source(20_000, 3))
    per = b.contest(section + ": the pure-Python engine's cost per node", [
        Contender(ENG_P, lambda: tier(False, engine_alone(graph, ("x",), points())))], [])
    nodes = per[ENG_P] / (graph.output + 1)
    b.row(section, "load cost in pure-Python engine nodes (LOAD_NODES)",
          f"{warm[runs // 2] / nodes:,.0f} nodes (at {nodes * 1e9:.0f} ns per node)")


def break_even(b: Bench) -> None:
    """The kernel (loaded, lists out as the engine gives) against the pure-Python engine on
    small graphs: where its call overhead (array set-up, list conversion) is paid back."""
    compiled.kernel()
    for steps in (100, 300, 700, 3_000):
        section = f"break-even: W1 with {3 * steps + 3:,} nodes, kernel loaded"
        print(f"\n{section}", flush=True)
        graph = diffx.parse(peers.logistic_source(steps, 3))
        b.contest(section, [Contender(KERNEL, lambda g=graph: kernel_alone(g, points())),
                            Contender(ENG_P, lambda g=graph: tier(
                                False, engine_alone(g, ("x",), points())))],
                  [("pure-Python engine / kernel", ENG_P, KERNEL, "> 1 above MIN_NODES")])


def startup(b: Bench, before: str | None, runs: int) -> None:
    """``python3 -m diffx grad x^2 --at x=1`` from this checkout and from ``before``."""
    section = "start-up: python3 -m diffx grad x^2 --at x=1"
    print(f"\n{section}", flush=True)

    def cli(checkout: str):
        env = {**os.environ, "PYTHONPATH": checkout}
        cmd = [sys.executable, "-m", "diffx", "grad", "x^2", "--at", "x=1"]
        return lambda: subprocess.run(cmd, cwd=checkout, env=env, check=True,
                                      capture_output=True)

    contenders = [Contender("this checkout", lambda: cli(str(ROOT)))]
    if before:
        contenders.append(Contender("before (" + before + ")", lambda: cli(before)))
    contenders.append(Contender("python -c 'import sympy'", lambda: lambda: subprocess.run(
        [sys.executable, "-c", "import sympy"], check=True)))
    b.contest(section, contenders, [
        ("this checkout / before", "this checkout", "before (" + str(before) + ")", "≤ 1.0"),
        ("this checkout / import sympy", "this checkout", "python -c 'import sympy'", "")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--budget", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", default=None, help="another checkout, for start-up")
    parser.add_argument("--only", default="logistic,once,even,startup")
    args = parser.parse_args()
    only = set(args.only.split(","))
    b = Bench(budget=args.budget)
    if compiled.kernel() is None:
        sys.exit("numba is not installed: pip install -e '.[fast]'")
    if "once" in only:
        one_time(b, args.runs)
    if "logistic" in only:
        logistic(b, args.steps, 3)
        logistic(b, args.steps, 4)
    if "even" in only:
        break_even(b)
    if "startup" in only:
        startup(b, args.before, args.runs)


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"\n{time.perf_counter() - start:.0f} s in all")
