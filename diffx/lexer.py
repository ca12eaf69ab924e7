"""The tokenizer of the expression language: source text to tokens with their offsets.

Line by line, one regular-expression match per token: the blanks before it, then a number, a
name, an operator, a punctuation mark, or a stray character (an error that names it and its
column). ``#`` starts a comment. A newline is a statement separator token; the end token
repeats forever, so look-ahead past the end is harmless.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .errors import ParseError

# token kinds
NUM, NAME, OP, LPAR, RPAR, COMMA, ASSIGN, SEP, END = range(9)

# One match per token, line by line: the blanks before it (group 1), then exactly one of
# number, name, operator, punctuation or a stray character. Comments are cut off first.
TOKEN_RE = re.compile(
    r"""
    ([ \t\r\f\v]*)
    (?:
        ((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)   # 2 number
      | ([A-Za-z_][A-Za-z0-9_]*)                            # 3 name
      | (\*\*|[-+*/^])                                      # 4 operator
      | ([(),=;])                                           # 5 punctuation
      | ([^ \t\r\f\v])                                      # 6 anything else: an error
    )
    """,
    re.VERBOSE | re.ASCII,
)
PUNCT = {"(": LPAR, ")": RPAR, ",": COMMA, "=": ASSIGN, ";": SEP}

Token = tuple[int, str, int, int]  # kind, text, start, end


def tokens(source: str) -> Iterator[Token]:
    """Tokens with their offsets; a newline is a SEP token; the END token repeats forever."""
    findall = TOKEN_RE.findall
    line_start = 0
    n = len(source)
    while line_start <= n:
        line_end = source.find("\n", line_start)
        if line_end == -1:
            line_end = n
        line = source[line_start:line_end]
        hash_at = line.find("#")
        if hash_at != -1:
            line = line[:hash_at]
        pos = line_start
        for blank, num, name, op, punct, bad in findall(line):
            pos += len(blank)
            if name:
                yield NAME, name, pos, pos + len(name)
                pos += len(name)
            elif num:
                yield NUM, num, pos, pos + len(num)
                pos += len(num)
            elif op:
                yield OP, op, pos, pos + len(op)
                pos += len(op)
            elif punct:
                yield PUNCT[punct], punct, pos, pos + 1
                pos += 1
            else:
                raise ParseError(f"unexpected character {show_char(bad)}", source, pos)
        if line_end < n:
            yield SEP, "\n", line_end, line_end + 1
        line_start = line_end + 1
    while True:  # the end repeats, so look-ahead past it is harmless
        yield END, "", n, n


def show_char(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return repr(ch)
    return f"U+{ord(ch):04X}"


def describe(tok: Token) -> str:
    kind, text = tok[0], tok[1]
    if kind == END:
        return "the end of the input"
    if kind == SEP:
        return "the end of the line" if text == "\n" else "';'"
    if kind == NUM:
        return f"the number {text}"
    if kind == NAME:
        return f"the name '{text}'"
    return f"'{text}'"
