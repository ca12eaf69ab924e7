r"""CSV files of points: one point per row, a header row of input names.

The file is read whole, so everything about it is capped: it must be a regular file (a device
such as /dev/zero, a FIFO or a directory is refused before it is opened), of at most
``MAX_CSV_BYTES`` bytes, ``MAX_POINTS`` rows (as for ranges), ``MAX_CSV_NUMBERS`` numbers in
all and ``MAX_CSV_LINE`` characters a line; a field longer than csv's own limit is an error
too. The text is UTF-8, with or without a byte-order mark; lines end in ``\n``, ``\r\n`` or
``\r``; blank lines are skipped. Header names are distinct input names; every cell is a plain
decimal number (``3``, ``-0.5``, ``1e-3``: no ``nan``, ``inf`` or ``1_000``). A header may name
one element of a vector or matrix input, ``x[0]`` or ``W[1,0]`` (0-based; the comma of an
unquoted ``W[1,0]`` does not split the header), and ``group_elements`` gathers those columns
into one array per input, refusing a header that misses an element.
"""

from __future__ import annotations

import io
import math
import os
import re
import stat
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import PointError

MAX_POINTS = 1_000_000  # points in one range or CSV file (diffx.points caps ranges with it)
# a plain decimal number with an optional sign: CSV cells, and the fast path for --at values
_PLAIN_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", re.ASCII)

MAX_CSV_BYTES = 64 * 1024 * 1024  # bytes in the file
MAX_CSV_NUMBERS = 10_000_000  # rows times columns: bounds the time and memory of reading
MAX_CSV_LINE = 4 * 1024 * 1024  # characters in one line (a row is split into fields whole)
# a header naming one element of a vector or matrix input: x[0], W[1,0] (0-based, as numpy)
_ELEMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\[\s*([0-9]{1,9})\s*(?:,\s*([0-9]{1,9})\s*)?\]")


def read_csv_points(path: str | Path) -> dict[str, Any]:
    r"""A CSV file with a header of input names: one point per row, as arrays (a file of one
    row is that one point: a number per input).

    The file must be a regular UTF-8 file (a byte-order mark is allowed) of at most
    ``MAX_CSV_BYTES`` bytes and ``MAX_POINTS`` rows; lines may end in ``\n``, ``\r\n`` or
    ``\r``; blank lines are skipped; every cell is a plain decimal number.
    """
    import csv  # here, not above: diffx.points (imported with diffx) takes its caps from here

    import numpy as np

    data = _read_capped(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PointError(f"{path} is not a UTF-8 text file (byte {exc.start + 1} is not "
                         "UTF-8)") from None
    reader = csv.reader(_lines(path, io.StringIO(text, newline="")))
    header: list[str] | None = None
    columns: list[array] = []
    rows = 0
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _csv_header(path, row)
                columns = [array("d") for _ in header]
                continue
            line = reader.line_num
            if len(row) != len(header):
                raise PointError(f"{path}, line {line}: {len(row)} values for "
                                 f"{len(header)} names")
            rows += 1
            if rows > MAX_POINTS:
                raise PointError(f"{path} has more than {MAX_POINTS:,} rows of points (the "
                                 "limit, as for ranges); split the file")
            if rows * len(header) > MAX_CSV_NUMBERS:
                raise PointError(f"{path} holds more than {MAX_CSV_NUMBERS:,} numbers (the "
                                 "limit for a CSV file of points); split the file")
            for name, col, cell in zip(header, columns, row):
                col.append(_csv_number(path, line, name, cell))
    except csv.Error as exc:
        limit = csv.field_size_limit()
        reason = (f"a field is longer than {limit:,} characters" if "field larger" in str(exc)
                  else f"not valid CSV ({exc})")
        raise PointError(f"{path}, line {reader.line_num}: {reason}") from None
    if header is None or not rows:
        raise PointError(f"{path} needs a header row of input names and at least one row")
    if rows == 1:  # one row is one point, not a batch of one
        return {h: float(c[0]) for h, c in zip(header, columns)}
    return {h: np.frombuffer(c, dtype=float).copy() for h, c in zip(header, columns)}


def _lines(path: str | Path, stream: io.StringIO) -> Iterator[str]:
    r"""The lines of ``stream`` (ending in \n, \r\n or \r), none longer than MAX_CSV_LINE."""
    number = 0
    while True:
        line = stream.readline(MAX_CSV_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_CSV_LINE:
            raise PointError(f"{path}, line {number}: the line is longer than "
                             f"{MAX_CSV_LINE:,} characters")
        yield line


def _read_capped(path: str | Path) -> bytes:
    """The bytes of a regular file of at most MAX_CSV_BYTES; devices, FIFOs and directories
    are refused before they are opened (reading /dev/zero would never end)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        raise PointError(f"cannot read points from {path}: "
                         f"{getattr(exc, 'strerror', None) or exc}") from None
    mode = info.st_mode
    if not stat.S_ISREG(mode):
        kind = ("a directory" if stat.S_ISDIR(mode) else
                "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        raise PointError(f"cannot read points from {path}: it is {kind}; points come as "
                         "name=value pairs or a regular CSV file")
    too_big = PointError(f"{path} is larger than {MAX_CSV_BYTES:,} bytes, the limit for a CSV "
                         "file of points")
    if info.st_size > MAX_CSV_BYTES:
        raise too_big
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CSV_BYTES + 1)  # capped even if the size was wrong or grew
    except OSError as exc:
        raise PointError(f"cannot read points from {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_CSV_BYTES:
        raise too_big
    return data


def _csv_header(path: str | Path, row: list[str]) -> list[str]:
    header = [h.strip() for h in _join_brackets(row)]
    seen: dict[str, int] = {}
    for k, h in enumerate(header, start=1):
        if not h:
            raise PointError(f"{path}: column {k} of the header is empty; every column needs "
                             "an input name")
        element = _ELEMENT.fullmatch(h)
        if element:
            h = header[k - 1] = f"{element[1]}[{element[2]}" + \
                (f",{element[3]}]" if element[3] else "]")  # x[0], W[1,0], spaces dropped
        elif not h.isidentifier() or not h.isascii():
            raise PointError(f"{path}: header {h!r} (column {k}) is not an input name or an "
                             "element such as x[0] or W[1,0]")
        if h in seen:
            raise PointError(f"{path}: the header names {h!r} twice (columns {seen[h]} and {k}); "
                             "each input needs exactly one column")
        seen[h] = k
    return header


def _csv_number(path: str | Path, line: int, name: str, cell: str) -> float:
    cell = cell.strip()
    if _PLAIN_NUMBER.fullmatch(cell):
        value = float(cell)
        if math.isfinite(value):
            return value
        raise PointError(f"{path}, line {line}, column {name!r}: {cell} is too large for a "
                         "float")
    shown = cell if len(cell) <= 40 else cell[:37] + "..."
    raise PointError(f"{path}, line {line}, column {name!r}: {shown!r} is not a number (CSV "
                     "cells are decimal numbers such as 3, -0.5, 1e-3)")


def _join_brackets(row: list[str]) -> list[str]:
    """The header cells with ``W[0`` and ``0]`` joined back into ``W[0,0]``: an unquoted
    matrix element's comma is not a column separator."""
    cells: list[str] = []
    for cell in row:
        if cells and cells[-1].count("[") > cells[-1].count("]"):
            cells[-1] += "," + cell
        else:
            cells.append(cell)
    return cells


def group_elements(path: str | Path, columns: dict[str, Any],
                   shapes: dict[str, tuple[int, ...]] | None = None) -> dict[str, Any]:
    """The columns of a CSV file of points with the element columns of each vector or matrix
    input (``x[0]``, ``W[1,0]``) gathered into one array of shape ``(rows,) + shape`` (for a
    file of one row, which ``read_csv_points`` gives as numbers, one ``Value`` of ``shape``).

    The shape of an input is ``shapes[name]`` when declared, else read off its headers (the
    largest index plus one on each axis). Either way the header must name every element, and a
    bare ``x`` for an input declared as a vector is refused with the same message.
    """
    import numpy as np

    shapes = shapes or {}
    found: dict[str, dict[tuple[int, ...], str]] = {}
    for header in columns:
        element = _ELEMENT.fullmatch(header)
        if element:
            index = (int(element[2]),) + ((int(element[3]),) if element[3] else ())
            found.setdefault(element[1], {})[index] = header
    out = {h: c for h, c in columns.items() if not _ELEMENT.fullmatch(h)}
    for name in [n for n in out if shapes.get(n, ())] + list(found):
        given = found.get(name, {})
        if name in out and given:
            first = next(iter(given.values()))
            raise PointError(f"{path}: the header names both {name} and {first}; give {name} "
                             "as one column or as its elements, not both")
        ranks = {len(i) for i in given}
        if len(ranks) > 1:
            raise PointError(f"{path}: the headers of {name} mix vector and matrix elements "
                             f"({', '.join(given.values())})")
        shape = tuple(shapes.get(name) or np.max(list(given), axis=0) + 1)
        for index, header in given.items():
            if len(index) != len(shape):
                raise PointError(f"{path}: {header} has {len(index)} "
                                 f"ind{'ex' if len(index) == 1 else 'ices'}, but {name} has "
                                 f"shape {shape}")
            if any(i >= n for i, n in zip(index, shape)):
                raise PointError(f"{path}: {header} is outside {name}, whose shape is {shape}")
        needed = [_element_name(name, i) for i in np.ndindex(*shape)]
        missing = [h for h in needed if h not in columns]
        if missing:
            kind = f"a vector of {shape[0]} entries" if len(shape) == 1 else \
                f"a {shape[0]}x{shape[1]} matrix"
            both = f"{needed[0]} and {needed[1]}" if len(needed) == 2 else \
                f"{needed[0]} to {needed[-1]}"
            raise PointError(f"{path}: {name} is {kind}, so the header needs {both} (missing "
                             f"{', '.join(missing[:3])}{', ...' * (len(missing) > 3)})")
        cells = [columns[h] for h in needed]
        if all(np.ndim(c) == 0 for c in cells):  # a file of one row: one value, not a batch
            from .point_values import Value

            out[name] = Value(np.array(cells, dtype=float).reshape(shape))
        else:
            out[name] = np.stack(cells, axis=-1).reshape((-1,) + shape)
    return out


def _element_name(name: str, index: tuple[int, ...]) -> str:
    return f"{name}[{','.join(map(str, index))}]"
