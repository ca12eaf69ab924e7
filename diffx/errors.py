"""The one exception family diffx raises for bad input.

Every error says what is wrong and, when it comes from source text, where: the line, the
column, the source line and a caret under the offending character. The CLI turns a
``DiffxError`` into ``error: ...`` on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations


class DiffxError(Exception):
    """Base class: a problem with what the user asked for (not a bug in diffx)."""


class ParseError(DiffxError):
    """The source text is not in the expression language.

    ``offset`` is the 0-based character offset of the problem in ``source``; ``line`` and
    ``column`` are 1-based and derived from it.
    """

    def __init__(self, message: str, source: str, offset: int, length: int = 1):
        self.reason = message
        self.source = source
        self.offset = max(0, min(offset, len(source)))
        self.length = max(1, length)
        self.line = source.count("\n", 0, self.offset) + 1
        line_start = source.rfind("\n", 0, self.offset) + 1
        self.column = self.offset - line_start + 1
        line_end = source.find("\n", self.offset)
        self.source_line = source[line_start : line_end if line_end != -1 else len(source)]
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"column {self.column}"
        if "\n" in self.source.rstrip("\n"):
            where = f"line {self.line}, column {self.column}"
        shown, caret_at = _clip(self.source_line, self.column - 1)
        width = max(1, min(self.length, len(shown) - caret_at))
        return f"{self.reason} at {where}\n  {shown}\n  {' ' * caret_at}{'^' * width}"


class PointError(DiffxError):
    """A point (``--at``) is malformed, incomplete or names something that is not an input."""


class OptionError(DiffxError):
    """An option has a value diffx cannot use (unknown method, scheme, bad step...)."""


def _clip(line: str, caret: int, width: int = 76) -> tuple[str, int]:
    """Show at most ``width`` characters of a long source line around the caret."""
    line = line.replace("\t", " ")
    if len(line) <= width:
        return line, caret
    start = max(0, min(caret - width // 2, len(line) - width))
    shown = line[start : start + width]
    prefix = "..." if start > 0 else ""
    suffix = "..." if start + width < len(line) else ""
    return prefix + shown + suffix, caret - start + len(prefix)
