"""diffx against its peers, measured in one run: medians and ratios, never a single time.

    pip install -e ".[bench]"          # the peers: micrograd, torch==2.13.0, jax, autograd, ...
    python benchmarks/run.py           # every workload (peers that would take too long skip)
    python benchmarks/run.py --quick   # small sizes, a few minutes
    python benchmarks/run.py --write docs/performance.md

Workloads: the logistic map (l = 4 l (1 - l), three operations per step) at 10^3, 10^5 and
10^6 steps; a random DAG with 10 inputs; a 15-operation expression at 10^5 points; a
million-node program through the command line (time and peak memory, in a subprocess); and
start-up latency against `python -c "import sympy"`. Peers that are not installed are listed
as such. These machines are shared and noisy: every figure is a median of several runs, and
the claims are ratios between figures measured here, in this run.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers  # noqa: E402

import diffx  # noqa: E402

MAX_SECONDS = 120.0  # a peer predicted to take longer than this per run is skipped


class Bench:
    def __init__(self, max_seconds: float) -> None:
        self.max_seconds = max_seconds
        self.rows: list[tuple[str, str, str]] = []  # (section, label, text)
        self.times: dict[tuple[str, str], float] = {}
        self.ratios: list[tuple[str, str, float, str]] = []  # section, text, value, target
        self.notes: list[str] = []

    def measure(self, section: str, label: str, make: Callable[[], Callable[[], Any] | None],
                predicted: float | None = None, repeats: int | None = None,
                note: str = "") -> float | None:
        if predicted is not None and predicted > self.max_seconds:
            self._row(section, label, f"skipped: about {predicted:,.0f} s per run predicted "
                      f"(limit {self.max_seconds:g} s, --max-seconds)")
            return None
        fn = make()
        if fn is None:
            self._row(section, label, "not installed (pip install -e \".[bench]\")")
            return None
        gc.collect()
        start = time.perf_counter()
        fn()  # a first run, untimed: imports, caches, compilation
        first = time.perf_counter() - start
        if repeats is None:
            repeats = 15 if first < 0.05 else 7 if first < 1 else 3 if first < 20 else 1
        times = []
        for _ in range(repeats):
            gc.collect()
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        med = statistics.median(times)
        self.times[(section, label)] = med
        self._row(section, label, f"{_t(med)}  (median of {repeats}{'; ' + note if note else ''})")
        return med

    def _row(self, section: str, label: str, text: str) -> None:
        self.rows.append((section, label, text))
        print(f"  {label:<44} {text}", flush=True)

    def ratio(self, section: str, text: str, num: tuple[str, str], den: tuple[str, str],
              target: str = "") -> None:
        a, b = self.times.get(num), self.times.get(den)
        if a is None or b is None:
            return
        value = a / b
        self.ratios.append((section, text, value, target))
        print(f"  ratio: {text} = {value:.2f}{'  (target ' + target + ')' if target else ''}",
              flush=True)


def _t(s: float) -> str:
    from diffx.present.text import seconds

    return seconds(s)


# ---------------------------------------------------------------- workload A

def logistic(b: Bench, steps: int, slow: dict[str, float]) -> None:
    section = f"logistic map, {steps:,} steps ({3 * steps + 3:,} nodes)"
    print(f"\n{section}", flush=True)
    source = peers.logistic_source(steps)
    graph = diffx.parse(source)
    counter = iter(range(10**9))

    def new_point() -> dict[str, float]:
        return {"x": 0.3 + 1e-6 * next(counter)}

    b.measure(section, "plain Python forward (no gradient)", lambda: peers.make_A_plain(steps))
    b.measure(section, "central differences, plain Python", lambda: peers.make_A_central(steps))
    b.measure(section, "diffx forward (diffx.evaluate)",
              lambda: lambda: diffx.evaluate(graph, at=new_point()))
    b.measure(section, "diffx gradient, repeated (parsed once)",
              lambda: lambda: diffx.grad(graph, at=new_point()))
    b.measure(section, "diffx gradient, one shot (from source text)",
              lambda: lambda: diffx.grad(source, at={"x": 0.3}))

    def peer(label: str, key: str, make: Callable[[int], Any]) -> None:
        predicted = slow.get(key, 0.0) * steps if key in slow else None
        t = b.measure(section, label, lambda: make(steps), predicted)
        if t is not None:
            slow[key] = t / steps

    peer("micrograd (rebuilds its graph, gc on)", "micrograd", peers.make_A_micrograd)
    gc.disable()
    try:
        peer("micrograd (gc off while timed)", "micrograd-nogc", peers.make_A_micrograd)
    finally:
        gc.enable()
    peer("torch, scalar tensors", "torch", peers.make_A_torch)
    peer("HIPS autograd", "autograd", peers.make_A_autograd)
    peer("JAX eager", "jax", peers.make_A_jax_eager)
    if steps <= 100_000:
        b.measure(section, "JAX jit of a rolled loop (other program)",
                  lambda: peers.make_A_jax_rolled_jit(steps),
                  note="compile untimed; lax.fori_loop")
    key = lambda name: (section, name)  # noqa: E731
    rep, one = key("diffx gradient, repeated (parsed once)"), \
        key("diffx gradient, one shot (from source text)")
    target = steps == 100_000  # the targets are set at 10^5 steps (cheap gradient: and beyond)
    b.ratio(section, "micrograd / diffx repeated", key("micrograd (rebuilds its graph, gc on)"),
            rep, "≥ 20" if target else "")
    b.ratio(section, "micrograd with gc off / diffx repeated",
            key("micrograd (gc off while timed)"), rep)
    b.ratio(section, "diffx repeated / plain Python forward", rep,
            key("plain Python forward (no gradient)"), "≤ 10" if target else "")
    b.ratio(section, "micrograd / diffx one shot", key("micrograd (rebuilds its graph, gc on)"),
            one, "≥ 3" if target else "")
    b.ratio(section, "diffx gradient / diffx forward (cheap gradient)", rep,
            key("diffx forward (diffx.evaluate)"), "≤ 3" if steps >= 100_000 else "")
    b.ratio(section, "torch / diffx repeated", key("torch, scalar tensors"), rep)


# ---------------------------------------------------------------- workload B

def random_dag(b: Bench, ops: int) -> None:
    x, spec = peers.dag_spec(ops)
    source = peers.dag_source(spec, len(x))
    graph = diffx.parse(source)
    section = f"random DAG, {ops:,} operations, 10 inputs ({graph.size:,} diffx nodes)"
    print(f"\n{section}", flush=True)
    point = {f"x{i}": v for i, v in enumerate(x) if f"x{i}" in graph.input_nodes}
    b.measure(section, "plain Python forward (no gradient)", lambda: peers.make_B_plain(x, spec))
    b.measure(section, "diffx forward (diffx.evaluate)",
              lambda: lambda: diffx.evaluate(graph, at=point))
    b.measure(section, "diffx gradient, repeated (parsed once)",
              lambda: lambda: diffx.grad(graph, at=point))
    b.measure(section, "diffx gradient, one shot (from source text)",
              lambda: lambda: diffx.grad(source, at=point))
    b.measure(section, "micrograd (gc on)", lambda: peers.make_B_micrograd(x, spec))
    b.measure(section, "torch, scalar tensors", lambda: peers.make_B_torch(x, spec))
    b.measure(section, "HIPS autograd", lambda: peers.make_B_autograd(x, spec))
    key = lambda name: (section, name)  # noqa: E731
    rep = key("diffx gradient, repeated (parsed once)")
    b.ratio(section, "diffx gradient / diffx forward (cheap gradient)", rep,
            key("diffx forward (diffx.evaluate)"), "≤ 3")
    b.ratio(section, "micrograd / diffx repeated", key("micrograd (gc on)"), rep)
    b.ratio(section, "torch / diffx repeated", key("torch, scalar tensors"), rep)
    b.ratio(section, "diffx repeated / plain Python forward", rep,
            key("plain Python forward (no gradient)"))


# ---------------------------------------------------------------- workload C

def many_points(b: Bench, n: int) -> None:
    graph = diffx.parse(peers.C_SOURCE)
    section = f"a {graph.n_evaluated}-operation expression at {n:,} points"
    print(f"\n{section}", flush=True)
    x, y = peers.c_points(n)
    b.measure(section, "numpy forward (no gradient)", lambda: peers.make_C_numpy(n))
    b.measure(section, "diffx forward (diffx.evaluate)",
              lambda: lambda: diffx.evaluate(graph, at={"x": x, "y": y}))
    b.measure(section, "diffx reverse gradient", lambda: lambda: diffx.grad(graph,
                                                                            at={"x": x, "y": y}))
    b.measure(section, "sympy gradient, lambdified to numpy", lambda: peers.make_C_sympy(n),
              note="diff and lambdify untimed")
    b.measure(section, "sympy gradient, lambdified with cse=True",
              lambda: peers.make_C_sympy(n, cse=True))
    b.measure(section, "torch, vectorised", lambda: peers.make_C_torch(n))
    b.measure(section, "JAX jit", lambda: peers.make_C_jax_jit(n), note="compile untimed")
    b.measure(section, "HIPS autograd", lambda: peers.make_C_autograd(n))
    b.measure(section, "numdifftools (vectorised Richardson)",
              lambda: peers.make_C_numdifftools(n))
    key = lambda name: (section, name)  # noqa: E731
    b.ratio(section, "diffx gradient / sympy lambdified gradient",
            key("diffx reverse gradient"), key("sympy gradient, lambdified to numpy"), "≤ 2")
    b.ratio(section, "diffx gradient / diffx forward (cheap gradient)",
            key("diffx reverse gradient"), key("diffx forward (diffx.evaluate)"), "≤ 3")


# ---------------------------------------------------------------- million nodes, start-up

_PEAK = """
import sys
from diffx.cli import main
sys.argv = ["diffx", *sys.argv[1:]]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
with open("/proc/self/status") as fh:
    peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
print(f"peak-kib {peak}", file=sys.stderr)
sys.exit(code)
"""


def _child(args: list[str]) -> tuple[float, int, int]:
    """Wall time, peak RSS in bytes (read by the child itself: the kernel's rusage would count
    the parent's pages copied before exec) and exit status of one command."""
    start = time.perf_counter()
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    peak = 0
    for line in done.stderr.splitlines():
        if line.startswith("peak-kib "):
            peak = int(line.split()[1]) * 1024
    return seconds, peak, done.returncode


def million(b: Bench, sizes: list[int]) -> None:
    section = "a big program through the command line: diffx grad -f FILE --method reverse"
    print(f"\n{section}", flush=True)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for nodes in sizes:
            steps = -(-(nodes - 3) // 3)  # three nodes a step, plus x and the constants 4, 1
            path = Path(tmp) / f"logistic-{nodes}.dx"
            path.write_text(peers.logistic_source(steps))
            runs = [_child([sys.executable, "-c", _PEAK, "grad", "-f", str(path), "--method",
                            "reverse", "--at", "x=0.3"]) for _ in range(3)]
            if any(r[2] != 0 for r in runs):
                b._row(section, f"{3 * steps + 3:,} nodes", "failed")
                continue
            t = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            total = 3 * steps + 3
            results[nodes] = t
            b.times[(section, f"{nodes:,}")] = t
            b._row(section, f"{total:,} nodes", f"{_t(t)} (median of 3), peak RSS "
                   f"{peak / 2**20:,.0f} MiB = {peak / total:,.0f} bytes per node "
                   "(the whole process, interpreter included)")
            if total >= 10**6:
                b.ratios.append((section, "peak bytes per node at 10^6 nodes", peak / total,
                                 "≤ 300"))
    if len(sizes) >= 2 and sizes[0] in results and sizes[-1] in results:
        value = results[sizes[-1]] / results[sizes[0]]
        scale = sizes[-1] / sizes[0]
        b.ratios.append((section, f"time at {sizes[-1]:,} / at {sizes[0]:,} nodes", value,
                         f"≤ {1.2 * scale:g}"))
        print(f"  ratio: time at {sizes[-1]:,} / at {sizes[0]:,} nodes = {value:.2f} "
              f"(target ≤ {1.2 * scale:g})", flush=True)


def startup(b: Bench, runs: int = 9) -> None:
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
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(runs):  # interleaved, so that noise hits every command alike
        for label, args in cmds.items():
            times[label].append(_child(args)[0])
    for label, ts in times.items():
        med = statistics.median(ts)
        b.times[(section, label)] = med
        b._row(section, label, f"{_t(med)} (median of {runs})")
    base = (section, "python -c 'import sympy'")
    keys = list(cmds)
    b.ratio(section, "reverse only / import sympy", (section, keys[1]), base, "≤ 1.0")
    b.ratio(section, "all three methods / import sympy", (section, keys[2]), base, "≤ 1.8")


# ---------------------------------------------------------------- report

def machine() -> str:
    versions = []
    for module in ("numpy", "sympy", "torch", "jax", "autograd", "micrograd", "numdifftools"):
        try:
            from importlib.metadata import version

            versions.append(f"{module} {version(module)}")
        except Exception:  # not installed
            pass
    return (f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}, Python "
            f"{platform.python_version()}; diffx {diffx.__version__}; " + ", ".join(versions))


def markdown(b: Bench, command: str) -> str:
    lines = [f"## Measured {time.strftime('%Y-%m-%d')}", "",
             f"`{command}` on {machine()}. Medians; ratios are between figures of this run.",
             ""]
    section = None
    for sec, label, text in b.rows:
        if sec != section:
            section = sec
            lines += ["", f"### {sec}", "", "| what | time |", "| --- | --- |"]
        lines.append(f"| {label} | {text} |")
    lines += ["", "### Ratios", "", "| workload | ratio | measured | target |",
              "| --- | --- | --- | --- |"]
    for sec, text, value, target in b.ratios:
        shown = f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
        lines.append(f"| {sec} | {text} | {shown} | {target or '—'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--only", default="logistic,dag,points,million,startup",
                        help="comma-separated workloads")
    parser.add_argument("--max-seconds", type=float, default=MAX_SECONDS,
                        help="skip a peer predicted to take longer than this per run")
    parser.add_argument("--write", type=Path, help="replace the measured section of this "
                        "markdown file (docs/performance.md)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    b = Bench(args.max_seconds)
    print(machine())
    slow: dict[str, float] = {}
    if "logistic" in only:
        for steps in ((1_000, 10_000) if args.quick else (1_000, 100_000, 1_000_000)):
            logistic(b, steps, slow)
    if "dag" in only:
        random_dag(b, 10_000 if args.quick else 100_000)
    if "points" in only:
        many_points(b, 10_000 if args.quick else 100_000)
    if "million" in only:
        million(b, [10**4, 10**5] if args.quick else [10**5, 10**6])
    if "startup" in only:
        startup(b)
    if args.write:
        command = "python benchmarks/run.py" + (" --quick" if args.quick else "") + (
            f" --only {args.only}" if args.only != parser.get_default("only") else "")
        text = args.write.read_text() if args.write.exists() else ""
        marker = "<!-- measured: everything below is written by benchmarks/run.py -->"
        head = text.split(marker)[0].rstrip() + "\n\n" if marker in text else text
        args.write.write_text(head + marker + "\n\n" + markdown(b, command))
        print(f"\nwrote {args.write}")


if __name__ == "__main__":
    main()
