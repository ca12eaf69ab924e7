"""The graph's node-index arrays as numpy arrays, and the output's liveness from them: the
numpy passes the engine's set-up shares (:mod:`diffx.sweep_plan`, :mod:`diffx.counts`,
:meth:`diffx.graph.Graph.reachable_from_output`). Imports nothing of diffx, so the graph can
use it."""

from __future__ import annotations

from array import array
from typing import Any


def all_used(graph: Any) -> bytearray | None:
    """:meth:`Graph.reachable_from_output` in numpy passes when every node before the output
    is an argument of a node up to the output (then all of them are live, by induction from
    the output down); None otherwise (the backward pass decides)."""
    import numpy as np

    n, hi = len(graph.op), graph.output + 1
    if hi < 2:
        return None
    used = np.zeros(n + 1, dtype=bool)
    used[_index_array(graph.a)[:hi]] = True
    used[_index_array(graph.b)[:hi]] = True
    if not used[: hi - 1].all():
        return None
    return bytearray(b"\x01") * hi + bytearray(n - hi)


def _index_array(seq: Any) -> Any:
    """A node-index sequence (``array('i')``, a list) as a numpy array, without a copy where
    it can be shared."""
    import numpy as np

    if isinstance(seq, array) and len(seq):
        return np.frombuffer(seq, dtype=np.dtype(seq.typecode))
    return np.asarray(seq, dtype=np.int64)
