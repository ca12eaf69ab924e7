"""The compiled tier's kernel, as source text generated from the op table.

One generic kernel walks the graph's flat arrays (op codes, argument indices) and switches on
the op code; its branches are written here from each op's ``value`` and ``partials`` text in
:mod:`diffx.ops`, so the table stays the one place that knows an operation. The helpers those
expressions call (``sigmoid``, ``ge``, ``powlog`` ...) are the ``math`` namespace's own
functions (:mod:`diffx.op_namespaces`), compiled by numba; only diffx's text, its identifiers
and small integers appear in the generated code, never anything the user typed.

The kernel follows the pure-Python engine (:mod:`diffx.engine`) operation for operation, so
its numbers are the same to the last bit: the same expressions in the same order, an
argument's first contribution assigned and the later ones added, and the strong zero (a zero
adjoint skips an op whose partials can be infinite at finite values). Its functions:

* ``forward(vals, op, A, B, hi)``: every node's value below ``hi``; returns 0 when every
  op's value is finite and normal, else bit 1 set for a zero or subnormal one, bit 2 for one
  (or a leaf's) that is not finite;
* ``plan(op, A, B, active, written, output, flags)``: the sweep's plan for a set of inputs
  (``active`` preset at them): per node a byte of flags, whether the sweep takes the node and
  whether each argument gets a contribution, the first or a later one;
* ``sweep(vals, G, op, A, B, plan, output, M)``: the adjoints, from the output down, by the
  plan, screened as they are made: returns bit 1 set where the precision audit could find
  anything (:func:`diffx.compiled.screen`), ``M`` getting each node's sum of contributions'
  sizes, and bit 2 where an op node's adjoint is not finite;
* ``forward_many``/``sweep_many``: the same over a batch axis (``vals[node, point]``),
  unscreened;
* ``condition(vals, E, op, A, B, nodes, sub, limit_rel)``: the value audit's error
  recurrence over the live op ``nodes`` (:func:`diffx.value_audit.conditioning`), its
  partials from the op table like the sweep's; ``condition_many`` the same over a batch
  (:func:`diffx.value_audit.conditioning_points`; its text is diffx.kernel_batch's);
* ``routes_log(op, A, B, out, L)``: the route counts as logarithms (diffx.counts), the
  constants left out as it leaves them out;
* ``parse_program`` and its helpers, ``all_args_used`` and ``active_codes``:
  :mod:`diffx.parse_machine`'s and :mod:`diffx.graph_machine`'s text, compiled as it is.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from . import ops as _ops
from .kernel_batch import _NAME, _needs_out, condition_many_lines
from .ops import CONST

_LOCALS = {"x", "y", "out"}
# a relative import, on one line or in parentheses over several (no comment inside them)
_RELATIVE = re.compile(r"^from \.\w+ import (\([^()]*\)|[^(\n]*)\n", re.MULTILINE)
_DEF = re.compile(r"^def ([A-Za-z_][A-Za-z_0-9]*)\(", re.MULTILINE)


def helpers(op: _ops.Op) -> set[str]:
    """The namespace functions the op's value and partials call."""
    names: set[str] = set()
    for text in (op.value, *op.partials):
        names.update(n for n in _NAME.findall(text) if n not in _LOCALS)
    return names


def kernel_ops(available: set[str]) -> list[_ops.Op]:
    """The ops the kernel can do: those whose helpers the namespace supplies."""
    return [op for op in _ops.OPS if helpers(op) <= available]


def _term(partial: str) -> str:
    if partial in ("1", "-1"):
        return "g"
    return f"g * ({partial})"


def _reads(op: _ops.Op, indent: str, ix: str = "") -> list[str]:
    """A branch's reads of its arguments' values, ``x`` and (binary) ``y`` (``ix``: the
    point index of a batch, as ``, k``)."""
    return [f"{indent}x = vals[A[i]{ix}]"] + ([f"{indent}y = vals[B[i]{ix}]"]
                                               if op.arity == 2 else [])


def _branches(ops: list[_ops.Op], indent: str, at: str, screened: bool = False
              ) -> tuple[list[str], list[str]]:
    """The forward and the sweep branches, one per op (``at``: the point index, or '';
    ``screened``: the one-point sweep that also screens, see :func:`_screen_lines`)."""
    ix = f", {at}" if at else ""
    fwd: list[str] = []
    swp: list[str] = []
    for n, op in enumerate(ops):
        kw = "if" if n == 0 else "elif"
        fwd.append(f"{indent}{kw} o == {op.code}:  # {op.name}")
        args = _reads(op, indent + "    ", ix)
        fwd += args
        fwd.append(f"{indent}    vals[i{ix}] = {op.value}")
        swp.append(f"{indent}{kw} o == {op.code}:  # {op.name}")
        swp.append(f"{indent}    g = G[i{ix}]")
        skip = bool(op.domain or op.kink)  # a strong zero: a zero adjoint skips the node
        inner = indent + ("        " if skip else "    ")
        if skip:
            swp.append(f"{indent}    if g != 0:")
        swp += [f"    {line}" if skip else line for line in args]
        if _needs_out(op):
            swp.append(f"{inner}out = vals[i{ix}]")
        for k, arg in ((0, "a"), (1, "b")):
            if k >= op.arity:
                continue
            partial = op.partials[k]
            swp.append(f"{inner}if m{arg}:")
            if screened:
                swp += _screen_lines(op, partial, arg, inner + "    ")
                continue
            sign = "-" if partial == "-1" else "+"
            swp.append(f"{inner}    if first{arg}:")
            swp.append(f"{inner}        G[{arg}{ix}] = {'-' if sign == '-' else ''}"
                       f"{_term(partial)}")
            swp.append(f"{inner}    else:")
            swp.append(f"{inner}        G[{arg}{ix}] = G[{arg}{ix}] {sign} {_term(partial)}")
    return fwd, swp


def _screen_lines(op: _ops.Op, partial: str, arg: str, pad: str) -> list[str]:
    """One contribution ``d = g * partial`` of the one-point sweep that screens as it goes:
    assigned or added as the plain sweep does (the same operations: ``g * (p)`` with ``p``
    computed first, ``G - g`` as ``G + (-g)``), and flagged where the precision audit could
    flag it: the product or a partial (of an op whose partials are not exact copies) that
    is 0, subnormal, within two rounding steps of that, or nan, and an unbounded partial
    that is infinite. Its magnitude is added into ``M`` of the node it goes to. Looser than
    :func:`diffx.precision.audit` (no exemptions)."""
    from .magnitudes import BOUNDED_PARTIALS, EXACT_PARTIALS

    if partial in ("1", "-1"):
        out = [f"{pad}d = {'-' if partial == '-1' else ''}g"]
    else:
        out = [f"{pad}p = {partial}"]
        if op.name not in EXACT_PARTIALS:
            out += [f"{pad}w = abs(p)", f"{pad}if not w >= TINY:", f"{pad}    flag |= 1"]
            if op.kink is None and op.name not in BOUNDED_PARTIALS:
                out += [f"{pad}if not w < INF:", f"{pad}    flag |= 1"]
        out.append(f"{pad}d = g * p")
    return out + [f"{pad}c = abs(d)",
                  f"{pad}if not c >= TINY:",
                  f"{pad}    flag |= 1",
                  f"{pad}M[{arg}] += c",
                  f"{pad}if first{arg}:",
                  f"{pad}    G[{arg}] = d",
                  f"{pad}else:",
                  f"{pad}    G[{arg}] = G[{arg}] + d"]


def kernel_text(ops: list[_ops.Op], names: list[str]) -> str:
    """The kernel module's source: the helpers bound from the ``math`` namespace, then the
    forward and sweep loops for one point and for a batch of points."""
    lines = [
        '"""diffx compiled-tier kernel, generated from diffx.ops by diffx.kernel_source."""',
        "import types",
        "from math import log10 as _log10",
        "import numba",
        "from diffx.op_namespaces import namespace as _namespace",
        "_ns = _namespace('math')",
        "_jit = dict(cache=True, error_model='numpy', nogil=True)",
    ]
    # the helpers: math's Python functions compiled, its builtins (math.sin ...) as they are
    lines += [f"NAMES = {tuple(names)!r}",
              "for _name in NAMES:",
              "    _fn = _ns[_name]",
              "    globals()[_name] = numba.njit(_fn) if isinstance(_fn, types.FunctionType) "
              "else _fn"]
    codes = ", ".join(str(op.code) for op in ops)
    lines.append(f"CODES = ({codes},)")
    from .magnitudes import SCREEN_BITS

    lines += ["NORMAL = 2.2250738585072014e-308", "TINY = 2 * NORMAL", "INF = float('inf')",
              f"BIG = 2.0 ** {SCREEN_BITS}"]
    for batch in (False, True):
        at = "k" if batch else ""
        ind = "            " if batch else "        "
        fwd, swp = _branches(ops, ind, at, screened=not batch)
        suffix = "_many" if batch else ""
        lines += ["", "", "@numba.njit(**_jit)",
                  f"def forward{suffix}(vals, op, A, B, hi):",
                  "    status = 0",
                  "    for i in range(hi):",
                  "        o = op[i]",
                  f"        if o <= {CONST}:"]
        if not batch:  # an input or literal that is not finite
            lines += ["            if not abs(vals[i]) < INF:",
                      "                status |= 2"]
        lines += ["            continue"]
        if batch:
            lines.append("        for k in range(vals.shape[1]):")
        lines += fwd
        if not batch:  # 1: a value is 0 or subnormal, 2: one is not finite
            lines += ["        v = abs(vals[i])",
                      "        if not (NORMAL <= v < INF):",
                      "            status |= 1 if v < NORMAL else 2"]
        lines += ["    return status", "", "", "@numba.njit(**_jit)",
                  f"def sweep{suffix}(vals, G, op, A, B, plan, output"
                  f"{'' if batch else ', M'}):",
                  "    flag = 0",
                  "    for i in range(output, -1, -1):",
                  "        f = plan[i]",
                  "        if not f:",
                  "            continue",
                  "        o = op[i]",
                  "        a = A[i]",
                  "        b = B[i]",
                  "        ma = f & 2",
                  "        firsta = f & 4",
                  "        mb = f & 8",
                  "        firstb = f & 16"]
        if batch:
            lines.append("        for k in range(vals.shape[1]):")
        else:  # the screen's tests of the node's own adjoint, final once it is reached
            lines += ["        g = G[i]",
                      "        if not abs(g) < INF:",
                      "            flag |= 2",
                      "        elif g == 0 or M[i] > BIG * abs(g):",
                      "            flag |= 1"]
        lines += swp
        lines.append("    return flag")
    # the sweep plan: per node, whether the sweep takes it and, per argument, whether a
    # contribution goes there (it depends on a wrt input) and whether it is the first
    lines += ["", "", "@numba.njit(**_jit)",
              "def plan(op, A, B, active, written, output, flags):",
              # active: a node depends on a wrt input (leaves preset by the caller)
              "    for i in range(output + 1):",
              "        if op[i] > 1 and (active[A[i]] or (B[i] >= 0 and active[B[i]])):",
              "            active[i] = 1",
              "    written[output] = 1",
              "    for i in range(output, -1, -1):",
              f"        if op[i] <= {CONST} or not written[i] or not active[i]:",
              "            continue",
              "        a = A[i]",
              "        b = B[i]",
              # an argument's first contribution is assigned, later ones added (as the
              # engine's sweep plan does); a strong-zero skip still counts as the first
              "        f = 1",
              "        if active[a]:",
              "            if not written[a]:",
              "                f |= 4",
              "            written[a] = 1",
              "        if b >= 0 and active[b]:",
              "            f |= 8",
              "            if not written[b]:",
              "                f |= 16",
              "            written[b] = 1",
              "        if active[a]:",
              "            f |= 2",
              "        flags[i] = f",
              "    return 0"]
    # the routes' count as a logarithm (diffx.counts._count_log, the same operations): per
    # node from the output down, log10 of its routes passed on to its arguments
    lines += ["", "", "@numba.njit(**_jit)",
              "def routes_log(op, A, B, out, L):",
              "    top = -INF",  # the largest count met, and the largest an op passed on
              "    peak = -INF",
              "    for i in range(out, -1, -1):",
              "        r = L[i]",
              "        if r > top:",
              "            top = r",
              # the arguments without the constants, the others first (as counts does)
              "        a = A[i]",
              "        b = B[i]",
              f"        if b >= 0 and op[b] == {CONST}:",
              "            b = -1",
              f"        if a < 0 or op[a] == {CONST}:",
              "            a = b",
              "            b = -1",
              "        if a < 0 or r == -INF:",
              "            continue",
              "        if r > peak:",
              "            peak = r",
              "        L[i] = -INF",
              "        for x in (a, b):",
              "            if x < 0:",
              "                break",
              "            cur = L[x]",
              "            if cur == -INF:",
              "                L[x] = r",
              "            elif cur >= r:",
              "                L[x] = cur + _log10(1.0 + 10.0 ** (r - cur)) if r - cur > -30 "
              "else cur",
              "            else:",
              "                L[x] = r + _log10(1.0 + 10.0 ** (cur - r)) if cur - r > -30 "
              "else r",
              "    return top, peak"]
    # the value audit's error recurrence (diffx.value_audit.conditioning): per live op node,
    # E = eps·|v| + |∂v/∂a|·E_a + |∂v/∂b|·E_b (no eps·|v| for an op marked exact); returns
    # the first node past its limit, or -1
    lines += ["", "", "EPS = 2.0 ** -53", "", "", "@numba.njit(**_jit)",
              "def condition(vals, E, op, A, B, nodes, sub, limit_rel):",
              "    for k in range(nodes.size):",
              "        i = nodes[k]",
              "        o = op[i]",
              "        out = vals[i]",
              "        a = A[i]",
              "        b = B[i]",
              "        x = vals[a]",
              "        y = vals[b] if b >= 0 else 0.0",
              "        c0 = 0.0",
              "        c1 = 0.0"]
    lines.append("        e = EPS * abs(out)")
    for n, op in enumerate(ops):
        lines.append(f"        {'if' if n == 0 else 'elif'} o == {op.code}:  # {op.name}")
        if op.exact:  # its value is an argument's, or its negation, or a constant: no rounding
            lines.append("            e = 0.0")
        lines.append(f"            c0 = abs({op.partials[0]})")
        if op.arity == 2:
            lines.append(f"            c1 = abs({op.partials[1]})")
    # u - u, u + -u, -u + u: one rounding (negation adds none), cancelled exactly
    # (diffx.value_checks._operands)
    add, neg = _ops.BY_NAME["add"].code, _ops.BY_NAME["neg"].code
    lines += ["        if not (o == sub and a == b or o == "
              f"{add} and (op[b] == {neg} and A[b] == a or op[a] == {neg} and A[a] == b)):",
              "            ea = E[a]",
              "            if ea:",
              "                e += c0 * ea",
              "            if b >= 0:",
              "                eb = E[b]",
              "                if eb:",
              "                    e += c1 * eb",
              "        E[i] = e",
              "        lim = limit_rel * abs(out)",
              "        if e < INF and (e > lim and 0 < lim < INF or lim == 0 < e):",
              "            return i",
              "    return -1"]
    from .magnitudes import kernel_audit_lines

    lines += kernel_audit_lines(ops)  # the precision audit's scan at one point
    lines += condition_many_lines(ops)
    # the machine parser of big programs and the graph's set-up passes: diffx.parse_machine's
    # and diffx.graph_machine's text, compiled here with the kernel (their functions are
    # plain Python there, run by the tests as they are)
    for module in ("parse_machine_parts", "parse_machine", "graph_machine"):
        # (a machine module's imports from another are left out: here they share a namespace)
        machine = _RELATIVE.sub("", (Path(__file__).parent / f"{module}.py").read_text())
        lines += ["", "", machine,
                  f"MACHINE = {tuple(_DEF.findall(machine))!r}",
                  "for _name in MACHINE:",
                  "    globals()[_name] = numba.njit(**_jit, inline='always' if _name in "
                  "globals().get('INLINE', ()) else 'never')(globals()[_name])"]
    return "\n".join(lines) + "\n"


def kernel_file(directory: Path, ops: list[_ops.Op], names: list[str]) -> Path:
    """Write the kernel module into ``directory`` (once: its name is the hash of its text and
    of the helpers' source, so numba's on-disk cache next to it stays valid) and return it."""
    text = kernel_text(ops, names)
    helpers_source = (Path(__file__).parent / "op_namespaces.py").read_bytes()
    digest = hashlib.sha256(text.encode() + helpers_source).hexdigest()[:16]
    path = directory / f"diffx_kernel_{digest}.py"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{digest}")
        tmp.write_text(text)
        tmp.replace(path)
    return path
