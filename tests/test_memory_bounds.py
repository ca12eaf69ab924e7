"""Memory a long session cannot outgrow: the exact (mpmath) re-runs refuse numbers whose
exponent alone would take gigabytes, and many calls leave no growing trail behind.

mpmath's exponents are unbounded: (-0.1)^1e10 is 10^(-10^10) there, a value divided by it is
10^(10^10), and cosh of that builds a 2^(3.3e10) integer (4 GB) in one call no budget can stop.
The float sweep sees inf there and reports it; the exact re-run (diffx.exact) and the numeric
method's exact proof must give up and say why instead of filling the memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc

import mpmath
import pytest

import diffx
from diffx.op_namespace_mp import MAX_MPMATH_MAG
from diffx.op_namespaces import namespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HUGE = "s6 = cosh(a) / ((-0.1) ^ 1e10); s7 = b ^ cosh(s6)"


@pytest.mark.parametrize("name", ["exp", "cosh", "sinh", "tanh", "sin", "sigmoid", "softplus",
                                  "dtanh", "dsigmoid"])
def test_mpmath_functions_refuse_an_argument_past_the_bound(name):
    fn = namespace("mpmath")[name]
    with mpmath.workdps(30):
        with pytest.raises(OverflowError, match=name):
            fn(mpmath.mpf(2) ** (MAX_MPMATH_MAG + 8))
        with pytest.raises(OverflowError):
            fn(-mpmath.mpf(2) ** (MAX_MPMATH_MAG + 8))


def test_mpmath_functions_inside_the_bound_agree_with_mpmath():
    ns = namespace("mpmath")
    with mpmath.workdps(30):
        big = mpmath.mpf(10) ** 600  # past doubles, inside the bound (2^2048 is about 1e616)
        assert ns["exp"](-big) == mpmath.exp(-big)
        assert ns["cosh"](big) == mpmath.cosh(big)
        assert ns["sin"](big) == mpmath.sin(big)
        assert ns["pow"](mpmath.mpf(3), mpmath.mpf(1) / 2) == mpmath.sqrt(3)
        assert ns["exp"](mpmath.mpf(0)) == 1 and ns["exp"](mpmath.inf) == mpmath.inf


def test_powers_in_the_exact_rerun_are_bounded():
    from diffx import op_namespaces

    power = op_namespaces.mpmath_ieee()["pow"]
    with mpmath.workdps(30), pytest.raises(OverflowError, match="pow"):
        power(mpmath.mpf(2) ** (MAX_MPMATH_MAG + 8), mpmath.mpf(1.5))
    with mpmath.workdps(30):
        assert power(mpmath.mpf(0), mpmath.mpf(-1)) == mpmath.inf


_CHILD = """
import json, resource, sys, warnings
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
import diffx
warnings.simplefilter("ignore")
r = diffx.grad(sys.argv[1], at={"a": 0.5, "b": 0.5}, method=sys.argv[2])
print(json.dumps({"gradient": {k: repr(float(v)) for k, v in r.gradient.items()},
                  "warnings": r.warnings}))
"""


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin",
                    reason="RLIMIT_AS is a Linux limit")
@pytest.mark.parametrize("method", ["reverse", "forward", "numeric"])
def test_a_value_past_any_exponent_is_reported_within_two_gigabytes(method):
    """Before the bound, the exact re-run of this program ran out of 2 GB (MemoryError inside
    mpmath's cosh); now it finishes, and the float sweep's inf is reported with its cause."""
    done = subprocess.run([sys.executable, "-c", _CHILD, HUGE, method], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ROOT})
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    # s6 = cosh(0.5) / 10^(-10^10) is inf in doubles: the warnings name it and why (the
    # divisor is 0 only by underflow: the floats' fault, not a division by zero)
    assert any("s6 = cosh(a)/(-0.1)^1e10 is inf" in w and "underflowed to 0" in w
               for w in out["warnings"])


def test_many_calls_do_not_grow_the_traced_memory():
    """The per-graph caches die with their graphs and the compiled-code cache is bounded:
    after a warm-up, 200 more calls on fresh programs keep the traced memory within 1 MB."""
    programs = [f"y{k} = sin(a * {k}) + exp(b) * a^{k % 5 + 1}; z = relu(y{k}) + max(a, b)"
                for k in range(300)]
    for method in ("reverse", "forward"):
        for src in programs[:100]:
            diffx.grad(src, at={"a": 0.3, "b": -0.7}, method=method)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for src in programs[100:]:
            for method in ("reverse", "forward"):
                diffx.grad(src, at={"a": 0.3, "b": -0.7}, method=method)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1_000_000, f"{grown:,} bytes kept by 200 calls"


def test_the_value_audit_holds_a_few_bytes_per_node():
    """The conditioning audit walks every live node of a one-point gradient; it holds one
    float per node and its loop's lists a slice at a time (seven Python lists of the whole
    graph were 218 B/node on the 239,236-node MLP expansion, most of a gradient's memory)."""
    import numpy as np

    from diffx import precision, value_audit

    n = 60_000
    g = diffx.parse("; ".join(["v0 = x*1.0001"] + [f"v{k} = v{k - 1}*1.0001 + y" for k in
                                                    range(1, n // 2)]))
    vals, _ = diffx.evaluation.evaluate(g, {"x": 0.5, "y": 0.25}, False)
    V = precision.values_array(g, vals)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        assert value_audit.conditioning(g, np.asarray(V)) is None  # well conditioned
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    assert g.size > n * 0.9 and peak / g.size < 250, peak / g.size
