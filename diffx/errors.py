"""The one exception family diffx raises for bad input, and how its messages name options.

Every error says what is wrong and, when it comes from source text, where: the line, the
column, the source line and a caret under the offending character. The CLI turns a
``DiffxError`` into ``error: ...`` on stderr and exit status 2, never a traceback.

Naming options. The library speaks in its Python parameters (``at``, ``wrt``, ``step``,
``route_limit``); the CLI speaks in its flags (``--at``, ``--route-limit``). A message never
spells either form itself: it names an option with :func:`option` (``f"{option('at')} has no
value for input 'y'"``), which gives the parameter name, or, while a presenter has installed
its own naming with :func:`naming`, that presenter's word for it. The CLI installs its
parameter -> flag map around each command, so a message is composed with the right word when
it is raised -- also one that ends up inside another message or in a method's result row --
and no text is ever rewritten afterwards. An error about one option also carries it in
``param`` (the Python name, whoever presents it), so that a caller can tell which argument
was at fault without reading the message.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

_naming: contextvars.ContextVar[Callable[[str], str] | None] = \
    contextvars.ContextVar("diffx_naming", default=None)


def option(param: str) -> str:
    """How messages name the option that is the Python parameter ``param``: the parameter
    itself, unless a presenter (the CLI) has installed its own naming."""
    present = _naming.get()
    return param if present is None else present(param)


@contextlib.contextmanager
def naming(present: Callable[[str], str]) -> Iterator[None]:
    """Within the block, messages name option ``p`` as ``present(p)`` (the CLI: its flag)."""
    token = _naming.set(present)
    try:
        yield
    finally:
        _naming.reset(token)


class DiffxError(Exception):
    """Base class: a problem with what the user asked for (not a bug in diffx).

    ``param`` is the Python parameter the problem is about (``"at"``, ``"wrt"``...), or None.
    """

    param: str | None = None

    def __init__(self, *args: object, param: str | None = None):
        super().__init__(*args)
        if param is not None:
            self.param = param


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
    """A point (``at``) is malformed, incomplete or names something that is not an input."""

    param = "at"


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
