"""Text for LaTeX's text mode (not math): every character pdflatex would read as a command,
or that the default OT1 fonts lack, written so it prints as itself.

The ten specials (``# $ % & ~ _ ^ \\ { }``) are escaped; ``< > |`` (which OT1's roman
font prints as other glyphs) become text commands; the Unicode the
language reads (``π · × ÷ − √`` and superscript powers ``x²``, ``x⁻¹``) becomes its math
symbol; an accented Latin letter keeps its accent (``é`` is ``\\'{e}``), and any other
character outside ASCII, which pdflatex cannot set without packages, is named by its code
point (``[U+4E2D]``) rather than failing the document.
"""

from __future__ import annotations

import unicodedata

_PLAIN = {
    "#": "\\#", "$": "\\$", "%": "\\%", "&": "\\&", "_": "\\_", "{": "\\{", "}": "\\}",
    "~": "\\textasciitilde{}", "^": "\\textasciicircum{}", "\\": "\\textbackslash{}",
    "<": "\\textless{}", ">": "\\textgreater{}", "|": "\\textbar{}",
    "π": "$\\pi$", "·": "$\\cdot$", "×": "$\\times$", "÷": "$\\div$", "−": "$-$",
    "√": "$\\surd$", "…": "\\ldots{}", "½": "$\\frac12$", "∂": "$\\partial$",
    "Σ": "$\\Sigma$", "∞": "$\\infty$", "≤": "$\\leq$", "≥": "$\\geq$", "–": "--",
    "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "\t": " ",
}
_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0308": '"',
            "\u0304": "=", "\u0307": ".", "\u0327": "c", "\u030c": "v", "\u0306": "u",
            "\u030a": "r", "\u030b": "H"}


def tex_text(text: str) -> str:
    """``text`` for LaTeX's text mode, printing as written (see the module's docstring)."""
    out: list[str] = []
    k = 0
    while k < len(text):
        c = text[k]
        if c in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺":  # a superscript run is one exponent
            end = k
            while end < len(text) and text[end] in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺":
                end += 1
            out.append("\\textsuperscript{" + text[k:end].translate(_SUPER) + "}")
            k = end
            continue
        k += 1
        if c in _PLAIN:
            out.append(_PLAIN[c])
        elif c.isascii():
            out.append(c if c.isprintable() or c == "\n" else " ")
        else:
            out.append(_accented(c))
    return "".join(out)


def _accented(c: str) -> str:
    """``é`` as ``\\'{e}``; a character with no ASCII base as its code point."""
    parts = unicodedata.normalize("NFD", c)
    base, marks = parts[0], parts[1:]
    if base.isascii() and base.isalpha() and marks and all(m in _ACCENTS for m in marks):
        out = base
        for m in marks:
            out = f"\\{_ACCENTS[m]}{{{out}}}"
        return out
    if unicodedata.category(c).startswith("M"):  # a lone combining mark: the mark, spaced
        return f"\\{_ACCENTS[c]}{{}}" if c in _ACCENTS else ""
    return f"[U+{ord(c):04X}]"
