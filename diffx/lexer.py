"""The tokenizer of the expression language: source text to tokens with their offsets.

One regular-expression match per token over the whole source: the blanks before it, then a number, a
name, an operator, a punctuation mark, one of the Unicode math forms, or a stray character (an
error that names it and its column). ``#`` starts a comment. A newline is a statement separator
token; the end token repeats forever, so look-ahead past the end is harmless.

Numbers are decimal (``3``, ``2.5``, ``.5``, ``5.``, ``1e-3``). A number directly followed by
what looks like the rest of a malformed literal is an error rather than an implicit product:
``1e`` / ``2E+x`` (an exponent without digits; ``2e`` is not read as 2 times e, while
``8e^(2x)`` and ``2e²`` are products with a power of e, as lecture notes write them), ``0x10``,
``0b1``, ``0o7`` (no hexadecimal, binary or octal), ``1_000`` (no digit separators).

The Unicode math forms people type or paste (docs/language.md) are read as their ASCII
spelling, token by token, so columns stay those of the source: ``·`` ``×`` ``⋅`` (``*``), ``÷``
(``/``), ``−`` (``-``), ``π`` (``pi``), superscripts ``x²`` ``x⁻¹`` (``^2``, ``^-1``) and the
root sign ``√`` (a ROOT token: ``√x`` is ``sqrt(x)``, binding tighter than ``^``). Any other
character outside ASCII is an error naming it and its column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .errors import ParseError

# token kinds
NUM, NAME, OP, LPAR, RPAR, COMMA, ASSIGN, SEP, END, ROOT = range(10)
# the vector and matrix notation: ``@``, ``[`` ``]`` (indexing) and the postfix transpose
MATMUL, LBRACK, RBRACK, TRANSPOSE = range(10, 14)

_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPT_DIGITS, "0123456789")

# One match per token over the whole source (no line is ever copied or held): the blanks before
# it (group 1), then exactly one of a new line, a comment, a number, a name, an operator,
# punctuation, a superscript power, or a stray character.
TOKEN_RE = re.compile(
    r"""
    ([ \t\r\f\v]*)
    (?:
        (\n)                                                # 2 new line: a separator
      | (\#[^\n]*)                                          # 3 comment, to the end of the line
      | ((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)   # 4 number
      | ([A-Za-z_][A-Za-z0-9_]*|π)                          # 5 name
      | (\*\*|[-+*/^·×⋅÷−])                                 # 6 operator
      | ([(),=;√@\[\]]|\.T(?![A-Za-z0-9_])|ᵀ)                # 7 punctuation
      | ([⁻⁺][⁰¹²³⁴⁵⁶⁷⁸⁹]*|[⁰¹²³⁴⁵⁶⁷⁸⁹]+)                   # 8 superscript power
      | ([^ \t\r\f\v])                                      # 9 anything else: an error
    )
    """,
    re.VERBOSE | re.ASCII,
)
_NEWLINE, _COMMENT, _NUMBER, _NAME, _OPERATOR, _PUNCT, _SUPER = range(2, 9)
PUNCT = {"(": LPAR, ")": RPAR, ",": COMMA, "=": ASSIGN, ";": SEP, "√": ROOT, "@": MATMUL,
         "[": LBRACK, "]": RBRACK, ".T": TRANSPOSE, "ᵀ": TRANSPOSE}
_ASCII_OP = {"·": "*", "×": "*", "⋅": "*", "÷": "/", "−": "-"}
# what could follow a number and make it a malformed literal rather than a product
_AFTER_NUMBER = frozenset("eE_xXbBoO")
_WORD_RE = re.compile(r"[A-Za-z0-9_]*", re.ASCII)
_POWER_STARTS = frozenset("^⁻⁺" + _SUPERSCRIPT_DIGITS)
# characters people paste that look like the language's own; the error suggests the real one
_LOOKALIKE = {"–": "-", "—": "-", "‐": "-", "∗": "*", "∙": "*", "•": "*", "⁄": "/",
              "∕": "/", "（": "(", "）": ")", "，": ",", "＝": "=", "\u00a0": "a space",
              "\u2009": "a space", "\u202f": "a space", "\u200b": "nothing"}

Token = tuple[int, str, int, int]  # kind, text, start, end


def tokens(source: str, start: int = 0) -> Iterator[Token]:
    """Tokens with their offsets from ``start`` (the start of a statement, or 0); a newline is
    a SEP token; the END token repeats forever. One match at a time: a long line's tokens are
    never all held at once."""
    n = len(source)
    for m in TOKEN_RE.finditer(source, start):
        kind = m.lastindex or 0  # (a match always has one group set)
        pos, end = m.start(kind), m.end()
        if kind == _NAME:
            name = m.group(kind)
            yield NAME, ("pi" if name == "π" else name), pos, end
        elif kind == _NUMBER:
            num = m.group(kind)
            if end < n and source[end] in _AFTER_NUMBER:
                _check_number(source, num, pos, end)
            yield NUM, num, pos, end
        elif kind == _OPERATOR:
            op = m.group(kind)
            yield OP, _ASCII_OP.get(op, op), pos, end
        elif kind == _PUNCT:
            punct = m.group(kind)
            yield PUNCT[punct], punct, pos, end
        elif kind == _NEWLINE:
            yield SEP, "\n", pos, end
        elif kind == _SUPER:
            yield from _superscript(source, m.group(kind), pos)
        elif kind != _COMMENT:
            raise ParseError(_stray(m.group(kind)), source, pos)
    while True:  # the end repeats, so look-ahead past it is harmless
        yield END, "", n, n


def _check_number(source: str, num: str, start: int, end: int) -> None:
    """A number followed by e/E, '_' or (after 0) x/b/o: a malformed literal, or fine (2ex).
    (What follows is read from the source itself: a new line or a comment's '#' never
    continues a word or a power, so no line limit is needed.)"""
    match = _WORD_RE.match(source, end)
    assert match is not None  # the pattern matches the empty string too
    word = match.group()
    first = word[0]
    whole = num + word
    if first in "eE":
        if word not in ("e", "E"):
            return  # 2exp(x), 2ex: a number before a longer name multiplies
        power = source[end + 1:end + 3]  # what follows the e
        if power[:1] in _POWER_STARTS or power == "**":
            return  # 8e^(2x), 2e²: as lecture notes write 8e^{2x}; no exponent looks so
        reason = (f"malformed number '{num}{first}': an exponent needs digits (write "
                  f"{num}{first}1 or {num}{first}-3); to multiply by Euler's number write "
                  f"{num}*e")
    elif first == "_":
        digits = num + word.replace("_", "") if word.replace("_", "").isdigit() else None
        reason = (f"malformed number '{whole}': '_' cannot separate digits"
                  + (f" (write {digits})" if digits else f"; to multiply write {num}*{word}"))
    elif set(num) == {"0"}:  # 0x10, 0b1, 0o7
        kind = {"x": "hexadecimal", "b": "binary", "o": "octal"}[first.lower()]
        reason = (f"malformed number '{whole}': {kind} literals are not part of the "
                  "language; write the number in decimal")
    else:
        return  # 2x, 10b: a number before a name multiplies
    raise ParseError(reason, source, start, len(num) + (1 if first in "eE" else len(word)))


def _superscript(source: str, sup: str, at: int) -> Iterator[Token]:
    """``²`` is ``^2``, ``⁻¹`` is ``^-1``: tokens at the superscript's own columns."""
    sign = sup[0] if sup[0] in "⁻⁺" else ""
    digits = sup[len(sign):]
    if not digits:
        raise ParseError(f"superscript {sign!r} needs superscript digits after it "
                         f"(x⁻¹ is x^-1)", source, at)
    yield OP, "^", at, at
    if sign:
        yield OP, "-" if sign == "⁻" else "+", at, at + 1
    start = at + len(sign)
    yield NUM, digits.translate(_FROM_SUPERSCRIPT), start, start + len(digits)


def _stray(ch: str) -> str:
    if ch == ":":
        return ("unexpected ':': slices are not supported; write W[1] for a row or W.T[0] for "
                "a column")
    if ch == ".":
        return "unexpected '.': the only attribute is .T (transpose)"
    if ch == "σ":  # how pictures label sigmoid
        return "unexpected character 'σ'; write sigmoid(...) instead"
    if ch in _LOOKALIKE:
        instead = _LOOKALIKE[ch]
        return (f"unexpected character {show_char(ch)}; write "
                + (instead if " " in instead or instead == "nothing" else f"'{instead}'")
                + " instead")
    if not ch.isascii():
        return (f"unexpected character {show_char(ch)}: outside ASCII the language reads only "
                "· × ÷ − π √ and superscript powers (x², x⁻¹); names are ASCII letters, "
                "digits and '_'")
    return f"unexpected character {show_char(ch)}"


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
    if kind == TRANSPOSE:
        return "the transpose '.T'" if text == ".T" else "the transpose 'ᵀ'"
    return f"'{text}'"
