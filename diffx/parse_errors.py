"""What the parser says when the text is not a program: the messages of its ParseErrors.

Each function here words one kind of mistake -- a name assigned twice or used before it is
assigned, an unknown function, a function written without its parentheses, a missing
operator, a statement where one expression is wanted -- with where it happened and a hint
(``did you mean 'sin'?``, ``write '*' to multiply``, a fresh name to use instead). The grammar
itself is diffx.parser's; nothing here builds graph nodes.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from . import ops as _ops
from .errors import ParseError
from .lexer import ASSIGN, COMMA, END, LPAR, NAME, NUM, OP, RPAR, SEP, Token, describe, tokens


def where(source: str, offset: int) -> str:
    """``line 2, column 5`` in a program of several lines, ``column 5`` in one line."""
    line = source.count("\n", 0, offset) + 1
    col = offset - (source.rfind("\n", 0, offset) + 1) + 1
    multi = "\n" in source.rstrip("\n")
    return f"line {line}, column {col}" if multi else f"column {col}"


def first_assignment(source: str, name: str) -> int:
    """Where ``name`` was first assigned (found again only when an error needs it)."""
    starts_statement, candidate = True, None
    for kind, text, start, _ in tokens(source):
        if kind == END:
            break
        if kind == ASSIGN and candidate is not None:
            return candidate
        candidate = start if (starts_statement and kind == NAME and text == name) else None
        starts_statement = kind == SEP
    return 0


def fresh(name: str, taken: dict[str, int]) -> str:
    """A name not yet taken, to suggest instead of ``name``: ``a`` -> ``a2``, ``y2`` -> ``y3``."""
    stem = name.rstrip("0123456789") or name
    i = 2
    while f"{stem}{i}" in taken:
        i += 1
    return f"{stem}{i}"


def n_arguments(n: int) -> str:
    return "1 argument" if n == 1 else f"{n} arguments"


def bad_target(source: str, tok: Token, assigned: dict[str, int],
               free: dict[str, int]) -> ParseError | None:
    """Why ``tok`` cannot be the target of an assignment, or None if it can."""
    name, at = tok[1], tok[2]
    if name in _ops.FUNCTIONS:
        message = f"cannot assign to '{name}': it is a function name"
    elif name in _ops.CONSTANTS:
        message = f"cannot assign to '{name}': it is a constant"
    elif name in assigned:
        message = (f"'{name}' is assigned twice (first at "
                   f"{where(source, first_assignment(source, name))}); "
                   f"each statement needs a new name (such as {fresh(name, assigned)})")
    elif name in free:
        message = (f"'{name}' is used at {where(source, free[name])} before it is assigned; "
                   "assign a name before using it")
    else:
        return None
    return ParseError(message, source, at, len(name))


def function_without_parentheses(source: str, name: str, start: int) -> ParseError:
    """A function name used as a value: ``sin x`` or ``sin²(x)``."""
    op = _ops.FUNCTIONS[name]
    after = source[start + len(name):start + len(name) + 1]
    if after and after in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺^":  # sin²(x), sin^2(x): as printed in books
        return ParseError(f"a power of a function goes after its argument: write "
                          f"{name}(x)^2, not {name}²(x)", source, start, len(name))
    return ParseError(f"function '{name}' needs its argument{'s' * (op.arity > 1)} in "
                      f"parentheses (write {name}({', '.join('xy'[:op.arity])}))",
                      source, start, len(name))


def not_a_function(source: str, name: str, start: int, is_value: bool) -> ParseError:
    """``name(`` where ``name`` is no function: a value (``is_value``) or an unknown name."""
    if is_value:
        return ParseError(f"'{name}' is not a function; write '{name}*(...)' to multiply",
                          source, start, len(name))
    close = difflib.get_close_matches(name, sorted(_ops.FUNCTIONS), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else (
        f"; to multiply write '{name}*(...)'; the functions are "
        + ", ".join(sorted(_ops.FUNCTIONS)))
    return ParseError(f"unknown function '{name}'{hint}", source, start, len(name))


def missing_operand(source: str, tok: Token, top: tuple[str, str] | None) -> ParseError:
    """No operand where one is needed; ``top`` is what waits for it on the parser's operator
    stack (its kind, ``call``, ``paren`` or ``operator``, and its text), None if nothing."""
    kind, text, start, end = tok
    if kind == RPAR:
        if top is not None and top[0] == "call":
            message = "a function argument is missing before ')'"
        elif top is not None and top[0] == "paren":
            message = "empty parentheses '()'"
        else:
            message = "an operand is missing before ')'"
    elif kind in (SEP, END):
        message = (f"the expression ends after {top[1]}, which needs an operand" if top
                   else "the expression is missing")
        if kind == END:  # just past the last text, not on the empty line a source ends with
            start = end = len(source[:start].rstrip())
    elif kind == OP:
        message = f"'{text}' needs a value on its left"
    elif kind == COMMA:
        message = "a function argument is missing before ','"
    elif kind == ASSIGN:
        message = "'=' must follow a name at the start of a statement"
    else:
        message = f"unexpected {describe(tok)}"
    return ParseError(message, source, start, max(1, end - start))


def paren_at(call: bool, at: int, source: str) -> int:
    """The offset of an open '(' the parser's stack holds: its own offset ``at``, or for a
    call the first '(' after the function's name (which starts at ``at``)."""
    return source.index("(", at) if call else at


def missing_operator(source: str, tok: Token, blocks: bool = False,
                     open_paren: int | None = None) -> ParseError:
    """An operand where an operator should be: ``x y``, ``2 (x)``, ``(a)(b)``. In a vector
    program (``blocks``) the hint offers ``@`` too (``xᵀ A x`` is not read as a product:
    write ``x.T @ A @ x``). Inside parentheses (``open_paren``: the innermost '(' at that
    offset), an operand that starts a line says that '(' is never closed: a new line inside
    parentheses continues the statement, so the next line was read as more of it."""
    kind, _, start, end = tok
    line = source.rfind("\n", 0, start) + 1
    if open_paren is not None and not source[line:start].strip():
        return ParseError("inside parentheses a new line continues the statement, so "
                          f"{describe(tok)} on the next line was read as more of it: the "
                          "'(' is never closed", source, open_paren, 1)
    prev = source[:start].rstrip()
    hint = ""
    if kind == LPAR:
        hint = "; write '*' to multiply"
    elif kind in (NAME, NUM) and start > len(prev):
        hint = "; write '*' to multiply, or ';' to start a new statement"
    if blocks:
        hint = hint.replace("write '*' to multiply", "write '@' for a matrix product or '*' "
                            "for an elementwise one")
    return ParseError(f"missing operator before {describe(tok)}{hint}", source, start,
                      max(1, end - start))


def waiting(source: str, kind: str, name: str, at: int) -> tuple[str, str]:
    """What waits on top of the parser's operator stack, for a message: ``("call",
    "'sin('")``, ``("paren", "'('")`` or ``("operator", "'*'")`` (read at ``at``)."""
    if kind == "paren":
        return "paren", "'('"
    if kind == "call":
        return "call", f"'{name}('"
    sym = source[at:at + 2]
    return "operator", f"'{sym if sym == '**' else sym[:1]}'"


def check_one_expression(source: str) -> None:
    """Refuse a ``;``, a line end outside parentheses or an ``=``: the text must be one
    expression (a point's value, a claim), not a program of statements."""
    depth = 0
    for kind, text, start, _ in tokens(source):
        if kind == END:
            break
        if kind == LPAR:
            depth += 1
        elif kind == RPAR:
            depth -= 1
        elif kind == ASSIGN:
            raise ParseError("'=' cannot appear here: this must be one expression, not an "
                             "assignment", source, start)
        elif kind == SEP and not (text == "\n" and depth > 0):
            what = "';'" if text == ";" else "a new line"
            raise ParseError(f"{what} cannot appear here: this must be one expression, not a "
                             "program of statements", source, start)


def slip_hint(source: str, assigned: Any, name: str) -> str:
    """For an input without a value that may be a slip (``l4999x`` in a long program): where
    it is first used, in a program (``source``) of many lines, and the name of ``assigned``
    (the names the program assigns) it is closest to."""
    said, line = [], ""
    found = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", source)
    if found and "\n" in source.strip():
        at = found.start()
        start, end = source.rfind("\n", 0, at) + 1, source.find("\n", at)
        line = source[start:end if end >= 0 else len(source)]
        number = source.count("\n", 0, at) + 1
        said.append(f"used at line {number}, column {at - start + 1}")
    # the names beside it first, not the statement's target (l5000x in 'l50001 =
    # 4*l5000x*(1 - l50000)' is l50000: l50001 cannot be used in its own definition)
    line = re.sub(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=(?!=)", "", line)
    beside = [n for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", line) if n in assigned]
    close = difflib.get_close_matches(name, beside, n=1, cutoff=0.75) or \
        difflib.get_close_matches(name, list(assigned), n=1, cutoff=0.8)
    if close:
        said.append(f"did you mean {close[0]!r}, which the program assigns?")
    return f" ({'; '.join(said)})" if said else ""
