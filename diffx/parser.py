"""The expression language: an explicit-stack parser over the tokens of diffx.lexer.

Grammar (docs/language.md): numbers (``3``, ``2.5``, ``.5``, ``1e-3``), names, the constants ``pi``
and ``e``, ``+ - * /``, power ``^`` or ``**`` (right-associative, ``-x^2`` is ``-(x^2)``, ``2^-x``
is allowed), unary minus, a number directly before a name or ``(`` multiplies (``2x^2`` is
``2*(x^2)``), calls to the functions of the op table, and programs: statements separated by ``;``
or newlines, ``name = expr`` names a node, the last statement is the output. A ``#`` starts a
comment that runs to the end of the line; a newline inside parentheses continues the statement.
Vector notation (``@``, ``W.T``, ``v[0]``, ``sum(...)``) is read by the same loop at the block
level (diffx.vector_syntax, diffx.program). The Unicode forms ``x²`` ``·`` ``×`` ``÷`` ``−`` ``π``
``√`` read as their ASCII spelling (diffx.lexer); a leading byte-order mark and CR or CRLF line
ends are accepted. ``parse_expression`` reads exactly one expression (a point's value, a claim).

Nothing here recurses on the nesting depth: operators and parentheses wait on an explicit stack
(shunting-yard), so 100,000 nested parentheses parse, or fail with a message, without touching
Python's recursion limit. Nothing from the source is ever evaluated as Python. The wording of
the errors (what is wrong, where, and a hint) is diffx.parse_errors'.
"""

from __future__ import annotations

import math
from typing import Any

from . import blockops as _blockops
from . import ops as _ops
from . import parse_errors as _errors
from .errors import ParseError
from .graph_builder import GraphBuilder
from .lexer import (ASSIGN, COMMA, END, LBRACK, LPAR, MATMUL, NAME, NUM, OP, ROOT, RPAR,
                    SEP, TRANSPOSE, Token, tokens)
from .parse_errors import n_arguments
from .parse_fast import FastStatements
from .vector_syntax import BlockCall, NeedsBlocks, read_index

# operator-stack entries: (kind, precedence, payload, offset); precedences from the op table
_BIN, _NEG, _POS, _PAREN, _CALL, _ROOT = range(6)
# The payload's type follows the kind: the op code (int) for _BIN, (Op, arguments so far) for
# _CALL, None otherwise -- a tag mypy cannot narrow a tuple element by, hence Any.
_Entry = tuple[int, int, Any, int]
_PREC = {symbol: op.precedence for symbol, op in _ops.BY_SYMBOL.items()}
_RIGHT = {symbol: op.right for symbol, op in _ops.BY_SYMBOL.items()}
_UNARY_PREC = _ops.UNARY_PRECEDENCE
_BINARY = {symbol: op.code for symbol, op in _ops.BY_SYMBOL.items()}
_NEG_CODE = _ops.BY_NAME["neg"].code
_SQRT_CODE = _ops.BY_NAME["sqrt"].code
_ROOT_PREC = max(_PREC.values()) + 1  # √x^2 is (√x)^2: the root sign binds like a call


_VECTOR_TOKENS = (MATMUL, LBRACK, TRANSPOSE)
ALIASES = {"ln": "log"}  # other spellings of a function, read as the op table's name


class _Parser:
    def __init__(self, source: str, builder: Any = None, fast: bool = True) -> None:
        self.source = source
        self.fast = fast
        self.b: Any = GraphBuilder(source) if builder is None else builder
        self.blocks = builder is not None  # vector mode: @, [], .T and block functions
        self.gen = tokens(source).__next__
        self.ahead: Token | None = None
        self.assigned = self.b.assigned  # name -> node (offsets are found again on error)
        self.free: dict[str, int] = {}  # input name -> offset of its first use
        self.resume, self.stop = 0, (END, "", 0, 0)  # fast path: where to resume; what ended

    # -- token stream with one token of look-ahead
    def next(self) -> Token:
        if self.ahead is not None:
            tok, self.ahead = self.ahead, None
            return tok
        return self.gen()

    def peek(self) -> Token:
        if self.ahead is None:
            self.ahead = self.gen()
        return self.ahead

    def error(self, message: str, offset: int, length: int = 1) -> ParseError:
        return ParseError(message, self.source, offset, length)

    # -- programs
    def program(self) -> Any:  # the builder's result: a Graph, or a BlockProgram
        # shapes met before are replayed (diffx.parse_fast); the others are read here
        fast = None if self.blocks or not self.fast else \
            FastStatements(self.source, self.b, self.free, self.negate)
        while True:
            if fast is not None:
                at = fast.run(self.resume)
                if at < 0:
                    break
                self.gen, self.ahead = tokens(self.source, at).__next__, None
            tok = self.next()
            while tok[0] == SEP:
                tok = self.next()
            if tok[0] == END:
                break
            target, statement_at = None, tok[2]
            if tok[0] == NAME and self.peek()[0] == ASSIGN:
                target = tok
                bad = _errors.bad_target(self.source, tok, self.assigned, self.free)
                if bad is not None:
                    raise bad
                self.next()  # '='
                first = self.next()
                if first[0] in (SEP, END):
                    raise self.error(f"nothing after '=' in the assignment to '{tok[1]}'",
                                     first[2])
            else:
                first = tok
            node = self.expression(first, target)
            self.b.statement(target[1] if target else None, node, statement_at)
            if self.stop[0] == END:
                break
            self.resume = self.stop[3]  # past the statement's separator
        if not self.b.n_statements:
            raise self.error("empty expression: nothing to differentiate", 0)
        return self.b.finish()

    # -- expressions: shunting-yard over an explicit operator stack
    def expression(self, tok: Token, target: Token | None) -> int:
        """One expression, up to the end of its statement; returns its node.

        The hot path of the parser: token reads and binary operators are inlined; sharing
        (hash-consing) is GraphBuilder.node's alone.
        """
        values: list[int] = []
        stack: list[_Entry] = []
        depth = 0  # open parentheses and calls on the stack
        expect_operand = True
        ahead, gen = self.ahead, self.gen
        share = self.b.node  # (code, x, y) -> the shared node code(x, y)
        assigned_get = self.assigned.get
        reducible = (_BIN, _NEG, _POS, _ROOT)

        while True:
            kind, text, start, end = tok
            if kind == SEP and depth and text == "\n":
                pass  # a newline inside parentheses continues the statement
            elif expect_operand:
                if kind == NAME:
                    if ahead is None:
                        ahead = gen()
                    if ahead[0] == LPAR:
                        stack.append(self.call(tok))
                        depth += 1
                        ahead = gen()  # past the '('
                        if ahead[0] == RPAR:
                            op = stack[-1][2][0]
                            raise self.error(f"{op.name} takes {n_arguments(op.arity)}, got none",
                                             start, len(text))
                    else:
                        node = assigned_get(text)
                        values.append(node if node is not None else self.name(tok, target))
                        expect_operand = False
                elif kind == NUM:
                    values.append(self.number(text, start))
                    if ahead is None:
                        ahead = gen()
                    if ahead[2] == end and ahead[0] in (NAME, LPAR, ROOT):  # 2x, 2(x+1)
                        self.push_binary(stack, values, "*", end)
                    else:
                        expect_operand = False
                elif kind == OP and text in "-+":
                    stack.append((_NEG if text == "-" else _POS, _UNARY_PREC, None, start))
                elif kind == LPAR:
                    stack.append((_PAREN, 0, None, start))
                    depth += 1
                elif kind == ROOT:  # √x, √(x+1): sqrt of the operand that follows
                    stack.append((_ROOT, _ROOT_PREC, None, start))
                else:
                    raise _errors.missing_operand(self.source, tok, self.stack_top(stack))
            elif kind == OP:
                prec, right = _PREC[text], _RIGHT[text]
                while stack and stack[-1][0] in reducible and (
                        stack[-1][1] > prec or (stack[-1][1] == prec and not right)):
                    entry = stack.pop()
                    if entry[0] == _BIN:
                        y = values.pop()
                        values[-1] = share(entry[2], values[-1], y, entry[3])
                    else:
                        self.reduce(entry, values)
                stack.append((_BIN, prec, _BINARY[text], start))
                expect_operand = True
            elif kind == RPAR:
                while stack and stack[-1][0] in reducible:
                    entry = stack.pop()
                    if entry[0] == _BIN:
                        y = values.pop()
                        values[-1] = share(entry[2], values[-1], y, entry[3])
                    else:
                        self.reduce(entry, values)
                if not stack:
                    raise self.error("unmatched ')': no '(' before it", start)
                entry = stack.pop()
                depth -= 1
                if entry[0] == _CALL:
                    self.finish_call(entry, values, start)
            elif kind == COMMA:
                while stack and stack[-1][0] in reducible:
                    self.reduce(stack.pop(), values)
                if not stack or stack[-1][0] != _CALL:
                    raise self.error("',' is only allowed between a function's arguments",
                                     start)
                call = stack.pop()
                op, count = call[2]
                if count + 1 >= op.arity:
                    raise self.error(f"{op.name} takes {n_arguments(op.arity)}, got more than "
                                     f"{op.arity}", start)
                stack.append((_CALL, 0, (op, count + 1), call[3]))
                expect_operand = True
            elif kind == SEP or kind == END:
                while stack:
                    entry = stack.pop()
                    if entry[0] == _BIN:
                        y = values.pop()
                        values[-1] = share(entry[2], values[-1], y, entry[3])
                    elif entry[0] in (_PAREN, _CALL):
                        raise self.error("'(' is never closed", _errors.paren_at(
                            entry[0] == _CALL, entry[3], self.source))
                    else:
                        self.reduce(entry, values)
                self.ahead, self.stop = ahead, tok
                return values[-1]
            elif kind == ASSIGN:
                raise self.error("'=' must follow a name at the start of a statement "
                                 "(statements are separated by ';' or new lines)", start)
            elif kind in _VECTOR_TOKENS:
                if not self.blocks:
                    raise NeedsBlocks
                self.ahead = ahead
                expect_operand = self.postfix(tok, stack, values)
                ahead, self.ahead = self.ahead, None
            else:
                raise _errors.missing_operator(self.source, tok, self.blocks, next((
                    _errors.paren_at(e[0] == _CALL, e[3], self.source) for e in reversed(stack)
                    if e[0] in (_PAREN, _CALL)), None))
            if ahead is not None:
                tok, ahead = ahead, None
            else:
                tok = gen()

    def postfix(self, tok: Token, stack: list[_Entry], values: list[int]) -> bool:
        """Vector notation after an operand: ``@`` (binds like ``*``), ``.T`` and indexing
        ``v[0]``, ``W[1,0]`` (both bind tighter than ``^``). True when an operand follows."""
        kind, start = tok[0], tok[2]
        if kind == MATMUL:
            self.push_binary(stack, values, "*", start)
            stack[-1] = (_BIN, stack[-1][1], _blockops.MATMUL, start)
            return True
        if kind == TRANSPOSE:
            values[-1] = self.b.node(_blockops.TRANSPOSE, values[-1], -1, start)
            return False
        index = read_index(self.next, self.source, start)
        values[-1] = self.b.index(values[-1], index, start)
        return False

    def push_binary(self, stack: list[_Entry], values: list[int], symbol: str, at: int) -> None:
        prec, right = _PREC[symbol], _RIGHT[symbol]
        while stack and stack[-1][0] in (_BIN, _NEG, _POS, _ROOT) and (
                stack[-1][1] > prec or (stack[-1][1] == prec and not right)):
            self.reduce(stack.pop(), values)
        stack.append((_BIN, prec, _BINARY[symbol], at))

    def stack_top(self, stack: list[_Entry]) -> tuple[str, str] | None:
        """What waits on top of the operator stack, for a message; None for none."""
        if not stack:
            return None
        kind, _, payload, at = stack[-1]
        return _errors.waiting(self.source, {_PAREN: "paren", _CALL: "call"}.get(kind, "op"),
                               payload[0].name if kind == _CALL else "", at)

    def number(self, text: str, start: int) -> int:
        value = float(text)
        if math.isinf(value):
            raise self.error(f"the number {text} is too large for a float", start, len(text))
        return self.b.const(value, text)

    def name(self, tok: Token, target: Token | None) -> int:
        name, start = tok[1], tok[2]
        node = self.assigned.get(name)
        if node is not None:
            return node
        if name in _ops.FUNCTIONS:
            raise _errors.function_without_parentheses(self.source, name, start)
        if name in _ops.CONSTANTS:
            return self.b.const(_ops.CONSTANTS[name], name)
        if target is not None and name == target[1]:
            raise self.error(
                f"'{name}' is used in its own definition (a program assigns each name once: "
                f"write e.g. {_errors.fresh(name, self.assigned)} = ... from an earlier "
                f"{name})", start, len(name))
        self.free.setdefault(name, start)
        return self.b.input(name)

    def call(self, tok: Token) -> _Entry:
        name, start = tok[1], tok[2]
        op: Any = _ops.FUNCTIONS.get(name)
        if op is None and name in ALIASES and name not in self.assigned \
                and name not in self.free:
            op = _ops.FUNCTIONS[ALIASES[name]]  # ln(x) as the lectures write it: log(x)
        if op is None and name in _blockops.FUNCTIONS and name not in self.assigned:
            if not self.blocks:
                raise NeedsBlocks
            op = BlockCall(name, _blockops.ARITY[name], _blockops.FUNCTIONS[name])
        if op is None:
            is_value = name in self.assigned or name in self.free or name in _ops.CONSTANTS
            raise _errors.not_a_function(self.source, name, start, is_value)
        return (_CALL, 0, (op, 0), start)

    def finish_call(self, entry: _Entry, values: list[int], at: int) -> None:
        op, count = entry[2]
        if count + 1 != op.arity:
            raise self.error(f"{op.name} takes {n_arguments(op.arity)}, got {count + 1}",
                             entry[3], len(op.name))
        if op.arity == 1:
            values.append(self.b.node(op.code, values.pop(), -1, entry[3]))
        else:
            y = values.pop()
            values.append(self.b.node(op.code, values.pop(), y, entry[3]))

    def reduce(self, entry: _Entry, values: list[int]) -> None:
        kind = entry[0]
        if kind == _BIN:
            y = values.pop()
            values.append(self.b.node(entry[2], values.pop(), y, entry[3]))
        elif kind == _NEG:
            values.append(self.negate(values.pop()))
        elif kind == _ROOT:
            values.append(self.b.node(_SQRT_CODE, values.pop()))
        # _POS: unary plus changes nothing


    def negate(self, x: int) -> int:
        """Unary minus: ``-3`` is the constant -3, not neg(3)."""
        if self.b.is_literal(x):
            value, text = self.b.leaf[x]
            text = text[1:] if text.startswith("-") else "-" + text
            return self.b.const(-value, text)
        return self.b.node(_NEG_CODE, x)


def parse_text(text: str, builder: Any = None, fast: bool = True) -> Any:
    """The program in ``text`` (normalised) as ``builder`` builds it: a Graph by default. In
    scalar mode the first vector notation raises ``NeedsBlocks`` (see diffx.program).
    ``fast=False``: no statement is replayed (the reference the fast path is tested against)."""
    return _Parser(text, builder, fast).program()
