"""CSV files of points: one point per row, a header row of input names.

The file is read whole, so everything about it is capped: it must be a regular file (a device
such as /dev/zero, a FIFO or a directory is refused before it is opened), of at most
``MAX_CSV_BYTES`` bytes, ``MAX_POINTS`` rows (as for ranges), ``MAX_CSV_NUMBERS`` numbers in
all and ``MAX_CSV_LINE`` characters a line; a field longer than csv's own limit is an error
too. The text is UTF-8, with or without a byte-order mark; lines end in ``\n``, ``\r\n`` or
``\r``; blank lines are skipped. Header names are distinct input names; every cell is a plain
decimal number (``3``, ``-0.5``, ``1e-3``: no ``nan``, ``inf`` or ``1_000``).
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


def read_csv_points(path: str | Path) -> dict[str, Any]:
    """A CSV file with a header of input names: one point per row, as arrays.

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
    return {h: np.frombuffer(c, dtype=float).copy() for h, c in zip(header, columns)}


def _lines(path: str | Path, stream: io.StringIO) -> Iterator[str]:
    """The lines of ``stream`` (ending in \n, \r\n or \r), none longer than MAX_CSV_LINE."""
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
    header = [h.strip() for h in row]
    seen: dict[str, int] = {}
    for k, h in enumerate(header, start=1):
        if not h:
            raise PointError(f"{path}: column {k} of the header is empty; every column needs "
                             "an input name")
        if not h.isidentifier() or not h.isascii():
            raise PointError(f"{path}: header {h!r} (column {k}) is not an input name")
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
