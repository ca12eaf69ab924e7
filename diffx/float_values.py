"""The compiled tier's values and adjoints as the pure-Python engine's list of floats.

:class:`FloatValues` is what :mod:`diffx.compiled` hands its callers: per node a Python float,
read from the float64 array the kernel computed, the list made only on first need. It imports
nothing (numpy arrays are only held), so the reports can check for it without loading the tier.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any


class FloatValues(Sequence[Any]):
    """Per node a Python float, as the pure-Python engine gives (None for a statement after
    the output, which is not evaluated), read from the float64 ``array`` the kernel computed
    them in. Reading one node reads the array; the list of Python floats is made only when
    something iterates over or slices the whole (``tolist``), so a gradient's passes that
    read the array (the audits, the sweep) never convert 300,000 floats and back."""

    __slots__ = ("array", "_live", "_op", "_list", "marks", "screened", "normal")

    def __init__(self, array: Any, live: int, op: Any = None) -> None:
        self.array = array  # float64, one entry per node
        self._live = live  # nodes below this are all evaluated (up to the output)
        self._op = op  # the graph's op codes: past ``live``, a statement's value is None
        self._list: list[Any] | None = None
        self.marks: Any = None  # adjoints: the sweep plan's flags per node (see _plan)
        self.screened = False  # adjoints: the sweep's screen found something to audit
        self.normal = False  # values: every op's value is finite and normal (none is 0)

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, i: Any) -> Any:
        if self._list is None and type(i) is int and 0 <= i < self._live:
            return self.array.item(i)
        return self.tolist()[i]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.tolist())

    def __contains__(self, value: Any) -> bool:
        return value in self.tolist()  # (Sequence's own would read node by node)

    def tolist(self) -> list[Any]:
        """The values as the pure-Python engine's list (made once)."""
        if self._list is None:
            out = self.array.tolist()
            if self._op is not None:
                for i in range(self._live, len(out)):  # statements after the output
                    if self._op[i] > 1:
                        out[i] = None
            self._list = out
        return self._list
