"""The tokenizer of the expression language: source text to tokens with their offsets.

Line by line, one regular-expression match per token: the blanks before it, then a number, a
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

# One match per token, line by line: the blanks before it (group 1), then exactly one of
# number, name, operator, punctuation, a superscript power, or a stray character.
TOKEN_RE = re.compile(
    r"""
    ([ \t\r\f\v]*)
    (?:
        ((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)   # 2 number
      | ([A-Za-z_][A-Za-z0-9_]*|π)                          # 3 name
      | (\*\*|[-+*/^·×⋅÷−])                                 # 4 operator
      | ([(),=;√@\[\]]|\.T(?![A-Za-z0-9_])|ᵀ)                # 5 punctuation
      | ([⁻⁺][⁰¹²³⁴⁵⁶⁷⁸⁹]*|[⁰¹²³⁴⁵⁶⁷⁸⁹]+)                   # 6 superscript power
      | ([^ \t\r\f\v])                                      # 7 anything else: an error
    )
    """,
    re.VERBOSE | re.ASCII,
)
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
        for blank, num, name, op, punct, sup, bad in findall(line):
            pos += len(blank)
            if name:
                end = pos + len(name)
                yield NAME, ("pi" if name == "π" else name), pos, end
                pos = end
            elif num:
                end = pos + len(num)
                nxt = line[end - line_start:end - line_start + 1]
                if nxt and nxt in _AFTER_NUMBER:
                    _check_number(source, line, line_start, num, pos, end)
                yield NUM, num, pos, end
                pos = end
            elif op:
                yield OP, _ASCII_OP.get(op, op), pos, pos + len(op)
                pos += len(op)
            elif punct:
                yield PUNCT[punct], punct, pos, pos + len(punct)
                pos += len(punct)
            elif sup:
                yield from _superscript(source, sup, pos)
                pos += len(sup)
            else:
                raise ParseError(_stray(bad), source, pos)
        if line_end < n:
            yield SEP, "\n", line_end, line_end + 1
        line_start = line_end + 1
    while True:  # the end repeats, so look-ahead past it is harmless
        yield END, "", n, n


def _check_number(source: str, line: str, line_start: int, num: str, start: int,
                  end: int) -> None:
    """A number followed by e/E, '_' or (after 0) x/b/o: a malformed literal, or fine (2ex)."""
    match = _WORD_RE.match(line, end - line_start)
    assert match is not None  # the pattern matches the empty string too
    word = match.group()
    first = word[0]
    whole = num + word
    if first in "eE":
        if word not in ("e", "E"):
            return  # 2exp(x), 2ex: a number before a longer name multiplies
        power = line[end - line_start + 1:end - line_start + 3]  # what follows the e
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
