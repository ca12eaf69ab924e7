"""diffx against its peers in one run: interleaved rounds, medians of per-round ratios.

    pip install -e ".[bench,fast]"     # the peers: micrograd, torch==2.13.0, jax, autograd, ...; numba
    python benchmarks/run.py           # every workload (peers that would take too long skip)
    python benchmarks/run.py --quick   # small sizes, a few minutes
    python benchmarks/run.py --write docs/performance.md
    python benchmarks/run.py --only startup,million   # workloads by name; these need no peer

The peers are needed only by the workloads that compare with them: a plain `pip install -e .`
runs `--only startup,million` (and the others, with their absent peers skipped and said so).
The pure-Python rows run with `DIFFX_COMPILED=0`, which keeps every pass out of the kernel even
after the compiled contenders have loaded it.

Workloads: the logistic map l = r l (1 - l) (three operations per step) at 10^3, 10^5 and
10^6 steps, chaotic (r = 4, the derivative overflows) and finite (r = 3, x = 0.3, at 10^5
steps, so that the derivatives compared are numbers); a random DAG with 10 inputs whose output
is the sum of its sinks (every node live); a 15-operation expression at 10^5 points; a
million-node program through the command line against CPython running the same program (time
and peak memory, in subprocesses); the compiled tier's one-time costs; and start-up latency
against `python -c "import sympy"`. diffx is timed with its pure-Python engine and, where
numba is installed (`diffx[fast]`), with its compiled tier, loaded in the untimed first run.

Within a workload the contenders are interleaved round by round (harness.py) and each ratio is
the median of the ratios taken within each round. Peers that are not installed, or predicted
to take longer than --max-seconds per run, are skipped with the reason printed. torch runs on
one thread, like numpy and diffx.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers  # noqa: E402
import peers_points  # noqa: E402
from harness import (CLI_PEAK, MAX_SECONDS, ROUND_BUDGET, Bench, Contender,  # noqa: E402
                     _t, engine_alone, forced_tier, machine, markdown, reported_peak)

import diffx  # noqa: E402

# ---------------------------------------------------------------- workload A

PLAIN, REP, ONE, FWD = ("plain Python forward, float literals (no gradient)",
                        "diffx gradient, repeated (parsed once)",
                        "diffx gradient, one shot (from source text)",
                        "diffx forward (diffx.evaluate)")
ENGINE = "diffx engine alone: forward + sweep, no audit or warnings"
# the compiled tier (diffx[fast], numba): loaded in the untimed first run, its one-time cost
# shown apart (section "the compiled tier's one-time costs"); the pure-Python contenders run
# with the tier off, so that loading it during the run cannot change what they measure
REP_C, ONE_C, FWD_C = (f"{REP}, compiled tier", f"{ONE}, compiled tier",
                       f"{FWD}, compiled tier")
MG_ON, MG_OFF = "micrograd, gc on", "micrograd, gc off"
JIT, JIT_C = "JAX jit, fori_loop (compile excluded)", "JAX jit, fori_loop (compile included)"


def tier(on: bool, make):
    """``make`` (a contender's maker) whose runner has the compiled tier forced on or off."""
    return lambda: forced_tier(on, make())


def logistic(b: Bench, steps: int, r: int, slow: dict[str, float]) -> None:
    kind = "chaotic, r = 4" if r == 4 else f"finite, r = {r}"
    section = f"logistic map ({kind}, x = 0.3), {steps:,} steps ({3 * steps + 3:,} nodes)"
    print(f"\n{section}", flush=True)
    source = peers.logistic_source(steps, r)
    graph = diffx.parse(source)

    def new_points():  # 0.3 at the first (untimed) run, whose result is shown; then new points
        counter = iter(range(10**9))
        return lambda: {"x": 0.3 + 1e-9 * next(counter)}

    def peer(label: str, make, gc_off: bool = False, note: str = "") -> Contender:
        key = label  # the cost per step does not depend on r
        return Contender(label, lambda: make(steps, r), slow[key] * steps if key in slow
                         else None, gc_off, note)

    contenders = [
        Contender(PLAIN, lambda: peers.make_A_plain(steps, r)),
        Contender("central differences, plain Python", lambda: peers.make_A_central(steps, r)),
        Contender(FWD, tier(False, lambda: _at(lambda at: diffx.evaluate(graph, at=at),
                                               new_points()))),
        Contender(REP, tier(False, lambda: _at(lambda at: diffx.grad(graph, at=at)["x"],
                                               new_points()))),
        Contender(ENGINE, tier(False, lambda: engine_alone(graph, ("x",), new_points())),
                  note="internal calls, for reference"),
        Contender(ONE, tier(False, lambda: lambda: diffx.grad(source, at={"x": 0.3})["x"])),
        Contender(FWD_C, tier(True, lambda: _at(lambda at: diffx.evaluate(graph, at=at),
                                                new_points()))),
        Contender(REP_C, tier(True, lambda: _at(lambda at: diffx.grad(graph, at=at)["x"],
                                                new_points()))),
        Contender(ONE_C, tier(True, lambda: lambda: diffx.grad(source, at={"x": 0.3})["x"])),
        peer(MG_ON, peers.make_A_micrograd),
        peer(MG_OFF, peers.make_A_micrograd, gc_off=True),
        peer("torch, scalar tensors", peers.make_A_torch),
        peer("HIPS autograd", peers.make_A_autograd),
        peer("JAX eager", peers.make_A_jax_eager),
    ]
    if steps <= 100_000:
        contenders += [
            Contender(JIT, lambda: peers.make_A_jax_rolled_jit(steps, r),
                      note="lax.fori_loop, another program"),
            Contender(JIT_C, lambda: peers.make_A_jax_rolled_jit_compiled(steps, r),
                      note="traced and compiled every call"),
        ]
    target = steps == 100_000  # the targets are set at 10^5 steps (cheap gradient: and beyond)
    t = lambda text: text if target else ""  # noqa: E731
    medians = b.contest(section, contenders, [
        ("micrograd gc on / diffx repeated", MG_ON, REP, t("≥ 20")),
        ("micrograd gc off / diffx repeated", MG_OFF, REP, ""),
        ("diffx repeated / plain Python forward (float literals)", REP, PLAIN, t("≤ 10")),
        ("diffx repeated, compiled / plain Python forward (float literals)", REP_C, PLAIN,
         t("issue 14: < 1")),
        ("micrograd gc on / diffx one shot", MG_ON, ONE, t("≥ 3")),
        ("micrograd gc off / diffx one shot", MG_OFF, ONE, ""),
        ("micrograd gc off / diffx one shot, compiled", MG_OFF, ONE_C, t("issue 14: ≥ 3")),
        ("diffx gradient / diffx forward (cheap gradient)", REP, FWD,
         "≤ 3" if steps >= 100_000 else ""),
        ("diffx gradient / diffx forward, both compiled", REP_C, FWD_C, ""),
        ("diffx engine alone / diffx forward", ENGINE, FWD, ""),
        ("diffx repeated / diffx repeated, compiled", REP, REP_C, ""),
        ("torch / diffx repeated", "torch, scalar tensors", REP, ""),
        ("diffx repeated, compiled / JAX jit, compile excluded", REP_C, JIT,
         t("issue 14: ≤ 3")),
        ("JAX jit, compile included / diffx one shot, compiled", JIT_C, ONE_C,
         t("issue 14: ≥ 1")),
    ])
    for c in contenders:
        if c.label in medians and c.label not in (PLAIN, REP, ONE, FWD, REP_C, ONE_C, FWD_C):
            slow[c.label] = medians[c.label] / steps


def _at(fn, new_point):
    return lambda: fn(new_point())


# ---------------------------------------------------------------- workload B

def random_dag(b: Bench, ops: int) -> None:
    x, spec = peers.dag_spec(ops)
    source = peers.dag_source(spec, len(x))
    graph = diffx.parse(source)
    sinks = len(peers.dag_sinks(spec, len(x)))
    section = (f"random DAG, {ops:,} operations, 10 inputs, output = sum of its {sinks:,} sinks "
               f"({graph.size:,} diffx nodes)")
    print(f"\n{section}", flush=True)
    point = {f"x{i}": v for i, v in enumerate(x) if f"x{i}" in graph.input_nodes}
    b.contest(section, [
        Contender(PLAIN.replace(", float literals", ""), lambda: peers.make_B_plain(x, spec)),
        Contender(FWD, tier(False, lambda: lambda: diffx.evaluate(graph, at=point))),
        Contender(REP, tier(False, lambda: lambda: diffx.grad(graph, at=point)["x0"])),
        Contender(ONE, tier(False, lambda: lambda: diffx.grad(source, at=point)["x0"])),
        Contender(ENGINE, tier(False, lambda: engine_alone(graph, tuple(point), lambda: point)),
                  note="internal calls, for reference"),
        Contender(FWD_C, tier(True, lambda: lambda: diffx.evaluate(graph, at=point))),
        Contender(REP_C, tier(True, lambda: lambda: diffx.grad(graph, at=point)["x0"])),
        Contender(MG_ON, lambda: peers.make_B_micrograd(x, spec)),
        Contender(MG_OFF, lambda: peers.make_B_micrograd(x, spec), gc_off=True),
        Contender("torch, scalar tensors", lambda: peers.make_B_torch(x, spec)),
        Contender("HIPS autograd", lambda: peers.make_B_autograd(x, spec)),
    ], [
        ("diffx gradient / diffx forward (cheap gradient)", REP, FWD, "≤ 3"),
        ("diffx gradient / diffx forward, both compiled", REP_C, FWD_C, "issue 14: ≤ 3"),
        ("diffx engine alone / diffx forward", ENGINE, FWD, ""),
        ("micrograd gc on / diffx repeated", MG_ON, REP, ""),
        ("micrograd gc off / diffx repeated", MG_OFF, REP, ""),
        ("micrograd gc off / diffx repeated, compiled", MG_OFF, REP_C, "issue 14: ≥ 20"),
        ("torch / diffx repeated", "torch, scalar tensors", REP, ""),
        ("diffx repeated / plain Python forward", REP, "plain Python forward (no gradient)", ""),
    ])


# ---------------------------------------------------------------- workload C

def many_points(b: Bench, n: int) -> None:
    graph = diffx.parse(peers_points.C_SOURCE)
    section = f"a {graph.n_evaluated}-operation expression at {n:,} points"
    print(f"\n{section}", flush=True)
    x, y = peers_points.c_points(n)
    at = {"x": x, "y": y}
    grad, grad_c = "diffx reverse gradient", "diffx reverse gradient, compiled tier"
    b.contest(section, [
        Contender("numpy forward (no gradient)", lambda: peers_points.make_C_numpy(n)),
        Contender(FWD, tier(False, lambda: lambda: diffx.evaluate(graph, at=at))),
        Contender(grad, tier(False, lambda: lambda: diffx.grad(graph, at=at))),
        # the tier (loaded in the untimed first run) runs the value audit's recurrence
        Contender(grad_c, tier(True, lambda: lambda: diffx.grad(graph, at=at))),
        Contender("sympy gradient, lambdified to numpy", lambda: peers_points.make_C_sympy(n),
                  note="diff and lambdify untimed"),
        Contender("sympy gradient, lambdified with cse=True",
                  lambda: peers_points.make_C_sympy(n, cse=True)),
        Contender("torch, vectorised (1 thread)", lambda: peers_points.make_C_torch(n)),
        Contender("JAX jit (compile excluded)", lambda: peers_points.make_C_jax_jit(n)),
        Contender("JAX jit (compile included)", lambda: peers_points.make_C_jax_jit_compiled(n)),
        Contender("HIPS autograd", lambda: peers_points.make_C_autograd(n)),
        Contender("numdifftools (vectorised Richardson)", lambda: peers_points.make_C_numdifftools(n)),
    ], [
        ("diffx gradient / sympy lambdified gradient", "diffx reverse gradient",
         "sympy gradient, lambdified to numpy", "≤ 2"),
        ("diffx gradient / diffx forward (cheap gradient)", "diffx reverse gradient", FWD,
         "≤ 3"),
        ("diffx gradient, compiled tier / sympy lambdified gradient", grad_c,
         "sympy gradient, lambdified to numpy", ""),
        ("diffx gradient, compiled tier / diffx forward", grad_c, FWD, ""),
        ("diffx gradient / torch vectorised (1 thread)", "diffx reverse gradient",
         "torch, vectorised (1 thread)", ""),
    ])


# ---------------------------------------------------------------- million nodes, start-up

_CPYTHON = "import sys; p = sys.argv[1]; exec(compile(open(p).read(), p, 'exec'), {'x': 0.3})"


def _child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Wall time, peak RSS in bytes (read by the child itself: the kernel's rusage would count
    the parent's pages copied before exec) and exit status of one command."""
    start = time.perf_counter()
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=env)
    seconds = time.perf_counter() - start
    return seconds, reported_peak(done.stderr), done.returncode


def million(b: Bench, sizes: list[int], runs: int = 3) -> None:
    section = ("a big program through the command line: diffx grad -f FILE --method reverse, "
               "against CPython compiling and running the same program (exec(compile(...)))")
    print(f"\n{section}", flush=True)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for nodes in sizes:
            steps = -(-(nodes - 3) // 3)  # three nodes a step, plus x and the constants 4, 1
            total = 3 * steps + 3
            path = Path(tmp) / f"logistic-{nodes}.dx"
            path.write_text(peers.logistic_source(steps))
            pysrc = Path(tmp) / f"logistic-{nodes}.py"
            pysrc.write_text(peers.logistic_source(steps, python=True))
            dx, py = [], []
            for _ in range(runs):  # interleaved
                dx.append(_child([sys.executable, "-c", CLI_PEAK, "grad", "-f", str(path),
                                  "--method", "reverse", "--at", "x=0.3"]))
                py.append(_child([sys.executable, "-c", _CPYTHON, str(pysrc)]))
            if any(r[2] != 0 for r in dx + py):
                b.row(section, f"{total:,} nodes", "failed")
                continue
            t = statistics.median(r[0] for r in dx)
            peak = max(r[1] for r in dx)
            results[nodes] = [r[0] for r in dx]
            b.times[(section, f"{nodes:,}")] = t
            b.row(section, f"diffx, {total:,} nodes", f"{_t(t)} (median of {runs} interleaved "
                  f"runs), peak RSS {peak / 2**20:,.0f} MiB = {peak / total:,.0f} bytes per "
                  "node (the whole process, interpreter included)")
            b.row(section, f"CPython exec(compile(...)), {total:,} nodes (no gradient)",
                  f"{_t(statistics.median(r[0] for r in py))} (median of {runs} interleaved "
                  "runs)")
            b.per_round_ratio(section, f"diffx / CPython exec(compile(...)) at {total:,} nodes",
                              [r[0] for r in dx], [r[0] for r in py],
                              "issue 14: ≤ 0.2" if total >= 10**6 else "")
            if total >= 10**6:
                b.ratios.append((section, "peak bytes per node at 10^6 nodes", peak / total,
                                 "≤ 300 (issue 14: ≤ 150)", peak / total, peak / total, 1))
                # r = 3: the gradient stays finite, so the value and precision audits run
                path.write_text(peers.logistic_source(steps, r=3))
                r3 = [_child([sys.executable, "-c", CLI_PEAK, "grad", "-f", str(path),
                              "--method", "reverse", "--at", "x=0.3"]) for _ in range(runs)]
                if all(r[2] == 0 for r in r3):
                    peak3 = max(r[1] for r in r3)
                    b.row(section, f"diffx, {total:,} nodes, r = 3 (audited)",
                          f"{_t(statistics.median(r[0] for r in r3))} (median of {runs} runs), "
                          f"peak RSS {peak3 / 2**20:,.0f} MiB = {peak3 / total:,.0f} bytes per "
                          "node")
                    b.ratios.append((section, "peak bytes per node at 10^6 nodes, r = 3",
                                     peak3 / total, "issue 14: ≤ 150", peak3 / total,
                                     peak3 / total, 1))
    if len(sizes) >= 2 and sizes[0] in results and sizes[-1] in results:
        scale = sizes[-1] / sizes[0]
        b.per_round_ratio(section, f"time at {sizes[-1]:,} / at {sizes[0]:,} nodes",
                          results[sizes[-1]], results[sizes[0]],
                          f"≤ {1.2 * scale:g} (issue 14: ≤ {1.1 * scale:g})")


_WARM = "import time, diffx.compiled as c; t = time.perf_counter(); c.warm(); " \
        "print(time.perf_counter() - t)"


def tier_costs(b: Bench, cold: bool, runs: int = 3) -> None:
    """The compiled tier's one-time costs, in fresh processes: loading numba and the cached
    kernel (once per process), and compiling the kernel into an empty cache (once per
    installation)."""
    section = "the compiled tier's one-time costs (fresh processes; not in the ratios above)"
    print(f"\n{section}", flush=True)
    loads = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", _WARM], capture_output=True, text=True)
        if done.returncode != 0:
            b.row(section, "loading numba and the kernel", "failed: " +
                  done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")
            return
        loads.append(float(done.stdout.split()[-1]))
    b.row(section, "loading numba and the cached kernel, once per process",
          f"{_t(statistics.median(loads))} (median of {runs} runs)")
    if cold:
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([sys.executable, "-c", _WARM], capture_output=True, text=True,
                                  env={**os.environ, "DIFFX_CACHE_DIR": tmp})
        if done.returncode == 0:
            b.row(section, "compiling the kernel into an empty cache, once per installation",
                  _t(float(done.stdout.split()[-1])))


def startup(b: Bench, runs: int = 9) -> None:
    """Start-up as an installation has it: Python's bytecode cache kept (here in a temporary
    PYTHONPYCACHEPREFIX, filled by an untimed first run), so that neither sympy nor diffx is
    compiled from source on every run. Where the environment sets PYTHONDONTWRITEBYTECODE
    (this project's machines do), the reverse command is also timed that way: every run then
    compiles diffx's source, while sympy's installed bytecode is still read."""
    section = "start-up: a newcomer's command against `python -c \"import sympy\"`"
    print(f"\n{section}", flush=True)
    cmds = {
        "python -c 'import sympy'": [sys.executable, "-c", "import sympy"],
        "diffx grad 'a*(a+b)' --at a=4,b=3 --method reverse":
            [sys.executable, "-m", "diffx", "grad", "a*(a+b)", "--at", "a=4,b=3", "--method",
             "reverse"],
        "diffx grad 'a*(a+b)' --at a=4,b=3 (all three methods)":
            [sys.executable, "-m", "diffx", "grad", "a*(a+b)", "--at", "a=4,b=3"],
    }
    no_cache = os.environ.get("PYTHONDONTWRITEBYTECODE")
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for args in cmds.values():  # untimed: fills the bytecode cache
            subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times: dict[str, list[float]] = {k: [] for k in cmds}
        uncached: list[float] = []
        for _ in range(runs):  # interleaved, so that noise hits every command alike
            for label, args in cmds.items():
                times[label].append(_child(args, env)[0])
            if no_cache:
                uncached.append(_child(cmds[REVERSE_CMD])[0])
    for label, ts in times.items():
        b.times[(section, label)] = statistics.median(ts)
        b.row(section, label, f"{_t(statistics.median(ts))} (median of {runs} interleaved runs, "
              "bytecode cached)")
    base, reverse, every = list(times.values())
    b.per_round_ratio(section, "reverse only / import sympy", reverse, base, "≤ 1.0")
    b.per_round_ratio(section, "all three methods / import sympy", every, base, "≤ 1.8")
    if no_cache:
        b.row(section, f"{REVERSE_CMD}, PYTHONDONTWRITEBYTECODE set (diffx compiled from "
              "source every run)", f"{_t(statistics.median(uncached))} (median of {runs})")
        b.per_round_ratio(section, "reverse only without bytecode cache / import sympy",
                          uncached, base, "")


REVERSE_CMD = "diffx grad 'a*(a+b)' --at a=4,b=3 --method reverse"


# ---------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--only", default="logistic,finite,dag,points,million,tier,startup",
                        help="comma-separated workloads")
    parser.add_argument("--max-seconds", type=float, default=MAX_SECONDS,
                        help="skip a contender predicted to take longer than this per run")
    parser.add_argument("--budget", type=float, default=ROUND_BUDGET,
                        help="seconds of timed rounds per workload (3 to 15 rounds)")
    parser.add_argument("--write", type=Path, help="replace the measured section of this "
                        "markdown file (docs/performance.md)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    b = Bench(args.max_seconds, args.budget)
    print(machine())
    print("ratios: median of the per-round ratios of contenders timed interleaved")
    slow: dict[str, float] = {}
    if "logistic" in only or "finite" in only:
        sizes = (1_000, 10_000) if args.quick else (1_000, 100_000, 1_000_000)
        for steps in sizes:
            if "logistic" in only:
                logistic(b, steps, 4, slow)
            if "finite" in only and steps == sizes[1]:
                logistic(b, steps, 3, slow)
    if "dag" in only:
        random_dag(b, 10_000 if args.quick else 100_000)
    if "points" in only:
        many_points(b, 10_000 if args.quick else 100_000)
    if "million" in only:
        million(b, [10**4, 10**5] if args.quick else [10**5, 10**6])
    if "tier" in only:
        tier_costs(b, cold=not args.quick)
    if "startup" in only:
        startup(b)
    if args.write:
        command = "python benchmarks/run.py" + (" --quick" if args.quick else "") + (
            f" --only {args.only}" if args.only != parser.get_default("only") else "") + (
            f" --max-seconds {args.max_seconds:g}" if args.max_seconds != MAX_SECONDS else "")
        text = args.write.read_text() if args.write.exists() else ""
        marker = "<!-- measured: everything below is written by benchmarks/run.py -->"
        head = text.split(marker)[0].rstrip() + "\n\n" if marker in text else text
        args.write.write_text(head + marker + "\n\n" + markdown(b, command))
        print(f"\nwrote {args.write}")


if __name__ == "__main__":
    main()
