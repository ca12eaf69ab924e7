"""The timing harness of benchmarks/run.py: contenders interleaved, ratios taken per round.

A *contest* times several contenders on one workload. Each is run once untimed (imports,
caches, compilation), then every contender is timed once per round, the order rotated from
round to round, so that the drift of a shared machine hits all of them alike. A ratio between
two contenders is taken within each round and the median of those per-round ratios is reported
(with their range), never a ratio of two medians measured at different times.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import diffx

MAX_SECONDS = 30.0  # a contender predicted to take longer than this per run is skipped
ROUND_BUDGET = 20.0  # seconds of timed rounds a contest aims at (at least MIN_ROUNDS rounds)
MIN_ROUNDS, MAX_ROUNDS = 3, 15


# ``python -c CLI_PEAK ARGS``: diffx's command line in a fresh process, which then writes its
# own peak RSS to stderr (read by the child itself: the parent's rusage would count the pages
# it had before exec); :func:`reported_peak` reads it back
CLI_PEAK = """
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


def reported_peak(stderr: str) -> int:
    """The peak RSS in bytes a ``CLI_PEAK`` child wrote to its stderr (0 when it did not)."""
    return next((int(line.split()[1]) * 1024 for line in stderr.splitlines()
                 if line.startswith("peak-kib ")), 0)


def forced_tier(on: bool, fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run with diffx's compiled tier forced on or off (``DIFFX_COMPILED``)."""
    def run() -> Any:
        os.environ["DIFFX_COMPILED"] = "1" if on else "0"
        try:
            return fn()
        finally:
            del os.environ["DIFFX_COMPILED"]
    return run


def engine_alone(graph: Any, wrt: tuple[str, ...], new_point: Callable[[], Any]
                 ) -> Callable[[], Any]:
    """The forward pass and reverse sweep as diffx.grad runs them, without the precision audit,
    the warnings and the result object: what the engine itself costs (d/d wrt[0] returned)."""
    from diffx import evaluation

    def run() -> Any:
        vals, ns = evaluation.evaluate(graph, new_point(), False)
        adj, _ = evaluation.sweep(graph, vals, wrt, ns, False)
        return adj[graph.input_nodes[wrt[0]]]
    return run


@dataclass
class Contender:
    label: str
    make: Callable[[], Callable[[], Any] | None]  # None: the peer is not installed
    predicted: float | None = None  # seconds per run expected, from a smaller size
    gc_off: bool = False  # the cyclic garbage collector is disabled while it runs
    note: str = ""


@dataclass
class _Live:
    c: Contender
    fn: Callable[[], Any]
    first: float
    value: Any
    times: list[float]


def _without_gc(fn: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        gc.disable()
        try:
            return fn()
        finally:
            gc.enable()

    return run


def shown_value(value: Any) -> str:
    """What a contender's first run returned (at x = 0.3: a derivative, or the value for a
    forward pass; the first input's derivative for the DAG), so that the numbers compared can
    be seen to agree."""
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    return f"; returned {value:.10g}"


class Bench:
    def __init__(self, max_seconds: float = MAX_SECONDS, budget: float = ROUND_BUDGET) -> None:
        self.max_seconds = max_seconds
        self.budget = budget
        self.rows: list[tuple[str, str, str]] = []  # (section, label, text)
        self.times: dict[tuple[str, str], float] = {}
        # section, text, median of per-round ratios, target, low, high, rounds
        self.ratios: list[tuple[str, str, float, str, float, float, int]] = []

    def row(self, section: str, label: str, text: str) -> None:
        self.rows.append((section, label, text))
        print(f"  {label:<52} {text}", flush=True)

    def contest(self, section: str, contenders: list[Contender],
                ratios: list[tuple[str, str, str, str]]) -> dict[str, float]:
        """Time the contenders interleaved; ratios are (text, numerator label, denominator
        label, target). Returns the median time of each contender that ran."""
        live: list[_Live] = []
        for c in contenders:
            if c.predicted is not None and c.predicted > self.max_seconds:
                self.row(section, c.label, f"skipped: about {c.predicted:,.0f} s per run "
                         f"predicted from the smaller size (limit {self.max_seconds:g} s, "
                         "--max-seconds)")
                continue
            try:
                fn = c.make()
            except Exception as exc:  # a peer that is installed but cannot run here
                self.row(section, c.label, f"skipped: {type(exc).__name__}: {exc}")
                continue
            if fn is None:
                self.row(section, c.label, "skipped: not installed in this Python "
                         "(pip install -e \".[bench]\")")
                continue
            if c.gc_off:
                fn = _without_gc(fn)
            gc.collect()
            start = time.perf_counter()
            value = fn()  # untimed: imports, caches, compilation
            live.append(_Live(c, fn, time.perf_counter() - start, value, []))
        if not live:
            return {}
        round_time = sum(item.first for item in live)
        rounds = max(MIN_ROUNDS, min(MAX_ROUNDS, int(self.budget / max(round_time, 1e-9))))
        for r in range(rounds):
            k = r % len(live)
            for item in live[k:] + live[:k]:  # rotated, so no contender always runs first
                gc.collect()
                start = time.perf_counter()
                item.fn()
                item.times.append(time.perf_counter() - start)
        medians = {}
        for item in live:
            med = statistics.median(item.times)
            medians[item.c.label] = med
            self.times[(section, item.c.label)] = med
            note = "; " + item.c.note if item.c.note else ""
            self.row(section, item.c.label, f"{_t(med)}  (median of {rounds} interleaved "
                     f"rounds{note}{shown_value(item.value)})")
        by_label = {item.c.label: item.times for item in live}
        for text, num, den, target in ratios:
            if num in by_label and den in by_label:
                self.per_round_ratio(section, text, by_label[num], by_label[den], target)
        return medians

    def per_round_ratio(self, section: str, text: str, nums: list[float], dens: list[float],
                        target: str = "") -> None:
        per = [a / b for a, b in zip(nums, dens)]
        value = statistics.median(per)
        self.ratios.append((section, text, value, target, min(per), max(per), len(per)))
        print(f"  ratio: {text} = {_r(value)} (median of {len(per)} per-round ratios, "
              f"{_r(min(per))}–{_r(max(per))})"
              f"{'  target ' + target if target else ''}", flush=True)


def _t(s: float) -> str:
    from diffx.present.text import seconds

    return seconds(s)


def _r(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


def machine() -> str:
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for module in ("numpy", "sympy", "torch", "jax", "autograd", "micrograd", "numdifftools"):
        try:
            versions.append(f"{module} {version(module)}")
        except PackageNotFoundError:
            pass
    return (f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}, Python "
            f"{platform.python_version()}; diffx {diffx.__version__}; " + ", ".join(versions))


def markdown(b: Bench, command: str) -> str:
    lines = [f"## Measured {time.strftime('%Y-%m-%d')}", "",
             f"`{command}` on {machine()}. torch runs with one thread "
             "(`torch.set_num_threads(1)`), JAX's XLA with one intra-op thread. Contenders are "
             "interleaved round by round; each time is the median over the rounds, and each "
             "ratio is the **median of the per-round ratios** (their range beside it).", ""]
    section = None
    for sec, label, text in b.rows:
        if sec != section:
            section = sec
            lines += ["", f"### {sec}", "", "| what | time |", "| --- | --- |"]
        lines.append(f"| {label} | {text} |")
    lines += ["", "### Ratios (median of per-round ratios)", "",
              "| workload | ratio | median | range over rounds | target |",
              "| --- | --- | --- | --- | --- |"]
    for sec, text, value, target, low, high, n in b.ratios:
        lines.append(f"| {sec} | {text} | {_r(value)} | {_r(low)}–{_r(high)} ({n} rounds) "
                     f"| {target or '—'} |")
    return "\n".join(lines) + "\n"
