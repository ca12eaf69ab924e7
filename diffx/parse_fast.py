"""The parser's fast path: statements of a shape seen before are built without re-parsing.

A big program repeats a few statement shapes (``l7 = 4*l6*(1 - l6)``, ``l8 = 4*l7*(1 - l7)``,
...). A statement's *skeleton* is its text with every letter and ``_`` read as ``a`` and every
digit as ``0`` (one ``str.translate``), so all those statements share one skeleton and differ
only in their *atoms*, the names and numbers (one ``findall``). The first time a skeleton
repeats, it is parsed once, here, by the same precedence rules as diffx.parser, into a short
straight-line function (generated source: only slot numbers, op codes and diffx's names, never
the user's text) that checks the atoms and then makes the builder calls the general parser would
make, in the same order, so the graph is the same node for node.

Anything unusual is left to the general parser, statement by statement: a skeleton outside the
plain subset (comments, Unicode forms, vector notation, implicit products ``2x``, exponents
``1e-3``, a parenthesis left open across a line, anything malformed), and a statement whose
atoms are unusual (the first use of an input, a constant ``pi``, an unknown function, a target
already taken, an infinite literal). The checks come before any builder call, so a statement
handed back leaves no trace, and the general parser's error is the one the user sees.
"""

from __future__ import annotations

import functools
import math
import re
import types
from typing import Any

from . import ops as _ops

# letters and '_' read as 'a', digits as '0'; every other byte stays itself (the statement's
# UTF-8 bytes: translating bytes is several times faster than translating a str)
_LETTERS = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_SKELETON = bytes.maketrans(_LETTERS + b"0123456789", b"a" * len(_LETTERS) + b"0" * 10)
_SKELETON_TOKEN = re.compile(r"[ \t\f\v]*(?:(a[a0]*)|(0+\.?0*|\.0+)|(\*\*|[-+*/^])|([(),=])|(.))")
MAX_SHAPES = 1024  # skeletons remembered per parse; past that, new ones go to the general parser
_PREC = {symbol: op.precedence for symbol, op in _ops.BY_SYMBOL.items()}
_RIGHT = {symbol: op.right for symbol, op in _ops.BY_SYMBOL.items()}
_CODE = {symbol: op.code for symbol, op in _ops.BY_SYMBOL.items()}
_UNARY_PREC = _ops.UNARY_PRECEDENCE
_NAME, _NUM, _OP, _PUNCT, _OTHER = range(1, 6)


def skeleton(statement: str) -> bytes:
    return statement.encode().translate(_SKELETON)


class Unusual(Exception):
    """A skeleton outside the fast path's subset (never seen by users)."""


def _skeleton_tokens(skel: str) -> list[tuple[int, str, int, int]]:
    """(kind, text, start, end) of a skeleton's tokens; Unusual for anything outside the subset."""
    if not skel.isascii():
        raise Unusual  # (and so byte offsets are character offsets)
    out: list[tuple[int, str, int, int]] = []
    pos, n = 0, len(skel)
    while pos < n:
        m = _SKELETON_TOKEN.match(skel, pos)
        assert m is not None
        kind = m.lastindex
        if kind is None:  # trailing blanks
            break
        if kind == _OTHER:
            raise Unusual
        text = m.group(kind)
        start = m.start(kind)
        if out and out[-1][3] == start and out[-1][0] in (_NAME, _NUM) and (
                kind in (_NAME, _NUM) or (out[-1][0] == _NUM and text == "(")):
            raise Unusual  # 2x, 1e-3, 2(x+1), x.5: the general parser decides
        out.append((kind, text, start, m.end()))
        pos = m.end()
    return out


def _events(skel: str) -> tuple[bool, int, list[tuple[Any, ...]], list[tuple[int, int]]]:
    """(has target, offset of the first token, events in builder-call order, atoms: where
    each slot's text is in the statement).

    Events: ("name", slot), ("num", slot), ("bin", code), ("neg",), ("call", slot, arity).
    The shunting-yard below is diffx.parser's for the subset: the same precedences, the same
    moments of reduction, so the events come in the order the general parser calls the builder.
    """
    toks = _skeleton_tokens(skel)
    if not toks:
        raise Unusual  # an empty statement: the general parser skips it
    target = len(toks) >= 2 and toks[0][0] == _NAME and toks[1][1] == "="
    i = 2 if target else 0
    slot = 1 if target else 0
    events: list[tuple[Any, ...]] = []
    stack: list[tuple[str, int, Any]] = []  # (kind, precedence, payload): bin/neg/pos/paren/call
    expect_operand = True
    depth = 0

    def reduce_while(prec: int | None, right: bool = False) -> None:
        while stack and stack[-1][0] in ("bin", "neg", "pos") and (
                prec is None or stack[-1][1] > prec or (stack[-1][1] == prec and not right)):
            kind, _, payload = stack.pop()
            if kind == "bin":
                events.append(("bin", payload))
            elif kind == "neg":
                events.append(("neg",))

    while i < len(toks):
        kind, text, _, _ = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if expect_operand:
            if kind == _NAME:
                if nxt is not None and nxt[1] == "(":
                    stack.append(("call", 0, [slot, 0]))
                    depth += 1
                    i += 1  # past the '('
                    if i + 1 < len(toks) and toks[i + 1][1] == ")":
                        raise Unusual  # f(): an error message for the general parser
                else:
                    events.append(("name", slot))
                    expect_operand = False
                slot += 1
            elif kind == _NUM:
                events.append(("num", slot))
                slot += 1
                expect_operand = False
            elif text in ("-", "+"):
                stack.append(("neg" if text == "-" else "pos", _UNARY_PREC, None))
            elif text == "(":
                stack.append(("paren", 0, None))
                depth += 1
            else:
                raise Unusual
        elif kind == _OP:
            reduce_while(_PREC[text], _RIGHT[text])
            stack.append(("bin", _PREC[text], _CODE[text]))
            expect_operand = True
        elif text == ")":
            reduce_while(None)
            if not stack:
                raise Unusual
            entry = stack.pop()
            depth -= 1
            if entry[0] == "call":
                call_slot, commas = entry[2]
                events.append(("call", call_slot, commas + 1))
        elif text == ",":
            reduce_while(None)
            if not stack or stack[-1][0] != "call" or stack[-1][2][1] >= 1:
                raise Unusual  # only binary functions take a comma, and only one
            stack[-1][2][1] += 1
            expect_operand = True
        else:
            raise Unusual
        i += 1
    if expect_operand or depth:
        raise Unusual
    reduce_while(None)
    if stack:
        raise Unusual
    atoms = [(start, end) for kind, _, start, end in toks if kind in (_NAME, _NUM)]
    assert len(atoms) == slot
    return target, toks[0][2], events, atoms


@functools.lru_cache(maxsize=MAX_SHAPES)
def _replay_code(skel: bytes) -> types.CodeType | None:
    """The compiled replay of a skeleton, or None when it is outside the subset.

    ``replay(s, at)`` takes the statement's text ``s`` and its start offset; its atoms (target,
    names, numbers and function names) are at the skeleton's fixed offsets. It returns False,
    having built nothing, when an atom is unusual, else builds the statement and returns True.
    """
    try:
        target, first, events, atoms = _events(skel.decode("latin-1"))
    except Unusual:
        return None
    check = [f"    t{k} = s[{start}:{end}]" for k, (start, end) in enumerate(atoms)]
    build: list[str] = []
    if target:
        check += ["    s0 = t0",
                  "    if s0 in assigned or s0 in free or s0 in RESERVED:",
                  "        return False"]
    values: list[str] = []
    temp = 0
    for event in events:
        what = event[0]
        if what == "name":
            k = event[1]
            check += [f"    v{k} = assigned_get(t{k})",
                      f"    if v{k} is None:",
                      f"        if t{k} not in free:",
                      "            return False",  # a new input, a constant, an error
                      f"        v{k} = input_node(t{k})"]
            values.append(f"v{k}")
        elif what == "num":
            k = event[1]
            check += [f"    c{k} = const_get(t{k})",
                      f"    if c{k} is None:",
                      f"        f{k} = float(t{k})",
                      f"        if f{k} == INF:",
                      "            return False"]
            build += [f"    if c{k} is None:",
                      f"        c{k} = new_const(t{k}, f{k})"]
            values.append(f"c{k}")
        elif what == "bin":
            y, x = values.pop(), values.pop()
            build += _inline_node(f"n{temp}", str(event[1]), x, y)
            values.append(f"n{temp}")
            temp += 1
        elif what == "neg":
            build.append(f"    n{temp} = negate({values.pop()})")
            values.append(f"n{temp}")
            temp += 1
        else:  # call
            k, arity = event[1], event[2]
            check += [f"    o{k} = FUNCTIONS.get(t{k})",
                      f"    if o{k} is None or o{k}.arity != {arity}:",
                      "        return False"]
            args = [values.pop() for _ in range(arity)][::-1]
            build.append(f"    n{temp} = node(o{k}.code, {args[0]}, "
                         f"{args[1] if arity == 2 else -1})")
            values.append(f"n{temp}")
            temp += 1
    assert len(values) == 1
    # GraphBuilder.statement, inline; run() counts the statements for the builder
    if target:
        build.append(f"    assigned[s0] = {values[0]}")
    build += [f"    names_append({'s0' if target else 'None'})",
              f"    nodes_append({values[0]})",
              f"    offsets_append(at + {first})"]
    source = "def replay(s, at):\n" + "\n".join(check + build) + "\n    return True\n"
    module = compile(source, "<diffx statement shape>", "exec")
    return next(c for c in module.co_consts if isinstance(c, types.CodeType))


def _inline_node(var: str, code: str, x: str, y: str) -> list[str]:
    """GraphBuilder.node(code, x, y) for a binary op, inline but for its dict: the anchor (the
    later argument) has no node yet, or its first or second one is this node; else the call."""
    same = f"op[{var}] != {code} or A[{var}] != {x} or B[{var}] != {y}"

    def new_in(slot: str, pad: str) -> list[str]:  # a new node, filed in the anchor's slot
        return [f"{pad}if {var} < 0:",
                f"{pad}    {var} = {slot}[k] = len(A)",
                f"{pad}    op_append({code})",
                f"{pad}    A_append({x})",
                f"{pad}    B_append({y})",
                f"{pad}    first_append(-1)",
                f"{pad}    second_append(-1)"]

    return [f"    k = {x} if {x} > {y} else {y}",
            f"    {var} = first[k]",
            *new_in("first", "    "),
            f"    elif {same}:",
            f"        {var} = second[k]",
            *new_in("second", "        "),
            f"        elif {same}:",
            f"            {var} = node({code}, {x}, {y})"]


def _no(s: str, at: int) -> bool:
    return False


def _blank(s: str, at: int) -> bool:
    return True  # an empty statement: nothing to build


class FastStatements:
    """Runs of usual statements built by replaying their shape (see the module docstring)."""

    def __init__(self, source: str, builder: Any, free: dict[str, int],
                 negate: Any) -> None:
        self.source = source
        self.builder = builder
        self.next_separators = -1, -1  # (new line, ';'): see _run
        self.shapes: dict[bytes, Any] = {}  # skeleton -> replay function (or _no, _blank)
        self.seen: set[bytes] = set()  # skeletons met once (compiled when met again)
        consts: dict[str, int] = {}  # literal text -> its node

        def new_const(text: str, value: float) -> int:
            node = consts[text] = builder.const(value, text)
            return node

        self.space = {
            "assigned": builder.assigned, "assigned_get": builder.assigned.get, "free": free,
            "input_node": builder.input, "const_get": consts.get, "new_const": new_const,
            "node": builder.node, "negate": negate, "statement": builder.statement,
            # GraphBuilder's arrays, for the inline common case of its ``node``
            "first": builder._first, "second": builder._second, "op": builder.op,
            "A": builder.a, "B": builder.b, "names_append": builder.statement_names.append,
            "nodes_append": builder.statement_nodes.append,
            "offsets_append": builder.statement_offsets.append,
            "op_append": builder.op.append, "A_append": builder.a.append,
            "B_append": builder.b.append, "first_append": builder._first.append,
            "second_append": builder._second.append,
            "FUNCTIONS": _ops.FUNCTIONS, "INF": math.inf,
            "RESERVED": frozenset(_ops.FUNCTIONS) | frozenset(_ops.CONSTANTS),
            "len": len, "float": float,
        }

    def _learn(self, skel: bytes) -> Any:
        if not skel.strip(b" \t\f\v"):
            fn: Any = _blank
        elif skel not in self.seen:  # once: the general parser reads it
            if len(self.seen) < MAX_SHAPES:
                self.seen.add(skel)
            return _no
        else:
            code = _replay_code(skel)
            fn = _no if code is None else types.FunctionType(code, self.space, "replay")
        if len(self.shapes) < MAX_SHAPES:
            self.shapes[skel] = fn
        return fn

    def run(self, pos: int) -> int:
        """Build the statements from offset ``pos`` on while they are usual; returns the
        offset of the first one the general parser must read, or -1 at the end."""
        try:
            return self._run(pos)
        finally:
            self.builder.statements_recorded()

    def _run(self, pos: int) -> int:
        source = self.source
        n = len(source)
        find, get = source.find, self.shapes.get
        # the next new line and ';' at or after pos, kept from call to call: found afresh on
        # every call, each would scan to the end of a long line (quadratic)
        nl, sc = self.next_separators
        while pos < n:
            if nl < pos:
                nl = find("\n", pos)
                if nl == -1:
                    nl = n
            if sc < pos:
                sc = find(";", pos)
                if sc == -1:
                    sc = n
            end = nl if nl < sc else sc
            statement = source[pos:end]
            skel = statement.encode().translate(_SKELETON)
            fn = get(skel)
            if fn is None:
                fn = self._learn(skel)
            if not fn(statement, pos):
                self.next_separators = nl, sc
                return pos
            pos = end + 1
        return -1
