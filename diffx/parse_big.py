"""Big programs parsed in machine code (diffx.parse_machine, compiled in the tier's kernel).

:func:`parse` is tried by diffx.parse before the parser (diffx.parser), for a program of at least
``MIN_BYTES`` when the compiled tier is loaded, or of ``LOAD_BYTES`` when loading it pays
(the same ski rental as the sweep's: loading numba and the cached kernel costs about what
parsing that much text in Python costs). It returns the Graph the general parser would build,
node for node, or None where the machine parser refused the program, and the general parser
reads it from the start.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Sequence
from typing import Any

from .graph import _SCANNED_LOOKUPS, Graph
from .ops import INPUT
from . import ops as _ops
from .parse_tables import reserved_names, tables

MIN_BYTES = 1 << 16  # below this, the Python parser's own speed is fine
#: parsing this much text in Python (about 80 ns a byte) costs what loading the tier does
LOAD_BYTES = 64 << 20


def worth_it(text: str) -> Any:
    """The loaded kernel when the machine parser should read ``text``, else None."""
    mode = os.environ.get("DIFFX_COMPILED", "")
    if len(text) < MIN_BYTES or mode == "0":
        return None
    from . import compiled

    kernel = compiled.loaded()
    if kernel is None:
        if mode != "1" and (len(text) < LOAD_BYTES or not compiled.is_warm()):
            return None
        kernel = compiled.kernel()
    return kernel if kernel is not None and hasattr(kernel, "parse_program") else None


def parse(text: str, parse_program: Any = None) -> Graph | None:
    """The Graph of ``text`` as diffx.parser builds it, or None where the machine parser
    refuses it (or is not worth running: see the module docstring). ``parse_program``: the
    function to run (the kernel's, or diffx.parse_machine's own in Python, for tests)."""
    if not text.isascii() or len(text) >= 2**31:
        return None  # (Unicode forms, a stray character: the general parser's; int32 offsets)
    if parse_program is None:
        kernel = worth_it(text)
        if kernel is None:
            return None
        parse_program = kernel.parse_program
    import numpy as np

    src = np.frombuffer(text.encode("ascii"), np.uint8)
    refused, op, A, B, inputs, cval, cint, spans, stmts = parse_program(src, *tables())
    if refused >= 0:
        return None
    n_reserved = len(tables()[6])
    leaf: dict[int, Any] = {}
    reserved = reserved_names()  # (inputs are few, and the named constants they share with)
    rows: list[tuple[int, Any]] = [
        (node, text[int(spans[nid - n_reserved, 0]):int(spans[nid - n_reserved, 1])]
         if nid >= n_reserved else (_ops.CONSTANTS[reserved[nid][0]], reserved[nid][0]))
        for node, nid in inputs.tolist()]
    rows += [(node, (value, ("-" if neg else "") + text[s:e]))
             for value, (node, s, e, neg) in zip(cval.tolist(), cint.tolist())]
    for node, what in sorted(rows, key=lambda row: row[0]):  # in node order, as built
        leaf[node] = what
    names = _Names(text, spans, stmts[:, 0] - n_reserved)
    nodes = array("i", stmts[:, 1].tobytes())
    offsets = array("q", stmts[:, 2].astype(np.int64).tobytes())
    a, b = array("i", A.tobytes()), array("i", B.tobytes())
    return ParsedGraph(text, bytearray(op.tobytes()), a, b, leaf, nodes[-1], names, nodes,
                       offsets)


class _Names(Sequence[Any]):
    """The statements' targets (None for a bare expression), each read from the source when
    asked for: a program of 10^6 statements makes no 10^6 strings to differentiate."""

    def __init__(self, text: str, spans: Any, ids: Any) -> None:
        self.text, self.spans, self.ids = text, spans, ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, k: Any) -> Any:
        if not isinstance(k, int):
            return [self[i] for i in range(len(self))[k]]
        i = int(self.ids[k])
        if i < 0:
            return None
        return self.text[int(self.spans[i, 0]):int(self.spans[i, 1])]

    def tolist(self) -> list[str | None]:
        starts, ends = self.spans[:, 0].tolist(), self.spans[:, 1].tolist()
        text = self.text
        return [None if i < 0 else text[starts[i]:ends[i]] for i in self.ids.tolist()]


class ParsedGraph(Graph):
    """A Graph read by the machine parser: the same as diffx.parser's, but the names of the
    statements (``assigned``, and the targets :meth:`Graph.unused` reports) are made from the
    source on first use."""

    def __init__(self, text: str, op: bytearray, a: Any, b: Any, leaf: dict[int, Any],
                 output: int, names: _Names, nodes: Any, offsets: Any) -> None:
        self._names, self._nodes = names, nodes
        self._assigned: dict[str, int] | None = None
        super().__init__(text, op, a, b, leaf, {}, output, len(names), names[-1],
                         statements=(names, nodes, offsets))  # type: ignore[arg-type]

    @property
    def assigned(self) -> dict[str, int]:
        if self._assigned is None:
            names = self._names.tolist()
            self._assigned = {name: node for name, node in zip(names, self._nodes)
                              if name is not None}
        return self._assigned

    @assigned.setter
    def assigned(self, value: dict[str, int]) -> None:
        pass  # (made from the statements on first use)

    def name(self, node: int) -> str | None:
        """As :meth:`Graph.name`; its first few look-ups (a warning naming a node) are
        answered from the statements' arrays, without making every name."""
        if self.op[node] == INPUT or self._assigned is not None or \
                self._name_lookups >= _SCANNED_LOOKUPS:
            return super().name(node)
        self._name_lookups += 1
        import numpy as np

        nodes = np.frombuffer(self._nodes, dtype=np.int32)
        named = np.flatnonzero((nodes == node) & (self._names.ids >= 0))
        return self._names[int(named[0])] if named.size else None
