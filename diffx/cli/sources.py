"""What a command reads: the program text (an argument, a file or standard input), parsed
with a hint when an argument names a file, and the point of ``--at``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from ..errors import DiffxError

MAX_SOURCE_BYTES = 256 * 2**20  # a million-node program is about 40 MiB of text


def read_program(source: str | None, file: Path | None) -> Any:
    """The parsed graph of the program given as an argument, with ``-f`` or on stdin."""
    text = read_source(source, file)
    return parse_source(text, from_argument=file is None and source != "-")


def read_source(source: str | None, file: Path | None) -> str:
    """The program text: the argument, a file (``-f``), or standard input (``-``)."""
    if source is not None and file is not None:
        raise DiffxError("give the expression either as an argument or with -f FILE, not both")
    if file is not None:
        if str(file) == "-":
            return _stdin()
        try:
            with open(file, "rb") as fh:
                data = fh.read(MAX_SOURCE_BYTES + 1)
        except OSError as exc:
            raise DiffxError(f"cannot read {file}: {exc.strerror or exc}") from None
        if len(data) > MAX_SOURCE_BYTES:
            raise DiffxError(f"{file} is larger than {MAX_SOURCE_BYTES // 2**20} MiB; diffx "
                             "reads programs up to that size")
        return _decode(data, str(file))
    if source is None:
        raise DiffxError("no expression: give one as an argument (diffx grad \"a*(a+b)\"), "
                         "with -f FILE, or '-' to read standard input")
    if source == "-":
        return _stdin()
    return source


def _stdin() -> str:
    """Standard input as text; closed, unreadable or empty input is an error, not a crash."""
    stream = getattr(sys.stdin, "buffer", sys.stdin)
    if stream is None or getattr(stream, "closed", False):
        raise DiffxError("'-' reads the program from standard input, but standard input is "
                         "closed; pipe the program in, or give it as an argument")
    try:
        data = stream.read(MAX_SOURCE_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise DiffxError(f"cannot read standard input: {getattr(exc, 'strerror', None) or exc}"
                         ) from None
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if len(data) > MAX_SOURCE_BYTES:
        raise DiffxError(f"standard input is larger than {MAX_SOURCE_BYTES // 2**20} MiB")
    text = _decode(data, "standard input")
    if not text.strip():
        raise DiffxError("'-' reads the program from standard input, but standard input is "
                         "empty; pipe the program in, or give it as an argument")
    return text


def _decode(data: bytes, where: str) -> str:
    """UTF-8 text; a byte-order mark is dropped. Line ends are kept as they are (CR, LF or
    CRLF): the parser reads each of them as a line end."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DiffxError(f"{where} is not UTF-8 text (byte {exc.start + 1} is not valid "
                         "UTF-8)") from None


def parse_source(text: str, from_argument: bool) -> Any:
    """Parse the program; if an argument that fails to parse names a file, say to use -f."""
    from ..errors import ParseError
    from ..program import parse_graph

    try:
        return parse_graph(text)
    except ParseError as exc:
        if from_argument and "\n" not in text and os.path.isfile(text.strip()):
            raise DiffxError(f"{exc}\n'{text.strip()}' is a file: to read a program from it, "
                             f"write -f {text.strip()}") from None
        raise


def read_point(given: list[str] | str | None) -> Any:
    """``--at a=4,b=3``, a range ``x=0:1:101``, or the path of a CSV file of points; ``--at``
    given more than once adds its entries up (``--at a=4 --at b=3`` is ``a=4,b=3``)."""
    if not given:
        return None
    from ..points import parse_point, read_csv_points

    parts = [given] if isinstance(given, str) else list(given)
    files = [p for p in parts if _names_a_file(p)]
    if files and len(parts) > 1:
        raise DiffxError(f"--at {files[0]}: a CSV file gives whole points, so it comes alone "
                         "(not with other --at values)")
    if files:
        return read_csv_points(files[0])  # refuses devices, FIFOs and directories first
    return parse_point(",".join(parts))


def _names_a_file(at: str) -> bool:
    """An ``--at`` value with no ``=`` that ends in .csv or exists is the path of a file."""
    return "=" not in at and (at.endswith(".csv") or os.path.exists(at))
