"""The graph's node-index arrays as numpy arrays, and the output's liveness from them: the
numpy passes the engine's set-up shares (:mod:`diffx.sweep_plan`, :mod:`diffx.counts`,
:meth:`diffx.graph.Graph.reachable_from_output`), or the compiled tier's loop where it is
loaded (:mod:`diffx.graph_machine`). Imports nothing of diffx but the tier's slot, so the
graph can use it."""

from __future__ import annotations

from array import array
from typing import Any

from . import tier_slot


def all_used(graph: Any) -> bytearray | None:
    """:meth:`Graph.reachable_from_output` in numpy passes when every node before the output
    is an argument of a node up to the output (then all of them are live, by induction from
    the output down); None otherwise (the backward pass decides)."""
    import numpy as np

    n, hi = len(graph.op), graph.output + 1
    if hi < 2:
        return None
    kernel = tier_slot.loaded_for(hi)
    if kernel is not None:  # one loop, where the tier is loaded
        if not kernel.all_args_used(_index_array(graph.a), _index_array(graph.b), hi):
            return None
        return bytearray(b"\x01") * hi + bytearray(n - hi)
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
