"""The compiled tier: forward values and the reverse sweep in machine code (numba).

One generic kernel over the graph's flat arrays (:mod:`diffx.kernel_source` writes it from the
op table), compiled once per installation into numba's on-disk cache, never per graph. It is
imported only when a graph is big enough to pay for it (:func:`worth_it`), so small programs
start as fast as without it. The pure-Python engine (:mod:`diffx.engine`) stays the reference
and the fallback: numba absent, an op the kernel cannot do, complex or mpmath numbers, and any
result that is not finite, so that inf and nan are reported (and traced to their node) exactly
as before. Where it runs, its numbers equal the pure-Python engine's to the last bit.

Values and adjoints are float64 arrays inside; callers get
:class:`~diffx.float_values.FloatValues`, a list of floats (what every report reads) that
keeps its array for the sweep.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any

from . import tier_slot
from .kernel_cache import cache_dir, prune
from .float_values import FloatValues
from .graph import Graph
from .ops import CONST, INPUT

#: below this many nodes the kernel's call overhead (array set-up, list conversions) beats the
#: Python loops it replaces; measured in docs/performance.md ("The compiled tier")
MIN_NODES = 1_000
#: loading numba and the cached kernel costs about as much as the pure-Python engine spends on
#: this many nodes; the tier is loaded once the nodes evaluated in Python reach it (ski rental:
#: at most twice the better choice's cost), or at once for a graph this big
LOAD_NODES = 5_000_000
#: compiling the kernel into an empty cache (once per installation) costs some 10 to 30 times
#: more than loading it: with no compiled kernel in the cache yet, this many nodes first
#: (or ``python3 -m diffx.compiled`` compiles it ahead)
COLD_NODES = 100_000_000

COLD_NOTICE = ("diffx: compiling the compiled tier's kernel into {} (once per installation, "
               "about a minute)")
UNAVAILABLE = ("diffx: DIFFX_COMPILED=1, but the compiled tier cannot load ({}); the "
               "pure-Python engine runs (pip install 'diffx[fast]' installs numba)")
_kernel: Any = None  # the loaded kernel module; False: unavailable here
_spent = 0  # nodes the pure-Python engine has evaluated while the kernel was not loaded


def kernel() -> Any:
    """The kernel module, loaded (and on the first use in an installation, compiled) on first
    call; None when numba is not installed or the kernel cannot be built here."""
    global _kernel
    if _kernel is None:
        _kernel = _load() or False
        tier_slot.kernel = _kernel or None
    return _kernel or None


def loaded() -> Any:
    """The kernel module when this process has already loaded it and the tier is not turned
    off (``DIFFX_COMPILED=0``), else None (never loads it: :func:`worth_it` decides that)."""
    return None if tier_slot.off() else _kernel or None


def kernel_path() -> Path:
    """The generated kernel module (written on first call; numba is not imported)."""
    from . import kernel_source
    from .op_namespaces import namespace

    ops = kernel_source.kernel_ops(set(namespace("math")))
    names = sorted(set().union(*(kernel_source.helpers(op) for op in ops)))
    return kernel_source.kernel_file(cache_dir(), ops, names)


@functools.lru_cache(maxsize=1)
def is_warm() -> bool:
    """Whether numba's cache holds the compiled kernel (its index files exist; looked at
    once per process)."""
    try:
        path = kernel_path()
    except OSError:
        return False
    found = {p.name.split(".")[1].split("-")[0]
             for p in (path.parent / "__pycache__").glob(path.stem + ".*.nbi")}
    return {"forward", "sweep", "plan"} <= found


def warm() -> float:
    """Load the kernel now (compiling it into the cache on the first use in an installation,
    for one point and for batches of points, with the argument types diffx passes it, so
    that no later call compiles); returns the seconds it took."""
    import time

    start = time.perf_counter()
    module = kernel()
    if module is None:
        raise ImportError("numba is not installed or cannot compile the kernel here "
                          "(pip install 'diffx[fast]')")
    import numpy as np  # the batch loops too (loaded here only: one point needs none)

    v, op, A = np.zeros((3, 2)), np.zeros(3, np.uint8), np.zeros(3, np.int64)
    module.forward_many(v, op, A, A, 3)
    module.sweep_many(v, v.copy(), op, A, A, op.copy(), 2)
    return time.perf_counter() - start


def _load() -> Any:
    try:
        import importlib.util

        import numba  # noqa: F401

        if not is_warm():  # about a minute of compiling ahead: said before it starts
            print(COLD_NOTICE.format(cache_dir()), file=sys.stderr, flush=True)
        path = kernel_path()
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
    except (ImportError, OSError) as why:
        if os.environ.get("DIFFX_COMPILED", "") == "1":  # asked for: say why it is not there
            print(UNAVAILABLE.format(why), file=sys.stderr, flush=True)
        return None
    try:  # compile (or load from the cache) the one-point kernel on three dummy nodes
        import numpy as np

        v, op, A = np.zeros(3), np.zeros(3, np.uint8), np.zeros(3, np.int64)
        module.forward(v, op, A, A, 3)
        module.plan(op, A, A, op.copy(), op.copy(), 2, op.copy())
        module.sweep(v, v.copy(), op, A, A, op, 2, v.copy())
        for index in (np.int32, np.int64):  # (route counts, set-up passes: the graph's own
            I = np.full(3, -1, index)         # index arrays)
            module.routes_log(op, I, I, 2, v.copy())
            module.all_args_used(I, I, 3)
            module.active_codes(op, I, I, op.copy(), op.copy())
        V = v.copy()  # the value audit's recurrence reads the audit's read-only values
        V.flags.writeable = False
        module.condition(V, v.copy(), op, A, A, A[:0], 0, 1.0)
        i32 = np.zeros(3, np.int32)  # the precision audit's scan (diffx.precision_scan)
        module.audit(V, v.copy(), op, A, A, op.copy(), 2, v.copy(), i32, A.copy(), A.copy(),
                     np.zeros(4))
        W = np.zeros((3, 2))  # ... and over many points (diffx.value_audit)
        module.condition_many(W, W.copy(), op, A, A, A[:0], A[:0], A[:0], 1.0,
                              np.zeros(2, np.bool_))
        from .parse_tables import tables  # the machine parser, on a one-name program

        module.parse_program(np.frombuffer(b"x", np.uint8), *tables())
    except Exception:  # noqa: BLE001 - numba cannot compile a helper: the Python engine runs
        return None
    prune(path)
    return module


def worth_it(graph: Graph, points: int = 1) -> bool:
    """Whether the compiled tier should run this graph (at ``points`` points): big enough,
    and the kernel loaded or worth loading now. Never imports numba for a small graph.
    ``DIFFX_COMPILED=0`` turns the tier off, ``=1`` loads it for the first big graph."""
    global _spent
    work = graph.output * points
    if work < MIN_NODES:
        return False
    mode = os.environ.get("DIFFX_COMPILED", "")
    if mode == "0":
        return False
    if _kernel is None and mode != "1":
        _spent += work
        if _spent < LOAD_NODES or (_spent < COLD_NODES and not is_warm()):
            return False
    return kernel() is not None


def _arrays(graph: Graph) -> tuple[Any, Any, Any, frozenset[int]]:
    """The graph's op codes and argument indices as numpy arrays (cached on the graph), and
    the op codes it uses up to its output."""
    cached = graph._cache.get("compiled-arrays")
    if cached is None:
        import numpy as np

        # (writable, as the kernel was compiled for: numba compiles a read-only array anew)
        op = np.frombuffer(bytearray(graph.op), dtype=np.uint8)
        A = np.asarray(graph.a, dtype=np.int64)
        B = np.asarray(graph.b, dtype=np.int64)
        used = frozenset(np.flatnonzero(np.bincount(op[:graph.output + 1])).tolist())
        cached = graph._cache["compiled-arrays"] = (op, A, B, used)
    return cached


def supports(graph: Graph, point: dict[str, Any]) -> bool:
    """The kernel does every op of the graph and the point is real floats (one or many)."""
    import numpy as np

    for v in point.values():
        if isinstance(v, np.ndarray):
            if v.dtype.kind != "f":
                return False
        elif type(v) not in (float, np.float64):
            return False
    return _arrays(graph)[3] <= {INPUT, CONST, *kernel().CODES}


def _leaves(graph: Graph, point: dict[str, Any], shape: tuple[int, ...]) -> Any:
    import numpy as np

    vals = np.empty(shape)
    for node, leaf in graph._leaf.items():
        vals[node] = point[leaf] if graph.op[node] == INPUT else float(leaf[0])
    return vals


def forward(graph: Graph, point: dict[str, Any]) -> FloatValues | None:
    """Every node's value at one point, or None where the pure-Python engine must decide
    (a value that is not finite: the engine's numpy re-run reports it)."""
    op, A, B, _ = _arrays(graph)
    vals = _leaves(graph, point, (len(op),))
    hi = graph.output + 1
    status = kernel().forward(vals, op, A, B, hi)
    if status & 2:
        return None
    out = FloatValues(vals, hi, op)
    out.normal = status == 0
    return out


def sweep(graph: Graph, vals: FloatValues, wrt: tuple[str, ...]) -> FloatValues | None:
    """The adjoints of every node (0.0 where none flows), or None when one is not finite
    (the pure-Python engine's careful re-run and warnings decide) unless the graph's
    arithmetic is plain (:data:`PLAIN_ARITHMETIC`). The kernel screens the contributions as
    it makes them (see :func:`screen`); a sweep that is not finite is audited in full."""
    import numpy as np

    from .magnitudes import SCREEN_BITS

    op, A, B, _ = _arrays(graph)
    n = len(op)
    G = np.zeros(n)
    G[graph.output] = 1.0
    M = _scratch(graph, n)
    plan = _plan(graph, wrt)
    flag = kernel().sweep(vals.array, G, op, A, B, plan, graph.output, M)
    # the inputs' own tests (the kernel tests each op node's adjoint when the sweep reaches
    # it; the nodes it does not reach keep their 0)
    leaves = [graph.input_nodes[w] for w in wrt]
    finite = not flag & 2 and bool(np.isfinite(G[leaves]).all())
    if not finite and not (vals.normal and _plain_arithmetic(graph)):
        return None
    out = FloatValues(G, n)
    out.marks = plan
    with np.errstate(over="ignore"):
        out.screened = not finite or bool(flag & 1) or bool(
            (M[leaves] > 2.0**SCREEN_BITS * np.abs(G[leaves])).any())
    return out


def _scratch(graph: Graph, n: int) -> Any:
    """Zeros for the sweep to sum its contributions' sizes in (read only by the sweep and the
    lines after it): one array per graph and thread, kept and cleared, because a new one
    each sweep cost the system a page fault per 4 KiB, about 1 ms at 300,000 nodes. (The
    kernel runs without the GIL, so two threads never share one.)"""
    import threading

    import numpy as np

    key = ("sweep-scratch", threading.get_ident())
    M = graph._cache.get(key)
    if M is None or len(M) != n:
        M = graph._cache[key] = np.zeros(n)
    else:
        M.fill(0.0)
    return M


#: ops whose partials in the ``math`` namespace are plain IEEE arithmetic or functions that
#: cannot raise at a finite argument (a division's divisor is not 0 where its value is
#: finite): where only these are used and every value is finite, normal and not 0, the
#: pure-Python engine's sweep makes the same operations without an exception (none switches
#: it to numpy), so its inf and nan adjoints are the kernel's, bit for bit
PLAIN_ARITHMETIC = frozenset({"add", "sub", "mul", "neg", "div", "exp", "sin", "cos", "tan"})


def _plain_arithmetic(graph: Graph) -> bool:
    from .ops import BY_CODE

    return all(c <= CONST or BY_CODE[c].name in PLAIN_ARITHMETIC for c in _arrays(graph)[3])


def _plan(graph: Graph, wrt: tuple[str, ...]) -> Any:
    """The sweep's plan for these inputs (the kernel's ``plan``: per node, whether the sweep
    takes it and where its contributions go, first or added), cached on the graph: it does
    not depend on the point."""
    key = ("compiled-plan", wrt)
    cached = graph._cache.get(key)
    if cached is None:
        import numpy as np

        op, A, B, _ = _arrays(graph)
        n = len(op)
        active = np.zeros(n, dtype=np.uint8)
        for w in wrt:
            active[graph.input_nodes[w]] = 1
        cached = np.zeros(n, dtype=np.uint8)
        kernel().plan(op, A, B, active, np.zeros(n, dtype=np.uint8), graph.output, cached)
        graph._cache[key] = cached
    return cached


def screen(graph: Graph, V: Any, adj: FloatValues, wrt: tuple[str, ...]) -> bool:
    """Whether the precision audit (:func:`diffx.precision.audit`, reverse, one point) could
    flag anything in the sweep that gave ``adj``: every test looser than the audit's (as
    :mod:`diffx.magnitudes` screens many points), so False means the audit would find
    nothing. The sweep's own tests (each contribution, each node's adjoint against the sum
    of its contributions' sizes) ran in the kernel as it swept; the periodic arguments'
    are here. ``V``: the forward values (at least up to the output)."""
    from .magnitudes import periodic, periodic_loss

    if adj.screened:
        return True
    args = periodic(graph, wrt)[1]
    return bool(args.size and periodic_loss(V, args).any())


def forward_many(graph: Graph, point: dict[str, Any], m: int) -> Any:
    """Every node's value at ``m`` points: a float64 array ``[node, point]``, not finite
    values included (the caller decides)."""
    op, A, B, _ = _arrays(graph)
    vals = _leaves(graph, point, (len(op), m))
    kernel().forward_many(vals, op, A, B, graph.output + 1)
    return vals


def sweep_many(graph: Graph, vals: Any, wrt: tuple[str, ...]) -> Any:
    """The adjoints ``[node, point]`` at every point of ``vals`` (from :func:`forward_many`)."""
    import numpy as np

    op, A, B, _ = _arrays(graph)
    n, m = vals.shape
    G = np.zeros((n, m))
    G[graph.output] = 1.0
    kernel().sweep_many(vals, G, op, A, B, _plan(graph, wrt), graph.output)
    return G


if __name__ == "__main__":  # python3 -m diffx.compiled: compile the kernel into the cache
    if sys.argv[1:]:
        print("usage: python3 -m diffx.compiled\n\ncompiles the compiled tier's kernel into "
              f"its cache ({cache_dir()}; DIFFX_CACHE_DIR sets another), so that the first "
              "big graph does not wait for it; takes no options")
        sys.exit(0 if sys.argv[1].lstrip("-") in ("h", "help") else 2)
    print(f"diffx compiled tier ready in {warm():.1f} s ({kernel_path()})")
