"""Random programs against the mpmath oracle: the harness of the fuzz tests, and a runner.

Run from the repository root (not collected by pytest: no ``test_`` prefix)::

    python3 tests/fuzz_run.py 2000 --seed 7 --methods reverse,forward,symbolic,numeric

prints, for each failure class, how often it happened and its shortest example (program,
point, method, got, expected). The classes (one result may show several):

* ``crash:<Type>`` -- an exception that is not a ``diffx.DiffxError``;
* ``slow`` -- a call took longer than 20 s;
* ``budget-leak`` -- after the call a SIGALRM timer or a diffx worker thread is still running;
* ``nonfinite-silent`` -- a derivative is nan or infinite and the result has no warning;
* ``nonfinite-intermediate-silent`` -- some node's value (as diffx computes it, in doubles)
  is not finite and the result has no warning;
* ``kink-convention`` -- at a kink, reverse/forward/symbolic differ from the convention
  (relu'(0) = 0, abs'(0) = 0, a max/min tie 1/2-1/2), warning or not;
* ``kink-silent`` -- numeric at a kink without a warning;
* ``wrong-silent`` -- a finite derivative off from the oracle (relative 1e-9; numeric 1e-5)
  without a warning;
* ``undefined-silent`` -- the true derivative is undefined (a non-finite value in the exact
  run, or a non-finite exact derivative) but the method gives a finite number and no warning;
* ``array-mismatch`` / ``array-warning-mismatch`` -- reverse at three copies of the point (a
  numpy array) differs from reverse at the point, in values or in whether it warns.

``--syntax N`` throws N strings of the language's tokens, vector notation included (``@ [ ]
.T ᵀ , :``), at ``diffx.program.parse`` with and without shapes, and N random well-shaped
vector programs, checked against numpy at the block level. Its classes:

* ``crash:<Type>`` -- parsing, shape inference or the expansion raised a non-DiffxError;
* ``bound`` -- the expansion has more nodes than ``VectorProgram.scalar_size()`` said;
* ``vector-value`` -- the expansion's value differs from the block program's numpy value.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from oracle import (  # noqa: E402
    Oracle, Program, _close, mp, mpf, random_point, random_program, run_oracle,
)

import diffx  # noqa: E402

METHODS = ("reverse", "forward", "symbolic", "numeric")
RTOL = {"reverse": 1e-9, "forward": 1e-9, "symbolic": 1e-9, "numeric": 1e-5}
ATOL = 1e-300  # absolute slack: below this a double is deep in the subnormals
#: absolute slack relative to the chain rule's terms (the oracle's scale): 1 - sech(x)^2 at
#: x = 1e-100 is 1e-200, but no float sum of 1 and -(1 - 1e-200) can say so
SCALE_TOL = {"reverse": 1e-12, "forward": 1e-12, "symbolic": 1e-12, "numeric": 1e-9}
LIMIT = 20.0  # seconds per call
OPTIONS = {"symbolic": {"timeout": 15.0}, "reverse": {"timeout": 15.0}}


@dataclass
class Failure:
    cls: str
    source: str
    point: dict
    method: str
    got: Any
    expected: Any

    def __str__(self) -> str:
        return (f"[{self.cls}] {self.method}: {self.source!r} at {self.point}: "
                f"got {self.got!r}, expected {self.expected!r}")


def call(source: str, at: Any, method: str) -> tuple[Any, BaseException | None, float]:
    start = time.perf_counter()
    try:
        result = diffx.grad(source, at=at, method=method, **OPTIONS.get(method, {}))
        return result, None, time.perf_counter() - start
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 -- classifying is the point
        return None, exc, time.perf_counter() - start


def leaks() -> str | None:
    """A time budget that outlived its call: a running SIGALRM timer or a live worker thread
    (sympy in an abandoned thread changes mpmath's shared precision under later calls)."""
    if hasattr(signal, "getitimer") and signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return "a SIGALRM timer still running after the call"
    alive = [t for t in threading.enumerate()
             if t.name.startswith("diffx") and t.ident not in _SEEN]
    _SEEN.update(t.ident for t in alive)
    return f"worker thread(s) still running: {[t.name for t in alive]}" if alive else None


_SEEN: set = set()


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def check(program: Program, point: dict, orc: Oracle, method: str, result: Any,
          exc: BaseException | None, elapsed: float) -> list[Failure]:
    """The failure classes of one method's result against the oracle."""
    src = program.source
    out: list[Failure] = []

    def fail(cls: str, got: Any = None, expected: Any = None) -> None:
        out.append(Failure(cls, src, point, method, got, expected))

    if exc is not None and not isinstance(exc, diffx.DiffxError):
        fail(f"crash:{type(exc).__name__}", str(exc)[:200])
    if elapsed > LIMIT:
        fail("slow", f"{elapsed:.1f} s")
    if exc is not None or result is None or result.error:
        return out
    warned = bool(result.warnings)
    if orc.shadow.bad and not warned:
        fail("nonfinite-intermediate-silent", dict(result.gradient), "a warning")
    for w in program.inputs:
        got = _num(result.gradient[w])
        exact, shadow = orc.exact.gradient[w], orc.shadow.gradient[w]
        atol_e = max(ATOL, SCALE_TOL[method] * orc.exact.scale[w])
        atol_s = max(ATOL, SCALE_TOL[method] * orc.shadow.scale[w])
        if not mp.isfinite(atol_e) or not mp.isfinite(atol_s):
            atol_e = atol_s = ATOL
        want, want_s = mpf(float(exact)), mpf(float(shadow))  # as doubles: 1e400 is inf
        match = _close(got, want, RTOL[method], atol_e) or _close(got, want_s, RTOL[method],
                                                                  atol_s)
        if not math.isfinite(got) and not warned:
            fail("nonfinite-silent", got, float(want))
            continue
        kink = orc.shadow.kink or orc.exact.kink
        if kink and not orc.shadow.bad and mp.isfinite(want) and mp.isfinite(want_s):
            if method == "numeric":
                if not warned:
                    fail("kink-silent", got, "a warning")
            elif not match and not (method == "symbolic" and orc.exact.strong and warned
                                    and not math.isfinite(got)):
                # a kink in doubles only, or exactly only (a tie made by rounding), may be
                # resolved either way: a warning is all the convention can ask for there
                # a method that says its floats lost precision has said it may be wrong; the
                # symbolic method decides ties exactly, where doubles may see a tie that is
                # not there (cos(y) = 1 = 1 + x at x ~ 1e-65): its kink warning says so
                lost = any("lost precision" in w for w in result.warnings) or (
                    method == "symbolic" and warned)
                if (orc.shadow.kink and orc.exact.kink or not warned) and not lost:
                    fail("kink-convention", got, float(want_s))
            continue
        if warned or orc.unstable or match:
            continue
        if orc.exact.bad or not mp.isfinite(exact):
            if math.isfinite(got) and not orc.shadow.bad:
                fail("undefined-silent", got, float(exact))
            continue
        fail("wrong-silent", got, float(want))
    return out


def check_arrays(program: Program, point: dict, scalar: Any) -> list[Failure]:
    """Reverse at three copies of the point agrees with reverse at the point."""
    src = program.source
    arrays = {k: np.full(3, v) for k, v in point.items()}
    result, exc, elapsed = call(src, arrays, "reverse")
    if exc is not None and not isinstance(exc, diffx.DiffxError):
        return [Failure(f"crash:{type(exc).__name__}", src, point, "reverse-array",
                        str(exc)[:200], None)]
    if exc is not None or result is None or result.error or scalar is None or scalar.error:
        return []
    out = []
    for w in program.inputs:
        a = np.asarray(result.gradient[w], dtype=float).ravel()
        s = _num(scalar.gradient[w])
        if not all(_close(x, s, 1e-9, ATOL) for x in a):
            out.append(Failure("array-mismatch", src, point, "reverse-array", a.tolist(), s))
            break
    if bool(result.warnings) != bool(scalar.warnings):
        out.append(Failure("array-warning-mismatch", src, point, "reverse-array",
                           result.warnings, scalar.warnings))
    return out


def fuzz_one(program: Program, point: dict, methods=METHODS, arrays: bool = True
             ) -> list[Failure]:
    orc = run_oracle(program, point)
    out: list[Failure] = []
    scalar = None
    for m in methods:
        result, exc, elapsed = call(program.source, point, m)
        if m == "reverse":
            scalar = result
        leak = leaks()
        if leak:
            out.append(Failure("budget-leak", program.source, point, m, leak, "nothing left"))
        out += check(program, point, orc, m, result, exc, elapsed)
    if arrays and "reverse" in methods:
        out += check_arrays(program, point, scalar)
    return out


def corpus(n: int, seed: int) -> list[tuple[Program, dict]]:
    """n seeded (program, point) pairs, every kind of point in turn."""
    rng = random.Random(seed)
    kinds = ("ordinary", "edge", "tiny", "huge", "tie")
    out = []
    for k in range(n):
        program = random_program(rng)
        out.append((program, random_point(rng, program.inputs, kinds[k % len(kinds)])))
    return out


def summarize(failures: list[Failure]) -> str:
    by: dict[tuple[str, str], list[Failure]] = defaultdict(list)
    for f in failures:
        by[(f.cls, f.method)].append(f)
    lines = []
    for (cls, method), fs in sorted(by.items(), key=lambda kv: -len(kv[1])):
        shortest = min(fs, key=lambda f: len(f.source))
        lines.append(f"{len(fs):5d}  {cls:32s} {method:14s} e.g. {shortest}")
    return "\n".join(lines) or "no failures"


SYNTAX_TOKENS = ("W", "x", "a", "1", "2", "-1", "0.5", "+", "-", "*", "/", "^", "(", ")", ",",
                 ";", "\n", "=", "@", "[", "]", ".T", "ᵀ", ":", ".", "sum", "dot", "outer",
                 "norm", "softmax", "logsumexp", "mean", "transpose", "exp", "max", "z = ",
                 "W[0]", "x[-1]", "√", "²")
SYNTAX_SHAPES = (None, {"W": (2, 3), "x": (3,)}, {"W": (2, 2), "x": (2,), "a": (2,)})
_GROW = ("+", "*", "-", "@", ".T", "[", "exp", "sum", "softmax", "logsumexp", "norm", "dot",
         "outer", "mean")


def random_vector_program(rng: random.Random) -> tuple[str, dict]:
    """A well-shaped vector program over W (2, 3), x (3,), v (2,) and a scalar s, grown by
    rules that keep the shapes right, with its output summed to a scalar."""
    pool = [("W", (2, 3)), ("x", (3,)), ("v", (2,)), ("s", ())]
    for _ in range(rng.randint(2, 14)):
        (p, ps), (q, qs) = rng.choice(pool), rng.choice(pool)
        rule = rng.choice(_GROW)
        if rule in "+*-" and (ps == qs or not ps or not qs or (
                len(ps) != len(qs) and ps[-1] == qs[-1])):
            shape = max(ps, qs, key=len)
            pool.append((f"({p} {rule} {q})", shape))
        elif rule == "@" and ps and qs and ps[-1] == qs[0]:
            pool.append((f"({p} @ {q})", ps[:-1] + qs[1:]))
        elif rule == ".T":
            pool.append((f"{p}.T", ps[::-1]))
        elif rule == "[" and ps:
            i = rng.randrange(-ps[0], ps[0])
            pool.append((f"{p}[{i}]", ps[1:]))
        elif rule == "exp":
            pool.append((f"exp({p})", ps))
        elif rule in ("sum", "mean", "norm") and ps:
            pool.append((f"{rule}({p})", ()))
        elif rule in ("softmax", "logsumexp") and ps:
            pool.append((f"{rule}({p})", ps if rule == "softmax" else ps[:-1]))
        elif rule in ("dot", "outer") and len(ps) == 1 and len(qs) == 1 and (
                rule == "outer" or ps == qs):
            pool.append((f"{rule}({p}, {q})", () if rule == "dot" else (ps[0], qs[0])))
    out, shape = pool[-1]
    source = f"y = {out}; L = sum(y)" if shape else f"L = {out}"
    point = {"W": [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(2)],
             "x": [rng.uniform(-1, 1) for _ in range(3)],
             "v": [rng.uniform(-1, 1) for _ in range(2)], "s": rng.uniform(-1, 1)}
    return source, point


def block_value(program: Any, point: dict) -> float:
    """The value at the block level: numpy on whole arrays, one node at a time."""
    from diffx import blockops
    from diffx.ops import CONST, INPUT
    b = program.blocks
    vals: list[Any] = []
    for k, code in enumerate(b.code):
        if code == INPUT:
            vals.append(np.asarray(point[b.attr[k]], dtype=float))
        elif code == CONST:
            vals.append(np.asarray(b.attr[k][0]))
        else:
            vals.append(blockops.evaluate(code, tuple(vals[a] for a in b.args[k]), b.attr[k]))
    return float(vals[b.output])


def fuzz_syntax(n: int, seed: int) -> list[Failure]:
    from diffx.program import parse
    from diffx.vectors import VectorProgram
    rng = random.Random(seed)
    out: list[Failure] = []
    for _ in range(n):
        source = "".join(rng.choice(SYNTAX_TOKENS) + rng.choice(("", " "))
                         for _ in range(rng.randint(1, 14)))
        shapes = rng.choice(SYNTAX_SHAPES)
        try:
            program = parse(source, shapes=shapes)
            if isinstance(program, VectorProgram):
                if program.scalar.size > program.scalar_size():
                    out.append(Failure("bound", source, shapes or {}, "parse",
                                       program.scalar.size, program.scalar_size()))
        except diffx.DiffxError:
            pass
        except Exception as exc:  # noqa: BLE001 -- classifying is the point
            out.append(Failure(f"crash:{type(exc).__name__}", source, shapes or {}, "parse",
                               str(exc), "a DiffxError"))
        source, point = random_vector_program(rng)
        shapes = {"W": (2, 3), "x": (3,), "v": (2,)}
        try:
            program = parse(source, shapes=shapes)
            point = {k: point[k] for k in program.inputs}
            got = diffx.evaluate(program.scalar, at=program.element_point(point))
            want = block_value(program, point)
            if not _close(got, want, 1e-12, 1e-12):
                out.append(Failure("vector-value", source, point, "expand", got, want))
        except Exception as exc:  # noqa: BLE001
            out.append(Failure(f"crash:{type(exc).__name__}", source, point, "expand",
                               str(exc), "a value"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--syntax", type=int, default=0, metavar="N",
                    help="N random token strings and N vector programs at the parser")
    args = ap.parse_args(argv)
    methods = tuple(args.methods.split(","))
    failures: list[Failure] = []
    start = time.perf_counter()
    if args.syntax:
        failures = fuzz_syntax(args.syntax, args.seed)
        print(summarize(failures))
        print(f"{args.syntax} strings and vector programs, {len(failures)} failures, "
              f"{time.perf_counter() - start:.1f} s")
        return 1 if failures else 0
    for program, point in corpus(args.n, args.seed):
        failures += fuzz_one(program, point, methods)
    print(summarize(failures))
    print(f"{args.n} programs, {len(failures)} failures, {time.perf_counter() - start:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
