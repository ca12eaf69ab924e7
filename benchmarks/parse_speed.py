"""Parser speed and memory on the logistic map as a program (issue 14, parts 2 and 4).

For 10^5 and 10^6 nodes, with the statements separated by new lines and by ``;`` on one line:

- ``diffx.parse(text)``: microseconds per node;
- one-shot ``diffx.grad(text, at={"x": 0.3}, method="reverse")``: microseconds per node;
- the tracemalloc peak of that one-shot gradient, in bytes per node over the source text;
- the peer: CPython's ``compile()`` of the same program as Python source (float literals), and
  ``exec(compile(...))`` for the gradient's comparison;
- through the command line, in fresh processes: ``diffx grad -f FILE --method reverse --at
  x=0.3`` against ``exec(compile(...))`` of the same program as a Python file, timed from
  start to exit, and diffx's whole-process peak RSS (VmHWM, read by the child itself, the
  interpreter and imports included) in bytes per node.

Contenders are timed in interleaved rounds (the order rotated each round) and every ratio is
taken within a round; the median over the rounds is printed with the range. The compiled tier
(numba, diffx.compiled) is off unless ``--compiled`` is given: it loads itself once enough
nodes went through the process, which would change the engine half-way through the runs.

    python3 benchmarks/parse_speed.py [--rounds 3] [--sizes 100000,1000000] [--compiled]
                                      [--no-cli]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import diffx  # noqa: E402
from harness import CLI_PEAK, reported_peak  # noqa: E402
from peers import logistic_source  # noqa: E402

FORMS = {"new lines": "\n", "';' on one line": "; "}
R = 4  # the map's r (--r): 4 overflows, so the precision audit (finite gradients only) is
# skipped; 3 stays finite and the audit runs, with its own per-edge arrays


def programs(nodes: int, sep: str) -> tuple[str, str, int]:
    """(diffx text, Python text, node count): three nodes a step, plus x and the constants."""
    steps = -(-(nodes - 3) // 3)
    text = logistic_source(steps, R).replace("\n", sep)
    python = "x = 0.3\n" + logistic_source(steps, R, python=True).replace("\n", sep)
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


_CPYTHON = "import sys; p = sys.argv[1]; exec(compile(open(p).read(), p, 'exec'), {})"
ROOT = Path(__file__).resolve().parent.parent


def child(args: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS in bytes (0 when the child does not report it) of one fresh
    process, which must succeed; this checkout's diffx is the one imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=env, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args[:3]} failed ({done.returncode}): {done.stderr[-500:]}")
    return seconds, reported_peak(done.stderr)


def run_cli(nodes: int, form: str, rounds: int) -> None:
    """``diffx grad -f FILE --method reverse`` and ``exec(compile())`` in fresh processes,
    interleaved (the order alternated each round)."""
    text, python, n = programs(nodes, FORMS[form])
    with tempfile.TemporaryDirectory() as tmp:
        dx, py = Path(tmp) / "logistic.dx", Path(tmp) / "logistic.py"
        dx.write_text(text)
        py.write_text(python)
        runs: dict[str, list[tuple[float, int]]] = {"diffx": [], "python": []}
        commands = {"diffx": [sys.executable, "-c", CLI_PEAK, "grad", "-f", str(dx), "--method",
                              "reverse", "--at", "x=0.3"],
                    "python": [sys.executable, "-c", _CPYTHON, str(py)]}
        for r in range(rounds):
            for name in (["diffx", "python"] if r % 2 == 0 else ["python", "diffx"]):
                runs[name].append(child(commands[name]))
    seconds = [t for t, _ in runs["diffx"]]
    peaks = [p for _, p in runs["diffx"]]
    ratio = [d / p for (d, _), (p, _) in zip(runs["diffx"], runs["python"])]
    print(f"\n{n:,} nodes through the command line, statements separated by {form}, "
          f"{rounds} interleaved runs in fresh processes")
    print(f"  diffx grad --method reverse {summary(seconds)} s")
    print(f"  CPython exec(compile())     {summary([t for t, _ in runs['python']])} s")
    print(f"  diffx / exec(compile())     {summary(ratio)} (per run)")
    print(f"  diffx whole-process peak    {summary([p / 2**20 for p in peaks])} MiB = "
          f"{summary([p / n for p in peaks])} bytes/node (VmHWM: interpreter and imports "
          "included)")


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
    parser.add_argument("--no-cli", action="store_true",
                        help="leave out the command-line runs in fresh processes")
    parser.add_argument("--r", type=int, default=4, choices=(3, 4),
                        help="the map's r: 4 overflows (no precision audit), 3 stays finite")
    args = parser.parse_args()
    global R
    R = args.r
    if not args.compiled:
        os.environ["DIFFX_COMPILED"] = "0"  # read by diffx.compiled.worth_it on each call
    for nodes in (int(s) for s in args.sizes.split(",")):
        for form in FORMS:
            run(nodes, form, args.rounds)
    if not args.no_cli:
        for nodes in (int(s) for s in args.sizes.split(",")):
            for form in FORMS:
                run_cli(nodes, form, args.rounds)


if __name__ == "__main__":
    main()
